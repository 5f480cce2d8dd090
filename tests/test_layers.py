import keras
import numpy as np
import pytest

from common import layers


def test_euclidean_distance():
    a = np.array([[0.0, 0.0], [1.0, 1.0]], "float32")
    b = np.array([[3.0, 4.0], [1.0, 1.0]], "float32")
    out = np.asarray(layers.EuclideanDistance()(a, b))
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out.ravel(), [5.0, np.sqrt(keras.config.epsilon())], rtol=1e-6)


def test_euclidean_distance_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="differ in shape"):
        layers.EuclideanDistance()(np.ones((2, 3)), np.ones((2, 4)))
