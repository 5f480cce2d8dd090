"""Strategy selection. Branches that need a fresh TensorFlow runtime (logical CPUs,
TF_CONFIG workers, TPU fall-through) run in subprocesses."""

import json
import os
import socket
import subprocess
import sys

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
    assert strategy.describe(s) == "default strategy: 1 replica in sync on CPU:0"


def test_describe_rejects_non_strategies():
    with pytest.raises(TypeError, match="strategy"):
        strategy.describe("mirrored")


@pytest.mark.slow
def test_logical_cpus_give_a_mirrored_strategy_that_all_reduces():
    code = """
import tensorflow as tf
from common import strategy as S
s = S.get_strategy(logical_cpus=2)
ids = s.run(lambda: tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group + 1, tf.float32))
total = s.reduce(tf.distribute.ReduceOp.SUM, ids, axis=None)
print(type(s).__name__, s.num_replicas_in_sync, float(total))
print(S.describe(s))
try:
    S.get_strategy(logical_cpus=3)
except RuntimeError as err:
    print("late:", err)
"""
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "MirroredStrategy 2 3.0"
    assert lines[1] == "MirroredStrategy: 2 replicas in sync on CPU:0, CPU:1"
    assert lines[2].startswith("late:") and "before any other TensorFlow call" in lines[2]


@pytest.mark.slow
def test_tpu_branch_falls_through_when_no_tpu_answers():
    # The older Colab address variable, pointing at a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = "from common import strategy as S; print(S.describe(S.get_strategy()))"
    proc = run_python(code, env={"COLAB_TPU_ADDR": f"127.0.0.1:{port}"}, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "TPU not usable" in proc.stdout and "falling back" in proc.stdout
    assert proc.stdout.strip().endswith("default strategy: 1 replica in sync on CPU:0")


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


WORKER = """
import json, tensorflow as tf
from common import strategy as S
s = S.get_strategy()
rid = lambda: tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group + 1, tf.float32)
total = s.reduce(tf.distribute.ReduceOp.SUM, s.run(rid), axis=None)
print(json.dumps({"name": S.describe(s).split(":")[0], "replicas": s.num_replicas_in_sync,
                  "total": float(total), "describe": S.describe(s)}))
"""


@pytest.mark.slow
def test_tf_config_with_two_workers_gives_multi_worker_mirrored():
    ports = _free_ports(2)
    workers = [f"localhost:{p}" for p in ports]
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "netguard"), str(ROOT)]),
    )
    procs = []
    try:
        for i in range(2):
            config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", WORKER],
                    env=dict(env, TF_CONFIG=json.dumps(config)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=ROOT,
                )
            )
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
        result = json.loads(out.strip().splitlines()[-1])
        assert result["name"] == "MultiWorkerMirroredStrategy"
        assert result["replicas"] == 2 and result["total"] == 3.0
        assert result["describe"].endswith("(2 workers)")
