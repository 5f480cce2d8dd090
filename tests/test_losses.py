import numpy as np
import pytest

from common import losses


def reference_huber(y, p, t):
    e = y - p
    return np.where(np.abs(e) <= t, e**2 / 2, t * (np.abs(e) - t / 2))


@pytest.mark.parametrize("threshold", [1.0, 0.3, 2.0])
def test_huber_matches_the_formula(threshold):
    rng = np.random.default_rng(7)
    y = rng.normal(size=(32, 1)).astype("float32")
    p = rng.normal(scale=2, size=(32, 1)).astype("float32")
    expected = reference_huber(y, p, threshold)
    got = np.asarray(losses.huber_loss(threshold)(y, p))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_huber_edge_cases_zero_error_and_exactly_at_the_threshold():
    loss = losses.huber_loss(threshold=1.0)
    y = np.array([[0.0], [1.0], [-1.0], [3.0]], "float32")
    p = np.zeros((4, 1), "float32")
    # zero error -> 0; |e| = threshold -> both branches give 0.5; beyond: 3 - 0.5
    np.testing.assert_allclose(np.asarray(loss(y, p)).ravel(), [0.0, 0.5, 0.5, 2.5])
    assert loss.__name__ == "huber_loss" and loss.threshold == 1.0


def test_huber_compares_column_and_flat_targets_row_by_row():
    got = np.asarray(losses.huber_loss()(np.array([3.0, 0.0]), np.array([[0.0], [0.5]])))
    assert got.shape == (2, 1)  # (N,) against (N, 1): no broadcasting to (N, N)
    np.testing.assert_allclose(got.ravel(), [2.5, 0.125])


@pytest.mark.parametrize("bad", [0, -2.0, "1", None, True])
def test_huber_threshold_must_be_positive(bad):
    with pytest.raises(ValueError, match="threshold"):
        losses.huber_loss(threshold=bad)


def test_mismatched_shapes_raise_naming_both_arguments():
    loss = losses.huber_loss()
    with pytest.raises(ValueError, match=r"y_true shape .* y_pred shape"):
        loss(np.ones((4, 1), "float32"), np.ones((3, 1), "float32"))
    with pytest.raises(ValueError, match="y_true shape"):
        loss(np.ones((4, 2, 3), "float32"), np.ones((4,), "float32"))
