"""nbgrader cell metadata for the solved assignments, generated from their markers, and a
throwaway nbgrader course built from them (for instructors)::

    python -m common.grading.nbgrader meta [--check] [NOTEBOOK ...]   # every solved one if none
    python -m common.grading.nbgrader course DIR [NOTEBOOK ...]

``meta`` writes each cell's ``metadata["nbgrader"]`` (schema 3) from what the notebook already
says, never by hand, so it cannot drift from the markers (``--check``: exit 1 where it is stale):

- a cell with a ``### BEGIN SOLUTION`` region is a **solution cell** (not locked), id
  ``<exercise>-solution`` (``-solution-2``, ... when an exercise has several);
- a cell with ``grading.exercise("name")`` is an **autograded test cell**, 1 point, locked,
  id ``<exercise>-tests``: it raises :class:`~common.grading.ExerciseFailed` when a test fails
  (outside ``make grade``), which nbgrader scores 0;
- every other cell is **read-only** (locked), id ``<exercise>-readonly-<k>``, named after the
  exercise whose section it is in (the next check cell; ``end`` after the last).

``<exercise>`` is the check's name with characters outside ``[A-Za-z0-9_-]`` replaced by
``_``. Running it twice changes nothing; other cell metadata (``tags``) is kept.

``course DIR`` lays out an nbgrader course: ``DIR/source/<stem>/<stem>.ipynb`` with the
metadata for each notebook, and ``DIR/nbgrader_config.py``. Then, in ``DIR``:
``nbgrader generate_assignment <stem>`` and ``nbgrader autograde <stem>``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

from common.grading.editions import (
    BEGIN,
    CHECK,
    END,
    next_exercise,
    regions,
    render,
    solved_notebooks,
    source,
)

SCHEMA_VERSION = 3
POINTS = 1
CONFIG = """\
# nbgrader configuration of a course built by `python -m common.grading.nbgrader course`.
c = get_config()  # noqa: F821 - nbgrader's config loader defines it
c.CourseDirectory.course_id = "tfat"
c.CourseDirectory.db_url = "sqlite:///{db}"
# Seconds per cell (nbgrader's default, 30, is short for a training cell); a cell that runs
# longer is interrupted and counts as an error, as in `make grade --timeout`.
c.Execute.timeout = {timeout}
"""


def grade_id(name: str) -> str:
    """An exercise name as nbgrader accepts it in an id (``[A-Za-z0-9_-]+``)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty exercise name, got {name!r}")
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _stray_markers(text: str) -> bool:
    """Whether ``text`` mentions a marker outside a marker line: nbgrader's ClearSolutions
    takes any line containing ``BEGIN SOLUTION`` as one, :func:`regions` only exact lines."""
    return any(
        ("BEGIN SOLUTION" in line or "END SOLUTION" in line) and line.strip() not in (BEGIN, END)
        for line in text.split("\n")
    )


def _entry(cell_id: str, *, grade=False, solution=False, locked=True) -> dict:
    entry = {
        "grade": grade,
        "grade_id": cell_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        entry["points"] = POINTS
    return entry


def _role(nb, index: int) -> tuple[str, str | None]:
    """``("tests", exercise)``, ``("solution", exercise)`` or ``("readonly", the exercise of
    the section or None after the last)`` for cell ``index`` of ``nb``."""
    cell = nb["cells"][index]
    text, code = source(cell), cell["cell_type"] == "code"
    if _stray_markers(text) or (not code and regions(text)):
        raise ValueError(f"cell {index}: a solution marker outside a code cell's marker line")
    names, solved = (CHECK.findall(text), bool(regions(text))) if code else ([], False)
    if len(set(names)) > 1 or (names and solved):
        raise ValueError(f"cell {index}: one cell, one job (a solution, or one exercise's check)")
    if names:
        return "tests", names[0]
    section = next_exercise(nb, index)
    if solved and section is None:
        raise ValueError(f"cell {index}: a solution region with no check cell after it")
    return ("solution" if solved else "readonly"), section


def cell_metadata(nb) -> list[dict]:
    """The ``metadata["nbgrader"]`` of each cell of notebook JSON ``nb``, in order.

    Raises:
        ValueError: no solution region; a cell with both a region and a check, or checks of
            two exercises; a region with no check cell after it; a marker nbgrader would read
            differently; two exercises whose ids collide.
    """
    roles = [_role(nb, index) for index in range(len(nb["cells"]))]
    if not any(kind == "solution" for kind, _ in roles):
        raise ValueError("the notebook has no ### BEGIN SOLUTION region")
    out, names, counts = [], {}, {}
    for kind, exercise in roles:
        ident = grade_id(exercise) if exercise else "end"
        if kind == "tests":
            if names.setdefault(ident, exercise) != exercise:
                raise ValueError(
                    f"exercises {names[ident]!r} and {exercise!r} share the id {ident}"
                )
            out.append(_entry(f"{ident}-tests", grade=True))
            continue
        counts[ident, kind] = number = counts.get((ident, kind), 0) + 1
        if kind == "solution":
            suffix = "" if number == 1 else f"-{number}"
            out.append(_entry(f"{ident}-solution{suffix}", solution=True, locked=False))
        else:
            out.append(_entry(f"{ident}-readonly-{number}"))
    return out


def with_metadata(nb) -> dict:
    """A copy of notebook JSON ``nb`` with each cell's ``metadata["nbgrader"]`` from
    :func:`cell_metadata` (other metadata kept; ``nb`` is unchanged)."""
    out = copy.deepcopy(nb)
    for cell, entry in zip(out["cells"], cell_metadata(nb), strict=True):
        cell.setdefault("metadata", {})["nbgrader"] = entry
    return out


def write_metadata(paths=None, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) the metadata of each notebook in ``paths`` (every
    solved notebook when ``None``); return those that were stale."""
    stale = []
    for path in map(Path, paths or solved_notebooks()):
        text = path.read_text(encoding="utf-8")
        wanted = render(with_metadata(json.loads(text)))
        if wanted != text:
            stale.append(path)
            if not check:
                path.write_text(wanted, encoding="utf-8")
    return stale


def build_course(root, paths=None, *, timeout: int = 300) -> list[str]:
    """An nbgrader course in folder ``root``: ``source/<stem>/<stem>.ipynb`` with metadata
    for each notebook in ``paths`` (every solved one when ``None``), and its
    ``nbgrader_config.py`` (gradebook ``root/gradebook.db``). Returns the assignment ids."""
    if not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    root = Path(root).resolve()
    ids = []
    for path in map(Path, paths or solved_notebooks()):
        nb = with_metadata(json.loads(path.read_text(encoding="utf-8")))
        folder = root / "source" / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_text(render(nb), encoding="utf-8")
        ids.append(path.stem)
    config = CONFIG.format(db=root / "gradebook.db", timeout=timeout)
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    return ids


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m common.grading.nbgrader")
    commands = parser.add_subparsers(dest="command", required=True)
    meta = commands.add_parser("meta", help="write the nbgrader cell metadata of notebooks")
    meta.add_argument("--check", action="store_true", help="only report stale notebooks")
    meta.add_argument("paths", nargs="*", help="notebooks (default: every solved notebook)")
    course = commands.add_parser("course", help="lay out an nbgrader course in DIR")
    course.add_argument("dir")
    course.add_argument("paths", nargs="*", help="notebooks (default: every solved notebook)")
    course.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    if args.command == "course":
        for name in build_course(args.dir, args.paths, timeout=args.timeout):
            print(f"source/{name}/{name}.ipynb")
        return 0
    stale = write_metadata(args.paths, check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    if args.check and stale:
        print("run `python -m common.grading.nbgrader meta` and commit the notebooks")
    return int(args.check and bool(stale))


if __name__ == "__main__":
    sys.exit(main())
