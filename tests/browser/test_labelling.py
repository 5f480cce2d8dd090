"""Scenario 1: label the rubber duckies by mouse in the few-shot detection lab (C3 W2 Lab 3),
then let the lab train on the boxes drawn.

A person runs the lab up to the labelling cell, sees the images with the given boxes
(dashed), drags a box on each, runs the next cell and reads the boxes it prints. Here the
expected boxes come from where the mouse went, on the canvas the page shows, and the
image extents the figure reports (a cell typed in below the tool); the boxes read back
come from the page's text. Also: a click without a drag and Backspace change nothing /
take the last box back, and a drag that starts just outside an image is clipped to it.
"""

from __future__ import annotations

import json
import re

import numpy as np

from tests.browser.conftest import OUT, work_copy
from tests.browser.jlab import Notebook

LAB = "course3_computer_vision/week2_object_detection/C3_W2_Lab_3_few_shot_detection.ipynb"
LABEL_CELL = 6  # labelling.label_boxes(...)
TOLERANCE_PX = 2.5  # a read-back box edge may differ from the mouse's by this, CSS pixels
PROBE = (
    "import json  # where the images lie on the figure (typed in by the test)\n"
    "print(json.dumps({'figure': [labels.figure.bbox.width, labels.figure.bbox.height],\n"
    "                  'images': labels.image_extents().tolist(), 'given': labels.given.tolist()}))"
)


class Canvas:
    """The labelling figure as the page shows it: normalised image points to page pixels."""

    def __init__(self, nb: Notebook, layout: dict):
        self.nb, self.page = nb, nb.page
        self.locator = nb.page.locator(".jupyter-matplotlib-canvas-div canvas").last
        self.layout = layout

    def box(self):
        self.locator.scroll_into_view_if_needed()
        return self.locator.bounding_box()

    def point(self, index: int, u: float, v: float) -> tuple[float, float]:
        """Page pixels of point ``(u, v)`` (x, y as fractions of the width and height; may be
        outside 0..1) of image ``index``."""
        box = self.box()
        scale = box["width"] / self.layout["figure"][0]
        left, top, right, bottom = self.layout["images"][index]
        return box["x"] + scale * (left + u * (right - left)), box["y"] + scale * (
            top + v * (bottom - top)
        )

    def expected(self, index: int, start, end) -> np.ndarray:
        """The normalised ``[ymin, xmin, ymax, xmax]`` of a drag between page points."""
        box = self.box()
        scale = box["width"] / self.layout["figure"][0]
        left, top, right, bottom = self.layout["images"][index]
        us = [((x - box["x"]) / scale - left) / (right - left) for x in (start[0], end[0])]
        vs = [((y - box["y"]) / scale - top) / (bottom - top) for y in (start[1], end[1])]
        us, vs = np.clip(sorted(us), 0, 1), np.clip(sorted(vs), 0, 1)
        return np.array([vs[0], us[0], vs[1], us[1]])

    def pixels_per_unit(self, index: int) -> float:
        """CSS pixels per normalised unit of image ``index`` (its shown width)."""
        left, _, right, _ = self.layout["images"][index]
        return self.box()["width"] / self.layout["figure"][0] * (right - left)

    def drag(self, start, end, steps: int = 8) -> None:
        mouse = self.page.mouse
        mouse.move(*start)
        mouse.down()
        for k in range(1, steps + 1):
            mouse.move(start[0] + (end[0] - start[0]) * k / steps,
                       start[1] + (end[1] - start[1]) * k / steps)  # fmt: skip
        mouse.up()
        self.nb.settle()

    def click(self, point) -> None:
        self.page.mouse.click(*point)
        self.nb.settle()


def read_boxes(text: str) -> np.ndarray:
    """The six boxes the read-back cell prints (five training boxes, then test frame 0)."""
    numbers = re.findall(r"-?\d+\.\d*|\bnan\b", text.split(":", 1)[1])
    return np.array([float(n) for n in numbers], np.float64).reshape(6, 4)


def grown(box, by: float) -> np.ndarray:
    """``box`` (normalised yxyx) grown by ``by`` on each side, clipped to the image."""
    return np.clip(np.asarray(box) + [-by, -by, by, by], 0.0, 1.0)


def test_label_by_mouse_then_train(page, jupyter):
    nb = Notebook(page, jupyter, "1-labelling")
    nb.open(work_copy(LAB))
    assert not nb.dialogs(), f"a dialog blocks the notebook: {nb.dialogs()}"
    nb.shot("opened")
    stored = nb.cells.nth(LABEL_CELL).locator(".jp-OutputArea")
    stored.scroll_into_view_if_needed()
    assert stored.locator("img").count() == 1, "the saved labelling output shows no image"
    assert "Error displaying widget" not in stored.text_content()
    nb.shot("saved-tool-output", target=nb.cells.nth(LABEL_CELL))

    nb.run_all_above(LABEL_CELL)
    nb.run(LABEL_CELL)
    tool = nb.cells.nth(LABEL_CELL).locator(".jupyter-matplotlib-canvas-div canvas")
    assert tool.count() == 2, "the labelling cell shows no interactive figure"
    nb.shot("tool-with-given-boxes", target=nb.cells.nth(LABEL_CELL))

    probe = nb.insert_below(LABEL_CELL, PROBE)
    nb.run(probe)
    layout = json.loads(nb.output_text(probe))
    read_back = probe + 1
    canvas = Canvas(nb, layout)
    given = np.array(layout["given"])
    assert len(layout["images"]) == 6 and np.isfinite(given).all()  # smoke: all six given
    tol = [TOLERANCE_PX / canvas.pixels_per_unit(i) for i in range(6)]

    # Gestures: a drag, a click (no change), a drag from outside, a drag undone.
    targets = [grown(box, 0.04) for box in given]  # a person's boxes: a little looser
    drags = {}

    def drag_box(index, box, outside=False):
        ymin, xmin, ymax, xmax = box
        start = canvas.point(index, -0.04, -0.04) if outside else canvas.point(index, xmin, ymin)
        end = canvas.point(index, xmax, ymax)
        canvas.drag(start, end)
        drags[index] = {"from_px": [round(c, 1) for c in start],
                        "to_px": [round(c, 1) for c in end],
                        "expected": canvas.expected(index, start, end).round(4).tolist()}  # fmt: skip

    drag_box(0, targets[0])
    canvas.click(canvas.point(0, 0.5, 0.5))
    drag_box(1, targets[1], outside=True)
    drag_box(2, [0.1, 0.1, 0.3, 0.3])
    page.keyboard.press("Backspace")
    nb.settle()
    nb.shot("after-click-outside-drag-and-undo", target=tool.last)
    nb.run(read_back)
    boxes = read_boxes(nb.output_text(read_back))
    first = {k: dict(v) for k, v in drags.items()}
    first["read_back"] = boxes.tolist()
    np.testing.assert_allclose(boxes[0], drags[0]["expected"], atol=tol[0] + 5e-4)
    np.testing.assert_allclose(boxes[1], drags[1]["expected"], atol=tol[1] + 5e-4)
    assert boxes[1][0] == 0 and boxes[1][1] == 0, "a drag from outside starts at the edge"
    np.testing.assert_allclose(boxes[2:], given[2:], atol=5e-4)  # undone; untouched
    nb.shot("read-back-after-gestures", target=nb.cells.nth(read_back))

    # Labelling every image: a drag replaces the box (image 1's from-outside one too).
    for index in range(6):
        drag_box(index, targets[index])
    nb.shot("all-boxes-drawn")
    nb.run(read_back)
    boxes = read_boxes(nb.output_text(read_back))
    nb.shot("read-back", target=nb.cells.nth(read_back))
    for index in range(6):
        np.testing.assert_allclose(boxes[index], drags[index]["expected"], atol=tol[index] + 5e-4)
        assert np.abs(boxes[index] - given[index]).max() > 0.02, "the drag replaced the box"

    record = {"canvas_css_px": canvas.box(), "figure_px": layout["figure"],
              "image_extents_figure_px": layout["images"], "tolerance_css_px": TOLERANCE_PX,
              "gestures": first, "drags": drags, "read_back": boxes.tolist()}  # fmt: skip
    (OUT / "1-labelling-drags.json").write_text(json.dumps(record, indent=1))

    # The lab trains on the boxes drawn, and its final check passes.
    nb.run_from(read_back + 1)
    figures = page.locator(".jp-Notebook .jp-OutputArea-output img")
    nb.shot("held-out-detections", target=figures.last)
    last = nb.cells.count() - 1
    nb.select(last)
    nb.shot("trained-and-checked")
    assert not nb.errors(), nb.errors()
    assert "few-shot detection checks passed" in nb.output_text(last)
