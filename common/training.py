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

What it does per step, on every replica: forward pass, per-example loss averaged over the
*global* batch (``tf.nn.compute_average_loss``), gradients, optimizer update (Keras sums
the replicas' gradients), metric updates. Several steps run inside one ``tf.function``
call (``steps_per_execution``), as ``model.fit`` does, so Python is out of the inner loop.
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import time

HISTORY_FILE = "history.json"


def _positive_int(name, value, *, optional=False):
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"{name} must be a positive int{' or None' if optional else ''}, got {value!r}"
        )
    return int(value)


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
    import keras

    if isinstance(spec, str):
        if spec in ("accuracy", "acc"):
            return keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        return keras.metrics.get(spec)
    if isinstance(spec, keras.metrics.Metric):
        return spec.__class__.from_config(spec.get_config())  # a fresh copy per use
    raise ValueError(f"metrics must hold Keras metrics or their names, got {spec!r}")


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


def _check_variables_in_scope(model, strategy):
    import tensorflow as tf

    if strategy is tf.distribute.get_strategy() and not tf.distribute.has_strategy():
        return
    for v in model.trainable_variables[:1]:
        if not strategy.extended.variable_created_in_scope(getattr(v, "value", v)):
            raise ValueError(
                "the model's variables were created outside strategy.scope(): "
                "build the model inside `with strategy.scope():`"
            )


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
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)  # atomic: a kill leaves the old file or the new one


def _line(epoch, epochs, seconds, logs):
    values = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
    return f"Epoch {epoch}/{epochs} - {seconds:.1f}s - {values}"


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
    import keras
    import tensorflow as tf

    epochs = _positive_int("epochs", epochs)
    steps_per_epoch = _positive_int("steps_per_epoch", steps_per_epoch, optional=True)
    steps_per_execution = _positive_int("steps_per_execution", steps_per_execution)
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
    strategy = strategy or tf.distribute.get_strategy()
    _check_variables_in_scope(model, strategy)
    if steps_per_epoch is None:
        steps_per_epoch = _count_steps("train_ds", train_ds)
    val_steps = None if val_ds is None else _count_steps("val_ds", val_ds)
    per_example = _per_example_loss(loss)

    with strategy.scope():
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
        train_metrics = [_metric(m) for m in metrics]
        val_metrics = [_metric(m) for m in metrics]
        done = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")

    replicas = strategy.num_replicas_in_sync

    def batch_loss(y, pred):
        values = per_example(y, pred)
        if len(values.shape) == 0:  # a loss that already averages its batch (e.g. RMSE)
            return values / replicas
        return tf.nn.compute_average_loss(values)  # sum / global batch size

    def train_step(x, y):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            value = batch_loss(y, pred)
            if model.losses:
                value += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        for m in train_metrics:
            m.update_state(y, pred)
        return value

    def eval_step(x, y):
        pred = model(x, training=False)
        for m in val_metrics:
            m.update_state(y, pred)
        return batch_loss(y, pred)

    def runner(step):
        @tf.function
        def run(iterator, n):
            total = tf.constant(0.0)
            for _ in tf.range(n):
                x, y = next(iterator)
                per_replica = strategy.run(step, args=(x, y))
                total += tf.cast(strategy.reduce("SUM", per_replica, axis=None), tf.float32)
            return total

        return run

    train_run, eval_run = runner(train_step), runner(eval_step)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train_iter = iter(
        strategy.experimental_distribute_dataset(train_ds.repeat().with_options(options))
    )
    dist_val = (
        None
        if val_ds is None
        else strategy.experimental_distribute_dataset(val_ds.with_options(options))
    )

    chief, task_id = _worker(strategy)
    history: dict[str, list[float]] = {}
    manager = None
    if checkpoint_dir is not None:
        checkpoint_dir = os.fspath(checkpoint_dir)
        os.makedirs(checkpoint_dir, exist_ok=True)
        ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, epochs_done=done)
        latest = tf.train.latest_checkpoint(checkpoint_dir)
        if latest:
            ckpt.restore(latest).assert_existing_objects_matched()
            history = _read_history(os.path.join(checkpoint_dir, HISTORY_FILE), int(done.numpy()))
            if verbose and int(done.numpy()):
                print(f"Resuming from {latest}: {int(done.numpy())} of {epochs} epochs done")
        save_dir = checkpoint_dir if chief else os.path.join(checkpoint_dir, f".worker{task_id}")
        manager = tf.train.CheckpointManager(ckpt, save_dir, max_to_keep=2)
    writers = {}
    if log_dir is not None and chief:
        writers = {
            part: tf.summary.create_file_writer(os.path.join(os.fspath(log_dir), part))
            for part in ("train", "validation")
        }

    try:
        for epoch in range(int(done.numpy()), epochs):
            start = time.perf_counter()
            for m in train_metrics + val_metrics:
                m.reset_state()
            bar = keras.utils.Progbar(steps_per_epoch, verbose=1) if verbose == 1 else None
            if bar is not None:
                print(f"Epoch {epoch + 1}/{epochs}")
            total, step = 0.0, 0
            while step < steps_per_epoch:
                n = min(steps_per_execution, steps_per_epoch - step)
                total += float(train_run(train_iter, tf.constant(n)))
                step += n
                if bar is not None:
                    bar.update(
                        step,
                        [
                            ("loss", total / step),
                            *((m.name, float(m.result())) for m in train_metrics),
                        ],
                    )
            logs = {"loss": total / steps_per_epoch}
            logs.update({m.name: float(m.result()) for m in train_metrics})
            if dist_val is not None:
                val_total = float(eval_run(iter(dist_val), tf.constant(val_steps)))
                logs["val_loss"] = val_total / val_steps
                logs.update({f"val_{m.name}": float(m.result()) for m in val_metrics})
            for k, v in logs.items():
                history.setdefault(k, []).append(v)
            if bar is not None:
                bar.update(step, [(k, v) for k, v in logs.items()], finalize=True)
            elif verbose == 2:
                print(_line(epoch + 1, epochs, time.perf_counter() - start, logs))
            for part, writer in writers.items():
                with writer.as_default():
                    for k, v in logs.items():
                        if k.startswith("val_") == (part == "validation"):
                            tf.summary.scalar(f"epoch_{k.removeprefix('val_')}", v, step=epoch)
                writer.flush()
            done.assign(epoch + 1)
            if manager is not None:
                if chief:  # history first: a kill between the two leaves it one epoch ahead
                    _write_json(os.path.join(checkpoint_dir, HISTORY_FILE), history)
                manager.save(checkpoint_number=epoch + 1)
                if not chief:
                    shutil.rmtree(save_dir, ignore_errors=True)
    except KeyboardInterrupt:
        print(f"Interrupted: returning the {int(done.numpy())} completed epoch(s)")
    return history
