"""Few-shot object detection with keras-hub's RetinaNet (Course 3, week 2).

The course's recipe, as reusable pieces:

1. :func:`few_shot_data`: five labelled training images and held-out images of a new class
   (the course's rubber ducky and zombie photos in full mode; generated scenes in smoke).
2. :func:`label_boxes`: draw one box per image with the mouse (matplotlib
   ``RectangleSelector``), giving normalised ``[ymin, xmin, ymax, xmax]`` boxes.
3. :func:`load_detector`: *restore* a pretrained ``keras_hub.models.RetinaNetObjectDetector``
   (the COCO preset in full mode; in smoke mode a small random-init RetinaNet that is first
   pretrained for a few seconds on generated scenes of other shapes, standing in for COCO).
4. :func:`few_shot_detector`: a detector for the new classes, restored from a checkpoint of
   the pretrained one through a partial ``tf.train.Checkpoint`` (backbone, box head and
   class-head tower; not the class logits, re-initialised), backbone frozen;
   :func:`checkpointable` makes a Keras 3 model's every weight reachable by a checkpoint.
5. :func:`prepare` (with :func:`resize_images`), :func:`head_variables`,
   :func:`make_train_step` (with :func:`detection_loss`): the data in the detector's
   format, the variables to fine-tune, a ``tf.function`` training step.
6. :func:`detect` and :func:`top_detection_iou`: detections as normalised boxes, and the
   IoU of each image's best-scoring detection with its true box.

Formats (read from keras-hub 0.32's source): the detector works in
``bounding_box_format="yxyx"`` *pixel* boxes of its input image; targets are a dict
``{"boxes": (B, K, 4) float32, "labels": (B, K) float32}`` with class ids counted from 0
(keras-hub has no background class: anchors matching no box are background) and ``-1``
padding. The model outputs ``{"bbox_regression", "cls_logits"}`` per anchor;
``decode_predictions`` turns them into boxes with non-maximum suppression.
"""

from __future__ import annotations

import functools
import tempfile

import numpy as np

from common import cache, checks, env, sources
from common.data.photos import SMOKE_EXTENT

PRESET = "retinanet_resnet50_fpn_coco"
PRETRAIN_SHAPES = ("circle", "square", "cross", "ring")  # smoke mode's stand-in for COCO
CLASS_PRIOR = 0.01  # RetinaNet's initial foreground probability of the class logits

# --------------------------------------------------------------------------- models


def small_detector(image_size: int = 32, num_classes: int = 1):
    """A small random-init keras-hub RetinaNet for ``image_size``-pixel square images.

    A two-stack ResNet (``keras_hub.models.ResNetBackbone``, basic blocks of 64 filters)
    feeds one feature-pyramid level, P3 (stride 8), with anchors scaled to the image
    (``anchor_size = image_size / 16``: sides of 0.25, 0.31 and 0.39 of the image, aspect
    ratios 0.5, 1, 2) and heads without tower layers. The image converter scales pixels to
    [0, 1]. Both prediction layers are initialised as in the RetinaNet paper (box bias 0,
    class bias ``-log((1 - 0.01) / 0.01)``); keras-hub 0.32 puts that prior on the box
    head instead, which makes a random-init model start with a huge loss.

    Used by: common.detection.
    """
    keras_hub = _keras_hub()
    checks.positive_int("image_size", image_size, minimum=16)
    checks.positive_int("num_classes", num_classes)
    shape = (image_size, image_size, 3)
    encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 64], stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2], block_type="basic_block", image_shape=shape,
    )  # fmt: skip
    backbone = keras_hub.models.RetinaNetBackbone(
        image_encoder=encoder, min_level=3, max_level=3, use_p5=False, image_shape=shape
    )
    anchors = keras_hub.layers.AnchorGenerator(
        "yxyx", min_level=3, max_level=3, num_scales=3, aspect_ratios=[0.5, 1.0, 2.0],
        anchor_size=image_size / 16,
    )  # fmt: skip
    converter = keras_hub.layers.RetinaNetImageConverter(
        image_size=(image_size, image_size), scale=1 / 255.0
    )
    detector = keras_hub.models.RetinaNetObjectDetector(
        backbone=backbone, num_classes=num_classes, bounding_box_format="yxyx",
        anchor_generator=anchors, pre_logits_num_conv_layers=0,
        preprocessor=keras_hub.models.RetinaNetObjectDetectorPreprocessor(converter),
    )  # fmt: skip
    reinit_layer(detector.box_head.prediction_layer)
    reinit_layer(detector.classification_head.prediction_layer, prior=CLASS_PRIOR)
    detector.compile()  # the default box and class losses, for compute_loss
    return pre_nms_top_k(detector)


PRE_NMS_TOP_K = 1000  # anchors kept for non-maximum suppression (the RetinaNet paper's 1k)


@functools.cache
def _top_k_decoder_class():
    import keras
    from keras import ops

    keras_hub = _keras_hub()

    # registered, so that a detector's get_config() -> from_config() rebuilds it
    @keras.saving.register_keras_serializable(package="common.detection")
    class TopKNonMaxSuppression(keras_hub.layers.NonMaxSuppression):
        """keras-hub's non-maximum suppression over the ``top_k`` most confident anchors."""

        def __init__(self, top_k=PRE_NMS_TOP_K, **kwargs):
            super().__init__(**kwargs)
            self.top_k = top_k

        def call(self, box_prediction, class_prediction, images=None):
            k = min(self.top_k, int(class_prediction.shape[1]))
            _, keep = ops.top_k(ops.max(class_prediction, axis=-1), k=k)  # logits: same order
            box_prediction = ops.take_along_axis(box_prediction, keep[..., None], axis=1)
            class_prediction = ops.take_along_axis(class_prediction, keep[..., None], axis=1)
            return super().call(box_prediction, class_prediction, images=images)

        def get_config(self):
            return {**super().get_config(), "top_k": self.top_k}

    return TopKNonMaxSuppression


def pre_nms_top_k(detector, k: int = PRE_NMS_TOP_K):
    """Make ``detector.decode_predictions`` suppress among its ``k`` most confident anchors
    only, as the RetinaNet paper does (1,000 per image), and return ``detector``.

    keras-hub's tiled non-maximum suppression walks every anchor (76,725 at 640 px) until
    it has found ``max_detections`` boxes: about 45 s an image on one CPU core when few
    boxes pass the threshold, against a fraction of a second for 1,000. The detections are
    the same whenever fewer than ``k`` anchors clear the confidence threshold.

    Used by: common.detection.
    """
    checks.positive_int("k", k)
    old = detector.prediction_decoder
    detector.prediction_decoder = _top_k_decoder_class()(
        top_k=k, bounding_box_format=old.bounding_box_format, from_logits=old.from_logits,
        iou_threshold=old.iou_threshold, confidence_threshold=old.confidence_threshold,
        max_detections=old.max_detections,
    )  # fmt: skip
    return detector


def reinit_layer(layer, *, prior: float | None = None) -> None:
    """Re-initialise a convolution: kernel ~ N(0, 0.01²); bias 0, or
    ``-log((1 - prior) / prior)`` (so that sigmoid(logit) starts at ``prior``).

    Used by: common.detection.
    """
    import keras

    if prior is not None and not 0 < prior < 1:
        raise ValueError(f"prior must lie in (0, 1), got {prior!r}")
    bias = 0.0 if prior is None else -float(np.log((1 - prior) / prior))
    for variable in layer.weights:
        if variable.path.endswith("kernel"):
            variable.assign(keras.random.normal(variable.shape, stddev=0.01))
        else:
            variable.assign(np.full(variable.shape, bias, "float32"))


def load_detector(preset: str = PRESET, *, image_size: int = 640, pretrain_steps: int = 120):
    """Restore a pretrained RetinaNet: ``(detector, description)``.

    Full mode: ``keras_hub.models.RetinaNetObjectDetector.from_preset(preset)`` with its
    COCO weights (backbone, feature pyramid and both heads), downloaded once from Kaggle
    through :func:`common.sources.keras_hub_preset` (offline, and not downloaded before, it
    raises within seconds; the dry run builds :func:`coco_architecture` instead); its image
    converter resizes to ``image_size``. Smoke mode: :func:`small_detector` pretrained for
    ``pretrain_steps`` batches of 32 generated scenes of ``PRETRAIN_SHAPES`` (one class,
    "object"): the stand-in for COCO, so that the backbone it hands on has learnt something.
    Like the preset's download, that pretraining happens once: later calls load its
    weights from :func:`common.cache.build_once`'s folder.

    Raises:
        ValueError: ``preset`` is neither a keras-hub RetinaNet preset, a ``kaggle://`` or
            ``hf://`` handle, nor a local folder.
        RuntimeError: full mode, offline, preset not cached.

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    checks.positive_int("image_size", image_size, minimum=16)
    checks.positive_int("pretrain_steps", pretrain_steps)
    if env.is_smoke():
        detector = small_detector(image_size)
        losses = _pretrained(detector, image_size, pretrain_steps)
        return detector, (
            f"smoke mode: a small random-init RetinaNet ({detector.count_params():,} "
            f"parameters) pretrained (Adam, learning rate 2e-3) on {pretrain_steps * 32} "
            f"generated scenes of {', '.join(PRETRAIN_SHAPES)} (loss {losses[0]:.2f} -> "
            f"{losses[-1]:.2f}), "
            f"standing in for the COCO preset {preset}"
        )
    keras_hub = _keras_hub()
    detector = sources.keras_hub_preset(
        keras_hub.models.RetinaNetObjectDetector, preset, fake=coco_architecture
    )
    if detector.preprocessor is not None:
        detector.preprocessor.image_converter.image_size = (image_size, image_size)
    detector.compile()
    pre_nms_top_k(detector)
    where = "dry run: its architecture with random weights" if env.dry_run() else "from Kaggle"
    return detector, (
        f"full mode: {preset} ({detector.count_params():,} parameters, "
        f"{detector.num_classes} COCO class ids) {where}"
    )


def coco_architecture():
    """keras-hub's ``retinanet_resnet50_fpn_coco`` rebuilt offline with random weights: the
    dry run's fake of the preset. As keras-hub's conversion script builds it from
    torchvision's RetinaNet: a ResNet50 (v1, bottleneck blocks) encoder, a feature pyramid
    P3-P7 (P6 from C5), 91 class ids, ImageNet-normalising 800x800 image converter. It has
    the preset's 34,121,239 parameters (tested against the preset's metadata).

    Used by: common.detection.
    """
    keras_hub = _keras_hub()
    encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64], input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 128, 256, 512], stackwise_num_blocks=[3, 4, 6, 3],
        stackwise_num_strides=[1, 2, 2, 2], block_type="bottleneck_block",
        use_pre_activation=False,
    )  # fmt: skip
    backbone = keras_hub.models.RetinaNetBackbone(
        image_encoder=encoder, min_level=3, max_level=7, use_p5=False
    )
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    converter = keras_hub.layers.RetinaNetImageConverter(
        image_size=(800, 800), pad_to_aspect_ratio=True, crop_to_aspect_ratio=False,
        scale=[1 / 255 / s for s in std], offset=[-m / s for m, s in zip(mean, std, strict=True)],
    )  # fmt: skip
    return keras_hub.models.RetinaNetObjectDetector(
        backbone=backbone, num_classes=91,
        preprocessor=keras_hub.models.RetinaNetObjectDetectorPreprocessor(converter),
    )  # fmt: skip


def pretrain(detector, *, steps: int = 120, batch_size: int = 32, learning_rate=2e-3, seed=1):
    """Train every layer of ``detector`` on generated scenes of ``PRETRAIN_SHAPES`` (all
    labelled class 0, "object"; one shape a scene): smoke mode's stand-in for COCO.

    Returns:
        the loss of each step (list of floats).

    Used by: common.detection.
    """
    import keras

    from common import data

    checks.positive_int("steps", steps)
    checks.positive_int("batch_size", batch_size)
    size = int(detector.backbone.image_shape[0])
    scenes = data.make_scenes(
        steps * batch_size, classes=PRETRAIN_SHAPES, size=size, objects=(1, 1),
        extent=SMOKE_EXTENT, seed=seed,
    )  # fmt: skip
    labels = np.where(scenes.labels >= 0, 0.0, -1.0).astype("float32")
    boxes = np.where(scenes.labels[..., None] >= 0, scenes.boxes * size, -1.0).astype("float32")
    images = scenes.images.astype("float32")
    step = make_train_step(
        detector, keras.optimizers.Adam(learning_rate), detector.trainable_variables
    )
    losses = []
    for i in range(steps):
        batch = slice(i * batch_size, (i + 1) * batch_size)
        loss = step(images[batch], {"boxes": boxes[batch], "labels": labels[batch]})
        losses.append(float(loss))
    return losses


def _pretrained(detector, image_size: int, steps: int) -> list[float]:
    """:func:`pretrain` ``detector`` once; later calls load the weights (``common.cache``,
    as full mode's download is cached). Returns the pretraining losses.

    The cache entry is named after the code (this module, the scene generator and
    ``SMOKE_EXTENT``'s ``data/photos.py``), the versions and a hash of ``detector``'s
    initial weights, which the caller's random state decides: a call finds the weights it
    would have trained itself, whichever notebook ran first. Loading draws no random
    numbers and neither does pretraining, so what follows sees the same draws either way."""
    import hashlib
    import json

    import keras

    initial = hashlib.sha1(b"".join(w.numpy().tobytes() for w in detector.weights))

    def make(scratch):
        losses = pretrain(detector, steps=steps)
        detector.save_weights(scratch / "detector.weights.h5")
        (scratch / "losses.json").write_text(json.dumps(losses))

    keras_hub = _keras_hub()
    stamp = cache.fingerprint(
        "detection.py", "data/generate.py", "data/photos.py",
        extra=f"keras {keras.__version__} keras-hub {keras_hub.__version__}",
    )  # fmt: skip
    name = f"{image_size}px-{steps}steps-{stamp}-{initial.hexdigest()[:12]}"
    folder = cache.build_once(cache.root() / "coco_standin" / name, make)
    detector.load_weights(folder / "detector.weights.h5")
    return json.loads((folder / "losses.json").read_text())


def few_shot_detector(source, num_classes: int = 1):
    """The few-shot detector: a new RetinaNet of ``source``'s architecture for ``num_classes``
    classes, into which ``source``'s backbone, box head and class-head tower are restored
    from a checkpoint of ``source``; backbone frozen, class logits re-initialised.

    The course's partial restore in keras-hub terms: ``source`` is saved with
    ``tf.train.Checkpoint(model=source)``, and ``tf.train.Checkpoint`` objects that mirror
    only the parts to keep (:func:`_all_but_class_logits`) are restored from it with
    ``expect_partial()``; both models are first made :func:`checkpointable`. The tested twin
    of C3 W2 Lab 3's restore and of the zombie assignment's exercises 6.1-6.3.

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    import tensorflow as tf

    keras_hub = _keras_hub()
    checks.positive_int("num_classes", num_classes)
    if not isinstance(source, keras_hub.models.RetinaNetObjectDetector):
        raise TypeError(f"source must be a RetinaNetObjectDetector, got {type(source).__name__}")
    detector = keras_hub.models.RetinaNetObjectDetector.from_config(
        {**source.get_config(), "num_classes": num_classes}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = tf.train.Checkpoint(model=checkpointable(source)).save(f"{folder}/ckpt")
        parts = tf.train.Checkpoint(model=_all_but_class_logits(checkpointable(detector)))
        parts.restore(path).expect_partial().assert_existing_objects_matched()
    reinit_layer(detector.classification_head.prediction_layer, prior=CLASS_PRIOR)
    detector.backbone.trainable = False  # also runs its batch norms in inference mode
    detector.compile()
    return pre_nms_top_k(detector, getattr(source.prediction_decoder, "top_k", PRE_NMS_TOP_K))


def _all_but_class_logits(detector):
    """A ``tf.train.Checkpoint`` of ``detector``'s parts under the names they have in a
    checkpoint of the whole model: ``backbone``, ``box_head`` (tower and prediction layer)
    and ``classification_head``'s tower, not its ``prediction_layer``."""
    import tensorflow as tf

    def tower(head):  # Keras' own list type is no Trackable: plain lists
        return {
            "conv_layers": list(head.conv_layers),
            "group_norm_layers": list(head.group_norm_layers),
        }

    box_head = detector.box_head
    return tf.train.Checkpoint(
        backbone=detector.backbone,
        box_head=tf.train.Checkpoint(**tower(box_head), prediction_layer=box_head.prediction_layer),
        classification_head=tf.train.Checkpoint(**tower(detector.classification_head)),
    )


def checkpointable(model):
    """Make every weight of the Keras 3 ``model`` reachable by ``tf.train.Checkpoint``, and
    return ``model`` (changed in place; calling it again changes nothing).

    Keras 3 keeps the sublayers that a layer holds in lists and dicts (a RetinaNet head's
    tower ``conv_layers``, the feature pyramid's ``lateral_conv_layers``) in its own
    container types, which TensorFlow's object tracking does not follow (it wraps plain
    ``list`` and ``dict`` only). A checkpoint of a keras-hub RetinaNet then leaves those
    weights out without a word: 32 of the COCO preset's 301, 4 of smoke mode's 38 (Keras 3.13
    and 3.15; keras-team/keras#18398 was closed by a fix for SavedModel export only). This
    registers each such collection as a checkpoint dependency of its layer, under its
    attribute name, so that ``model/box_head/conv_layers/0/...`` is saved and restored.
    Used before the partial restore of the zombie assignment (C3 W2) and by
    :func:`few_shot_detector`.

    Used by: C3_W2_Assignment_zombie_detection.
    """
    import keras
    import tensorflow as tf

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"model must be a Keras model or layer, got {type(model).__name__}")
    trackable = tf.__internal__.tracking.Trackable
    for layer in model._flatten_layers(include_self=True):
        for name in getattr(layer, "_tracked", ()):
            value = getattr(layer, name, None)
            if isinstance(value, dict):
                plain, items = dict(value), list(value.values())
            elif isinstance(value, (list, tuple)):
                plain = items = list(value)
            else:
                continue
            if any(isinstance(item, trackable) for item in items):
                wrapped = tf.__internal__.tracking.wrap(plain)
                layer._track_trackable(wrapped, name=name, overwrite=True)
    return model


def checkpoint_keys(trackable, prefix: str = "") -> dict:
    """What ``tf.train.Checkpoint`` would save of ``trackable``: ``{key: path of the Keras
    variable saved under it}``, keyed as in the checkpoint file by the attribute names from
    ``trackable`` down (``{"model/box_head/prediction_layer/_kernel":
    "box_head/logits_layer/kernel", ...}`` for ``tf.train.Checkpoint(model=detector)``; the
    file adds ``/.ATTRIBUTES/VARIABLE_VALUE``). Only keys that start with ``prefix`` are
    kept, with the prefix cut off. Used by the zombie assignment's checks (C3 W2).

    Raises:
        TypeError: ``trackable`` is not a TensorFlow ``Trackable`` (a model, a layer, a
            ``tf.train.Checkpoint``).

    Used by: C3_W2_Assignment_zombie_detection.
    """
    keys = _checkpoint_variables(trackable)
    return {key[len(prefix) :]: v.path for key, v in keys.items() if key.startswith(prefix)}


def unsaved_weights(model) -> list:
    """The paths of ``model``'s weights that ``tf.train.Checkpoint(model=model)`` would leave
    out: before :func:`checkpointable`, those of the sublayers Keras 3 holds in lists and
    dicts. Shown in the zombie assignment (C3 W2).

    Used by: C3_W2_Assignment_zombie_detection.
    """
    saved = {id(v) for v in _checkpoint_variables(model).values()}
    return [w.path for w in model.weights if id(w) not in saved]


def _checkpoint_variables(trackable) -> dict:
    """``{key in a checkpoint of trackable: Keras variable}``, breadth first as TensorFlow's
    saver walks the object graph (a variable reached twice keeps its first key)."""
    import keras
    import tensorflow as tf

    if not isinstance(trackable, tf.__internal__.tracking.Trackable):
        raise TypeError(f"trackable must be a Trackable, got {type(trackable).__name__}")
    keys, queue, seen = {}, [("", trackable)], {id(trackable)}
    while queue:
        path, node = queue.pop(0)
        for name, child in tf.train.TrackableView.children(node).items():
            if id(child) in seen:
                continue
            seen.add(id(child))
            key = path + name.replace(".", "..").replace("/", ".S")  # the file's escaping
            if isinstance(child, keras.Variable):
                keys[key] = child
            else:
                queue.append((key + "/", child))
    return keys


def head_variables(detector) -> list:
    """The variables the course fine-tunes: the box and class *prediction* layers (the last
    convolution of each head; the towers before them stay as restored).

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    return [
        *detector.box_head.prediction_layer.trainable_variables,
        *detector.classification_head.prediction_layer.trainable_variables,
    ]


# --------------------------------------------------------------------------- training


def prepare(images, boxes, size: int, *, class_id: int = 0):
    """Images and their boxes in the detector's format.

    Args:
        images: N images ``(H_i, W_i, 3)`` (a list; sizes may differ) or an array.
        boxes: ``(N, 4)`` normalised ``yxyx``, one box per image.
        size: side of the square input, pixels (images are resized, not cropped, so the
            normalised boxes stay valid).
        class_id: the class of every box, counted from 0.

    Returns:
        ``(x, y)``: float32 ``(N, size, size, 3)`` pixel values in [0, 255], and
        ``{"boxes": float32 (N, 1, 4) pixel yxyx, "labels": float32 (N, 1)}``.

    Used by: C3_W2_Lab_3_few_shot_detection.
    """
    from common.boxes import to_pixels, validate

    images = checks.image_list(images)
    checks.positive_int("size", size, minimum=16)
    checks.positive_int("class_id", class_id, minimum=0)
    b = validate(boxes)
    if len(b) != len(images):
        raise ValueError(f"boxes has {len(b)} rows for {len(images)} images (one box each)")
    if b.min() < 0 or b.max() > 1:
        raise ValueError("boxes must be normalised to [0, 1] ([ymin, xmin, ymax, xmax])")
    x = resize_images(images, size)
    pixel = to_pixels(b, size, size).astype("float32")[:, None, :]
    return x, {"boxes": pixel, "labels": np.full((len(b), 1), class_id, "float32")}


def resize_images(images, size: int) -> np.ndarray:
    """N images ``(H_i, W_i)`` or ``(H_i, W_i, 1 or 3)`` -> float32 ``(N, size, size, 3)``
    pixel values (bilinear resize to the square, aspect ratio not kept, as the course's
    640×640 resizer does; grey images repeated to RGB).

    Used by: C3_W2_Assignment_zombie_detection.
    """
    import tensorflow as tf

    images = checks.image_list(images)
    checks.positive_int("size", size, minimum=16)
    out = np.stack([
        tf.image.resize(np.atleast_3d(i).astype("float32"), (size, size)).numpy()
        for i in images
    ])  # fmt: skip
    return np.repeat(out, 3, axis=-1) if out.shape[-1] == 1 else out[..., :3]


def detection_loss(detector, images, targets, *, training: bool = False):
    """The detector's loss on a batch: focal loss on the class logits plus Huber loss on
    the box deltas of the anchors matched to ``targets`` (keras-hub's ``compute_loss``).
    ``images`` are raw pixels, preprocessed here with ``detector.preprocessor``.

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    x = _preprocess(detector, images)
    y_pred = detector(x, training=training)
    return detector.compute_loss(x=x, y=targets, y_pred=y_pred, sample_weight=None)


def make_train_step(detector, optimizer, variables):
    """A ``tf.function`` ``train_step(images, targets) -> loss`` that updates only
    ``variables`` (the loss is the one before the update).

    Used by: common.detection.
    """
    import tensorflow as tf

    variables = list(variables)
    if not variables:
        raise ValueError("variables must hold at least one variable to train")

    @tf.function
    def train_step(images, targets):
        with tf.GradientTape() as tape:
            loss = detection_loss(detector, images, targets, training=True)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    return train_step


def _preprocess(detector, images):
    return images if detector.preprocessor is None else detector.preprocessor(images)


# --------------------------------------------------------------------------- detecting


def detect(detector, images) -> dict:
    """Detections on float32 ``(N, H, W, 3)`` raw-pixel images (e.g. ``prepare``'s ``x``).

    Returns:
        ``{"boxes": (N, K, 4) normalised yxyx, "scores": (N, K), "classes": (N, K) int,
        "num_detections": (N,)}``, best score first; rows past ``num_detections`` hold
        zero boxes, score 0 and class -1 (K = the decoder's ``max_detections``).

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    x = _preprocess(detector, np.asarray(images, "float32"))
    out = detector.decode_predictions(detector(x, training=False), x)
    h, w = (int(d) for d in x.shape[1:3])
    num = np.asarray(out["num_detections"]).astype(int)
    valid = np.arange(np.asarray(out["confidence"]).shape[1])[None, :] < num[:, None]
    boxes = np.clip(np.asarray(out["boxes"], "float32") / np.array([h, w, h, w]), 0, 1)
    return {
        "boxes": np.where(valid[..., None], boxes, 0.0).astype("float32"),
        "scores": np.where(valid, np.asarray(out["confidence"]), 0.0).astype("float32"),
        "classes": np.where(valid, np.asarray(out["labels"]), -1).astype(int),
        "num_detections": num,
    }


def top_detection_iou(detections: dict, true_boxes) -> np.ndarray:
    """IoU of each image's best-scoring detection with its true box ``(N, 4)`` normalised
    ``yxyx``; 0 for an image without detections. Returns float64 ``(N,)``.

    Used by: C3_W2_Assignment_zombie_detection and C3_W2_Lab_3_few_shot_detection.
    """
    from common.boxes import iou, validate

    truth = validate(true_boxes, "true_boxes")
    if len(truth) != len(detections["num_detections"]):
        raise ValueError(
            f"true_boxes has {len(truth)} rows for {len(detections['num_detections'])} images"
        )
    return np.array([
        iou(detections["boxes"][i, 0], truth[i])[0, 0] if n > 0 else 0.0
        for i, n in enumerate(detections["num_detections"])
    ])  # fmt: skip


# --------------------------------------------------------------------------- checks


def _keras_hub():
    """``import keras_hub`` without tqdm's "IProgress not found" warning (kagglehub imports
    ``tqdm.auto``, which warns in notebooks without ipywidgets)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import keras_hub
    return keras_hub
