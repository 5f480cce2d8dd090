"""Pick the distribution strategy for this machine, and describe it in one line.

Order of preference in :func:`get_strategy`:

1. ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` names two or more workers;
2. ``MirroredStrategy`` over ``logical_cpus`` logical CPU devices, when asked (tests,
   teaching mirrored code on a laptop);
3. ``TPUStrategy`` on a Colab/Cloud TPU VM (``tpu="local"``) or the older
   ``COLAB_TPU_ADDR`` address; any failure falls through with a printed reason;
4. ``MirroredStrategy`` over all GPUs when there are several;
5. ``OneDeviceStrategy`` on the one device: the GPU if there is one, else the CPU (a
   real strategy, so ``experimental_distribute_dataset`` and ``strategy.run`` behave as
   with several replicas: the course's distributed code runs unchanged on one GPU).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket

from common import checks, env


def tf_config_workers() -> list[str]:
    """Worker addresses named by the ``TF_CONFIG`` variable (empty if unset).

    Raises:
        ValueError: ``TF_CONFIG`` is not JSON or has no usable ``cluster``.

    Used by: common.strategy.
    """
    raw = os.environ.get("TF_CONFIG", "").strip()
    if not raw:
        return []
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON: {err}") from err
    workers = config.get("cluster", {}).get("worker", []) if isinstance(config, dict) else None
    if not isinstance(workers, list):
        raise ValueError("TF_CONFIG['cluster']['worker'] must be a list of 'host:port' strings")
    return [str(w) for w in workers]


def configure_logical_cpus(n: int) -> list:
    """Split the first physical CPU into ``n`` logical devices; return the logical CPUs.

    Must run before TensorFlow initialises its runtime (before the first op or device
    query of the process). If the runtime is already initialised with at least ``n``
    logical CPUs this is a no-op; with fewer it raises ``RuntimeError`` saying to restart.

    Used by: common.strategy.
    """
    checks.positive_int("logical_cpus", n)
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is None or len(current) != n:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
            )
        except RuntimeError as err:
            have = len(tf.config.list_logical_devices("CPU"))
            if have >= n:
                return tf.config.list_logical_devices("CPU")[:n]
            raise RuntimeError(
                f"cannot split the CPU into {n} logical devices: TensorFlow is already "
                f"initialised with {have}. Split it (mirrored_devices or get_strategy with "
                f"logical_cpus={n}) before any other TensorFlow call (restart the kernel "
                "and run that first)."
            ) from err
    return tf.config.list_logical_devices("CPU")[:n]


def mirrored_devices(logical_cpus: int | None = None) -> list[str] | None:
    """The ``devices`` to give ``tf.distribute.MirroredStrategy`` (taught in C2 W4 Lab 1;
    C2 W4 Lab 2 and the C2 W4 assignment use it too).

    ``None`` (the default) leaves the choice to ``MirroredStrategy()``, as the course
    does: every GPU of the machine, or the CPU when there is none (one replica). With
    ``logical_cpus``, the CPU is split into that many logical devices first (see
    :func:`configure_logical_cpus`: the process's first TensorFlow call) and their names
    are returned, e.g. ``["/device:CPU:0", "/device:CPU:1"]``: smoke mode's stand-in for
    several GPUs, on any machine.

    Used by: C2_W4_Assignment_distributed_custom_training, C2_W4_Lab_1_mirrored_strategy and 1 more.
    """
    checks.positive_int("logical_cpus", logical_cpus, allow_none=True)
    if logical_cpus is None:
        return None
    return [d.name for d in configure_logical_cpus(logical_cpus)]


def _tpu_strategy():
    """Return a TPUStrategy, or None (with a printed reason) when no TPU can be used."""
    import tensorflow as tf

    address = os.environ.get("COLAB_TPU_ADDR")
    tpu = f"grpc://{address}" if address else os.environ.get("TPU_NAME", "local")
    try:
        if address:  # the old TPU Node runtime: TF would retry a dead address for minutes
            host, _, port = address.rpartition(":")
            socket.create_connection((host, int(port)), timeout=2).close()
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        if tpu != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except Exception as err:  # noqa: BLE001 - any TPU failure means: fall back
        reason = (str(err).strip().splitlines() or [""])[0][:200]
        print(
            f"TPU not usable ({type(err).__name__}: {reason}); falling back to GPU/CPU. "
            "On Colab pick Runtime > Change runtime type > TPU and install TensorFlow 2.20 "
            "with the TPU cell of the TPU notebook."
        )
        return None


def get_strategy(logical_cpus: int | None = None):
    """Return the best ``tf.distribute`` strategy for this machine (see module doc).

    Args:
        logical_cpus: if given, split the CPU into this many logical devices and mirror
            over them (must be the process's first TensorFlow call; see
            :func:`configure_logical_cpus`). Ignored when ``TF_CONFIG`` names workers.

    Used by: C2_W4_Lab_3_tpu_strategy, C2_W4_Lab_4_one_device_strategy and 1 more.
    """
    checks.positive_int("logical_cpus", logical_cpus, allow_none=True)
    workers = tf_config_workers()
    if len(workers) > 1:
        import tensorflow as tf

        return tf.distribute.MultiWorkerMirroredStrategy()
    if logical_cpus is not None:
        import tensorflow as tf

        return tf.distribute.MirroredStrategy(mirrored_devices(logical_cpus))
    if env.has_tpu():
        strategy = _tpu_strategy()
        if strategy is not None:
            return strategy
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([g.name for g in gpus])
    return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")


def describe(strategy) -> str:
    """One line: the strategy's class, its number of replicas and their devices.

    Used by: C2_W4_Assignment_distributed_custom_training, C2_W4_Lab_1_mirrored_strategy and 4 more.
    """
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.Strategy):
        raise TypeError(f"strategy must be a tf.distribute.Strategy, got {type(strategy).__name__}")
    aliases = {
        "_DefaultDistributionStrategy": "default strategy",
        "CollectiveAllReduceStrategy": "MultiWorkerMirroredStrategy",
    }
    name = aliases.get(type(strategy).__name__, type(strategy).__name__)
    try:
        devices = list(strategy.extended.worker_devices)
    except RuntimeError:  # the default strategy: whatever device TF places ops on
        gpus = tf.config.list_logical_devices("GPU")
        devices = [gpus[0].name if gpus else tf.config.list_logical_devices("CPU")[0].name]
    short = [d.split("/")[-1].replace("device:", "") for d in devices]
    n = strategy.num_replicas_in_sync
    where = ", ".join(short) if short else "one device"
    text = f"{name}: {n} replica{'s' if n != 1 else ''} in sync on {where}"
    workers = tf_config_workers()
    if name == "MultiWorkerMirroredStrategy" and workers:
        text += f" ({len(workers)} workers)"
    return text


def _gpu_count() -> int:
    """GPUs this machine shows TensorFlow (0 without TensorFlow's GPU support)."""
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports on localhost that were free a moment ago.

    Used by: common.strategy.
    """
    checks.positive_int("n", n)
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def worker_gpus(n: int, gpus: int) -> list[dict[str, str]]:
    """The GPU settings of ``n`` local workers on a machine with ``gpus`` GPUs.

    With a GPU for each worker, worker ``i`` sees only GPU ``i``. With fewer (one GPU on
    Colab, none on a laptop), every worker runs on the CPU: two TensorFlow processes that
    each try to take all of one GPU's memory would fail. Memory growth is on either way.

    Returns:
        one dict of environment variables per worker.

    Used by: common.strategy.
    """
    checks.positive_int("gpus", gpus, minimum=0)
    grow = {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}
    if gpus >= n:
        return [{**grow, "CUDA_VISIBLE_DEVICES": str(i)} for i in range(n)]
    return [{**grow, "CUDA_VISIBLE_DEVICES": ""} for _ in range(n)]


def _check_workers(argv, n):
    """Raise ValueError unless ``argv`` is a command (a list) and ``n`` a positive int."""
    if isinstance(argv, str) or not argv:
        raise ValueError(
            "argv must be a non-empty list of strings, e.g. [sys.executable, 'job.py']"
        )
    checks.positive_int("n", n)


@contextlib.contextmanager
def start_workers(argv, n: int = 2, *, env=None, cwd=None, outputs=None):
    """Start the command ``argv`` as ``n`` local workers of one ``TF_CONFIG`` cluster.

    Each process gets ``TF_CONFIG`` naming all ``n`` workers on free localhost ports and
    its own ``task.index`` (worker 0 is the chief), its GPU settings (:func:`worker_gpus`:
    a GPU each when there are enough, else the CPU), plus ``env`` on top of this process's
    environment. A context manager that does not wait for the workers::

        with start_workers([sys.executable, "job.py"], 2) as procs:
            ...                        # watch them, kill one, wait for them
        # here every worker has ended: those still running were killed

    Args:
        outputs: one ``(stdout, stderr)`` pair per worker (files or ``subprocess``
            constants); default: both discarded.

    Yields:
        list of ``subprocess.Popen``, by worker index.

    Used by: C2_W4_Lab_5_multi_worker.
    """
    import subprocess

    _check_workers(argv, n)
    if outputs is None:
        outputs = [(subprocess.DEVNULL, subprocess.DEVNULL)] * n
    elif len(outputs) != n:
        raise ValueError(
            f"outputs must hold one (stdout, stderr) pair per worker ({n}), got {len(outputs)}"
        )
    workers = [f"localhost:{p}" for p in free_ports(n)]
    devices = worker_gpus(n, _gpu_count())
    procs = []
    try:
        for i, (stdout, stderr) in enumerate(outputs):
            config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
            worker_env = {**os.environ, **devices[i], **(env or {})}
            procs.append(
                subprocess.Popen(
                    list(argv),
                    env={**worker_env, "TF_CONFIG": json.dumps(config)},
                    stdout=stdout,
                    stderr=stderr,
                    text=True,
                    cwd=cwd,
                )
            )
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()


def launch_workers(argv, n: int = 2, *, env=None, timeout: float = 300, cwd=None):
    """Run the command ``argv`` as ``n`` local workers of one ``TF_CONFIG`` cluster.

    The workers are started by :func:`start_workers` (``TF_CONFIG``, GPU settings and
    ``env`` as described there). Output goes to temporary files, so chatty workers cannot
    block.

    If a worker exits with an error, the others (which would wait for it forever in a
    collective) are killed; so is everyone still running after ``timeout`` seconds.

    Returns:
        list of ``subprocess.CompletedProcess`` (``returncode``, ``stdout``, ``stderr``
        as text), by worker index. A killed worker has a negative ``returncode``.

    Used by: C2_W4_Lab_5_multi_worker.
    """
    import subprocess
    import tempfile
    import time

    _check_workers(argv, n)
    files = [(tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")) for _ in range(n)]
    with start_workers(argv, n, env=env, cwd=cwd, outputs=files) as procs:
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            failed = any(p.poll() not in (None, 0) for p in procs)
            if failed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    results = []
    for p, (out, err) in zip(procs, files, strict=True):
        out.seek(0)
        err.seek(0)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out.read(), err.read()))
        out.close()
        err.close()
    return results
