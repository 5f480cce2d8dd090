"""Bounding boxes: validation, pixels, IoU, anchors and regression targets.

The format (as TensorFlow's ``tf.image`` ops and TF Hub detectors use it): ``yxyx``,
``[ymin, xmin, ymax, xmax]``, either normalised to ``[0, 1]`` of the image's height and
width, or in pixels (:func:`to_pixels`).

Every function takes arrays of shape ``(N, 4)`` (or ``(4,)`` for one box) and returns
NumPy arrays.
Inverted boxes (``ymax < ymin`` or ``xmax < xmin``) and non-finite values raise
``ValueError`` (except the predicted boxes of :func:`paired_iou`, which score 0);
zero-area (degenerate) boxes are allowed and have IoU 0 with everything.
"""

from __future__ import annotations

import numbers

import numpy as np

from common import checks


def _boxes(name: str, boxes, *, check_order: bool = True) -> np.ndarray:
    """``boxes`` as float64 ``(N, 4)``; validated."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must have shape (N, 4) or (4,), got {np.shape(boxes)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds non-finite values (NaN or inf)")
    if check_order:
        bad = (arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name}[{i}] = {arr[i].tolist()} is inverted: need ymin <= ymax and "
                "xmin <= xmax ([ymin, xmin, ymax, xmax])"
            )
    return arr


def validate(boxes, name: str = "boxes") -> np.ndarray:
    """``boxes`` (``(N, 4)`` or ``(4,)`` ``yxyx``) as float64 ``(N, 4)``, after the checks
    every function here makes (shape, finite values, not inverted); ``ValueError`` names
    ``name`` otherwise.

    Used by: common.hub_models, common.metrics, common.standins and 1 more.
    """
    return _boxes(name, boxes)


def to_pixels(boxes, height, width) -> np.ndarray:
    """Normalised ``yxyx`` ``(N, 4)`` -> pixel ``yxyx`` for an image ``height × width``.

    Used by: C3_W1_Assignment_bird_boxes.
    """
    b = _boxes("boxes", boxes)
    scale = np.array(
        [checks.positive_number("height", height), checks.positive_number("width", width)] * 2
    )
    return b * scale


def area(boxes) -> np.ndarray:
    """Areas of ``yxyx`` boxes ``(N, 4)`` -> ``(N,)`` (units squared).

    Used by: common.boxes (iou, paired_iou).
    """
    b = _boxes("boxes", boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise intersection over union of ``yxyx`` boxes.

    Used by: common.data.generate, common.metrics, common.standins.

    Args:
        boxes_a: ``(N, 4)`` (or ``(4,)``), boxes_b: ``(M, 4)`` (or ``(4,)``), same units.

    Returns:
        ``(N, M)`` float64 in ``[0, 1]``: 1 for identical boxes of positive area, 0 for
        disjoint boxes and for any pair involving a zero-area box.

    Raises:
        ValueError: wrong shape, inverted boxes or non-finite values (naming the argument).
    """
    a = _boxes("boxes_a", boxes_a)
    b = _boxes("boxes_b", boxes_b)
    top = np.maximum(a[:, None, 0], b[None, :, 0])
    left = np.maximum(a[:, None, 1], b[None, :, 1])
    bottom = np.minimum(a[:, None, 2], b[None, :, 2])
    right = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    union = area(a)[:, None] + area(b)[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


def paired_iou(predicted, target) -> np.ndarray:
    """IoU of matching rows: ``predicted[i]`` with ``target[i]`` (a regressor's boxes vs
    the true ones), without the ``N × N`` matrix of :func:`iou`.

    Taught in: C3_W1_Lab_3_object_localization (its intersection_over_union is checked
    against this). Used by: C3_W1_Assignment_bird_boxes.

    Args:
        predicted: ``(N, 4)`` (or ``(4,)``) ``yxyx`` boxes. A box regression head does not
            know that ``ymax >= ymin``: an inverted predicted box has no area and scores 0
            (as the course's IoU function scores it), instead of raising.
        target: ``(N, 4)`` (or ``(4,)``) valid ``yxyx`` boxes, same units.

    Returns:
        ``(N,)`` float64 in ``[0, 1]``.

    Raises:
        ValueError: wrong or different shapes, non-finite values, an inverted target box.
    """
    a = _boxes("predicted", predicted, check_order=False)
    b = _boxes("target", target)
    if a.shape != b.shape:
        raise ValueError(
            f"predicted and target must have the same shape, got {a.shape} and {b.shape}"
        )
    valid = (a[:, 2] >= a[:, 0]) & (a[:, 3] >= a[:, 1])
    a = np.where(valid[:, None], a, 0.0)  # inverted: a zero-area box, IoU 0
    height = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    width = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = height * width
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + area(b) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


def anchors(feature_size, *, scales=(0.2,), aspect_ratios=(1.0,)) -> np.ndarray:
    """Anchor boxes centred on every cell of a ``feature_size`` grid, normalised ``yxyx``.

    Used by: common.standins.

    Args:
        feature_size: ``(rows, cols)`` of the feature map (or one int for a square grid).
        scales: anchor sides as fractions of the image (``sqrt(area)``), each in ``(0, 1]``.
        aspect_ratios: width ÷ height of each anchor, positive.

    Returns:
        ``(rows * cols * len(scales) * len(aspect_ratios), 4)`` float64, ordered by row,
        column, scale, aspect ratio (the order a detection head's outputs use).
    """
    if isinstance(feature_size, numbers.Integral) and not isinstance(feature_size, bool):
        feature_size = (feature_size, feature_size)
    if (
        not isinstance(feature_size, (tuple, list))
        or len(feature_size) != 2
        or not all(isinstance(v, numbers.Integral) and v >= 1 for v in feature_size)
    ):
        raise ValueError(
            f"feature_size must be a positive int or (rows, cols), got {feature_size!r}"
        )
    scales = np.asarray(scales, dtype=np.float64).ravel()
    ratios = np.asarray(aspect_ratios, dtype=np.float64).ravel()
    if scales.size == 0 or not np.all((scales > 0) & (scales <= 1)):
        raise ValueError(f"scales must be non-empty fractions in (0, 1], got {scales.tolist()}")
    if ratios.size == 0 or not np.all(ratios > 0):
        raise ValueError(f"aspect_ratios must be non-empty and positive, got {ratios.tolist()}")
    rows, cols = feature_size
    cy = (np.arange(rows) + 0.5) / rows
    cx = (np.arange(cols) + 0.5) / cols
    heights = (scales[:, None] / np.sqrt(ratios)[None, :]).ravel()
    widths = (scales[:, None] * np.sqrt(ratios)[None, :]).ravel()
    cy, cx, h = np.meshgrid(cy, cx, heights, indexing="ij")
    _, _, w = np.meshgrid(np.arange(rows), np.arange(cols), widths, indexing="ij")
    out = np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=-1)
    return out.reshape(-1, 4)


def _centres(b):
    h = b[:, 2] - b[:, 0]
    w = b[:, 3] - b[:, 1]
    return b[:, 0] + h / 2, b[:, 1] + w / 2, h, w


def encode(boxes, anchor_boxes, *, variances=(0.1, 0.1, 0.2, 0.2)) -> np.ndarray:
    """Regression targets of ``boxes`` relative to their anchors (SSD / Faster R-CNN style).

    Used by: common.standins.

    ``boxes`` and ``anchor_boxes`` are ``(N, 4)`` ``yxyx`` (row i of one matched to row i
    of the other). Returns ``(N, 4)`` ``[ty, tx, th, tw]``::

        ty = (cy - cy_a) / h_a / v0,  th = log(h / h_a) / v2  (and x, w alike)

    Raises:
        ValueError: different numbers of boxes and anchors, or a zero-size box or anchor.
    """
    b = _boxes("boxes", boxes)
    a = _boxes("anchor_boxes", anchor_boxes)
    if len(b) != len(a):
        raise ValueError(f"boxes and anchor_boxes differ in length: {len(b)} vs {len(a)}")
    v = np.asarray(variances, dtype=np.float64)
    by, bx, bh, bw = _centres(b)
    ay, ax, ah, aw = _centres(a)
    if (bh <= 0).any() or (bw <= 0).any() or (ah <= 0).any() or (aw <= 0).any():
        raise ValueError("encode needs boxes and anchors of positive height and width")
    return np.stack(
        [
            (by - ay) / ah / v[0],
            (bx - ax) / aw / v[1],
            np.log(bh / ah) / v[2],
            np.log(bw / aw) / v[3],
        ],
        axis=1,
    )
