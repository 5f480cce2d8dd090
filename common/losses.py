"""Loss functions, as Keras-compatible callables.

=======================  ================================================================
``huber_loss(t)``        factory of the Huber loss as a plain function (the course's week 2
                         lab 1 formula; the box loss of :mod:`common.standins`)
=======================  ================================================================

The loss is element-wise: it returns one value per element (the shape of ``y_pred``) and
Keras averages them over the batch. It validates its parameter (``ValueError`` naming the
argument) and, where both shapes are known, that ``y_true`` and ``y_pred`` agree.
"""

from __future__ import annotations

import keras
from keras import ops

from common import checks


def _pair(y_true, y_pred):
    """Both as tensors of ``y_pred``'s dtype; ``(N,)`` against ``(N, 1)`` is allowed."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not keras.backend.standardize_dtype(y_pred.dtype).startswith("float"):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    ts, ps = tuple(y_true.shape), tuple(y_pred.shape)
    if len(ts) + 1 == len(ps) and ps[-1] == 1:
        y_true = ops.expand_dims(y_true, -1)
        ts = ts + (1,)
    elif len(ps) + 1 == len(ts) and ts[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
        ts = ts[:-1]
    if len(ts) != len(ps) or any(
        a is not None and b is not None and a != b for a, b in zip(ts, ps, strict=True)
    ):
        raise ValueError(f"y_true shape {ts} and y_pred shape {ps} do not match")
    return y_true, y_pred


def huber_loss(threshold: float = 1.0):
    """Huber loss as a function: quadratic for small errors, linear for large ones.

    Used by: common.standins.

    Returns ``loss(y_true, y_pred)``; for ``e = y_true - y_pred``, element-wise::

        e**2 / 2                          if |e| <= threshold
        threshold * (|e| - threshold / 2) otherwise

    Shapes: ``y_true`` and ``y_pred`` equal, e.g. ``(batch, 1)``; the result has that
    shape. Both pieces meet at ``|e| = threshold`` with the same value and slope.

    Raises:
        ValueError: ``threshold`` is not a positive number.
    """
    threshold = checks.positive_number("threshold", threshold)

    def huber(y_true, y_pred):
        y_true, y_pred = _pair(y_true, y_pred)
        error = y_true - y_pred
        small = ops.square(error) / 2
        big = threshold * (ops.abs(error) - threshold / 2)
        return ops.where(ops.abs(error) <= threshold, small, big)

    huber.__name__ = "huber_loss"
    huber.threshold = threshold
    return huber
