"""A click-to-label tool: draw one box per image with the mouse (matplotlib's
``RectangleSelector``), for the few-shot detection lab's own photos.

In Jupyter it needs an interactive backend: ``ipympl`` (in the ``lab`` extra) and
``%matplotlib widget`` (Colab also needs ``google.colab.output.enable_custom_widget_manager()``).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from common import checks


def box_from_drag(x0, y0, x1, y1, height, width) -> np.ndarray:
    """The normalised ``[ymin, xmin, ymax, xmax]`` box of a mouse drag on an image.

    ``(x0, y0)`` and ``(x1, y1)`` are the press and release points in ``imshow`` data
    coordinates (``x`` = column, ``y`` = row; pixel ``(r, c)`` covers ``c - 0.5 .. c + 0.5``),
    in any order. The box is clipped to the image.

    Raises:
        ValueError: a non-finite point, a non-positive ``height``/``width``, or a drag
            that encloses no area (a click).
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
    :func:`label_boxes` (the same object, so a later cell sees the boxes drawn since)."""

    def __init__(self, images):
        self.images = checks.image_list(images)
        self.boxes: list[np.ndarray | None] = [None] * len(self.images)
        self.selectors: list = []  # matplotlib widgets must stay referenced to work
        self.figure = None

    def on_select(self, index: int, press, release) -> None:
        """``RectangleSelector`` callback: store image ``index``'s box (a click is ignored)."""
        h, w = self.images[index].shape[:2]
        try:
            box = box_from_drag(press.xdata, press.ydata, release.xdata, release.ydata, h, w)
        except (TypeError, ValueError):
            return  # released outside the axes, or no area: keep the previous box
        self.boxes[index] = box

    @property
    def missing(self) -> list[int]:
        """Indices of the images without a box yet."""
        return [i for i, b in enumerate(self.boxes) if b is None]

    def array(self, defaults=None) -> np.ndarray:
        """float32 ``(N, 4)`` normalised ``yxyx`` boxes; an image without a drawn box takes
        row ``i`` of ``defaults`` (``(N, 4)``, e.g. the course's boxes; NaN rows allowed).

        Raises:
            ValueError: an image has neither a drawn box nor a default, or ``defaults``
                has the wrong shape.
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


def label_boxes(images, *, title: str = "Drag a box around the object in each image"):
    """Show ``images`` side by side and let the learner drag one box on each.

    Needs an interactive matplotlib backend: in Jupyter, ``ipympl`` (in the ``lab`` extra) and
    ``%matplotlib widget`` first (Colab also needs
    ``google.colab.output.enable_custom_widget_manager()``); in a script, a desktop window.
    With a non-interactive backend (inline figures, tests) it draws the images, prints
    what to do, and returns labels without boxes (use :meth:`BoxLabels.array` with the
    given boxes as ``defaults``). Drawing again on an image replaces its box.

    Args:
        images: 1 to 8 images, each ``(H, W)`` or ``(H, W, 3)``.

    Returns:
        a :class:`BoxLabels`; read ``labels.array(...)`` in a later cell.
    """
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.widgets import RectangleSelector

    labels = BoxLabels(images)
    if len(labels.images) > 8:
        raise ValueError(f"label at most 8 images at a time, got {len(labels.images)}")
    n = len(labels.images)
    fig, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.8), squeeze=False)
    for i, (ax, image) in enumerate(zip(axes[0], labels.images, strict=True)):
        ax.imshow(image)
        ax.set_title(f"image {i}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        selector = RectangleSelector(
            ax, partial(labels.on_select, i), useblit=False, button=[1],
            minspanx=2, minspany=2, spancoords="pixels", interactive=True,
        )  # fmt: skip
        labels.selectors.append(selector)
    fig.suptitle(title)
    labels.figure = fig
    backend = matplotlib.get_backend().lower()
    if not _interactive(backend):
        print(
            f"matplotlib backend {backend!r} is not interactive, so boxes cannot be drawn "
            "here. In Jupyter: run %matplotlib widget (ipympl, in the lab extra), and run this "
            "cell again. The given boxes are used meanwhile."
        )
    return labels


def _interactive(backend: str) -> bool:
    """False for matplotlib's file backends and Jupyter's inline (static PNG) backend."""
    static = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}
    return backend not in static and "inline" not in backend
