"""TF Hub models behind one call: the online model in full mode, a local stand-in in smoke.

``resolve(handle, smoke=build)`` returns ``(model, description)``. In full mode it loads
``handle`` with ``tensorflow_hub.load`` (a SavedModel; ``hub.KerasLayer`` cannot go into a
Keras 3 model, so the notebooks call the loaded object directly). A handle that is a local
folder, or one already in the TF Hub cache, loads offline; otherwise, without a network, it
fails within seconds with what to do instead of retrying. In smoke mode it calls
``smoke()``, which builds a small local model with the same call signature, and never
touches the network. The description says which one ran, for the notebook to print.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import env


def cache_dir() -> Path:
    """The folder where ``tensorflow_hub`` keeps downloaded models (``TFHUB_CACHE_DIR``)."""
    default = Path(tempfile.gettempdir()) / "tfhub_modules"
    return Path(os.environ.get("TFHUB_CACHE_DIR", default))


def cached_path(handle: str) -> Path:
    """Where ``tensorflow_hub`` caches ``handle``: ``cache_dir() / sha1(handle)``."""
    return cache_dir() / hashlib.sha1(handle.encode("utf-8")).hexdigest()


def resolve(handle: str, *, smoke: Callable[[], object]):
    """Load TF Hub model ``handle`` in full mode, or build its stand-in in smoke mode.

    Args:
        handle: a TF Hub / Kaggle Models URL (``https://tfhub.dev/...``) or a local
            SavedModel folder.
        smoke: a function of no arguments returning the smoke-mode stand-in (a model
            with the same call signature and outputs as the hub model).

    Returns:
        ``(model, description)``: the loaded object and one line saying which ran.

    Raises:
        RuntimeError: in full mode, when the handle is neither local nor cached and the
            network is unreachable (raised within seconds).
    """
    if not isinstance(handle, str) or not handle:
        raise ValueError(f"handle must be a non-empty string, got {handle!r}")
    if not callable(smoke):
        raise TypeError(f"smoke must be a function building the stand-in, got {smoke!r}")
    if env.is_smoke():
        return smoke(), f"smoke mode: a local stand-in for {handle} (same outputs, no network)"
    local = Path(handle).expanduser()
    if not local.is_dir() and not cached_path(handle).is_dir() and not env.online():
        raise RuntimeError(
            f"full mode needs to download {handle}, but the network is unreachable. Run "
            f"offline with TFAT_MODE=smoke (a local stand-in, no network), or download the "
            f"model once online (it is cached under {cache_dir()}; TFHUB_CACHE_DIR moves "
            f"the cache) or pass the path of an unpacked SavedModel as the handle."
        )
    import tensorflow_hub as hub  # imports TensorFlow: after the fast checks

    if local.is_dir():
        return hub.load(str(local)), f"full mode: SavedModel from {local}"
    return hub.load(handle), f"full mode: {handle} from TF Hub"
