"""The course's model architectures, as Keras 3 layers and models.

================================  ==========================================================
``WideAndDeepModel(units)``       subclassed two-input, two-output model (week 4, lab 1)
``IdentityBlock(filters, k)``     ResNet identity block: two convolutions and a skip
``MiniResNet(num_classes)``       stem + two identity blocks + classifier (week 4, lab 2)
``Block(filters, k, reps)``       VGG block: ``reps`` convolutions and a max-pool
``MyVGG(num_classes)``            five VGG blocks and a classifier (week 4 assignment)
``siamese_base(input_shape)``     the MLP that embeds one image (week 1, lab 3)
``siamese_network(base)``         twin inputs, shared base, Euclidean distance
================================  ==========================================================

All are registered serialisable (package ``tfat``) and validate their arguments with a
``ValueError`` that names the argument.

:func:`set_batchnorm_momentum` speeds up the batch norms' moving statistics of a built
model (a random-init ``keras.applications`` base trained for a few steps, in smoke mode).
"""

from __future__ import annotations

import numbers

import keras

from common.layers import EuclideanDistance


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _kernel(name: str, value):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(_positive_int(name, v) for v in value)
    return _positive_int(name, value)


def _fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _initializer(value) -> str:
    """A Keras initializer given by name (kept as the name, so configs stay plain)."""
    if not isinstance(value, str):
        raise ValueError(f"kernel_initializer must be a Keras initializer name, got {value!r}")
    try:
        keras.initializers.get(value)
    except ValueError as err:
        raise ValueError(f"kernel_initializer {value!r} is not a Keras initializer") from err
    return value


def _shape(name: str, value) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or not value:
        raise ValueError(f"{name} must be a non-empty tuple of ints, got {value!r}")
    return tuple(_positive_int(name, v) for v in value)


def _rank(name: str, shape, rank: int):
    shape = tuple(shape)
    if len(shape) != rank:
        raise ValueError(f"{name} expects inputs of rank {rank}, got shape {shape}")
    return shape


def set_batchnorm_momentum(model, momentum: float = 0.9) -> int:
    """Set the moving-average momentum of every ``BatchNormalization`` layer in ``model``
    (nested models included); returns how many layers it changed.

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
    momentum = _fraction("momentum", momentum)
    changed, stack = 0, list(model.layers)
    while stack:  # depth-first through nested models
        layer = stack.pop()
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = momentum
            changed += 1
        stack.extend(getattr(layer, "layers", ()))
    return changed


@keras.saving.register_keras_serializable(package="tfat")
class WideAndDeepModel(keras.Model):
    """Wide-and-deep regression model, subclassed.

    Call it on ``[input_a, input_b]``: ``input_a (batch, wide)`` goes straight to the main
    head; ``input_b (batch, deep)`` goes through two ``Dense(units)`` layers. Returns
    ``[main (batch, 1), aux (batch, 1)]``: the main head reads ``concat(input_a, deep)``,
    the auxiliary head reads the deep path alone.
    """

    def __init__(self, units: int = 30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = _positive_int("units", units)
        self.activation = activation
        self.hidden1 = keras.layers.Dense(self.units, activation=activation, name="hidden1")
        self.hidden2 = keras.layers.Dense(self.units, activation=activation, name="hidden2")
        self.main_output = keras.layers.Dense(1, name="main_output")
        self.aux_output = keras.layers.Dense(1, name="aux_output")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("WideAndDeepModel expects inputs=[input_a, input_b]")
        input_a, input_b = inputs
        hidden2 = self.hidden2(self.hidden1(input_b))
        concat = keras.layers.concatenate([input_a, hidden2])
        return [self.main_output(concat), self.aux_output(hidden2)]

    def get_config(self):
        return {"units": self.units, "activation": self.activation, "name": self.name}


@keras.saving.register_keras_serializable(package="tfat")
class IdentityBlock(keras.layers.Layer):
    """ResNet identity block: ``relu(x + bn(conv(relu(bn(conv(x))))))``.

    Input and output ``(batch, h, w, filters)``: the skip adds the input, so its channel
    count must equal ``filters`` (checked when built). ``bn_momentum`` is the batch norms'
    moving-average momentum (Keras's 0.99 needs hundreds of steps to settle; use ~0.9 for
    short runs).
    """

    def __init__(self, filters: int, kernel_size=3, bn_momentum: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        self.filters = _positive_int("filters", filters)
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.bn_momentum = _fraction("bn_momentum", bn_momentum)
        self.conv1 = keras.layers.Conv2D(self.filters, self.kernel_size, padding="same")
        self.bn1 = keras.layers.BatchNormalization(momentum=self.bn_momentum)
        self.conv2 = keras.layers.Conv2D(self.filters, self.kernel_size, padding="same")
        self.bn2 = keras.layers.BatchNormalization(momentum=self.bn_momentum)
        self.act = keras.layers.Activation("relu")
        self.add = keras.layers.Add()

    def build(self, input_shape):
        shape = _rank("IdentityBlock", input_shape, 4)
        if shape[-1] != self.filters:
            raise ValueError(
                f"IdentityBlock(filters={self.filters}) needs inputs with "
                f"{self.filters} channels to add the skip, got shape {shape}"
            )
        self.conv1.build(shape)
        self.bn1.build(shape)
        self.conv2.build(shape)
        self.bn2.build(shape)

    def call(self, inputs, training=None):
        x = self.act(self.bn1(self.conv1(inputs), training=training))
        x = self.bn2(self.conv2(x), training=training)
        return self.act(self.add([x, inputs]))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "bn_momentum": self.bn_momentum,
        }


@keras.saving.register_keras_serializable(package="tfat")
class MiniResNet(keras.Model):
    """The course's mini ResNet: ``(batch, h, w, c) -> (batch, num_classes)`` softmax.

    Conv 7×7 (``filters``) → batch norm → ReLU → max-pool 3×3 → two ``IdentityBlock``\\ s
    → global average pooling → dense softmax. The course uses ``filters=64``;
    ``bn_momentum`` goes to every batch norm (see :class:`IdentityBlock`).
    """

    def __init__(self, num_classes: int, filters: int = 64, bn_momentum: float = 0.99, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = _positive_int("num_classes", num_classes)
        self.filters = _positive_int("filters", filters)
        self.bn_momentum = _fraction("bn_momentum", bn_momentum)
        self.conv = keras.layers.Conv2D(self.filters, 7, padding="same")
        self.bn = keras.layers.BatchNormalization(momentum=self.bn_momentum)
        self.act = keras.layers.Activation("relu")
        self.max_pool = keras.layers.MaxPooling2D((3, 3))
        self.id1a = IdentityBlock(self.filters, 3, bn_momentum=self.bn_momentum)
        self.id1b = IdentityBlock(self.filters, 3, bn_momentum=self.bn_momentum)
        self.global_pool = keras.layers.GlobalAveragePooling2D()
        self.classifier = keras.layers.Dense(self.num_classes, activation="softmax")

    def call(self, inputs, training=None):
        _rank("MiniResNet", inputs.shape, 4)
        x = self.act(self.bn(self.conv(inputs), training=training))
        x = self.max_pool(x)
        x = self.id1b(self.id1a(x, training=training), training=training)
        return self.classifier(self.global_pool(x))

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "filters": self.filters,
            "bn_momentum": self.bn_momentum,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="tfat")
class Block(keras.layers.Layer):
    """VGG block: ``repetitions`` ReLU convolutions (``same`` padding), then a max-pool.

    ``(batch, h, w, c) -> (batch, h', w', filters)`` with ``h' = (h - pool_size) // strides + 1``.
    The convolutions are attributes ``conv2D_0``, ``conv2D_1``, ... and the pool
    ``max_pool``, as in the course. ``kernel_initializer`` defaults to Keras's (Glorot
    uniform, as the course); ``"he_normal"`` keeps the signal alive through many ReLU
    convolutions without batch norm when training from scratch.
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        repetitions: int,
        pool_size=2,
        strides=2,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kernel_initializer = _initializer(kernel_initializer)
        self.filters = _positive_int("filters", filters)
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.repetitions = _positive_int("repetitions", repetitions)
        self.pool_size = _kernel("pool_size", pool_size)
        self.strides = _kernel("strides", strides)
        for i in range(self.repetitions):
            conv = keras.layers.Conv2D(
                self.filters,
                self.kernel_size,
                activation="relu",
                padding="same",
                kernel_initializer=keras.initializers.get(self.kernel_initializer),
                name=f"conv2D_{i}",
            )
            setattr(self, f"conv2D_{i}", conv)
        self.max_pool = keras.layers.MaxPooling2D(self.pool_size, strides=self.strides)

    def build(self, input_shape):
        shape = _rank("Block", input_shape, 4)
        for i in range(self.repetitions):
            conv = getattr(self, f"conv2D_{i}")
            conv.build(shape)
            shape = (*shape[:-1], self.filters)

    def call(self, inputs):
        x = inputs
        for i in range(self.repetitions):
            x = getattr(self, f"conv2D_{i}")(x)
        return self.max_pool(x)

    def compute_output_shape(self, input_shape):
        return self.max_pool.compute_output_shape((*tuple(input_shape)[:-1], self.filters))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "repetitions": self.repetitions,
            "pool_size": self.pool_size,
            "strides": self.strides,
            "kernel_initializer": self.kernel_initializer,
        }


VGG_FILTERS = (64, 128, 256, 512, 512)


@keras.saving.register_keras_serializable(package="tfat")
class MyVGG(keras.Model):
    """The course's VGG: five ``Block``\\ s, flatten, ``Dense(256)``, softmax classifier.

    Blocks ``block_a`` ... ``block_e`` have ``filters`` (default the course's 64, 128,
    256, 512, 512) with 2, 2, 3, 3, 3 convolutions of 3×3. Inputs ``(batch, h, w, 3)``
    with ``h, w >= 32`` (five 2×2 pools); output ``(batch, num_classes)``.
    ``kernel_initializer`` goes to every convolution (see :class:`Block`): with the
    default, 13 ReLU convolutions without batch norm shrink the signal so much that
    training from scratch can stall at chance; ``"he_normal"`` avoids that.
    """

    def __init__(
        self,
        num_classes: int,
        filters=VGG_FILTERS,
        dense_units: int = 256,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kernel_initializer = _initializer(kernel_initializer)
        self.num_classes = _positive_int("num_classes", num_classes)
        self.filters = _shape("filters", filters)
        if len(self.filters) != 5:
            raise ValueError(f"filters must hold 5 values (one per block), got {filters!r}")
        self.dense_units = _positive_int("dense_units", dense_units)
        reps = (2, 2, 3, 3, 3)
        for letter, f, r in zip("abcde", self.filters, reps, strict=True):
            block = Block(
                f, 3, r, kernel_initializer=self.kernel_initializer, name=f"block_{letter}"
            )
            setattr(self, f"block_{letter}", block)
        self.flatten = keras.layers.Flatten()
        self.fc = keras.layers.Dense(self.dense_units, activation="relu")
        self.classifier = keras.layers.Dense(self.num_classes, activation="softmax")

    def call(self, inputs):
        shape = _rank("MyVGG", inputs.shape, 4)
        if any(s is not None and s < 32 for s in shape[1:3]):
            raise ValueError(f"MyVGG needs images of at least 32x32 (five 2x2 pools), got {shape}")
        x = inputs
        for letter in "abcde":
            x = getattr(self, f"block_{letter}")(x)
        return self.classifier(self.fc(self.flatten(x)))

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "filters": self.filters,
            "dense_units": self.dense_units,
            "kernel_initializer": self.kernel_initializer,
            "name": self.name,
        }


def siamese_base(
    input_shape=(28, 28, 1), units: int = 128, dropout: float = 0.1, scale: float | None = 1 / 255
):
    """The base network of the course's Siamese model: ``input_shape -> (batch, units)``.

    Rescaling by ``scale`` (None: none, for inputs already in ``[0, 1]``), flatten, then
    Dense(units, relu) → Dropout → Dense(units, relu) → Dropout → Dense(units, relu).
    """
    input_shape = _shape("input_shape", input_shape)
    units = _positive_int("units", units)
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
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
