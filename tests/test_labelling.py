"""The labelling tool driven by matplotlib's own mouse and key events (the events ipympl
delivers in a browser; tests/browser drives the real thing in JupyterLab)."""

import numpy as np
import pytest
from matplotlib.backend_bases import KeyEvent, MouseEvent

from common import labelling


@pytest.fixture
def tool(capsys):
    """Two 20 x 10 and 10 x 10 images, the first with a given box, on an Agg figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = [np.zeros((20, 10, 3), np.uint8), np.zeros((10, 10, 3), np.uint8)]
    given = np.array([[0.1, 0.2, 0.6, 0.7], [np.nan] * 4], np.float32)
    labels = labelling.label_boxes(images, boxes=given)
    assert "not interactive" in capsys.readouterr().out
    labels.extents = labels.image_extents()  # drawn once: the layout stays
    yield labels
    plt.close(labels.figure)


def pixel(labels, index, u, v):
    """Display pixels (origin bottom-left, as matplotlib's events) of point (u, v) of image
    ``index``, as fractions of its width and height from its top-left corner."""
    left, top, right, bottom = labels.extents[index]
    height = labels.figure.bbox.height
    return left + u * (right - left), height - (top + v * (bottom - top))


def tol(labels, index):
    """Matplotlib's events hold whole pixels: a box edge may be off by one (plus rounding)."""
    left, top, right, bottom = labels.extents[index]
    return 1.5 / min(right - left, bottom - top)


def mouse(labels, name, xy, button=1):
    event = MouseEvent(name, labels.figure.canvas, *xy, button=button)
    labels.figure.canvas.callbacks.process(name, event)


def drag(labels, start, end, steps=2):
    mouse(labels, "button_press_event", start)
    for k in range(1, steps + 1):
        point = (
            start[0] + (end[0] - start[0]) * k / steps,
            start[1] + (end[1] - start[1]) * k / steps,
        )
        mouse(labels, "motion_notify_event", point)
    mouse(labels, "button_release_event", end)


def key(labels, name):
    labels.figure.canvas.callbacks.process(
        "key_press_event", KeyEvent("key_press_event", labels.figure.canvas, name)
    )


def test_given_boxes_are_shown_and_kept(tool):
    assert tool.missing == [1]
    np.testing.assert_allclose(tool.array(defaults=np.zeros((2, 4)))[0], [0.1, 0.2, 0.6, 0.7])
    assert tool.rectangles[0].get_visible() and tool.rectangles[0].get_linestyle() == "--"
    assert not tool.rectangles[1].get_visible()
    assert tool.figure.axes[0].get_title() == "image 0: given box"
    assert tool.figure.axes[1].get_title() == "image 1: no box yet"


def test_a_drag_replaces_the_box(tool):
    drag(tool, pixel(tool, 0, 0.25, 0.5), pixel(tool, 0, 0.75, 0.25))  # up and right
    np.testing.assert_allclose(tool.boxes[0], [0.25, 0.25, 0.5, 0.75], atol=tol(tool, 0))
    assert tool.rectangles[0].get_linestyle() == "-"
    assert tool.figure.axes[0].get_title() == "image 0: your box"
    drag(tool, pixel(tool, 1, 0.1, 0.1), pixel(tool, 1, 0.9, 0.6))
    np.testing.assert_allclose(tool.array()[1], [0.1, 0.1, 0.6, 0.9], atol=tol(tool, 1))


def test_a_click_or_another_button_changes_nothing(tool):
    point = pixel(tool, 0, 0.5, 0.5)
    drag(tool, point, (point[0] + 1, point[1] + 1))  # under MIN_DRAG_PIXELS: a click
    drag(tool, pixel(tool, 1, 0.1, 0.1), pixel(tool, 1, 0.9, 0.9))
    mouse(tool, "button_press_event", pixel(tool, 1, 0.2, 0.2), button=3)
    mouse(tool, "button_release_event", pixel(tool, 1, 0.8, 0.8), button=3)
    np.testing.assert_allclose(tool.boxes[0], [0.1, 0.2, 0.6, 0.7])
    np.testing.assert_allclose(tool.boxes[1], [0.1, 0.1, 0.9, 0.9], atol=tol(tool, 1))
    assert tool.rectangles[0].get_visible()


def test_a_drag_from_just_outside_is_clipped_and_far_outside_ignored(tool):
    reach = labelling.REACH_INCHES * tool.figure.dpi
    left, top, _, _ = tool.extents[1]
    height = tool.figure.bbox.height
    drag(tool, (left - reach / 2, height - (top - reach / 2)), pixel(tool, 1, 0.5, 0.5))
    np.testing.assert_allclose(tool.boxes[1], [0.0, 0.0, 0.5, 0.5], atol=tol(tool, 1))
    drag(tool, (left - 3 * reach, height - (top - 3 * reach)), pixel(tool, 1, 0.9, 0.9))
    np.testing.assert_allclose(tool.boxes[1], [0.0, 0.0, 0.5, 0.5], atol=tol(tool, 1))


def test_backspace_undoes_the_last_box(tool):
    drag(tool, pixel(tool, 0, 0.1, 0.1), pixel(tool, 0, 0.5, 0.5))
    drag(tool, pixel(tool, 1, 0.1, 0.1), pixel(tool, 1, 0.5, 0.5))
    drag(tool, pixel(tool, 1, 0.2, 0.2), pixel(tool, 1, 0.9, 0.9))
    key(tool, "backspace")
    np.testing.assert_allclose(tool.boxes[1], [0.1, 0.1, 0.5, 0.5], atol=tol(tool, 1))
    key(tool, "delete")
    assert tool.boxes[1] is None and not tool.rectangles[1].get_visible()
    key(tool, "x")  # other keys: nothing
    key(tool, "backspace")
    np.testing.assert_allclose(tool.boxes[0], [0.1, 0.2, 0.6, 0.7])  # the given box again
    assert tool.figure.axes[0].get_title() == "image 0: given box"
    assert tool.undo() is None  # nothing left to undo


def test_image_extents_follow_the_layout(tool):
    extents = tool.image_extents()
    width, height = tool.figure.bbox.width, tool.figure.bbox.height
    assert extents.shape == (2, 4)
    assert np.all((extents[:, 0] >= 0) & (extents[:, 2] <= width))
    assert np.all((extents[:, 1] >= 0) & (extents[:, 3] <= height))
    sides = extents[:, 2:] - extents[:, :2]  # the 20 x 10 image twice as tall as wide
    assert sides[0, 1] == pytest.approx(2 * sides[0, 0], rel=0.02)
    assert extents[0, 2] < extents[1, 0]  # side by side


def test_layout_rows_and_title_fit():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for n, rows in [(1, 1), (4, 2), (8, 3)]:
        labels = labelling.label_boxes([np.zeros((8, 8))] * n)
        fig = labels.figure
        fig.canvas.draw()
        tops = {round(ax.get_position().y1, 3) for ax in fig.axes}
        assert len(fig.axes) == n and len(tops) == rows
        title = fig._suptitle.get_window_extent()
        assert title.x0 >= 0 and title.x1 <= fig.bbox.width, f"title clipped for {n} images"
        plt.close(fig)


def test_bad_boxes_and_names_are_rejected():
    with pytest.raises(ValueError, match="boxes must have shape"):
        labelling.BoxLabels([np.zeros((4, 4))], boxes=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="one name per image"):
        labelling.label_boxes([np.zeros((4, 4))] * 2, names=["a"])


def test_names_title_the_panels(capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = labelling.label_boxes([np.zeros((4, 4))] * 2, names=["photo 0", "test frame 0"])
    assert [ax.get_title() for ax in labels.figure.axes] == [
        "photo 0: no box yet", "test frame 0: no box yet"]  # fmt: skip
    plt.close(labels.figure)


def test_enable_widgets_outside_colab_only_looks(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    import importlib.util

    assert labelling.enable_widgets() is (importlib.util.find_spec("ipympl") is not None)
