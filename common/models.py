"""The course's model architectures, as Keras 3 layers and models.

================================  ==========================================================
``WideAndDeepModel(units)``       subclassed two-input, two-output model (week 4, lab 1)
``IdentityBlock(filters, k)``     ResNet identity block: two convolutions and a skip
``MiniResNet(num_classes)``       stem + two identity blocks + classifier (week 4, lab 2)
``Block(filters, k, reps)``       VGG block: ``reps`` convolutions and a max-pool
``MyVGG(num_classes)``            five VGG blocks and a classifier (week 4 assignment)
``siamese_base(input_shape)``     the MLP that embeds one image (week 1, lab 3)
``siamese_network(base)``         twin inputs, shared base, Euclidean distance
``small_cnn(input_shape, n)``     flat conv blocks + global pooling + Dense (Course 3 week 4)
``fcn8(input_shape, n_classes)``  VGG16 encoder + FCN-8 decoder (Course 3 week 3, lab 1)
``unet(input_shape, n_classes)``  U-Net: encoder/decoder blocks with skips (week 3, lab 2)
``m2nist_fcn(input_shape, n)``    the M2NIST assignment's small from-scratch FCN
================================  ==========================================================

All are registered serialisable (package ``tfat``) and validate their arguments with a
``ValueError`` that names the argument.

:func:`set_batchnorm_momentum` speeds up the batch norms' moving statistics of a built
model (a random-init ``keras.applications`` base trained for a few steps, in smoke mode).
"""

from __future__ import annotations

import keras

from common import checks
from common.layers import EuclideanDistance


def _kernel(name: str, value):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(checks.positive_int(name, v) for v in value)
    return checks.positive_int(name, value)


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
    return tuple(checks.positive_int(name, v) for v in value)


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
    momentum = checks.fraction("momentum", momentum)
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
        self.units = checks.positive_int("units", units)
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
        self.filters = checks.positive_int("filters", filters)
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.bn_momentum = checks.fraction("bn_momentum", bn_momentum)
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
        self.num_classes = checks.positive_int("num_classes", num_classes)
        self.filters = checks.positive_int("filters", filters)
        self.bn_momentum = checks.fraction("bn_momentum", bn_momentum)
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
        self.filters = checks.positive_int("filters", filters)
        self.kernel_size = _kernel("kernel_size", kernel_size)
        self.repetitions = checks.positive_int("repetitions", repetitions)
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
        self.num_classes = checks.positive_int("num_classes", num_classes)
        self.filters = _shape("filters", filters)
        if len(self.filters) != 5:
            raise ValueError(f"filters must hold 5 values (one per block), got {filters!r}")
        self.dense_units = checks.positive_int("dense_units", dense_units)
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


# --- segmentation (Course 3, week 3) ----------------------------------------------------

VGG16_REPS = (2, 2, 3, 3, 3)  # convolutions per VGG16 block
M2NIST_FILTERS = (32, 64, 128, 256, 256)  # the M2NIST assignment's encoder
UNET_FILTERS = (64, 128, 256, 512)  # the U-Net lab's encoder


def _image_shape(value, divisor: int):
    """A validated ``(height, width, channels)`` whose sides are multiples of ``divisor``."""
    shape = _shape("input_shape", value)
    if len(shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {value!r}")
    if shape[0] % divisor or shape[1] % divisor:
        raise ValueError(
            f"input_shape sides must be multiples of {divisor} ({divisor.bit_length() - 1} "
            f"2x2 poolings), got {shape[:2]}"
        )
    return shape


def _filters(value, count: int | None = None, name: str = "filters") -> tuple[int, ...]:
    filters = _shape(name, value)
    if count is not None and len(filters) != count:
        raise ValueError(f"{name} must hold {count} values (one per block), got {value!r}")
    return filters


def _vgg16_pools(inputs, filters, weights):
    """Outputs of VGG16's five pools (strides 2 to 32) on ``inputs``.

    With the real VGG16 widths the layers are ``keras.applications.VGG16``'s own (ImageNet
    weights when ``weights="imagenet"``); other widths build the same layers, He-initialised.
    Either way the layers are applied to ``inputs`` directly, so the model stays flat.
    """
    names = tuple(f"block{b}_pool" for b in range(1, 6))
    if filters == VGG_FILTERS:
        vgg = keras.applications.VGG16(include_top=False, weights=weights, input_tensor=inputs)
        return tuple(vgg.get_layer(n).output for n in names)
    if weights is not None:
        raise ValueError(f"weights={weights!r} needs the VGG16 filters {VGG_FILTERS}")
    x, pools = inputs, []
    for b, (f, reps) in enumerate(zip(filters, VGG16_REPS, strict=True), start=1):
        for c in range(1, reps + 1):
            x = keras.layers.Conv2D(
                f, 3, activation="relu", padding="same", kernel_initializer="he_normal",
                name=f"block{b}_conv{c}",
            )(x)  # fmt: skip
        x = keras.layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
        pools.append(x)
    return tuple(pools)


def _fcn_decoder(pools, scores, n_classes, skips=2):
    """The course's FCN decoder. ``pools`` are the encoder's pool outputs 1-4 (strides 2,
    4, 8, 16), ``scores`` the class scores at stride 32. Each skip upsamples 2× (a 4×4
    stride-2 transposed convolution, cropped by 1) and adds a ReLU 1×1 convolution of the
    next pool, from pool 4 down (``skips=2``: pools 4 and 3, FCN-8); a last transposed
    convolution upsamples to the input size. Returns the upsampled scores."""
    o = scores
    for pool, letter in zip((4, 3, 2, 1)[:skips], "abcd", strict=False):
        up = keras.layers.Conv2DTranspose(
            n_classes, 4, strides=2, use_bias=False, name=f"up2_{letter}"
        )  # fmt: skip
        o = keras.layers.Cropping2D(1, name=f"crop2_{letter}")(up(o))
        skip = keras.layers.Conv2D(
            n_classes, 1, activation="relu", name=f"pool{pool}_scores"
        )(pools[pool - 1])  # fmt: skip
        o = keras.layers.Add(name=f"add_pool{pool}")([o, skip])
    stride = 2 ** (5 - skips)
    up = keras.layers.Conv2DTranspose(
        n_classes, stride, strides=stride, use_bias=False, name=f"up{stride}"
    )  # fmt: skip
    return up(o)


def fcn8(
    input_shape=(224, 224, 3),
    n_classes: int = 12,
    *,
    filters=VGG_FILTERS,
    conv_filters: int = 4096,
    weights: str | None = None,
):
    """The course's VGG16 + FCN-8 segmentation model (week 3, lab 1), functional.

    Encoder: VGG16's five blocks (2, 2, 3, 3, 3 ReLU 3×3 convolutions, each block ending in
    a 2×2 max-pool), then ``conv6`` (``conv_filters`` 7×7) and ``conv7`` (``conv_filters``
    1×1). Decoder: ``conv7`` is upsampled 2× by a transposed convolution and added to a 1×1
    convolution of pool 4; the sum is upsampled 2× and added to a 1×1 convolution of pool 3;
    a last 8× transposed convolution returns to the input size, then a softmax. (The
    course adds no 1×1 class-score layer after ``conv7``, so its first upsampling maps
    ``conv_filters`` channels straight to ``n_classes``; so does this function.)

    Args:
        input_shape: ``(height, width, channels)``; sides multiples of 32.
        n_classes: classes per pixel.
        filters: the five block widths; VGG16's ``(64, 128, 256, 512, 512)`` uses
            ``keras.applications.VGG16``'s layers, smaller ones (for quick runs) build the
            same structure, He-initialised.
        conv_filters: width of ``conv6`` and ``conv7`` (the course: 4096).
        weights: ``None`` (random init) or ``"imagenet"`` (VGG16 widths only; inputs must
            then be prepared with ``keras.applications.vgg16.preprocess_input``).

    Returns:
        A ``keras.Model``: ``(batch, h, w, channels)`` → ``(batch, h, w, n_classes)``
        softmax probabilities. Layers of the encoder keep VGG16's names
        (``block3_pool`` ...), the rest are named ``conv6``, ``conv7``, ``up2_a`` ...
    """
    shape = _image_shape(input_shape, 32)
    n_classes = checks.positive_int("n_classes", n_classes)
    filters = _filters(filters, 5)
    conv_filters = checks.positive_int("conv_filters", conv_filters)
    if weights not in (None, "imagenet"):
        raise ValueError(f"weights must be None or 'imagenet', got {weights!r}")
    if weights == "imagenet" and shape[2] != 3:
        raise ValueError(f"weights='imagenet' needs 3 input channels, got input_shape {shape}")
    inputs = keras.Input(shape, name="image")
    pools = _vgg16_pools(inputs, filters, weights)
    c6 = keras.layers.Conv2D(conv_filters, 7, activation="relu", padding="same", name="conv6")
    c7 = keras.layers.Conv2D(conv_filters, 1, activation="relu", padding="same", name="conv7")
    scores = _fcn_decoder(pools[:4], c7(c6(pools[4])), n_classes)
    outputs = keras.layers.Activation("softmax", name="softmax")(scores)
    return keras.Model(inputs, outputs, name="vgg16_fcn8")


def m2nist_fcn(
    input_shape=(64, 84, 1),
    n_classes: int = 11,
    *,
    filters=M2NIST_FILTERS,
    conv_filters: int = 512,
    dropout: float = 0.5,
    skips: int = 2,
    bn_momentum: float = 0.99,
):
    """The M2NIST assignment's from-scratch FCN-8 (week 3 assignment), functional.

    The image is zero-padded on the right to a width that is a multiple of 32 (84 → 96);
    five blocks of Conv 3×3 → LeakyReLU → Conv 3×3 → LeakyReLU → MaxPool 2×2 →
    BatchNorm (``filters`` wide) extract features; ``conv6`` (``conv_filters`` 7×7) and
    ``conv7`` (1×1), each followed by dropout, and a 1×1 convolution to ``n_classes`` give
    the class scores, which the FCN-8 decoder upsamples with the pool 4 and pool 3 skips
    (see :func:`fcn8`); the padding is cropped away. The course ended in a sigmoid; this
    ends in a softmax (exactly one class per pixel).

    FCN-8's last step upsamples 8×: each 8×8 tile of the output is a mix of a few learned
    patterns, too coarse for thin strokes unless trained long. ``skips=3`` or ``4`` adds
    the pool 2 and pool 1 skips the same way (FCN-4, FCN-2: finer masks, quicker to learn).

    Args:
        input_shape: ``(height, width, channels)``; height a multiple of 32, any width.
        n_classes: classes per pixel (M2NIST: 10 digits + background).
        filters: the five block widths (the course: 32, 64, 128, 256, 256).
        conv_filters: width of ``conv6`` and ``conv7`` (the course: 512).
        dropout: rate of the two dropout layers, in [0, 1).
        skips: skip connections, from pool 4 down: 2 (FCN-8, the course), 3 or 4.
        bn_momentum: the batch norms' moving-average momentum (Keras's 0.99 needs
            hundreds of steps to settle; use ~0.9 for short runs).

    Returns:
        A ``keras.Model``: ``(batch, h, w, channels)`` → ``(batch, h, w, n_classes)``
        softmax probabilities.
    """
    shape = _shape("input_shape", input_shape)
    if len(shape) != 3 or shape[0] % 32:
        raise ValueError(
            f"input_shape must be (height, width, channels) with height a multiple of 32, "
            f"got {input_shape!r}"
        )
    n_classes = checks.positive_int("n_classes", n_classes)
    filters = _filters(filters, 5)
    conv_filters = checks.positive_int("conv_filters", conv_filters)
    dropout = checks.fraction("dropout", dropout)
    bn_momentum = checks.fraction("bn_momentum", bn_momentum)
    if skips not in (2, 3, 4) or isinstance(skips, bool):
        raise ValueError(f"skips must be 2 (FCN-8), 3 (FCN-4) or 4 (FCN-2), got {skips!r}")
    pad = -shape[1] % 32
    inputs = keras.Input(shape, name="image")
    x = keras.layers.ZeroPadding2D(((0, 0), (0, pad)), name="pad")(inputs)
    pools = []
    for b, f in enumerate(filters, start=1):
        for c in (1, 2):
            x = keras.layers.Conv2D(f, 3, padding="same", name=f"block{b}_conv{c}")(x)
            x = keras.layers.LeakyReLU(name=f"block{b}_lrelu{c}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
        x = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"block{b}_bn")(x)
        pools.append(x)
    o = keras.layers.Conv2D(conv_filters, 7, activation="relu", padding="same", name="conv6")(x)
    o = keras.layers.Dropout(dropout, name="drop6")(o)
    o = keras.layers.Conv2D(conv_filters, 1, activation="relu", padding="same", name="conv7")(o)
    o = keras.layers.Dropout(dropout, name="drop7")(o)
    o = keras.layers.Conv2D(n_classes, 1, activation="relu", padding="same", name="scores")(o)
    o = _fcn_decoder(pools[:4], o, n_classes, skips)
    o = keras.layers.Cropping2D(((0, 0), (0, pad)), name="crop_pad")(o)
    outputs = keras.layers.Activation("softmax", name="softmax")(o)
    return keras.Model(inputs, outputs, name=f"m2nist_fcn{2 ** (5 - skips)}")


def unet(
    input_shape=(128, 128, 3),
    n_classes: int = 3,
    *,
    filters=UNET_FILTERS,
    bottleneck_filters: int | None = None,
    dropout: float = 0.3,
):
    """The course's U-Net (week 3, lab 2), functional.

    Encoder: per entry of ``filters``, two ReLU 3×3 convolutions (He-initialised; their
    output is kept for the skip), a 2×2 max-pool and dropout. Bottleneck: two convolutions
    of ``bottleneck_filters`` (default twice the last encoder width; the course: 1024).
    Decoder, in reverse: a 3×3 stride-2 transposed convolution, concatenation with the
    encoder's kept output of the same size, dropout, two ReLU 3×3 convolutions. A 1×1
    convolution with softmax gives the classes.

    Args:
        input_shape: ``(height, width, channels)``; sides multiples of ``2**len(filters)``.
        n_classes: classes per pixel (the pets trimap: 3).
        filters: encoder widths, one per level (the course: 64, 128, 256, 512).
        bottleneck_filters: width of the bottleneck (default ``2 * filters[-1]``).
        dropout: dropout rate after each pool and each concatenation, in [0, 1).

    Returns:
        A ``keras.Model``: ``(batch, h, w, channels)`` → ``(batch, h, w, n_classes)``
        softmax probabilities.
    """
    filters = _filters(filters)
    shape = _image_shape(input_shape, 2 ** len(filters))
    n_classes = checks.positive_int("n_classes", n_classes)
    bottleneck_filters = checks.positive_int(
        "bottleneck_filters", 2 * filters[-1] if bottleneck_filters is None else bottleneck_filters
    )
    dropout = checks.fraction("dropout", dropout)

    def conv2d_block(x, f, name):
        for i in (1, 2):
            x = keras.layers.Conv2D(
                f, 3, padding="same", kernel_initializer="he_normal", name=f"{name}_conv{i}"
            )(x)
            x = keras.layers.Activation("relu", name=f"{name}_relu{i}")(x)
        return x

    inputs = keras.Input(shape, name="image")
    x, skips = inputs, []
    for level, f in enumerate(filters, start=1):
        x = conv2d_block(x, f, f"encoder{level}")
        skips.append(x)
        x = keras.layers.MaxPooling2D(2, name=f"encoder{level}_pool")(x)
        x = keras.layers.Dropout(dropout, name=f"encoder{level}_dropout")(x)
    x = conv2d_block(x, bottleneck_filters, "bottleneck")
    for level in range(len(filters), 0, -1):
        f = filters[level - 1]
        x = keras.layers.Conv2DTranspose(
            f, 3, strides=2, padding="same", name=f"decoder{level}_up"
        )(x)  # fmt: skip
        x = keras.layers.Concatenate(name=f"decoder{level}_concat")([x, skips[level - 1]])
        x = keras.layers.Dropout(dropout, name=f"decoder{level}_dropout")(x)
        x = conv2d_block(x, f, f"decoder{level}")
    outputs = keras.layers.Conv2D(n_classes, 1, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="unet")
