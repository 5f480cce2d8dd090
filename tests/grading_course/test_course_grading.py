"""Every graded notebook, graded for real (`make grade-check`, in CI after `make test`):
the solution scores full marks, its exercise edition as shipped scores 0 on every exercise
with "not implemented" and crashes nowhere else, and each deliberately wrong answer in
`mutations.py` scores 0 on its own exercise and full marks on all the others. A wrong
answer marked "crash" must crash (the checks see an error); every exercise has at least
one that does not, so that its checks are shown to catch a wrong value, not only an error."""

import json

import pytest

from common.grading import editions, grader, report
from tests.grading_course.mutations import MUTATIONS

SOLVED = editions.solved_notebooks()


def _ids(path):
    return path.stem


def test_every_exercise_has_a_wrong_answer_that_does_not_crash():
    for path in SOLVED:
        names = editions.exercise_names(json.loads(path.read_text(encoding="utf-8")))
        quiet = {m[0] for m in MUTATIONS.get(path.name, []) if m[3:] != ("crash",)}
        missing = [n for n in names if n not in quiet]
        assert not missing, f"{path.name}: no non-crashing mutation for {missing}"


def _crashed(score) -> bool:
    return "runs" in score.failed or bool(score.cells) or score.note.startswith(("timed", "the"))


@pytest.mark.parametrize("path", SOLVED, ids=_ids)
def test_the_solution_scores_full_marks(path):
    grade = grader.grade(path)
    assert [s.exercise for s in grade.scores if not s.points] == [], report.table(grade.scores)[0]
    assert grade.crashes == []


@pytest.mark.parametrize("path", SOLVED, ids=_ids)
def test_the_edition_as_shipped_scores_zero_and_crashes_nowhere(path):
    grade = grader.grade(editions.edition_path(path))
    scores = grade.scores
    assert [(s.points, s.note) for s in scores] == [(0, "not implemented")] * len(scores), (
        report.table(scores)[0]
    )
    assert grade.crashes == []


CASES = [(path, m) for path in SOLVED for m in MUTATIONS.get(path.name, [])]


@pytest.mark.parametrize(
    ("path", "mutation"), CASES, ids=[f"{p.stem}-{m[0]}-{i}" for i, (p, m) in enumerate(CASES)]
)
def test_a_wrong_answer_scores_zero_on_its_exercise_only(path, mutation, tmp_path):
    exercise, old, new, *crash = mutation
    nb = json.loads(path.read_text(encoding="utf-8"))
    hits = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and old in editions.source(c)
        and editions.regions(editions.source(c))
    ]
    assert len(hits) == 1, f"{old!r} must occur in exactly one solution cell of {path.name}"
    hits[0]["source"] = editions.source(hits[0]).replace(old, new, 1)
    wrong = tmp_path / path.name
    wrong.write_text(json.dumps(nb))
    scores = grader.grade(wrong, assignment=path).scores
    assert {s.exercise: s.points for s in scores} == {
        s.exercise: int(s.exercise != exercise) for s in scores
    }, report.table(scores)[0]
    mine = next(s for s in scores if s.exercise == exercise)
    assert _crashed(mine) == (crash == ["crash"]), (
        f"declare this mutation {'a crash' if _crashed(mine) else 'no crash'}: "
        + report.table(scores)[0]
    )
