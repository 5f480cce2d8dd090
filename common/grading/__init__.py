"""Course-style checks of an exercise: every test prints PASS or FAIL with a message that
says what is wrong (the shape expected against the shape got, the first value that
differs), as the course's graders did, and an unfinished or crashing exercise shows one
line, never a traceback from deep inside TensorFlow::

    with grading.exercise("conv_block") as check:
        out = conv_block(x, filters=8, kernel_size=3, pool_size=2, pool_strides=2)
        check.shape("output shape", out, (2, 14, 14, 8))
        check.close("values on a fixed input", out, expected, atol=1e-5)
        check.true("pools with MaxPooling2D", has_pool, "end the block with MaxPooling2D")

At the end of the block the exercise prints its tally and remembers its result in this
kernel, so that :func:`summary` (the last cell of every exercise edition) prints the same
per-exercise table as ``make grade``. A failed exercise raises :class:`ExerciseFailed`
(one line in Jupyter), except while the grader runs it: the grader's own copy of the check
cell hands this module a one-time seal (:func:`_seal`), and the exercise then reports its
results as a display output carrying that seal and lets the notebook run on, so that every
exercise is scored on its own (see :mod:`common.grading.grader`).
"""

from __future__ import annotations

import re
import secrets

import numpy as np

from common.grading.report import RESULT_MIME, Score, table

__all__ = [
    "ExerciseFailed",
    "Checks",
    "exercise",
    "calls",
    "summary",
    "Score",
    "table",
    "RESULT_MIME",
]

# The one piece of state besides the mode: what the check cells of this kernel found (for
# summary()), and the seals the grader's copy of a check cell hands over (one use each).
_RESULTS: dict[str, Score] = {}
_SEALS: dict[str, str] = {}


class ExerciseFailed(AssertionError):
    """An exercise failed one of its tests; shown in Jupyter as its message only."""

    def _render_traceback_(self):  # IPython's hook: print the message, not a traceback
        return [f"ExerciseFailed: {self}"]


def _array(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _shape(value) -> tuple:
    shape = value if isinstance(value, (tuple, list)) else getattr(value, "shape", None)
    if shape is None:
        shape = np.shape(value)
    return tuple(None if d is None else int(d) for d in shape)


class Checks:
    """The tests of one exercise (made by :func:`exercise`); each method records and prints
    one test and returns whether it passed."""

    def __init__(self, name: str):
        self.name = name
        self.results: list[tuple[str, bool, str]] = []

    def _record(self, test: str, passed: bool, message: str = "") -> bool:
        self.results.append((test, bool(passed), message))
        print(f"  [{'PASS' if passed else 'FAIL'}] {test}{'' if passed else ': ' + message}")
        return bool(passed)

    def true(self, test: str, condition, hint: str) -> bool:
        """Pass when ``condition`` is truthy; ``hint`` says what to change when it is not."""
        return self._record(test, bool(condition), hint)

    def equal(self, test: str, got, expected) -> bool:
        """Pass when ``got == expected`` (numbers, strings, lists, tuples, dicts)."""
        if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
            got, expected = list(got), list(expected)
            if len(got) == len(expected):
                diff = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
                message = (
                    diff and f"item {diff[0]}: expected {expected[diff[0]]!r}, got {got[diff[0]]!r}"
                )
                return self._record(test, not diff, message or "")
        return self._record(test, got == expected, f"expected {expected!r}, got {got!r}")

    def shape(self, test: str, got, expected) -> bool:
        """Pass when the shape of ``got`` (an array, a tensor or a shape) is ``expected``."""
        got_shape, expected = _shape(got), tuple(expected)
        return self._record(
            test, got_shape == expected, f"expected shape {expected}, got {got_shape}"
        )

    def close(self, test: str, got, expected, *, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
        """Pass when the arrays have one shape and agree within ``atol + rtol * |expected|``;
        otherwise name the first element that differs."""
        got, expected = _array(got).astype("float64"), _array(expected).astype("float64")
        if got.shape != expected.shape:
            return self._record(test, False, f"expected shape {expected.shape}, got {got.shape}")
        bad = ~np.isclose(got, expected, atol=atol, rtol=rtol)
        if not bad.any():
            return self._record(test, True)
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {index}" if index else ""
        return self._record(
            test,
            False,
            f"expected {expected[index]:.6g}{where}, got {got[index]:.6g} "
            f"({int(bad.sum())} of {bad.size} values differ)",
        )

    def layer(self, test: str, layer, kind, **config) -> bool:
        """Pass when ``layer`` is a ``kind`` (a Keras layer class) whose ``get_config()``
        has the given values, e.g. ``check.layer("conv", c, keras.layers.Conv2D, filters=8)``."""
        if not isinstance(layer, kind):
            return self._record(
                test, False, f"expected a {kind.__name__}, got {type(layer).__name__}"
            )
        settings = layer.get_config()
        for key, want in config.items():
            have = settings.get(key)
            if isinstance(have, list):
                have = tuple(have)
            if have != want:
                return self._record(test, False, f"{key} should be {want!r}, got {have!r}")
        return self._record(test, True)


class exercise:  # noqa: N801 - used as ``with grading.exercise(name) as check``
    """Context manager that runs the tests of exercise ``name`` (the course's name for it)."""

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be the exercise's name, got {name!r}")
        self.checks = Checks(name)
        self._seal = _SEALS.pop(name, None)  # taken before any learner code runs in the block

    def __enter__(self) -> Checks:
        print(f"{self.checks.name}:")
        return self.checks

    def __exit__(self, kind, error, traceback) -> bool:
        checks = self.checks
        if kind is NotImplementedError:
            checks._record("implemented", False, f"not implemented yet: fill in `{checks.name}`")
        elif kind is not None and issubclass(kind, Exception) and kind is not ExerciseFailed:
            checks._record("runs", False, f"raised {kind.__name__}: {_first_line(error)}"[:300])
        elif kind is not None:
            return False  # KeyboardInterrupt and the like pass through
        failed = [test for test, passed, _ in checks.results if not passed]
        total = len(checks.results)
        if not total:
            raise ValueError(f"exercise {checks.name!r} ran no test")
        print(
            f"{checks.name}: {'all ' if not failed else ''}{total - len(failed)} of {total} tests passed"
        )
        _RESULTS[checks.name] = Score.from_results(checks.name, checks.results)
        if self._seal is not None:  # the grader's run: report, never stop the notebook
            _report(self._seal, checks)
            return True
        if failed:
            raise ExerciseFailed(
                f"{checks.name}: {len(failed)} of {total} tests failed ({failed[0]}, ...)"
            )
        return True


def _first_line(error: BaseException) -> str:
    """The readable part of an error's message (TensorFlow's op prefix dropped)."""
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(error)).strip()
    text = re.sub(r"\s*name:\s*$", "", text.splitlines()[0] if text else "")
    return text


def _seal(name: str) -> None:
    """Called by the grader's copy of a check cell (never by a notebook): the next
    :class:`exercise` named ``name`` reports to the grader, under a seal announced here,
    instead of raising."""
    from IPython.display import display

    _SEALS[name] = secrets.token_hex(16)
    display({RESULT_MIME: {"seals": {name: _SEALS[name]}}}, raw=True)


def _report(seal: str, checks: Checks) -> None:
    from IPython.display import display

    results = [[test, passed, message] for test, passed, message in checks.results]
    display({RESULT_MIME: {"seal": seal, "exercise": checks.name, "results": results}}, raw=True)


class calls:  # noqa: N801 - used as ``with grading.calls(tf, "GradientTape") as spy``
    """Count the uses of ``owner.name`` (a function or a class) inside the block, to test
    that an exercise uses a technique and does not just produce its numbers::

        with grading.calls(tf, "GradientTape") as tape:
            dz_dx = tf_gradient_tape(x)
        check.true("records on a tf.GradientTape", tape.count > 0, "use tf.GradientTape")
    """

    def __init__(self, owner, name: str):
        original = getattr(owner, name, None)
        if original is None:
            raise ValueError(f"{owner!r} has no attribute {name!r}")
        self.owner, self.name, self.original, self.count = owner, name, original, 0

    def __enter__(self) -> calls:
        spy = self

        if isinstance(self.original, type):

            class Spy(self.original):
                def __init__(self, *args, **kwargs):
                    spy.count += 1
                    super().__init__(*args, **kwargs)

            Spy.__name__ = Spy.__qualname__ = self.original.__name__
            replacement = Spy
        else:

            def replacement(*args, **kwargs):
                spy.count += 1
                return spy.original(*args, **kwargs)

        setattr(self.owner, self.name, replacement)
        return self

    def __exit__(self, *exc) -> bool:
        setattr(self.owner, self.name, self.original)
        return False


def summary(names: list[str] | tuple[str, ...]) -> str:
    """Print (and return) the per-exercise table of the check cells run in this kernel,
    with the rows ``make grade`` prints: ``names`` are the notebook's exercises in order;
    one not run yet scores 0 with the note "not run yet". The in-notebook view: ``make
    grade`` is the clean-room run (a fresh kernel, the repository's own cells)."""
    if isinstance(names, str) or not names:
        raise ValueError(f"names must list the exercises, got {names!r}")
    scores = [_RESULTS.get(name) or Score(name, note="not run yet") for name in names]
    text, _ = table(scores)
    print(text)
    print(
        "\nThis is the in-notebook view, from the check cells run in this kernel. The clean-room "
        "grade is `make grade NB=<this file>` in a checkout (see the README)."
    )
    return text
