"""Figures the notebooks share: training histories, image grids, model graphs, boxes,
heatmap overlays (CAM, Grad-CAM, saliency) and segmentation mask overlays.

One convention for every function that draws:

- **One panel** (:func:`plot_model`, :func:`draw_boxes`, :func:`overlay_heatmap`,
  :func:`overlay_mask`): ``ax=None`` is the matplotlib Axes to draw on; when None, a new
  figure sized for the panel. ``title`` is the Axes title.
- **A grid of panels** (:func:`plot_history`, :func:`show_images`, :func:`compare_boxes`):
  ``axes=None`` is a sequence of Axes to draw on, one per panel in order (any shape, e.g.
  ``axes[0]``, one row of ``plt.subplots``; a single Axes for one panel); Axes beyond the
  panels are switched off and too few raise ``ValueError``; when None, a new figure with
  its own grid. ``title`` is the figure's suptitle (``title=None`` leaves it alone).
- Only a figure the function creates gets ``tight_layout``: a caller's figure keeps its
  own layout (e.g. ``layout="constrained"``). Anything but Axes in ``ax``/``axes`` raises
  ``TypeError``.
- Every function returns the ``matplotlib.figure.Figure`` it drew on: the new one, or the
  one holding ``ax``/``axes``. Call ``plt.show()`` (or let Jupyter display it) afterwards.

Panels compose: ``fig, axes = plt.subplots(2, 3)``, then
``viz.show_images(images[:3], labels[:3], axes=axes[0])`` and
``viz.overlay_heatmap(images[0], cam, ax=axes[1, 0])``.
"""

from __future__ import annotations

import shutil

import numpy as np


def _check_ax(ax, arg: str = "ax"):
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{arg} must be matplotlib Axes, got {type(ax).__name__}")
    return ax


def _panel(ax, figsize):
    """``(figure, axes)``: ``ax`` and its figure, or a new ``figsize`` figure of one Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        return plt.subplots(figsize=figsize)
    return _check_ax(ax).figure, ax


def _grid(axes, n: int, ncols: int, figsize):
    """``(figure, n Axes, created)``: the first ``n`` of ``axes`` (the others switched off),
    or a new ``figsize`` figure of ``ceil(n / ncols)`` rows of ``ncols`` Axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, grid = plt.subplots(-(-n // ncols), ncols, figsize=figsize, squeeze=False)
        flat = list(grid.flat)
    else:
        flat = [_check_ax(a, "axes") for a in np.ravel(np.asarray(axes, dtype=object))]
        if len(flat) < n:
            raise ValueError(f"axes holds {len(flat)} Axes for {n} panels")
        fig = flat[0].figure
    for ax in flat[n:]:
        ax.axis("off")
    return fig, flat[:n], axes is None


def _finish(fig, title, created: bool):
    if title:
        fig.suptitle(title)
    if created:
        fig.tight_layout()
    return fig


def _history_dict(history) -> dict[str, list[float]]:
    data = getattr(history, "history", history)  # keras History or a plain dict
    if not isinstance(data, dict) or not data:
        raise TypeError("history must be a keras History or a non-empty dict of lists")
    return {k: list(map(float, v)) for k, v in data.items()}


def plot_history(history, metrics=None, title: str | None = "Training history", axes=None):
    """Plot each metric per epoch, with its ``val_`` twin on the same axes: one panel per
    metric.

    Used by: C1_W1_Assignment_multiple_output_models, C1_W1_Lab_1_functional_practice and 22 more.

    Args:
        history: ``model.fit``'s History, or a dict ``{name: [value per epoch]}``.
        metrics: names to plot (default: every name without the ``val_`` prefix).
        title: figure title (suptitle); None for none.
        axes: Axes to draw on, one per metric (default: a new figure, one row).

    Returns:
        The figure. Raises ``ValueError`` for metrics not in the history or too few
        ``axes``.
    """
    from matplotlib.ticker import MaxNLocator

    data = _history_dict(history)
    if metrics is None:
        metrics = [k for k in data if not k.startswith("val_")]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [m for m in metrics if m not in data]
    if missing:
        raise ValueError(f"metrics {missing} not in history; it has {sorted(data)}")
    if not metrics:
        raise ValueError("metrics must name at least one metric")
    n = len(metrics)
    fig, panels, created = _grid(axes, n, n, (4 * n, 3))
    for ax, name in zip(panels, metrics, strict=True):
        epochs = np.arange(1, len(data[name]) + 1)
        ax.plot(epochs, data[name], "o-", label="train")
        if f"val_{name}" in data:
            ax.plot(epochs, data[f"val_{name}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.legend()
        ax.grid(alpha=0.3)
    return _finish(fig, title, created)


def show_images(
    images,
    labels=None,
    predictions=None,
    class_names=None,
    ncols: int = 8,
    title: str | None = None,
    size: float = 1.4,
    axes=None,
    titles=None,
):
    """Show images in a grid, titled with their label (and prediction, red when wrong).

    Used by: C1_W1_Lab_1_functional_practice, C1_W1_Lab_3_siamese_network and 26 more.

    Args:
        images: array ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``; uint8 or floats;
            or a list of such images of different sizes.
        labels: optional ints ``(N,)``.
        predictions: optional ints ``(N,)``, shown as ``label→prediction``.
        class_names: optional names indexed by label.
        ncols: images per row of a new figure.
        title: figure title (suptitle).
        size: inches per image of a new figure.
        axes: Axes to draw on, one per image (default: a new figure, ``ncols`` per row).
        titles: optional text above each image, instead of labels.

    Returns:
        The figure. Raises ``ValueError`` for an empty or badly shaped ``images``, labels
        or predictions of another length, or too few ``axes``.
    """
    images = _image_stack(images)
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    n = len(images)
    if titles is not None and labels is not None:
        raise ValueError("give labels or titles, not both")
    for arg, value in (("labels", labels), ("predictions", predictions), ("titles", titles)):
        if value is not None and len(value) != n:
            raise ValueError(f"{arg} has {len(value)} entries for {n} images")

    def name(i):
        return class_names[int(i)] if class_names is not None else str(int(i))

    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    titled = labels is not None or titles is not None
    figsize = (size * ncols, (size + 0.3 * titled) * nrows + 0.5)
    fig, panels, created = _grid(axes, n, ncols, figsize)
    for k, ax in enumerate(panels):
        ax.axis("off")
        ax.imshow(images[k], cmap="gray" if images[k].ndim == 2 else None)
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=8)
        elif labels is not None and predictions is not None:
            wrong = int(labels[k]) != int(predictions[k])
            ax.set_title(
                f"{name(labels[k])}→{name(predictions[k])}",
                fontsize=8,
                color="red" if wrong else "black",
            )
        elif labels is not None:
            ax.set_title(name(labels[k]), fontsize=8)
    return _finish(fig, title, created)


def _image_stack(images) -> list:
    """``images`` as a list of ``(H, W)`` or ``(H, W, 3)`` arrays (one channel squeezed)."""
    stack = [np.asarray(i) for i in images] if isinstance(images, (list, tuple)) else None
    if stack is None:
        array = np.asarray(images)
        if array.ndim not in (3, 4) or len(array) == 0:
            raise ValueError(f"images must be a non-empty (N, H, W[, C]) array, got {array.shape}")
        stack = list(array)
    if not stack or any(i.ndim not in (2, 3) for i in stack):
        raise ValueError("images must be a non-empty list of (H, W) or (H, W, C) images")
    return [i[..., 0] if i.ndim == 3 and i.shape[-1] == 1 else i for i in stack]


def _shape_text(layer) -> str:
    try:
        shape = layer.output.shape  # of the layer's first call
    except (AttributeError, ValueError):
        return ""
    return str(tuple(shape)).replace("None", "?")


def _sources(call) -> list[str]:
    """Names of the layers whose outputs a serialised call uses: an ``inbound_nodes`` entry
    of a functional config, nested lists and dicts holding ``__keras_tensor__`` records
    whose ``keras_history`` starts with the producing layer's name."""
    if isinstance(call, dict):
        if call.get("class_name") == "__keras_tensor__":
            return [call["config"]["keras_history"][0]]
        call = list(call.values())
    if isinstance(call, (list, tuple)):
        return [name for item in call for name in _sources(item)]
    return []


def _symbolic(layer, attr: str) -> list:
    """The KerasTensors of ``layer.input`` or ``layer.output`` (its first call), or []."""
    import keras

    try:
        return keras.tree.flatten(getattr(layer, attr))
    except (AttributeError, ValueError):  # never called on symbolic tensors
        return []


def _layer_parents(model) -> dict[str, list[str]]:
    """``{layer name: names of the layers feeding it}`` for ``model.layers``, each once.

    From the public functional config (``model.get_config()["layers"][i]["inbound_nodes"]``,
    every call of a shared layer included); without one (a Sequential or subclassed model,
    or a custom layer without ``get_config``) from each layer's first call
    (``layer.input`` made by another layer's ``layer.output``); a chain in ``model.layers``
    order when neither links the layers.
    """
    layers = model.layers
    try:
        configs = model.get_config().get("layers", [])
    except (NotImplementedError, TypeError, ValueError):
        configs = []
    calls = {c.get("name"): c.get("inbound_nodes") for c in configs if isinstance(c, dict)}
    if all(calls.get(layer.name) is not None for layer in layers):
        found = {layer.name: _sources(calls[layer.name]) for layer in layers}
    else:
        made_by = {id(t): layer.name for layer in layers for t in _symbolic(layer, "output")}
        found = {
            layer.name: [made_by.get(id(t)) for t in _symbolic(layer, "input")] for layer in layers
        }
    parents = {
        name: [p for p in dict.fromkeys(ps) if p in found and p != name]
        for name, ps in found.items()
    }
    if not any(parents.values()):  # no symbolic calls (a subclassed model): a chain
        names = list(found)
        parents = {name: [names[i - 1]] if i else [] for i, name in enumerate(names)}
    return parents


def plot_model(model, title: str | None = None, ax=None):
    """Draw a functional or Sequential model's layer graph: one box per layer with its
    name, class and output shape (``?`` for the batch), arrows from inputs to outputs; a
    skip connection bends around the boxes it jumps.

    Used by: C1_W1_Lab_1_functional_practice, C1_W1_Lab_2_multi_output and 2 more.

    Built on public Keras API only (``model.layers``, the functional config's
    ``inbound_nodes``, ``layer.input``/``layer.output``). ``keras.utils.plot_model`` draws
    the same with Graphviz when the ``dot`` program and ``pydot`` are installed (as on
    Colab); this version needs only matplotlib.

    Args:
        model: a built ``keras.Model``.
        title: axes title (default: the model's name and parameter count).
        ax: the Axes to draw on (default: a new figure sized for the graph).

    Returns:
        The figure. Raises ``TypeError`` when ``model`` is not a ``keras.Model``,
        ``ValueError`` when it is not built or has no layers.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built or not model.layers:
        raise ValueError("model must be built (give it a keras.Input) and have layers")
    parents, depth = _layer_parents(model), {}
    for name, ps in parents.items():  # model.layers is in topological order
        depth[name] = 1 + max((depth.get(p, 0) for p in ps), default=-1)
    rows = [[n for n in parents if depth[n] == d] for d in range(max(depth.values()) + 1)]
    width, created = max(len(row) for row in rows), ax is None
    fig, ax = _panel(ax, (2.6 * width + 0.5, 0.9 * len(rows) + 0.6))
    pos = {n: ((i + 0.5) * width / len(r), -d) for d, r in enumerate(rows) for i, n in enumerate(r)}
    for name, ps in parents.items():
        for p in ps:
            (x0, y0), (x1, y1) = pos[p], pos[name]
            bend = 0.0 if y0 - y1 == 1 else 0.3  # skip connections curve around boxes
            arrow = {"arrowstyle": "->", "color": "0.4", "connectionstyle": f"arc3,rad={bend}"}
            ax.annotate("", xy=(x1, y1 + 0.25), xytext=(x0, y0 - 0.25), arrowprops=arrow)
    box = {"boxstyle": "round", "facecolor": "#e8f0fe", "edgecolor": "#4a6fa5"}
    for name, (x, y) in pos.items():
        layer = model.get_layer(name)
        text = f"{name} ({type(layer).__name__})\n{_shape_text(layer)}"
        ax.text(x, y, text, ha="center", va="center", fontsize=8, bbox=box)
    ax.set_xlim(0, width)
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.axis("off")
    ax.set_title(title or f"{model.name}: {model.count_params():,} parameters")
    return _finish(fig, None, created)


def graphviz_available() -> bool:
    """True when ``keras.utils.plot_model`` can run (``pydot`` and Graphviz's ``dot``).

    Used by: C1_W1_Lab_1_functional_practice, C1_W4_Lab_1_basic_model.
    """
    try:
        import pydot  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def draw_boxes(
    image,
    boxes,
    labels=None,
    scores=None,
    class_names=None,
    *,
    normalized: bool = True,
    min_score: float = 0.0,
    ax=None,
    title: str | None = None,
    color="lime",
):
    """Draw ``[ymin, xmin, ymax, xmax]`` boxes on an image, with label and score captions.

    Used by: C3_W1_Assignment_bird_boxes, C3_W1_Lab_3_object_localization and 4 more.

    Args:
        image: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` array; uint8, floats in [0, 1] or
            floats in [0, 255] (scaled down for display).
        boxes: ``(N, 4)`` boxes, normalised to [0, 1] (``normalized=True``, as TF Hub
            detectors return them) or in pixels.
        labels: optional ints ``(N,)`` (shown through ``class_names`` when given).
        scores: optional floats ``(N,)``; boxes scoring below ``min_score`` are skipped.
        ax: the Axes to draw on (default: a new figure shaped like the image).
        title: axes title.
        color: one colour, or a list of colours indexed by label.

    Returns:
        The figure. Raises ``ValueError`` for inverted or non-finite boxes (via
        :mod:`common.boxes`) and for ``labels``/``scores`` of another length than ``boxes``,
        ``TypeError`` when ``ax`` is not matplotlib Axes.
    """
    from common.boxes import to_pixels, validate

    image = _image_for_display(image)
    h, w = image.shape[:2]
    b = validate(boxes) if len(np.asarray(boxes)) else np.zeros((0, 4))
    if normalized and len(b):
        b = to_pixels(b, h, w)
    for arg, value in (("labels", labels), ("scores", scores)):
        if value is not None and len(value) != len(b):
            raise ValueError(f"{arg} has {len(value)} entries for {len(b)} boxes")
    fig, ax = _axes(ax, h, w, side=4)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
    ax.axis("off")
    for i, (ymin, xmin, ymax, xmax) in enumerate(b):
        score = None if scores is None else float(scores[i])
        if score is not None and score < min_score:
            continue
        label = None if labels is None else int(labels[i])
        c = color[label] if isinstance(color, (list, tuple)) and label is not None else color
        ymin, xmin = _box_outline(ax, (ymin, xmin, ymax, xmax), c)
        parts = []
        if label is not None:
            parts.append(class_names[label] if class_names is not None else str(label))
        if score is not None:
            parts.append(f"{score:.0%}")
        if parts:
            ax.text(
                xmin,
                ymin,
                " ".join(parts),
                color="black",
                fontsize=8,
                va="bottom",
                bbox={"facecolor": c, "alpha": 0.8, "pad": 1, "edgecolor": "none"},
            )
    if title:
        ax.set_title(title)
    return fig


def compare_boxes(
    images,
    true_boxes,
    pred_boxes,
    *,
    scores=None,
    label: str | None = None,
    max_images: int = 6,
    title: str | None = "True box (green), predicted box (red)",
    axes=None,
):
    """One row of panels: each image with its true and its predicted box, titled with
    their IoU (:func:`common.boxes.paired_iou`).

    Used by: C3_W1_Assignment_bird_boxes, C3_W1_Lab_3_object_localization and 2 more.

    Args:
        images: ``(N, H, W[, C])`` images (anything :func:`draw_boxes` shows).
        true_boxes: ``(N, 4)`` normalised ``yxyx``; a row of NaN means "not known" (no
            green box, no IoU).
        pred_boxes: ``(N, 4)`` normalised ``yxyx`` from a model: clipped to the image, and
            an inverted box (``ymax < ymin``, which a regression head can output) drawn
            upright; its IoU is still 0, as :func:`common.boxes.paired_iou` scores it.
        scores: optional ``(N,)`` detection scores shown beside ``label``; a box scoring 0
            (no detection) is not drawn.
        label: optional caption of the predicted box (e.g. the class name).
        max_images: panels drawn (the first ``max_images`` images).
        title: figure title (suptitle); None for none.
        axes: Axes to draw on, one per panel (default: a new figure, one row).

    Returns:
        The figure. Raises ``ValueError`` when the three inputs differ in length or
        ``axes`` are too few.
    """
    from common.boxes import paired_iou

    truth = np.asarray(true_boxes, np.float64).reshape(-1, 4)
    pred = np.asarray(pred_boxes, np.float64).reshape(-1, 4)
    n = min(len(images), max_images)
    if not len(images) == len(truth) == len(pred) or (
        scores is not None and len(scores) != len(pred)
    ):
        raise ValueError(
            f"need one true and one predicted box per image, got {len(images)} images, "
            f"{len(truth)} true and {len(pred)} predicted boxes"
        )
    if n < 1:
        raise ValueError("need at least one image (and max_images >= 1)")
    upright = np.clip(
        np.concatenate([np.sort(pred[:, 0::2], 1), np.sort(pred[:, 1::2], 1)], 1), 0, 1
    )
    upright = upright[:, [0, 2, 1, 3]]
    fig, panels, created = _grid(axes, n, n, (1.4 * n, 1.75))
    for i, ax in enumerate(panels):
        known = bool(np.isfinite(truth[i]).all())
        draw_boxes(images[i], truth[i][None] if known else np.zeros((0, 4)), ax=ax, color="lime")
        score = None if scores is None else float(scores[i])
        if score is None or score > 0:
            captions = {} if label is None else {"labels": [0], "class_names": [label]}
            draw_boxes(
                images[i], upright[i][None], scores=None if score is None else [score],
                ax=ax, color="red", **captions,
            )  # fmt: skip
        if known:
            ax.set_title(f"IoU {paired_iou(pred[i], truth[i])[0]:.2f}", fontsize=9)
    return _finish(fig, title, created)


def _box_outline(ax, box, color, linewidth: float = 2) -> tuple[float, float]:
    """Outline pixel box ``(ymin, xmin, ymax, xmax)`` on ``ax`` along the pixel edges
    (``imshow`` centres pixel ``(r, c)`` at ``(c, r)``, so edges sit half a pixel off);
    returns the drawn top-left corner ``(y, x)``."""
    import matplotlib.patches as patches

    ymin, xmin, ymax, xmax = (float(v) - 0.5 for v in box)
    ax.add_patch(
        patches.Rectangle(
            (xmin, ymin), xmax - xmin, ymax - ymin, fill=False, edgecolor=color,
            linewidth=linewidth,
        )
    )  # fmt: skip
    return ymin, xmin


def _image_for_display(image, arg="image"):
    """``image`` as ``(H, W)`` or ``(H, W, 3)`` for imshow (``(H, W, 1)`` squeezed)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (3, 4)):
        raise ValueError(f"{arg} must be (H, W), (H, W, 1) or (H, W, 3), got {image.shape}")
    if image.dtype != np.uint8:
        image = image.astype(np.float32)
        if image.size and image.max() > 1.0:  # floats in [0, 255]
            image = image / 255.0
        image = np.clip(image, 0.0, 1.0)
    return image


def _axes(ax, h, w, side: float = 3):
    """``(figure, axes)``: ``ax`` and its figure, or a new ``side``-inch-wide figure shaped
    like an ``h x w`` image."""
    return _panel(ax, (side, side * h / w))


def overlay_heatmap(
    image, heatmap, ax=None, alpha: float = 0.5, cmap: str = "jet", title=None, box=None
):
    """Draw a heatmap (CAM, Grad-CAM, saliency) in colour over its image.

    Used by: C3_W3_Lab_3_mask_rcnn, C3_W4_Assignment_cats_dogs_saliency and 2 more.

    Args:
        image: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; uint8, floats in [0, 1] or floats
            in [0, 255] (scaled down for display).
        heatmap: ``(H, W)`` map, the image's height and width (e.g. from
            :mod:`common.interpret`); values in [0, 1] are drawn on a fixed 0-1 colour
            scale, others from their minimum to their maximum.
        ax: the Axes to draw on (default: a new figure shaped like the image).
        alpha: opacity of the heatmap, in [0, 1].
        cmap: a matplotlib colour map name.
        title: axes title.
        box: optional normalised ``[ymin, xmin, ymax, xmax]`` box (e.g. the object's true
            box) outlined in white, to see whether the map's peak falls inside it.

    Returns:
        The figure. Raises ``ValueError`` when ``heatmap`` is not 2-D, holds NaN, or its
        shape is not the image's ``(H, W)``, ``alpha`` is outside [0, 1], or ``box`` is
        not a valid box.
    """
    img = _image_for_display(image)
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.ndim != 2:
        raise ValueError(f"heatmap must be 2-D (H, W), got shape {heat.shape}")
    if heat.shape != img.shape[:2]:
        raise ValueError(f"heatmap shape {heat.shape} does not match the image's {img.shape[:2]}")
    if not np.all(np.isfinite(heat)):
        raise ValueError("heatmap holds NaN or infinite values")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    fig, ax = _axes(ax, *heat.shape)
    unit = heat.min() >= 0.0 and heat.max() <= 1.0
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
    ax.imshow(heat, cmap=cmap, alpha=alpha, vmin=0.0 if unit else None, vmax=1.0 if unit else None)
    if box is not None:
        from common.boxes import to_pixels, validate

        _box_outline(ax, to_pixels(validate(box, "box"), *heat.shape)[0], "white", 1.5)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


# a fixed colour per class label 1, 2, ... (label k uses _MASK_COLORS[(k - 1) % 20]);
# matplotlib's tab20, dark shades first.
_MASK_COLORS = np.array(
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
        (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150), (197, 176, 213),
        (196, 156, 148), (247, 182, 210), (199, 199, 199), (219, 219, 141), (158, 218, 229),
    ],
    dtype=np.float32,
) / 255.0  # fmt: skip


def _mask_rgba(mask, alpha: float = 1.0) -> np.ndarray:
    """RGBA image ``(H, W, 4)`` of an integer label map: label 0 transparent, label ``k``
    in colour ``_MASK_COLORS[(k - 1) % 20]`` with opacity ``alpha``."""
    mask = np.asarray(mask)
    rgba = np.zeros(mask.shape + (4,), np.float32)
    fg = mask > 0
    rgba[fg, :3] = _MASK_COLORS[(mask[fg] - 1) % len(_MASK_COLORS)]
    rgba[fg, 3] = alpha
    return rgba


def _instance_label_map(masks, threshold: float = 0.5) -> np.ndarray:
    """int64 ``(H, W)`` map of instance masks ``(N, H, W)``: pixel = 1 + the index of the
    last instance whose mask exceeds ``threshold`` there (later instances on top), 0 where
    none does."""
    masks = np.asarray(masks)
    if masks.ndim != 3:
        raise ValueError(f"masks must be (N, H, W) instance masks, got shape {masks.shape}")
    ids = np.zeros(masks.shape[1:], np.int64)
    for i, m in enumerate(masks):
        ids[m > threshold] = i + 1
    return ids


def overlay_mask(image, mask, n_classes=None, ax=None, alpha: float = 0.5, title=None):
    """Draw an integer label map (segmentation) in colour over its image.

    Used by: C3_W3_Assignment_m2nist_segmentation, C3_W3_Lab_1_fcn8 and 2 more.

    Args:
        image: ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; uint8, floats in [0, 1] or floats
            in [0, 255].
        mask: int label map ``(H, W)`` (``(H, W, 1)`` accepted), the image's height and
            width; class 0 is background and stays transparent, class ``k >= 1`` gets a
            fixed colour (matplotlib's tab20, dark shades first, the same in every figure;
            class ``k + 20`` shares class ``k``'s). Or instance masks ``(N, H, W)``
            (booleans or probabilities, as Mask R-CNN gives them): one colour per instance,
            a later instance drawn over an earlier one.
        n_classes: number of classes counting the background; when given, labels must be
            below it (default: any non-negative label).
        ax: the Axes to draw on (default: a new figure shaped like the image).
        alpha: opacity of the coloured classes, in [0, 1].
        title: axes title.

    Returns:
        The figure. Raises ``ValueError`` when the mask's shape is not the image's
        ``(H, W)``, it holds non-integer or negative labels or labels ``>= n_classes``,
        or ``alpha`` is outside [0, 1].
    """
    img = _image_for_display(image)
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[1:] == img.shape[:2] and m.shape[-1] != 1:
        m = _instance_label_map(m)
    if m.ndim == 3 and m.shape[-1] == 1:
        m = m[..., 0]
    if m.ndim != 2:
        raise ValueError(f"mask must be an (H, W) label map, got shape {m.shape}")
    if m.shape != img.shape[:2]:
        raise ValueError(f"mask shape {m.shape} does not match the image's {img.shape[:2]}")
    if m.dtype == bool:
        m = m.astype(np.int64)
    elif not np.issubdtype(m.dtype, np.integer):
        if not np.issubdtype(m.dtype, np.floating) or not np.all(m == np.round(m)):
            raise ValueError(f"mask must hold integer class labels, got dtype {m.dtype}")
        m = m.astype(np.int64)
    if m.size and m.min() < 0:
        raise ValueError(f"mask labels must be >= 0, got {m.min()}")
    if n_classes is not None:
        if (
            isinstance(n_classes, bool)
            or not isinstance(n_classes, (int, np.integer))
            or n_classes < 1
        ):
            raise ValueError(f"n_classes must be a positive int or None, got {n_classes!r}")
        if m.size and m.max() >= n_classes:
            raise ValueError(f"mask labels must be below n_classes={n_classes}, max {m.max()}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    fig, ax = _axes(ax, *m.shape)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
    ax.imshow(_mask_rgba(m, alpha))
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig
