import keras
import numpy as np
import pytest

from common import models

RNG = np.random.default_rng(0)


def test_wide_and_deep_gives_two_heads_and_trains():
    keras.utils.set_random_seed(0)
    a = RNG.normal(size=(256, 5)).astype("float32")
    b = RNG.normal(size=(256, 6)).astype("float32")
    main = a.sum(1, keepdims=True) + np.tanh(b[:, :1])
    aux = np.tanh(b[:, :1])
    model = models.WideAndDeepModel(units=16)
    out = model([a[:2], b[:2]])
    assert [tuple(o.shape) for o in out] == [(2, 1), (2, 1)]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "mse"])
    history = model.fit([a, b], [main, aux], epochs=30, verbose=0)
    first, last = history.history["loss"][0], history.history["loss"][-1]
    assert last < 0.2 * first
    assert models.WideAndDeepModel.from_config(model.get_config()).units == 16


def test_identity_block_keeps_the_shape_and_adds_the_skip():
    block = models.IdentityBlock(4, 3)
    x = RNG.normal(size=(2, 6, 6, 4)).astype("float32")
    y = np.asarray(block(x, training=False))
    assert y.shape == x.shape
    # zero the second batch norm's scale: the residual branch vanishes, output = relu(x)
    gamma = block.bn2.gamma
    gamma.assign(np.zeros(gamma.shape, "float32"))
    beta = block.bn2.beta
    beta.assign(np.zeros(beta.shape, "float32"))
    np.testing.assert_allclose(np.asarray(block(x, training=False)), np.maximum(x, 0), atol=1e-6)


def test_mini_resnet_output_and_parameters():
    model = models.MiniResNet(10, filters=8)
    out = model(np.zeros((3, 28, 28, 1), "float32"))
    assert out.shape == (3, 10)
    np.testing.assert_allclose(np.asarray(out).sum(1), 1.0, rtol=1e-5)
    assert sum(isinstance(layer, models.IdentityBlock) for layer in model.layers) == 2


def test_vgg_block_structure_and_shapes():
    block = models.Block(filters=8, kernel_size=3, repetitions=3, pool_size=2, strides=2)
    out = block(np.zeros((1, 16, 16, 3), "float32"))
    assert out.shape == (1, 8, 8, 8)
    convs = [getattr(block, f"conv2D_{i}") for i in range(3)]
    assert all(isinstance(c, keras.layers.Conv2D) and c.filters == 8 for c in convs)
    assert not hasattr(block, "conv2D_3")
    assert isinstance(block.max_pool, keras.layers.MaxPooling2D)
    assert block.compute_output_shape((None, 16, 16, 3)) == (None, 8, 8, 8)


def test_my_vgg_has_the_course_structure():
    model = models.MyVGG(num_classes=2)
    out = model(np.zeros((1, 32, 32, 3), "float32"))
    assert out.shape == (1, 2)
    for letter, filters, reps in zip(
        "abcde", (64, 128, 256, 512, 512), (2, 2, 3, 3, 3), strict=True
    ):
        block = getattr(model, f"block_{letter}")
        assert block.filters == filters and block.repetitions == reps
    assert model.fc.units == 256 and model.classifier.units == 2


def test_small_vgg_learns_a_separable_problem():
    keras.utils.set_random_seed(0)
    x = RNG.uniform(size=(128, 32, 32, 3)).astype("float32") * 0.2
    y = np.arange(128) % 2
    x[y == 1, 8:24, 8:24, :] += 0.8  # a bright square in class 1
    model = models.MyVGG(2, filters=(4, 4, 8, 8, 8), dense_units=8)
    model.compile(
        optimizer=keras.optimizers.Adam(0.003),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] >= 0.9


def test_siamese_network_shares_the_base_and_measures_distance():
    base = models.siamese_base((28, 28, 1), units=16)
    model = models.siamese_network(base)
    assert model.count_params() == base.count_params()
    x = RNG.integers(0, 255, size=(4, 28, 28, 1)).astype("uint8")
    d = np.asarray(model([x, x]))
    assert d.shape == (4, 1)
    np.testing.assert_allclose(d, np.sqrt(keras.config.epsilon()), rtol=1e-5)


def test_models_reload_from_keras_files(tmp_path):
    inputs = keras.Input((16, 16, 4))
    x = models.IdentityBlock(4)(inputs)
    x = models.Block(6, 3, 2)(x)
    model = keras.Model(inputs, x)
    sample = RNG.normal(size=(2, 16, 16, 4)).astype("float32")
    model.save(tmp_path / "blocks.keras")
    again = keras.models.load_model(tmp_path / "blocks.keras")
    np.testing.assert_allclose(np.asarray(again(sample)), np.asarray(model(sample)), atol=1e-5)

    vgg = models.MyVGG(3, filters=(2, 2, 2, 2, 2), dense_units=4)
    image = RNG.normal(size=(1, 32, 32, 3)).astype("float32")
    expected = np.asarray(vgg(image))
    vgg.save(tmp_path / "vgg.keras")
    np.testing.assert_allclose(
        np.asarray(keras.models.load_model(tmp_path / "vgg.keras")(image)), expected, atol=1e-6
    )


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: models.WideAndDeepModel(units=0), "units"),
        (lambda: models.IdentityBlock(-1), "filters"),
        (lambda: models.IdentityBlock(4, kernel_size=(3, 3, 3)), "kernel_size"),
        (lambda: models.MiniResNet(0), "num_classes"),
        (lambda: models.MiniResNet(10, filters=2.5), "filters"),
        (lambda: models.Block(8, 3, 0), "repetitions"),
        (lambda: models.Block(8, 0, 2), "kernel_size"),
        (lambda: models.Block(8, 3, 2, pool_size=-2), "pool_size"),
        (lambda: models.MyVGG(-2), "num_classes"),
        (lambda: models.MyVGG(2, filters=(8, 8)), "filters"),
        (lambda: models.siamese_base((28, 28, 0)), "input_shape"),
        (lambda: models.siamese_base(units=-5), "units"),
        (lambda: models.siamese_base(dropout=1.5), "dropout"),
        (lambda: models.siamese_network("not a model"), "base"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(build, name):
    with pytest.raises(ValueError, match=name):
        build()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: models.IdentityBlock(4)(np.zeros((2, 8, 8, 3), "float32")), "4 channels"),
        (lambda: models.IdentityBlock(4)(np.zeros((2, 8, 4), "float32")), "rank 4"),
        (lambda: models.Block(4, 3, 2)(np.zeros((8, 8, 3), "float32")), "rank 4"),
        (lambda: models.MiniResNet(3)(np.zeros((2, 28, 28), "float32")), "rank 4"),
        (lambda: models.MyVGG(2)(np.zeros((1, 16, 16, 3), "float32")), "at least 32x32"),
        (lambda: models.WideAndDeepModel()(np.zeros((2, 5), "float32")), "input_a, input_b"),
    ],
)
def test_wrong_inputs_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_batch_norm_momentum_and_initializer_options():
    model = models.MiniResNet(3, filters=4, bn_momentum=0.9)
    model(np.zeros((1, 12, 12, 1), "float32"))
    assert model.bn.momentum == 0.9 and model.id1b.bn2.momentum == 0.9
    assert models.MiniResNet.from_config(model.get_config()).bn_momentum == 0.9
    vgg = models.MyVGG(2, filters=(2, 2, 2, 2, 2), kernel_initializer="he_normal")
    assert isinstance(vgg.block_c.conv2D_2.kernel_initializer, keras.initializers.HeNormal)
    assert models.MyVGG.from_config(vgg.get_config()).kernel_initializer == "he_normal"
    with pytest.raises(ValueError, match="bn_momentum"):
        models.IdentityBlock(4, bn_momentum=1.5)
    with pytest.raises(ValueError, match="kernel_initializer"):
        models.Block(4, 3, 2, kernel_initializer="nonsense")


def test_small_cnn_structure_shapes_and_head():
    model = models.small_cnn((32, 32, 3), 2, filters=(4, 8, 16))
    names = [layer.name for layer in model.layers]
    assert names == [
        "image", "conv1", "pool1", "conv2", "pool2", "conv3", "global_pool", "predictions",
    ]  # fmt: skip
    assert [tuple(model.get_layer(f"conv{k}").output.shape[1:]) for k in (1, 2, 3)] == [
        (32, 32, 4),
        (16, 16, 8),
        (8, 8, 16),
    ]
    # conv: (3*3*3+1)*4 + (3*3*4+1)*8 + (3*3*8+1)*16, dense: (16+1)*2
    assert model.count_params() == 112 + 296 + 1168 + 34
    x = np.random.default_rng(0).random((5, 32, 32, 3)).astype("float32")
    probs = model.predict(x, verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert isinstance(model.get_layer("global_pool"), keras.layers.GlobalMaxPooling2D)
    logits = models.small_cnn((32, 32, 1), 3, filters=(4,), pooling="avg", logits=True)
    assert logits.get_layer("predictions").activation.__name__ == "linear"
    assert isinstance(logits.get_layer("global_pool"), keras.layers.GlobalAveragePooling2D)
    assert logits.output.shape[1:] == (3,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_shape": (32, 32)}, "input_shape"),
        ({"input_shape": (2, 2, 3), "filters": (4, 4, 4)}, "too small"),
        ({"n_classes": 0}, "n_classes"),
        ({"filters": ()}, "filters"),
        ({"pooling": "sum"}, "pooling"),
    ],
)
def test_small_cnn_rejects_bad_arguments(kwargs, message):
    args = {"input_shape": (32, 32, 3), "n_classes": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        models.small_cnn(**args)


@pytest.mark.slow
def test_small_cnn_learns_circles_vs_squares():
    from common import data

    keras.utils.set_random_seed(0)
    x, y, _ = data.make_shapes(600, size=32, seed=3)
    model = models.small_cnn((32, 32, 3), 2, filters=(8, 16, 32))
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x[:500] / 255.0, y[:500], epochs=4, batch_size=32, verbose=0)
    _, acc = model.evaluate(x[500:] / 255.0, y[500:], verbose=0)
    assert acc >= 0.8


# --- segmentation models ----------------------------------------------------------------


def test_fcn8_small_widths_shapes_names_and_softmax():
    model = models.fcn8((64, 64, 3), 5, filters=(4, 4, 8, 8, 8), conv_filters=8)
    assert model.output_shape == (None, 64, 64, 5)
    shapes = {
        name: model.get_layer(name).output.shape
        for name in ("block3_pool", "block4_pool", "conv7", "up2_a", "add_pool4", "add_pool3")
    }
    assert shapes["block3_pool"] == (None, 8, 8, 8) and shapes["block4_pool"] == (None, 4, 4, 8)
    assert shapes["conv7"] == (None, 2, 2, 8)
    assert shapes["up2_a"] == (None, 6, 6, 5)  # 4x4 stride-2 transposed conv, cropped by 1
    assert shapes["add_pool4"] == (None, 4, 4, 5) and shapes["add_pool3"] == (None, 8, 8, 5)
    out = np.asarray(model(RNG.uniform(size=(2, 64, 64, 3)).astype("float32")))
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


def test_fcn8_with_vgg16_widths_is_keras_vgg16_plus_the_decoder():
    model = models.fcn8((32, 32, 3), 3, conv_filters=8)
    vgg_params = keras.applications.VGG16(include_top=False, weights=None).count_params()
    encoder = keras.Model(model.input, model.get_layer("block5_pool").output)
    assert encoder.count_params() == vgg_params == 14_714_688
    assert model.output_shape == (None, 32, 32, 3)
    assert isinstance(model.get_layer("block1_conv1"), keras.layers.Conv2D)  # flat, not nested


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"input_shape": (60, 64, 3)}, "input_shape"),
        ({"input_shape": (64, 64)}, "input_shape"),
        ({"n_classes": 0}, "n_classes"),
        ({"filters": (8, 8, 8)}, "filters"),
        ({"conv_filters": -1}, "conv_filters"),
        ({"weights": "coco"}, "weights"),
        ({"filters": (4, 4, 8, 8, 8), "weights": "imagenet"}, "weights"),
        ({"input_shape": (64, 64, 1), "weights": "imagenet"}, "3 input channels"),
    ],
)
def test_fcn8_validates_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        models.fcn8(**kwargs)


def test_m2nist_fcn_has_the_assignments_encoder_and_output():
    model = models.m2nist_fcn()
    assert model.output_shape == (None, 64, 84, 11)
    assert model.get_layer("pad").output.shape == (None, 64, 96, 1)  # width padded to 96
    encoder = keras.Model(model.input, model.get_layer("block5_bn").output)
    assert encoder.output_shape == (None, 2, 3, 256)
    assert encoder.count_params() == 2_354_784  # the assignment's expected summary
    small = models.m2nist_fcn(filters=(2, 2, 4, 4, 4), conv_filters=4, dropout=0.0)
    out = np.asarray(small(RNG.uniform(size=(2, 64, 84, 1)).astype("float32")))
    assert out.shape == (2, 64, 84, 11)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)
    fcn2 = models.m2nist_fcn(filters=(2, 2, 4, 4, 4), conv_filters=4, skips=4)
    assert fcn2.get_layer("add_pool2").output.shape == (None, 16, 24, 11)
    assert fcn2.get_layer("add_pool1").output.shape == (None, 32, 48, 11)
    assert fcn2.get_layer("up2").output.shape == (None, 64, 96, 11)  # the last step: 2x
    assert fcn2.output_shape == (None, 64, 84, 11) and fcn2.name == "m2nist_fcn2"
    for kwargs, name in [
        ({"skips": 5}, "skips"),
        ({"skips": True}, "skips"),
        ({"input_shape": (60, 84, 1)}, "input_shape"),
        ({"filters": (4, 4)}, "filters"),
        ({"dropout": 1.0}, "dropout"),
        ({"n_classes": 1.5}, "n_classes"),
    ]:
        with pytest.raises(ValueError, match=name):
            models.m2nist_fcn(**kwargs)


def test_unet_levels_skips_and_arguments():
    model = models.unet((32, 32, 3), 4, filters=(4, 8), dropout=0.0)
    assert model.output_shape == (None, 32, 32, 4)
    assert model.get_layer("bottleneck_conv2").output.shape == (None, 8, 8, 16)  # 2 x 8
    assert model.get_layer("decoder2_concat").output.shape == (None, 16, 16, 16)  # up + skip
    assert model.get_layer("decoder1_concat").output.shape == (None, 32, 32, 8)
    course = models.unet()
    assert course.output_shape == (None, 128, 128, 3)
    assert course.get_layer("bottleneck_conv2").output.shape == (None, 8, 8, 1024)
    with pytest.raises(ValueError, match="multiples of 4"):
        models.unet((30, 32, 3), filters=(4, 8))
    with pytest.raises(ValueError, match="bottleneck_filters"):
        models.unet((32, 32, 3), filters=(4, 8), bottleneck_filters=0)
    with pytest.raises(ValueError, match="dropout"):
        models.unet(dropout=-0.1)


def test_small_unet_learns_to_segment_bright_squares():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(96, 16, 16, 1)).astype("float32") * 0.3
    y = np.zeros((96, 16, 16), "int64")
    for i in range(96):
        r, c = rng.integers(0, 9, 2)
        x[i, r : r + 7, c : c + 7] += 0.7
        y[i, r : r + 7, c : c + 7] = 1
    model = models.unet((16, 16, 1), 2, filters=(4, 8), dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=12, batch_size=16, verbose=0)
    pred = np.asarray(model(x)).argmax(-1)
    assert (pred == y).mean() >= 0.98  # all background would score 0.81


def test_set_batchnorm_momentum_reaches_nested_models_and_validates():
    inner = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization()]
    )
    inputs = keras.Input((4,))
    outputs = keras.layers.BatchNormalization()(inner(inputs))
    model = keras.Model(inputs, outputs)
    assert models.set_batchnorm_momentum(model, 0.8) == 2
    norms = [inner.layers[-1], model.layers[-1]]
    assert [n.momentum for n in norms] == [0.8, 0.8]
    # the new momentum is the one training uses: one step moves the mean 20% of the way
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # weights stay put
    x = np.full((8, 4), 1.0, "float32")
    model.fit(x, np.zeros((8, 3), "float32"), epochs=1, batch_size=8, verbose=0)
    batch_mean = np.mean(inner.layers[0](x).numpy(), axis=0)
    np.testing.assert_allclose(norms[0].moving_mean.numpy(), 0.2 * batch_mean, rtol=1e-4)
    with pytest.raises(ValueError, match="momentum"):
        models.set_batchnorm_momentum(model, 1.0)
    with pytest.raises(ValueError, match="model"):
        models.set_batchnorm_momentum(inner.layers[0], 0.9)
