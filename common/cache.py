"""What smoke mode trains once in place of a download, kept for every later run.

Full mode downloads a pretrained model once and caches it (Keras under ``~/.keras``,
kagglehub under ``~/.cache/kagglehub``). Smoke mode's stand-ins for those models are
trained locally instead (the TF Hub detectors in :mod:`common.standins`, the COCO RetinaNet
in :mod:`common.detection`): :func:`build_once` keeps each one in a folder under
:func:`root`, named with a :func:`fingerprint` of the code that makes it, so a stale one is
never served. The folder is written under a lock and renamed into place, so notebooks and
test workers running side by side never see half of one, and only the first one trains.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def root() -> Path:
    """The cache folder: ``$TFAT_CACHE_DIR``, else ``tfat_cache`` in the temp dir."""
    default = Path(tempfile.gettempdir()) / "tfat_cache"
    return Path(os.environ.get("TFAT_CACHE_DIR", default))


def fingerprint(*files: str, extra: str = "") -> str:
    """12 hex digits hashing ``files`` (paths relative to the ``common`` package), the
    TensorFlow version and ``extra``: they change when what the files build changes."""
    import tensorflow as tf

    if not files:
        raise ValueError("fingerprint needs at least one file of common to hash")
    digest = hashlib.sha1(f"{tf.__version__} {extra}".encode())
    for name in files:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (POSIX ``flock``; a no-op where it is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: the atomic rename still keeps the cache whole
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(folder, make: Callable[[Path], None]) -> Path:
    """``folder`` as ``make(scratch)`` fills it, built the first time only.

    ``make`` writes into a fresh scratch folder beside ``folder``, which is then renamed to
    ``folder``; all of it under a lock, so that parallel callers wait for the first one and
    then find its result. A ``make`` that raises leaves nothing behind.
    """
    folder = Path(folder)
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.parent / f"{folder.name}.lock"):
        if folder.is_dir():  # another process built it while we waited
            return folder
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            make(scratch)
            try:
                os.rename(scratch, folder)
            except OSError:
                if not folder.is_dir():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folder
