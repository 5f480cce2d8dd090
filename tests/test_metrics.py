import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common import data, metrics


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


def test_heatmap_in_box_hand_computed():
    heat = np.zeros((4, 4))
    heat[0, 0] = 3.0  # inside the top-left quarter
    heat[3, 3] = 1.0  # outside
    score = metrics.heatmap_in_box(heat, [0.0, 0.0, 0.5, 0.5])
    assert score.mass == pytest.approx(0.75)
    assert score.area == pytest.approx(0.25)
    assert score.peak_inside is True
    score = metrics.heatmap_in_box(heat, [0.5, 0.5, 1.0, 1.0])
    assert (score.mass, score.area, score.peak_inside) == (pytest.approx(0.25), 0.25, False)


def test_heatmap_in_box_counts_pixel_centres():
    # a box edge through the middle of a pixel column: the column counts when its
    # centre is inside (0.625 <= 0.7), the next one does not (0.875 > 0.7)
    score = metrics.heatmap_in_box(np.ones((1, 4)), [0.0, 0.0, 1.0, 0.7])
    assert score.area == pytest.approx(0.75)


@given(
    st.integers(1, 20),
    st.integers(1, 20),
    st.lists(st.floats(0, 1), min_size=4, max_size=4),
    st.integers(0, 2**31 - 1),
)
def test_heatmap_in_box_properties(height, width, corners, seed):
    ymin, ymax = sorted(corners[:2])
    xmin, xmax = sorted(corners[2:])
    box = [ymin, xmin, ymax, xmax]
    uniform = metrics.heatmap_in_box(np.full((height, width), 2.5), box)
    assert uniform.mass == pytest.approx(uniform.area)  # no concentration at all
    heat = np.random.default_rng(seed).random((height, width))
    score = metrics.heatmap_in_box(heat, box)
    assert 0 <= score.mass <= 1 and 0 <= score.area <= 1
    inside = [  # reference: pixel by pixel, centre inside the box
        (r, c)
        for r in range(height)
        for c in range(width)
        if ymin <= (r + 0.5) / height <= ymax and xmin <= (c + 0.5) / width <= xmax
    ]
    assert score.area == pytest.approx(len(inside) / heat.size)
    assert score.mass == pytest.approx(sum(heat[p] for p in inside) / heat.sum())
    assert score.peak_inside == (np.unravel_index(np.argmax(heat), heat.shape) in inside)
    whole = metrics.heatmap_in_box(heat, [0, 0, 1, 1])
    assert whole.mass == pytest.approx(1.0) and whole.area == 1.0 and whole.peak_inside


def test_heatmap_in_box_zero_map_and_errors():
    assert metrics.heatmap_in_box(np.zeros((3, 3)), [0, 0, 1, 1]).mass == 0.0
    with pytest.raises(ValueError, match="2-D"):
        metrics.heatmap_in_box(np.ones((2, 2, 3)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        metrics.heatmap_in_box(-np.ones((2, 2)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="NaN"):
        metrics.heatmap_in_box(np.full((2, 2), np.nan), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="4 finite"):
        metrics.heatmap_in_box(np.ones((2, 2)), [0, 0, 1])
    with pytest.raises(ValueError, match="normalised"):
        metrics.heatmap_in_box(np.ones((2, 2)), [0.5, 0, 0.2, 1])
    with pytest.raises(ValueError, match="normalised"):
        metrics.heatmap_in_box(np.ones((2, 2)), [0, 0, 10, 10])


def test_heatmaps_in_boxes_stacks_the_single_scores():
    rng = np.random.default_rng(3)
    maps = rng.random((4, 6, 8))
    boxes = np.array([[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1], [0, 0, 1, 1], [0.2, 0.1, 0.9, 0.4]])
    got = metrics.heatmaps_in_boxes(maps, boxes)
    single = [metrics.heatmap_in_box(m, b) for m, b in zip(maps, boxes, strict=True)]
    np.testing.assert_allclose(got.mass, [s.mass for s in single])
    np.testing.assert_allclose(got.area, [s.area for s in single])
    assert got.peak_inside.dtype == bool
    assert got.peak_inside.tolist() == [s.peak_inside for s in single]
    assert got.peak_inside[2] and got.area[2] == 1.0  # the whole image
    with pytest.raises(ValueError, match="one box per heatmap"):
        metrics.heatmaps_in_boxes(maps, boxes[:3])
    with pytest.raises(ValueError, match="one box per heatmap"):
        metrics.heatmaps_in_boxes([], [])
    with pytest.raises(ValueError, match="inverted|normalised"):
        metrics.heatmaps_in_boxes(maps[:1], [[0.5, 0, 0.2, 1]])


def test_match_is_one_to_one_and_class_aware():
    truth = np.array([[0.1, 0.1, 0.4, 0.4], [0.5, 0.5, 0.9, 0.9]])
    pred = np.array(
        [[0.1, 0.1, 0.4, 0.4], [0.11, 0.1, 0.4, 0.4], [0.5, 0.5, 0.9, 0.9], [0, 0, 0.05, 0.05]]
    )
    found, correct = metrics.match(pred, [1, 1, 2, 1], truth, [1, 1])
    # the duplicate and the wrong class do not count; the far box matches nothing
    assert found.tolist() == [True, False] and correct.tolist() == [True, False, False, False]
    found, correct = metrics.match(np.zeros((0, 4)), [], truth, [1, 2])
    assert found.tolist() == [False, False] and correct.size == 0
    with pytest.raises(ValueError):
        metrics.match(pred, [1], truth, [1, 1])


def test_recall_precision_scores_detections_against_scenes():
    scenes = data.make_scenes(
        5, classes=("circle", "square", "triangle"), size=32, objects=(1, 3), seed=4
    )
    names = scenes.class_names

    def truth(i, wrong_class=False):
        k = scenes.counts[i]
        shift = 1 if wrong_class else 0
        return {
            "boxes": scenes.boxes[i, :k],
            "names": [names[(label + shift) % len(names)] for label in scenes.labels[i, :k]],
            "scores": np.linspace(0.9, 0.6, k),
        }

    perfect = [truth(i) for i in range(5)]
    n_true = int(scenes.counts.sum())
    assert metrics.recall_precision(perfect, scenes) == (1.0, 1.0, n_true)
    # scene 0's boxes named wrongly: its objects are missed and its boxes are wrong
    k0 = int(scenes.counts[0])
    mixed = [truth(0, wrong_class=True)] + perfect[1:]
    recall, precision, _ = metrics.recall_precision(mixed, scenes)
    assert recall == precision == pytest.approx(1 - k0 / n_true)
    # a score threshold above every score keeps nothing: recall 0, precision 1 by convention
    assert metrics.recall_precision(perfect, scenes, min_score=0.95)[:2] == (0.0, 1.0)
    with pytest.raises(ValueError, match="scenes"):
        metrics.recall_precision(perfect[:4], scenes)


def test_mask_iou():
    a = np.zeros((2, 4, 4), bool)
    a[0, :2], a[1, :, :2] = True, True
    got = metrics.mask_iou(a, a)
    np.testing.assert_allclose(got, [[1, 1 / 3], [1 / 3, 1]])
    assert metrics.mask_iou(np.zeros((1, 4, 4)), np.zeros((1, 4, 4))).tolist() == [[0.0]]
    with pytest.raises(ValueError):
        metrics.mask_iou(a, np.zeros((1, 3, 4)))
