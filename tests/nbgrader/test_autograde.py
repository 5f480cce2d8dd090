"""nbgrader, for real, beside our grader (`make nbgrader-check`; skipped elsewhere).

A throwaway course in build/nbgrader-check (``python -m common.grading.nbgrader course``):
the real ``nbgrader generate_assignment`` and ``nbgrader autograde`` on three assignments
and their submissions (the solution, nbgrader's own student version, one wrong answer from
tests/grading_course/mutations.py; for C2 W1 also our exercise edition), in smoke mode,
offline (one ``generate_assignment "*"`` and one ``autograde "*"``). The scores read from nbgrader's gradebook must equal
``common.grading.grader.grade``'s on the same files, exercise by exercise, except for the
differences listed in ``KNOWN``, each with its cause; a fourth assignment (C1 W4, Block then
MyVGG built from Block) measures the one difference of semantics: nbgrader runs the
learner's notebook as it is, so an unfinished or wrong earlier exercise also fails the
later ones that use it, where our grader puts the reference in its place.

nbgrader runs in a background thread while our grader runs here: two kernels, two cores.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from common.grading import editions, grader
from common.grading import nbgrader as meta
from tests.conftest import ROOT
from tests.grading_course.mutations import MUTATIONS
from tests.nbgrader import conftest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("TFAT_NBGRADER_CHECK") != "1",
        reason="`make nbgrader-check` runs it (nbgrader installed, smoke mode, about 3 min)",
    ),
]

COURSE = ROOT / "build" / "nbgrader-check"
C1W2 = ROOT / "course1_custom_models/week2_custom_loss/C1_W2_Assignment_custom_loss_rmse.ipynb"
C1W3 = ROOT / "course1_custom_models/week3_custom_layers/C1_W3_Assignment_quadratic_layer.ipynb"
C1W4 = ROOT / "course1_custom_models/week4_custom_models/C1_W4_Assignment_vgg.ipynb"
C2W1 = (
    ROOT
    / "course2_distributed_training/week1_tensors_and_gradients"
    / "C2_W1_Assignment_basic_tensor_operations.ipynb"
)
# assignment -> its submissions: "solution", "release" (nbgrader's student version),
# "edition" (our exercise edition), "mutation:<exercise>" (its first wrong answer in
# MUTATIONS) and "partial:<exercise>" (the solution with that exercise's regions unfinished).
PLAN = {
    C2W1: ["solution", "release", "edition", "mutation:tf_multiply"],
    C1W2: ["solution", "release", "mutation:my_rmse"],
    C1W3: ["solution", "release", "mutation:SimpleQuadratic"],
    C1W4: ["partial:Block", "mutation:Block"],
}
# (assignment, submission) -> {exercise: why nbgrader's score differs from ours}
DEPENDS = (
    "MyVGG builds five Blocks: nbgrader runs the learner's Block ({}), our grader runs the "
    "reference Block after Block's check cell, so MyVGG is scored on its own"
)
KNOWN = {
    ("C1_W4_Assignment_vgg", "partial:Block"): {
        "MyVGG": DEPENDS.format("raises NotImplementedError")
    },
    ("C1_W4_Assignment_vgg", "mutation:Block"): {
        "MyVGG": DEPENDS.format("'valid' padding shrinks a 32x32 input below the kernel size")
    },
}


def _student(submission: str) -> str:
    return submission.replace(":", "-").replace("_", "-")


def _solution_cells(nb, exercise=None, text=None) -> list:
    """The solution cells of ``exercise`` (or of any exercise), or those containing ``text``."""
    ident = f"{meta.grade_id(exercise)}-solution" if exercise else ""
    return [
        c
        for c in nb["cells"]
        if c["metadata"]["nbgrader"]["solution"]
        and c["metadata"]["nbgrader"]["grade_id"].startswith(ident)
        and (text is None or text in editions.source(c))
    ]


def _submission(path, submission) -> dict:
    """The notebook JSON of ``submission`` (all but "release", which nbgrader makes)."""
    kind, _, exercise = submission.partition(":")
    nb = meta.with_metadata(json.loads(path.read_text(encoding="utf-8")))
    if kind == "edition":
        return editions.edition(nb, path.stem)
    if kind == "mutation":
        _, old, new = next(m for m in MUTATIONS[path.name] if m[0] == exercise)
        (cell,) = _solution_cells(nb, text=old)
        cell["source"] = editions.source(cell).replace(old, new, 1)
    if kind == "partial":
        for cell in _solution_cells(nb, exercise):
            cell["source"] = editions.blank(editions.source(cell), exercise)
    return nb


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _nbgrader(env, log, timing, *args):
    """Run ``nbgrader *args`` in the course; add its wall and CPU seconds (its kernels
    included) to ``timing``."""
    start = time.perf_counter()
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ nbgrader {' '.join(args)}\n")
        out.flush()
        command = [str(Path(sys.executable).parent / "nbgrader"), *args]
        child = subprocess.Popen(command, cwd=COURSE, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    timing[f"nbgrader {args[0]}"] = time.perf_counter() - start
    timing["nbgrader, CPU"] = timing.get("nbgrader, CPU", 0) + usage.ru_utime + usage.ru_stime
    assert child.returncode == 0, f"nbgrader {' '.join(args)} failed: see {log}"


def _run_nbgrader(env, released, failures, timing):
    """generate_assignment, each release copied as the "release" submission, then
    autograde (in this thread)."""
    try:
        start, log = time.perf_counter(), COURSE / "nbgrader.log"
        _nbgrader(env, log, timing, "generate_assignment", "*")
        for path, submissions in PLAN.items():
            if "release" in submissions:
                target = COURSE / "submitted" / "release" / path.stem
                target.mkdir(parents=True)
                shutil.copy(COURSE / "release" / path.stem / path.name, target / path.name)
        released.set()
        _nbgrader(env, log, timing, "autograde", "*", "--create")
        timing["nbgrader, wall"] = time.perf_counter() - start
    except BaseException as err:  # reported by the main thread
        failures.append(err)
        released.set()


def _gradebook_points(path, student) -> dict[str, float]:
    from nbgrader.api import Gradebook

    names = editions.exercise_names(json.loads(path.read_text(encoding="utf-8")))
    with Gradebook(f"sqlite:///{COURSE / 'gradebook.db'}", "tfat") as book:
        found = book.find_submission_notebook(path.stem, path.stem, student)
        grades = {g.name: g.score for g in found.grades}
    return {n: grades[f"{meta.grade_id(n)}-tests"] for n in names}


@pytest.fixture(scope="module")
def results():
    """{(assignment, submission): (nbgrader's points, our Scores)}, and the timings."""
    pytest.importorskip("nbgrader")
    start = time.perf_counter()
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    shutil.rmtree(COURSE, ignore_errors=True)
    meta.build_course(COURSE, list(PLAN), timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TFAT_GRADE")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    files = {}
    for path, submissions in PLAN.items():
        for submission in submissions:
            file = COURSE / "submitted" / _student(submission) / path.stem / path.name
            files[path, submission] = file
            if submission != "release":
                file.parent.mkdir(parents=True)
                file.write_text(editions.render(_submission(path, submission)), encoding="utf-8")
    released, failures, timing = threading.Event(), [], {}
    worker = threading.Thread(
        target=_run_nbgrader, args=(env, released, failures, timing), daemon=True
    )
    worker.start()
    ours, local = {}, time.perf_counter()
    for (path, submission), file in sorted(files.items(), key=lambda i: i[0][1] == "release"):
        if submission == "release":
            released.wait()
            if failures:
                break
        begin = time.perf_counter()
        ours[path, submission] = grader.grade(file, assignment=path).scores
        key = f"make grade {path.stem}"
        timing[key] = timing.get(key, 0) + time.perf_counter() - begin
    timing["make grade, wall"] = time.perf_counter() - local
    worker.join()
    if failures:
        raise failures[0]
    timing["all, CPU"] = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu
    found = {
        (path.stem, submission): (
            _gradebook_points(path, _student(submission)),
            ours[path, submission],
        )
        for path, submissions in PLAN.items()
        for submission in submissions
    }
    timing["all, wall"] = time.perf_counter() - start
    conftest.REPORT[:] = [_table(found, timing)]
    (COURSE / "scores.txt").write_text(conftest.REPORT[0] + "\n", encoding="utf-8")
    return found


def _table(found, timing) -> str:
    rows = [f"{'assignment':<41} {'submission':<24} {'exercise':<16} nbgrader  make grade  note"]
    for (stem, submission), (theirs, scores) in found.items():
        for score in scores:
            why = KNOWN.get((stem, submission), {}).get(score.exercise, "")
            note = score.note or ("failed: " + ", ".join(score.failed) if score.failed else "")
            rows.append(
                f"{stem:<41} {submission:<24} {score.exercise:<16} {theirs[score.exercise]:>8.0f}"
                f"  {score.points:>10}  {('DIFFERS: ' + why) if why else note}"[:240]
            )
    times = "\n  ".join(f"{k}: {v:.0f} s" for k, v in timing.items())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join(rows) + f"\nseconds (nbgrader beside our grader; load {load}):\n  {times}"


CASES = [(path.stem, s) for path, submissions in PLAN.items() for s in submissions]


@pytest.mark.parametrize(("stem", "submission"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_nbgrader_agrees_with_our_grader(results, stem, submission):
    theirs, scores = results[stem, submission]
    ours = {s.exercise: s.points for s in scores}
    assert set(theirs) == set(ours)
    differ = {name for name in ours if theirs[name] != ours[name]}
    assert differ == set(KNOWN.get((stem, submission), {})), (
        f"nbgrader {theirs} against ours {ours}"
    )
    kind, _, exercise = submission.partition(":")
    if kind == "solution":
        assert set(theirs.values()) == {1}
    if kind in ("release", "edition"):
        assert set(theirs.values()) == {0}
    if kind in ("mutation", "partial"):
        assert theirs[exercise] == 0 and ours[exercise] == 0
