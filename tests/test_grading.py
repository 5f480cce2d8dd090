"""common.grading: every test prints PASS/FAIL with a message that helps, an unfinished or
crashing exercise fails in one line, and while grading each result goes to the report."""

import keras
import numpy as np
import pytest

from common import grading


def _run(body, capsys):
    with grading.exercise("demo") as check:
        body(check)
    return capsys.readouterr().out


def test_passing_exercise_prints_each_test_and_the_tally(capsys):
    out = _run(lambda c: (c.shape("s", np.zeros((2, 3)), (2, 3)), c.equal("n", 3, 3)), capsys)
    assert out.splitlines() == [
        "demo:",
        "  [PASS] s",
        "  [PASS] n",
        "demo: all 2 of 2 tests passed",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda c: c.shape("s", np.zeros((3, 2)), (2, 3)), "expected shape (2, 3), got (3, 2)"),
        (lambda c: c.close("v", [1.0, 2.5], [1.0, 2.0]), "expected 2 at index (1,), got 2.5"),
        (lambda c: c.equal("l", ["a", "b"], ["a", "c"]), "item 1: expected 'c', got 'b'"),
        (lambda c: c.equal("x", 4, 5), "expected 5, got 4"),
        (lambda c: c.true("t", False, "do this"), "do this"),
        (lambda c: c.layer("k", keras.layers.Dense(3), keras.layers.Conv2D), "expected a Conv2D"),
        (
            lambda c: c.layer("u", keras.layers.Dense(3), keras.layers.Dense, units=4),
            "units should be 4",
        ),
    ],
)
def test_a_failing_test_names_what_is_wrong_and_fails_the_exercise(body, message, capsys):
    with pytest.raises(grading.ExerciseFailed, match="demo: 1 of 1 tests failed"):
        _run(body, capsys)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and message in out


def test_unfinished_and_crashing_exercises_fail_in_one_line(capsys):
    def unfinished():
        raise NotImplementedError

    with pytest.raises(grading.ExerciseFailed):
        _run(lambda c: c.equal("x", unfinished(), 1), capsys)
    assert "not implemented yet: fill in `demo`" in capsys.readouterr().out
    with pytest.raises(grading.ExerciseFailed) as info:
        _run(lambda c: c.equal("x", np.zeros(2) @ np.zeros(3), 1), capsys)
    assert "[FAIL] runs: raised ValueError" in capsys.readouterr().out
    assert info.value._render_traceback_() == [f"ExerciseFailed: {info.value}"]


def test_under_the_graders_seal_results_are_reported_and_the_notebook_runs_on(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda data, raw: shown.append(data))
    grading._seal("demo")
    seal = shown[0][grading.RESULT_MIME]["seals"]["demo"]
    _run(lambda c: (c.equal("a", 1, 1), c.equal("b", 1, 2)), capsys)  # no exception
    assert shown[1][grading.RESULT_MIME] == {
        "seal": seal,
        "exercise": "demo",
        "results": [["a", True, "expected 1, got 1"], ["b", False, "expected 2, got 1"]],
    }
    with pytest.raises(grading.ExerciseFailed):  # a seal is good for one exercise only
        _run(lambda c: c.equal("b", 1, 2), capsys)


def test_summary_prints_the_graders_rows_from_the_checks_run_here(monkeypatch, capsys):
    monkeypatch.setattr(grading, "_RESULTS", {})
    _run(lambda c: c.equal("a", 1, 1), capsys)
    with pytest.raises(grading.ExerciseFailed):
        with grading.exercise("second") as check:
            check.shape("s", np.zeros(9), (3, 3))
    capsys.readouterr()
    text = grading.summary(["demo", "second", "third"])
    lines = text.splitlines()
    assert lines[1].split() == ["demo", "1/1", "1/1"]
    assert lines[2].split()[:3] == ["second", "0/1", "0/1"] and "failed: s" in lines[2]
    assert lines[3].strip() == "- s: expected shape (3, 3), got (9,)"
    assert "third" in lines[4] and "not run yet" in lines[4]
    assert lines[-1].split()[:2] == ["total", "1/3"]
    assert "in-notebook view" in capsys.readouterr().out
    with pytest.raises(ValueError, match="names"):
        grading.summary([])


def test_calls_counts_uses_of_a_function_or_a_class():
    import math

    class Tape:
        def gradient(self):
            return 1

    holder = type("Holder", (), {"Tape": Tape})
    with grading.calls(math, "sqrt") as sqrt, grading.calls(holder, "Tape") as made:
        assert math.sqrt(4.0) == 2.0
        tape = holder.Tape()
        assert isinstance(tape, Tape) and tape.gradient() == 1
    assert (sqrt.count, made.count) == (1, 1)
    assert math.sqrt is sqrt.original and holder.Tape is Tape  # put back
    with pytest.raises(ValueError, match="no attribute"):
        grading.calls(math, "nothing")


def test_tensorflow_errors_are_shown_without_their_op_prefix(capsys):
    import tensorflow as tf

    with pytest.raises(grading.ExerciseFailed):
        _run(lambda c: c.equal("x", tf.matmul(tf.ones((2, 2)), tf.ones(3)), 1), capsys)
    out = capsys.readouterr().out
    assert "[FAIL] runs: raised InvalidArgumentError: " in out and "function_node" not in out


def test_bad_use_is_refused():
    with pytest.raises(ValueError, match="name"):
        grading.exercise("")
    with pytest.raises(ValueError, match="ran no test"), grading.exercise("empty"):
        pass
    with pytest.raises(KeyboardInterrupt), grading.exercise("stop"):
        raise KeyboardInterrupt
