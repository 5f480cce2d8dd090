"""Scenario 2: work an exercise in the C2 W1 exercise edition, as a learner does.

Type a correct answer over the exercise's placeholder line, run it and its check cell: the
page shows [PASS] lines. Type a wrong answer: the check shows [FAIL] with what was expected
and what the answer gave. Nothing else breaks: no other cell shows an error, and typing the
correct answer again passes again.
"""

from __future__ import annotations

import json
import re

from tests.browser.conftest import ROOT, work_copy
from tests.browser.jlab import Notebook

EDITION = (
    "course2_distributed_training/week1_tensors_and_gradients/exercises/"
    "C2_W1_Assignment_basic_tensor_operations.ipynb"
)
RIGHT = "tf_constant_array = tf.constant(array)"
WRONG = "tf_constant_array = tf.constant(array, dtype=tf.float32)"


def cell_index(path: str, needle: str) -> int:
    """Index of the first cell of the notebook at ``path`` whose source holds ``needle``."""
    cells = json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"]
    return next(i for i, c in enumerate(cells) if needle in "".join(c["source"]))


def test_work_an_exercise(page, jupyter):
    exercise = cell_index(EDITION, "def tf_constant(")
    check = cell_index(EDITION, 'grading.exercise("tf_constant")')
    assert check > exercise

    nb = Notebook(page, jupyter, "2-exercise")
    nb.open(work_copy(EDITION))
    assert not nb.dialogs(), f"a dialog blocks the notebook: {nb.dialogs()}"
    nb.shot("opened")
    nb.run_all_above(exercise)

    nb.replace_line(exercise, "raise NotImplementedError", RIGHT)
    nb.shot("correct-answer-typed", target=nb.cells.nth(exercise))
    nb.run(exercise)
    nb.run(check)
    passed = nb.output_text(check)
    nb.shot("correct-answer-passes", target=nb.cells.nth(check))
    assert "[PASS]" in passed and "[FAIL]" not in passed, passed
    assert re.search(r"tf_constant: (all )?(\d+) of \2 tests passed", passed), passed

    nb.replace_line(exercise, RIGHT, WRONG)
    nb.shot("wrong-answer-typed", target=nb.cells.nth(exercise))
    nb.run(exercise)
    nb.run(check)
    failed = nb.output_text(check)
    nb.shot("wrong-answer-fails", target=nb.cells.nth(check))
    assert re.search(r"\[FAIL\] dtype: expected '?int64'?, got '?float32'?", failed), failed
    assert "[PASS] returns a tensor" in failed, failed
    others = [e for e in nb.errors() if not e.startswith(f"cell {check}:")]
    assert not others, others  # the failed check is the only cell that complains

    nb.replace_line(exercise, WRONG, RIGHT)
    nb.run(exercise)
    nb.run(check)
    assert "[FAIL]" not in nb.output_text(check), nb.output_text(check)
    nb.shot("corrected-passes-again")
