"""common.training.fit: results, resume, logs, bad input; the same weights under every
strategy (one device, 2 logical CPUs, 2 local workers); recovery from SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from common import strategy
from tests.conftest import NETGUARD, ROOT

JOB = str(ROOT / "tests" / "train_job.py")


def _data(n=256, batch=32):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, :4].sum(1) > x[:, 4:].sum(1)).astype("int64")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch, drop_remainder=True)


def _model(seed=1):
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )


def _fit(model, ds, **kw):
    import keras

    from common import training

    kw.setdefault("epochs", 3)
    kw.setdefault("verbose", 0)
    return training.fit(
        model,
        ds,
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **kw,
    )


def test_fit_matches_keras_fit_on_the_same_model_and_data():
    import keras

    ds = _data()
    ours = _model()
    history = _fit(ours, ds, val_ds=ds.take(2))
    theirs = _model()
    theirs.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    reference = theirs.fit(ds, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 3 for v in history.values())
    np.testing.assert_allclose(history["loss"], reference.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(history["accuracy"], reference.history["accuracy"], atol=1e-6)
    assert history["loss"][-1] < history["loss"][0]


def test_steps_per_execution_does_not_change_the_result():
    ds = _data()
    one, four = _model(), _model()
    h1 = _fit(one, ds, steps_per_execution=1)
    h4 = _fit(four, ds, steps_per_execution=3)  # 8 steps: calls of 3, 3 and 2
    for a, b in zip(one.get_weights(), four.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(h1["loss"], h4["loss"], rtol=1e-6)


def test_checkpoints_resume_without_repeating_or_losing_epochs(tmp_path, capsys):
    ds = _data()
    straight = _model()
    _fit(straight, ds, epochs=4)

    model = _model()
    first = _fit(model, ds, epochs=2, checkpoint_dir=tmp_path)
    assert len(first["loss"]) == 2
    again = _model(seed=99)  # different initial weights: the checkpoint must overwrite them
    history = _fit(again, ds, epochs=4, checkpoint_dir=tmp_path, verbose=2)
    out = capsys.readouterr().out
    assert "2 of 4 epochs done" in out and "Epoch 3/4" in out and "Epoch 1/4" not in out
    assert len(history["loss"]) == 4 and history["loss"][:2] == first["loss"]
    for a, b in zip(again.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert _fit(again, ds, epochs=4, checkpoint_dir=tmp_path) == history  # nothing left to do


def test_tensorboard_scalars_are_written(tmp_path):
    import tensorflow as tf

    _fit(_model(), _data(), epochs=2, val_ds=_data().take(1), log_dir=tmp_path)
    tags = {}
    for part in ("train", "validation"):
        files = list((tmp_path / part).glob("events.out.tfevents.*"))
        assert files, f"no event file under {part}"
        for event in tf.compat.v1.train.summary_iterator(str(files[0])):
            for value in event.summary.value:
                tags.setdefault(part, set()).add((value.tag, event.step))
    assert {("epoch_loss", 0), ("epoch_loss", 1), ("epoch_accuracy", 1)} <= tags["train"]
    assert ("epoch_loss", 1) in tags["validation"]


def test_fit_trains_a_model_with_a_per_pixel_loss():
    import keras
    import tensorflow as tf

    from common import training

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 8, 8, 1)).astype("float32")
    y = (x[..., 0] > 0.5).astype("int64")  # a label per pixel: (N, 8, 8)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 1)])
    history = training.fit(
        model,
        ds,
        epochs=20,
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        verbose=0,
    )
    assert history["accuracy"][-1] > 0.95


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1, "steps_per_epoch": -1}, "steps_per_epoch"),
        ({"epochs": 1, "steps_per_execution": 0}, "steps_per_execution"),
        ({"epochs": 1, "verbose": 3}, "verbose"),
        ({"epochs": 1, "optimizer": 3}, "optimizer"),
        ({"epochs": 1, "loss": 5}, "loss"),
        ({"epochs": 1, "metrics": [3]}, "metrics"),
        ({"epochs": 1, "val_ds": [1, 2]}, "val_ds"),
        ({"epochs": 1, "strategy": "mirrored"}, "strategy"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    import keras

    from common import training

    args = {"optimizer": "sgd", "loss": "sparse_categorical_crossentropy", **kwargs}
    with pytest.raises(ValueError, match=match):
        training.fit(_model(), _data(), **args)
    with pytest.raises(ValueError, match="train_ds"):
        training.fit(_model(), np.zeros((4, 8)), epochs=1, optimizer="sgd", loss="mse")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="built"):
        training.fit(unbuilt, _data(), epochs=1, optimizer="sgd", loss="mse")


def test_empty_and_infinite_datasets_are_explained():
    from common import training

    with pytest.raises(ValueError, match="train_ds is empty"):
        training.fit(_model(), _data().take(0), epochs=1, optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="infinite"):
        training.fit(_model(), _data().repeat(), epochs=1, optimizer="sgd", loss="mse")


# --- the same job under three strategies, in subprocesses ------------------------------


def _env():
    return dict(
        os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join([str(NETGUARD), str(ROOT)])
    )


def _job(out, *args, timeout=180):
    proc = subprocess.run(
        [sys.executable, JOB, str(out), *args],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
def test_same_weights_on_one_device_two_logical_cpus_and_two_workers(tmp_path):
    single = _job(tmp_path / "single.json")
    mirrored = _job(tmp_path / "mirrored.json", "--logical-cpus", "2", "--steps-per-execution", "3")
    procs = strategy.launch_workers(
        [sys.executable, JOB, str(tmp_path / "worker{index}.json")],
        2,
        env=_env(),
        timeout=240,
        cwd=ROOT,
    )
    for p in procs:
        assert p.returncode == 0, p.stderr[-3000:]
    workers = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]

    assert single["strategy"].startswith("OneDeviceStrategy")
    assert mirrored["strategy"].startswith("MirroredStrategy: 2 replicas")
    assert workers[0]["strategy"].startswith("MultiWorkerMirroredStrategy: 2 replicas")
    reference = [np.array(w) for w in single["weights"]]
    for other in (mirrored, *workers):
        for a, b in zip(reference, other["weights"], strict=True):
            np.testing.assert_allclose(a, np.array(b), atol=1e-5)
        np.testing.assert_allclose(single["history"]["loss"], other["history"]["loss"], rtol=1e-5)
    for a, b in zip(workers[0]["weights"], workers[1]["weights"], strict=True):
        np.testing.assert_array_equal(np.array(a), np.array(b))  # identical, not just close


def _wait_for_checkpoint(ckpt, procs, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (ckpt / "checkpoint").exists():
            return
        assert all(p.poll() is None for p in procs), "job ended before its first checkpoint"
        time.sleep(0.05)
    raise AssertionError("no checkpoint within the timeout")


def _history_file(ckpt):
    return json.loads((ckpt / "history.json").read_text())


@pytest.mark.slow
def test_a_job_killed_mid_training_resumes_from_its_checkpoint(tmp_path):
    ckpt, out = tmp_path / "ckpt", tmp_path / "out.json"
    args = [sys.executable, JOB, str(out), "--epochs", "5", "--ckpt", str(ckpt), "--delay", "0.05"]
    proc = subprocess.Popen(
        args, env=_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        _wait_for_checkpoint(ckpt, [proc])
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and not out.exists()
    done_before = len(_history_file(ckpt)["loss"])
    assert 1 <= done_before < 5

    result = _job(out, "--epochs", "5", "--ckpt", str(ckpt))
    history = result["history"]
    assert all(len(v) == 5 for v in history.values()), history  # each epoch exactly once
    straight = _job(tmp_path / "straight.json", "--epochs", "5")
    np.testing.assert_allclose(history["loss"], straight["history"]["loss"], rtol=1e-5)


@pytest.mark.slow
def test_a_killed_worker_and_its_cluster_restart_and_finish(tmp_path):
    ckpt = tmp_path / "ckpt"
    args = [
        sys.executable,
        JOB,
        str(tmp_path / "w{index}.json"),
        "--epochs",
        "4",
        "--ckpt",
        str(ckpt),
        "--delay",
        "0.05",
    ]
    with strategy.start_workers(args, 2, env=_env(), cwd=ROOT) as procs:  # ends both on exit
        _wait_for_checkpoint(ckpt, procs)
        procs[1].send_signal(signal.SIGKILL)  # one worker dies; the other cannot go on alone
    done_before = len(_history_file(ckpt)["loss"])
    assert 1 <= done_before < 4

    results = strategy.launch_workers(args, 2, env=_env(), timeout=240, cwd=ROOT)
    for p in results:
        assert p.returncode == 0, p.stderr[-3000:]
    finals = [json.loads((tmp_path / f"w{i}.json").read_text()) for i in range(2)]
    for final in finals:
        assert all(len(v) == 4 for v in final["history"].values()), final["history"]
    for a, b in zip(finals[0]["weights"], finals[1]["weights"], strict=True):
        np.testing.assert_array_equal(np.array(a), np.array(b))
