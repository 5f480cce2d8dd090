"""Evaluation metrics of the notebooks (NumPy, no TensorFlow needed).

``class_wise_iou_dice``: intersection over union and Dice score per class of two integer
label maps, as the course's segmentation assignment computes them.
"""

from __future__ import annotations

import numbers

import numpy as np

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
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive int, got {n_classes!r}")
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
