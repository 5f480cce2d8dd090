"""The tables of the notebooks (energy efficiency, wine quality, breast cancer): their
columns, the full-mode readers and the generated smoke stand-ins."""

from __future__ import annotations

import functools
import math

import numpy as np

from common.data.smoke import SMOKE_SEED

WINE_FEATURES = (
    "fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
    "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol",
)  # fmt: skip
WINE_COLUMNS = WINE_FEATURES + ("quality",)
ENERGY_FEATURES = tuple(f"X{i}" for i in range(1, 9))
ENERGY_COLUMNS = ENERGY_FEATURES + ("Y1", "Y2")
ENERGY_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00242/ENB2012_data.xlsx"
ENERGY_FILE = "ENB2012_data.xlsx"


# --- tables ----------------------------------------------------------------------------

# The 12 building shapes of ENB2012: relative compactness, surface, wall and roof area,
# overall height (surface = wall + 2 * roof).
_ENERGY_SHAPES = (
    (0.98, 514.5, 294.0, 110.25, 7.0),
    (0.90, 563.5, 318.5, 122.50, 7.0),
    (0.86, 588.0, 294.0, 147.00, 7.0),
    (0.82, 612.5, 318.5, 147.00, 7.0),
    (0.79, 637.0, 343.0, 147.00, 7.0),
    (0.76, 661.5, 416.5, 122.50, 7.0),
    (0.74, 686.0, 245.0, 220.50, 3.5),
    (0.71, 710.5, 269.5, 220.50, 3.5),
    (0.69, 735.0, 294.0, 220.50, 3.5),
    (0.66, 759.5, 318.5, 220.50, 3.5),
    (0.64, 784.0, 343.0, 220.50, 3.5),
    (0.62, 808.5, 367.5, 220.50, 3.5),
)


@functools.cache
def energy_smoke(split=None):
    """The 768-row ENB2012 design with generated loads (see the registry's text)."""
    import pandas as pd

    glazing = [(0.0, 0)] + [(a, d) for a in (0.10, 0.25, 0.40) for d in range(1, 6)]
    rows = [
        (*shape, orientation, area, distribution)
        for area, distribution in glazing
        for shape in _ENERGY_SHAPES
        for orientation in (2, 3, 4, 5)
    ]
    x = np.array(rows, dtype=np.float64)  # (768, 8)
    rc, wall, height, orient, area, dist = x[:, 0], x[:, 2], x[:, 4], x[:, 5], x[:, 6], x[:, 7]
    rng = np.random.default_rng(SMOKE_SEED)
    tall = (height == 7.0).astype(np.float64)
    spread = np.clip((0.98 - rc) / 0.22, 0, 1)  # 0 compact .. 1 spread out (tall ones)
    glass = (area / 0.40) ** 0.6  # diminishing returns of more glazing
    side = np.array([0.0, 0.2, 0.6, -0.3, 0.4, 0.1])[dist.astype(int)]  # where the glass is
    walls = (wall - 245.0) / 171.5
    heating = (
        6.3 + tall * (11.5 + 8.0 * spread) + glass * (5.0 + 6.0 * tall) + 3.0 * walls
        + side * glass + rng.normal(0, 0.4, len(x))
    )  # fmt: skip
    cooling = (
        11.0 + tall * (11.0 + 9.0 * spread**2) + glass * (3.0 + 7.0 * tall)
        + 2.5 * walls**2 + 0.8 * (orient - 3.5) * tall * glass + rng.normal(0, 0.6, len(x))
    )  # fmt: skip
    frame = pd.DataFrame(x, columns=list(ENERGY_FEATURES))
    frame["Y1"] = np.round(heating, 2)
    frame["Y2"] = np.round(cooling, 2)
    return frame


def read_energy(path, split=None):
    """The UCI ENB2012 sheet at ``path`` as the 10 float64 columns (empty rows and columns,
    which the UCI file carries, dropped)."""
    import pandas as pd

    try:
        frame = pd.read_excel(path)
    except ImportError as err:
        raise RuntimeError(
            "reading ENB2012_data.xlsx needs openpyxl: pip install openpyxl (in the 'lab' extra)"
        ) from err
    frame = frame.dropna(axis=0, how="all").dropna(axis=1, how="all")
    missing = [c for c in ENERGY_COLUMNS if c not in frame.columns]
    if missing:
        raise RuntimeError(f"{path} lacks the columns {missing}: not the UCI ENB2012 file?")
    return frame[list(ENERGY_COLUMNS)].astype("float64").reset_index(drop=True)


def wine_frame(dataset):
    """tfds ``wine_quality`` examples (``{"features": {...}, "quality"}``) as the table."""
    import pandas as pd

    features = {name: [] for name in WINE_FEATURES}
    quality = []
    for batch in dataset.batch(4096).as_numpy_iterator():
        quality.append(batch["quality"])
        for name in WINE_FEATURES:
            features[name].append(batch["features"][name])
    columns = {}
    for name in WINE_FEATURES:
        values = np.concatenate(features[name])
        # tfds stores most features as float32: the shortest float32 text is the CSV's
        # value (7.4, not 7.400000095367432)
        columns[name] = values.astype(str).astype(np.float64)
    columns["quality"] = np.concatenate(quality).astype(np.int64)
    return pd.DataFrame(columns, columns=list(WINE_COLUMNS))


# Per-colour (mean, sd) of the UCI wine features (rounded from the real data) and the
# decimals the UCI files use.
_WINE_STATS = {
    "red": {
        "fixed acidity": (8.32, 1.74),
        "volatile acidity": (0.528, 0.179),
        "citric acid": (0.271, 0.195),
        "residual sugar": (2.54, 1.41),
        "chlorides": (0.0875, 0.047),
        "free sulfur dioxide": (15.9, 10.5),
        "total sulfur dioxide": (46.5, 32.9),
        "density": (0.99675, 0.0019),
        "pH": (3.31, 0.154),
        "sulphates": (0.658, 0.170),
        "alcohol": (10.42, 1.07),
        "quality": (5.64, 0.81),
    },
    "white": {
        "fixed acidity": (6.85, 0.84),
        "volatile acidity": (0.278, 0.101),
        "citric acid": (0.334, 0.121),
        "residual sugar": (6.39, 5.07),
        "chlorides": (0.0458, 0.0218),
        "free sulfur dioxide": (35.3, 17.0),
        "total sulfur dioxide": (138.4, 42.5),
        "density": (0.99403, 0.0030),
        "pH": (3.19, 0.151),
        "sulphates": (0.490, 0.114),
        "alcohol": (10.51, 1.23),
        "quality": (5.88, 0.89),
    },
}
_WINE_DECIMALS = {
    "fixed acidity": 1, "volatile acidity": 3, "citric acid": 2, "residual sugar": 1,
    "chlorides": 3, "free sulfur dioxide": 0, "total sulfur dioxide": 0, "density": 5,
    "pH": 2, "sulphates": 2, "alcohol": 1,
}  # fmt: skip
WINE_SMOKE_ROWS = {"red": 600, "white": 1800}
WINE_DUPLICATE_FRACTION = 0.08


def _lognormal(rng, mean, sd, size):
    """Positive, right-skewed values with the given mean and standard deviation."""
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)


def wine_smoke(colour):
    """``stand_in(split)``: the generated wine table of ``colour`` ("red" or "white")."""
    if colour not in _WINE_STATS:
        raise ValueError(f"colour must be 'red' or 'white', got {colour!r}")
    return lambda split=None: _wine_smoke(colour == "red")


@functools.cache
def _wine_smoke(red: bool):
    import pandas as pd

    colour = "red" if red else "white"
    stats = _WINE_STATS[colour]
    rows = WINE_SMOKE_ROWS[colour]
    n_dup = int(round(WINE_DUPLICATE_FRACTION * rows))
    n = rows - n_dup
    rng = np.random.default_rng(SMOKE_SEED + (11 if red else 12))

    def ln(name, lower=0.0):
        mean, sd = stats[name]
        return lower + _lognormal(rng, mean - lower, sd, n)

    def z(name, values):
        mean, sd = stats[name]
        return (values - mean) / sd

    col = {}
    col["fixed acidity"] = ln("fixed acidity", lower=3.8)
    col["volatile acidity"] = ln("volatile acidity", lower=0.08)
    mean, sd = stats["citric acid"]
    col["citric acid"] = np.clip(rng.normal(mean, sd, n), 0, 1.0)
    col["residual sugar"] = ln("residual sugar", lower=0.6)
    col["chlorides"] = ln("chlorides", lower=0.009)
    col["free sulfur dioxide"] = ln("free sulfur dioxide", lower=1.0)
    extra_mean = stats["total sulfur dioxide"][0] - stats["free sulfur dioxide"][0]
    extra_sd = 28.0 if red else 36.0
    col["total sulfur dioxide"] = (
        col["free sulfur dioxide"] + 4 + _lognormal(rng, extra_mean - 4, extra_sd, n)
    )
    col["alcohol"] = ln("alcohol", lower=8.0)
    # density rises with sugar and falls with alcohol, as in wine
    d_mean, d_sd = stats["density"]
    sugar_part = 0.00037 * (col["residual sugar"] - stats["residual sugar"][0])
    alcohol_part = -0.0009 * (col["alcohol"] - stats["alcohol"][0])
    rest = math.sqrt(max(d_sd**2 - sugar_part.var() - alcohol_part.var(), (0.3 * d_sd) ** 2))
    col["density"] = d_mean + sugar_part + alcohol_part + rng.normal(0, rest, n)
    # pH falls with fixed acidity
    ph_mean, ph_sd = stats["pH"]
    acid_part = -0.06 * (col["fixed acidity"] - stats["fixed acidity"][0])
    rest = math.sqrt(max(ph_sd**2 - acid_part.var(), (0.3 * ph_sd) ** 2))
    col["pH"] = ph_mean + acid_part + rng.normal(0, rest, n)
    col["sulphates"] = ln("sulphates", lower=0.22)

    frame = pd.DataFrame({name: col[name] for name in WINE_FEATURES})
    for name, decimals in _WINE_DECIMALS.items():
        frame[name] = frame[name].round(decimals)
    # quality: better with alcohol and sulphates, worse with volatile acidity, plus noise
    score = (
        0.55 * z("alcohol", frame["alcohol"].to_numpy())
        - 0.30 * z("volatile acidity", frame["volatile acidity"].to_numpy())
        + 0.20 * z("sulphates", frame["sulphates"].to_numpy())
        + 0.60 * rng.standard_normal(n)
    )
    q_mean, q_sd = stats["quality"]
    quality = np.rint(q_mean + q_sd * (score - score.mean()) / score.std())
    frame["quality"] = np.clip(quality, 3, 9).astype(np.int64)
    # about 8% exact duplicate rows, as the real files have, at random places
    copies = frame.iloc[rng.choice(n, size=n_dup, replace=False)]
    frame = pd.concat([frame, copies], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame.astype({name: "float64" for name in WINE_FEATURES})
