"""Evaluation metrics of the notebooks (NumPy, no TensorFlow needed).

``class_wise_iou_dice``: intersection over union and Dice score per class of two integer
label maps, as the course's segmentation assignment computes them.

``heatmap_in_box`` (``heatmaps_in_boxes`` for many): how much of an explanation heatmap
(saliency, CAM, Grad-CAM) falls inside the object's bounding box, and whether its peak
does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from common import checks

SMOOTHING = 1e-5  # the course's smoothing constant


def class_wise_iou_dice(y_true, y_pred, n_classes: int):
    """IoU and Dice score of every class for integer label maps of equal shape.

    For class ``c``, with ``I`` the pixels labelled ``c`` in both maps and ``T``, ``P`` the
    pixels labelled ``c`` in ``y_true`` and ``y_pred``::

        iou  = (I + s) / (T + P - I + s)
        dice = (2 I + s) / (T + P + s)           with s = SMOOTHING (1e-5)

    A class absent from both maps scores 1 on both (not NaN). (The course's notebook
    multiplied the whole Dice fraction by 2, which gives 2 for an absent class.)

    Args:
        y_true, y_pred: integer arrays of the same shape, e.g. ``(N, H, W)``, values in
            ``[0, n_classes)``.
        n_classes: number of classes, a positive int.

    Returns:
        ``(iou, dice)``: two float64 arrays of shape ``(n_classes,)`` in ``[0, 1]``.

    Raises:
        ValueError: shapes differ, non-integer labels, labels outside ``[0, n_classes)``,
            or a bad ``n_classes``.
    """
    checks.positive_int("n_classes", n_classes)
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true shape {t.shape} and y_pred shape {p.shape} differ")
    for name, arr in (("y_true", t), ("y_pred", p)):
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(
                f"{name} holds labels outside [0, {n_classes}): min {arr.min()}, max {arr.max()}"
            )
    t = t.ravel().astype(np.int64)
    p = p.ravel().astype(np.int64)
    true_area = np.bincount(t, minlength=n_classes).astype(np.float64)
    pred_area = np.bincount(p, minlength=n_classes).astype(np.float64)
    inter = np.bincount(t[t == p], minlength=n_classes).astype(np.float64)
    iou = (inter + SMOOTHING) / (true_area + pred_area - inter + SMOOTHING)
    dice = (2 * inter + SMOOTHING) / (true_area + pred_area + SMOOTHING)
    return iou, dice


class BoxScore(NamedTuple):
    """What :func:`heatmap_in_box` measures (all fractions in [0, 1])."""

    mass: float  # share of the heatmap's total inside the box
    area: float  # share of the pixels inside the box: a uniform heatmap's mass
    peak_inside: bool  # the heatmap's largest pixel lies inside the box


def heatmap_in_box(heatmap, box) -> BoxScore:
    """How much of a non-negative heatmap ``(H, W)`` lies inside one box.

    A pixel ``(r, c)`` is inside the box when its centre ``((r + 0.5) / H, (c + 0.5) / W)``
    lies within ``[ymin, ymax] × [xmin, xmax]``. ``mass`` is the heatmap's sum over the
    inside pixels divided by its total (0 for an all-zero map), ``area`` the share of
    inside pixels, so a map that is *concentrated on the object* has ``mass > area`` (a
    uniform map has ``mass == area`` exactly). ``peak_inside`` tells whether the first
    largest pixel (``np.argmax``) is inside.

    Args:
        heatmap: finite, non-negative 2-D array ``(H, W)`` (e.g. from
            :mod:`common.interpret`).
        box: ``[ymin, xmin, ymax, xmax]`` normalised to ``[0, 1]`` of the map's height and
            width (as :func:`common.data.make_shapes` returns them), shape ``(4,)``.

    Returns:
        :class:`BoxScore` ``(mass, area, peak_inside)``.

    Raises:
        ValueError: a map that is not 2-D, empty, negative or non-finite; a box of another
            shape, inverted, or outside ``[0, 1]``.
    """
    h = np.asarray(heatmap, dtype=np.float64)
    if h.ndim != 2 or h.size == 0:
        raise ValueError(f"heatmap must be a non-empty 2-D array (H, W), got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("heatmap holds NaN or infinite values")
    if h.min() < 0:
        raise ValueError(f"heatmap must be non-negative, its minimum is {h.min()}")
    b = np.asarray(box, dtype=np.float64)
    if b.shape != (4,) or not np.all(np.isfinite(b)):
        raise ValueError(f"box must be 4 finite numbers [ymin, xmin, ymax, xmax], got {box!r}")
    ymin, xmin, ymax, xmax = b
    if not (0 <= ymin <= ymax <= 1 and 0 <= xmin <= xmax <= 1):
        raise ValueError(f"box must be normalised, 0 <= min <= max <= 1, got {b.tolist()}")
    rows = (np.arange(h.shape[0]) + 0.5) / h.shape[0]
    cols = (np.arange(h.shape[1]) + 0.5) / h.shape[1]
    inside = ((rows >= ymin) & (rows <= ymax))[:, None] & ((cols >= xmin) & (cols <= xmax))[None]
    total = h.sum()
    mass = float(h[inside].sum() / total) if total > 0 else 0.0
    peak = bool(inside.flat[int(np.argmax(h))])
    return BoxScore(mass=min(mass, 1.0), area=float(inside.mean()), peak_inside=peak)


def heatmaps_in_boxes(heatmaps, boxes) -> BoxScore:
    """:func:`heatmap_in_box` over ``N`` maps and their boxes, as one :class:`BoxScore` of
    arrays: ``mass`` and ``area`` float64 ``(N,)``, ``peak_inside`` bool ``(N,)`` (so
    ``scores.peak_inside.mean()`` is the share of maps peaking inside their box).

    Args:
        heatmaps: ``N`` 2-D maps (an ``(N, H, W)`` array or a list of ``(H_i, W_i)``).
        boxes: ``(N, 4)`` normalised ``[ymin, xmin, ymax, xmax]``, one per map.

    Raises:
        ValueError: no maps, a different number of maps and boxes, or any map or box that
            :func:`heatmap_in_box` rejects.
    """
    if len(heatmaps) == 0 or len(heatmaps) != len(boxes):
        raise ValueError(
            f"need one box per heatmap and at least one, got {len(heatmaps)} and {len(boxes)}"
        )
    scores = [heatmap_in_box(h, b) for h, b in zip(heatmaps, boxes, strict=True)]
    mass, area, peak = zip(*scores, strict=True)
    return BoxScore(mass=np.array(mass), area=np.array(area), peak_inside=np.array(peak, bool))
