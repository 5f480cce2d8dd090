"""One custom training loop for every notebook: :func:`fit`.

``fit`` is what ``model.fit`` does, written out with ``tf.GradientTape`` so it can be read
and changed, and so it runs unchanged under any ``tf.distribute`` strategy (one device,
``MirroredStrategy``, ``MultiWorkerMirroredStrategy``, ``TPUStrategy``)::

    strategy = common.strategy.get_strategy()
    with strategy.scope():
        model = build_model()                       # variables live in the strategy
    history = training.fit(model, train_ds, epochs=5, optimizer="adam",
                           loss=keras.losses.SparseCategoricalCrossentropy(),
                           metrics=["accuracy"], val_ds=test_ds, strategy=strategy,
                           checkpoint_dir="build/ckpt")   # resumes if run again

Why a loop of our own: Keras 3's ``model.fit`` fails under ``MultiWorkerMirroredStrategy``
(a ``PerReplica`` conversion error, ever since Keras 3 became TensorFlow's Keras in TF 2.16;
keras-team/keras#20585), while a custom loop over ``strategy.run`` works. So the course's
code is one loop, the same under every strategy: one device, several GPUs, several
workers, a TPU.

It is the loop of Course 2, Week 2: for each epoch, for each batch a train step, then a
pass over the validation set, metrics reset every epoch, a line of logs. What it does per
step, on every replica: forward pass, per-example loss averaged over the *global* batch
(``tf.nn.compute_average_loss``), gradients, optimizer update (Keras sums the replicas'
gradients), metric updates. Several steps run inside one ``tf.function`` call
(``steps_per_execution``), as ``model.fit`` does, so Python is out of the inner loop. The
helpers below, in the order ``fit`` uses them: arguments, the optimizer and the steps,
checkpoints (resume, history, chief and worker folders), logs (progress bar, TensorBoard).
"""

from __future__ import annotations

import json
import os
import shutil
import time

from common import checks

HISTORY_FILE = "history.json"


# --- arguments ---------------------------------------------------------------------------


def _check_arguments(model, train_ds, val_ds, verbose):
    """Raise ValueError naming the first of these arguments that ``fit`` cannot use."""
    import keras
    import tensorflow as tf

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built or not model.trainable_variables:
        raise ValueError(
            "model must be built (start it with keras.Input or call it once) "
            "and have trainable variables"
        )
    for name, ds in (("train_ds", train_ds), ("val_ds", val_ds)):
        if ds is not None and not isinstance(ds, tf.data.Dataset):
            raise ValueError(
                f"{name} must be a tf.data.Dataset of (x, y) batches, got {type(ds).__name__}"
            )
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")


def _strategy_for(model, strategy):
    """``strategy`` (default: the current one), checked to hold ``model``'s variables."""
    import tensorflow as tf

    if strategy is None:
        strategy = tf.distribute.get_strategy()
    elif not isinstance(strategy, tf.distribute.Strategy):
        raise ValueError(
            f"strategy must be a tf.distribute.Strategy or None, got {type(strategy).__name__}"
        )
    if strategy is tf.distribute.get_strategy() and not tf.distribute.has_strategy():
        return strategy
    for v in model.trainable_variables[:1]:
        if not strategy.extended.variable_created_in_scope(getattr(v, "value", v)):
            raise ValueError(
                "the model's variables were created outside strategy.scope(): "
                "build the model inside `with strategy.scope():`"
            )
    return strategy


def _count_steps(name, dataset):
    """Number of batches in a finite dataset (cardinality, or one counting pass)."""
    import tensorflow as tf

    n = int(dataset.cardinality())
    if n == tf.data.INFINITE_CARDINALITY:
        raise ValueError(f"{name} is infinite: pass steps_per_epoch")
    if n == tf.data.UNKNOWN_CARDINALITY:
        n = int(dataset.reduce(0, lambda count, _: count + 1))
    if n == 0:
        raise ValueError(f"{name} is empty")
    return n


def _per_example_loss(loss):
    """``loss`` as ``f(y_true, y_pred) -> (batch,)``: unreduced values, one per example."""
    import keras
    from keras import ops

    fn = keras.losses.get(loss) if isinstance(loss, str) else loss
    if isinstance(fn, keras.losses.Loss):
        fn = fn.call  # the unreduced values; __call__ would average them
    if not callable(fn):
        raise ValueError(f"loss must be a Keras loss, its name or a callable, got {loss!r}")

    def per_example(y_true, y_pred):
        values = ops.convert_to_tensor(fn(y_true, y_pred))
        if len(values.shape) > 1:  # e.g. per pixel: average within each example
            values = ops.mean(values, axis=tuple(range(1, len(values.shape))))
        return values

    return per_example


def _metric(spec):
    """A fresh Keras metric from a name (``"accuracy"``: sparse categorical) or a metric."""
    import keras

    if isinstance(spec, str):
        if spec in ("accuracy", "acc"):
            return keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        return keras.metrics.get(spec)
    if isinstance(spec, keras.metrics.Metric):
        return spec.__class__.from_config(spec.get_config())  # a fresh copy per use
    raise ValueError(f"metrics must hold Keras metrics or their names, got {spec!r}")


# --- the optimizer and the steps -----------------------------------------------------------


def _optimizer(optimizer, model, strategy):
    """``optimizer`` (or its name) as a Keras optimizer of ``strategy``, built for ``model``."""
    import keras

    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get(optimizer)
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(f"optimizer must be a Keras optimizer or its name, got {optimizer!r}")
    if getattr(optimizer, "_distribution_strategy", strategy) is not strategy:
        if optimizer.built:
            raise ValueError(
                "optimizer was built under another strategy: create it "
                "inside strategy.scope() or pass an unbuilt one"
            )
        # Keras 3 optimizers remember the strategy they were created under: re-create
        optimizer = optimizer.__class__.from_config(optimizer.get_config())
    if not optimizer.built:
        optimizer.build(model.trainable_variables)  # or Adam fails inside strategy.run
    return optimizer


def _replica_loss(per_example, replicas):
    """``loss(y, pred)`` on one replica's share of a batch: the replicas' sum is the mean."""
    import tensorflow as tf

    def batch_loss(y, pred):
        values = per_example(y, pred)
        if len(values.shape) == 0:  # a loss that already averages its batch (e.g. RMSE)
            return values / replicas
        return tf.nn.compute_average_loss(values)  # sum / global batch size

    return batch_loss


def _train_step(model, optimizer, batch_loss, metrics):
    """``train_step(x, y)`` on one replica: forward, loss, gradients, update, metrics."""
    import tensorflow as tf

    def train_step(x, y):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            value = batch_loss(y, pred)
            if model.losses:
                value += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        for m in metrics:
            m.update_state(y, pred)
        return value

    return train_step


def _eval_step(model, batch_loss, metrics):
    """``eval_step(x, y)`` on one replica: forward pass, loss, metrics."""

    def eval_step(x, y):
        pred = model(x, training=False)
        for m in metrics:
            m.update_state(y, pred)
        return batch_loss(y, pred)

    return eval_step


def _runner(step, strategy):
    """``run(batches, n)``: ``n`` steps on every replica in one ``tf.function`` call; summed loss."""
    import tensorflow as tf

    @tf.function
    def run(iterator, n):
        total = tf.constant(0.0)
        for _ in tf.range(n):
            x, y = next(iterator)
            per_replica = strategy.run(step, args=(x, y))
            total += tf.cast(strategy.reduce("SUM", per_replica, axis=None), tf.float32)
        return total

    return lambda batches, n: float(run(batches, tf.constant(n)))


def _distribute(strategy, train_ds, val_ds):
    """Batches split across replicas (workers shard by data): train repeats, val is one pass."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train = iter(strategy.experimental_distribute_dataset(train_ds.repeat().with_options(options)))
    if val_ds is None:
        return train, None
    return train, strategy.experimental_distribute_dataset(val_ds.with_options(options))


def _calls(steps, per_call):
    """``(steps done after the call, steps in the call)`` for the calls of one epoch."""
    done = 0
    while done < steps:
        n = min(per_call, steps - done)
        done += n
        yield done, n


def _results(metrics, prefix=""):
    """``[(prefix + name, value)]`` of each metric, as Python floats."""
    return [(prefix + m.name, float(m.result())) for m in metrics]


# --- checkpoints ---------------------------------------------------------------------------


def _worker(strategy):
    """``(is_chief, task_id)`` of this process in a multi-worker cluster (``True, 0`` alone)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if not task_type:
        return True, 0
    task_id = int(resolver.task_id or 0)
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    chief = task_type == "chief" or (task_type == "worker" and task_id == 0 and not has_chief)
    return chief, task_id


def _read_history(path, epochs_done):
    """The history saved beside the checkpoint, cut to the epochs the checkpoint holds."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    history = {k: v[:epochs_done] for k, v in saved.items()}
    short = [k for k, v in history.items() if len(v) < epochs_done]
    if short:
        raise RuntimeError(f"{path} lacks epochs the checkpoint holds for {short}")
    return history


def _write_json(path, data):
    """Write ``data`` as JSON to ``path`` atomically: a kill leaves the old file or the new."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


class _Checkpoints:
    """Model, optimizer, epochs done and history in ``folder`` after every epoch (or nothing)."""

    def __init__(self, folder, strategy, model, optimizer, epochs_done):
        """Track these; the chief writes ``folder``, other workers a scratch folder in it."""
        self.chief, task_id = _worker(strategy)
        self.folder = None if folder is None else os.fspath(folder)
        self.objects = {"model": model, "optimizer": optimizer, "epochs_done": epochs_done}
        self.manager = None
        worker_dir = None if folder is None else os.path.join(self.folder, f".worker{task_id}")
        self.save_dir = self.folder if self.chief else worker_dir

    def restore(self, epochs, verbose):
        """Load the latest checkpoint in the folder, if any; return the history saved with it."""
        import tensorflow as tf

        if self.folder is None:
            return {}
        os.makedirs(self.folder, exist_ok=True)
        checkpoint = tf.train.Checkpoint(**self.objects)
        history, latest = {}, tf.train.latest_checkpoint(self.folder)
        if latest:
            checkpoint.restore(latest).assert_existing_objects_matched()
            done = int(self.objects["epochs_done"].numpy())
            history = _read_history(os.path.join(self.folder, HISTORY_FILE), done)
            if verbose and done:
                print(f"Resuming from {latest}: {done} of {epochs} epochs done")
        self.manager = tf.train.CheckpointManager(checkpoint, self.save_dir, max_to_keep=2)
        return history

    def save(self, epoch, history):
        """Save ``history`` (chief), then the checkpoint numbered ``epoch`` (1-based)."""
        if self.manager is None:
            return
        if self.chief:  # history first: a kill between the two leaves it one epoch ahead
            _write_json(os.path.join(self.folder, HISTORY_FILE), history)
        self.manager.save(checkpoint_number=epoch)
        if not self.chief:
            shutil.rmtree(self.save_dir, ignore_errors=True)


# --- logs ----------------------------------------------------------------------------------


def _progress_bar(epoch, epochs, steps, verbose):
    """With ``verbose=1``, print ``Epoch i/n`` and return a Keras progress bar; else None."""
    import keras

    if verbose != 1:
        return None
    bar = keras.utils.Progbar(steps, verbose=1)
    print(f"Epoch {epoch + 1}/{epochs}")
    return bar


def _line(epoch, epochs, seconds, logs):
    """``Epoch i/n - 1.2s - loss: 0.1234 - ...``: the one line per epoch of ``verbose=2``."""
    values = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
    return f"Epoch {epoch}/{epochs} - {seconds:.1f}s - {values}"


def _show_epoch(bar, verbose, epoch, epochs, seconds, logs):
    """Finish the progress bar with all of ``logs`` (verbose 1), or print their line (2)."""
    if bar is not None:
        bar.update(bar.target, list(logs.items()), finalize=True)
    elif verbose == 2:
        print(_line(epoch + 1, epochs, seconds, logs))


def _summary_writers(log_dir, chief):
    """TensorBoard writers for ``log_dir/train`` and ``log_dir/validation`` (chief only)."""
    import tensorflow as tf

    if log_dir is None or not chief:
        return {}
    return {
        part: tf.summary.create_file_writer(os.path.join(os.fspath(log_dir), part))
        for part in ("train", "validation")
    }


def _write_scalars(writers, logs, epoch):
    """``logs`` as TensorBoard scalars ``epoch_<name>`` at step ``epoch`` (val_* apart)."""
    import tensorflow as tf

    for part, writer in writers.items():
        with writer.as_default():
            for k, v in logs.items():
                if k.startswith("val_") == (part == "validation"):
                    tf.summary.scalar(f"epoch_{k.removeprefix('val_')}", v, step=epoch)
        writer.flush()


# --- the loop ------------------------------------------------------------------------------


def fit(
    model,
    train_ds,
    *,
    epochs,
    optimizer,
    loss,
    metrics=(),
    val_ds=None,
    strategy=None,
    checkpoint_dir=None,
    log_dir=None,
    steps_per_epoch=None,
    steps_per_execution=1,
    verbose=1,
):
    """Train ``model`` on ``train_ds`` with a custom ``GradientTape`` loop.

    Used by: C2_W2_Lab_2_training_categorical, C2_W4_Lab_2_multi_gpu_mirrored and 1 more.

    Args:
        model: a built ``keras.Model`` whose variables were created in ``strategy.scope()``.
        train_ds: ``tf.data.Dataset`` of ``(x, y)`` *global* batches (each batch is split
            across replicas). Repeated internally; an epoch is ``steps_per_epoch`` batches
            (default: the dataset's length, so one pass).
        epochs: total epochs. With ``checkpoint_dir``, epochs already done are skipped.
        optimizer: a Keras optimizer or its name; built inside the strategy's scope.
        loss: a ``keras.losses.Loss``, its name, or ``f(y_true, y_pred)`` returning one
            value per example ``(batch,)`` (more axes are averaged per example).
        metrics: Keras metrics or names (``"accuracy"`` means sparse categorical accuracy);
            fresh copies are kept for training and validation.
        val_ds: optional finite dataset of ``(x, y)`` batches, evaluated after each epoch.
        strategy: a ``tf.distribute.Strategy`` (default: the current one).
        checkpoint_dir: save model, optimizer and epoch with ``tf.train.CheckpointManager``
            after every epoch, and resume from the latest checkpoint when called again. In a
            multi-worker cluster it must be a folder every worker can read (the chief writes
            it; the others write to a scratch folder inside it and delete it).
        log_dir: write TensorBoard scalars per epoch to ``log_dir/train`` and
            ``log_dir/validation`` (chief only).
        steps_per_epoch: batches per epoch, for infinite datasets or shorter epochs.
        steps_per_execution: training steps per ``tf.function`` call (``model.fit``'s
            option of the same name); fewer Python round trips for small models.
        verbose: 0 silent, 1 a progress bar, 2 one line per epoch.

    Returns:
        dict ``{name: [value per epoch]}`` with ``loss``, each metric and their ``val_``
        twins, every epoch exactly once, including the epochs of an earlier interrupted run
        when resuming from ``checkpoint_dir``. Ctrl-C stops after the current execution
        and returns the epochs completed so far.

    Raises:
        ValueError: a bad argument, named in the message.
    """
    import tensorflow as tf

    epochs = checks.positive_int("epochs", epochs)
    steps_per_epoch = checks.positive_int("steps_per_epoch", steps_per_epoch, allow_none=True)
    steps_per_execution = checks.positive_int("steps_per_execution", steps_per_execution)
    _check_arguments(model, train_ds, val_ds, verbose)
    strategy = _strategy_for(model, strategy)
    steps_per_epoch = steps_per_epoch or _count_steps("train_ds", train_ds)
    val_steps = None if val_ds is None else _count_steps("val_ds", val_ds)
    batch_loss = _replica_loss(_per_example_loss(loss), strategy.num_replicas_in_sync)
    with strategy.scope():
        optimizer = _optimizer(optimizer, model, strategy)
        train_metrics, val_metrics = [_metric(m) for m in metrics], [_metric(m) for m in metrics]
        done = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")
    train_steps = _runner(_train_step(model, optimizer, batch_loss, train_metrics), strategy)
    eval_steps = _runner(_eval_step(model, batch_loss, val_metrics), strategy)
    train_batches, val_batches = _distribute(strategy, train_ds, val_ds)
    checkpoints = _Checkpoints(checkpoint_dir, strategy, model, optimizer, done)
    history = checkpoints.restore(epochs, verbose)
    writers = _summary_writers(log_dir, checkpoints.chief)

    try:
        for epoch in range(int(done.numpy()), epochs):
            start = time.perf_counter()
            for m in train_metrics + val_metrics:
                m.reset_state()
            bar = _progress_bar(epoch, epochs, steps_per_epoch, verbose)
            total = 0.0
            for step, n in _calls(steps_per_epoch, steps_per_execution):  # n batches per call
                total += train_steps(train_batches, n)
                if bar is not None:
                    bar.update(step, [("loss", total / step), *_results(train_metrics)])
            logs = {"loss": total / steps_per_epoch, **dict(_results(train_metrics))}
            if val_batches is not None:
                logs["val_loss"] = eval_steps(iter(val_batches), val_steps) / val_steps
                logs.update(_results(val_metrics, prefix="val_"))
            for k, v in logs.items():
                history.setdefault(k, []).append(v)
            _show_epoch(bar, verbose, epoch, epochs, time.perf_counter() - start, logs)
            _write_scalars(writers, logs, epoch)
            done.assign(epoch + 1)
            checkpoints.save(epoch + 1, history)
    except KeyboardInterrupt:
        print(f"Interrupted: returning the {int(done.numpy())} completed epoch(s)")
    return history
