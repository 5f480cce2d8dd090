"""The local grader behind ``make grade NB=path``::

    python -m common.grading grade PATH [--assignment NAME] [--timeout 300] [--limit 900]

It grades a learner's notebook (an exercise edition, partly or wholly filled in) in the
current mode, prints which assignment it graded and a table with a score per exercise and
the failed tests' own messages, and writes the same as feedback files beside the notebook
(``NAME.feedback.json`` and ``NAME.feedback.html``). Exit status: 0 at or above the pass
mark, 1 below it, 3 when the file cannot be graded (:data:`EXIT`).

How the graded notebook is built (nbgrader's read-only cells, by hand):

- the assignment is identified by the edition's notebook metadata, else by the names of
  its exercises, else by its title; ``--assignment`` says which one is meant, and a
  notebook that is identified as another one is refused;
- the notebook that runs is the solved one from the repository, with only the learner's
  exercise cells (the cells of its ``### BEGIN SOLUTION`` regions) taken from their file:
  setup, helper and check cells, and :mod:`common.grading` itself, are the repository's;
- before each check cell the grader reloads :mod:`common.grading` and the check reports
  through a one-time seal made in the kernel after the learner's code has run: a patched
  ``Checks``, a replaced helper or a printed line cannot pass for a result;
- after a check that fails, the reference code of that exercise runs, so that a later
  exercise that builds on it (``FCN8`` calls ``conv_block``) is graded on its own merits;
- a cell that runs past ``--timeout`` seconds, or a kernel that dies, costs that exercise
  its point ("timed out after N s", "the kernel died"): the grader starts a fresh kernel,
  replays the assignment with the reference code and goes on; ``--limit`` bounds the whole
  run, and what was not reached is reported as not graded;
- the run stops after the last check cell, and the settings cell's ``EPOCHS`` (and other
  ``*EPOCHS``) are capped (:data:`GRADE_CAPS`): training and the learning bars are the
  notebook's business, not the grade's.

An exercise scores 1 when all its tests pass, else 0.
"""

from __future__ import annotations

import ast
import difflib
import json
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from common.grading.editions import (
    CHECK,
    SUMMARY,
    assignment_of,
    blank,
    exercise_names,
    next_exercise,
    regions,
    solved_notebooks,
    source,
)
from common.grading.report import PASS_MARK, RESULT_MIME, Score, feedback, table, write_feedback
from common.notebooks import SETTINGS_CELL, cap_settings

GRADE_CAPS = {"EPOCHS": 2}  # loop counts capped in the settings cell while grading (2: a
# wrong answer that trains one epoch still differs)
EXIT = {"pass": 0, "below the pass mark": 1, "refused": 3}
TIMEOUT = 300  # seconds a cell may run
LIMIT = 1200  # seconds the whole run may take
PRELUDE = (
    "import importlib as _importlib, common.grading as _grading  # the grader: a fresh copy\n"
    "grading = _importlib.reload(_grading)\n"
    "grading._seal({name!r})\n"
)


class GradingError(ValueError):
    """The file cannot be graded (not a notebook, or not one of the graded notebooks)."""


# -- which assignment ---------------------------------------------------------------------


def read_notebook(path) -> dict:
    """The notebook JSON at ``path``; a :class:`GradingError` for anything else."""
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path}: no such file")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise GradingError(f"{path} is not a Jupyter notebook (not JSON: {err})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or nb.get("nbformat") != 4:
        raise GradingError(f"{path} is not a Jupyter notebook (no nbformat 4 cells)")
    return nb


def title(nb) -> str:
    """The notebook's title: the first line of its first markdown cell."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            return source(cell).strip().split("\n")[0].lstrip("# ").strip()
    return ""


def _resolve(assignment, candidates) -> Path:
    """The solved notebook named by ``assignment``: a path, a file stem, or a unique part
    of one (``C2_W1``)."""
    if Path(assignment).suffix == ".ipynb" and Path(assignment).is_file():
        return Path(assignment)
    wanted = Path(str(assignment)).stem.lower()
    hits = [p for p in candidates if p.stem.lower() == wanted] or [
        p for p in candidates if wanted in p.stem.lower()
    ]
    if len(hits) == 1:
        return hits[0]
    known = "\n  ".join(p.stem for p in candidates)
    what = "matches several" if hits else "is none"
    raise GradingError(f"ASSIGNMENT={assignment} {what} of the graded assignments:\n  {known}")


def _identify(nb, candidates) -> tuple[Path | None, str]:
    """The solved notebook ``nb`` is an edition of, and how that was decided."""
    stem = assignment_of(nb)
    for candidate in candidates:
        if stem and candidate.stem == stem:
            return candidate, "its notebook metadata"
    names = set(exercise_names(nb))
    if names:
        overlap = {c: len(names & set(exercise_names(read_notebook(c)))) for c in candidates}
        ranked = sorted(overlap.items(), key=lambda item: -item[1])
        best, hits = ranked[0] if ranked else (None, 0)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if best is not None and hits * 2 >= len(names) and hits > runner_up:
            shown = ", ".join(sorted(names)[:4]) + (", ..." if len(names) > 4 else "")
            return best, f"its exercises: {shown}"
    wanted = title(nb).lower()
    for candidate in candidates:
        theirs = title(read_notebook(candidate)).lower()
        if wanted and (wanted.startswith(theirs) or _similar(wanted, theirs) >= 0.8):
            return candidate, f"its title, {title(nb)!r}"
    return None, ""


def find_solution(nb, path, assignment=None) -> tuple[Path, str]:
    """The solved notebook to grade ``nb`` against and how it was identified; refuses a
    notebook that is none of them, or another one than ``assignment`` (a name or a path)."""
    candidates = solved_notebooks()
    if assignment and Path(str(assignment)).is_file():
        candidates = sorted({*candidates, Path(assignment)})
    found, how = _identify(nb, candidates)
    if assignment:
        meant = _resolve(assignment, candidates)
        if found is not None and found.resolve() != meant.resolve():
            raise GradingError(
                f"{path} is the assignment {found.stem} (identified by {how}), "
                f"not {meant.stem}: check the file, or leave ASSIGNMENT out"
            )
        return meant, how or "ASSIGNMENT="
    if found is None:
        known = "\n  ".join(p.stem for p in candidates)
        raise GradingError(
            f"{path} ({title(nb)!r}) is none of the graded notebooks: an assignment is "
            "identified by its notebook metadata, the names in its check cells "
            '(grading.exercise("...")) or its title. Say which it is with ASSIGNMENT=NAME, '
            f"one of:\n  {known}"
        )
    return found, how


# -- what runs ----------------------------------------------------------------------------


@dataclass
class Step:
    """One cell the grader runs: ``kind`` is "setup" (the repository's cell), "learner"
    (their exercise cell; ``reference`` is the solved one) or "check"."""

    kind: str
    exercise: str
    text: str
    reference: str = ""
    cell: int | None = None  # its index in the learner's file


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _checks(nb) -> dict[str, int]:
    """Exercise name -> index of its (first) check cell."""
    found = {}
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            for name in CHECK.findall(source(cell)):
                found.setdefault(name, index)
    return found


def _segment(nb, order: list[str], name: str) -> tuple[int, int]:
    """The learner's cells that belong to exercise ``name``: after the check cell of the
    exercise before it, up to its own check cell."""
    checks = _checks(nb)
    before = [checks[n] for n in order[: order.index(name)] if n in checks]
    return (max(before) + 1 if before else 0), checks.get(name, len(nb["cells"]))


def match_cells(nb, solved) -> dict[int, int | None]:
    """Solved cell index (a cell with a solution region) -> the learner's cell that answers
    it (or None), by cell id, place and likeness to the edition's text."""
    order, out, used = exercise_names(solved), {}, set()
    check_cells = set(_checks(nb).values())
    for index, cell in enumerate(solved["cells"]):
        if cell["cell_type"] != "code" or not regions(source(cell)):
            continue
        name = next_exercise(solved, index)
        start, stop = _segment(nb, order, name)
        frame = blank(source(cell), name)
        rank = _rank(solved, index, *_segment(solved, order, name))
        best, best_score = None, 0.5
        for i in range(start, min(stop, len(nb["cells"]))):
            theirs = nb["cells"][i]
            if theirs["cell_type"] != "code" or i in check_cells or i in used:
                continue
            score = _similar(frame, source(theirs))
            score += 1.0 if theirs.get("id") and theirs.get("id") == cell.get("id") else 0.0
            score += 0.5 if _rank(nb, i, start, stop) == rank else 0.0
            if score > best_score:
                best, best_score = i, score
        out[index] = best
        used.add(best)
    return out


def _rank(nb, index, start, stop) -> int:
    """The place of code cell ``index`` among the code cells in ``[start, stop)``."""
    return (
        sum(1 for c in nb["cells"][start:index] if c["cell_type"] == "code")
        if start <= index < stop
        else -1
    )


def plan(nb, solved) -> tuple[list[Step], list[str]]:
    """The cells to run (the solved notebook up to its last check cell, the learner's
    exercise cells in place of its solution cells) and notes on the learner's other cells."""
    matches, checks = match_cells(nb, solved), {i: n for n, i in _checks(solved).items()}
    last = max(checks, default=-1)
    steps = []
    for index, cell in enumerate(solved["cells"][: last + 1]):
        if cell["cell_type"] != "code":
            continue
        text, name = source(cell), next_exercise(solved, index)
        if index in checks:
            steps.append(Step("check", checks[index], text))
        elif index in matches:
            mine = matches[index]
            steps.append(
                Step("learner", name, "" if mine is None else source(nb["cells"][mine]), text, mine)
            )
        else:
            if index == SETTINGS_CELL:  # train briefly: the grade is the exercises', not the bars'
                text = cap_settings(text, GRADE_CAPS)
            steps.append(Step("setup", name, text))
    return steps, _other_cells(nb, solved, matches)


def _quote(text: str) -> str:
    """The first line of code of a cell (comments skipped), to name it in a note."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    first = next((line for line in lines if not line.startswith("#")), lines[0] if lines else "")
    return first if len(first) <= 60 else first[:59] + "…"


def _other_cells(nb, solved, matches) -> list[str]:
    """Notes on the learner's code cells that are neither exercise nor check cells and
    differ from the assignment's: the grader does not run them."""
    theirs = set(matches.values()) | set(_checks(nb).values())
    known = {source(c).strip() for c in solved["cells"] if c["cell_type"] == "code"}
    notes = []
    for index, cell in enumerate(nb["cells"]):
        text = source(cell).strip()
        if cell["cell_type"] != "code" or index in theirs or index == 1 or not text:
            continue
        if text in known or SUMMARY in text:
            continue
        closest = max((_similar(text, k) for k in known), default=0.0)
        what = (
            "you changed it, but it is not an exercise cell: the grader runs the assignment's "
            "own version"
            if closest >= 0.6
            else "it is not part of the assignment, so the grader does not run it (code an "
            "exercise needs belongs in that exercise's cell)"
        )
        notes.append(f"cell {index + 1} ({_quote(text)}): {what}")
    return notes


# -- running it ---------------------------------------------------------------------------


class _Kernel:
    """One kernel in ``folder`` that runs cells one at a time with a timeout each."""

    def __init__(self, folder: Path):
        import nbformat
        from nbclient import NotebookClient

        self.nb = nbformat.v4.new_notebook()
        self.client = NotebookClient(
            self.nb,
            kernel_name="python3",
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(folder)}},
        )
        self.stack = ExitStack()
        self.client.reset_execution_trackers()
        self.stack.enter_context(self.client.setup_kernel(stderr=subprocess.DEVNULL))

    def run(self, text: str, timeout: float) -> tuple[list, str]:
        """Run ``text``; its outputs and "ok", "timeout" or "dead"."""
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        cell = nbformat.v4.new_code_cell(text)
        self.nb.cells.append(cell)
        self.client.timeout = max(1, int(timeout))
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
        except CellTimeoutError:
            return cell.outputs, "timeout"
        except (DeadKernelError, RuntimeError):
            return cell.outputs, "dead"
        return cell.outputs, "ok"

    def close(self):
        try:
            self.stack.close()
        except Exception:  # noqa: BLE001 - a dead kernel may fail to shut down cleanly
            pass


@dataclass
class _Outcome:
    results: list | None = None
    note: str = ""
    not_implemented: bool = False
    cells: list = field(default_factory=list)


def _statements(text: str) -> list[tuple[str, str, str]]:
    """``(name, kind, source)`` for each name a cell binds at its top level; ``kind`` is
    "def" (a function or class), "import" or "assign". Empty when it is not plain Python."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            kind, names = "def", [node.name]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            kind, names = "import", [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            kind = "assign"
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        else:
            continue
        found += [(name, kind, ast.get_source_segment(text, node) or "") for name in names]
    return found


def _bound(text: str) -> set[str]:
    """The names a cell binds with a def, a class or an assignment (an import of the same
    module as the assignment's is harmless)."""
    return {name for name, kind, _ in _statements(text) if kind != "import"}


def _definitions(text: str) -> dict[str, str]:
    """Name -> the source of the top-level function, class or import that binds it."""
    return {name: code for name, kind, code in _statements(text) if kind != "assign"}


def _errors(outputs) -> list[tuple[str, str]]:
    return [
        (o.get("ename", ""), o.get("evalue", ""))
        for o in outputs
        if o.get("output_type") == "error"
    ]


def _sealed(outputs, name: str) -> list | None:
    """The results the check of ``name`` reported under the seal it announced first."""
    seal, results = None, None
    for output in outputs:
        data = (
            output.get("data", {}).get(RESULT_MIME)
            if output.get("output_type") == "display_data"
            else None
        )
        if not isinstance(data, dict):
            continue
        if seal is None and name in data.get("seals", {}):
            seal = data["seals"][name]
        elif seal is not None and data.get("seal") == seal and data.get("exercise") == name:
            results = results or data.get("results")
    return results


class _Run:
    """Runs the steps, restarting the kernel after a timeout or a death."""

    def __init__(self, steps: list[Step], folder: Path, timeout: float, limit: float):
        self.steps, self.folder, self.timeout = steps, folder, timeout
        self.deadline = time.monotonic() + limit
        self.limit = limit
        self.outcomes = {s.exercise: _Outcome() for s in steps}
        self.notes: list[str] = []
        self.kernel: _Kernel | None = None
        self.defined: dict[str, str] = {}  # the assignment's own helpers, to put back

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def go(self) -> None:
        index = 0
        try:
            while index < len(self.steps):
                if self.left() <= 1:
                    self._stop_at(
                        index, f"not graded: the run's limit of {self.limit:.0f} s was reached"
                    )
                    return
                if self.kernel is None and not self._start(index):
                    return
                index = self._step(index)
        finally:
            if self.kernel is not None:
                self.kernel.close()

    def _start(self, index: int) -> bool:
        """A fresh kernel, with the steps before ``index`` replayed on the reference code."""
        try:
            self.kernel = _Kernel(self.folder)
        except RuntimeError:  # "Kernel died before replying to kernel_info": a loaded machine
            self.kernel = _Kernel(self.folder)
        for step in self.steps[:index]:
            if step.kind == "check":
                continue
            outputs, status = self.kernel.run(step.reference or step.text, self.left())
            if status != "ok" or _errors(outputs):
                self._stop_at(
                    index,
                    "not graded: the assignment could not be set up again after "
                    "the kernel was restarted",
                )
                return False
        return True

    def _stop_at(self, index: int, note: str) -> None:
        for step in self.steps[index:]:
            outcome = self.outcomes[step.exercise]
            if outcome.results is None and not outcome.note:
                outcome.note = note

    def _step(self, index: int) -> int:
        step, timeout = self.steps[index], min(self.timeout, self.left())
        outcome = self.outcomes[step.exercise]
        text = step.text
        if step.kind == "check":
            text = PRELUDE.format(name=step.exercise) + text
        if step.kind == "learner" and step.cell is None:
            outcome.note = outcome.note or "its cell is missing from your notebook"
            return index + 1
        outputs, status = self.kernel.run(text, timeout)
        if status != "ok":
            self.kernel.close()
            self.kernel = None
            if timeout < self.timeout:
                self._stop_at(
                    index, f"not graded: the run's limit of {self.limit:.0f} s was reached"
                )
                return len(self.steps)
            outcome.note = outcome.note or (
                f"timed out after {timeout:.0f} s" if status == "timeout" else "the kernel died"
            )
            where = (
                f"cell {step.cell + 1} of your notebook"
                if step.cell is not None
                else "its check cell"
            )
            outcome.cells.append(f"{where}: {outcome.note}")
            return self._after(step.exercise)
        if step.kind == "setup":
            self.defined.update(_definitions(step.text))
        elif step.kind == "learner":
            self._protect(step, outcome)
        for name, value in _errors(outputs):
            if step.kind == "learner" and name == "NotImplementedError":
                outcome.not_implemented = True
            elif step.kind == "learner":
                outcome.cells.append(
                    f"cell {step.cell + 1} of your notebook ({_quote(step.text)}) raised "
                    f"{name}: {value}"[:300]
                )
            elif step.kind == "setup":
                self.notes.append(
                    f"an assignment cell before {step.exercise!r} raised {name}: {value}"[:300]
                )
        if step.kind == "check":
            outcome.results = _sealed(outputs, step.exercise)
            if outcome.results is None or not all(ok for _, ok, _ in outcome.results):
                self._restore(step.exercise)
        return index + 1

    def _protect(self, step: Step, outcome: _Outcome) -> None:
        """Put back the assignment's helpers that the learner's cell redefined (a check
        that calls ``exact`` must get the assignment's ``exact``)."""
        clobbered = sorted((_bound(step.text) & self.defined.keys()) - _bound(step.reference))
        if clobbered:
            self.kernel.run("\n\n".join(self.defined[n] for n in clobbered), self.left())
            outcome.cells.append(
                f"cell {step.cell + 1} of your notebook redefines {', '.join(clobbered)}, which "
                "the assignment defines: the grader put the assignment's version back"
            )

    def _after(self, name: str) -> int:
        """The index of the first step after the check of exercise ``name``."""
        checks = [i for i, s in enumerate(self.steps) if s.kind == "check" and s.exercise == name]
        return (checks[-1] if checks else len(self.steps) - 1) + 1

    def _restore(self, name: str) -> None:
        """Run exercise ``name``'s cells again with the reference code in place of the
        learner's, so that later exercises are graded on their own."""
        steps = [s for s in self.steps if s.exercise == name and s.kind != "check"]
        first = next((i for i, s in enumerate(steps) if s.kind == "learner"), len(steps))
        for step in steps[first:]:
            outputs, status = self.kernel.run(
                step.reference or step.text, min(self.timeout, self.left())
            )
            if status != "ok" or _errors(outputs):
                self.notes.append(
                    f"the reference code of {name!r} failed after your attempt: "
                    f"{_errors(outputs)[:1] or status}"
                )
                if status != "ok":
                    self.kernel.close()
                    self.kernel = None
                return


def _score(name: str, outcome: _Outcome) -> Score:
    if outcome.note:
        score = Score(name, note=outcome.note)
    elif outcome.results is None:
        score = Score(name, note="its check cell did not report a result")
    else:
        score = Score.from_results(name, outcome.results)
        if outcome.not_implemented:
            score.note = "not implemented"
    score.cells = list(outcome.cells)
    return score


@dataclass
class Grade:
    """A graded notebook: the scores, which assignment, how it was identified, notes."""

    scores: list[Score]
    assignment: Path
    identified: str
    notes: list[str]

    @property
    def crashes(self) -> list[str]:
        """The learner's cells that raised, and the notes (an edition as shipped has none)."""
        return [c for s in self.scores for c in s.cells] + list(self.notes)


def grade(path, *, assignment=None, timeout: float = TIMEOUT, limit: float = LIMIT) -> Grade:
    """Grade the notebook at ``path`` (see the module's docstring): one :class:`Score` per
    exercise of its assignment (``assignment``: a name such as ``C2_W1`` or the solved
    notebook's path, else recognised)."""
    if timeout <= 0 or limit <= 0:
        raise GradingError(f"timeout and limit must be positive seconds, got {timeout} and {limit}")
    nb = read_notebook(path)
    solved_path, how = find_solution(nb, path, assignment)
    solved = read_notebook(solved_path)
    steps, notes = plan(nb, solved)
    if not any(s.kind == "learner" and s.cell is not None for s in steps) and assignment:
        raise GradingError(f"{path} has none of the exercise cells of {solved_path.stem}")
    run = _Run(steps, solved_path.parent, timeout, limit)
    run.go()
    order = exercise_names(solved)
    scores = [_score(name, run.outcomes.get(name, _Outcome())) for name in order]
    return Grade(scores, solved_path, how, notes + run.notes)


def main(
    path,
    assignment=None,
    pass_mark: float = PASS_MARK,
    timeout: float = TIMEOUT,
    limit: float = LIMIT,
    write: bool = True,
) -> int:
    """``make grade``: print the grade, write the feedback files; the exit status (:data:`EXIT`)."""
    start = time.perf_counter()
    try:
        result = grade(path, assignment=assignment, timeout=timeout, limit=limit)
    except GradingError as err:
        print(f"cannot grade: {err}")
        print(f"refused (exit status {EXIT['refused']})")
        return EXIT["refused"]
    name = result.assignment.stem
    print(f"graded {path} as the assignment {name} (identified by {result.identified})")
    if Path(path).stem != name:
        print(f"note: the file's name is not the assignment's ({name}.ipynb)")
    text, ok = table(result.scores, pass_mark)
    print(text)
    for note in result.notes:
        print(f"note: {note}")
    if write:
        data = feedback(
            result.scores,
            assignment=name,
            notebook=str(path),
            identified=result.identified,
            notes=result.notes,
            pass_mark=pass_mark,
        )
        json_path, html_path = write_feedback(data, Path(path))
        print(f"feedback: {json_path} and {html_path}")
    verdict = "pass" if ok else "below the pass mark"
    print(f"{verdict} (exit status {EXIT[verdict]}); graded in {time.perf_counter() - start:.0f} s")
    return EXIT[verdict]
