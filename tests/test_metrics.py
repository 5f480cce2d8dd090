import numpy as np
import pytest

from common import metrics


def test_hand_computed_case():
    y_true = np.array([[0, 0, 1], [1, 1, 2]])
    y_pred = np.array([[0, 1, 1], [1, 2, 2]])
    iou, dice = metrics.class_wise_iou_dice(y_true, y_pred, n_classes=4)
    # class 0: I=1, T=2, P=1 -> iou 1/2, dice 2/3
    # class 1: I=2, T=3, P=3 -> iou 2/4, dice 4/6
    # class 2: I=1, T=1, P=2 -> iou 1/2, dice 2/3
    # class 3: absent from both -> 1, 1
    np.testing.assert_allclose(iou, [0.5, 0.5, 0.5, 1.0], atol=1e-5)
    np.testing.assert_allclose(dice, [2 / 3, 2 / 3, 2 / 3, 1.0], atol=1e-5)
    assert iou.shape == dice.shape == (4,)


def test_perfect_and_disjoint_predictions():
    y = np.random.default_rng(0).integers(0, 3, size=(4, 8, 8))
    iou, dice = metrics.class_wise_iou_dice(y, y, 3)
    np.testing.assert_allclose(iou, 1.0)
    np.testing.assert_allclose(dice, 1.0)
    iou, dice = metrics.class_wise_iou_dice(np.zeros((5, 5), int), np.ones((5, 5), int), 2)
    assert iou.max() < 1e-6 and dice.max() < 1e-6


def test_matches_a_loop_over_classes_on_random_maps():
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 11, size=(2, 3, 64, 84))
    iou, dice = metrics.class_wise_iou_dice(t, p, 11)
    for c in range(11):
        inter = np.sum((t == c) & (p == c))
        area = np.sum(t == c) + np.sum(p == c)
        assert iou[c] == pytest.approx((inter + 1e-5) / (area - inter + 1e-5))
        assert dice[c] == pytest.approx((2 * inter + 1e-5) / (area + 1e-5))


@pytest.mark.parametrize(
    "t, p, n, match",
    [
        (np.zeros((2, 2), int), np.zeros((2, 3), int), 2, "differ"),
        (np.zeros((2, 2), int), np.full((2, 2), 2), 2, "outside"),
        (np.full((2, 2), -1), np.zeros((2, 2), int), 2, "outside"),
        (np.zeros((2, 2)), np.zeros((2, 2)), 2, "integer"),
        (np.zeros((2, 2), int), np.zeros((2, 2), int), 0, "n_classes"),
    ],
)
def test_bad_input(t, p, n, match):
    with pytest.raises(ValueError, match=match):
        metrics.class_wise_iou_dice(t, p, n)
