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

from common import boxes, checks

SMOOTHING = 1e-5  # the course's smoothing constant


def class_wise_iou_dice(y_true, y_pred, n_classes: int):
    """IoU and Dice score of every class for integer label maps of equal shape.

    Used by: C3_W3_Assignment_m2nist_segmentation, C3_W3_Lab_1_fcn8 and 1 more.

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
    """What :func:`heatmap_in_box` measures (all fractions in [0, 1]).

    Used by: common.metrics (what heatmap_in_box returns).
    """

    mass: float  # share of the heatmap's total inside the box
    area: float  # share of the pixels inside the box: a uniform heatmap's mass
    peak_inside: bool  # the heatmap's largest pixel lies inside the box


def heatmap_in_box(heatmap, box) -> BoxScore:
    """How much of a non-negative heatmap ``(H, W)`` lies inside one box.

    Used by: C3_W4_Assignment_cats_dogs_saliency, C3_W4_Lab_1_fashion_mnist_cam and 3 more.

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

    Used by: C3_W4_Assignment_cats_dogs_saliency, C3_W4_Lab_1_fashion_mnist_cam and 3 more.

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


# --- detection: matching, recall and precision, mask overlap ----------------------------


def match(pred_boxes, pred_classes, true_boxes, true_classes, *, iou_threshold=0.5):
    """Greedy one-to-one matching of detections to true objects (as PASCAL VOC counts).

    Used by: common.metrics (recall_precision).

    Detections are taken in the given order (best score first); each takes the unmatched
    true object of its class it overlaps most, if that IoU is at least ``iou_threshold``.

    Args:
        pred_boxes: ``(P, 4)``; pred_classes: ``(P,)``; true_boxes: ``(T, 4)``;
        true_classes: ``(T,)`` (boxes ``yxyx`` in the same units, classes comparable).

    Returns:
        ``(true_found, pred_correct)``: bool ``(T,)`` and ``(P,)``. Recall is
        ``true_found.mean()``, precision ``pred_correct.mean()``.
    """
    pb = boxes.validate(pred_boxes, "pred_boxes") if len(pred_boxes) else np.zeros((0, 4))
    tb = boxes.validate(true_boxes, "true_boxes") if len(true_boxes) else np.zeros((0, 4))
    pc, tc = np.asarray(pred_classes).ravel(), np.asarray(true_classes).ravel()
    if len(pc) != len(pb) or len(tc) != len(tb):
        raise ValueError("need one class per box in pred_classes and in true_classes")
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold!r}")
    found, correct = np.zeros(len(tb), bool), np.zeros(len(pb), bool)
    overlap = boxes.iou(pb, tb) if len(pb) and len(tb) else np.zeros((len(pb), len(tb)))
    for i in range(len(pb)):
        candidates = np.where((tc == pc[i]) & ~found, overlap[i], -1.0)
        j = int(np.argmax(candidates)) if len(tb) else -1
        if j >= 0 and candidates[j] >= iou_threshold:
            found[j] = correct[i] = True
    return found, correct


def recall_precision(detections, scenes, *, min_score: float = 0.0, iou_threshold=0.5):
    """Recall and precision of a detector over generated scenes, by :func:`match`.

    Used by: C3_W2_Lab_1_simple_object_detection, C3_W2_Lab_2_detection_visualisation.

    Args:
        detections: one dict per scene, as :func:`common.hub_models.unpack` gives them (``boxes`` normalised
            ``yxyx``, ``names``, ``scores`` best first).
        scenes: the :class:`common.data.Scenes` the images came from; a detection is right
            when its name is the true object's ``scenes.class_names[label]``.
        min_score: detections scoring below it are dropped first.
        iou_threshold: the overlap a detection needs with its true object.

    Returns:
        ``(recall, precision, n_true)``: the share of true objects found, the share of kept
        detections that found one (1.0 when none was kept), and the number of true objects.
    """
    if len(detections) != len(scenes.counts):
        raise ValueError(f"{len(detections)} detections for {len(scenes.counts)} scenes")
    found, correct = [], []
    for det, true_boxes, labels, k in zip(
        detections, scenes.boxes, scenes.labels, scenes.counts, strict=True
    ):
        keep = np.asarray(det["scores"]) >= min_score
        names = [scenes.class_names[label] for label in labels[:k]]
        hit, right = match(
            np.asarray(det["boxes"])[keep], np.asarray(det["names"])[keep], true_boxes[:k], names,
            iou_threshold=iou_threshold,
        )  # fmt: skip
        found.extend(hit)
        correct.extend(right)
    precision = float(np.mean(correct)) if correct else 1.0
    return float(np.mean(found)) if found else 1.0, precision, len(found)


def mask_iou(masks_a, masks_b) -> np.ndarray:
    """Pairwise IoU of binary masks: ``(N, H, W)`` and ``(M, H, W)`` -> ``(N, M)``
    (values above 0.5 count as inside; two empty masks have IoU 0).

    Used by: C3_W3_Lab_3_mask_rcnn.
    """
    a, b = np.asarray(masks_a), np.asarray(masks_b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"masks must be (N, H, W) of one size, got {a.shape} and {b.shape}")
    a = (a > 0.5).reshape(len(a), -1).astype(np.float64)
    b = (b > 0.5).reshape(len(b), -1).astype(np.float64)
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)
