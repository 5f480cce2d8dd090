import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import boxes

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
    got = boxes.iou([a], list(cases))
    np.testing.assert_allclose(got[0], list(cases.values()), atol=1e-12)
    assert boxes.iou([1, 1, 1, 1], [1, 1, 1, 1])[0, 0] == 0.0  # degenerate with itself


@settings(max_examples=60, deadline=None)
@given(box_lists, box_lists)
def test_iou_is_symmetric_and_bounded(a, b):
    m = boxes.iou(a, b)
    assert m.shape == (len(a), len(b))
    np.testing.assert_allclose(m, boxes.iou(b, a).T, atol=1e-12)
    assert np.all((m >= 0) & (m <= 1))


@settings(max_examples=60, deadline=None)
@given(box_lists, box_lists, st.floats(0.1, 1000), st.floats(0.1, 1000))
def test_iou_is_scale_invariant_and_units_do_not_matter(a, b, height, width):
    normalised = boxes.iou(a, b)
    pixels = boxes.iou(boxes.to_pixels(a, height, width), boxes.to_pixels(b, height, width))
    np.testing.assert_allclose(pixels, normalised, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(box_lists)
def test_identical_boxes_of_positive_area_have_iou_one(a):
    d = np.diag(boxes.iou(a, a))
    positive = boxes.area(a) > 1e-12
    np.testing.assert_allclose(d[positive], 1.0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(box_lists, st.floats(1, 500), st.floats(1, 500))
def test_to_pixels_scales_rows_by_height_and_columns_by_width(a, h, w):
    np.testing.assert_allclose(boxes.to_pixels(a, h, w), np.asarray(a) * [h, w, h, w], rtol=1e-12)


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
        boxes.iou([0, 0, 1, 1], bad)
    with pytest.raises(ValueError, match="boxes_a"):
        boxes.iou(bad, [0, 0, 1, 1])


def test_bad_sizes():
    with pytest.raises(ValueError, match="height"):
        boxes.to_pixels([0, 0, 1, 1], 0, 10)
    with pytest.raises(ValueError, match="width"):
        boxes.to_pixels([0, 0, 1, 1], 10, -1)


def test_anchors_grid_order_and_shapes():
    a = boxes.anchors((2, 3), scales=(0.5,), aspect_ratios=(1.0, 4.0))
    assert a.shape == (2 * 3 * 2, 4)
    # first anchor: cell (0, 0), square, side 0.5, centred at (0.25, 1/6)
    np.testing.assert_allclose(a[0], [0.0, 1 / 6 - 0.25, 0.5, 1 / 6 + 0.25])
    # second: same cell, width / height = 4 with the same area
    h, w = a[1, 2] - a[1, 0], a[1, 3] - a[1, 1]
    assert w / h == pytest.approx(4.0) and w * h == pytest.approx(0.25)
    with pytest.raises(ValueError, match="scales"):
        boxes.anchors(4, scales=(0,))
    with pytest.raises(ValueError, match="feature_size"):
        boxes.anchors((0, 2))


@settings(max_examples=40, deadline=None)
@given(box_lists)
def test_encode_follows_the_formula(a):
    """ty = (cy - cy_a) / h_a / 0.1, th = log(h / h_a) / 0.2, and x, w alike (its inverse,
    the stand-ins' TensorFlow decoder, is tested in test_standins.py)."""
    a = np.asarray(a)
    a = a[(a[:, 2] - a[:, 0] > 1e-3) & (a[:, 3] - a[:, 1] > 1e-3)]
    if len(a) == 0:
        return
    anc = np.clip(boxes.anchors(len(a), scales=(0.3,))[: len(a)], -1, 2)
    h, w, ha, wa = (
        a[:, 2] - a[:, 0],
        a[:, 3] - a[:, 1],
        anc[:, 2] - anc[:, 0],
        anc[:, 3] - anc[:, 1],
    )
    expected = np.stack(
        [
            ((a[:, 0] + a[:, 2]) - (anc[:, 0] + anc[:, 2])) / 2 / ha / 0.1,
            ((a[:, 1] + a[:, 3]) - (anc[:, 1] + anc[:, 3])) / 2 / wa / 0.1,
            np.log(h / ha) / 0.2,
            np.log(w / wa) / 0.2,
        ],
        axis=1,
    )
    np.testing.assert_allclose(boxes.encode(a, anc), expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(box_lists, st.data())
def test_paired_iou_is_the_diagonal_of_iou(a, draw):
    b = draw.draw(st.lists(box(), min_size=len(a), max_size=len(a)))
    got = boxes.paired_iou(a, b)
    assert got.shape == (len(a),)
    np.testing.assert_allclose(got, np.diag(boxes.iou(a, b)), atol=1e-12)


def test_paired_iou_scores_inverted_predictions_zero_and_validates():
    target = [[0, 0, 2, 2], [0, 0, 2, 2]]
    predicted = [[1, 1, 3, 3], [2, 2, 0, 0]]  # the second is inverted (ymax < ymin)
    np.testing.assert_allclose(boxes.paired_iou(predicted, target), [1 / 7, 0.0])
    assert boxes.paired_iou([0, 0, 1, 1], [0, 0, 1, 1]).tolist() == [1.0]
    with pytest.raises(ValueError, match="target"):
        boxes.paired_iou([0, 0, 1, 1], [1, 1, 0, 0])  # inverted target
    with pytest.raises(ValueError, match="same shape"):
        boxes.paired_iou(target, target[:1])
    with pytest.raises(ValueError, match="predicted"):
        boxes.paired_iou([0, 0, np.nan, 1], [0, 0, 1, 1])
