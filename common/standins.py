"""Local stand-ins for the TF Hub detectors of Course 3 (what smoke mode and the dry run use).

In full mode the detection labs load TF Hub models (Faster R-CNN, SSD, Mask R-CNN). In
smoke mode there is no network, so :func:`detector` builds a small single-shot detector,
trains it for a few seconds on :func:`common.data.make_scenes` shapes, exports it with
``tf.saved_model.save`` and loads it back with ``tf.saved_model.load``: the notebook then
calls a SavedModel with the hub models' inputs and outputs, and the same inference and
drawing code runs in both modes::

    model, text = common.hub_models.resolve(HANDLE, smoke=standins.detector)

The SavedModel has two entry points, one per family of hub detectors:

* ``model(images)`` (also ``model.signatures["serving_default"]``), as the TF2 Object
  Detection API models (``tensorflow/ssd_mobilenet_v2/2``, ``tensorflow/faster_rcnn/...``,
  ``tensorflow/mask_rcnn/...``): a uint8 batch ``[1, H, W, 3]`` in, a dict of float32
  tensors out: ``detection_boxes`` ``[1, N, 4]`` (normalised ``[ymin, xmin, ymax, xmax]``),
  ``detection_classes`` ``[1, N]`` (1-based class ids, as floats: look them up in
  :data:`SCENE_LABELS`, as the hub models' in :data:`common.hub_models.COCO_LABELS`), ``detection_scores``
  ``[1, N]`` (best first), ``num_detections`` ``[1]``; with ``masks=True`` also
  ``detection_masks`` ``[1, N, 33, 33]``: box-relative mask probabilities, which
  :func:`common.hub_models.reframe_masks` pastes back at image size, as in the Mask R-CNN model.
* ``model.signatures["default"]``, as ``google/faster_rcnn/openimages_v4/...``: a float32
  batch ``[1, H, W, 3]`` in ``[0, 1]`` in; unbatched ``detection_boxes`` ``[N, 4]``,
  ``detection_scores`` ``[N]``, ``detection_class_entities`` ``[N]`` (class names as
  strings), ``detection_class_names`` ``[N]`` (the same names; Open Images has ids
  there) and ``detection_class_labels`` ``[N]`` (int64 ids) out.

:func:`common.hub_models.unpack` turns either kind of result into NumPy arrays. Images of any size are
accepted (resized to the network's 64×64 inside). The trained export is kept by
:func:`common.cache.build_once` under ``cache_root()``, in a folder named after
:data:`VERSION` and a hash of the code that builds it, so several notebooks and test
workers share one build.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common import boxes, cache

_VARIANCES = (0.1, 0.1, 0.2, 0.2)  # common.boxes.encode's defaults

VERSION = "1"  # bump to force a rebuild (code changes in the hashed files rebuild anyway)
SIZE = 64  # side of the network's input, pixels
CLASSES = ("circle", "square", "triangle")  # the shapes the stand-in detects
SCENE_LABELS = {i + 1: name for i, name in enumerate(CLASSES)}  # 1-based, like hub ids
GRID = 8  # anchor grid (stride 8 at 64×64)
SCALES = (0.24, 0.34)  # anchor sides as fractions of the image (objects: 0.2-0.4)
MAX_DETECTIONS = 20  # N, the fixed number of detection slots (hub models: 100)
MASK_SIZE = 33  # side of the box-relative masks (as Mask R-CNN's)
TRAIN_SCENES = 800  # training set of the stand-in
EPOCHS = 5
BATCH = 16
WIDTH = 16  # filters of the first layers


def cache_root() -> Path:
    """Folder of the cached stand-ins: ``standins`` in :func:`common.cache.root`."""
    return cache.root() / "standins"


def anchor_boxes() -> np.ndarray:
    """The stand-in's anchors: ``(GRID * GRID * len(SCALES), 4)`` normalised ``yxyx``."""
    return boxes.anchors(GRID, scales=SCALES)


def targets(scene_boxes, scene_labels, anchors, *, pos_iou: float = 0.5, neg_iou: float = 0.4):
    """Training targets of a single-shot detector (SSD matching).

    Each object gets its best anchor, and every anchor overlapping an object by
    ``IoU >= pos_iou``; anchors below ``neg_iou`` with every object are background; the
    rest are ignored.

    Args:
        scene_boxes: float ``(n, K, 4)`` normalised ``yxyx`` (as ``make_scenes`` returns).
        scene_labels: int ``(n, K)`` 0-based classes, ``-1`` for padding.
        anchors: ``(A, 4)`` normalised ``yxyx``.

    Returns:
        ``classes`` int32 ``(n, A)`` (0 background, ``1 + label`` object, -1 ignored) and
        ``deltas`` float32 ``(n, A, 4)`` (:func:`common.boxes.encode` of the matched object
        for positive anchors, 0 elsewhere).
    """
    scene_boxes = np.asarray(scene_boxes, np.float64)
    scene_labels = np.asarray(scene_labels)
    anchors = boxes.validate(anchors, "anchors")
    if scene_boxes.ndim != 3 or scene_boxes.shape[2] != 4:
        raise ValueError(f"scene_boxes must have shape (n, K, 4), got {scene_boxes.shape}")
    if scene_labels.shape != scene_boxes.shape[:2]:
        raise ValueError(
            f"scene_labels must have shape {scene_boxes.shape[:2]}, got {scene_labels.shape}"
        )
    if not 0 <= neg_iou <= pos_iou <= 1:
        raise ValueError(f"need 0 <= neg_iou <= pos_iou <= 1, got {neg_iou}, {pos_iou}")
    n, a = len(scene_boxes), len(anchors)
    classes = np.zeros((n, a), np.int32)
    deltas = np.zeros((n, a, 4), np.float32)
    for i in range(n):
        keep = scene_labels[i] >= 0
        gt, lab = scene_boxes[i][keep], scene_labels[i][keep]
        if not len(gt):
            continue
        overlap = boxes.iou(gt, anchors)  # (G, A)
        best_gt, best = overlap.argmax(0), overlap.max(0)
        positive = best >= pos_iou
        classes[i][(best >= neg_iou) & ~positive] = -1
        forced = overlap.argmax(1)  # every object keeps its best anchor
        best_gt[forced] = np.arange(len(gt))
        positive[forced] = True
        classes[i][positive] = lab[best_gt[positive]] + 1
        deltas[i][positive] = boxes.encode(gt[best_gt[positive]], anchors[positive])
    return classes, deltas


def build_network(n_classes: int = len(CLASSES), anchors_per_cell: int = len(SCALES)):
    """The stand-in's Keras network (random init, seeded): ``(64, 64, 3)`` floats in [0, 1]
    -> dict of ``class_logits`` ``(A, n_classes + 1)`` (0 = background), ``box_deltas``
    ``(A, 4)`` and ``mask_logits`` ``(64, 64, 1)`` (object vs background, per pixel)."""
    import keras
    from keras import layers

    seeds = iter(range(100))

    def conv(x, filters, kernel=3, strides=1, *, bn=True, layer=layers.Conv2D, bias="zeros"):
        x = layer(
            filters,
            kernel,
            strides=strides,
            padding="same",
            use_bias=not bn,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            bias_initializer=bias,
        )(x)
        return layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x)) if bn else x

    k = n_classes + 1
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = conv(inputs, WIDTH, 4, 4)  # 16×16: one cell per 4×4 patch
    fine = conv(x, WIDTH)
    x = conv(fine, 2 * WIDTH, 3, 2)  # 8×8: the anchor grid
    coarse = conv(x, 2 * WIDTH)
    prior = np.tile([np.log(99.0 * n_classes)] + [0.0] * n_classes, anchors_per_cell)
    logits = conv(coarse, anchors_per_cell * k, bn=False, bias=keras.initializers.Constant(prior))
    deltas = conv(coarse, anchors_per_cell * 4, bn=False)
    m = layers.Concatenate()([layers.UpSampling2D(2)(coarse), fine])
    m = conv(m, 8, 4, 4, layer=layers.Conv2DTranspose)  # back to 64×64
    outputs = {
        "class_logits": layers.Reshape((-1, k), name="class_logits")(logits),
        "box_deltas": layers.Reshape((-1, 4), name="box_deltas")(deltas),
        "mask_logits": layers.Identity(name="mask_logits")(conv(m, 1, 1, bn=False)),
    }
    return keras.Model(inputs, outputs, name="scene_detector")


def ssd_loss(y_true, y_pred):
    """Per-scene loss ``(batch,)``: softmax cross-entropy of the anchors' classes (ignored
    anchors skipped) + Huber loss of the positive anchors' box deltas, both divided by the
    number of positive anchors, + mean per-pixel binary cross-entropy of the mask.

    ``y_true``: dict ``classes`` ``(b, A)``, ``deltas`` ``(b, A, 4)``, ``foreground``
    ``(b, 64, 64, 1)`` (1 on objects); ``y_pred``: the network's dict."""
    import keras
    from keras import ops

    from common import losses

    cls = ops.cast(y_true["classes"], "int32")
    positive = ops.cast(cls > 0, "float32")
    valid = ops.cast(cls >= 0, "float32")
    n_pos = ops.maximum(ops.sum(positive, axis=1), 1.0)
    ce = keras.losses.sparse_categorical_crossentropy(
        ops.maximum(cls, 0), y_pred["class_logits"], from_logits=True
    )
    box = ops.sum(losses.huber_loss(1.0)(y_true["deltas"], y_pred["box_deltas"]), axis=-1)
    pixel = keras.losses.binary_crossentropy(
        y_true["foreground"], y_pred["mask_logits"], from_logits=True
    )
    return (
        ops.sum(ce * valid, axis=1) / n_pos
        + ops.sum(box * positive, axis=1) / n_pos
        + ops.mean(pixel, axis=(1, 2))
    )


def train(*, scenes: int = TRAIN_SCENES, epochs: int = EPOCHS, seed: int = 0, verbose: int = 0):
    """Train :func:`build_network` on ``scenes`` generated scenes (``make_scenes(seed=seed)``)
    with ``common.training.fit``: Adam at learning rate 0.01, batches of 16.

    Returns:
        ``(network, history)``.
    """
    import keras
    import tensorflow as tf

    from common import data, training

    s = data.make_scenes(scenes, classes=CLASSES, size=SIZE, seed=seed)
    classes, deltas = targets(s.boxes, s.labels, anchor_boxes())
    foreground = (s.label_maps() > 0).astype(np.float32)[..., None]
    y = {"classes": classes, "deltas": deltas, "foreground": foreground}
    ds = (
        tf.data.Dataset.from_tensor_slices((s.images, y))
        .shuffle(scenes, seed=seed)
        .map(lambda x, t: (tf.cast(x, tf.float32) / 255.0, t))
        .batch(BATCH)
    )
    net = build_network()
    history = training.fit(
        net,
        ds,
        epochs=epochs,
        optimizer=keras.optimizers.Adam(1e-2),
        loss=ssd_loss,
        steps_per_execution=10,
        verbose=verbose,
    )
    return net, history


def _decode(deltas, anchors):
    """The inverse of :func:`common.boxes.encode`, in TensorFlow (inside the SavedModel):
    ``(..., A, 4)`` deltas and ``(A, 4)`` anchors -> ``yxyx`` boxes."""
    import tensorflow as tf

    v = tf.constant(_VARIANCES, tf.float32)
    ah, aw = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    cy = deltas[..., 0] * v[0] * ah + anchors[:, 0] + ah / 2
    cx = deltas[..., 1] * v[1] * aw + anchors[:, 1] + aw / 2
    h = tf.exp(deltas[..., 2] * v[2]) * ah
    w = tf.exp(deltas[..., 3] * v[3]) * aw
    return tf.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=-1)


def _module(net, *, masks: bool):
    """The exportable ``tf.Module`` around a trained network (see the module docstring)."""
    import tensorflow as tf

    class SceneDetector(tf.Module):
        def __init__(self):
            super().__init__(name="scene_detector")
            self.net = net
            self.anchors = tf.constant(anchor_boxes(), tf.float32)
            self.names = tf.constant(["background", *CLASSES])

        def _detect(self, images):
            """Float images ``[1, H, W, 3]`` in [0, 1] -> hub-style batched dict."""
            x = tf.image.resize(images, [SIZE, SIZE], antialias=True)
            out = self.net(x, training=False)
            probs = tf.nn.softmax(out["class_logits"])[:, :, 1:]  # (1, A, K)
            boxes = _decode(out["box_deltas"], self.anchors)  # (1, A, 4)
            nms = tf.image.combined_non_max_suppression(
                boxes[:, :, None, :], probs, MAX_DETECTIONS, MAX_DETECTIONS,
                iou_threshold=0.5, clip_boxes=True,
            )  # fmt: skip
            result = {
                "detection_boxes": nms.nmsed_boxes,
                "detection_classes": nms.nmsed_classes + 1.0,  # 1-based ids, as floats
                "detection_scores": nms.nmsed_scores,
                "num_detections": tf.cast(nms.valid_detections, tf.float32),
            }
            if masks:  # box-relative crops of the object probability, as Mask R-CNN's
                crops = tf.image.crop_and_resize(
                    tf.sigmoid(out["mask_logits"]), nms.nmsed_boxes[0],
                    tf.zeros([MAX_DETECTIONS], tf.int32), [MASK_SIZE, MASK_SIZE],
                )  # fmt: skip
                result["detection_masks"] = crops[None, ..., 0]
            return result

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.uint8)])
        def __call__(self, input_tensor):
            return self._detect(tf.cast(input_tensor, tf.float32) / 255.0)

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32)])
        def default(self, images):
            out = self._detect(images)
            n = tf.cast(out["num_detections"][0], tf.int32)
            labels = tf.cast(out["detection_classes"][0, :n], tf.int64)
            names = tf.gather(self.names, labels)
            return {
                "detection_boxes": out["detection_boxes"][0, :n],
                "detection_scores": out["detection_scores"][0, :n],
                "detection_class_entities": names,
                "detection_class_names": names,
                "detection_class_labels": labels,
            }

    return SceneDetector()


def export(net, folder) -> Path:
    """Save the trained ``net`` as two SavedModels under ``folder``: ``detector`` (SSD /
    Faster R-CNN outputs, plus the Open Images ``default`` signature) and ``mask_rcnn``
    (the same with ``detection_masks``). Returns ``folder``."""
    import tensorflow as tf

    folder = Path(folder)
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # not one "Assets written to ..." line per export
    try:
        for name, masks in (("detector", False), ("mask_rcnn", True)):
            module = _module(net, masks=masks)
            signatures = {"serving_default": module.__call__.get_concrete_function()}
            if not masks:
                signatures["default"] = module.default.get_concrete_function()
            tf.saved_model.save(module, str(folder / name), signatures=signatures)
    finally:
        logger.setLevel(level)
    return folder


def _fingerprint() -> str:
    """Hash of the code that makes the stand-in (this module, ``boxes``, ``training`` and
    the scene generator ``data/generate.py``), :data:`VERSION` and the TensorFlow version:
    the cache never serves a stale export."""
    return cache.fingerprint(
        "standins.py", "boxes.py", "training.py", "data/generate.py", extra=VERSION
    )


def build(root=None, *, verbose: int = 0) -> Path:
    """Train and export the stand-ins once; return the folder holding both SavedModels.

    The export lives in ``root / f"scene_detector_v{VERSION}-{fingerprint}"`` (``root``
    defaults to :func:`cache_root`; the fingerprint hashes the code that builds it), built
    by :func:`common.cache.build_once`: parallel builders (test workers, notebooks) never
    see half an export, and only the first one trains.
    """
    root = cache_root() if root is None else Path(root)

    def make(scratch: Path) -> None:
        net, _ = train(verbose=verbose)
        export(net, scratch)

    return cache.build_once(root / f"scene_detector_v{VERSION}-{_fingerprint()}", make)


def detector(*, masks: bool = False, root=None):
    """The smoke-mode stand-in of a TF Hub detector: the trained export, loaded with
    ``tf.saved_model.load`` (built on first use, see :func:`build`).

    Args:
        masks: ``True`` for the Mask R-CNN stand-in (adds ``detection_masks``).
        root: cache folder (default :func:`cache_root`).
    """
    import tensorflow as tf

    if not isinstance(masks, bool):
        raise ValueError(f"masks must be True or False, got {masks!r}")
    return tf.saved_model.load(str(build(root) / ("mask_rcnn" if masks else "detector")))
