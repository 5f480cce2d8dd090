"""common.grading: every test prints PASS/FAIL with a message that helps, an unfinished or
crashing exercise fails in one line, and while grading each result goes to the report."""

import json

import keras
import numpy as np
import pytest

from common import grading


def _run(body, capsys):
    with grading.exercise("demo") as check:
        body(check)
    return capsys.readouterr().out


def test_passing_exercise_prints_each_test_and_the_tally(capsys):
    out = _run(lambda c: (c.shape("s", np.zeros((2, 3)), (2, 3)), c.equal("n", 3, 3)), capsys)
    assert out.splitlines() == [
        "demo:",
        "  [PASS] s",
        "  [PASS] n",
        "demo: all 2 of 2 tests passed",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda c: c.shape("s", np.zeros((3, 2)), (2, 3)), "expected shape (2, 3), got (3, 2)"),
        (lambda c: c.close("v", [1.0, 2.5], [1.0, 2.0]), "expected 2 at index (1,), got 2.5"),
        (lambda c: c.equal("l", ["a", "b"], ["a", "c"]), "item 1: expected 'c', got 'b'"),
        (lambda c: c.equal("x", 4, 5), "expected 5, got 4"),
        (lambda c: c.true("t", False, "do this"), "do this"),
        (lambda c: c.layer("k", keras.layers.Dense(3), keras.layers.Conv2D), "expected a Conv2D"),
        (
            lambda c: c.layer("u", keras.layers.Dense(3), keras.layers.Dense, units=4),
            "units should be 4",
        ),
    ],
)
def test_a_failing_test_names_what_is_wrong_and_fails_the_exercise(body, message, capsys):
    with pytest.raises(grading.ExerciseFailed, match="demo: 1 of 1 tests failed"):
        _run(body, capsys)
    out = capsys.readouterr().out
    assert "[FAIL]" in out and message in out


def test_unfinished_and_crashing_exercises_fail_in_one_line(capsys):
    def unfinished():
        raise NotImplementedError

    with pytest.raises(grading.ExerciseFailed):
        _run(lambda c: c.equal("x", unfinished(), 1), capsys)
    assert "not implemented yet: fill in `demo`" in capsys.readouterr().out
    with pytest.raises(grading.ExerciseFailed) as info:
        _run(lambda c: c.equal("x", np.zeros(2) @ np.zeros(3), 1), capsys)
    assert "[FAIL] runs: raised ValueError" in capsys.readouterr().out
    assert info.value._render_traceback_() == [f"ExerciseFailed: {info.value}"]


def test_while_grading_results_go_to_the_report_and_the_notebook_runs_on(
    tmp_path, monkeypatch, capsys
):
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv(grading.REPORT_VARIABLE, str(report))
    _run(lambda c: (c.equal("a", 1, 1), c.equal("b", 1, 2)), capsys)  # no exception
    _run(lambda c: c.equal("a", 1, 1), capsys)
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(r["passed"], r["total"], r["failed"]) for r in lines] == [(1, 2, ["b"]), (1, 1, [])]


def test_bad_use_is_refused():
    with pytest.raises(ValueError, match="name"):
        grading.exercise("")
    with pytest.raises(ValueError, match="ran no test"), grading.exercise("empty"):
        pass
    with pytest.raises(KeyboardInterrupt), grading.exercise("stop"):
        raise KeyboardInterrupt
