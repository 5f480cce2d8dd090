"""The local grader behind ``make grade NB=path``::

    python -m common.grading grade PATH [--solution SOLVED.ipynb] [--pass-mark 0.8]

It runs a learner's notebook (an exercise edition, partly or wholly filled in) in the
current mode and prints a table with a score for each exercise and a total; the exit
status is 1 below the pass mark. How each exercise is scored on its own:

- the learner's cells run as written, errors included (``allow_errors``);
- each check cell is the solved notebook's own (a learner cannot loosen a test), and
  reports its tests through ``TFAT_GRADE_REPORT`` instead of stopping the notebook;
- right after each check cell, the grader runs the solved notebook's code of that exercise,
  so that a later exercise that builds on this one (``FCN8`` calls ``conv_block``) is graded
  on its own merits: an unfinished or wrong answer costs its own points only;
- the run stops after the last check cell (training and the learning bars are the
  notebook's business, not the grade's).

An exercise scores 1 when all its tests pass, else 0; "not implemented" when one of its
cells still raises ``NotImplementedError``.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common.grading import REPORT_VARIABLE
from common.grading.editions import CHECK, regions, solved_notebooks, source

PASS_MARK = 0.8
RESTORE = (
    "# grader: the reference code of {name!r}, so that later exercises are graded on their own\n"
)


class GradingError(ValueError):
    """The file cannot be graded (not a notebook, or not one of the graded notebooks)."""


@dataclass
class Score:
    exercise: str
    passed: int = 0
    total: int = 0
    note: str = ""
    failed: list = field(default_factory=list)

    @property
    def points(self) -> int:
        return int(self.total > 0 and self.passed == self.total and not self.note)


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


def find_solution(nb, path, solution=None) -> Path:
    """The solved notebook that ``nb`` is an edition of, matched by title (or checked
    against ``solution`` when given)."""
    candidates = [Path(solution)] if solution else solved_notebooks()
    wanted = title(nb)
    for candidate in candidates:
        if title(read_notebook(candidate)) == wanted:
            return candidate
    if solution:
        raise GradingError(
            f"{path} is the notebook {wanted!r}, not the assignment of {solution} "
            f"({title(read_notebook(solution))!r})"
        )
    known = "\n  ".join(str(p) for p in candidates)
    raise GradingError(f"{path} ({wanted!r}) is none of the graded notebooks:\n  {known}")


def _checks(nb) -> dict[str, int]:
    """Exercise name -> index of its check cell."""
    found = {}
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            for name in CHECK.findall(source(cell)):
                found.setdefault(name, index)
    return found


def _reference(solution) -> dict[str, tuple[str, str]]:
    """Exercise name -> (its check cell's code, the solved code of its regions' cells)."""
    checks, out, start = _checks(solution), {}, 0
    for name, index in sorted(_checks(solution).items(), key=lambda item: item[1]):
        cells = solution["cells"][start:index]
        code = [source(c) for c in cells if c["cell_type"] == "code" and regions(source(c))]
        out[name] = (source(solution["cells"][index]), "\n\n".join(code))
        start = index + 1
    assert len(out) == len(checks)
    return out


def instrument(nb, solution) -> tuple[dict, dict[str, list[int]]]:
    """The notebook to run: the learner's cells up to the last check cell, each check cell
    replaced by the solution's and followed by the solution's code of that exercise.
    Returns it and, per exercise, the indices (in it) of the learner's cells it covers."""
    reference = _reference(solution)
    cells, owners, pending = [], {}, []
    learner_checks = {index: name for name, index in _checks(nb).items() if name in reference}
    last = max(learner_checks, default=-1)
    for index, cell in enumerate(nb["cells"][: last + 1]):
        if index in learner_checks:
            name = learner_checks[index]
            check, code = reference[name]
            owners[name] = pending
            pending = []
            cells.append(_code(check))
            if code:
                cells.append(_code(RESTORE.format(name=name) + code))
        else:
            if cell["cell_type"] == "code":
                pending.append(len(cells))
            cells.append(dict(cell, source=source(cell)))
            if cell["cell_type"] == "code":
                cells[-1].update(outputs=[], execution_count=None)
    return dict(nb, cells=cells), owners


def _code(text: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text,
    }


def _raised_not_implemented(cell) -> bool:
    return any(o.get("ename") == "NotImplementedError" for o in cell.get("outputs", []))


def execute(nb, folder: Path, report: Path, timeout: int) -> dict:
    """Run ``nb`` in ``folder`` with every error allowed; the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.from_dict(nb)
    os.environ[REPORT_VARIABLE] = str(report)
    try:
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": str(folder)}},
        ).execute(stderr=subprocess.DEVNULL)
    finally:
        os.environ.pop(REPORT_VARIABLE, None)
    return notebook


def crashes(executed, owners) -> list[str]:
    """The learner's cells that failed with anything but ``NotImplementedError`` (an
    exercise edition as shipped has none): ``"cell N: ErrorName: message"``."""
    found = []
    for index in sorted(i for cells in owners.values() for i in cells):
        for output in executed.cells[index].get("outputs", []):
            if (
                output.get("output_type") == "error"
                and output.get("ename") != "NotImplementedError"
            ):
                found.append(f"cell {index}: {output['ename']}: {output.get('evalue', '')}"[:200])
    return found


def grade(path, *, solution=None, timeout: int = 600, errors: list | None = None) -> list[Score]:
    """Grade the notebook at ``path``; one :class:`Score` per exercise of its solution.
    ``errors``, when given, receives :func:`crashes`."""
    nb = read_notebook(path)
    solved_path = find_solution(nb, path, solution)
    solved = read_notebook(solved_path)
    run, owners = instrument(nb, solved)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.jsonl"
        executed = execute(run, solved_path.parent, report, timeout)
        lines = report.read_text().splitlines() if report.exists() else []
    if errors is not None:
        errors.extend(crashes(executed, owners))
    results = {}
    for line in lines:
        item = json.loads(line)
        results[item["exercise"]] = Score(
            item["exercise"], item["passed"], item["total"], failed=item["failed"]
        )
    scores = []
    for name in _reference(solved):
        score = results.get(name) or Score(name, note="its check cell is missing or did not run")
        cells = [executed.cells[i] for i in owners.get(name, [])]
        if any(_raised_not_implemented(c) for c in cells) or "implemented" in score.failed:
            score.note = "not implemented"
        scores.append(score)
    return scores


def table(scores: list[Score], pass_mark: float = PASS_MARK) -> tuple[str, bool]:
    """The printed report, and whether the total reaches ``pass_mark``."""
    width = max([len(s.exercise) for s in scores] + [8])
    rows = [f"{'exercise':<{width}}  tests  score  notes"]
    for s in scores:
        note = s.note or (f"failed: {', '.join(s.failed)}" if s.failed else "")
        rows.append(
            f"{s.exercise:<{width}}  {s.passed:>2}/{s.total:<2}  {s.points:>3}/1  {note}".rstrip()
        )
    got, total = sum(s.points for s in scores), len(scores)
    ok = total > 0 and got / total >= pass_mark
    rows.append(
        f"{'total':<{width}}         {got:>3}/{total}  {'PASS' if ok else 'FAIL'} (pass mark {pass_mark:.0%})"
    )
    return "\n".join(rows), ok


def main(path, solution=None, pass_mark: float = PASS_MARK, timeout: int = 600) -> int:
    start = time.perf_counter()
    errors = []
    try:
        scores = grade(path, solution=solution, timeout=timeout, errors=errors)
    except GradingError as err:
        print(f"cannot grade: {err}")
        return 2
    text, ok = table(scores, pass_mark)
    print(text)
    for error in errors:
        print(f"note: {error}")
    print(f"graded {path} in {time.perf_counter() - start:.0f} s")
    return 0 if ok else 1
