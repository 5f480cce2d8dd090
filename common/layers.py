"""The course's custom Keras layers, serialisable and validated.

=========================  ==========================================================
``EuclideanDistance()``     distance between two embeddings, for Siamese networks
=========================  ==========================================================

The layer is registered and needs no config beyond Keras's, so models using it reload
from ``.keras`` files with the default ``safe_mode``.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tfat")
class EuclideanDistance(keras.layers.Layer):
    """Euclidean distance of two embeddings: ``(batch, d), (batch, d) -> (batch, 1)``.

    Used by: C1_W1_Lab_3_siamese_network.

    The squared distance is floored at ``keras.config.epsilon()`` before the square root,
    so the gradient stays finite for identical embeddings.

    Raises:
        ValueError: the two inputs have different shapes.
    """

    def build(self, a_shape, b_shape=None):
        if b_shape is not None:
            a, b = tuple(a_shape), tuple(b_shape)
            if len(a) != len(b) or any(
                x is not None and y is not None and x != y for x, y in zip(a, b, strict=True)
            ):
                raise ValueError(f"EuclideanDistance inputs differ in shape: a {a}, b {b}")

    def call(self, a, b):
        squared = ops.sum(ops.square(a - b), axis=-1, keepdims=True)
        return ops.sqrt(ops.maximum(squared, keras.config.epsilon()))

    def compute_output_shape(self, a_shape, b_shape=None):
        return (*tuple(a_shape)[:-1], 1)
