import time
from pathlib import Path

import pytest

from common import env, hub, sources


def test_smoke_mode_builds_the_stand_in(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "smoke")
    model, text = hub.resolve("https://tfhub.dev/x/y/1", smoke=lambda: "stand-in")
    assert model == "stand-in" and "stand-in" in text and "x/y/1" in text


def test_full_mode_offline_fails_fast_with_advice(monkeypatch, tmp_path):
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(env, "online", lambda *a, **k: False)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="TFAT_MODE=smoke"):
        hub.resolve("https://tfhub.dev/tensorflow/ssd/1", smoke=lambda: None)
    assert time.monotonic() - start < 5


def test_full_mode_loads_a_local_savedmodel(monkeypatch, tmp_path):
    import tensorflow as tf

    class Double(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return {"y": 2 * x}

    tf.saved_model.save(Double(), str(tmp_path / "m"))
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("probed the network"))
    model, text = hub.resolve(str(tmp_path / "m"), smoke=lambda: None)
    assert model(tf.constant([1.5]))["y"].numpy().tolist() == [3.0]
    assert "full mode" in text


def test_cached_path_matches_tensorflow_hub(monkeypatch, tmp_path):
    from tensorflow_hub import compressed_module_resolver, resolver

    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path))
    handle = "https://tfhub.dev/google/faster_rcnn/openimages_v4/inception_resnet_v2/1"
    assert sources.hub_cache_dir() == tmp_path == Path(resolver.tfhub_cache_dir())
    name = compressed_module_resolver._module_dir(handle)
    assert sources.hub_cached_path(handle) == tmp_path / name


@pytest.mark.parametrize("handle", ["", None, 3])
def test_bad_handle(handle):
    with pytest.raises(ValueError, match="handle"):
        hub.resolve(handle, smoke=lambda: None)


def test_smoke_must_be_callable():
    with pytest.raises(TypeError, match="smoke"):
        hub.resolve("https://tfhub.dev/a/b/1", smoke="nope")
