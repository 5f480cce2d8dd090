"""nbgrader cell metadata generated from the markers (common.grading.nbgrader): its roles,
ids and points follow the solution regions and check cells, it is idempotent, nbgrader's
own validator accepts it for every solved notebook, and the course layout is what
`nbgrader generate_assignment` expects."""

import json

import pytest

from common.grading import editions
from common.grading import nbgrader as meta

SOLVED = editions.solved_notebooks()

TINY = [
    ("markdown", "# Tiny\n\nTwo exercises."),
    ("code", "from common import grading"),
    ("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
    ("code", 'with grading.exercise("double") as check:\n    check.equal("2", double(1), 2)'),
    ("markdown", "## Exercise `dummy image`"),
    ("code", "### BEGIN SOLUTION\nA = 1\n### END SOLUTION"),
    ("code", "### BEGIN SOLUTION\nB = 2\n### END SOLUTION"),
    ("code", 'with grading.exercise("dummy image") as check:\n    check.equal("A", A + B, 3)'),
    ("code", "print(double(A))"),
]


def _notebook(cells):
    return {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": text}
            | ({"execution_count": None, "outputs": []} if kind == "code" else {})
            for kind, text in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_roles_ids_and_points_follow_the_markers():
    entries = meta.cell_metadata(_notebook(TINY))
    got = [
        (e["grade_id"], e["grade"], e["solution"], e["locked"], e.get("points")) for e in entries
    ]
    assert got == [
        ("double-readonly-1", False, False, True, None),
        ("double-readonly-2", False, False, True, None),
        ("double-solution", False, True, False, None),
        ("double-tests", True, False, True, 1),
        ("dummy_image-readonly-1", False, False, True, None),
        ("dummy_image-solution", False, True, False, None),
        ("dummy_image-solution-2", False, True, False, None),
        ("dummy_image-tests", True, False, True, 1),
        ("end-readonly-1", False, False, True, None),
    ]
    assert all(e["schema_version"] == 3 and e["task"] is False for e in entries)


def test_idempotent_and_keeps_other_metadata():
    nb = _notebook(TINY)
    nb["cells"][1]["metadata"]["tags"] = ["keep"]
    once = meta.with_metadata(nb)
    assert nb["cells"][1]["metadata"] == {"tags": ["keep"]}  # the input is unchanged
    assert once["cells"][1]["metadata"]["tags"] == ["keep"]
    assert meta.with_metadata(once) == once
    once["cells"][2]["metadata"]["nbgrader"]["locked"] = True  # a hand edit is overwritten
    assert meta.with_metadata(once)["cells"][2]["metadata"]["nbgrader"]["locked"] is False


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([("code", "x = 1")], "no ### BEGIN SOLUTION"),
        ([("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")], "no check cell after it"),
        (
            [
                ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
                ("markdown", "Write x between the BEGIN SOLUTION markers."),
                ("code", 'with grading.exercise("x") as check:\n    pass'),
            ],
            "marker outside",
        ),
        (
            [
                ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
                ("code", 'with grading.exercise("a b") as c:\n    pass'),
                ("code", "### BEGIN SOLUTION\ny = 1\n### END SOLUTION"),
                ("code", 'with grading.exercise("a_b") as c:\n    pass'),
            ],
            "share the id a_b",
        ),
        (
            [
                ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
                (
                    "code",
                    'with grading.exercise("a") as c:\n    ### BEGIN SOLUTION\n    pass\n'
                    "    ### END SOLUTION",
                ),
            ],
            "one cell, one job",
        ),
    ],
)
def test_refuses_what_nbgrader_would_read_differently(cells, message):
    with pytest.raises(ValueError, match=message):
        meta.cell_metadata(_notebook(cells))


def test_cli_writes_then_checks_clean(tmp_path, capsys):
    path = tmp_path / "tiny.ipynb"
    path.write_text(editions.render(_notebook(TINY)))
    assert meta.main(["meta", "--check", str(path)]) == 1
    assert "stale" in capsys.readouterr().out
    assert meta.main(["meta", str(path)]) == 0
    assert meta.main(["meta", "--check", str(path)]) == 0
    written = json.loads(path.read_text())
    assert written["cells"][3]["metadata"]["nbgrader"]["grade_id"] == "double-tests"


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_every_solved_notebook_gets_valid_nbgrader_metadata(path):
    """Each region's cell is a solution cell, each check cell a 1-point test cell named
    after its exercise, the rest read-only; nbgrader's validator accepts the notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    entries = meta.cell_metadata(nb)
    tests = [e["grade_id"] for e in entries if e["grade"]]
    assert tests == [f"{meta.grade_id(n)}-tests" for n in editions.exercise_names(nb)]
    for cell, entry in zip(nb["cells"], entries, strict=True):
        text = editions.source(cell)
        assert entry["solution"] == bool(cell["cell_type"] == "code" and editions.regions(text))
        assert entry["locked"] == (not entry["solution"])
    validator = pytest.importorskip("nbgrader.nbgraderformat")
    import nbformat

    validator.MetadataValidator().validate_nb(nbformat.from_dict(meta.with_metadata(nb)))


def test_committed_metadata_is_current():
    """Once the solved notebooks carry nbgrader metadata (`python -m common.grading.nbgrader
    meta`), it stays what the generator makes."""
    marked = [p for p in SOLVED if '"nbgrader"' in p.read_text(encoding="utf-8")]
    if not marked:
        pytest.skip("no solved notebook carries nbgrader metadata yet")
    assert meta.write_metadata(SOLVED, check=True) == [], (
        "run `python -m common.grading.nbgrader meta` and commit the notebooks"
    )


def test_course_layout(tmp_path):
    ids = meta.build_course(tmp_path, SOLVED[:2], timeout=60)
    assert ids == [p.stem for p in SOLVED[:2]]
    for path in SOLVED[:2]:
        copy = tmp_path / "source" / path.stem / path.name
        assert json.loads(copy.read_text()) == meta.with_metadata(json.loads(path.read_text()))
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 60" in config
    assert f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}" in config
    with pytest.raises(ValueError, match="timeout"):
        meta.build_course(tmp_path, SOLVED[:1], timeout=0)
