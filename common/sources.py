"""The one seam for every outside resource the notebooks use in full mode.

Every download passes through one of these calls, each naming its dry-run fake beside
its real source:

=============================  ==========================================================
call                           resource
=============================  ==========================================================
:func:`download`, :func:`extract`  a course file by URL (xlsx, csv, zip, jpg), cached
:func:`tfds_dataset`           a tensorflow-datasets split (:func:`tfds_builder` underneath)
:func:`weights`                ``keras.applications`` weights (``weights="imagenet"``)
:func:`hub_model`              a TF Hub handle (``hub.load``)
:func:`keras_hub_preset`       a keras-hub preset on Kaggle (``Class.from_preset``)
=============================  ==========================================================

This module owns three things:

* the fail-fast offline check (:func:`require_network`): without a network a download
  fails within seconds, with what to do, instead of tfds's minutes of retries;
* atomic downloads and extraction: a file or folder appears whole or not at all (written
  beside its target, then renamed), so an interrupted download is never read back;
* the single place where the dry run (:func:`common.env.dry_run`) substitutes local
  fakes: a generated file in the resource's real format, a tfds builder under
  ``tfds.testing.mock_data`` with valid generated values, random weights, the hub stand-in.

Smoke mode never calls this module: its data ship with installed packages.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from common import cache, env

SMOKE_HINT = "run offline with TFAT_MODE=smoke (small stand-in data, no network)"


# --------------------------------------------------------------------------- network


def require_network(what: str, where) -> None:
    """Raise within seconds when ``what`` must be downloaded but the network is down.

    Args:
        what: the resource, e.g. ``"m2nist.zip (from https://...)"``.
        where: the folder where a copy downloaded by hand would be found.

    Raises:
        RuntimeError: offline; the message says to use ``TFAT_MODE=smoke`` or to put a
            downloaded copy in ``where``.
    """
    if not env.online():
        raise RuntimeError(
            f"full mode needs to download {what}, but the network is unreachable. "
            f"Either {SMOKE_HINT}, or put a downloaded copy of {what} in {where}."
        )


def keras_datasets_dir() -> Path:
    """``$KERAS_HOME/datasets`` (default ``~/.keras/datasets``): where course files go."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def fakes_dir() -> Path:
    """Folder of the dry run's generated fakes: ``fakes`` in :func:`common.cache.root`."""
    return cache.root() / "fakes"


# --------------------------------------------------------------------------- files


def download(
    url: str, *, file: str | None = None, data_dir=None, fake: Callable[[Path], None]
) -> Path:
    """Path of the course file at ``url``, downloaded once into ``data_dir``.

    Args:
        url: where the file lives.
        file: its local name (default: the last part of ``url``).
        data_dir: the folder that holds (or receives) it; default
            :func:`keras_datasets_dir`.
        fake: ``fake(path)`` writes a small file of the same format at ``path``: what the
            dry run reads instead.

    Returns:
        The local path. A copy already in ``data_dir`` is used without the network.

    Raises:
        RuntimeError: offline and not there (within seconds), or the download failed.
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"url must be a URL string, got {url!r}")
    if not callable(fake):
        raise TypeError(f"fake must be a function writing a stand-in file, got {fake!r}")
    file = file or url.rstrip("/").rsplit("/", 1)[-1]
    if env.dry_run():
        return _materialise(fakes_dir() / _code_version(fake) / file, fake)
    folder = Path(data_dir) if data_dir is not None else keras_datasets_dir()
    path = folder / file
    if path.exists():
        return path
    require_network(f"{file} (from {url})", folder)
    try:
        return _materialise(path, lambda tmp: _fetch(url, tmp))
    except OSError as err:
        raise RuntimeError(
            f"downloading {url} failed ({err}); download it by hand and put it at {path}, "
            f"or {SMOKE_HINT}"
        ) from err


def _code_version(function) -> str:
    """A short hash of the source of the module defining ``function``: fakes made by older
    code are not reused."""
    import hashlib
    import inspect

    module = inspect.getmodule(function)
    text = inspect.getsource(module) if module else function.__qualname__
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _fetch(url: str, target: Path, *, timeout: float = 30) -> None:
    """Copy ``url`` to ``target`` with a progress bar (tqdm)."""
    from tqdm.auto import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": "tfat-notebooks"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(
            total=total, unit="B", unit_scale=True, desc=target.name.split(".part")[0]
        ) as bar:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                bar.update(len(chunk))


def _materialise(path: Path, write: Callable[[Path], None]) -> Path:
    """``path``, written by ``write(tmp)`` beside it and renamed into place (atomic: a
    reader sees the whole file or none; two writers at once both succeed)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.part-{uuid.uuid4().hex[:12]}")  # one per writer
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
    return path


def extract(archive, *, marker: str | None = None) -> Path:
    """The folder where the zip ``archive`` is unpacked (beside it, without ``.zip``),
    unpacking it once, atomically. ``marker`` names a file or folder that must be inside
    (searched at any depth), to reject an unexpected archive early.

    Raises:
        RuntimeError: not a zip file, or ``marker`` missing (the message says what to do).
    """
    archive = Path(archive)
    folder = archive.with_suffix("") if archive.suffix == ".zip" else Path(f"{archive}.d")
    if not folder.is_dir():
        tmp = folder.with_name(f"{folder.name}.part-{uuid.uuid4().hex[:12]}")
        try:
            with zipfile.ZipFile(archive) as opened:
                opened.extractall(tmp)
            try:
                os.replace(tmp, folder)
            except OSError:  # another process finished first: keep its copy
                if not folder.is_dir():
                    raise
        except zipfile.BadZipFile as err:
            raise RuntimeError(f"{archive} is not a zip file: delete it and retry") from err
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if marker is not None:
        find(folder, marker)
    return folder


def find(folder, name: str) -> Path:
    """Path of the first file or folder called ``name`` under ``folder`` (sorted walk).

    Raises:
        RuntimeError: nothing of that name (the message names the folder to delete).
    """
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        if name in dirs or name in files:
            return Path(root) / name
    raise RuntimeError(
        f"{name} not found in {folder}: not the expected archive? Delete {folder} (and the "
        "archive beside it) to download again."
    )


# --------------------------------------------------------------------------- tfds

TFDS_FIX = (
    "On Colab this is the protobuf conflict of its stack (tensorflow-metadata >= 1.18 needs "
    "protobuf >= 6.31; Colab ships protobuf 5.29): run `pip install tensorflow-metadata==1.17.1` "
    "(the notebooks' setup cell does it), then restart the runtime."
)


def import_tfds():
    """``import tensorflow_datasets``, or a RuntimeError that names the fix.

    On Colab's stack the import itself "succeeds": tensorflow-datasets catches protobuf's
    ``VersionError``, logs it, and hands back a module without ``builder``, which fails
    later with a confusing ``AttributeError``. That case, and a failed import (which
    leaves a half-imported module behind), raise here with the fix, on every call.
    """
    try:
        import tensorflow_datasets as tfds

        if hasattr(tfds, "builder"):
            return tfds
        error = _tensorflow_metadata_error() or "tensorflow_datasets has no attribute 'builder'"
    except Exception as err:  # noqa: BLE001 - ImportError, protobuf's VersionError, ...
        error = f"{type(err).__name__}: {err}"
        if isinstance(err, ModuleNotFoundError) and (err.name or "").startswith(
            "tensorflow_datasets"
        ):
            raise RuntimeError(
                f"tensorflow-datasets is not installed ({error}): pip install "
                f"tensorflow-datasets importlib_resources. Or {SMOKE_HINT}."
            ) from err
    for name in [m for m in sys.modules if m.split(".")[0] == "tensorflow_datasets"]:
        del sys.modules[name]
    advice = (
        TFDS_FIX
        if "rotobuf" in error or "VersionError" in error
        else (
            "Reinstall it: pip install --force-reinstall tensorflow-datasets importlib_resources."
        )
    )
    raise RuntimeError(
        f"tensorflow-datasets cannot be imported ({error.splitlines()[0][:300]}). {advice} "
        f"Or {SMOKE_HINT}."
    )


def _tensorflow_metadata_error() -> str | None:
    """The error that tensorflow-datasets hides when its tensorflow-metadata does not load
    (``None`` if it loads)."""
    try:
        import tensorflow_metadata.proto.v0.schema_pb2  # noqa: F401
    except Exception as err:  # noqa: BLE001 - protobuf's VersionError above all
        return f"{type(err).__name__}: {err}"
    return None


def tfds_builder(name: str, data_dir=None):
    """The prepared tensorflow-datasets builder of ``name`` (``"wine_quality/red"`` style
    names too), downloading and preparing it first when it is missing and the network is
    up. Not for the dry run (see :func:`tfds_dataset`).

    Raises:
        RuntimeError: tensorflow-datasets does not import, or offline and not prepared.
    """
    tfds = import_tfds()
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        where = data_dir or os.path.join(os.path.expanduser("~"), "tensorflow_datasets")
        require_network(f"the tensorflow-datasets set {name!r} (a prepared folder)", where)
        builder.download_and_prepare()
    return builder


def tfds_dataset(name: str, split: str, *, data_dir=None, as_supervised=False, fake=None):
    """A split of tensorflow-datasets set ``name`` as a ``tf.data.Dataset`` (unshuffled).

    Args:
        name: a tfds name (``"cats_vs_dogs"``, ``"wine_quality/red"``).
        split: a tfds split, slices included (``"train[:80%]"``).
        data_dir: the tfds folder (default ``~/tensorflow_datasets``).
        as_supervised: ``(input, target)`` pairs instead of feature dicts.
        fake: the dry run's :class:`common.data.fakes.TfdsFake` for ``name``: its real
            split names and the ranges of valid values; the dry run then reads the real
            builder under ``tfds.testing.mock_data`` with generated examples.

    Raises:
        RuntimeError: tfds does not import, or full mode offline and not prepared.
    """
    if env.dry_run():
        if fake is None:
            raise RuntimeError(f"the dry run has no fake for tfds {name!r}: declare one")
        return fake.dataset(name, split, as_supervised=as_supervised)
    builder = tfds_builder(name, data_dir)
    return builder.as_dataset(split=split, shuffle_files=False, as_supervised=as_supervised)


# --------------------------------------------------------------------------- models


def weights(name: str = "imagenet"):
    """The ``weights=`` argument of a ``keras.applications`` model: ``name`` (downloaded
    once by Keras, into ``~/.keras/models``), or ``None`` (random initialisation) in smoke
    mode and in the dry run, whose fake stands in for every pretrained weight.

    Raises:
        RuntimeError: offline with no Keras weights cached at all (within seconds, with
            what to do); with some cached, Keras itself says if these are missing.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a weights name such as 'imagenet', got {name!r}")
    if env.dry_run() or env.is_smoke():  # smoke mode never downloads (nor probes) either
        return None
    models = keras_datasets_dir().parent / "models"
    if not any(models.glob("*.h5")) and not env.online():
        require_network(f"the {name} weights of a keras.applications model", models)
    return name


def hub_cache_dir() -> Path:
    """The folder where ``tensorflow_hub`` keeps downloaded models (``TFHUB_CACHE_DIR``)."""
    default = Path(tempfile.gettempdir()) / "tfhub_modules"
    return Path(os.environ.get("TFHUB_CACHE_DIR", default))


def hub_cached_path(handle: str) -> Path:
    """Where ``tensorflow_hub`` caches ``handle``: ``hub_cache_dir() / sha1(handle)``."""
    import hashlib

    return hub_cache_dir() / hashlib.sha1(handle.encode("utf-8")).hexdigest()


def hub_model(handle: str, *, fake: Callable[[], object]):
    """The TF Hub model ``handle`` loaded with ``tensorflow_hub.load``: ``(model, text)``.

    A local SavedModel folder, or a handle already in the TF Hub cache, loads offline;
    otherwise, without a network, this fails within seconds. The dry run calls ``fake()``
    instead: a local SavedModel with the hub model's signatures.
    """
    if env.dry_run():
        return fake(), f"dry run: a local stand-in for {handle} (the same signatures)"
    local = Path(handle).expanduser()
    if not local.is_dir() and not hub_cached_path(handle).is_dir() and not env.online():
        raise RuntimeError(
            f"full mode needs to download {handle}, but the network is unreachable. Either "
            f"{SMOKE_HINT}, or download the model once online (it is cached under "
            f"{hub_cache_dir()}; TFHUB_CACHE_DIR moves the cache), or pass the path of an "
            "unpacked SavedModel as the handle."
        )
    try:
        import warnings

        with warnings.catch_warnings():  # tensorflow-hub 0.16 imports the deprecated module
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
            import tensorflow_hub as hub  # imports TensorFlow: after the fast checks
    except ModuleNotFoundError as err:
        raise RuntimeError(
            f"tensorflow_hub cannot be imported ({err}). tensorflow-hub 0.16 needs "
            "pkg_resources, which setuptools 82 removed: pip install 'setuptools<82'."
        ) from err
    if local.is_dir():
        return hub.load(str(local)), f"full mode: SavedModel from {local}"
    return hub.load(handle), f"full mode: {handle} from TF Hub"


def keras_hub_preset(model_class, preset: str, *, fake: Callable[[], object]):
    """``model_class.from_preset(preset)`` (a keras-hub class), downloaded once from
    Kaggle; ``fake()`` in the dry run (the same architecture with random weights).

    A local preset folder, or a Kaggle preset already in kagglehub's cache, loads offline;
    otherwise, without a network, this fails within seconds.

    Raises:
        ValueError: ``preset`` is neither one of the class's presets, a ``kaggle://`` or
            ``hf://`` handle, nor a local folder.
        RuntimeError: offline and not cached.
    """
    if not isinstance(preset, str) or not preset:
        raise ValueError(f"preset must be a non-empty string, got {preset!r}")
    presets = model_class.presets
    if os.path.isdir(os.path.expanduser(preset)):
        handle = None
    elif preset in presets:
        handle = presets[preset]["kaggle_handle"]
    elif preset.startswith(("kaggle://", "hf://")):
        handle = preset
    else:
        raise ValueError(
            f"preset {preset!r} is not a {model_class.__name__} preset {sorted(presets)}, a "
            "kaggle:// or hf:// handle, nor a local folder"
        )
    if env.dry_run():
        return fake()
    if handle is not None and not kaggle_cached(handle) and not env.online():
        raise RuntimeError(
            f"full mode needs to download the keras-hub preset {preset!r} from Kaggle, but "
            f"the network is unreachable. Either {SMOKE_HINT}, or download the preset once "
            "online (kagglehub caches it under ~/.cache/kagglehub; KAGGLEHUB_CACHE moves the "
            "cache), or pass the path of a local preset folder."
        )
    return model_class.from_preset(preset)


def kaggle_cached(handle: str) -> bool:
    """True when kagglehub already holds the versioned Kaggle ``handle``."""
    if not handle.startswith("kaggle://"):
        return False
    try:
        from kagglehub.cache import Cache
        from kagglehub.handle import parse_model_handle

        return Cache().load_from_cache(parse_model_handle(handle[len("kaggle://") :])) is not None
    except Exception:  # noqa: BLE001 - any kagglehub change: treat as not cached
        return False
