"""Exercise editions and the grader on a small two-exercise assignment (the second builds
on the first), plus the committed editions of the course notebooks (no drift)."""

import json

import pytest

from common.grading import editions, grader

SOLVED = [
    ("markdown", "# Tiny assignment\n\nTwo exercises; the second calls the first."),
    ("code", "from common import grading\nimport numpy as np"),
    ("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
    (
        "code",
        '# NBVAL_CHECK_OUTPUT\nwith grading.exercise("double") as check:\n'
        '    check.close("double of [1, 2]", double(np.array([1, 2])), [2, 4])',
    ),
    (
        "code",
        "def quadruple(x):\n    ### BEGIN SOLUTION\n    # Hint: call double twice\n"
        "    return double(double(x))\n    ### END SOLUTION",
    ),
    (
        "code",
        '# NBVAL_CHECK_OUTPUT\nwith grading.exercise("quadruple") as check:\n'
        '    check.equal("quadruple of 3", quadruple(3), 12)',
    ),
    ("code", "### BEGIN SOLUTION\nEPOCHS = 5\n### END SOLUTION"),
    (
        "code",
        'with grading.exercise("EPOCHS") as check:\n'
        '    check.true("EPOCHS is 5", EPOCHS == 5, "train for 5 epochs")',
    ),
    ("code", "print(quadruple(EPOCHS))"),
]


def _notebook(cells):
    return {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for kind, text in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    path = tmp_path_factory.mktemp("assignment") / "solved.ipynb"
    path.write_text(json.dumps(_notebook(SOLVED)))
    return path


def _write(tmp_path, nb, name="learner.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def test_regions_and_blanks():
    text = SOLVED[4][1]
    assert editions.regions(text) == [(1, 4)]
    blanked = editions.blank(text, "quadruple")
    assert "### BEGIN" not in blanked and "return double" not in blanked
    assert "    # YOUR CODE HERE. Hint: call double twice" in blanked
    assert 'raise NotImplementedError("`quadruple`: replace' in blanked
    assert "you may need np.zeros" in editions.blank(
        "### BEGIN SOLUTION\nx = np.zeros(3)\n### END SOLUTION"
    )
    for bad in (
        "### BEGIN SOLUTION\n",
        "### END SOLUTION\n",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION",
    ):
        with pytest.raises(ValueError, match="line"):
            editions.regions(bad)


def test_edition_clears_the_answers_outputs_keeps_checks_and_refuses_unchecked_regions():
    nb = _notebook(SOLVED)
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    for index in (1, 2, 3):
        nb["cells"][index]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    out = editions.edition(nb)
    assert out["cells"][1]["outputs"]  # a plain cell keeps its smoke output
    assert not out["cells"][2]["outputs"] and not out["cells"][3]["outputs"]  # answer, grade
    assert nb["cells"][2]["outputs"]  # the solved notebook is unchanged
    assert editions.source(out["cells"][3]) == SOLVED[3][1]
    assert "Exercise edition" in editions.source(out["cells"][0])
    assert editions.exercise_names(out) == ["double", "quadruple", "EPOCHS"]
    with pytest.raises(ValueError, match="no check cell"):
        editions.edition(_notebook(SOLVED[:3]))
    with pytest.raises(ValueError, match="no ### BEGIN"):
        editions.edition(_notebook(SOLVED[:2]))


@pytest.mark.slow
def test_solution_scores_full_marks_and_edition_scores_zero(solved, tmp_path):
    scores = grader.grade(solved, solution=solved)
    assert [(s.exercise, s.points) for s in scores] == [
        ("double", 1),
        ("quadruple", 1),
        ("EPOCHS", 1),
    ]
    errors = []
    edition = _write(tmp_path, editions.edition(json.loads(solved.read_text())))
    scores = grader.grade(edition, solution=solved, errors=errors)
    assert [(s.points, s.note) for s in scores] == [(0, "not implemented")] * 3
    assert errors == []  # the last cell runs on the reference code: no crash elsewhere
    text, ok = grader.table(scores)
    assert not ok and "total" in text and "0/3" in text


@pytest.mark.slow
def test_a_wrong_answer_costs_its_own_exercise_only(solved, tmp_path):
    wrong = _notebook(SOLVED)
    wrong["cells"][2]["source"] = "def double(x):\n    return 3 * x"  # the mutation
    wrong["cells"][3]["source"] = (
        "with grading.exercise('double') as check:\n    check.true('x', 1, '')"
    )
    scores = grader.grade(_write(tmp_path, wrong), solution=solved)
    assert [s.points for s in scores] == [0, 1, 1]  # the learner's loosened check is not used
    assert "double of [1, 2]" in scores[0].failed


def test_the_grader_refuses_what_it_cannot_grade(solved, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a notebook")
    with pytest.raises(grader.GradingError, match="not a Jupyter notebook"):
        grader.grade(text, solution=solved)
    other = _notebook([("markdown", "# Another assignment\n\ntext")] + SOLVED[1:])
    with pytest.raises(grader.GradingError, match="not the assignment of"):
        grader.grade(_write(tmp_path, other), solution=solved)
    with pytest.raises(grader.GradingError, match="none of the graded notebooks"):
        grader.grade(_write(tmp_path, other))


def test_committed_editions_match_the_generator():
    """nbdev's rule: an edition is never edited by hand; regenerate with
    `python -m common.grading editions`."""
    assert editions.write_editions(check=True) == []


@pytest.mark.slow
def test_make_grade_exit_status_and_table(solved, tmp_path, capsys):
    """What `make grade NB=...` runs: 0 at or above the pass mark, 1 below, 2 when refused."""
    assert grader.main(str(solved), str(solved)) == 0
    out = capsys.readouterr().out
    assert "total" in out and "3/3  PASS (pass mark 80%)" in out
    edition = _write(tmp_path, editions.edition(json.loads(solved.read_text())))
    assert grader.main(str(edition), str(solved)) == 1
    assert "not implemented" in capsys.readouterr().out
    assert grader.main(str(tmp_path / "missing.ipynb"), str(solved)) == 2
    assert "cannot grade" in capsys.readouterr().out


def test_every_exercise_edition_has_its_colab_link_in_the_readme():
    from common.notebooks import colab_link

    readme = (editions.ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        p.name
        for p in editions.solved_notebooks()
        if colab_link(editions.edition_path(p).relative_to(editions.ROOT)) not in readme
    ]
    assert not missing, f"add an [exercise](...) link to these rows of the README: {missing}"
