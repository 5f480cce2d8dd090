"""Every course notebook follows CONTRIBUTING.md's conventions: each check of tests/nblint.py
on each notebook is one test, named ``test_convention[check-name-notebook]``, whose failure
message is the rule (checked without running the notebook; nbval re-executes them in the same
`make test`). The checks themselves are tested on notebooks that break them."""

import copy
import json

import pytest

from common.grading import editions
from common.notebooks import SETUP_CELL, colab_link, find_notebooks
from tests import nblint
from tests.conftest import ROOT

NOTEBOOKS = find_notebooks(ROOT)


@pytest.fixture(scope="module")
def notebooks():
    return {path: nblint.Notebook(path) for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("chk", nblint.CHECKS, ids=lambda c: c.name)
def test_convention(chk, path, notebooks):
    violations = nblint.run_check(chk, notebooks[path])
    assert not violations, "\n".join(map(str, violations))


def test_every_notebook_in_the_repository_is_a_course_notebook():
    """A notebook anywhere else (a misnamed folder, one level too deep) would be missed by
    make test, make run and the dry run: there is none, except the exercise editions
    (`weekN_x/exercises/`, generated from the solved notebooks and graded by make grade-check)."""
    skip = {".venv", ".venv-colab", "build", ".ipynb_checkpoints"}
    everywhere = {p for p in ROOT.rglob("*.ipynb") if not skip & set(p.relative_to(ROOT).parts)}
    exercise_editions = {editions.edition_path(p) for p in editions.solved_notebooks(ROOT)}
    assert everywhere == set(NOTEBOOKS) | exercise_editions and len(NOTEBOOKS) >= 50


def test_every_check_has_a_name_and_a_rule():
    names = [c.name for c in nblint.CHECKS]
    assert len(names) == len(set(names)) >= 15
    assert all(c.rule.endswith(".") and len(c.rule) > 30 for c in nblint.CHECKS)


# --- the checks catch what they are for ----------------------------------------------------

REL = "course1_custom_models/week1_functional_api/C1_W1_Lab_1_sample_notebook.ipynb"


def _code(source, outputs=(), count=None):
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": list(outputs),
        "source": source,
    }


def _markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _text(text):
    return {"name": "stdout", "output_type": "stream", "text": text}


def _good():
    """A notebook that passes every check."""
    cells = [
        _markdown("# A sample\n\nWhat you will learn."),
        _code(SETUP_CELL, [_text("mode=smoke\n")]),
        _code(
            "import matplotlib.pyplot as plt\n\nfrom common import env, viz\n\n"
            "EPOCHS = env.pick(full=20, smoke=3)\nBAR = env.pick(full=0.9, smoke=0.8)\n"
            "env.seed_everything(42)\nprint(env.describe())",
            [_text("mode=smoke\n")],
        ),
        _code(
            "# NBVAL_CHECK_OUTPUT\nhistory = model.fit(x, y, epochs=EPOCHS, verbose=2)",
            [_text("Epoch 1/3\n")],
        ),
        _code("plt.plot([1, 2])\nplt.show()\nprint('done')"),
        _markdown("## What to try next\n\n- more epochs"),
        _code('env.check_bar("accuracy", acc, at_least=BAR)', [_text("accuracy passed\n")]),
    ]
    count = 0
    for cell in cells:
        if cell["cell_type"] == "code":
            count += 1
            cell["execution_count"] = count
    return {
        "cells": cells,
        "metadata": {"kernelspec": nblint.KERNEL, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _lint(tmp_path, nb, rel=REL):
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "README.md").write_text(f"| `{rel}` | ... | [open]({colab_link(rel)}) |\n")
    return {v.check.name for v in nblint.lint([path], root=tmp_path)}


def _with(cell_index, source, nb=None):
    nb = copy.deepcopy(nb or _good())
    nb["cells"][cell_index]["source"] = source
    return nb


def _counted(cell_index, count):
    nb = _good()
    nb["cells"][cell_index]["execution_count"] = count
    return nb


def test_a_good_notebook_passes_every_check(tmp_path):
    assert _lint(tmp_path, _good()) == set()


BAD = {
    "file-name": lambda: (_good(), "course1_x/week2_y/C1_W1_Lab_1_sample.ipynb"),
    "title-cell": lambda: (_with(0, "A sample"), REL),
    "setup-cell": lambda: (_with(1, SETUP_CELL + "\n"), REL),
    "settings-cell": lambda: (_with(2, "from common import env\nEPOCHS = 3"), REL),
    "settings-in-settings-cell": lambda: (_with(4, "EPOCHS = 2\nplt.plot([1])\nplt.show()"), REL),
    "bars-are-settings": lambda: (
        _with(6, 'env.check_bar("accuracy", acc, at_least=env.pick(full=0.9, smoke=0.8))'),
        REL,
    ),
    "picks-differ": lambda: (
        _with(2, _good()["cells"][2]["source"].replace("smoke=3", "smoke=20")),
        REL,
    ),
    "loop-counts-named": lambda: (
        _with(3, "# NBVAL_CHECK_OUTPUT\nmodel.fit(x, epochs=5, verbose=0)"),
        REL,
    ),
    "downloads-through-sources": lambda: (
        _with(4, 'import tensorflow_datasets as tfds\nds = tfds.load("mnist")'),
        REL,
    ),
    "checked-outputs": lambda: (
        _with(3, "history = model.fit(x, y, epochs=EPOCHS, verbose=2)"),
        REL,
    ),
    "verbose-0-or-2": lambda: (
        _with(3, "# NBVAL_CHECK_OUTPUT\nmodel.fit(x, y, epochs=EPOCHS)"),
        REL,
    ),
    "figures-end-with-show": lambda: (_with(4, "plt.show()\nplt.plot([1, 2])"), REL),
    "smoke-outputs": lambda: (_counted(3, 7), REL),
    "clean-metadata": lambda: ({**_good(), "metadata": {"colab": {}}}, REL),
    "ends-with-next-steps-and-check": lambda: (_with(6, "print(acc)"), REL),
    "readme-row": lambda: (_good(), REL),
    "short-code": lambda: (_with(4, "x = 1\n" * 301), REL),
    "spelled-out-names": lambda: (_with(4, "from common import viz as V"), REL),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_check_catches_its_violation(tmp_path, name):
    nb, rel = BAD[name]()
    found = _lint(tmp_path, nb, rel)
    if name == "readme-row":  # the README written by _lint lists REL, not this one
        (tmp_path / "README.md").write_text("nothing\n")
        found = {v.check.name for v in nblint.lint([tmp_path / rel], root=tmp_path)}
    assert name in found, found


def test_every_check_has_a_violating_example():
    assert sorted(BAD) == sorted(c.name for c in nblint.CHECKS)


def test_cell_metadata_may_hold_nbgrader(tmp_path):
    nb = _good()
    nb["cells"][3]["metadata"] = {"nbgrader": {"grade": False, "solution": True}, "tags": []}
    assert "clean-metadata" not in _lint(tmp_path, nb)


def test_the_command_line_prints_path_check_and_rule(tmp_path, capsys):
    nb = _with(3, "# NBVAL_CHECK_OUTPUT\nmodel.fit(x, y, epochs=EPOCHS)")
    path = tmp_path / REL
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    violations = nblint.lint([path], root=tmp_path)
    line = next(str(v) for v in violations if v.check.name == "verbose-0-or-2")
    assert line.startswith(f"{REL}: verbose-0-or-2: Train, evaluate and predict with")
    assert "[cell 3: line 2: model.fit(x, y, epochs=EPOCHS)]" in line
    assert nblint.main(["--list"]) == 0
    assert "verbose-0-or-2: " in capsys.readouterr().out
