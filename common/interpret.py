"""Where a classifier looks: class activation maps, saliency maps and Grad-CAM.

Each function takes a Keras classifier and one image and returns a 2-D float32 NumPy
heatmap ``(H, W)`` in [0, 1] at the image's height and width (1 = where the evidence for
the class is strongest). A constant map comes back as zeros, never NaN.

- :func:`class_activation_map` (CAM): the course's ``features → GlobalAveragePooling →
  Dense`` head; the last Dense layer's weights of the class weigh the feature maps.
- :func:`saliency_map`: the absolute gradient of the class score with respect to the
  input pixels, largest over the colour channels.
- :func:`grad_cam`: the feature maps of a convolutional layer (the last one by default)
  weighed by the mean gradient of the class score over each map, then ReLU.

The model must be a flat functional (or ``Sequential`` with ``keras.Input``) Keras model
with one image input: a base model nested as one layer hides its inner layers from the
gradient graph (build the model as ``base.input → ... → head`` instead). The image is
given as the model takes it (already preprocessed), ``(H, W, C)`` or ``(1, H, W, C)``.

The class score: with ``use_logits=True`` (the default) it is the class's logit before the
final softmax (or sigmoid), as the saliency and Grad-CAM papers use it; a softmax
probability saturates at 1 on a confident prediction and its gradient vanishes. The
logit is recovered when the model ends in a ``Dense`` layer with softmax/sigmoid
activation or in an ``Activation("softmax"/"sigmoid")`` layer; any other model's output is
used as it is. ``use_logits=False`` differentiates the model's output as it is (the
course's notebooks differentiate the softmax probability). A model with a single output
unit is a binary classifier: class 1's score is the unit, class 0's its negative (or
``1 - p`` for a probability), and the predicted class is 1 when the logit is > 0.
"""

from __future__ import annotations

import numpy as np

_SQUASHERS = ("softmax", "sigmoid")


def _check_model(model):
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(
            "model must be a functional or Sequential model built on a keras.Input "
            "(a subclassed model has no layer graph to read feature maps from)"
        )
    if len(inputs) != 1:
        raise ValueError(f"model must have one image input, it has {len(inputs)}")
    return inputs[0]


def _prepare_image(model, image) -> np.ndarray:
    """``image`` as a float32 batch ``(1, H, W, C)`` matching the model's input."""
    inp = _check_model(model)
    x = np.asarray(image)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"image must have shape (H, W, C) or (1, H, W, C), got {np.shape(image)}")
    expected = tuple(inp.shape[1:])
    if len(expected) != 3 or any(
        e is not None and e != s for e, s in zip(expected, x.shape, strict=True)
    ):
        want = str(expected).replace("None", "?")
        raise ValueError(f"image shape {x.shape} does not match the model's input {want}")
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise TypeError(f"image must hold numbers, got dtype {x.dtype}")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError("image holds NaN or infinite values")
    return x[None]


def _conv_layers(model) -> list[str]:
    names = []
    for layer in model.layers:
        try:
            rank = len(layer.output.shape)
        except (AttributeError, ValueError):
            continue
        if "conv" in type(layer).__name__.lower() and rank == 4:
            names.append(layer.name)
    return names


def _feature_layer(model, name, arg):
    """The layer called ``name`` (4-D output); ``ValueError`` listing the conv layers."""
    import keras

    if not isinstance(name, str):
        raise TypeError(f"{arg} must be a layer name (str), got {type(name).__name__}")
    names = {layer.name: layer for layer in model.layers}
    if name not in names:
        nested = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
        hint = (
            f"; the model nests {nested}: build a flat model (base.input -> ... -> head) "
            "to reach their layers"
            if nested
            else ""
        )
        raise ValueError(
            f"{arg}={name!r} is not a layer of {model.name!r}; its convolutional layers "
            f"are {_conv_layers(model)}{hint}"
        )
    layer = names[name]
    if len(layer.output.shape) != 4:
        raise ValueError(
            f"{arg}={name!r} outputs shape {tuple(layer.output.shape)}, not feature maps "
            f"(batch, h, w, channels); convolutional layers: {_conv_layers(model)}"
        )
    return layer


def _score_head(model, use_logits):
    """``(tensor, dense, kind)``: the graph tensor to read the class scores from, the Dense
    layer to apply to it (or None) and ``kind`` in {"logit", "sigmoid", "softmax",
    "output"} saying what the scores are."""
    import keras

    last = model.layers[-1]
    act = getattr(getattr(last, "activation", None), "__name__", None)
    if isinstance(last, keras.layers.Dense) and act in _SQUASHERS:
        return (last.input, last, "logit") if use_logits else (model.outputs[0], None, act)
    if isinstance(last, keras.layers.Activation) and act in _SQUASHERS:
        return (last.input, None, "logit") if use_logits else (model.outputs[0], None, act)
    return model.outputs[0], None, "output"


def _class_scores(values, dense):
    """Apply ``dense``'s affine map without its activation (the logits)."""
    from keras import ops

    if dense is None:
        return values
    out = ops.matmul(values, dense.kernel)
    return out + dense.bias if dense.use_bias else out


def _pick_class(scores, kind, class_index) -> int:
    """The class to explain: ``class_index`` checked, or the predicted one."""
    scores = np.asarray(scores).reshape(-1)
    n = len(scores)
    n_classes = 2 if n == 1 else n
    if class_index is None:
        if n > 1:
            return int(np.argmax(scores))
        threshold = 0.5 if kind in _SQUASHERS else 0.0
        return int(scores[0] > threshold)
    if isinstance(class_index, bool) or not isinstance(class_index, (int, np.integer)):
        raise TypeError(f"class_index must be an int or None, got {class_index!r}")
    if not 0 <= class_index < n_classes:
        raise ValueError(f"class_index must be in [0, {n_classes}), got {class_index}")
    return int(class_index)


def _select(scores, index, kind):
    """Score of class ``index`` from a ``(1, n)`` tensor (binary single unit handled)."""
    if scores.shape[-1] != 1:
        return scores[:, index]
    if index == 1:
        return scores[:, 0]
    return 1.0 - scores[:, 0] if kind in _SQUASHERS else -scores[:, 0]


def _resize(maps, height, width) -> np.ndarray:
    """Bilinear resize of a 2-D map to ``(height, width)`` (``tf.image.resize``)."""
    import tensorflow as tf

    maps = np.asarray(maps, np.float32)
    if maps.shape == (height, width):
        return maps
    return tf.image.resize(maps[None, :, :, None], (height, width), "bilinear")[0, :, :, 0].numpy()


def normalize(heatmap, *, shift_min: bool = False) -> np.ndarray:
    """Scale a 2-D map to [0, 1] as float32: divide by its maximum (``shift_min=False``,
    for non-negative maps) or map ``[min, max]`` to ``[0, 1]`` (``shift_min=True``, for maps
    that can be negative, such as a CAM). A constant map (or an all-zero one) gives zeros.

    Used by: C3_W4_Lab_2_cats_dogs_cam.
    """
    h = np.asarray(heatmap, np.float64)
    if h.ndim != 2:
        raise ValueError(f"heatmap must be 2-D (H, W), got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("heatmap holds NaN or infinite values")
    if shift_min:
        h = h - h.min()
    elif h.min() < 0:
        raise ValueError("heatmap has negative values: pass shift_min=True to min-max scale it")
    top = h.max()
    if top <= 0:
        return np.zeros(h.shape, np.float32)
    return np.clip(h / top, 0.0, 1.0).astype(np.float32)


def _last_dense(model):
    import keras

    for layer in reversed(model.layers):
        if isinstance(layer, keras.layers.Dense):
            return layer
    raise ValueError(f"model {model.name!r} has no Dense layer: CAM needs a GAP -> Dense head")


def class_activation_map(model, image, features_layer, class_index=None, *, use_logits=True):
    """Class activation map (Zhou et al. 2016) of one image.

    Taught in: C3_W4_Lab_1_fashion_mnist_cam (checked against this there).
    Used by: C3_W4_Lab_2_cats_dogs_cam.

    ``cam = sum_k w[k, c] * A_k``: ``A_k`` the ``features_layer``'s maps ``(h, w, K)``,
    ``w`` the last Dense layer's kernel ``(K, n_classes)`` of the course's
    ``features → GlobalAveragePooling2D → Dense`` head. Resized bilinearly to the image's
    ``(H, W)``, then min-max scaled to [0, 1] (the map can be negative).

    Args:
        model: the classifier (flat functional / Sequential Keras model).
        image: ``(H, W, C)`` or ``(1, H, W, C)`` array matching the model's input.
        features_layer: name of the layer whose maps feed the pooling.
        class_index: the class to explain (default: the predicted one); for a single-unit
            (binary) head, class 0 uses the negated weights.
        use_logits: how the predicted class is read (see the module docstring).

    Returns:
        float32 ``(H, W)`` in [0, 1].

    Raises:
        ValueError: unknown or non-4-D ``features_layer`` (the message lists the
            convolutional layers), image shape not the model's input, ``class_index`` out
            of range, or a Dense kernel whose rows do not match the maps' channels.
    """
    import keras

    x = _prepare_image(model, image)
    layer = _feature_layer(model, features_layer, "features_layer")
    dense = _last_dense(model)
    kernel = np.asarray(keras.ops.convert_to_numpy(dense.kernel))
    channels = layer.output.shape[-1]
    if kernel.shape[0] != channels:
        raise ValueError(
            f"the last Dense layer {dense.name!r} takes {kernel.shape[0]} features but "
            f"{features_layer!r} has {channels} channels: CAM needs {features_layer!r} -> "
            "GlobalAveragePooling2D -> Dense"
        )
    tensor, head, kind = _score_head(model, use_logits)
    probe = keras.Model(model.inputs[0], [layer.output, tensor])
    maps, scores = probe(x, training=False)
    scores = _class_scores(scores, head)
    c = _pick_class(keras.ops.convert_to_numpy(scores), kind, class_index)
    weights = kernel[:, c] if kernel.shape[1] > 1 else kernel[:, 0] * (1.0 if c == 1 else -1.0)
    cam = np.asarray(keras.ops.convert_to_numpy(maps))[0] @ weights
    return normalize(_resize(cam, x.shape[1], x.shape[2]), shift_min=True)


def saliency_map(model, image, class_index=None, *, use_logits=True):
    """Saliency map (Simonyan et al. 2013): ``max_channels |d score_c / d image|``.

    Taught in: C3_W4_Lab_3_saliency (checked against this there).
    Used by: C3_W4_Assignment_cats_dogs_saliency.

    Args:
        model: the classifier (flat functional / Sequential Keras model).
        image: ``(H, W, C)`` or ``(1, H, W, C)`` array matching the model's input.
        class_index: the class to explain (default: the predicted one).
        use_logits: differentiate the pre-softmax logit (default) or the output as is.

    Returns:
        float32 ``(H, W)`` in [0, 1]: the gradient magnitude divided by its maximum.
    """
    import keras
    import tensorflow as tf

    x = tf.constant(_prepare_image(model, image))
    tensor, head, kind = _score_head(model, use_logits)
    probe = keras.Model(model.inputs[0], tensor)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = _class_scores(probe(x, training=False), head)
        c = _pick_class(scores.numpy(), kind, class_index)
        score = _select(scores, c, kind)
    grads = tape.gradient(score, x)
    if grads is None:
        raise ValueError("the class score does not depend on the image (no gradient)")
    return normalize(np.abs(grads.numpy()[0]).max(axis=-1))


def grad_cam(model, image, layer_name=None, class_index=None, *, use_logits=True):
    """Grad-CAM (Selvaraju et al. 2017) of one image.

    Taught in: C3_W4_Lab_4_grad_cam (its get_CAM is checked against this).

    ``ReLU(sum_k alpha_k * A_k)`` with ``A_k`` the maps ``(h, w, K)`` of ``layer_name`` and
    ``alpha_k`` the mean over ``(h, w)`` of ``d score_c / d A_k``; resized bilinearly
    (``tf.image.resize``) to the image's ``(H, W)`` and divided by its maximum.

    Args:
        model: the classifier (flat functional / Sequential Keras model).
        image: ``(H, W, C)`` or ``(1, H, W, C)`` array matching the model's input.
        layer_name: a layer with 4-D output (default: the last convolutional layer).
        class_index: the class to explain (default: the predicted one).
        use_logits: differentiate the pre-softmax logit (default) or the output as is.

    Returns:
        float32 ``(H, W)`` in [0, 1].

    Raises:
        ValueError: unknown ``layer_name`` (the message lists the convolutional layers),
            a model without convolutional layers, a bad image shape or ``class_index``.
    """
    import keras
    import tensorflow as tf

    x = tf.constant(_prepare_image(model, image))
    if layer_name is None:
        convs = _conv_layers(model)
        if not convs:
            raise ValueError(
                f"model {model.name!r} has no convolutional layer at its top level; pass "
                "layer_name, or build a flat model (a nested base model hides its layers)"
            )
        layer_name = convs[-1]
    layer = _feature_layer(model, layer_name, "layer_name")
    tensor, head, kind = _score_head(model, use_logits)
    probe = keras.Model(model.inputs[0], [layer.output, tensor])
    with tf.GradientTape() as tape:
        maps, scores = probe(x, training=False)
        scores = _class_scores(scores, head)
        c = _pick_class(scores.numpy(), kind, class_index)
        score = _select(scores, c, kind)
    grads = tape.gradient(score, maps)
    if grads is None:
        raise ValueError(f"the class score does not depend on layer {layer_name!r}")
    alpha = tf.reduce_mean(grads[0], axis=(0, 1))  # (K,)
    cam = tf.nn.relu(tf.reduce_sum(maps[0] * alpha, axis=-1)).numpy()
    return normalize(_resize(cam, x.shape[1], x.shape[2]))
