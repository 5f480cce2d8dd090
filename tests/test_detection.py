from types import SimpleNamespace

import numpy as np
import pytest

from common import data, detection, env, labelling, sources

SIZE = 32


@pytest.fixture(scope="module")
def source():
    """A small RetinaNet standing in for a restored one (random weights, no pretraining)."""
    import keras

    keras.utils.set_random_seed(0)
    return detection.small_detector(SIZE)


@pytest.fixture(scope="module")
def shots():
    """Five generated training scenes and four held-out ones (smoke mode's data)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TFAT_MODE", "smoke")
        return data.few_shot_data("ducky", n_test=4, size=SIZE)


# ------------------------------------------------------------------ data and labelling


def test_smoke_data_has_five_labelled_images_and_held_out_ones(shots):
    assert len(shots.train_images) == 5 and len(shots.test_images) == 4
    assert shots.train_images[0].shape == (SIZE, SIZE, 3)
    assert shots.train_boxes.shape == (5, 4) and shots.test_boxes.shape == (4, 4)
    side = shots.train_boxes[:, 2] - shots.train_boxes[:, 0]
    assert np.all((side > 0.4) & (side < 0.75))  # the smoke extent, in [0, 1] units
    assert "triangle" in shots.source


def test_few_shot_data_rejects_bad_arguments(smoke):
    with pytest.raises(ValueError, match="name"):
        data.few_shot_data("kitten")
    with pytest.raises(ValueError, match="n_test"):
        data.few_shot_data("zombie", n_test=0)


@pytest.mark.parametrize(
    ("drag", "box"),
    [
        ((-0.5, -0.5, 9.5, 19.5), [0.0, 0.0, 1.0, 1.0]),  # the whole 20 x 10 image
        ((9.5, 19.5, -0.5, -0.5), [0.0, 0.0, 1.0, 1.0]),  # dragged the other way
        ((1.5, 3.5, 4.5, 13.5), [0.2, 0.2, 0.7, 0.5]),
        ((-5.0, 3.5, 30.0, 13.5), [0.2, 0.0, 0.7, 1.0]),  # clipped to the image
    ],
)
def test_box_from_drag(drag, box):
    out = labelling.box_from_drag(*drag, height=20, width=10)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, box, atol=1e-6)


@pytest.mark.parametrize(
    ("drag", "match"),
    [((2.0, 2.0, 2.0, 8.0), "no area"), ((1.0, np.nan, 3.0, 4.0), "finite"),
     ((1.0, None, 3.0, 4.0), "finite")],
)  # fmt: skip
def test_box_from_drag_rejects_clicks_and_bad_points(drag, match):
    with pytest.raises((ValueError, TypeError), match=match):
        labelling.box_from_drag(*drag, height=20, width=10)
    with pytest.raises(ValueError, match="height"):
        labelling.box_from_drag(0, 0, 3, 3, height=0, width=10)


def test_label_tool_turns_drags_into_boxes(capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = [np.zeros((20, 10, 3), np.uint8), np.zeros((10, 10, 3), np.uint8)]
    labels = labelling.label_boxes(images)
    assert "not interactive" in capsys.readouterr().out
    assert len(labels.selectors) == 2 and labels.missing == [0, 1]

    def event(x, y):
        return SimpleNamespace(xdata=x, ydata=y)

    labels.on_select(0, event(1.5, 3.5), event(4.5, 13.5))
    labels.on_select(1, event(1.0, 1.0), event(1.0, 1.0))  # a click: ignored
    labels.on_select(1, event(None, None), event(3.0, 3.0))  # released outside: ignored
    assert labels.missing == [1]
    with pytest.raises(ValueError, match=r"images \[1\] have no box"):
        labels.array()
    given = np.array([[0.1, 0.1, 0.9, 0.9], [0.2, 0.3, 0.4, 0.5]])
    out = labels.array(defaults=given)
    np.testing.assert_allclose(out, [[0.2, 0.2, 0.7, 0.5], given[1]], atol=1e-6)
    with pytest.raises(ValueError, match="defaults"):
        labels.array(defaults=given[:1])
    plt.close(labels.figure)


def test_label_tool_rejects_bad_images():
    with pytest.raises(ValueError, match="at least one"):
        labelling.label_boxes([])
    with pytest.raises(ValueError, match="at most 8"):
        labelling.label_boxes(np.zeros((9, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"images\[0\]"):
        labelling.label_boxes([np.zeros(5)])


def test_prepare_puts_data_in_the_detector_format():
    images = [np.full((40, 20, 3), 255, np.uint8), np.zeros((10, 30, 3), np.uint8)]
    boxes = [[0.1, 0.2, 0.5, 0.6], [0.0, 0.0, 1.0, 1.0]]
    x, y = detection.prepare(images, boxes, 32, class_id=2)
    assert x.shape == (2, 32, 32, 3) and x.dtype == np.float32
    assert x[0].min() == pytest.approx(255) and x[1].max() == 0  # pixels kept in [0, 255]
    np.testing.assert_allclose(y["boxes"], [[[3.2, 6.4, 16.0, 19.2]], [[0, 0, 32, 32]]], 1e-5)
    assert y["boxes"].dtype == np.float32 and y["labels"].tolist() == [[2.0], [2.0]]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"boxes": [[0.1, 0.1, 0.5, 0.5]]}, "1 rows for 2 images"),
        ({"boxes": [[0, 0, 20, 20], [0, 0, 1, 1]]}, "normalised"),
        ({"boxes": [[0.5, 0.1, 0.1, 0.5], [0, 0, 1, 1]]}, "inverted"),
        ({"size": 8}, "size"),
        ({"class_id": -1}, "class_id"),
    ],
)
def test_prepare_rejects_bad_input(kwargs, match):
    args = {"images": np.zeros((2, 8, 8, 3)), "boxes": [[0, 0, 1, 1]] * 2, "size": 32}
    with pytest.raises(ValueError, match=match):
        detection.prepare(**{**args, **kwargs})


def test_top_detection_iou():
    detections = {
        "boxes": np.array([[[0, 0, 0.5, 0.5], [0, 0, 1, 1]], [[0, 0, 0, 0], [0, 0, 0, 0]]]),
        "num_detections": np.array([2, 0]),
    }
    iou = detection.top_detection_iou(detections, [[0, 0, 0.5, 1.0], [0, 0, 1, 1]])
    np.testing.assert_allclose(iou, [0.5, 0.0])
    with pytest.raises(ValueError, match="true_boxes"):
        detection.top_detection_iou(detections, [[0, 0, 1, 1]])


# ------------------------------------------------------------------ models


def test_small_detector_outputs_and_initialisation(source):
    out = source(np.zeros((2, SIZE, SIZE, 3), "float32"))
    anchors = (SIZE // 8) ** 2 * 9  # P3 only, 3 scales x 3 aspect ratios
    assert out["bbox_regression"].shape == (2, anchors, 4)
    assert out["cls_logits"].shape == (2, anchors, 1)
    bias = source.classification_head.prediction_layer.bias.numpy()
    np.testing.assert_allclose(bias, -np.log(99), rtol=1e-5)  # sigmoid = 0.01 at the start
    np.testing.assert_allclose(source.box_head.prediction_layer.bias.numpy(), 0.0)


def _same(a, b):
    return all(
        np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a.weights, b.weights, strict=True)
    )


@pytest.mark.parametrize("tower", [0, 2])
def test_few_shot_detector_restores_all_but_the_class_logits(source, tower):
    """Restored from a checkpoint of the source: backbone (feature pyramid included), box
    head, class-head tower; the class logits are fresh, for another number of classes."""
    import keras
    import keras_hub

    keras.utils.set_random_seed(1)
    config = {**source.get_config(), "pre_logits_num_conv_layers": tower, "num_classes": 3}
    coco = keras_hub.models.RetinaNetObjectDetector.from_config(config)  # 3 "COCO" classes
    cls = coco.classification_head.prediction_layer
    cls.kernel.assign(np.ones(cls.kernel.shape, "float32"))  # "COCO-trained" class logits
    few = detection.few_shot_detector(coco, num_classes=1)
    assert few.backbone is not coco.backbone and not few.backbone.trainable
    assert _same(few.backbone, coco.backbone) and _same(few.box_head, coco.box_head)
    assert len(few.backbone.weights) == 30 + 4  # the ResNet's and the feature pyramid's
    new, old = few.classification_head.conv_layers, coco.classification_head.conv_layers
    assert len(new) == tower and all(_same(a, b) for a, b in zip(new, old, strict=True))
    kernel = few.classification_head.prediction_layer.kernel.numpy()
    assert kernel.shape[-1] == 9 and cls.kernel.shape[-1] == 27
    assert abs(kernel).max() < 0.1 and kernel.std() > 0  # fresh N(0, 0.01²), not the ones
    bias = few.classification_head.prediction_layer.bias.numpy()
    np.testing.assert_allclose(bias, -np.log(99), rtol=1e-5)
    names = [v.path for v in detection.head_variables(few)]
    assert len(names) == 4 and all("prediction" in n or "logits" in n for n in names)
    assert {id(v) for v in detection.head_variables(few)} <= {
        id(v) for v in few.trainable_variables
    }


def test_checkpointable_makes_every_weight_reach_a_checkpoint(tmp_path):
    """Keras 3 hides the sublayers held in lists and dicts from tf.train.Checkpoint: a
    checkpoint of the model leaves their weights out, and restoring it says nothing."""
    import keras
    import tensorflow as tf

    class Towers(keras.layers.Layer):
        def build(self, input_shape):
            self.blocks = [keras.layers.Dense(3), keras.layers.Dense(3)]
            self.by_level = {"P3": keras.layers.Dense(3)}
            for layer in [*self.blocks, *self.by_level.values()]:
                layer.build(input_shape)
            self.names = ["not", "layers"]  # a list without trackables: left alone

        def call(self, x):
            return sum(layer(x) for layer in [*self.blocks, *self.by_level.values()])

    def model():
        inputs = keras.Input((3,))
        return keras.Model(inputs, keras.layers.Dense(2)(Towers()(inputs)))

    def reachable(trackable):
        view = tf.train.TrackableView(trackable).descendants()
        return {id(v) for v in view if isinstance(v, keras.Variable)}

    source, target = model(), model()
    assert len(reachable(source)) == 2 and len(source.weights) == 8  # the outer Dense only
    assert detection.checkpointable(source) is source
    detection.checkpointable(source)  # twice: no change
    assert reachable(source) == {id(v) for v in source.weights}
    path = tf.train.Checkpoint(model=source).save(str(tmp_path / "ckpt"))
    saved = {name for name, _ in tf.train.list_variables(path)}
    assert any("blocks/1/" in n for n in saved) and any("by_level/P3/" in n for n in saved)
    restore = tf.train.Checkpoint(model=detection.checkpointable(target)).restore(path)
    restore.assert_consumed()
    assert _same(source, target)


def test_checkpoint_keys_are_the_files_keys(source, tmp_path):
    import tensorflow as tf

    root = tf.train.Checkpoint(model=detection.checkpointable(source))
    keys = detection.checkpoint_keys(root)
    path = root.save(str(tmp_path / "ckpt"))
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    in_file = {name.removesuffix(suffix) for name, _ in tf.train.list_variables(path)}
    assert set(keys) == in_file - {"_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter"}
    assert keys["model/box_head/prediction_layer/_kernel"] == "box_head/logits_layer/kernel"
    assert detection.checkpoint_keys(root, "model/classification_head/") == {
        "prediction_layer/_kernel": "classification_head/logits_layer/kernel",
        "prediction_layer/bias": "classification_head/logits_layer/bias",
    }
    with pytest.raises(TypeError, match="trackable"):
        detection.checkpoint_keys({"model": source})


def test_checkpointable_reaches_the_feature_pyramid(source):
    rebuild = detection._keras_hub().models.RetinaNetObjectDetector.from_config
    fresh = rebuild(source.get_config())
    assert detection.unsaved_weights(fresh) == [
        f"fpn/{kind}_conv_P3/{weight}"
        for kind in ("lateral", "output")
        for weight in ("kernel", "bias")
    ]
    assert detection.unsaved_weights(detection.checkpointable(fresh)) == []


@pytest.mark.slow
def test_train_step_lowers_the_loss_and_only_moves_the_heads(source, shots):
    import keras

    keras.utils.set_random_seed(2)
    few = detection.few_shot_detector(source, num_classes=1)
    x, y = detection.prepare(shots.train_images, shots.train_boxes, SIZE)
    frozen = [v.numpy().copy() for v in few.backbone.weights]
    heads = [v.numpy().copy() for v in detection.head_variables(few)]
    before = float(detection.detection_loss(few, x, y))
    step = detection.make_train_step(
        few, keras.optimizers.Adam(0.01), detection.head_variables(few)
    )
    losses = [float(step(x, y)) for _ in range(20)]
    assert losses[0] == pytest.approx(before, rel=1e-4)  # the loss before the update
    assert losses[-1] < 0.5 * losses[0]
    for new, old in zip(few.backbone.weights, frozen, strict=True):
        np.testing.assert_array_equal(new.numpy(), old)
    assert all(
        not np.allclose(v.numpy(), old)
        for v, old in zip(detection.head_variables(few), heads, strict=True)
    )
    found = detection.detect(few, x)
    assert found["boxes"].shape[:2] == found["scores"].shape == found["classes"].shape
    assert found["boxes"].min() >= 0 and found["boxes"].max() <= 1
    n = found["num_detections"]
    assert np.all(found["classes"][0, n[0] :] == -1) and np.all(found["scores"][0, n[0] :] == 0)
    assert detection.top_detection_iou(found, shots.train_boxes).shape == (5,)


def test_full_mode_rejects_unknown_presets(full):
    import keras_hub

    assert detection.PRESET in keras_hub.models.RetinaNetObjectDetector.presets
    with pytest.raises(ValueError, match="not a RetinaNetObjectDetector preset"):
        detection.load_detector("retinanet_tiny_imaginary")


def test_bad_arguments(source):
    with pytest.raises(ValueError, match="variables"):
        detection.make_train_step(source, None, [])
    with pytest.raises(TypeError, match="RetinaNetObjectDetector"):
        detection.few_shot_detector(object())
    with pytest.raises(ValueError, match="num_classes"):
        detection.few_shot_detector(source, num_classes=0)
    with pytest.raises(ValueError, match="prior"):
        detection.reinit_layer(source.box_head.prediction_layer, prior=1.0)
    with pytest.raises(ValueError, match="image_size"):
        detection.small_detector(8)
    with pytest.raises(TypeError, match="model must be a Keras model"):
        detection.checkpointable([source])


@pytest.mark.parametrize(
    ("backend", "interactive"),
    [("agg", False), ("module://matplotlib_inline.backend_inline", False), ("pdf", False),
     ("qtagg", True), ("tkagg", True), ("nbagg", True), ("module://ipympl.backend_nbagg", True),
     ("macosx", True)],
)  # fmt: skip
def test_interactive_backends(backend, interactive):
    assert labelling._interactive(backend) is interactive


def test_full_mode_cached_preset_needs_no_network(monkeypatch, tmp_path):
    import os

    from kagglehub.cache import Cache, get_cached_path
    from kagglehub.handle import parse_model_handle

    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path))
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("probed the network"))
    handle = parse_model_handle(
        detection._keras_hub()
        .models.RetinaNetObjectDetector.presets[detection.PRESET]["kaggle_handle"]
        .removeprefix("kaggle://")
    )
    os.makedirs(get_cached_path(handle))
    Cache().mark_as_complete(handle)
    keras_hub = detection._keras_hub()
    monkeypatch.setattr(
        keras_hub.models.RetinaNetObjectDetector, "from_preset", classmethod(lambda cls, p: p)
    )
    assert (
        sources.keras_hub_preset(
            keras_hub.models.RetinaNetObjectDetector, detection.PRESET, fake=None
        )
        == detection.PRESET
    )  # loaded from the cache: no error, no probe


def test_pre_nms_top_k_keeps_the_detections_and_caps_the_work():
    """With at least as many kept anchors as the detector has, decoding is keras-hub's;
    with k = 1, only the most confident anchor can become a detection."""
    keras_hub = detection._keras_hub()
    detector = detection.small_detector(32)  # 4 x 4 cells x 9 anchors = 144
    images = np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype("float32")
    x = detector.preprocessor(images)
    raw = detector(x, training=False)
    raw["cls_logits"] = raw["cls_logits"] + 6.0  # confident everywhere: NMS has work to do
    decoder = detector.prediction_decoder
    assert decoder.top_k == detection.PRE_NMS_TOP_K and decoder.from_logits
    ours = detector.decode_predictions(raw, x)
    detector.prediction_decoder = keras_hub.layers.NonMaxSuppression(
        bounding_box_format="yxyx", from_logits=True
    )
    theirs = detector.decode_predictions(raw, x)
    for key in ("boxes", "confidence", "num_detections"):
        np.testing.assert_allclose(np.asarray(ours[key]), np.asarray(theirs[key]), atol=1e-6)
    assert np.asarray(theirs["num_detections"]).min() > 1
    detection.pre_nms_top_k(detector, 1)
    assert np.asarray(detector.decode_predictions(raw, x)["num_detections"]).max() == 1


@pytest.mark.slow
def test_dry_run_fake_preset_is_the_presets_architecture(dry):
    """The dry run's stand-in for the COCO preset: built offline, random weights, and the
    parameter count that keras-hub's preset metadata gives (34,121,239)."""
    keras_hub = detection._keras_hub()
    expected = keras_hub.models.RetinaNetObjectDetector.presets[detection.PRESET]["metadata"]
    detector, about = detection.load_detector(detection.PRESET, image_size=128)
    assert detector.count_params() == expected["params"]
    assert "random weights" in about and detector.num_classes == 91
    assert detector.preprocessor.image_converter.image_size == (128, 128)


@pytest.mark.parametrize("name, n_test", [("ducky", 5), ("zombie", 3)])
def test_dry_run_few_shot_photos_come_from_the_fakes(dry, name, n_test):
    shots = data.few_shot_data(name)
    assert len(shots.train_images) == 5 and len(shots.test_images) == n_test
    assert all(i.dtype == np.uint8 and i.ndim == 3 and i.shape[2] == 3 for i in shots.train_images)
    assert shots.train_boxes.shape == (5, 4)


def test_a_detector_config_rebuilds_with_another_number_of_classes(source):
    """The few-shot lab builds its one-class model from the restored one's get_config()."""
    import keras_hub

    config = {**source.get_config(), "num_classes": 2}
    rebuilt = keras_hub.models.RetinaNetObjectDetector.from_config(config)
    assert rebuilt.num_classes == 2 and rebuilt.backbone is not source.backbone
    assert rebuilt.prediction_decoder.top_k == source.prediction_decoder.top_k
    assert rebuilt.classification_head.prediction_layer.kernel.shape[-1] == 2 * 9


def test_smoke_zombie_photos_are_also_files(smoke, tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("TFAT_CACHE_DIR", str(tmp_path))
    shots = data.few_shot_data("zombie", n_test=2, size=SIZE)
    files = sorted(p.name for p in shots.train_dir.iterdir())
    assert files == [f"training-zombie{i}.jpg" for i in range(1, 6)]
    first = np.asarray(Image.open(shots.train_dir / "training-zombie1.jpg"))
    assert first.shape == shots.train_images[0].shape  # the same scene, as a JPEG
    assert np.abs(first.astype(int) - shots.train_images[0]).mean() < 8
    assert data.few_shot_data("ducky", n_test=2, size=SIZE).train_dir is None


def test_dry_run_zombie_photos_are_in_a_folder(dry):
    shots = data.few_shot_data("zombie")
    assert (shots.train_dir / "training-zombie5.jpg").is_file()


def test_course_photo_smoke_and_dry_run(smoke, tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("TFAT_CACHE_DIR", str(tmp_path))
    url = "https://upload.wikimedia.org/wikipedia/commons/6/60/Naxos_Taverna.jpg"
    path = data.course_photo(url, smoke="coffee")  # smoke mode: scikit-image's coffee cup
    assert np.asarray(Image.open(path)).shape == (400, 600, 3)
    assert data.course_photo(url, smoke="coffee") == path  # written once
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setenv("TFAT_DRY_RUN", "1")
    fake = data.course_photo(url)
    assert fake.name == "Naxos_Taverna.jpg" and np.asarray(Image.open(fake)).ndim == 3
    with pytest.raises(ValueError, match="url"):
        data.course_photo("Naxos_Taverna.jpg")
    with pytest.raises(ValueError, match="smoke"):
        data.course_photo(url, smoke="dog")


def test_smoke_pretraining_happens_once_then_loads_the_same_weights(smoke, monkeypatch, tmp_path):
    """Smoke mode's COCO stand-in is pretrained on the first call only (common.cache); a
    later call from the same random state loads the very same weights, says the same, and
    leaves the random draws that follow as they were. Another random state (another
    notebook's) starts from other weights: it pretrains its own."""
    import keras

    monkeypatch.setenv("TFAT_CACHE_DIR", str(tmp_path))
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    pretrained = []
    pretrain = detection.pretrain
    monkeypatch.setattr(
        detection, "pretrain", lambda *a, **k: pretrained.append(1) or pretrain(*a, **k)
    )

    def load(seed):
        env.seed_everything(seed)
        detector, about = detection.load_detector(image_size=32, pretrain_steps=2)
        raw = detector(detector.preprocessor(images), training=False)
        after = (float(np.random.rand()), float(keras.random.uniform(()).numpy()))
        return [w.numpy() for w in detector.weights], about, raw, after

    weights, about, raw, after = load(3)
    weights_again, about_again, raw_again, after_again = load(3)
    assert len(pretrained) == 1
    assert about_again == about and "(loss" in about and after_again == after
    assert len(weights_again) == len(weights)
    for mine, theirs in zip(weights_again, weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(raw_again["cls_logits"], raw["cls_logits"])
    other, *_ = load(4)
    assert len(pretrained) == 2 and not np.array_equal(other[0], weights[0])
    built = sorted(p.name for p in (tmp_path / "coco_standin").iterdir() if p.is_dir())
    assert len(built) == 2 and all(name.startswith("32px-2steps-") for name in built)
