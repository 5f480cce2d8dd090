"""Full-mode readers of the course's own files (the segmentation zips), given the local
path that :mod:`common.sources` downloaded and unpacked. Each takes ``(folder, split)``."""

from __future__ import annotations

import os

import numpy as np

from common import sources
from common.data.generate import M2NIST_SHAPE
from common.data.smoke import SMOKE_SEED


def read_m2nist(folder, split):
    """The course's M2NIST (``combined.npy`` canvases, ``segmented.npy`` one-hot maps),
    shuffled once with a fixed seed and cut 80% / 16% / 4% into train / validation / test.

    Returns:
        uint8 images ``(N, 64, 84, 1)`` and uint8 one-hot maps ``(N, 64, 84, 11)``.
    """
    combined = np.load(sources.find(folder, "combined.npy"), mmap_mode="r")
    segmented = np.load(sources.find(folder, "segmented.npy"), mmap_mode="r")
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


def read_camvid(folder, split):
    """The course's CamVid frames (``images_prepped_<split>``) and their label maps
    (``annotations_prepped_<split>``, class ids 0-11 in PNGs), paired by file name.

    Returns:
        a dataset of ``(uint8 image (H, W, 3), uint8 label map (H, W, 1))``.
    """
    import tensorflow as tf

    image_dir = sources.find(folder, f"images_prepped_{split}")
    label_dir = sources.find(folder, f"annotations_prepped_{split}")
    names = sorted(os.listdir(image_dir))
    if names != sorted(os.listdir(label_dir)):
        raise RuntimeError(f"{image_dir} and {label_dir} hold different file names")

    def read(image_path, label_path):
        image = tf.io.decode_image(tf.io.read_file(image_path), 3, expand_animations=False)
        label = tf.io.decode_image(tf.io.read_file(label_path), 1, expand_animations=False)
        return image, label

    paths = tf.data.Dataset.from_tensor_slices(
        ([str(image_dir / f) for f in names], [str(label_dir / f) for f in names])
    )
    return paths.map(read)


def pair(first: str, second: str):
    """A reader of tfds examples: ``read(dataset)`` maps each example to
    ``(example[first], example[second])``, e.g. ``pair("image", "bbox")``."""

    def read(dataset):
        return dataset.map(lambda example: (example[first], example[second]))

    read.__name__ = f"pair({first!r}, {second!r})"
    return read


WISCONSIN_COLUMNS = (
    "id", "clump_thickness", "un_cell_size", "un_cell_shape", "marginal_adheshion",
    "single_eph_cell_size", "bare_nuclei", "bland_chromatin", "normal_nucleoli", "mitoses",
    "class",
)  # fmt: skip  # the course's names for the UCI file's columns (its spelling)


def read_wisconsin(path, split=None):
    """UCI's original Wisconsin breast cancer file (``breast-cancer-wisconsin.data``: no
    header; sample id, nine cytology scores 1-10, class 2 benign / 4 malignant), read as
    the course reads it: raw, so ``bare_nuclei`` is text with ``"?"`` for missing values.

    ``path`` may also be an open text buffer in the same format (the smoke stand-in).
    """
    import pandas as pd

    frame = pd.read_csv(path, names=list(WISCONSIN_COLUMNS), header=None)
    if frame.shape[1] != len(WISCONSIN_COLUMNS) or not set(frame["class"]) <= {2, 4}:
        raise RuntimeError(
            f"{path} is not the UCI breast-cancer-wisconsin.data file (id, 9 scores, class 2/4)"
        )
    return frame
