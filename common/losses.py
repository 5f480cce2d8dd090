"""Loss functions of the notebooks, as Keras-compatible callables.

=======================  ================================================================
``huber_loss(t)``        factory of the Huber loss as a plain function (week 2, lab 1)
``HuberLoss(t)``         the same as a ``keras.losses.Loss`` with a saved parameter (lab 2)
``contrastive_loss(m)``  the Siamese network's loss (week 1 lab 3, week 2 lab 3)
``rmse``                 root mean squared error over the whole batch (week 2 assignment)
=======================  ================================================================

Element-wise losses return one value per element (the shape of ``y_pred``) and Keras
averages them over the batch. Each validates its parameters (``ValueError`` naming the
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


@keras.saving.register_keras_serializable(package="tfat")
class HuberLoss(keras.losses.Loss):
    """Huber loss as a ``keras.losses.Loss`` whose ``threshold`` is saved with the model.

    Same values as :func:`huber_loss`; ``get_config`` holds the threshold, so a model
    compiled with it reloads from a ``.keras`` file with the same loss.

    Raises:
        ValueError: ``threshold`` is not a positive number.
    """

    def __init__(self, threshold: float = 1.0, name: str = "huber_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = checks.positive_number("threshold", threshold)
        self._fn = huber_loss(self.threshold)

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def contrastive_loss(margin: float = 1.0):
    """Contrastive loss of a Siamese network (Hadsell, Chopra and LeCun, 2006).

    Returns ``loss(y_true, y_pred)`` where ``y_pred`` is the Euclidean distance ``d``
    between the two embeddings, shape ``(batch,)`` or ``(batch, 1)``, and ``y_true`` is 1
    for a similar pair and 0 otherwise, same shape. Per pair::

        y * d**2 + (1 - y) * max(margin - d, 0)**2

    Similar pairs are pulled together; dissimilar pairs are pushed at least ``margin`` apart.
    The result has shape ``(batch,)``.

    Raises:
        ValueError: ``margin`` is not a positive number; ``y_true`` and ``y_pred`` hold
            different numbers of pairs.
    """
    margin = checks.positive_number("margin", margin)

    def contrastive(y_true, y_pred):
        y_true, d = _pair(ops.reshape(y_true, (-1,)), ops.reshape(y_pred, (-1,)))
        similar = y_true * ops.square(d)
        dissimilar = (1.0 - y_true) * ops.square(ops.maximum(margin - d, 0.0))
        return similar + dissimilar

    contrastive.__name__ = "contrastive_loss"
    contrastive.margin = margin
    return contrastive


def rmse(y_true, y_pred):
    """Root mean squared error over every element of the batch: a scalar.

    ``sqrt(mean((y_true - y_pred)**2))``; shapes equal, e.g. ``(batch, 1)``.

    Raises:
        ValueError: the shapes of ``y_true`` and ``y_pred`` do not match.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.sqrt(ops.mean(ops.square(y_true - y_pred)))
