"""The course's custom Keras layers, serialisable and validated.

=========================  ==========================================================
``SimpleDense(units)``      ``activation(x @ w + b)``: the week 3 dense layer
``SimpleQuadratic(units)``  ``activation(x² @ a + x @ b + c)``: the week 3 assignment
``EuclideanDistance()``     distance between two embeddings, for Siamese networks
=========================  ==========================================================

Weights are created in ``build`` with ``add_weight`` (tracked, saved). Each layer has
``get_config`` and is registered, so models using it reload from ``.keras`` files with
the default ``safe_mode``.
"""

from __future__ import annotations

import keras
from keras import ops

from common import checks


def _activation(activation):
    try:
        return keras.activations.get(activation)
    except (ValueError, TypeError) as err:
        raise ValueError(f"activation {activation!r} is not a Keras activation: {err}") from None


def _features(name, input_shape) -> int:
    """Last dimension of a ``(batch, ..., features)`` input; it must be known."""
    shape = tuple(input_shape)
    if len(shape) < 2:
        raise ValueError(f"{name} needs inputs of rank >= 2 (batch, features), got shape {shape}")
    if shape[-1] is None:
        raise ValueError(f"{name} needs a known last (features) dimension, got shape {shape}")
    return int(shape[-1])


class _UnitsLayer(keras.layers.Layer):
    """What SimpleDense and SimpleQuadratic share: ``units``, ``activation``, the output
    shape ``(batch, ..., units)`` and the config."""

    def __init__(self, units: int = 32, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = checks.positive_int("units", units)
        self.activation = _activation(activation)

    def _weight(self, name, shape, initializer):
        return self.add_weight(name=name, shape=shape, initializer=initializer, trainable=True)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="tfat")
class SimpleDense(_UnitsLayer):
    """Dense layer written out: ``(batch, ..., in) -> (batch, ..., units)``.

    Weights: ``kernel`` (attribute ``w``) of shape ``(in, units)``, random normal, and
    ``bias`` (attribute ``b``) of shape ``(units,)``, zeros. ``activation`` is anything
    ``keras.activations.get`` accepts (None: linear).

    Raises:
        ValueError: ``units`` not a positive int, an unknown ``activation``, or inputs of
            rank < 2 at build time.
    """

    def build(self, input_shape):
        features = _features("SimpleDense", input_shape)
        self.w = self._weight("kernel", (features, self.units), "random_normal")
        self.b = self._weight("bias", (self.units,), "zeros")

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, self.w) + self.b)


@keras.saving.register_keras_serializable(package="tfat")
class SimpleQuadratic(_UnitsLayer):
    """Quadratic layer: ``activation(x² @ a + x @ b + c)``, ``(batch, ..., in) -> (batch, ..., units)``.

    Weights named ``a`` and ``b``, each ``(in, units)`` (random normal), and ``c``,
    ``(units,)`` (zeros), created in ``build``.

    Raises:
        ValueError: ``units`` not a positive int, an unknown ``activation``, or inputs of
            rank < 2 at build time.
    """

    def build(self, input_shape):
        features = _features("SimpleQuadratic", input_shape)
        self.a = self._weight("a", (features, self.units), "random_normal")
        self.b = self._weight("b", (features, self.units), "random_normal")
        self.c = self._weight("c", (self.units,), "zeros")

    def call(self, inputs):
        quadratic = ops.matmul(ops.square(inputs), self.a)
        return self.activation(quadratic + ops.matmul(inputs, self.b) + self.c)


@keras.saving.register_keras_serializable(package="tfat")
class EuclideanDistance(keras.layers.Layer):
    """Euclidean distance of two embeddings: ``(batch, d), (batch, d) -> (batch, 1)``.

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
