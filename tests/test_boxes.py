import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import boxes as B

coord = st.floats(0, 1, allow_nan=False, width=32)


@st.composite
def box(draw):
    y = sorted([draw(coord), draw(coord)])
    x = sorted([draw(coord), draw(coord)])
    return [y[0], x[0], y[1], x[1]]


box_lists = st.lists(box(), min_size=1, max_size=6)


def test_iou_hand_computed_cases():
    a = [0, 0, 2, 2]
    cases = {
        (0, 0, 2, 2): 1.0,  # identical
        (1, 1, 3, 3): 1 / 7,  # overlap 1, union 4 + 4 - 1
        (0, 1, 2, 3): 2 / 6,
        (2, 2, 4, 4): 0.0,  # touching corners
        (5, 5, 6, 6): 0.0,  # disjoint
        (1, 1, 1, 1): 0.0,  # degenerate point inside
        (0.5, 0.5, 1.5, 1.5): 0.25,  # inside: 1 / 4
    }
    got = B.iou([a], list(cases))
    np.testing.assert_allclose(got[0], list(cases.values()), atol=1e-12)
    assert B.iou([1, 1, 1, 1], [1, 1, 1, 1])[0, 0] == 0.0  # degenerate with itself


@settings(max_examples=60, deadline=None)
@given(box_lists, box_lists)
def test_iou_is_symmetric_and_bounded(a, b):
    m = B.iou(a, b)
    assert m.shape == (len(a), len(b))
    np.testing.assert_allclose(m, B.iou(b, a).T, atol=1e-12)
    assert np.all((m >= 0) & (m <= 1))


@settings(max_examples=60, deadline=None)
@given(box_lists, box_lists, st.floats(0.1, 1000), st.floats(0.1, 1000))
def test_iou_is_scale_invariant_and_units_do_not_matter(a, b, height, width):
    normalised = B.iou(a, b)
    pixels = B.iou(B.to_pixels(a, height, width), B.to_pixels(b, height, width))
    np.testing.assert_allclose(pixels, normalised, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(box_lists)
def test_identical_boxes_of_positive_area_have_iou_one(a):
    d = np.diag(B.iou(a, a))
    positive = B.area(a) > 1e-12
    np.testing.assert_allclose(d[positive], 1.0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(box_lists, st.floats(1, 500), st.floats(1, 500))
def test_format_conversions_round_trip(a, h, w):
    np.testing.assert_allclose(B.xywh_to_yxyx(B.yxyx_to_xywh(a)), a, atol=1e-12)
    np.testing.assert_allclose(B.to_normalized(B.to_pixels(a, h, w), h, w), a, atol=1e-9)


def test_xywh_layout():
    np.testing.assert_array_equal(B.yxyx_to_xywh([10, 20, 30, 60]), [[20, 10, 40, 20]])
    np.testing.assert_array_equal(B.xywh_to_yxyx([20, 10, 40, 20]), [[10, 20, 30, 60]])


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0.5, 0, 0.2, 1], "inverted"),
        ([0, 0.5, 1, 0.2], "inverted"),
        ([0, 0, np.nan, 1], "non-finite"),
        ([0, 0, np.inf, 1], "non-finite"),
        ([[0, 0, 1]], "shape"),
    ],
)
def test_bad_boxes_raise_naming_the_argument(bad, match):
    with pytest.raises(ValueError, match=match):
        B.iou([0, 0, 1, 1], bad)
    with pytest.raises(ValueError, match="boxes_a"):
        B.iou(bad, [0, 0, 1, 1])


def test_bad_sizes_and_xywh():
    with pytest.raises(ValueError, match="height"):
        B.to_pixels([0, 0, 1, 1], 0, 10)
    with pytest.raises(ValueError, match="negative width"):
        B.xywh_to_yxyx([0, 0, -1, 2])


def test_anchors_grid_order_and_shapes():
    a = B.anchors((2, 3), scales=(0.5,), aspect_ratios=(1.0, 4.0))
    assert a.shape == (2 * 3 * 2, 4)
    # first anchor: cell (0, 0), square, side 0.5, centred at (0.25, 1/6)
    np.testing.assert_allclose(a[0], [0.0, 1 / 6 - 0.25, 0.5, 1 / 6 + 0.25])
    # second: same cell, width / height = 4 with the same area
    h, w = a[1, 2] - a[1, 0], a[1, 3] - a[1, 1]
    assert w / h == pytest.approx(4.0) and w * h == pytest.approx(0.25)
    with pytest.raises(ValueError, match="scales"):
        B.anchors(4, scales=(0,))
    with pytest.raises(ValueError, match="feature_size"):
        B.anchors((0, 2))


@settings(max_examples=40, deadline=None)
@given(box_lists)
def test_encode_decode_round_trip(a):
    a = np.asarray(a)
    a = a[(a[:, 2] - a[:, 0] > 1e-3) & (a[:, 3] - a[:, 1] > 1e-3)]
    if len(a) == 0:
        return
    anc = B.anchors(len(a), scales=(0.3,))[: len(a)]
    anc = np.clip(anc, -1, 2)
    np.testing.assert_allclose(B.decode(B.encode(a, anc), anc), a, atol=1e-9)


def test_nms_keeps_the_best_of_overlapping_boxes():
    boxes = [[0, 0, 1, 1], [0, 0.05, 1, 1.05], [2, 2, 3, 3]]
    scores = [0.6, 0.9, 0.5]
    assert B.nms(boxes, scores, iou_threshold=0.5).tolist() == [1, 2]
    assert B.nms(boxes, scores, iou_threshold=0.5, score_threshold=0.55).tolist() == [1]
    with pytest.raises(ValueError, match="scores"):
        B.nms(boxes, [0.1])


@settings(max_examples=60, deadline=None)
@given(box_lists, st.data())
def test_paired_iou_is_the_diagonal_of_iou(a, draw):
    b = draw.draw(st.lists(box(), min_size=len(a), max_size=len(a)))
    got = B.paired_iou(a, b)
    assert got.shape == (len(a),)
    np.testing.assert_allclose(got, np.diag(B.iou(a, b)), atol=1e-12)


def test_paired_iou_scores_inverted_predictions_zero_and_validates():
    target = [[0, 0, 2, 2], [0, 0, 2, 2]]
    predicted = [[1, 1, 3, 3], [2, 2, 0, 0]]  # the second is inverted (ymax < ymin)
    np.testing.assert_allclose(B.paired_iou(predicted, target), [1 / 7, 0.0])
    assert B.paired_iou([0, 0, 1, 1], [0, 0, 1, 1]).tolist() == [1.0]
    with pytest.raises(ValueError, match="target"):
        B.paired_iou([0, 0, 1, 1], [1, 1, 0, 0])  # inverted target
    with pytest.raises(ValueError, match="same shape"):
        B.paired_iou(target, target[:1])
    with pytest.raises(ValueError, match="predicted"):
        B.paired_iou([0, 0, np.nan, 1], [0, 0, 1, 1])
