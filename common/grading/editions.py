"""Exercise editions: the solved notebook with each marked solution region replaced by a
placeholder and the check cells kept (nbgrader's markers; nbdev's rule that the committed
copy never drifts from what the generator makes)::

    python -m common.grading editions           # write every edition
    python -m common.grading editions --check   # exit 1 if a committed edition is stale

A region is the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (indented
like the code they wrap). It becomes ``# YOUR CODE HERE`` with a one-line hint (the
region's own ``# Hint: ...`` comment, else the calls the solution makes) and
``raise NotImplementedError(...)``: the cell fails at once, and the check cell after it
reports "not implemented". The edition of ``weekN_x/NAME.ipynb`` is
``weekN_x/exercises/NAME.ipynb``.

An edition claims nothing before the learner has solved anything: the cells before the
first exercise keep the solved notebook's smoke outputs (data, shapes, figures), every code
cell from the first exercise on is cleared, and what a check cell printed besides its
PASS lines (the value it shows) becomes an "Expected output" text above it, as the course
gives it. The last cell prints the learner's score from the checks run in the kernel
(:func:`common.grading.summary`). The notebook metadata names the assignment
(``metadata.tfat.assignment``), which is how the grader recognises it.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

from common.notebooks import COURSE_GLOB, ROOT

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISES = "exercises"
CHECK = re.compile(r"grading\.exercise\(\s*[\"']([^\"']+)[\"']")
_HINT = re.compile(r"^\s*# Hint: (.+)$")
NOTE = (
    "**Exercise edition.** Fill in each cell marked `# YOUR CODE HERE` and run the check "
    "cell after it: it prints PASS or FAIL for each test. Grade the whole notebook with "
    "`make grade NB=<this file>` in a checkout (see the README). The solved notebook is "
    "one folder up; it is where this edition is generated from, so do not edit this copy "
    "in the repository."
)
SUMMARY = "grading.summary("
SCORE_NOTE = (
    "## Your score in this notebook\n\n"
    "The table below comes from the check cells you have run in this kernel, with the rows "
    "`make grade` prints. It is the in-notebook view (on Colab, the only one): `make grade` "
    "is the clean-room run, in a fresh kernel with the repository's own cells."
)
_SKIP_CALLS = {"print", "range", "len", "super", "int", "float", "str", "list", "tuple", "dict"}


def source(cell) -> str:
    """A cell's text (notebook JSON stores it as a string or a list of lines)."""
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def regions(text: str) -> list[tuple[int, int]]:
    """``(begin, end)`` line indices of each marked region of ``text`` (the marker lines).

    Raises:
        ValueError: unbalanced or nested markers, naming the line.
    """
    found, start = [], None
    for number, line in enumerate(text.split("\n")):
        marker = line.strip()
        if marker == BEGIN:
            if start is not None:
                raise ValueError(f"line {number + 1}: {BEGIN} inside another region")
            start = number
        elif marker == END:
            if start is None:
                raise ValueError(f"line {number + 1}: {END} without {BEGIN}")
            found.append((start, number))
            start = None
    if start is not None:
        raise ValueError(f"line {start + 1}: {BEGIN} is never closed")
    return found


def hint(lines: list[str]) -> str:
    """One line that helps: the region's ``# Hint:`` comment, else the API calls it makes."""
    for line in lines:
        match = _HINT.match(line)
        if match:
            return match.group(1).strip()
    calls = []
    for name in re.findall(r"([A-Za-z_][\w.]*)\s*\(", "\n".join(lines)):
        if name.startswith("self.") and name != "self.add_weight":
            continue
        if name in _SKIP_CALLS or name in calls:
            continue
        if "." in name or name[0].isupper():
            calls.append(name)
    return f"you may need {', '.join(calls[:4])}" if calls else "see the description above"


def blank(text: str, exercise: str | None = None) -> str:
    """``text`` with each marked region replaced by a placeholder (markers removed)."""
    lines = text.split("\n")
    for begin, end in reversed(regions(text)):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        what = f"`{exercise}`" if exercise else "this exercise"
        lines[begin : end + 1] = [
            f"{indent}# YOUR CODE HERE. Hint: {hint(lines[begin + 1 : end])}",
            f'{indent}raise NotImplementedError("{what}: replace this line with your code")',
        ]
    return "\n".join(lines)


def exercise_names(nb) -> list[str]:
    """The exercises of a notebook, in order: the names its check cells grade."""
    names = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            names += [n for n in CHECK.findall(source(cell)) if n not in names]
    return names


def next_exercise(nb, index: int) -> str | None:
    """The exercise graded by the first check cell at or after cell ``index``."""
    for cell in nb["cells"][index:]:
        found = CHECK.findall(source(cell)) if cell["cell_type"] == "code" else []
        if found:
            return found[0]
    return None


def has_regions(nb) -> bool:
    return any(c["cell_type"] == "code" and regions(source(c)) for c in nb["cells"])


def assignment_of(nb) -> str | None:
    """The assignment an edition names in its metadata (``metadata.tfat.assignment``)."""
    tfat = nb.get("metadata", {}).get("tfat")
    name = tfat.get("assignment") if isinstance(tfat, dict) else None
    return name if isinstance(name, str) else None


def _expected(cell, name: str) -> str:
    """What check cell ``cell`` (of exercise ``name``) printed besides its own lines."""
    own = re.compile(rf"^({re.escape(name)}:.*|  \[(PASS|FAIL)\] .*)$")
    text = "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("name") == "stdout"
    )
    return "\n".join(line for line in text.split("\n") if line.strip() and not own.match(line))


def _markdown(text: str, cell_id: str) -> dict:
    lines = text.splitlines(keepends=True)
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": lines}


def _code(text: str, cell_id: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": cell_id,
        "metadata": {},
        "outputs": [],
        "source": text.splitlines(keepends=True),
    }


def edition(nb, name: str | None = None) -> dict:
    """The exercise edition of notebook JSON ``nb`` (a new dict; ``nb`` is unchanged).

    Raises:
        ValueError: ``nb`` has no marked region, or a region has no check cell after it.
    """
    if not has_regions(nb):
        raise ValueError("the notebook has no ### BEGIN SOLUTION region")
    out = copy.deepcopy(nb)
    first = out["cells"][0]
    first["source"] = (source(first).rstrip("\n") + "\n\n" + NOTE).splitlines(keepends=True)
    cells, solving = [], False
    for index, cell in enumerate(out["cells"]):
        text = source(cell) if cell["cell_type"] == "code" else ""
        solving = solving or bool(regions(text))
        checked = CHECK.findall(text)
        if checked and solving and _expected(cell, checked[0]):
            shown = _expected(cell, checked[0])
            cells.append(
                _markdown(
                    f"**Expected output** (besides the PASS lines):\n\n```\n{shown}\n```",
                    f"expected-{index:02d}",
                )
            )
        if cell["cell_type"] == "code" and solving:  # computed from an answer: no outputs
            cell["outputs"], cell["execution_count"] = [], None
        if regions(text):
            exercise = next_exercise(out, index)
            if exercise is None:
                raise ValueError(f"cell {index}: a solution region with no check cell after it")
            blanked = blank(text, exercise)
            ast.parse(blanked)  # the edition must stay valid Python
            cell["source"] = blanked.splitlines(keepends=True)
        cells.append(cell)
    names = exercise_names(out)
    cells += [_markdown(SCORE_NOTE, "score-note"), _code(f"{SUMMARY}{names!r})", "score")]
    out["cells"] = cells
    if name:
        out["metadata"] = {**out.get("metadata", {}), "tfat": {"assignment": name}}
    return out


def edition_path(path: Path) -> Path:
    """Where the exercise edition of the notebook at ``path`` lives."""
    path = Path(path)
    return path.parent / EXERCISES / path.name


def solved_notebooks(root: Path = ROOT) -> list[Path]:
    """Every course notebook with marked solution regions."""
    found = []
    for path in sorted(Path(root).glob(COURSE_GLOB)):
        if has_regions(json.loads(path.read_text(encoding="utf-8"))):
            found.append(path)
    return found


def render(nb) -> str:
    """Notebook JSON as committed (the repository's one format)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_editions(root: Path = ROOT, *, check: bool = False) -> list[Path]:
    """Write (or with ``check``, compare) the edition of every solved notebook under
    ``root``; return the editions that were stale (written, or that differ)."""
    stale = []
    solved = solved_notebooks(root)
    for path in solved:
        text = render(edition(json.loads(path.read_text(encoding="utf-8")), path.stem))
        target = edition_path(path)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(target)
            if not check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text, encoding="utf-8")
    wanted = {edition_path(p) for p in solved}
    for orphan in sorted(Path(root).glob(f"course*/week*/{EXERCISES}/*.ipynb")):
        if orphan not in wanted:
            stale.append(orphan)
            if not check:
                orphan.unlink()
    return stale
