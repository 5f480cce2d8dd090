"""Scenario 3: run all of a lab with figures and a training loop (C2 W2 Lab 2) in the browser.

Its stored outputs are cleared first, so what the page shows comes from this run: every
figure is an image the browser decoded, the training progress (Keras' Progbar lines and
the epoch summaries) shows as text, no cell shows an error, and the last cell prints its
bar as passed.
"""

from __future__ import annotations

import re

from tests.browser.conftest import work_copy
from tests.browser.jlab import Notebook

LAB = "course2_distributed_training/week2_custom_training/C2_W2_Lab_2_training_categorical.ipynb"
FIGURES = 3  # the history, the predictions, the two loops compared


def test_run_all_of_a_lab(page, jupyter):
    nb = Notebook(page, jupyter, "3-run-all")
    nb.open(work_copy(LAB))
    assert not nb.dialogs(), f"a dialog blocks the notebook: {nb.dialogs()}"
    nb.menu("Edit", "Clear Outputs of All Cells")
    assert page.locator(".jp-Notebook .jp-OutputArea-output").count() == 0
    nb.shot("cleared")

    nb.run_all()
    assert not nb.errors(), nb.errors()
    images = page.locator(".jp-Notebook .jp-OutputArea-output img")
    decoded = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(decoded) >= FIGURES and all(w and w > 100 for w in decoded), decoded
    text = "\n".join(nb.output_text(i) for i in range(nb.cells.count()))
    assert re.search(r"^\d+/\d+ - .*loss: [\d.]+", text, re.M), "no training progress shown"
    assert re.search(r"Epoch \d+/\d+: train loss", text), "no epoch summaries shown"
    last = nb.cells.count() - 1
    assert re.search(r": passed", nb.output_text(last)), nb.output_text(last)
    for k in range(images.count()):
        nb.shot(f"figure-{k + 1}", target=images.nth(k))
    nb.select(last)
    nb.shot("last-cell-passed")
