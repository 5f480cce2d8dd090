"""Run mode, settings, seeding and the environment a notebook runs in.

The mode is the only global state of `common`. It is read from the environment
variable ``TFAT_MODE``:

* ``full`` (default): real datasets and pretrained weights, the course's settings.
* ``smoke``: no network at all; small package-shipped or generated data, few epochs.

Notebooks state each setting once with :func:`pick`, so a reader sees both values::

    EPOCHS = common.env.pick(full=20, smoke=2)

The *dry run* (``make dryrun``) is full mode with ``TFAT_DRY_RUN=1``: the full-mode
settings and input sizes, every outside resource replaced by a local fake
(:mod:`common.sources`), epochs and batches capped. It tests wiring, not learning, so
:func:`check_bar` reports the learning bars there instead of asserting them.
"""

from __future__ import annotations

import glob
import os
import random
import socket
import sys
import threading
import time

MODES = ("full", "smoke")
MODE_VARIABLE = "TFAT_MODE"
DRY_RUN_VARIABLE = "TFAT_DRY_RUN"

# Hosts that serve the datasets and weights the notebooks download in full mode.
PROBE_HOSTS = (("storage.googleapis.com", 443), ("www.kaggle.com", 443))

_online_cache: dict[tuple, tuple[float, bool]] = {}


def mode() -> str:
    """Return the current mode, ``"full"`` or ``"smoke"``, read from ``TFAT_MODE``.

    Raises:
        ValueError: if ``TFAT_MODE`` holds anything else.
    """
    value = os.environ.get(MODE_VARIABLE, "full").strip().lower() or "full"
    if value not in MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={os.environ[MODE_VARIABLE]!r} is not a mode; use one of {MODES}"
        )
    return value


def is_smoke() -> bool:
    """True when running in smoke mode (offline stand-ins, tiny settings)."""
    return mode() == "smoke"


def dry_run() -> bool:
    """True in the dry run: full mode with ``TFAT_DRY_RUN=1`` (local fakes, no network)."""
    return mode() == "full" and os.environ.get(DRY_RUN_VARIABLE, "") not in ("", "0")


_COMPARISONS = {  # keyword: (holds, symbol, words when it fails)
    "at_least": (lambda m, b: m >= b, "≥", "is below"),
    "above": (lambda m, b: m > b, ">", "is not above"),
    "at_most": (lambda m, b: m <= b, "≤", "is above"),
    "below": (lambda m, b: m < b, "<", "is not below"),
}


def check_bar(what: str, measured, **bar) -> bool:
    """Check a learning result against its bar, e.g. ``check_bar("test accuracy", acc,
    at_least=0.85)``; one of ``at_least``, ``above``, ``at_most``, ``below``.

    Prints ``test accuracy 0.912 ≥ 0.85: passed`` and returns True. In the dry run (random
    data and weights cannot learn) it prints the measurement with ``dry run: bar not
    checked`` and returns False. Checks of wiring (shapes, reloads) stay plain asserts.

    Raises:
        AssertionError: the bar is not met (outside the dry run), naming both numbers.
        ValueError: not exactly one bar, or a measurement that is not a number.
    """
    if len(bar) != 1 or next(iter(bar)) not in _COMPARISONS:
        raise ValueError(f"give exactly one of {sorted(_COMPARISONS)}, got {sorted(bar)}")
    ((kind, limit),) = bar.items()
    holds, symbol, fails = _COMPARISONS[kind]
    try:
        measured, limit = float(measured), float(limit)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what}: measured and bar must be numbers, got {measured!r}, {limit!r}"
        ) from None
    if dry_run():
        print(f"{what} {measured:.3g} (bar {symbol} {limit:.3g}): dry run: bar not checked")
        return False
    assert holds(measured, limit), f"{what} {measured:.3g} {fails} {limit:.3g}"
    print(f"{what} {measured:.3g} {symbol} {limit:.3g}: passed")
    return True


def pick(*, full, smoke):
    """Return ``full`` or ``smoke`` according to the current mode.

    Example: ``EPOCHS = pick(full=20, smoke=2)``.
    """
    return smoke if is_smoke() else full


def seed_everything(seed: int = 42, *, deterministic: bool = True) -> int:
    """Seed Python, NumPy, TensorFlow and Keras; optionally make TF ops deterministic.

    Args:
        seed: a non-negative integer.
        deterministic: also call ``tf.config.experimental.enable_op_determinism()``
            (same results on each run, at some cost in speed on GPUs).

    Returns:
        The seed, so a notebook can print it.
    """
    from common import checks

    checks.positive_int("seed", seed, minimum=0)
    import keras
    import numpy as np
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds TensorFlow's global generator
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return seed


def is_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def accelerator() -> str:
    """Return ``"tpu"``, ``"gpu"`` or ``"cpu"``: the best accelerator this machine shows.

    TPU detection is cheap and does not initialise the TPU system: it looks for the
    Colab/Cloud TPU VM device files or the older ``COLAB_TPU_ADDR`` variable.
    """
    if has_tpu():
        return "tpu"
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return "gpu"
    return "cpu"


def has_tpu() -> bool:
    """True when a TPU looks reachable: TPU VM device files (``/dev/accel*``,
    ``/dev/vfio/N``) or the ``TPU_NAME`` / ``TPU_ACCELERATOR_TYPE`` / older
    ``COLAB_TPU_ADDR`` variables. A false alarm only costs a fall-back in
    :func:`common.strategy.get_strategy`."""
    names = ("COLAB_TPU_ADDR", "TPU_NAME", "TPU_ACCELERATOR_TYPE")
    if any(os.environ.get(n) for n in names):
        return True
    return bool(glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*"))  # v2-v4 / v5e+


def online(timeout: float = 2.0, *, refresh: bool = False) -> bool:
    """Return True if the dataset and weight servers can be reached.

    The probe opens one TCP connection per host in :data:`PROBE_HOSTS` (name lookup
    included) and gives up after ``timeout`` seconds in all, so it never hangs. The
    answer is cached for five minutes; ``refresh=True`` probes again.

    Smoke mode never needs the network, and this function is not called there.
    """
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    key = PROBE_HOSTS
    cached = _online_cache.get(key)
    if cached and not refresh and time.monotonic() - cached[0] < 300:
        return cached[1]

    result = {"ok": False}
    given_up = threading.Event()

    def probe():
        for host, port in PROBE_HOSTS:
            if given_up.is_set():  # online() has answered: a late probe tries no more hosts
                return
            try:
                with socket.create_connection((host, port), timeout=timeout):
                    result["ok"] = True
                    return
            except OSError:
                continue

    thread = threading.Thread(target=probe, daemon=True, name="tfat-online-probe")
    thread.start()
    thread.join(timeout)  # name lookups ignore socket timeouts: bound them here
    given_up.set()
    _online_cache[key] = (time.monotonic(), result["ok"])
    return result["ok"]


def describe() -> str:
    """One line naming the mode, TensorFlow/Keras versions and the accelerator."""
    import keras
    import tensorflow as tf

    where = "Colab" if is_colab() else "local"
    shown = mode() + (" (dry run: local fakes)" if dry_run() else "")
    return (
        f"mode={shown} | TensorFlow {tf.__version__} | Keras {keras.__version__} | "
        f"{accelerator().upper()} | {where}"
    )
