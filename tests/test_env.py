import random
import socket
import time

import numpy as np
import pytest

from common import env


def test_mode_defaults_to_full(monkeypatch):
    monkeypatch.delenv("TFAT_MODE", raising=False)
    assert env.mode() == "full"
    assert not env.is_smoke()


@pytest.mark.parametrize(
    "value, expected", [("smoke", "smoke"), (" SMOKE ", "smoke"), ("full", "full"), ("", "full")]
)
def test_mode_reads_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv("TFAT_MODE", value)
    assert env.mode() == expected


def test_unknown_mode_names_the_variable_and_valid_modes(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "fast")
    with pytest.raises(ValueError, match=r"TFAT_MODE='fast'.*full.*smoke"):
        env.mode()


def test_pick_follows_the_mode(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "smoke")
    assert env.pick(full=20, smoke=2) == 2
    monkeypatch.setenv("TFAT_MODE", "full")
    assert env.pick(full=20, smoke=2) == 20
    with pytest.raises(TypeError):
        env.pick(20, 2)  # keywords only, so a reader sees which value is which


def test_seed_everything_repeats_python_numpy_and_tensorflow_draws():
    import keras
    import tensorflow as tf

    def draws():
        env.seed_everything(7)
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        return (
            random.random(),
            np.random.rand(),
            float(tf.random.uniform(())),
            layer.kernel.numpy().tolist(),
        )

    assert draws() == draws()
    env.seed_everything(8)
    assert random.random() != draws()[0]


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        env.seed_everything(bad)


def test_is_colab(monkeypatch):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    assert not env.is_colab()
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261101")
    assert env.is_colab()


def test_has_tpu_reads_the_tpu_variables(monkeypatch):
    for name in ("COLAB_TPU_ADDR", "TPU_NAME", "TPU_ACCELERATOR_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(env.glob, "glob", lambda pattern: [])
    assert env.has_tpu() is False
    monkeypatch.setenv("COLAB_TPU_ADDR", "10.0.0.2:8470")
    assert env.has_tpu() is True


def test_online_is_true_for_a_listening_host_and_cached(monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    monkeypatch.setattr(env, "PROBE_HOSTS", (server.getsockname(),))
    monkeypatch.setattr(env, "_online_cache", {})
    try:
        assert env.online(timeout=1.0, refresh=True) is True
    finally:
        server.close()
    assert env.online(timeout=1.0) is True  # cached: the server is gone
    assert env.online(timeout=1.0, refresh=True) is False


def test_online_is_false_fast_when_nothing_answers(monkeypatch):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # a free port: connections are refused
    monkeypatch.setattr(env, "PROBE_HOSTS", (("127.0.0.1", port),))
    monkeypatch.setattr(env, "_online_cache", {})
    start = time.perf_counter()
    assert env.online(timeout=0.5, refresh=True) is False
    # Wall-clock bounds here only tell "returns" from "hangs": 10 s can't trip on a loaded
    # 2-core machine; a probe that ignored its timeout would wait out the test below.
    assert time.perf_counter() - start < 10


def test_online_gives_up_on_a_probe_that_hangs(monkeypatch):
    """A name lookup ignores socket timeouts: online() stops waiting for it after
    ``timeout`` (here a connection that would hang for a minute)."""
    import threading

    release = threading.Event()
    tried = []

    def hang(address, *args, **kwargs):
        tried.append(address)
        release.wait(60)
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", hang)
    monkeypatch.setattr(env, "_online_cache", {})
    start = time.perf_counter()
    try:
        assert env.online(timeout=0.5, refresh=True) is False
    finally:
        release.set()
    assert time.perf_counter() - start < 10  # far from the minute it would hang
    # Released after online() answered, the probe must not go on to the next host (once
    # the patch is undone that would be a real lookup: the smoke run's guard caught one).
    for thread in threading.enumerate():
        if thread.name == "tfat-online-probe":
            thread.join(10)  # the released probe has finished: nothing left to race
    assert tried == [env.PROBE_HOSTS[0]]


@pytest.mark.parametrize("bad", [0, -1, "2"])
def test_online_rejects_bad_timeouts(bad):
    with pytest.raises(ValueError, match="timeout"):
        env.online(timeout=bad)


def test_describe_names_mode_and_versions(monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("TFAT_MODE", "smoke")
    line = env.describe()
    assert "mode=smoke" in line and tf.__version__ in line and "\n" not in line


def test_importing_common_does_not_import_tensorflow_or_keras():
    from tests.conftest import run_python

    out = run_python(
        "import sys, common\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
        "common.env.mode()\n"
        "print('keras' in sys.modules)\n"
    )
    assert out.stdout.split() == ["[]", "False"]


def test_dry_run_is_full_mode_with_the_flag(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setenv("TFAT_DRY_RUN", "1")
    assert env.dry_run() and "dry run" in env.describe()
    monkeypatch.setenv("TFAT_DRY_RUN", "0")
    assert not env.dry_run()
    monkeypatch.setenv("TFAT_DRY_RUN", "1")
    monkeypatch.setenv("TFAT_MODE", "smoke")
    assert not env.dry_run()  # smoke mode is never a dry run


def test_check_bar_asserts_outside_the_dry_run(monkeypatch, capsys):
    monkeypatch.setenv("TFAT_MODE", "smoke")
    assert env.check_bar("test accuracy", 0.912, at_least=0.85) is True
    assert capsys.readouterr().out.strip() == "test accuracy 0.912 ≥ 0.85: passed"
    with pytest.raises(AssertionError, match="test accuracy 0.8 is below 0.85"):
        env.check_bar("test accuracy", 0.8, at_least=0.85)
    with pytest.raises(AssertionError, match="RMSE 2 is not below 1"):
        env.check_bar("RMSE", 2, below=1)
    assert env.check_bar("dead channels", 0.5, at_most=0.5)
    with pytest.raises(AssertionError, match="is not above"):
        env.check_bar("ratio", 1.0, above=1.0)


def test_check_bar_reports_in_the_dry_run(monkeypatch, capsys):
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setenv("TFAT_DRY_RUN", "1")
    assert env.check_bar("mean IoU", 0.04, at_least=0.65) is False  # no AssertionError
    assert capsys.readouterr().out.strip() == "mean IoU 0.04 (bar ≥ 0.65): dry run: bar not checked"


@pytest.mark.parametrize(
    "bar", [{}, {"at_least": 1, "below": 2}, {"over": 1}, {"at_least": "high"}]
)
def test_check_bar_needs_one_numeric_bar(bar):
    with pytest.raises(ValueError):
        env.check_bar("x", 0.5, **bar)
