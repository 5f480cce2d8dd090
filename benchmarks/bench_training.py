"""Speed of common.training.fit against model.fit, and of eager, graph and XLA steps.

Prints ratios measured side by side in this one process, on the same model (a small CNN),
the same data (4,000 MNIST images of the smoke set) and the same batch size (64):

1. ``common.training.fit`` time ÷ ``model.fit`` time for the same 4 epochs (each traces
   its step once), both with one step per call and both with ``steps_per_execution=8``
   (target: ≤ 1.0);
2. eager step time ÷ ``tf.function`` step time;
3. ``tf.function`` step time ÷ ``tf.function(jit_compile=True)`` step time.

Each pair is run alternately in several rounds; the ratio is the median of the per-round
ratios, so a slow moment hits both sides.
Run: ``make bench`` (or ``TFAT_MODE=smoke python benchmarks/bench_training.py``).
"""

import os
import statistics
import sys
import time

os.environ.setdefault("TFAT_MODE", "smoke")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from common import data, training  # noqa: E402

BATCH, ROUNDS, EPOCHS = 64, 3, 4
images, labels = data.to_numpy(data.load("mnist", "train"))
x = images.astype("float32") / 255.0
ds = tf.data.Dataset.from_tensor_slices((x, labels)).batch(BATCH).cache().prefetch(4)
ds_batches = list(ds.take(20))


def make_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


LOSS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def fit_pair(steps_per_execution, epochs=EPOCHS):
    """Median over rounds of (our fit time ÷ Keras fit time), fresh models each round."""
    ratios = []
    for _ in range(ROUNDS):
        ours, theirs = make_model(), make_model()
        theirs.compile(
            optimizer=keras.optimizers.Adam(),
            loss=LOSS,
            metrics=["accuracy"],
            steps_per_execution=steps_per_execution,
        )
        t_ours = timed(
            lambda m=ours: training.fit(
                m,
                ds,
                epochs=epochs,
                optimizer=keras.optimizers.Adam(),
                loss=LOSS,
                metrics=["accuracy"],
                steps_per_execution=steps_per_execution,
                verbose=0,
            )
        )
        t_theirs = timed(lambda m=theirs: m.fit(ds, epochs=epochs, verbose=0, shuffle=False))
        ratios.append(t_ours / t_theirs)
    return statistics.median(ratios)


def step_ratios():
    model = make_model()
    opt = keras.optimizers.Adam()
    opt.build(model.trainable_variables)

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = LOSS(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    graph = tf.function(step)
    xla = tf.function(step, jit_compile=True)

    def loop(fn):
        def run():
            for xb, yb in ds_batches:
                fn(xb, yb)

        return run

    for fn in (graph, xla):
        loop(fn)()  # warm-up: tracing and compiling
    eager_graph, graph_xla = [], []
    for _ in range(ROUNDS):
        t_eager, t_graph, t_xla = timed(loop(step)), timed(loop(graph)), timed(loop(xla))
        eager_graph.append(t_eager / t_graph)
        graph_xla.append(t_graph / t_xla)
    return statistics.median(eager_graph), statistics.median(graph_xla)


if __name__ == "__main__":
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; small CNN, "
        f"{len(x):,} images, batch {BATCH}, median of {ROUNDS} alternating rounds"
    )
    for k in (1, 8):
        print(
            f"training.fit ÷ model.fit time, {EPOCHS} epochs, steps_per_execution={k}: "
            f"{fit_pair(k):.2f}"
        )
    eager_graph, graph_xla = step_ratios()
    print(f"eager ÷ tf.function step time: {eager_graph:.2f}")
    print(f"tf.function ÷ tf.function(jit_compile=True) step time: {graph_xla:.2f}")
