"""TF Hub models behind one call: the online model in full mode, a local stand-in in smoke.

``resolve(handle, smoke=build)`` returns ``(model, description)``. In full mode it loads
``handle`` with ``tensorflow_hub.load`` through :func:`common.sources.hub_model` (a
SavedModel; ``hub.KerasLayer`` cannot go into a Keras 3 model, so the notebooks call the
loaded object directly). A handle that is a local folder, or one already in the TF Hub
cache, loads offline; otherwise, without a network, it fails within seconds with what to
do instead of retrying. In smoke mode, and as the dry run's fake, it calls ``smoke()``,
which builds a small local model with the same signatures, and never touches the network.
The description says which one ran, for the notebook to print.
"""

from __future__ import annotations

from collections.abc import Callable

from common import env, sources


def resolve(handle: str, *, smoke: Callable[[], object]):
    """Load TF Hub model ``handle`` in full mode, or build its stand-in in smoke mode.

    Args:
        handle: a TF Hub / Kaggle Models URL (``https://tfhub.dev/...``) or a local
            SavedModel folder.
        smoke: a function of no arguments returning the smoke-mode stand-in (a model
            with the same call signature and outputs as the hub model); the dry run's
            fake too.

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
    return sources.hub_model(handle, fake=smoke)
