"""A click-to-label tool: drag one box per image with the mouse, for the few-shot detection
lab's own photos.

In Jupyter the tool is an interactive ``ipympl`` figure (ipympl is in the ``lab`` extra) that
:func:`label_boxes` shows itself, while the notebook's other figures stay inline;
:func:`enable_widgets` makes that work on Colab too (it installs ipympl and turns on Colab's
custom widget manager). Without ipympl, or in a script with a static backend, the figure
is drawn and the given boxes are kept.

A person drags a box on an image (starting a little outside the image is fine: the box is
clipped to it); dragging again on the same image replaces its box; a click without a drag
changes nothing; Backspace (or Delete) undoes the last box, back to the one before.
"""

from __future__ import annotations

import numpy as np

from common import checks

INSTRUCTIONS = (
    "Drag a box around the object in each image\n"
    "(drag again to replace a box; Backspace undoes the last one)"
)
UNDO_KEYS = ("backspace", "delete")
MIN_DRAG_PIXELS = 3  # a shorter drag, in figure pixels, is a click: ignored
REACH_INCHES = 0.2  # a drag may start this far outside an image (clipped to it)
_COLOURS = {"given": "#00e5ff", "yours": "#ffe000"}


def box_from_drag(x0, y0, x1, y1, height, width) -> np.ndarray:
    """The normalised ``[ymin, xmin, ymax, xmax]`` box of a mouse drag on an image.

    ``(x0, y0)`` and ``(x1, y1)`` are the press and release points in ``imshow`` data
    coordinates (``x`` = column, ``y`` = row; pixel ``(r, c)`` covers ``c - 0.5 .. c + 0.5``),
    in any order. The box is clipped to the image.

    Raises:
        ValueError: a non-finite point, a non-positive ``height``/``width``, or a drag
            that encloses no area (a click).

    Used by: common.labelling.
    """
    h, w = checks.positive_number("height", height), checks.positive_number("width", width)
    points = np.array([x0, y0, x1, y1], dtype=np.float64)
    if not np.all(np.isfinite(points)):
        raise ValueError(f"the drag points must be finite numbers, got {points.tolist()}")
    xs = np.clip((np.sort(points[[0, 2]]) + 0.5) / w, 0.0, 1.0)
    ys = np.clip((np.sort(points[[1, 3]]) + 0.5) / h, 0.0, 1.0)
    if xs[1] <= xs[0] or ys[1] <= ys[0]:
        raise ValueError("the drag encloses no area: press, drag, then release")
    return np.array([ys[0], xs[0], ys[1], xs[1]], dtype=np.float32)


class BoxLabels:
    """One box per image, filled in while the learner drags on the figure of
    :func:`label_boxes` (the same object, so a later cell sees the boxes drawn since).

    ``boxes`` (``(N, 4)`` normalised ``yxyx``, a NaN row for "none") are the boxes shown to
    start with; a drag replaces one, :meth:`undo` takes the last change back.

    Used by: common.labelling.
    """

    def __init__(self, images, boxes=None):
        self.images = checks.image_list(images)
        n = len(self.images)
        given = np.full((n, 4), np.nan, np.float32)
        if boxes is not None:
            boxes = np.asarray(boxes, np.float32)
            if boxes.shape != given.shape:
                raise ValueError(f"boxes must have shape {given.shape}, got {boxes.shape}")
            given[:] = boxes
        self.given = given
        self.boxes: list[np.ndarray | None] = [
            None if np.isnan(row).any() else row.copy() for row in given
        ]
        self.history: list[tuple[int, np.ndarray | None]] = []  # (image, box before) per change
        self.rectangles: list = []  # one matplotlib Rectangle per image (the box drawn)
        self.names = [f"image {i}" for i in range(n)]  # the panels' titles
        self.figure = None
        self._drag = None  # (image, x, y) of the press, in the image's data coordinates

    @property
    def selectors(self) -> list:
        """The box artists, one per image (the name of earlier versions)."""
        return self.rectangles

    def on_select(self, index: int, press, release) -> bool:
        """Store image ``index``'s box from a drag's press and release events (their
        ``xdata``/``ydata``); a click or a point outside the image is ignored (False)."""
        h, w = self.images[index].shape[:2]
        try:
            box = box_from_drag(press.xdata, press.ydata, release.xdata, release.ydata, h, w)
        except (TypeError, ValueError):
            return False
        self.set_box(index, box)
        return True

    def set_box(self, index: int, box) -> None:
        """Replace image ``index``'s box (normalised ``yxyx``), remembering the old one."""
        self.history.append((index, self.boxes[index]))
        self.boxes[index] = np.asarray(box, np.float32)
        self._show(index)

    def undo(self) -> int | None:
        """Take the last change back; return the image it touched (None: nothing to undo)."""
        if not self.history:
            return None
        index, previous = self.history.pop()
        self.boxes[index] = previous
        self._show(index)
        return index

    @property
    def missing(self) -> list[int]:
        """Indices of the images without a box yet."""
        return [i for i, b in enumerate(self.boxes) if b is None]

    def array(self, defaults=None) -> np.ndarray:
        """float32 ``(N, 4)`` normalised ``yxyx`` boxes; an image without a box takes row
        ``i`` of ``defaults`` (``(N, 4)``, NaN rows allowed).

        Raises:
            ValueError: an image has neither a box nor a default, or ``defaults`` has the
                wrong shape.
        """
        out = np.full((len(self.boxes), 4), np.nan, np.float32)
        if defaults is not None:
            defaults = np.asarray(defaults, np.float32)
            if defaults.shape != out.shape:
                raise ValueError(f"defaults must have shape {out.shape}, got {defaults.shape}")
            out[:] = defaults
        for i, box in enumerate(self.boxes):
            if box is not None:
                out[i] = box
        if defaults is None and self.missing:
            raise ValueError(f"images {self.missing} have no box: drag a box on each of them")
        return out

    def image_extents(self) -> np.ndarray:
        """float64 ``(N, 4)``: where each image lies on the figure, ``[left, top, right,
        bottom]`` in figure pixels from its top-left corner (a browser shows the figure at
        ``figure.bbox.width`` x ``height`` of them, scaled by its canvas size)."""
        self.figure.canvas.draw()  # lays the axes out
        height = self.figure.bbox.height
        out = []
        for ax, image in zip(self.figure.axes, self.images, strict=False):
            (x0, y0), (x1, y1) = ax.transData.transform(_corners(image))
            out.append([min(x0, x1), height - max(y0, y1), max(x0, x1), height - min(y0, y1)])
        return np.array(out, np.float64)

    # ------------------------------------------------------------------ mouse and keys

    def _image_at(self, event) -> int | None:
        """The image under a mouse event (display pixels), else the nearest one within
        reach (a drag may start just outside an image), else None."""
        if event.x is None or event.y is None:
            return None
        distances = []
        for ax, image in zip(self.figure.axes, self.images, strict=False):
            (x0, y0), (x1, y1) = ax.transData.transform(_corners(image))
            dx = max(min(x0, x1) - event.x, 0, event.x - max(x0, x1))
            dy = max(min(y0, y1) - event.y, 0, event.y - max(y0, y1))
            distances.append(np.hypot(dx, dy))
        nearest = int(np.argmin(distances))
        return nearest if distances[nearest] <= REACH_INCHES * self.figure.dpi else None

    def _data_point(self, index: int, event) -> tuple[float, float]:
        """``event``'s position in image ``index``'s data coordinates, clipped to it."""
        h, w = self.images[index].shape[:2]
        x, y = self.figure.axes[index].transData.inverted().transform((event.x, event.y))
        return float(np.clip(x, -0.5, w - 0.5)), float(np.clip(y, -0.5, h - 0.5))

    def _press(self, event) -> None:
        index = self._image_at(event) if event.button == 1 else None
        self._drag = None if index is None else (index, *self._data_point(index, event))

    def _move(self, event) -> None:
        if self._drag is None or event.x is None:
            return
        index, x0, y0 = self._drag
        x1, y1 = self._data_point(index, event)
        rect = self.rectangles[index]
        rect.set_bounds(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
        rect.set(visible=True, linestyle="-", edgecolor=_COLOURS["yours"])
        self.figure.canvas.draw_idle()

    def _release(self, event) -> None:
        if self._drag is None:
            return
        index, x0, y0 = self._drag
        self._drag = None
        x1, y1 = self._data_point(index, event) if event.x is not None else (x0, y0)
        ax = self.figure.axes[index]
        (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
        h, w = self.images[index].shape[:2]
        if min(abs(px1 - px0), abs(py1 - py0)) < MIN_DRAG_PIXELS:
            self._show(index)  # a click: the box stays as it was
            return
        self.set_box(index, box_from_drag(x0, y0, x1, y1, h, w))

    def _key(self, event) -> None:
        if event.key in UNDO_KEYS:
            self.undo()

    def _show(self, index: int) -> None:
        """Draw image ``index``'s box (dashed: given, solid: yours) and its title."""
        if not self.rectangles:
            return
        box, rect, ax = self.boxes[index], self.rectangles[index], self.figure.axes[index]
        yours = box is not None and not _same(box, self.given[index])
        if box is not None:
            h, w = self.images[index].shape[:2]
            ymin, xmin, ymax, xmax = box
            rect.set_bounds(xmin * w - 0.5, ymin * h - 0.5, (xmax - xmin) * w, (ymax - ymin) * h)
        state = "your box" if yours else ("given box" if box is not None else "no box yet")
        rect.set(
            visible=box is not None, linestyle="-" if yours else "--",
            edgecolor=_COLOURS["yours" if yours else "given"],
        )  # fmt: skip
        ax.set_title(f"{self.names[index]}: {state}", fontsize=10)
        self.figure.canvas.draw_idle()


def _corners(image) -> np.ndarray:
    """The top-left and bottom-right corners of ``image`` in ``imshow`` data coordinates."""
    h, w = image.shape[:2]
    return np.array([(-0.5, -0.5), (w - 0.5, h - 0.5)])


def _same(box, given) -> bool:
    return not np.isnan(given).any() and np.allclose(box, given, atol=1e-6)


def label_boxes(images, boxes=None, *, names=None, title: str = INSTRUCTIONS) -> BoxLabels:
    """Show ``images`` (up to three a row) and let the learner drag one box on each.

    In a Jupyter kernel with ``ipympl`` the figure is an interactive widget, shown here (other
    figures stay inline); on Colab call :func:`enable_widgets` first. Elsewhere it is a
    pyplot figure: a window in a script with a desktop backend; with a static backend
    (inline figures without ipympl, tests) it prints that boxes cannot be drawn there,
    and the given ``boxes`` are kept.

    Args:
        images: 1 to 8 images, each ``(H, W)`` or ``(H, W, 3)``.
        boxes: ``(N, 4)`` normalised ``yxyx`` boxes to start with (NaN rows: none), shown
            dashed; a drag replaces one.
        names: one short name per image for the panel titles (default ``image 0``, ...).

    Returns:
        a :class:`BoxLabels`; read ``labels.array(...)`` in a later cell.

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    labels = BoxLabels(images, boxes)
    n = len(labels.images)
    if n > 8:
        raise ValueError(f"label at most 8 images at a time, got {n}")
    if names is not None:
        if isinstance(names, str) or len(names) != n:
            raise ValueError(f"names must hold one name per image ({n}), got {names!r}")
        labels.names = [str(name) for name in names]
    cols = 2 if n == 4 else min(n, 3)
    rows = -(-n // cols)
    size = (max(3.2 * cols, 6.0), 3.0 * rows + 0.8)
    fig, canvas = _figure(size)
    grid = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, image in zip(grid, labels.images, strict=False):
        ax.imshow(image)
        ax.set_xticks([])
        ax.set_yticks([])
        labels.rectangles.append(ax.add_patch(_box_patch()))
    for ax in grid[n:]:
        fig.delaxes(ax)
    fig.suptitle(title, fontsize=11)
    labels.figure = fig
    for i in range(n):
        labels._show(i)
    for name, handler in [("button_press_event", labels._press), ("key_press_event", labels._key),
                          ("motion_notify_event", labels._move),
                          ("button_release_event", labels._release)]:  # fmt: skip
        fig.canvas.mpl_connect(name, handler)
    if canvas is not None:
        from IPython.display import display

        display(canvas)
        return labels
    import matplotlib

    backend = matplotlib.get_backend().lower()
    if not _interactive(backend):
        print(
            f"matplotlib backend {backend!r} is not interactive, so boxes cannot be drawn here."
            " In Jupyter: install ipympl (pip install ipympl; in the lab extra) and run this"
            " cell again. The given boxes are used meanwhile."
        )
    return labels


def _box_patch():
    from matplotlib.patches import Rectangle

    return Rectangle((0, 0), 1, 1, fill=False, linewidth=2.5, visible=False)


def _figure(size):
    """A constrained-layout figure of ``size`` inches and its ipympl canvas widget (in a
    Jupyter kernel with ipympl), else a pyplot figure and None."""
    ipympl = _ipympl()
    if ipympl is None:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=size, layout="constrained"), None
    from matplotlib.figure import Figure

    canvas_class, manager_class = ipympl
    fig = Figure(figsize=size, layout="constrained")
    canvas = canvas_class(fig)
    manager = manager_class(canvas, 0)  # not pyplot's: plt.show() and inline figures skip it
    for handler in ("key_press_handler_id", "button_press_handler_id"):  # 'q' would close it
        if getattr(manager, handler, None) is not None:
            canvas.mpl_disconnect(getattr(manager, handler))
    # Every frame whole: a frame drawn before the browser shows the widget must not leave
    # later (difference) frames without their base image.
    canvas.mpl_connect("draw_event", lambda _: setattr(canvas, "_force_full", True))
    canvas.toolbar_visible = False  # no pan or zoom: a drag draws a box
    canvas.header_visible = canvas.footer_visible = canvas.resizable = False
    canvas._figure_label = "(a still image: run the cell to draw boxes)"  # the saved output's
    return fig, canvas


def _ipympl():
    """ipympl's ``(Canvas, FigureManager)`` classes inside a Jupyter kernel, else None."""
    import matplotlib

    try:
        from IPython import get_ipython

        if getattr(get_ipython(), "kernel", None) is None:
            return None
        backend = matplotlib.get_backend()
        from ipympl.backend_nbagg import Canvas, FigureManager
    except ImportError:
        return None
    if matplotlib.get_backend() != backend:  # importing ipympl made it pyplot's backend:
        matplotlib.use(backend)  # the notebook's other figures stay as they were (inline)
    return Canvas, FigureManager


def enable_widgets() -> bool:
    """Make :func:`label_boxes` interactive in this notebook; True when ``ipympl`` is there.

    On Colab (which does not ship ipympl) it installs ipympl when missing and turns on
    Colab's custom widget manager, which third-party widgets need
    (``google.colab.output.enable_custom_widget_manager()``). Elsewhere it only looks.

    Used by: C3_W2_Lab_3_few_shot_detection.
    """
    import importlib
    import importlib.util
    import subprocess
    import sys

    from common import env

    if env.is_colab():
        if importlib.util.find_spec("ipympl") is None:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ipympl"], check=True)
            importlib.invalidate_caches()
        from google.colab import output

        output.enable_custom_widget_manager()
    return importlib.util.find_spec("ipympl") is not None


def _interactive(backend: str) -> bool:
    """False for matplotlib's file backends and Jupyter's inline (static PNG) backend."""
    static = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
    return backend not in static and "inline" not in backend
