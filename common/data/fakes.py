"""The dry run's fakes: small stand-ins of every outside resource, in the real formats.

:mod:`common.sources` reads these instead of downloading when ``env.dry_run()`` is on.
They test wiring, not learning: the values are valid (boxes with ``ymin < ymax``, class
ids below the number of classes, trimap values 1-3, wine qualities 3-9) but random.

* :class:`TfdsFake`: a tensorflow-datasets set, read through the *real* builder (its
  feature specs, its split names) under ``tfds.testing.mock_data``, with generated values.
* :func:`write_prepared`: a real prepared tfds folder (tfrecords + ``dataset_info.json``),
  written by the real builder class from generated examples (the course's caltech zip).
* course files in their real formats: :func:`energy_xlsx`, :func:`wisconsin_csv`,
  :func:`wisconsin_csv`, :func:`m2nist_zip`, :func:`camvid_zip`, :func:`caltech_zip`, and
  :func:`jpeg` / :func:`zip_of` for photos and zips of photos.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EXAMPLES = 10  # examples per split of a fake tfds set
SEED = 2024


# --------------------------------------------------------------------------- values


def picture(rng, height: int, width: int, channels: int = 3, values=(0, 255)) -> np.ndarray:
    """uint8 ``(height, width, channels)``: smooth random blobs (a 5×5 grid of random
    values, upsampled) plus noise, clipped to ``values`` (inclusive)."""
    lo, hi = values
    grid = rng.uniform(lo, hi, (5, 5, channels))
    rows = np.linspace(0, 4, height)
    cols = np.linspace(0, 4, width)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, 4), np.minimum(c0 + 1, 4)
    fr, fc = (rows - r0)[:, None, None], (cols - c0)[None, :, None]
    top = grid[r0][:, c0] * (1 - fc) + grid[r0][:, c1] * fc
    bottom = grid[r1][:, c0] * (1 - fc) + grid[r1][:, c1] * fc
    image = top * (1 - fr) + bottom * fr
    if hi - lo > 10:  # a photo: some texture; a label map: flat regions
        image += rng.normal(0, 8, image.shape)
    return np.clip(np.rint(image), lo, hi).astype(np.uint8)


def _code(text: str) -> int:
    """A stable seed from a text (Python's ``hash`` changes from run to run)."""
    return int.from_bytes(text.encode("utf-8")[-8:].rjust(8, b"\0"), "big") % 2**32


def box(rng) -> np.ndarray:
    """A valid normalised ``[ymin, xmin, ymax, xmax]`` float32 box (min < max, in [0, 1])."""
    ys, xs = np.sort(rng.uniform(0.05, 0.95, 2)), np.sort(rng.uniform(0.05, 0.95, 2))
    ys[1], xs[1] = max(ys[1], ys[0] + 0.05), max(xs[1], xs[0] + 0.05)
    return np.array([ys[0], xs[0], ys[1], xs[1]], np.float32)


# --------------------------------------------------------------------------- tfds


@dataclass(frozen=True)
class TfdsFake:
    """The dry run's stand-in for one tensorflow-datasets set.

    Attributes:
        splits: the real set's split names (a request for another split fails, as it
            would on the real set; ``tfds.testing.mock_data`` alone accepts any).
        values: ``(low, high)`` (inclusive) of the values of a feature, by its path
            (``"segmentation_mask"``, ``"features/alcohol"``); defaults: 0-255 for image
            pixels, 0-1 for floats, 0-9 for integers, any class id for class labels.
        image_side: ``(low, high)`` pixel sides of images whose size varies.
        examples: examples per split.
    """

    splits: tuple[str, ...]
    values: Mapping[str, tuple] = field(default_factory=dict)
    image_side: tuple[int, int] = (120, 360)
    examples: int = EXAMPLES

    def dataset(self, name: str, split: str, *, as_supervised: bool = False):
        """``split`` of tfds set ``name`` from the real builder under ``mock_data``."""
        from common import sources

        tfds = sources.import_tfds()
        parts = self.parse(split)
        fake = self

        def as_dataset(builder, split, decoders=None, read_config=None, shuffle_files=False):
            return fake.generated(builder.info.features, parts, seed=name)

        with tfds.testing.mock_data(
            policy=tfds.testing.MockPolicy.USE_CODE, as_dataset_fn=as_dataset
        ):
            builder = tfds.builder(name)
            return builder.as_dataset(split=split, shuffle_files=False, as_supervised=as_supervised)

    def parse(self, spec: str) -> list[tuple[str, int, int]]:
        """``[(split, start, stop)]`` example ranges of a tfds split spec such as
        ``"train"``, ``"train[:80%]"``, ``"train[10:20]"`` or ``"train+test"``.

        Raises:
            ValueError: a split the real set does not have, or a malformed spec.
        """
        parts = []
        for piece in str(spec).split("+"):
            m = re.fullmatch(r"\s*(\w+)\s*(?:\[(-?\d*)(%?):(-?\d*)(%?)\])?\s*", piece)
            if not m:
                raise ValueError(f"malformed tfds split {spec!r}")
            name, start, pct1, stop, pct2 = m.groups()
            if name not in self.splits:
                raise ValueError(
                    f"Unknown split {name!r}: this dataset has the splits {list(self.splits)}"
                )
            parts.append(
                (name, self._bound(start, pct1, 0), self._bound(stop, pct2, self.examples))
            )
        return parts

    def _bound(self, text, percent, default):
        """A slice bound in examples (percent rounded as tfds rounds: to the closest)."""
        if not text:
            return default
        n = self.examples
        value = round(int(text) * n / 100) if percent else int(text)
        return max(value + n, 0) if value < 0 else min(value, n)

    def generated(self, features, parts, *, seed: str = ""):
        """A ``tf.data.Dataset`` of decoded examples of ``features`` for ``parts``; the
        values depend on ``seed`` (the set's name), the split and the index."""
        import tensorflow as tf

        examples = [
            self.example(features, np.random.default_rng([SEED, _code(seed + name), i]))
            for name, start, stop in parts
            for i in range(start, stop)
        ]
        specs = tf.nest.map_structure(
            lambda t: tf.TensorSpec(t.shape, t.tf_dtype), features.get_tensor_info()
        )
        dataset = tf.data.Dataset.from_generator(lambda: iter(examples), output_signature=specs)
        return dataset.apply(tf.data.experimental.assert_cardinality(len(examples)))  # as tfds

    def example(self, features, rng, *, encodable: bool = False) -> dict:
        """One example of ``features`` (a tfds ``FeaturesDict``) with valid values;
        ``encodable`` gives ``tfds.features.BBox`` boxes, for writing tfrecords."""
        side = rng.integers(self.image_side[0], self.image_side[1] + 1, 2)
        return self._value(features, rng, "", side, encodable)

    def _value(self, feature, rng, path, side, encodable):
        import tensorflow_datasets as tfds

        F = tfds.features
        if isinstance(feature, F.FeaturesDict):
            return {
                key: self._value(sub, rng, f"{path}/{key}".lstrip("/"), side, encodable)
                for key, sub in feature.items()
            }
        if isinstance(feature, F.Image):
            h, w, c = feature.shape
            values = self.values.get(path, (0, 255))
            return picture(rng, h or int(side[0]), w or int(side[1]), c or 3, values)
        if isinstance(feature, F.ClassLabel):
            lo, hi = self.values.get(path, (0, feature.num_classes - 1))
            return np.int64(rng.integers(lo, hi + 1))
        if isinstance(feature, F.BBoxFeature):
            b = box(rng)
            return F.BBox(*map(float, b)) if encodable else b
        if isinstance(feature, F.Text):
            return f"fake_{rng.integers(1_000_000):06d}.jpg"
        info = feature.get_tensor_info()
        if info.shape != ():
            raise NotImplementedError(f"no fake for feature {path!r} of shape {info.shape}")
        kind = np.dtype(info.np_dtype)
        if np.issubdtype(kind, np.integer):
            lo, hi = self.values.get(path, (0, 9))
            return kind.type(rng.integers(lo, hi + 1))
        lo, hi = self.values.get(path, (0.0, 1.0))
        return kind.type(rng.uniform(lo, hi))


def write_prepared(name: str, folder, fake: TfdsFake) -> Path:
    """Write a real prepared tfds folder of set ``name`` under ``folder`` (``folder/name/
    version/``: tfrecords and ``dataset_info.json``), as tfds's own ``download_and_prepare``
    would, from ``fake.examples`` generated examples per split. Returns the version folder.
    """
    from common import sources

    tfds = sources.import_tfds()
    real = tfds.builder_cls(name)

    class Fake(real, skip_registration=True):
        def _split_generators(self, dl_manager):
            return {split: self._fake_examples(split) for split in fake.splits}

        def _fake_examples(self, split):
            for i in range(fake.examples):
                rng = np.random.default_rng([SEED, _code(name + split), i])
                yield f"{split}_{i}", fake.example(self.info.features, rng, encodable=True)

    Fake.name = real.name
    builder = Fake(data_dir=str(folder))
    tfds.disable_progress_bar()  # the dry run's notebooks need no bars for 20 examples
    try:
        builder.download_and_prepare()
    finally:
        tfds.enable_progress_bar()
    return Path(builder.data_dir)


# --------------------------------------------------------------------------- files


def zip_of(path, files: Mapping[str, bytes]) -> None:
    """Write a zip at ``path`` holding ``files`` (archive name -> content)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def encoded(image: np.ndarray, fmt: str = "JPEG") -> bytes:
    """``image`` (uint8 ``(H, W)`` or ``(H, W, 3)``) encoded as JPEG or PNG bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image.squeeze() if image.ndim == 3 and image.shape[2] == 1 else image).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def jpeg(height: int, width: int, *, seed: int = 0):
    """A fake writer ``write(path)`` of a ``height × width`` RGB photo as JPEG."""

    def write(path):
        Path(path).write_bytes(encoded(picture(np.random.default_rng(seed), height, width)))

    return write


def energy_xlsx(path) -> None:
    """UCI's ``ENB2012_data.xlsx``: columns X1..X8, Y1, Y2 on one sheet (48 rows of the
    real design), then an empty column and empty rows, as the UCI file has."""
    import pandas as pd

    from common.data.tables import energy_smoke

    frame = energy_smoke().iloc[::16].reset_index(drop=True)
    frame["Unnamed: 10"] = np.nan
    blank = pd.DataFrame([[np.nan] * frame.shape[1]] * 2, columns=frame.columns)
    pd.concat([frame, blank]).to_excel(path, index=False, engine="openpyxl")


def wisconsin_csv(path) -> None:
    """UCI's ``breast-cancer-wisconsin.data``: no header; id, nine scores 1-10 (``?`` in
    ``bare_nuclei`` where missing, here 3 of 41 rows), class 2/4."""
    from common.data.smoke import wisconsin_text

    rows = wisconsin_text().splitlines()[::14]
    for i in (2, 17, 30):
        cells = rows[i].split(",")
        cells[6] = "?"
        rows[i] = ",".join(cells)
    Path(path).write_text("\n".join(rows) + "\n")


def m2nist_zip(path) -> None:
    """The course's ``m2nist.zip``: ``combined.npy`` (N, 64, 84) uint8 canvases and
    ``segmented.npy`` (N, 64, 84, 11) one-hot maps, N = 100 (80 / 16 / 4 in the splits)."""
    from common.data.generate import make_m2nist
    from common.data.smoke import mnist

    images, labels = mnist("test")
    canvases, segmented = make_m2nist(images, labels, 100, seed=SEED)

    def npy(array):
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()

    zip_of(path, {"combined.npy": npy(canvases[..., 0]), "segmented.npy": npy(segmented)})


CAMVID_SIZE = (360, 480)  # (height, width) of the course's prepped CamVid frames


def camvid_zip(path) -> None:
    """The course's ``fcnn-dataset.zip``: ``dataset1/images_prepped_{train,test}/*.png``
    (360×480 RGB frames) and ``dataset1/annotations_prepped_{train,test}/*.png`` (the
    class id 0-11 of each pixel), 4 frames per split."""
    rng = np.random.default_rng(SEED)
    files = {}
    for split in ("train", "test"):
        for i in range(4):
            name = f"0001TP_{i:06d}.png"
            files[f"dataset1/images_prepped_{split}/{name}"] = encoded(
                picture(rng, *CAMVID_SIZE), "PNG"
            )
            labels = picture(rng, *CAMVID_SIZE, channels=1, values=(0, 11))[..., 0]
            files[f"dataset1/annotations_prepped_{split}/{name}"] = encoded(labels, "PNG")
    zip_of(path, files)


def caltech_zip(path) -> None:
    """The course's ``caltech_birds2010_011.zip``: a prepared tfds folder
    ``caltech_birds2010/0.1.1/`` (tfrecords of photos of varying size, one box each)."""
    import tempfile

    from common.data.registry import CALTECH_FAKE

    with tempfile.TemporaryDirectory() as tmp:
        write_prepared("caltech_birds2010", tmp, CALTECH_FAKE)
        files = {
            str(f.relative_to(tmp)): f.read_bytes()
            for f in sorted(Path(tmp).rglob("*"))
            if f.is_file()
        }
    zip_of(path, files)
