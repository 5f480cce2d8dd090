"""TF Hub models behind one call: the online model in full mode, a local stand-in in smoke.

(Named ``hub_models``, not ``hub``, so that it never shadows the course's
``import tensorflow_hub as hub``.)

``resolve(handle, smoke=build)`` returns ``(model, description)``. In full mode it loads
``handle`` with ``tensorflow_hub.load`` through :func:`common.sources.hub_model` (a
SavedModel; ``hub.KerasLayer`` cannot go into a Keras 3 model, so the notebooks call the
loaded object directly). A handle that is a local folder, or one already in the TF Hub
cache, loads offline; otherwise, without a network, it fails within seconds with what to
do instead of retrying. In smoke mode, and as the dry run's fake, it calls ``smoke()``,
which builds a small local model with the same signatures, and never touches the network.
The description says which one ran, for the notebook to print.

The rest reads what hub detectors return: :func:`unpack` (either family's output dict as
NumPy arrays), :func:`reframe_masks` (Mask R-CNN's box-relative masks pasted into the
image) and :data:`COCO_LABELS` (the COCO detectors' class ids).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import common.boxes
from common import checks, env, sources

# The label map of the COCO hub detectors: COCO 2017 category ids (1-90, 80 in use) -> names.
COCO_LABELS = {
    1: "person", 2: "bicycle", 3: "car", 4: "motorcycle", 5: "airplane", 6: "bus", 7: "train",
    8: "truck", 9: "boat", 10: "traffic light", 11: "fire hydrant", 13: "stop sign",
    14: "parking meter", 15: "bench", 16: "bird", 17: "cat", 18: "dog", 19: "horse", 20: "sheep",
    21: "cow", 22: "elephant", 23: "bear", 24: "zebra", 25: "giraffe", 27: "backpack",
    28: "umbrella", 31: "handbag", 32: "tie", 33: "suitcase", 34: "frisbee", 35: "skis",
    36: "snowboard", 37: "sports ball", 38: "kite", 39: "baseball bat", 40: "baseball glove",
    41: "skateboard", 42: "surfboard", 43: "tennis racket", 44: "bottle", 46: "wine glass",
    47: "cup", 48: "fork", 49: "knife", 50: "spoon", 51: "bowl", 52: "banana", 53: "apple",
    54: "sandwich", 55: "orange", 56: "broccoli", 57: "carrot", 58: "hot dog", 59: "pizza",
    60: "donut", 61: "cake", 62: "chair", 63: "couch", 64: "potted plant", 65: "bed",
    67: "dining table", 70: "toilet", 72: "tv", 73: "laptop", 74: "mouse", 75: "remote",
    76: "keyboard", 77: "cell phone", 78: "microwave", 79: "oven", 80: "toaster", 81: "sink",
    82: "refrigerator", 84: "book", 85: "clock", 86: "vase", 87: "scissors", 88: "teddy bear",
    89: "hair drier", 90: "toothbrush",
}  # fmt: skip


def resolve(handle: str, *, smoke: Callable[[], object]):
    """Load TF Hub model ``handle`` in full mode, or build its stand-in in smoke mode.

    Used by: C3_W2_Lab_1_simple_object_detection, C3_W2_Lab_2_detection_visualisation and 1 more.

    Args:
        handle: a TF Hub / Kaggle Models URL (``https://tfhub.dev/...``) or a local
            SavedModel folder.
        smoke: a function of no arguments returning the smoke-mode stand-in (a model
            with the same call signature and outputs as the hub model); the dry run's
            fake too.

    Returns:
        ``(model, description)``: the loaded object and one line saying which ran.

    Raises:
        RuntimeError: in full mode, when the handle is neither local nor cached and the
            network is unreachable (raised within seconds).
    """
    if not isinstance(handle, str) or not handle:
        raise ValueError(f"handle must be a non-empty string, got {handle!r}")
    if not callable(smoke):
        raise TypeError(f"smoke must be a function building the stand-in, got {smoke!r}")
    if env.is_smoke():
        return smoke(), f"smoke mode: a local stand-in for {handle} (same outputs, no network)"
    return sources.hub_model(handle, fake=smoke)


def reframe_masks(box_masks, boxes, height, width) -> np.ndarray:
    """Paste box-relative masks back into the image (Mask R-CNN's ``detection_masks``).

    Taught in: C3_W3_Lab_3_mask_rcnn (checked against this there).

    The NumPy-returning twin of the Object Detection API's
    ``reframe_box_masks_to_image_masks``, which the course uses: each ``h × w`` mask is
    stretched over its box with ``tf.image.crop_and_resize`` (bilinear, corners aligned,
    as the model cropped it) and is 0 outside the box.

    Args:
        box_masks: ``(N, h, w)`` floats (probabilities), one per box.
        boxes: ``(N, 4)`` normalised ``[ymin, xmin, ymax, xmax]``.
        height, width: the image size in pixels, positive ints.

    Returns:
        float32 ``(N, height, width)``; threshold it (``> 0.5``) for binary masks.
    """
    import tensorflow as tf

    masks = np.asarray(box_masks, np.float32)
    if masks.ndim != 3:
        raise ValueError(f"box_masks must have shape (N, h, w), got {masks.shape}")
    b = common.boxes.validate(boxes, "boxes") if len(np.asarray(boxes)) else np.zeros((0, 4))
    if len(b) != len(masks):
        raise ValueError(f"boxes has {len(b)} rows for {len(masks)} box_masks")
    height, width = checks.positive_int("height", height), checks.positive_int("width", width)
    if not len(masks):
        return np.zeros((0, int(height), int(width)), np.float32)
    h = np.maximum(b[:, 2] - b[:, 0], 1e-4)
    w = np.maximum(b[:, 3] - b[:, 1], 1e-4)
    image_in_box = np.stack(  # the image's corners in the box's normalised frame
        [-b[:, 0] / h, -b[:, 1] / w, (1 - b[:, 0]) / h, (1 - b[:, 1]) / w], axis=1
    )
    out = tf.image.crop_and_resize(
        masks[..., None], image_in_box.astype(np.float32), np.arange(len(masks), dtype=np.int32),
        [int(height), int(width)], extrapolation_value=0.0,
    )  # fmt: skip
    return out.numpy()[..., 0]


def unpack(result, label_map=None) -> dict:
    """A hub detector's output dict (one image) as NumPy arrays, padding removed.

    Used by: C3_W2_Lab_1_simple_object_detection, C3_W2_Lab_2_detection_visualisation and 1 more.

    Reads both families of TF Hub detectors: the TF2 Object Detection API models
    (batched ``detection_boxes``, ``detection_classes`` ids to look up in ``label_map``,
    ``detection_scores``, ``num_detections``, optional ``detection_masks``) and the Open
    Images Faster R-CNN (unbatched, ``detection_class_entities`` names and
    ``detection_class_labels`` ids).

    Args:
        result: the dict the model returned (tensors or arrays).
        label_map: ``{class id: name}`` (e.g. :data:`COCO_LABELS`, :data:`common.standins.SCENE_LABELS`);
            unknown ids are shown as numbers. Not needed when the result holds names.

    Returns:
        dict ``boxes`` float32 ``(n, 4)`` normalised ``yxyx``, ``classes`` int64 ``(n,)``,
        ``names`` list of ``n`` str, ``scores`` float32 ``(n,)`` (as the model ordered
        them: best first), and ``masks`` ``(n, h, w)`` when the model returned masks.
    """
    if not hasattr(result, "keys"):
        raise ValueError(f"result must be the detector's output dict, got {type(result)}")
    if label_map is not None and not hasattr(label_map, "get"):
        raise ValueError(f"label_map must be a dict of id -> name, got {type(label_map)}")
    missing = {"detection_boxes", "detection_scores"} - set(result.keys())
    if missing:
        raise ValueError(f"result lacks {sorted(missing)}: not a detector's output")
    r = {k: np.asarray(v) for k, v in result.items()}
    batched = r["detection_boxes"].ndim == 3
    if batched:
        if r["detection_boxes"].shape[0] != 1:
            raise ValueError("result holds a batch of several images: unpack one at a time")
        r = {k: v[0] for k, v in r.items()}
    if r["detection_boxes"].ndim != 2 or r["detection_boxes"].shape[1] != 4:
        raise ValueError(f"detection_boxes must be (N, 4), got {r['detection_boxes'].shape}")
    n = int(r["num_detections"]) if "num_detections" in r else len(r["detection_boxes"])
    out = {
        "boxes": r["detection_boxes"][:n].astype(np.float32),
        "scores": r["detection_scores"][:n].astype(np.float32),
    }
    if "detection_class_entities" in r:
        out["names"] = [
            v.decode("utf-8") if isinstance(v, bytes) else str(v)
            for v in r["detection_class_entities"][:n]
        ]
        out["classes"] = r.get("detection_class_labels", np.full(n, -1))[:n].astype(np.int64)
    elif "detection_classes" in r:
        out["classes"] = np.rint(r["detection_classes"][:n]).astype(np.int64)
        labels = label_map or {}
        out["names"] = [labels.get(int(c), str(int(c))) for c in out["classes"]]
    else:
        raise ValueError("result has neither detection_classes nor detection_class_entities")
    if "detection_masks" in r:
        out["masks"] = r["detection_masks"][:n].astype(np.float32)
    return out
