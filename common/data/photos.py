"""Photos the detection labs run on: the course's few-shot sets (the rubber ducky and the
zombie: five labelled training photos and held-out frames) and sample images for the hub
detectors. Full mode downloads the course's photos through :mod:`common.sources`; smoke
mode draws scenes (:func:`common.data.make_scenes`) with no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common import checks, env, sources
from common.data.generate import make_scenes

NOVEL_SHAPE = "triangle"  # smoke mode: the new class (ducks, zombies) the pretraining never saw
SMOKE_EXTENT = (0.5, 0.65)  # object side as a fraction of the image, in smoke scenes
_DUCKY_URL = (
    "https://raw.githubusercontent.com/tensorflow/models/master/research/"
    "object_detection/test_images/ducky/{split}/{name}"
)
_ZOMBIE_URL = "https://storage.googleapis.com/tensorflow-3-public/datasets/{name}"
_PLURAL = {"ducky": "rubber duckies", "zombie": "zombies"}
_PHOTO_SIZE = {"ducky": (480, 640), "zombie": (600, 800)}  # (height, width) of the dry run's fakes
# The course's boxes, for learners who do not draw their own (normalised yxyx).
_DUCKY_BOXES = [
    [0.436, 0.591, 0.629, 0.712],
    [0.539, 0.583, 0.73, 0.71],
    [0.464, 0.414, 0.626, 0.548],
    [0.313, 0.308, 0.648, 0.526],
    [0.256, 0.444, 0.484, 0.629],
]
_ZOMBIE_BOXES = [
    [0.27333333, 0.41500586, 0.74333333, 0.57678781],
    [0.29833333, 0.45955451, 0.75666667, 0.61078546],
    [0.40833333, 0.18288394, 0.945, 0.34818288],
    [0.16166667, 0.61899179, 0.8, 0.91910903],
    [0.28833333, 0.12543962, 0.835, 0.35052755],
]
# The course grader's expected zombie boxes on frames 0, 5 and 10 of the test video.
_ZOMBIE_TEST = {
    0: [0.28838485, 0.06830047, 0.7213766, 0.19833465],
    5: [0.29168868, 0.07529271, 0.72504973, 0.20099735],
    10: [0.29548776, 0.07994056, 0.7238164, 0.20778716],
}


@dataclass
class FewShotData:
    """Training and held-out images of one new class.

    Used by: common.data.photos (what few_shot_data returns).

    Attributes:
        train_images: list of 5 uint8 ``(H, W, 3)`` images (sizes may differ in full mode).
        train_boxes: float32 ``(5, 4)``: one normalised ``yxyx`` box per training image
            (the course's boxes in full mode; the generator's in smoke mode).
        test_images: list of uint8 ``(H, W, 3)`` held-out images.
        test_boxes: float32 ``(len(test_images), 4)`` true boxes, or ``None`` when unknown
            (the rubber ducky test frames come without boxes: label one yourself).
        class_name: the new class.
        source: one line saying where the images come from.
        train_dir: the zombie set's folder of ``training-zombie1.jpg`` ...
            ``training-zombie5.jpg`` (full mode: the course's photos; smoke mode: the five
            scenes written as JPEG files), for the assignment that loads them from files;
            ``None`` for the rubber ducky.
    """

    train_images: list
    train_boxes: np.ndarray
    test_images: list
    test_boxes: np.ndarray | None
    class_name: str
    source: str
    train_dir: Path | None = None


def few_shot_data(name: str, *, n_test: int = 8, size: int = 32, data_dir=None) -> FewShotData:
    """The course's few-shot sets: ``"ducky"`` (the lab) or ``"zombie"`` (the assignment).

    Used by: C3_W2_Assignment_zombie_detection, C3_W2_Lab_3_few_shot_detection.

    Full mode downloads (once) the course's five training photos and a few test frames:
    the rubber ducky from the TensorFlow models repository, the zombie from the course's
    bucket (with the grader's boxes on test frames 0, 5, 10). Smoke mode draws scenes of
    one ``NOVEL_SHAPE`` on a textured background (:func:`common.data.make_scenes`), a shape
    the smoke pretraining never sees; ``n_test`` held-out scenes of side ``size`` pixels.

    Raises:
        ValueError: unknown ``name``, bad ``n_test`` or ``size``.
        RuntimeError: full mode, offline and not downloaded before (within seconds).
    """
    if name not in ("ducky", "zombie"):
        raise ValueError(f"name must be 'ducky' or 'zombie', got {name!r}")
    checks.positive_int("n_test", n_test)
    checks.positive_int("size", size, minimum=16)
    if env.is_smoke():
        scenes = make_scenes(
            5 + n_test, classes=(NOVEL_SHAPE,), size=size, objects=(1, 1),
            extent=SMOKE_EXTENT, seed=11 if name == "ducky" else 23,
        )  # fmt: skip
        images, boxes = list(scenes.images), scenes.boxes[:, 0].astype("float32")
        train_dir = _smoke_train_dir(images[:5], size) if name == "zombie" else None
        return FewShotData(
            images[:5], boxes[:5], images[5:], boxes[5:], name,
            f"smoke mode: generated {size}x{size} scenes; the {_PLURAL[name]} are "
            f"{NOVEL_SHAPE}s, a shape the smoke pretraining never sees", train_dir,
        )  # fmt: skip
    if name == "ducky":
        train = [_download_image(f"robertducky{i}.jpg", "train", data_dir) for i in range(1, 6)]
        test = [_download_image(f"out{i}.jpg", "test", data_dir) for i in (1, 10, 20, 30, 40)]
        return FewShotData(
            train, np.array(_DUCKY_BOXES, "float32"), test, None, name,
            "full mode: the course's rubber ducky photos (tensorflow/models repository)",
        )  # fmt: skip
    train_dir = _download_zip("training-zombie.zip", data_dir)
    test_dir = _download_zip("zombie-walk-frames.zip", data_dir)
    train_dir = sources.find(train_dir, "training-zombie1.jpg").parent
    train = [_read_image(train_dir / f"training-zombie{i}.jpg") for i in range(1, 6)]
    test = [_read_image(sources.find(test_dir, f"zombie-walk{i:04d}.jpg")) for i in _ZOMBIE_TEST]
    return FewShotData(
        train, np.array(_ZOMBIE_BOXES, "float32"), test,
        np.array(list(_ZOMBIE_TEST.values()), "float32"), name,
        "full mode: the course's zombie photos and test video frames", train_dir,
    )  # fmt: skip


def _smoke_train_dir(images, size) -> Path:
    """A folder holding ``images`` as ``training-zombie1.jpg`` ... (JPEG quality 95),
    written once (atomically) into the cache folder: smoke mode's copy of the course's
    ``training/`` folder."""
    import hashlib
    import os
    import shutil
    import uuid

    from PIL import Image

    digest = hashlib.sha1(np.stack(images).tobytes()).hexdigest()[:10]
    folder = sources.fakes_dir().parent / "photos" / f"training-zombie-smoke-{size}-{digest}"
    if not folder.is_dir():
        tmp = folder.with_name(f"{folder.name}.part-{uuid.uuid4().hex[:12]}")
        tmp.mkdir(parents=True)
        for i, image in enumerate(images, start=1):
            Image.fromarray(image).save(tmp / f"training-zombie{i}.jpg", quality=95)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process wrote it first: keep its copy
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _download_image(name, split, data_dir):
    from common.data import fakes

    url = _DUCKY_URL.format(split=split, name=name)
    seed = sum(map(ord, name))  # a different fake photo per file
    fake = fakes.jpeg(*_PHOTO_SIZE["ducky"], seed=seed)
    return _read_image(
        sources.download(url, file=f"ducky_{split}_{name}", data_dir=data_dir, fake=fake)
    )


def _download_zip(name, data_dir):
    url = _ZOMBIE_URL.format(name=name)
    return sources.extract(sources.download(url, data_dir=data_dir, fake=_fake_zombie_zip(name)))


def _fake_zombie_zip(name):
    """A fake writer of the course's zombie zips (the jpgs that :func:`few_shot_data`
    reads, at the photos' size)."""
    from common.data import fakes

    stem = name[: -len(".zip")]
    files = (
        [f"{stem}/training-zombie{i}.jpg" for i in range(1, 6)]
        if stem == "training-zombie"
        else [f"{stem}/zombie-walk{i:04d}.jpg" for i in range(0, 12)]
    )

    def write(path):
        import numpy as np

        rng = np.random.default_rng(len(files))
        h, w = _PHOTO_SIZE["zombie"]
        fakes.zip_of(path, {f: fakes.encoded(fakes.picture(rng, h, w)) for f in files})

    return write


def _read_image(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


PHOTOS = ("astronaut", "coffee", "chelsea")  # scikit-image's photos: a person, a cup, a cat
HELD_OUT_SEED = 99  # seed of the scenes detectors are shown (the stand-in trains on seed 0)


def sample_images(n: int = 6, *, seed: int = HELD_OUT_SEED):
    """Images to run a detector on, with their true objects where they are known.

    Used by: C3_W2_Lab_1_simple_object_detection, C3_W2_Lab_2_detection_visualisation and 1 more.

    Full mode: scikit-image's photos :data:`PHOTOS` (they ship with the package; real
    people, cups and cats for a COCO or Open Images detector), at most ``n``, no boxes.
    Smoke mode: ``n`` generated scenes of the hub stand-in's classes
    (:data:`common.standins.CLASSES`, at its input size) that it never saw.

    Returns:
        ``(images, scenes)``: a list of uint8 ``(H, W, 3)`` arrays, and the
        :class:`common.data.Scenes` they come from (smoke) or ``None`` (full).
    """
    from common import standins

    checks.positive_int("n", n)
    if env.is_smoke():
        scenes = make_scenes(n, classes=standins.CLASSES, size=standins.SIZE, seed=seed)
        return list(scenes.images), scenes
    from skimage import data as photos

    return [getattr(photos, name)() for name in PHOTOS[:n]], None


SMOKE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")  # scikit-image's colour photos


def course_photo(url: str, *, smoke: str = "chelsea", file: str | None = None, data_dir=None):
    """Local path of a photo that the course runs a model on.

    Used by: C3_W2_Lab_1_simple_object_detection, C3_W2_Lab_2_detection_visualisation and 4 more.

    Full mode: the file at ``url`` (the course's public photos: Wikimedia Commons, Pixabay,
    the course's bucket), downloaded once through :func:`common.sources.download` (into
    ``data_dir``, default ``~/.keras/datasets``, as ``file``, default the URL's last part);
    the dry run reads a fake JPEG instead. Smoke mode: scikit-image's photo ``smoke`` (one
    of :data:`SMOKE_PHOTOS`), written once as a JPEG into the cache folder: no network.

    Returns:
        a ``pathlib.Path`` to a JPEG file.

    Raises:
        ValueError: ``url`` is not a URL, or ``smoke`` is not one of :data:`SMOKE_PHOTOS`.
        RuntimeError: full mode, offline and not downloaded before (within seconds).
    """
    from common.data import fakes

    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url must be a URL string, got {url!r}")
    if smoke not in SMOKE_PHOTOS:
        raise ValueError(f"smoke must be one of {SMOKE_PHOTOS}, got {smoke!r}")
    if env.is_smoke():
        from skimage import data as photos

        path = sources.fakes_dir().parent / "photos" / f"skimage-{smoke}.jpg"
        image = getattr(photos, smoke)()
        return sources._materialise(path, lambda tmp: _save_jpeg(image, tmp))
    fake = fakes.jpeg(480, 640, seed=sum(map(ord, url)) % 997)  # a different fake per photo
    return sources.download(url, file=file, data_dir=data_dir, fake=fake)


def _save_jpeg(image, path) -> None:
    from PIL import Image

    Image.fromarray(image).save(path, format="JPEG", quality=95)
