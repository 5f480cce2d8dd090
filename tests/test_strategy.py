"""Strategy selection. Branches that need a fresh TensorFlow runtime (logical CPUs,
TF_CONFIG workers, TPU fall-through) run in subprocesses."""

import json
import os
import socket
import sys
import time

import pytest

from common import strategy
from tests.conftest import ROOT, run_python


def test_tf_config_workers(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert strategy.tf_config_workers() == []
    config = {
        "cluster": {"worker": ["localhost:1", "localhost:2"]},
        "task": {"type": "worker", "index": 0},
    }
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert strategy.tf_config_workers() == ["localhost:1", "localhost:2"]


@pytest.mark.parametrize(
    "raw, match", [("{not json", "valid JSON"), ('{"cluster": {"worker": "a:1"}}', "list")]
)
def test_bad_tf_config_is_explained(monkeypatch, raw, match):
    monkeypatch.setenv("TF_CONFIG", raw)
    with pytest.raises(ValueError, match=match):
        strategy.tf_config_workers()


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_logical_cpus_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="logical_cpus"):
        strategy.get_strategy(logical_cpus=bad)


def test_one_device_on_this_machine(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.setattr(strategy.env, "has_tpu", lambda: False)
    s = strategy.get_strategy()
    assert s.num_replicas_in_sync == 1
    assert strategy.describe(s) == "OneDeviceStrategy: 1 replica in sync on CPU:0"


def test_describe_rejects_non_strategies():
    with pytest.raises(TypeError, match="strategy"):
        strategy.describe("mirrored")


@pytest.mark.slow
def test_logical_cpus_give_a_mirrored_strategy_that_all_reduces():
    code = """
import tensorflow as tf
from common import strategy
s = strategy.get_strategy(logical_cpus=2)
ids = s.run(lambda: tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group + 1, tf.float32))
total = s.reduce(tf.distribute.ReduceOp.SUM, ids, axis=None)
print(type(s).__name__, s.num_replicas_in_sync, float(total))
print(strategy.describe(s))
try:
    strategy.get_strategy(logical_cpus=3)
except RuntimeError as err:
    print("late:", err)
"""
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "MirroredStrategy 2 3.0"
    assert lines[1] == "MirroredStrategy: 2 replicas in sync on CPU:0, CPU:1"
    assert lines[2].startswith("late:") and "before any other TensorFlow call" in lines[2]


def test_mirrored_devices_default_is_mirrored_strategys_own_choice():
    assert strategy.mirrored_devices() is None
    with pytest.raises(ValueError, match="logical_cpus"):
        strategy.mirrored_devices(0)


@pytest.mark.slow
def test_mirrored_devices_give_the_logical_cpus_to_mirrored_strategy():
    code = """
import keras, tensorflow as tf
from common.strategy import describe, mirrored_devices
devices = mirrored_devices(logical_cpus=2)
s = tf.distribute.MirroredStrategy(devices)
with s.scope():
    kernel = keras.layers.Dense(1)
    kernel.build((None, 2))
print(devices)
print(describe(s), type(kernel.kernel.value).__name__)
one = tf.distribute.MirroredStrategy(mirrored_devices())  # default: GPUs, else the CPUs
print(one.num_replicas_in_sync)
"""
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "['/device:CPU:0', '/device:CPU:1']"
    assert lines[1] == "MirroredStrategy: 2 replicas in sync on CPU:0, CPU:1 MirroredVariable"
    assert lines[2] == "2"  # without GPUs, MirroredStrategy() mirrors over every logical CPU


@pytest.mark.slow
def test_tpu_branch_falls_through_when_no_tpu_answers():
    # The older Colab address variable, pointing at a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = "from common import strategy; print(strategy.describe(strategy.get_strategy()))"
    proc = run_python(code, env={"COLAB_TPU_ADDR": f"127.0.0.1:{port}"}, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "TPU not usable" in proc.stdout and "falling back" in proc.stdout
    assert proc.stdout.strip().endswith("OneDeviceStrategy: 1 replica in sync on CPU:0")


WORKER = """
import json, tensorflow as tf
from common import strategy
s = strategy.get_strategy()
rid = lambda: tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group + 1, tf.float32)
total = s.reduce(tf.distribute.ReduceOp.SUM, s.run(rid), axis=None)
print(json.dumps({"name": strategy.describe(s).split(":")[0], "replicas": s.num_replicas_in_sync,
                  "total": float(total), "describe": strategy.describe(s)}))
"""


@pytest.mark.slow
def test_tf_config_with_two_workers_gives_multi_worker_mirrored():
    env = {
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "netguard"), str(ROOT)]),
    }
    procs = strategy.launch_workers(
        [sys.executable, "-c", WORKER], 2, env=env, timeout=120, cwd=ROOT
    )
    for p in procs:
        assert p.returncode == 0, p.stderr[-2000:]
        result = json.loads(p.stdout.strip().splitlines()[-1])
        assert result["name"] == "MultiWorkerMirroredStrategy"
        assert result["replicas"] == 2 and result["total"] == 3.0
        assert result["describe"].endswith("(2 workers)")


def test_launch_workers_kills_the_cluster_when_one_worker_fails():
    code = (
        "import json, os, sys, time\n"
        "config = json.loads(os.environ['TF_CONFIG'])\n"
        "print(len(config['cluster']['worker']), config['task']['index'])\n"
        "sys.exit(3) if config['task']['index'] == 1 else time.sleep(60)\n"
    )
    start = time.monotonic()
    procs = strategy.launch_workers([sys.executable, "-c", code], 2, timeout=50)
    assert time.monotonic() - start < 30  # the hanging worker 0 was killed, not waited for
    assert procs[1].returncode == 3 and procs[0].returncode < 0
    assert procs[0].stdout.split() == ["2", "0"] and procs[1].stdout.split() == ["2", "1"]


def test_launch_workers_validates_arguments():
    with pytest.raises(ValueError, match="argv"):
        strategy.launch_workers("python job.py")
    with pytest.raises(ValueError, match="n must"):
        strategy.launch_workers(["python"], 0)
    ports = strategy.free_ports(3)
    assert len(set(ports)) == 3


def test_start_workers_ends_every_worker_when_the_block_ends():
    code = "import time; time.sleep(60)"
    start = time.monotonic()
    with strategy.start_workers([sys.executable, "-c", code], 2) as procs:
        assert [p.poll() for p in procs] == [None, None]
    assert all(p.returncode < 0 for p in procs)  # killed, not waited for
    assert time.monotonic() - start < 30
    with pytest.raises(ValueError, match="outputs"):
        with strategy.start_workers(["python"], 2, outputs=[(None, None)]):
            pass


def test_worker_gpus_one_each_or_the_cpu():
    assert strategy.worker_gpus(2, 2) == [
        {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "CUDA_VISIBLE_DEVICES": "0"},
        {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "CUDA_VISIBLE_DEVICES": "1"},
    ]
    for gpus in (0, 1):  # a laptop, a one-GPU Colab: both workers on the CPU
        assert [w["CUDA_VISIBLE_DEVICES"] for w in strategy.worker_gpus(2, gpus)] == ["", ""]
    with pytest.raises(ValueError, match="gpus"):
        strategy.worker_gpus(2, -1)


def test_launch_workers_hides_a_shared_gpu(monkeypatch):
    """On one GPU the workers must not both claim it: they see none (run on the CPU)."""
    monkeypatch.setattr(strategy, "_gpu_count", lambda: 1)
    code = "import os; print(repr(os.environ.get('CUDA_VISIBLE_DEVICES')))"
    procs = strategy.launch_workers([sys.executable, "-c", code], 2, timeout=60)
    assert [p.stdout.strip() for p in procs] == ["''", "''"]
