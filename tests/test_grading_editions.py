"""Exercise editions and the grader on a small three-exercise assignment (the second builds
on the first; the checks call a helper the assignment defines), as a learner meets them:
honest work, unfinished work, a wrong answer, an endless loop, a dying kernel, a renamed
or misplaced notebook, and the tricks that must not change a grade. Plus the committed
editions of the course notebooks (no drift, nothing claimed before it is solved)."""

import json
import subprocess

import pytest

from common.grading import editions, grader, report
from tests.conftest import ROOT

SOLVED = [
    ("markdown", "# Tiny assignment\n\nTwo functions and a setting; the second calls the first."),
    ("code", "# setup cell"),
    ("code", "from common import grading\nimport numpy as np"),
    ("code", "def exact(got, expected):\n    return np.array_equal(got, expected)"),
    ("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
    (
        "code",
        '# NBVAL_CHECK_OUTPUT\nwith grading.exercise("double") as check:\n'
        "    print(double(np.array([1, 2])))\n"
        '    check.close("double of [1, 2]", double(np.array([1, 2])), [2, 4])\n'
        '    check.true("exact on [3]", exact(double(np.array([3])), [6]), "2 * x")',
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
EXERCISES = ["double", "quadruple", "EPOCHS"]


def _notebook(cells):
    return {
        "cells": [
            {"cell_type": kind, "id": f"cell-{i:02d}", "metadata": {}, "source": text}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for i, (kind, text) in enumerate(cells)
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    path = tmp_path_factory.mktemp("assignment") / "tiny.ipynb"
    path.write_text(json.dumps(_notebook(SOLVED)))
    return path


def _write(tmp_path, nb, name="learner.ipynb"):
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


def _edition(solved):
    return editions.edition(json.loads(solved.read_text()), "tiny")


def _answer(nb, exercise, text):
    """The edition ``nb`` with the placeholder of ``exercise`` replaced by ``text``."""
    placeholder = f'raise NotImplementedError("`{exercise}`: replace this line with your code")'
    for cell in nb["cells"]:
        if placeholder in editions.source(cell):
            cell["source"] = editions.source(cell).replace(placeholder, text)
            return nb
    raise AssertionError(f"no placeholder for {exercise}")


def _solved_by_learner(solved):
    nb = _edition(solved)
    _answer(nb, "double", "return 2 * x")
    _answer(nb, "quadruple", "return double(double(x))")
    return _answer(nb, "EPOCHS", "EPOCHS = 5")


def _points(scores):
    return {s.exercise: s.points for s in scores}


def test_regions_and_blanks():
    text = SOLVED[6][1]
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


def test_an_edition_claims_nothing_before_it_is_solved():
    nb = _notebook(SOLVED)
    stdout = {"output_type": "stream", "name": "stdout"}
    nb["cells"][2]["outputs"] = [stdout | {"text": "imported"}]
    nb["cells"][5]["outputs"] = [
        stdout
        | {"text": "double:\n[2 4]\n  [PASS] double of [1, 2]\ndouble: all 1 of 1 tests passed\n"}
    ]
    nb["cells"][10]["outputs"] = [stdout | {"text": "12\nall checks passed\n"}]
    out = editions.edition(nb, "tiny")
    code = {editions.source(c): c for c in out["cells"] if c["cell_type"] == "code"}
    assert code[SOLVED[2][1]]["outputs"]  # before the first exercise: the smoke output stays
    assert not any(c["outputs"] for t, c in code.items() if t != SOLVED[2][1])
    expected = [editions.source(c) for c in out["cells"] if "Expected output" in editions.source(c)]
    assert expected == ["**Expected output** (besides the PASS lines):\n\n```\n[2 4]\n```"]
    assert editions.source(out["cells"][-1]) == f"grading.summary({EXERCISES!r})"
    assert out["metadata"]["tfat"] == {"assignment": "tiny"} and not nb["metadata"]
    assert nb["cells"][5]["outputs"]  # the solved notebook is unchanged
    assert "Exercise edition" in editions.source(out["cells"][0])
    assert editions.exercise_names(out) == EXERCISES
    with pytest.raises(ValueError, match="no check cell"):
        editions.edition(_notebook(SOLVED[:5]))
    with pytest.raises(ValueError, match="no ### BEGIN"):
        editions.edition(_notebook(SOLVED[:4]))


def test_committed_editions_match_the_generator():
    """nbdev's rule: an edition is never edited by hand; regenerate with
    `python -m common.grading editions`."""
    assert editions.write_editions(check=True) == []


def test_no_committed_edition_shows_a_passed_check_or_hides_its_assignment():
    for path in editions.solved_notebooks():
        nb = json.loads(editions.edition_path(path).read_text(encoding="utf-8"))
        shown = json.dumps([c.get("outputs", []) for c in nb["cells"]]).lower()
        assert "passed" not in shown and "[pass]" not in shown, path.name
        assert editions.assignment_of(nb) == path.stem
        assert editions.SUMMARY in editions.source(nb["cells"][-1])


def test_every_exercise_edition_has_its_colab_link_in_the_readme():
    from common.notebooks import colab_link

    readme = (editions.ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        p.name
        for p in editions.solved_notebooks()
        if colab_link(editions.edition_path(p).relative_to(editions.ROOT)) not in readme
    ]
    assert not missing, f"add an [exercise](...) link to these rows of the README: {missing}"


def test_cells_are_matched_by_id_place_and_likeness(solved):
    nb = _solved_by_learner(solved)
    for cell in nb["cells"]:
        cell.pop("id", None)  # an older Jupyter: no cell ids
    nb["cells"].insert(4, {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []})
    matches = grader.match_cells(nb, json.loads(solved.read_text()))
    found = {i: editions.source(nb["cells"][j]) for i, j in matches.items()}
    assert "return 2 * x" in found[4] and "double(double" in found[6] and "EPOCHS = 5" in found[8]


@pytest.mark.slow
def test_solution_scores_full_marks_and_edition_scores_zero(solved, tmp_path):
    scores = grader.grade(solved, assignment=solved).scores
    assert _points(scores) == dict.fromkeys(EXERCISES, 1)
    grade = grader.grade(_write(tmp_path, _edition(solved)), assignment=solved)
    scores = grade.scores
    assert [(s.points, s.note) for s in scores] == [(0, "not implemented")] * 3
    assert grade.crashes == []  # each exercise runs on the reference code after its check
    text, ok = report.table(scores)
    assert not ok and "0/3" in text


@pytest.mark.slow
def test_a_wrong_answer_costs_its_own_exercise_and_says_what_is_wrong(solved, tmp_path):
    nb = _solved_by_learner(solved)
    for cell in nb["cells"]:
        if "return 2 * x" in editions.source(cell):
            cell["source"] = editions.source(cell).replace("return 2 * x", "return 3 * x")
        if 'grading.exercise("double")' in editions.source(cell):
            cell["source"] = "with grading.exercise('double') as check:\n    check.true('x', 1, '')"
    scores = grader.grade(_write(tmp_path, nb), assignment=solved).scores
    assert [s.points for s in scores] == [0, 1, 1]  # the learner's loosened check is not used
    assert scores[0].failed == ["double of [1, 2]", "exact on [3]"]
    assert scores[0].messages[0] == (
        "double of [1, 2]: expected 2 at index (0,), got 3 (2 of 2 values differ)"
    )
    text, _ = report.table(scores)
    assert "    - double of [1, 2]: expected 2 at index (0,), got 3" in text


@pytest.mark.slow
def test_tricks_leave_the_grade_unchanged(solved, tmp_path):
    """A patched Checks._record, a replaced helper and a forged result, in the learner's
    other cells and in their exercise cells: the unsolved exercises still score 0."""
    forged = (
        "from IPython.display import display\n"
        "display({'application/vnd.tfat.grade+json': {'seal': 'x', 'exercise': 'quadruple',"
        " 'results': [['all', True, '']]}}, raw=True)\n"
    )
    patch = "grading.Checks._record = lambda self, test, passed, message='': True\n"
    helper = "def exact(got, expected):\n    return True\n"
    nb = _edition(solved)
    nb["cells"][2]["source"] += "\n" + patch  # the imports cell
    nb["cells"][3]["source"] = helper  # the assignment's helper, replaced
    _answer(nb, "double", "return 3 * x")
    for cell in nb["cells"]:
        if "def double" in editions.source(cell):
            cell["source"] = patch + helper + forged + editions.source(cell)
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": forged, "outputs": []})
    grade = grader.grade(_write(tmp_path, nb), assignment=solved)
    assert _points(grade.scores) == {"double": 0, "quadruple": 0, "EPOCHS": 0}
    assert grade.scores[0].failed == ["double of [1, 2]", "exact on [3]"]
    assert any("redefines exact" in c for c in grade.scores[0].cells)
    assert any("you changed it" in n for n in grade.notes)
    assert any("not part of the assignment" in n for n in grade.notes)


@pytest.mark.slow
def test_an_endless_loop_times_out_its_own_exercise_only(solved, tmp_path):
    nb = _solved_by_learner(solved)
    for cell in nb["cells"]:
        if "double(double(x))" in editions.source(cell):
            cell["source"] = editions.source(cell).replace(
                "return double(double(x))", "while True:\n        pass"
            )
    scores = grader.grade(_write(tmp_path, nb), assignment=solved, timeout=10).scores
    assert _points(scores) == {"double": 1, "quadruple": 0, "EPOCHS": 1}
    assert scores[1].note == "timed out after 10 s"


@pytest.mark.slow
def test_a_dead_kernel_costs_its_own_exercise_only(solved, tmp_path):
    nb = _answer(_edition(solved), "double", "import os\n    os._exit(1)")
    _answer(nb, "quadruple", "return double(double(x))")
    _answer(nb, "EPOCHS", "EPOCHS = 5")
    scores = grader.grade(_write(tmp_path, nb), assignment=solved, timeout=60).scores
    assert _points(scores) == {"double": 0, "quadruple": 1, "EPOCHS": 1}
    assert scores[0].note == "the kernel died"


@pytest.mark.slow
def test_the_run_limit_reports_what_was_not_graded(solved, tmp_path):
    nb = _solved_by_learner(solved)
    for cell in nb["cells"]:
        if "double(double(x))" in editions.source(cell):
            cell["source"] = "import time\ntime.sleep(30)\n" + editions.source(cell)
    scores = grader.grade(_write(tmp_path, nb), assignment=solved, timeout=60, limit=12).scores
    assert scores[0].points == 1
    assert [s.note for s in scores[1:]] == ["not graded: the run's limit of 12 s was reached"] * 2


@pytest.mark.slow
def test_crash_notes_name_the_learners_own_cells(solved, tmp_path):
    nb = _edition(solved)
    _answer(nb, "double", "return 2 * x")
    _answer(nb, "quadruple", "return double(double(x)) + undefined_name")
    _answer(nb, "EPOCHS", "EPOCHS = 5 // undefined_setting")
    index = next(i for i, c in enumerate(nb["cells"]) if "undefined_setting" in editions.source(c))
    scores = grader.grade(_write(tmp_path, nb), assignment=solved).scores
    assert [s.points for s in scores] == [1, 0, 0]
    assert scores[1].messages == ["runs: raised NameError: name 'undefined_name' is not defined"]
    assert scores[2].cells == [
        f"cell {index + 1} of your notebook (EPOCHS = 5 // undefined_setting) raised NameError: "
        "name 'undefined_setting' is not defined"
    ]


def test_which_assignment_is_recognised_or_refused(solved, tmp_path):
    learner = _edition(solved)
    learner["cells"][0]["source"] = "# Tiny assignment (my attempt)\n\ntext"
    learner["metadata"] = {}  # a renamed copy without the metadata: its exercises tell
    path = _write(tmp_path, learner)
    found, how = grader.find_solution(json.loads(path.read_text()), path, solved)
    assert found == solved and how.startswith("its exercises")
    text = tmp_path / "notes.txt"
    text.write_text("not a notebook")
    with pytest.raises(grader.GradingError, match="not a Jupyter notebook"):
        grader.grade(text, assignment=solved)
    other = _notebook([("markdown", "# Another assignment\n\ntext"), ("code", "x = 1")])
    with pytest.raises(grader.GradingError, match="none of the graded notebooks: an assignment"):
        grader.grade(_write(tmp_path, other, "other.ipynb"))
    course = editions.solved_notebooks()[0]
    wrong = editions.edition(json.loads(course.read_text(encoding="utf-8")), course.stem)
    with pytest.raises(grader.GradingError, match=f"is the assignment {course.stem}.*metadata"):
        grader.grade(_write(tmp_path, wrong, "tiny.ipynb"), assignment=solved)
    with pytest.raises(grader.GradingError, match="is none of the graded assignments"):
        grader.find_solution(wrong, "x.ipynb", "C9_W9")


@pytest.mark.slow
def test_exit_statuses_feedback_files_and_the_make_target(solved, tmp_path, capsys):
    learner = _write(tmp_path, _solved_by_learner(solved))
    assert grader.main(str(learner), str(solved)) == grader.EXIT["pass"] == 0
    out = capsys.readouterr().out
    assert "as the assignment tiny (identified by its notebook metadata" in out
    assert "3/3  PASS (pass mark 80%)" in out and out.rstrip().splitlines()[-1].startswith("pass")
    data = json.loads((tmp_path / "learner.feedback.json").read_text())
    assert (data["assignment"], data["score"], data["max_score"]) == ("tiny", 3, 3)
    assert "<code>double</code>" in (tmp_path / "learner.feedback.html").read_text()
    edition = _write(tmp_path, _edition(solved), "edition.ipynb")
    assert grader.main(str(edition), str(solved)) == grader.EXIT["below the pass mark"] == 1
    assert "below the pass mark (exit status 1)" in capsys.readouterr().out
    assert grader.main(str(tmp_path / "missing.ipynb"), str(solved)) == grader.EXIT["refused"] == 3
    assert "refused (exit status 3)" in capsys.readouterr().out
    run = subprocess.run(
        ["make", "-s", "grade", f"NB={tmp_path / 'missing.ipynb'}", "TIMEOUT=30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "make grade: refused, nothing was graded" in run.stdout
