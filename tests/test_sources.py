"""common.sources: the one seam for downloads (fail-fast offline, atomic writes, the dry
run's fakes)."""

import sys
import threading
import time
import types
import zipfile

import numpy as np
import pytest

from common import env, sources


def _write(text):
    def write(path):
        path.write_text(text)

    return write


def test_download_uses_a_local_copy_without_the_network(full, monkeypatch, tmp_path):
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("probed the network"))
    (tmp_path / "table.csv").write_text("a,b\n")
    path = sources.download("https://example.org/x/table.csv", data_dir=tmp_path, fake=_write(""))
    assert path == tmp_path / "table.csv"


def test_download_offline_fails_fast_naming_what_to_do(full, monkeypatch, tmp_path):
    monkeypatch.setattr(env, "online", lambda *a, **k: False)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="TFAT_MODE=smoke") as info:
        sources.download("https://example.org/m2nist.zip", data_dir=tmp_path, fake=_write(""))
    # "Fast" against a retrying download (minutes): a bound a loaded 2-core machine can't trip.
    assert time.perf_counter() - start < 20
    assert str(tmp_path) in str(info.value) and "m2nist.zip" in str(info.value)


def test_download_is_atomic(full, monkeypatch, tmp_path):
    """A download that breaks off leaves nothing behind that a later call would read."""
    monkeypatch.setattr(env, "online", lambda *a, **k: True)

    def broken(url, target, **kwargs):
        target.write_bytes(b"half a file")
        raise OSError("connection reset")

    monkeypatch.setattr(sources, "_fetch", broken)
    with pytest.raises(RuntimeError, match="connection reset"):
        sources.download("https://example.org/big.zip", data_dir=tmp_path, fake=_write(""))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(sources, "_fetch", lambda url, target, **k: target.write_bytes(b"whole"))
    path = sources.download("https://example.org/big.zip", data_dir=tmp_path, fake=_write(""))
    assert path.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [path]


def test_dry_run_reads_the_fake_and_never_the_data_dir(dry, tmp_path):
    (tmp_path / "table.csv").write_text("the real copy")
    path = sources.download(
        "https://example.org/table.csv", data_dir=tmp_path, fake=_write("generated")
    )
    assert path.read_text() == "generated" and path.name == "table.csv"
    assert path.is_relative_to(sources.fakes_dir())
    again = sources.download("https://example.org/table.csv", fake=_write("other"))
    assert again == path  # made once per version of the code that makes it
    with pytest.raises(TypeError, match="fake"):
        sources.download("https://example.org/table.csv", fake=None)


def test_extract_unpacks_once_atomically_and_checks_the_layout(tmp_path):
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/combined.npy", b"x")
    folder = sources.extract(archive, marker="combined.npy")
    assert folder == tmp_path / "set" and (folder / "inner" / "combined.npy").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set", "set.zip"]  # no .part left
    with pytest.raises(RuntimeError, match="segmented.npy not found"):
        sources.extract(archive, marker="segmented.npy")
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(RuntimeError, match="not a zip file"):
        sources.extract(bad)
    assert not (tmp_path / "bad").exists()


def test_extract_from_two_threads_at_once(tmp_path):
    archive = tmp_path / "set.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(200):
            z.writestr(f"d/{i}.txt", "x" * 1000)
    results, errors = [], []

    def unpack():
        try:
            results.append(sources.extract(archive))
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=unpack) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert len(list((tmp_path / "set" / "d").iterdir())) == 200


def _keep_tfds_modules(monkeypatch):
    """Restore the real tensorflow_datasets modules after a test that makes import_tfds
    forget them (a second copy of tfds would escape tfds.testing.mock_data later)."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "tensorflow_datasets":
            monkeypatch.setitem(sys.modules, name, module)


def test_import_tfds_explains_colabs_protobuf_conflict(monkeypatch):
    """On Colab's stack tensorflow-datasets imports without `builder` (it logs protobuf's
    VersionError): the seam says what to do, and forgets the broken module."""
    _keep_tfds_modules(monkeypatch)
    broken = types.ModuleType("tensorflow_datasets")
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", broken)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets.core", types.ModuleType("core"))
    message = "VersionError: gencode 6.31.1 runtime 5.29.6"
    monkeypatch.setattr(sources, "_tensorflow_metadata_error", lambda: message)
    with pytest.raises(RuntimeError, match=r"tensorflow-metadata==1\.17\.1") as info:
        sources.import_tfds()
    assert "gencode 6.31.1" in str(info.value) and "TFAT_MODE=smoke" in str(info.value)
    assert "tensorflow_datasets" not in sys.modules
    assert "tensorflow_datasets.core" not in sys.modules


def test_import_tfds_names_the_install_when_missing(monkeypatch):
    _keep_tfds_modules(monkeypatch)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # import raises
    with pytest.raises(RuntimeError, match="pip install tensorflow-datasets importlib_resources"):
        sources.import_tfds()


def test_weights_are_random_in_the_dry_run(dry):
    assert sources.weights("imagenet") is None


def test_weights_are_random_in_smoke_mode_without_a_probe(smoke, monkeypatch):
    monkeypatch.setattr(env, "online", lambda *a, **k: pytest.fail("smoke mode probed"))
    assert sources.weights("imagenet") is None


def test_weights_offline_with_nothing_cached_fail_fast(full, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(env, "online", lambda *a, **k: False)
    with pytest.raises(RuntimeError, match="TFAT_MODE=smoke"):
        sources.weights("imagenet")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "vgg16_weights.h5").write_bytes(b"")
    assert sources.weights("imagenet") == "imagenet"  # something cached: Keras decides


def test_hub_model_dry_run_builds_the_stand_in(dry):
    model, text = sources.hub_model("https://tfhub.dev/a/b/1", fake=lambda: "stand-in")
    assert model == "stand-in" and "dry run" in text and "a/b/1" in text


def test_keras_hub_preset_dry_run_builds_the_fake_after_checking_the_name(dry):
    class Detector:
        presets = {"coco": {"kaggle_handle": "kaggle://k/r/keras/coco/1"}}

        @classmethod
        def from_preset(cls, name):
            pytest.fail("the dry run downloaded the preset")

    assert sources.keras_hub_preset(Detector, "coco", fake=lambda: "fake") == "fake"
    with pytest.raises(ValueError, match="not a Detector preset"):
        sources.keras_hub_preset(Detector, "imaginary", fake=lambda: "fake")


def test_tfds_dataset_dry_run_uses_the_real_builder_and_split_names(dry):
    from common.data.fakes import TfdsFake

    fake = TfdsFake(("train",), values={"label": (1, 1)}, examples=10)
    train = list(sources.tfds_dataset("cats_vs_dogs", "train[:80%]", fake=fake).as_numpy_iterator())
    test = list(sources.tfds_dataset("cats_vs_dogs", "train[80%:]", fake=fake))
    assert len(train) == 8 and len(test) == 2
    assert set(train[0]) == {"image", "image/filename", "label"}  # the real builder's keys
    assert train[0]["image"].dtype == np.uint8 and train[0]["image"].shape[2] == 3
    assert {int(e["label"]) for e in train} == {1}
    pairs = sources.tfds_dataset("cats_vs_dogs", "train", fake=fake, as_supervised=True)
    assert len(next(iter(pairs))) == 2
    with pytest.raises(ValueError, match="Unknown split 'test'"):
        sources.tfds_dataset("cats_vs_dogs", "test", fake=fake)  # as the real set: no 'test'


def _offline_calls():
    """Every outside resource of the notebooks, as the call a notebook makes for it."""
    from common import data, detection, hub_models

    calls = {
        f"data.load('{name}')": lambda d, n=name: data.load(n, "train", data_dir=d)
        for name in data.available()
        if not isinstance(data.REGISTRY[name].full, data.registry.Package)
    }
    calls.update({
        f"data.load_table('{name}')": lambda d, n=name: data.load_table(n, data_dir=d)
        for name in data.available_tables()
    })  # fmt: skip
    calls.update({
        "data.few_shot_data('ducky')": lambda d: data.few_shot_data("ducky", data_dir=d),
        "data.few_shot_data('zombie')": lambda d: data.few_shot_data("zombie", data_dir=d),
        "data.course_photo(url)": lambda d: data.course_photo("https://a.b/c.jpg", data_dir=d),
        "hub_models.resolve(ssd)": lambda d: hub_models.resolve("https://tfhub.dev/a/ssd/1", smoke=lambda: 0),
        "detection.load_detector(coco)": lambda d: detection.load_detector(detection.PRESET),
        "sources.weights('imagenet')": lambda d: sources.weights("imagenet"),
    })  # fmt: skip
    return calls


@pytest.mark.parametrize("call", sorted(_offline_calls()))
def test_every_outside_resource_fails_fast_offline(full, monkeypatch, tmp_path, call):
    """Full mode without a network: each resource fails within seconds, with a message that
    says what to do (TFAT_MODE=smoke), instead of retrying for minutes."""
    monkeypatch.setattr(env, "online", lambda *a, **k: False)
    for variable in ("TFHUB_CACHE_DIR", "KAGGLEHUB_CACHE", "KERAS_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / "cache" / variable))
    from common import detection

    detection._keras_hub()  # imported already in a notebook: time the check, not the imports
    sources.import_tfds()
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="TFAT_MODE=smoke") as info:
        _offline_calls()[call](str(tmp_path))
    # Within seconds, not the minutes of tfds's or urllib's retries: 30 s tells the two apart
    # and can't trip on a loaded 2-core machine (imports are done above, outside the clock).
    assert time.perf_counter() - start < 30
    if call.startswith("data.load"):
        assert str(tmp_path) in str(info.value)  # where a downloaded copy would go
