"""Generated data: the course's Siamese pairs, shapes, multi-object scenes, M2NIST-style canvases and
pet-style trimaps. NumPy only and deterministic: the same ``seed`` gives the same arrays.
The smoke stand-ins (:mod:`common.data.smoke`) and the dry-run fakes
(:mod:`common.data.fakes`) are built from these.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from common import checks
from common.boxes import iou

SHAPE_NAMES = ("circle", "square", "triangle", "cross", "ring")  # what make_shapes draws
M2NIST_SHAPE = (64, 84)  # (height, width) of an M2NIST canvas


def create_pairs_on_set(images, labels, *, seed: int | None = None):
    """The course's Siamese pairs (C1 W1 Lab 3, where it is written out): for each class
    ``d`` and each ``i``, the pair (``i``-th, ``i+1``-th image of ``d``), similar, then
    (``i``-th of ``d``, ``i``-th of a random other class), dissimilar.

    Taught in: C1_W1_Lab_3_siamese_network (checked against this there).
    Used by: C1_W2_Lab_3_contrastive_loss.

    Args:
        images: ``(N, ...)`` array; labels: ints ``(N,)`` in ``0..9``, each class present.
        seed: seed of the other classes' draws; ``None`` draws from Python's global
            ``random`` (seeded by ``env.seed_everything``), as the course's code does.

    Returns:
        ``pairs`` ``(P, 2, ...)`` (``P = 20 * (min class count - 1)``) and ``similar``
        float32 ``(P,)``: 1, 0, 1, 0, ...
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")
    digit_indices = [np.where(labels == d)[0] for d in range(10)]
    n = min(len(ix) for ix in digit_indices) - 1
    if n < 1:
        raise ValueError("labels must hold each of the classes 0..9 at least twice")
    draw = random if seed is None else random.Random(seed)
    pairs, similar = [], []
    for d in range(10):
        for i in range(n):
            other = (d + draw.randrange(1, 10)) % 10
            pairs += [
                [images[digit_indices[d][i]], images[digit_indices[d][i + 1]]],
                [images[digit_indices[d][i]], images[digit_indices[other][i]]],
            ]
            similar += [1, 0]
    return np.array(pairs), np.array(similar, dtype="float32")


def make_shapes(n: int, *, shapes=("circle", "square"), size: int = 64, seed: int = 0):
    """Draw ``n`` images with one coloured shape each, its class and its bounding box.

    Used by: C3_W4_Assignment_cats_dogs_saliency, C3_W4_Lab_2_cats_dogs_cam and 2 more.

    Every image shows one filled shape of a random bright colour at a random position and
    scale (its extent is 25%-60% of the image side; the shapes' areas follow one common
    distribution) on a textured background of random muted colour (smooth waves plus pixel
    noise). Colours, textures and areas do not depend on the class, so only the form tells
    the classes apart. Classes are balanced (counts differ by at most one) and shuffled.
    NumPy only; the same ``seed`` gives the same arrays.

    Args:
        n: number of images, a positive int.
        shapes: the class names, a non-empty sequence of distinct names from
            :data:`SHAPE_NAMES` (``"circle"``, ``"square"``, ``"triangle"``, ``"cross"``,
            ``"ring"``); label ``i`` is ``shapes[i]``.
        size: image side in pixels, an int >= 16.
        seed: seed of NumPy's random generator.

    Returns:
        ``images`` uint8 ``(n, size, size, 3)``; ``labels`` int64 ``(n,)``, indices into
        ``shapes``; ``boxes`` float32 ``(n, 4)``: the tight box of the shape's pixels as
        ``[ymin, xmin, ymax, xmax]`` in fractions of the image side (pixel edges, so a
        shape covering rows 8..23 of a 64-px image has ``ymin=0.125, ymax=0.375``).
    """
    checks.positive_int("n", n, minimum=1)
    checks.positive_int("size", size, minimum=16)
    checks.positive_int("seed", seed, minimum=0)
    shapes = _check_shapes(shapes)
    n, size = int(n), int(size)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(shapes)).astype(np.int64)
    images = _textured_backgrounds(rng, n, size)

    grid = np.arange(size, dtype=np.float32) + 0.5  # pixel centres
    side = rng.uniform(0.25, 0.42, n) * size  # side of the square of the same area
    colours = 255 * _hsv_to_rgb(
        rng.uniform(0, 1, n), rng.uniform(0.45, 1.0, n), rng.uniform(0.8, 1.0, n)
    )
    masks = np.zeros((n, size, size), bool)
    boxes = np.zeros((n, 4), np.float32)
    for c, kind in enumerate(shapes):
        idx = np.flatnonzero(labels == c)
        half = (side[idx] / math.sqrt(_SHAPE_FILL[kind]) / 2).astype(np.float32)
        cy = rng.uniform(half, size - half).astype(np.float32)
        cx = rng.uniform(half, size - half).astype(np.float32)
        mask = _shape_masks(
            kind,
            grid[None, :, None] - cy[:, None, None],
            grid[None, None, :] - cx[:, None, None],
            half[:, None, None],
        )
        masks[idx] = mask
        rows, cols = mask.any(axis=2), mask.any(axis=1)
        boxes[idx, 0] = rows.argmax(axis=1)
        boxes[idx, 1] = cols.argmax(axis=1)
        boxes[idx, 2] = size - rows[:, ::-1].argmax(axis=1)
        boxes[idx, 3] = size - cols[:, ::-1].argmax(axis=1)
    paint = np.broadcast_to(colours[:, None, None, :].astype(np.float32), images.shape)
    np.copyto(images, paint, where=masks[..., None])
    noise = rng.random(images.shape, dtype=np.float32)  # uniform +-17: cheaper than normal
    noise -= 0.5 - 0.5 / 34.0  # +0.5 after scaling: the uint8 cast below then rounds
    noise *= 34.0
    images += noise
    np.clip(images, 0, 255.49, out=images)
    return images.astype(np.uint8), labels, boxes / size


@dataclass(frozen=True)
class Scenes:
    """Generated multi-object scenes (what :func:`make_scenes` returns).

    Used by: common.data.generate (what make_scenes returns).

    ``K`` is the largest number of objects per scene; slots past ``counts[i]`` are padding.

    Attributes:
        images: uint8 ``(n, size, size, 3)``.
        boxes: float32 ``(n, K, 4)``: each object's tight box (the whole shape, occluded
            parts included) as normalised ``[ymin, xmin, ymax, xmax]``; zeros for padding.
        labels: int64 ``(n, K)``: class indices into ``class_names``; ``-1`` for padding.
        masks: bool ``(n, K, size, size)``: each object's *visible* pixels (later objects
            are drawn over earlier ones); all False for padding.
        counts: int64 ``(n,)``: objects per scene.
        class_names: the names of the classes, label ``i`` is ``class_names[i]``.
    """

    images: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    counts: np.ndarray
    class_names: tuple[str, ...]

    def label_maps(self) -> np.ndarray:
        """int64 ``(n, size, size)`` semantic maps: 0 = background, ``1 + label`` = object."""
        n, k = self.labels.shape
        maps = np.zeros(self.masks.shape[:1] + self.masks.shape[2:], np.int64)
        for j in range(k):  # visible masks do not overlap, so the order does not matter
            maps[self.masks[:, j]] = np.repeat(self.labels[:, j] + 1, self.masks[:, j].sum((1, 2)))
        return maps


def make_scenes(
    n: int,
    *,
    classes=("circle", "square", "triangle"),
    size: int = 64,
    objects=(1, 3),
    extent=(0.2, 0.4),
    max_iou: float = 0.1,
    seed: int = 0,
) -> Scenes:
    """Draw ``n`` scenes of several shapes each, with boxes, classes and instance masks.

    Used by: common.data.photos, common.data.smoke, common.detection and 1 more.

    The stand-in for the detection, segmentation and instance-segmentation datasets. Each
    scene has a textured background (as in :func:`make_shapes`) and between ``objects[0]``
    and ``objects[1]`` filled shapes of random bright colours (colour does not depend on
    the class), each of extent ``extent`` (fractions of the image side), placed so that no
    two boxes overlap by more than ``max_iou``. NumPy only; the same ``seed`` gives the
    same scenes.

    Args:
        n: number of scenes, a positive int.
        classes: distinct names from :data:`SHAPE_NAMES`; label ``i`` is ``classes[i]``.
        size: image side in pixels, an int >= 16.
        objects: ``(min, max)`` objects per scene, ``1 <= min <= max <= 10``.
        extent: ``(min, max)`` extent of a shape as a fraction of the side, in (0, 1].
        max_iou: largest IoU allowed between two boxes of a scene, in [0, 1].
        seed: seed of NumPy's random generator.

    Returns:
        a :class:`Scenes` (images, boxes, labels, masks, counts, class_names).
    """
    checks.positive_int("n", n, minimum=1)
    checks.positive_int("size", size, minimum=16)
    checks.positive_int("seed", seed, minimum=0)
    classes = _check_shapes(classes)
    lo, hi = checks.number_pair("objects", objects, int)
    if lo < 1 or hi > 10:
        raise ValueError(f"objects must satisfy 1 <= min <= max <= 10, got {objects!r}")
    e_lo, e_hi = checks.number_pair("extent", extent, float)
    if e_lo <= 0 or e_hi > 1:
        raise ValueError(f"extent must lie in (0, 1], got {extent!r}")
    if not 0 <= max_iou <= 1:
        raise ValueError(f"max_iou must lie in [0, 1], got {max_iou!r}")
    n, size = int(n), int(size)
    rng = np.random.default_rng(seed)
    images = _textured_backgrounds(rng, n, size)
    counts = rng.integers(lo, hi + 1, n)
    boxes = np.zeros((n, hi, 4), np.float32)
    labels = np.full((n, hi), -1, np.int64)
    masks = np.zeros((n, hi, size, size), bool)
    grid = np.arange(size, dtype=np.float32) + 0.5
    for i in range(n):
        placed = []
        for j in range(counts[i]):
            for _attempt in range(50):  # rejection sampling of a position that fits
                label = int(rng.integers(len(classes)))
                half = rng.uniform(e_lo, e_hi) * size / 2
                cy, cx = rng.uniform(half, size - half, 2)
                mask = _shape_masks(
                    classes[label], grid[:, None] - cy, grid[None, :] - cx, np.float32(half)
                )
                rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
                box = np.array([rows[0], cols[0], rows[-1] + 1, cols[-1] + 1], np.float32)
                if not placed or iou(box, placed).max() <= max_iou:
                    break
            else:
                counts[i] = j  # no room left: fewer objects in this scene
                break
            placed.append(box)
            boxes[i, j], labels[i, j] = box / size, label
            masks[i, :j] &= ~mask  # the new shape hides what lies under it
            masks[i, j] = mask
            hue, sat, val = rng.uniform(0, 1), rng.uniform(0.45, 1), rng.uniform(0.8, 1)
            colour = 255 * _hsv_to_rgb(np.array([hue]), np.array([sat]), np.array([val]))[0]
            images[i][mask] = colour
    images += (rng.random(images.shape, dtype=np.float32) - 0.5 + 0.5 / 34.0) * 34.0
    np.clip(images, 0, 255.49, out=images)
    return Scenes(images.astype(np.uint8), boxes, labels, masks, counts.astype(np.int64), classes)


def _check_shapes(shapes):
    """The validated tuple of shape names (see :func:`make_shapes`)."""
    if isinstance(shapes, str):
        raise ValueError(f"shapes must be a sequence of shape names, not the string {shapes!r}")
    shapes = tuple(shapes)
    if not shapes:
        raise ValueError("shapes must name at least one shape")
    bad = [s for s in shapes if s not in SHAPE_NAMES]
    if bad:
        raise ValueError(f"shapes holds unknown name(s) {bad}; valid: {list(SHAPE_NAMES)}")
    if len(set(shapes)) != len(shapes):
        raise ValueError(f"shapes must not repeat a name, got {shapes}")
    return shapes


_SHAPE_FILL = {
    "circle": math.pi / 4,
    "square": 1.0,
    "triangle": 0.5,
    "cross": 5 / 9,
    "ring": math.pi / 4 * (1 - 0.55**2),
}


def _shape_masks(kind, dy, dx, half):
    """Boolean masks ``(m, S, S)`` of ``kind`` centred at offset 0, half-extent ``half``."""
    ady, adx = np.abs(dy), np.abs(dx)
    if kind == "circle":
        return dy**2 + dx**2 <= half**2
    if kind == "square":
        return (ady <= half) & (adx <= half)
    if kind == "triangle":  # apex up, base at the bottom
        return (ady <= half) & (adx <= (dy + half) / 2)
    if kind == "cross":  # a plus sign, bars one third of the extent thick
        bar = half / 3
        return ((adx <= half) & (ady <= bar)) | ((ady <= half) & (adx <= bar))
    if kind == "ring":
        d2 = dy**2 + dx**2
        return (d2 <= half**2) & (d2 > (0.55 * half) ** 2)
    raise AssertionError(kind)  # pragma: no cover - names are validated


def _textured_backgrounds(rng, n, size):
    """float32 ``(n, size, size, 3)``: muted random colour plus three smooth plane waves."""
    grid = np.arange(size, dtype=np.float64) + 0.5
    rows, cols = [], []
    for _ in range(3):  # sin(a*y + b*x + p) = sin(a*y + p) cos(b*x) + cos(a*y + p) sin(b*x)
        theta = rng.uniform(0, np.pi, (n, 1))
        freq = 2 * np.pi * rng.uniform(1.0, 6.0, (n, 1)) / size
        phase = rng.uniform(0, 2 * np.pi, (n, 1))
        amp = rng.uniform(6, 20, (n, 1))
        ay = freq * np.cos(theta) * grid + phase
        bx = freq * np.sin(theta) * grid
        rows += [np.sin(ay) * amp, np.cos(ay) * amp]
        cols += [np.cos(bx), np.sin(bx)]
    # (n, size, 6) @ (n, 6, size): all six outer products summed in one batched matmul
    texture = np.matmul(
        np.stack(rows, axis=2).astype(np.float32), np.stack(cols, axis=1).astype(np.float32)
    )
    base = (rng.uniform(0.08, 0.45, (n, 1, 1, 3)) * 255).astype(np.float32)
    tint = rng.uniform(0.5, 1.0, (n, 1, 1, 3)).astype(np.float32)
    return base + texture[..., None] * tint


def _hsv_to_rgb(h, s, v):
    """``(m, 3)`` RGB in [0, 1] from hue, saturation and value arrays ``(m,)``."""
    sector = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack(
        [
            np.stack([v, t, p], -1),
            np.stack([q, v, p], -1),
            np.stack([p, v, t], -1),
            np.stack([p, q, v], -1),
            np.stack([t, p, v], -1),
            np.stack([v, p, q], -1),
        ],
        axis=1,
    )
    return table[np.arange(len(h)), sector]


def make_m2nist(
    images,
    labels,
    n: int,
    *,
    seed: int = 0,
    digits=(1, 3),
    shape=M2NIST_SHAPE,
    threshold: int = 0,
):
    """Paste 1-3 digits side by side on black canvases, with M2NIST's label maps.

    Used by: C3_W3_Assignment_m2nist_segmentation.

    The M2NIST stand-in: each canvas gets a random number of digits in ``digits``, drawn at
    random from ``images``, placed left to right without overlapping (random gaps between
    them, a random height each). A pixel belongs to a digit's class where that digit's
    value is above ``threshold``, else to the background. NumPy only; the same ``seed``
    gives the same canvases.

    Args:
        images: uint8 digits ``(N, h, w)`` or ``(N, h, w, 1)`` (e.g. MNIST's 28×28).
        labels: ints ``(N,)`` in 0-9.
        n: number of canvases, a positive int.
        seed: seed of NumPy's random generator.
        digits: ``(min, max)`` digits per canvas, ``1 <= min <= max``.
        shape: canvas ``(height, width)``; ``max`` digits must fit side by side.
        threshold: a pixel brighter than this (0-254) is part of its digit.

    Returns:
        ``canvases`` uint8 ``(n, height, width, 1)`` (the digits' own pixel values) and
        ``segmented`` uint8 ``(n, height, width, 11)``, one-hot: channel ``d`` marks digit
        ``d``, channel 10 the background (M2NIST's ``segmented.npy`` layout).
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or not len(images):
        raise ValueError(f"images must have shape (N, h, w) or (N, h, w, 1), got {images.shape}")
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be ints of shape ({len(images)},), got {labels.shape}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels must lie in 0-9, got {labels.min()}..{labels.max()}")
    checks.positive_int("n", n, minimum=1)
    checks.positive_int("seed", seed, minimum=0)
    lo, hi = checks.number_pair("digits", digits, int)
    if lo < 1:
        raise ValueError(f"digits must satisfy 1 <= min <= max, got {digits!r}")
    h, w = images.shape[1:]
    try:
        height, width = (int(v) for v in shape)
    except (TypeError, ValueError):
        height = width = 0
    if height < h or width < hi * w:
        raise ValueError(
            f"shape must be (height, width) ints with height >= {h} and width >= {hi} x {w} "
            f"(digits side by side), got {shape!r}"
        )
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold < 255:
        raise ValueError(f"threshold must be an int in [0, 255), got {threshold!r}")
    rng = np.random.default_rng(seed)
    canvases = np.zeros((n, height, width), np.uint8)
    classes = np.full((n, height, width), 10, np.uint8)
    counts = rng.integers(lo, hi + 1, n)
    for i in range(n):
        k = counts[i]
        picks = rng.integers(0, len(images), k)
        cuts = np.sort(rng.integers(0, width - k * w + 1, k))  # left gaps, sorted
        xs = cuts + w * np.arange(k)
        ys = rng.integers(0, height - h + 1, k)
        for j in range(k):
            digit = images[picks[j]].astype(np.uint8)
            canvases[i, ys[j] : ys[j] + h, xs[j] : xs[j] + w] = digit
            patch = classes[i, ys[j] : ys[j] + h, xs[j] : xs[j] + w]
            patch[digit > threshold] = labels[picks[j]]
    segmented = (classes[..., None] == np.arange(11, dtype=np.uint8)).astype(np.uint8)
    return canvases[..., None], segmented


def trimap(masks, *, width: int = 1):
    """Oxford-IIIT-Pet-style trimaps of boolean object masks.

    Used by: common.data.smoke.

    Args:
        masks: bool ``(..., H, W)``.
        width: the outline band reaches ``width`` pixels into and out of the object
            (a 3×3 neighbourhood, ``width`` times), so it is about ``2 * width + 1`` wide.

    Returns:
        uint8 ``(..., H, W)``: 1 object, 2 background, 3 outline (the pets' values).
    """
    masks = np.asarray(masks, bool)
    if masks.ndim < 2:
        raise ValueError(f"masks must have shape (..., H, W), got {masks.shape}")
    checks.positive_int("width", width, minimum=1)
    grown, shrunk = masks.copy(), masks.copy()
    for _ in range(width):
        grown, shrunk = _neighbourhood(grown, np.logical_or), _neighbourhood(shrunk, np.logical_and)
    out = np.where(masks, 1, 2).astype(np.uint8)
    out[grown & ~shrunk] = 3
    return out


def _neighbourhood(masks, combine):
    """``combine`` (or / and) of each pixel's 3×3 neighbourhood: dilation / erosion."""
    padded = np.pad(masks, [(0, 0)] * (masks.ndim - 2) + [(1, 1), (1, 1)], mode="edge")
    h, w = masks.shape[-2:]
    out = masks.copy()
    for dy in range(3):
        for dx in range(3):
            out = combine(out, padded[..., dy : dy + h, dx : dx + w])
    return out
