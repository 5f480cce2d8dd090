import numpy as np
import pytest

from common import losses


def reference_contrastive(y, d, margin):
    return y * d**2 + (1 - y) * np.maximum(margin - d, 0) ** 2


@pytest.mark.parametrize("margin", [1.0, 0.5, 2.5])
def test_contrastive_matches_the_formula_on_random_pairs(margin):
    rng = np.random.default_rng(3)
    d = rng.uniform(0, 3, size=64).astype("float32")
    y = rng.integers(0, 2, size=64).astype("float32")
    got = np.asarray(losses.contrastive_loss(margin)(y, d))
    np.testing.assert_allclose(got, reference_contrastive(y, d, margin), rtol=1e-6, atol=1e-6)


def test_contrastive_edge_cases():
    loss = losses.contrastive_loss(margin=1.0)
    y = np.array([1, 1, 0, 0, 0], "float32")
    d = np.array([0.0, 0.5, 1.0, 2.0, 0.25], "float32")
    # similar at distance 0 -> 0; dissimilar at or beyond the margin -> 0
    np.testing.assert_allclose(np.asarray(loss(y, d)), [0.0, 0.25, 0.0, 0.0, 0.5625], atol=1e-7)


def test_contrastive_accepts_column_predictions_without_broadcasting():
    loss = losses.contrastive_loss()
    y = np.array([1.0, 0.0, 1.0], "float32")
    d = np.array([[0.5], [0.5], [0.0]], "float32")  # what a Lambda distance layer outputs
    got = np.asarray(loss(y, d))
    assert got.shape == (3,)
    np.testing.assert_allclose(got, [0.25, 0.25, 0.0])


def test_contrastive_trains_in_keras():
    import keras

    loss = losses.contrastive_loss()
    assert loss.__name__ == "contrastive_loss" and loss.margin == 1.0
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer="sgd", loss=loss)
    value = model.evaluate(np.ones((4, 1)), np.ones(4), verbose=0)
    assert np.isfinite(value)


@pytest.mark.parametrize("bad", [0, -1.0, "1", None, True])
def test_contrastive_margin_must_be_positive(bad):
    with pytest.raises(ValueError, match="margin"):
        losses.contrastive_loss(margin=bad)


# --- huber -----------------------------------------------------------------------------


def reference_huber(y, p, t):
    e = y - p
    return np.where(np.abs(e) <= t, e**2 / 2, t * (np.abs(e) - t / 2))


@pytest.mark.parametrize("threshold", [1.0, 0.3, 2.0])
def test_huber_function_and_class_match_the_formula(threshold):
    rng = np.random.default_rng(7)
    y = rng.normal(size=(32, 1)).astype("float32")
    p = rng.normal(scale=2, size=(32, 1)).astype("float32")
    expected = reference_huber(y, p, threshold)
    got = np.asarray(losses.huber_loss(threshold)(y, p))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    reduced = float(losses.HuberLoss(threshold)(y, p))  # Keras averages over the batch
    np.testing.assert_allclose(reduced, expected.mean(), rtol=1e-5)


def test_huber_edge_cases_zero_error_and_exactly_at_the_threshold():
    loss = losses.huber_loss(threshold=1.0)
    y = np.array([[0.0], [1.0], [-1.0], [3.0]], "float32")
    p = np.zeros((4, 1), "float32")
    # zero error -> 0; |e| = threshold -> both branches give 0.5; beyond: 3 - 0.5
    np.testing.assert_allclose(np.asarray(loss(y, p)).ravel(), [0.0, 0.5, 0.5, 2.5])
    assert loss.__name__ == "huber_loss" and loss.threshold == 1.0


def test_huber_class_round_trips_through_config_and_keras_file(tmp_path):
    import keras

    loss = losses.HuberLoss(threshold=1.5)
    again = losses.HuberLoss.from_config(loss.get_config())
    assert again.threshold == 1.5 and again.name == loss.name

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss)
    x, y = np.arange(4, dtype="float32")[:, None], np.arange(4, dtype="float32")[:, None] * 3
    before = model.evaluate(x, y, verbose=0)
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")  # default safe_mode
    assert isinstance(reloaded.loss, losses.HuberLoss) and reloaded.loss.threshold == 1.5
    np.testing.assert_allclose(reloaded.evaluate(x, y, verbose=0), before, rtol=1e-6)


@pytest.mark.parametrize("bad", [0, -2.0, "1", None, True])
def test_huber_threshold_must_be_positive(bad):
    with pytest.raises(ValueError, match="threshold"):
        losses.huber_loss(threshold=bad)
    with pytest.raises(ValueError, match="threshold"):
        losses.HuberLoss(threshold=bad)


# --- rmse ------------------------------------------------------------------------------


def test_rmse_matches_numpy_and_is_zero_for_a_perfect_fit():
    rng = np.random.default_rng(11)
    y = rng.normal(size=(50, 1)).astype("float32")
    p = rng.normal(size=(50, 1)).astype("float32")
    np.testing.assert_allclose(float(losses.rmse(y, p)), np.sqrt(np.mean((y - p) ** 2)), rtol=1e-6)
    assert float(losses.rmse(y, y)) == 0.0
    assert float(losses.rmse(np.array([3.0, 0.0]), np.array([[0.0], [4.0]]))) == pytest.approx(
        np.sqrt(12.5)
    )  # (N,) against (N, 1) compares row by row, no broadcasting to (N, N)


def test_rmse_trains_a_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=losses.rmse)
    x = np.linspace(-1, 1, 32, dtype="float32")[:, None]
    history = model.fit(x, 2 * x - 1, epochs=200, verbose=0)
    assert history.history["loss"][-1] < 0.05


# --- shape checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: losses.rmse,
        lambda: losses.huber_loss(),
        lambda: losses.HuberLoss(),
        lambda: losses.contrastive_loss(),
    ],
    ids=["rmse", "huber_loss", "HuberLoss", "contrastive_loss"],
)
def test_mismatched_shapes_raise_naming_both_arguments(make):
    loss = make()
    with pytest.raises(ValueError, match=r"y_true shape .* y_pred shape"):
        loss(np.ones((4, 1), "float32"), np.ones((3, 1), "float32"))


def test_wrong_rank_raises():
    with pytest.raises(ValueError, match="y_true shape"):
        losses.rmse(np.ones((4, 2, 3), "float32"), np.ones((4,), "float32"))
