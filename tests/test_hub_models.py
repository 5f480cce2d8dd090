import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from common import env, hub_models, sources


def test_smoke_mode_builds_the_stand_in(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "smoke")
    model, text = hub_models.resolve("https://tfhub.dev/x/y/1", smoke=lambda: "stand-in")
    assert model == "stand-in" and "stand-in" in text and "x/y/1" in text


def test_full_mode_loads_a_local_savedmodel(monkeypatch, tmp_path):
    import tensorflow as tf

    class Double(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return {"y": 2 * x}

    tf.saved_model.save(Double(), str(tmp_path / "m"))
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("probed the network"))
    model, text = hub_models.resolve(str(tmp_path / "m"), smoke=lambda: None)
    assert model(tf.constant([1.5]))["y"].numpy().tolist() == [3.0]
    assert "full mode" in text


def test_cached_path_matches_tensorflow_hub(monkeypatch, tmp_path):
    from tensorflow_hub import compressed_module_resolver, resolver

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path))
    handle = "https://tfhub.dev/google/faster_rcnn/openimages_v4/inception_resnet_v2/1"
    assert sources.hub_cache_dir() == tmp_path == Path(resolver.tfhub_cache_dir())
    name = compressed_module_resolver._module_dir(handle)
    assert sources.hub_cached_path(handle) == tmp_path / name


@pytest.mark.parametrize("handle", ["", None, 3])
def test_bad_handle(handle):
    with pytest.raises(ValueError, match="handle"):
        hub_models.resolve(handle, smoke=lambda: None)


def test_smoke_must_be_callable():
    with pytest.raises(TypeError, match="smoke"):
        hub_models.resolve("https://tfhub.dev/a/b/1", smoke="nope")


def test_coco_labels_match_keras_hub():
    """The 80 COCO names at their 1-90 ids, as keras-hub lists them (read, not imported)."""
    spec = importlib.util.find_spec("keras_hub")
    assert spec is not None, "keras-hub is a declared dependency (the lab extra)"
    source = Path(spec.origin).parent / "src" / "utils" / "coco" / "coco_utils.py"
    tree = ast.parse(source.read_text())
    names = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COCO_NAMES"
    )
    assert len(hub_models.COCO_LABELS) == 80
    assert set(hub_models.COCO_LABELS) <= set(range(1, 91))
    for i, name in hub_models.COCO_LABELS.items():
        assert names[i].replace("_", " ") == name
    from common import standins

    assert standins.SCENE_LABELS == {1: "circle", 2: "square", 3: "triangle"}


def test_reframe_masks_hand_computed():
    """A 4×4 mask whose left half is on, over the box [0.25, 0.75]² of an 8×8 image.

    crop_and_resize samples image pixel i at box-mask coordinate -1.5 + 6 i / 7: pixels
    2-5 fall inside the mask (0.21, 1.07, 1.93, 2.79), the others outside (value 0).
    Columns interpolate between mask columns 1 (on) and 2 (off): 1, 1 - 1/14, 1/14, 0.
    """
    box_mask = np.zeros((1, 4, 4))
    box_mask[0, :, :2] = 1
    out = hub_models.reframe_masks(box_mask, [[0.25, 0.25, 0.75, 0.75]], 8, 8)
    assert out.shape == (1, 8, 8) and out.dtype == np.float32
    expected_cols = np.array([0, 0, 1, 13 / 14, 1 / 14, 0, 0, 0])
    expected = np.zeros((8, 8))
    expected[2:6] = expected_cols
    np.testing.assert_allclose(out[0], expected, atol=1e-5)
    # a full mask fills exactly its box's pixels
    full = hub_models.reframe_masks(np.ones((1, 4, 4)), [[0.25, 0.25, 0.75, 0.75]], 8, 8)
    assert np.argwhere(full[0] > 0.5).min(0).tolist() == [2, 2]
    assert np.argwhere(full[0] > 0.5).max(0).tolist() == [5, 5]
    assert hub_models.reframe_masks(np.zeros((0, 4, 4)), np.zeros((0, 4)), 5, 7).shape == (0, 5, 7)


@pytest.mark.parametrize(
    "args",
    [
        (np.ones((4, 4)), [[0, 0, 1, 1]], 8, 8),  # not (N, h, w)
        (np.ones((2, 4, 4)), [[0, 0, 1, 1]], 8, 8),  # one box for two masks
        (np.ones((1, 4, 4)), [[0.5, 0, 0.2, 1]], 8, 8),  # inverted box
        (np.ones((1, 4, 4)), [[0, 0, 1, 1]], 0, 8),
        (np.ones((1, 4, 4)), [[0, 0, 1, 1]], 8, 2.5),
    ],
)
def test_reframe_masks_rejects_bad_inputs(args):
    with pytest.raises(ValueError):
        hub_models.reframe_masks(*args)


def test_unpack_object_detection_api_result():
    result = {
        "detection_boxes": np.array([[[0.1, 0.1, 0.5, 0.5], [0.2, 0.2, 0.6, 0.6], [0] * 4]]),
        "detection_classes": np.array([[18.0, 91.0, 1.0]]),
        "detection_scores": np.array([[0.9, 0.4, 0.0]]),
        "num_detections": np.array([2.0]),
        "detection_masks": np.ones((1, 3, 5, 5)),
    }
    out = hub_models.unpack(result, hub_models.COCO_LABELS)
    assert out["boxes"].shape == (2, 4) and out["scores"].tolist() == pytest.approx([0.9, 0.4])
    assert out["classes"].tolist() == [18, 91] and out["names"] == ["dog", "91"]
    assert out["masks"].shape == (2, 5, 5)


def test_unpack_open_images_result():
    result = {
        "detection_boxes": np.array([[0.1, 0.1, 0.5, 0.5]]),
        "detection_scores": np.array([0.7]),
        "detection_class_entities": np.array([b"Cat"]),
        "detection_class_labels": np.array([3]),
    }
    out = hub_models.unpack(result)
    assert out["names"] == ["Cat"] and out["classes"].tolist() == [3]
    assert "masks" not in out


@pytest.mark.parametrize(
    "result",
    [
        [1, 2],
        {"detection_scores": np.zeros((1, 3))},
        {"detection_boxes": np.zeros((2, 3, 4)), "detection_scores": np.zeros((2, 3))},
        {"detection_boxes": np.zeros((1, 3, 4)), "detection_scores": np.zeros((1, 3))},
    ],
)
def test_unpack_rejects_bad_results(result):
    with pytest.raises(ValueError):
        hub_models.unpack(result)


def test_unpack_rejects_a_bad_label_map():
    result = {
        "detection_boxes": np.zeros((1, 1, 4)),
        "detection_scores": np.zeros((1, 1)),
        "detection_classes": np.ones((1, 1)),
    }
    with pytest.raises(ValueError, match="label_map"):
        hub_models.unpack(result, ["a", "b"])
