import keras
import numpy as np
import pytest

from common import models

RNG = np.random.default_rng(0)


def test_siamese_network_shares_the_base_and_measures_distance():
    base = models.siamese_base((28, 28, 1), units=16)
    model = models.siamese_network(base)
    assert model.count_params() == base.count_params()
    x = RNG.integers(0, 255, size=(4, 28, 28, 1)).astype("uint8")
    d = np.asarray(model([x, x]))
    assert d.shape == (4, 1)
    np.testing.assert_allclose(d, np.sqrt(keras.config.epsilon()), rtol=1e-5)


def test_siamese_network_reloads_from_a_keras_file(tmp_path):
    model = models.siamese_network(models.siamese_base((8, 8, 1), units=4, dropout=0.0))
    left = RNG.integers(0, 255, size=(3, 8, 8, 1)).astype("float32")
    right = RNG.integers(0, 255, size=(3, 8, 8, 1)).astype("float32")
    expected = np.asarray(model([left, right]))
    model.save(tmp_path / "siamese.keras")
    again = keras.models.load_model(tmp_path / "siamese.keras")  # default safe_mode
    np.testing.assert_allclose(np.asarray(again([left, right])), expected, rtol=1e-5)


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: models.siamese_base((28, 28, 0)), "input_shape"),
        (lambda: models.siamese_base(units=-5), "units"),
        (lambda: models.siamese_base(dropout=1.5), "dropout"),
        (lambda: models.siamese_network("not a model"), "base"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(build, name):
    with pytest.raises(ValueError, match=name):
        build()


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
