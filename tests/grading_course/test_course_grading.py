"""Every graded notebook, graded for real (`make grade-check`, in CI after `make test`):
the solution scores full marks, its exercise edition as shipped scores 0 on every exercise
with "not implemented" and crashes nowhere else, and each deliberately wrong answer in
`mutations.py` scores 0 on its own exercise and full marks on all the others."""

import json

import pytest

from common.grading import editions, grader
from tests.grading_course.mutations import MUTATIONS

SOLVED = editions.solved_notebooks()


def _ids(path):
    return path.stem


def test_every_exercise_has_a_mutation():
    for path in SOLVED:
        names = editions.exercise_names(json.loads(path.read_text(encoding="utf-8")))
        missing = [n for n in names if n not in {m[0] for m in MUTATIONS.get(path.name, [])}]
        assert not missing, f"{path.name}: no mutation for {missing}"


@pytest.mark.parametrize("path", SOLVED, ids=_ids)
def test_the_solution_scores_full_marks(path):
    errors = []
    scores = grader.grade(path, errors=errors)
    assert [s.exercise for s in scores if not s.points] == [], grader.table(scores)[0]
    assert errors == []


@pytest.mark.parametrize("path", SOLVED, ids=_ids)
def test_the_edition_as_shipped_scores_zero_and_crashes_nowhere(path):
    errors = []
    scores = grader.grade(editions.edition_path(path), errors=errors)
    assert [(s.points, s.note) for s in scores] == [(0, "not implemented")] * len(scores), (
        grader.table(scores)[0]
    )
    assert errors == []


CASES = [(path, m) for path in SOLVED for m in MUTATIONS.get(path.name, [])]


@pytest.mark.parametrize(
    ("path", "mutation"), CASES, ids=[f"{p.stem}-{m[0]}-{i}" for i, (p, m) in enumerate(CASES)]
)
def test_a_wrong_answer_scores_zero_on_its_exercise_only(path, mutation, tmp_path):
    exercise, old, new = mutation
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
    scores = grader.grade(wrong, solution=path)
    assert {s.exercise: s.points for s in scores} == {
        s.exercise: int(s.exercise != exercise) for s in scores
    }, grader.table(scores)[0]
