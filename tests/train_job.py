"""A small, deterministic training job for the distributed and fault tests.

    python tests/train_job.py OUT [--logical-cpus N] [--epochs E] [--ckpt DIR]
                              [--delay S] [--steps-per-execution K]

Trains the same model from the same initial weights on the same data with
``common.training.fit`` under ``get_strategy()`` (multi-worker when ``TF_CONFIG`` is set,
mirrored over logical CPUs when asked) and writes the final weights and the history to
OUT (``{index}`` in it becomes the worker's index). ``--delay`` sleeps that long per batch, so a test can kill it mid-epoch.
"""

import argparse
import json
import os
import time

import numpy as np

import common.strategy
from common import training

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--logical-cpus", type=int, default=None)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--ckpt", default=None)
parser.add_argument("--delay", type=float, default=0.0)
parser.add_argument("--steps-per-execution", type=int, default=1)
args = parser.parse_args()

strategy = common.strategy.get_strategy(logical_cpus=args.logical_cpus)
import keras  # noqa: E402  (after the strategy: logical CPUs must come first)
import tensorflow as tf  # noqa: E402

rng = np.random.default_rng(0)
x = rng.normal(size=(512, 8)).astype("float32")
y = (x[:, :4].sum(1) > x[:, 4:].sum(1)).astype("int64")
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32, drop_remainder=True)
if args.delay:

    def slow(a, b):
        tf.py_function(lambda: time.sleep(args.delay), [], [])
        return a, b

    ds = ds.map(slow)

with strategy.scope():
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(2),
        ]
    )
history = training.fit(
    model,
    ds,
    epochs=args.epochs,
    optimizer=keras.optimizers.SGD(0.1),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
    val_ds=ds.take(4),
    strategy=strategy,
    checkpoint_dir=args.ckpt,
    verbose=2,
    steps_per_execution=args.steps_per_execution,
)
index = json.loads(os.environ.get("TF_CONFIG") or "{}").get("task", {}).get("index", 0)
with open(args.out.format(index=index), "w") as f:
    json.dump(
        {
            "weights": [w.tolist() for w in model.get_weights()],
            "history": history,
            "strategy": common.strategy.describe(strategy),
        },
        f,
    )
