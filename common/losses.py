"""Loss functions of the notebooks, as Keras-compatible callables.

Each factory validates its parameters and returns ``loss(y_true, y_pred)`` returning one
loss value per example (shape ``(batch,)``); Keras averages it over the batch.
"""

from __future__ import annotations

import numbers


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def contrastive_loss(margin: float = 1.0):
    """Contrastive loss of a Siamese network (Hadsell, Chopra and LeCun, 2006).

    Returns ``loss(y_true, y_pred)`` where ``y_pred`` is the Euclidean distance ``d``
    between the two embeddings, shape ``(batch,)`` or ``(batch, 1)``, and ``y_true`` is 1
    for a similar pair and 0 otherwise, same shape. Per pair::

        y * d**2 + (1 - y) * max(margin - d, 0)**2

    Similar pairs are pulled together; dissimilar pairs are pushed at least ``margin`` apart.

    Raises:
        ValueError: ``margin`` is not a positive number.
    """
    margin = _positive("margin", margin)

    def contrastive(y_true, y_pred):
        from keras import ops

        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        y_true = ops.reshape(y_true, (-1,))
        d = ops.reshape(y_pred, (-1,))
        similar = y_true * ops.square(d)
        dissimilar = (1.0 - y_true) * ops.square(ops.maximum(margin - d, 0.0))
        return similar + dissimilar

    contrastive.__name__ = "contrastive_loss"
    contrastive.margin = margin
    return contrastive
