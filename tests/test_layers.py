import keras
import numpy as np
import pytest

from common import layers

X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def test_simple_dense_computes_x_w_plus_b_with_named_weights():
    layer = layers.SimpleDense(3, activation="relu")
    out = np.asarray(layer(X))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.w.shape == (4, 3) and layer.b.shape == (3,)
    w, b = (np.asarray(v) for v in layer.get_weights())
    np.testing.assert_allclose(out, np.maximum(X @ w + b, 0), rtol=1e-5, atol=1e-6)


def test_simple_quadratic_computes_a_x2_plus_b_x_plus_c():
    layer = layers.SimpleQuadratic(3)
    layer.build(X.shape)
    assert [w.name for w in layer.weights] == ["a", "b", "c"]
    assert layer.a.shape == (4, 3) and layer.b.shape == (4, 3) and layer.c.shape == (3,)
    np.testing.assert_array_equal(np.asarray(layer.c), np.zeros(3))
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=3)
    layer.set_weights([a, b, c])
    expected = (X**2) @ a + X @ b + c
    np.testing.assert_allclose(np.asarray(layer(X)), expected, rtol=1e-5, atol=1e-5)
    sig = layers.SimpleQuadratic(3, activation="sigmoid")
    sig.build(X.shape)
    sig.set_weights([a, b, c])
    np.testing.assert_allclose(np.asarray(sig(X)), 1 / (1 + np.exp(-expected)), rtol=1e-5)


def test_quadratic_layer_learns_a_parabola():
    keras.utils.set_random_seed(0)
    x = np.linspace(-2, 2, 64, dtype="float32")[:, None]
    y = 3 * x**2 - x + 0.5
    model = keras.Sequential([keras.Input((1,)), layers.SimpleQuadratic(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    model.fit(x, y, epochs=300, verbose=0)
    a, b, c = (float(np.ravel(v)[0]) for v in model.layers[0].get_weights())
    assert (a, b, c) == pytest.approx((3, -1, 0.5), abs=0.05)


@pytest.mark.parametrize("cls", [layers.SimpleDense, layers.SimpleQuadratic])
def test_layers_round_trip_through_a_keras_file(cls, tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, cls(2, activation="tanh", name="custom")(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)  # default safe_mode: no custom_objects needed
    layer = reloaded.get_layer("custom")
    assert isinstance(layer, cls) and layer.units == 2
    assert layer.get_config()["activation"] == "tanh"
    np.testing.assert_allclose(np.asarray(reloaded(X)), np.asarray(model(X)), rtol=1e-6)
    again = cls.from_config(layer.get_config())
    assert again.units == 2


def test_euclidean_distance():
    a = np.array([[0.0, 0.0], [1.0, 1.0]], "float32")
    b = np.array([[3.0, 4.0], [1.0, 1.0]], "float32")
    out = np.asarray(layers.EuclideanDistance()(a, b))
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out.ravel(), [5.0, np.sqrt(keras.config.epsilon())], rtol=1e-6)


@pytest.mark.parametrize("cls", [layers.SimpleDense, layers.SimpleQuadratic])
@pytest.mark.parametrize("units", [0, -3, 2.5, "8", None, True])
def test_units_must_be_a_positive_int(cls, units):
    with pytest.raises(ValueError, match="units"):
        cls(units)


@pytest.mark.parametrize("cls", [layers.SimpleDense, layers.SimpleQuadratic])
def test_unknown_activation_and_wrong_rank(cls):
    with pytest.raises(ValueError, match="activation"):
        cls(4, activation="no-such-thing")
    with pytest.raises(ValueError, match="rank"):
        cls(4)(np.ones((3,), "float32"))


def test_euclidean_distance_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="differ in shape"):
        layers.EuclideanDistance()(np.ones((2, 3)), np.ones((2, 4)))
