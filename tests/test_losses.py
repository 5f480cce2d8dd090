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
