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
