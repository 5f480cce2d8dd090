"""Every course notebook follows the conventions of DESIGN.md (checked without running it;
nbval re-executes them in the same `make test`)."""

import base64
import json
import re

import pytest

from common.grading import editions
from common.notebooks import KERNEL, SETUP_CELL, colab_link, find_notebooks
from tests.conftest import ROOT

NOTEBOOKS = find_notebooks(ROOT)
NAME = re.compile(r"C(\d)_W(\d)_(Lab_\d+|Assignment)_[a-z0-9]+(_[a-z0-9]+)*\.ipynb")
FOLDER = re.compile(r"course(\d)_[a-z0-9_]+")
WEEK = re.compile(r"week(\d)_[a-z0-9_]+")
MAX_IMAGE_BYTES = 80_000


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_every_notebook_in_the_repository_is_a_course_notebook():
    """A notebook anywhere else (a misnamed folder, one level too deep) would be missed by
    make test, make run and the dry run: there is none, except the exercise editions
    (`weekN_x/exercises/`, generated from the solved notebooks and graded by make grade-check)."""
    skip = {".venv", ".venv-colab", "build", ".ipynb_checkpoints"}
    everywhere = {p for p in ROOT.rglob("*.ipynb") if not skip & set(p.relative_to(ROOT).parts)}
    exercise_editions = {editions.edition_path(p) for p in editions.solved_notebooks(ROOT)}
    assert everywhere == set(NOTEBOOKS) | exercise_editions and len(NOTEBOOKS) >= 50


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def nb_path(request):
    return request.param


def test_name_and_folder(nb_path):
    rel = nb_path.relative_to(ROOT)
    course, week, name = rel.parts
    m = NAME.fullmatch(name)
    assert m, f"{name} does not match C{{c}}_W{{w}}_Lab_{{k}}_{{snake}} / _Assignment_{{snake}}"
    assert FOLDER.fullmatch(course) and FOLDER.fullmatch(course).group(1) == m.group(1)
    assert WEEK.fullmatch(week) and WEEK.fullmatch(week).group(1) == m.group(2)


def test_first_three_cells(nb_path):
    cells = _load(nb_path)["cells"]
    assert cells[0]["cell_type"] == "markdown" and _source(cells[0]).startswith("# ")
    assert len(_source(cells[0]).split("\n\n")) >= 2, "title, then what you will learn"
    assert cells[1]["cell_type"] == "code" and _source(cells[1]) == SETUP_CELL
    settings = _source(cells[2])
    assert cells[2]["cell_type"] == "code" and "from common import" in settings
    assert "env.pick(" in settings and "seed_everything(" in settings


def test_metadata_is_clean(nb_path):
    nb = _load(nb_path)
    assert nb["metadata"] == {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, cell.get("metadata")


def test_committed_with_clean_smoke_outputs(nb_path):
    text = nb_path.read_text(encoding="utf-8")
    assert "NBVAL_SKIP" not in text
    code = [c for c in _load(nb_path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), "run top to bottom once (make outputs)"
    assert "mode=smoke" in "".join("".join(o.get("text", "")) for o in code[1]["outputs"]), (
        "outputs must come from a smoke run"
    )
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error"
            png = out.get("data", {}).get("image/png")
            if png:
                assert len(base64.b64decode(png)) < MAX_IMAGE_BYTES, "keep images small"


def test_checked_cells_have_outputs(nb_path):
    code = [c for c in _load(nb_path)["cells"] if c["cell_type"] == "code"]
    checked = [c for c in code if "# NBVAL_CHECK_OUTPUT" in _source(c)]
    assert checked, "mark deterministic cells with # NBVAL_CHECK_OUTPUT"
    for cell in checked:
        assert cell["outputs"] and cell["execution_count"] is not None


def test_ends_with_next_steps_and_a_check(nb_path):
    cells = _load(nb_path)["cells"]
    last_md = [c for c in cells if c["cell_type"] == "markdown"][-1]
    assert "What to try next" in _source(last_md)
    last = cells[-1]
    assert last["cell_type"] == "code"
    assert "env.check_bar(" in _source(last) or "assert " in _source(last), "end with a check"
    assert "passed" in "".join("".join(o.get("text", "")) for o in last["outputs"])


def test_notebook_code_is_short(nb_path):
    lines = sum(
        len(_source(c).splitlines()) for c in _load(nb_path)["cells"] if c["cell_type"] == "code"
    )
    assert lines <= 300


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if str(p.relative_to(ROOT)) not in readme]
    assert not missing, f"README.md does not list {missing}"


def test_readme_links_every_notebook_to_colab():
    """The "Open in Colab" links are written from the one repository URL (pyproject.toml);
    `python -m common.notebooks sync` rewrites them and the setup cells when it changes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if colab_link(p.relative_to(ROOT)) not in readme]
    assert not missing, f"README.md has no (current) Colab link for {missing}"


def test_setup_cell_is_short():
    code = [line for line in SETUP_CELL.splitlines() if line and not line.startswith("#")]
    assert len(code) <= 12, f"{len(code)} lines: keep the logic in common.colab"
