"""The model architectures the notebooks share, as Keras 3 models.

================================  ==========================================================
``siamese_base(input_shape)``     the MLP that embeds one image (week 1, lab 3)
``siamese_network(base)``         twin inputs, shared base, Euclidean distance
``small_cnn(input_shape, n)``     flat conv blocks + global pooling + Dense (Course 3 week 4)
================================  ==========================================================

Each validates its arguments with a ``ValueError`` that names the argument.

:func:`set_batchnorm_momentum` speeds up the batch norms' moving statistics of a built
model (a random-init ``keras.applications`` base trained for a few steps, in smoke mode).
"""

from __future__ import annotations

import keras

from common import checks
from common.layers import EuclideanDistance


def _shape(name: str, value) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError(f"{name} must be a non-empty tuple of ints, got {value!r}")
    return tuple(checks.positive_int(name, v) for v in value)


def set_batchnorm_momentum(model, momentum: float = 0.9) -> int:
    """Set the moving-average momentum of every ``BatchNormalization`` layer in ``model``
    (nested models included); returns how many layers it changed.

    Used by: C3_W1_Assignment_bird_boxes, C3_W1_Lab_1_transfer_learning_cats_dogs and 1 more.

    A batch norm predicts with moving averages of the batch statistics; with Keras's
    default momentum of 0.99 they need hundreds of steps to forget their initial values
    (mean 0, variance 1). A random-init base trained for a few dozen steps then predicts
    with stale statistics, near chance, although it fits its training batches; a momentum
    of about 0.9 settles within a few dozen steps. Set it before training (before
    ``compile``, or recompile after).

    Args:
        model: a ``keras.Model`` (e.g. ``keras.applications.InceptionV3(weights=None)``).
        momentum: in ``[0, 1)``.

    Raises:
        ValueError: ``model`` is not a Keras model or ``momentum`` is out of range.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    momentum = checks.fraction("momentum", momentum)
    changed, stack = 0, list(model.layers)
    while stack:  # depth-first through nested models
        layer = stack.pop()
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = momentum
            changed += 1
        stack.extend(getattr(layer, "layers", ()))
    return changed


def siamese_base(
    input_shape=(28, 28, 1), units: int = 128, dropout: float = 0.1, scale: float | None = 1 / 255
):
    """The base network of the course's Siamese model: ``input_shape -> (batch, units)``.

    Used by: C1_W2_Lab_3_contrastive_loss.

    Rescaling by ``scale`` (None: none, for inputs already in ``[0, 1]``), flatten, then
    Dense(units, relu) → Dropout → Dense(units, relu) → Dropout → Dense(units, relu).
    """
    input_shape = _shape("input_shape", input_shape)
    units = checks.positive_int("units", units)
    dropout = checks.fraction("dropout", dropout)
    inputs = keras.Input(shape=input_shape, name="base_input")
    x = inputs if scale is None else keras.layers.Rescaling(scale, name="scale")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(units, activation="relu", name="first_base_dense")(x)
    x = keras.layers.Dropout(dropout, name="first_dropout")(x)
    x = keras.layers.Dense(units, activation="relu", name="second_base_dense")(x)
    x = keras.layers.Dropout(dropout, name="second_dropout")(x)
    outputs = keras.layers.Dense(units, activation="relu", name="third_base_dense")(x)
    return keras.Model(inputs, outputs, name="base_network")


def siamese_network(base):
    """Twin model ``[(batch, *shape), (batch, *shape)] -> (batch, 1)`` Euclidean distance.

    Used by: C1_W2_Lab_3_contrastive_loss.

    Both inputs go through the same ``base`` model (shared weights), so the parameter
    count equals the base's.
    """
    if not isinstance(base, keras.Model):
        raise ValueError(f"base must be a keras.Model, got {type(base).__name__}")
    shape = tuple(base.input_shape[1:])
    left = keras.Input(shape=shape, name="left_input")
    right = keras.Input(shape=shape, name="right_input")
    distance = EuclideanDistance(name="distance")(base(left), base(right))
    return keras.Model([left, right], distance, name="siamese")


def small_cnn(
    input_shape,
    n_classes: int,
    *,
    filters=(16, 32, 64),
    pooling: str = "max",
    logits: bool = False,
    name: str = "small_cnn",
):
    """A small flat functional CNN classifier ``(batch, *input_shape) -> (batch, n_classes)``.

    Used by: C3_W4_Lab_3_saliency, C3_W4_Lab_5_intermediate_activations.

    One block per entry of ``filters``: ``Conv2D(f, 3, padding="same", relu)`` named
    ``conv1``, ``conv2``, ..., each but the last followed by ``MaxPooling2D(2)`` named
    ``pool1``, ...; then global max (``pooling="max"``) or average (``"avg"``, the
    CAM-ready head) pooling named ``global_pool``, and ``Dense(n_classes)`` named
    ``predictions`` with a softmax (or no activation with ``logits=True``). No rescaling:
    feed images already scaled (e.g. to ``[0, 1]``). Flat, so every layer is reachable
    for feature maps, saliency, CAM and Grad-CAM.

    Raises:
        ValueError: ``input_shape`` not ``(H, W, C)`` of positive ints, an image side that
            the pooling would shrink below 1 pixel, a bad ``n_classes``, ``filters`` or
            ``pooling``.
    """
    input_shape = _shape("input_shape", input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), got {input_shape}")
    n_classes = checks.positive_int("n_classes", n_classes)
    filters = _shape("filters", filters)
    if pooling not in ("max", "avg"):
        raise ValueError(f"pooling must be 'max' or 'avg', got {pooling!r}")
    shrink = 2 ** (len(filters) - 1)
    if min(input_shape[:2]) < shrink:
        raise ValueError(
            f"input_shape {input_shape} is too small for {len(filters)} blocks "
            f"({len(filters) - 1} 2x2 poolings need a side of at least {shrink})"
        )
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for k, f in enumerate(filters, start=1):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv{k}")(x)
        if k < len(filters):
            x = keras.layers.MaxPooling2D(name=f"pool{k}")(x)
    pool = (
        keras.layers.GlobalMaxPooling2D if pooling == "max" else keras.layers.GlobalAveragePooling2D
    )
    x = pool(name="global_pool")(x)
    activation = None if logits else "softmax"
    outputs = keras.layers.Dense(n_classes, activation=activation, name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)
