"""common.interpret against direct NumPy / GradientTape computations on tiny models, and
on a small CNN trained on generated circles and squares (the heatmap finds the shape)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from common import data, interpret


def _bilinear(m, height, width):
    """Independent NumPy bilinear resize with half-pixel centres (tf.image.resize's)."""

    def axis(n_in, n_out):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    y0, y1, fy = axis(m.shape[0], height)
    x0, x1, fx = axis(m.shape[1], width)
    top = m[y0][:, x0] * (1 - fx) + m[y0][:, x1] * fx
    bottom = m[y1][:, x0] * (1 - fx) + m[y1][:, x1] * fx
    return top * (1 - fy)[:, None] + bottom * fy[:, None]


def _minmax(m):
    return (m - m.min()) / (m.max() - m.min())


def _gap_model(size=8, channels=3, n_classes=3, activation="softmax", seed=0):
    """conv(4) -> pool -> conv 'feat'(5) -> GAP -> Dense, random weights."""
    keras.utils.set_random_seed(seed)
    inp = keras.Input((size, size, channels))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(inp)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.Conv2D(5, 3, padding="same", name="feat")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(n_classes, activation=activation, name="head")(x)
    return keras.Model(inp, out)


def _features(model, image, name="feat"):
    probe = keras.Model(model.inputs[0], model.get_layer(name).output)
    return probe(image[None].astype("float32")).numpy()[0]


def _head(model):
    kernel, bias = (w.numpy() for w in model.get_layer("head").weights)
    return kernel, bias


def test_cam_hand_set_weights():
    # 1x1 conv copies the one-channel image into two maps (x and -x); the head weighs them
    inp = keras.Input((4, 4, 1))
    feat = keras.layers.Conv2D(2, 1, use_bias=False, name="feat")(inp)
    out = keras.layers.Dense(2, activation="softmax", name="head")(
        keras.layers.GlobalAveragePooling2D()(feat)
    )
    model = keras.Model(inp, out)
    model.get_layer("feat").set_weights([np.array([[[[1.0, -1.0]]]])])
    model.get_layer("head").set_weights([np.array([[2.0, 0.0], [1.0, 0.5]]), np.zeros(2)])
    image = np.zeros((4, 4, 1), "float32")
    image[1, 2] = 3.0
    image[3, 0] = 1.0
    # class 0: 2x - x = x; class 1: -0.5x
    np.testing.assert_allclose(
        interpret.class_activation_map(model, image, "feat", class_index=0),
        image[..., 0] / 3.0,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        interpret.class_activation_map(model, image, "feat", class_index=1),
        _minmax(-0.5 * image[..., 0]),
        atol=1e-6,
    )
    # predicted class: logits (mean x) * [1, -0.5] -> class 0 wins for a positive image
    np.testing.assert_allclose(
        interpret.class_activation_map(model, image[None], "feat"), image[..., 0] / 3.0, atol=1e-6
    )


@pytest.mark.parametrize("activation", ["softmax", None])
def test_cam_matches_numpy_with_upsampling(activation):
    model = _gap_model(activation=activation)
    image = np.random.default_rng(1).normal(size=(8, 8, 3)).astype("float32")
    maps = _features(model, image)  # (4, 4, 5)
    kernel, bias = _head(model)
    logits = maps.mean(axis=(0, 1)) @ kernel + bias
    predicted = int(np.argmax(logits))
    for c in range(3):
        expected = _minmax(_bilinear(maps @ kernel[:, c], 8, 8))
        got = interpret.class_activation_map(model, image, "feat", class_index=c)
        assert got.shape == (8, 8) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(
        interpret.class_activation_map(model, image, "feat"),
        interpret.class_activation_map(model, image, "feat", class_index=predicted),
    )


def test_cam_binary_single_unit_uses_negated_weights_for_class_0():
    model = _gap_model(n_classes=1, activation="sigmoid", seed=2)
    image = np.random.default_rng(3).normal(size=(8, 8, 3)).astype("float32")
    cam1 = interpret.class_activation_map(model, image, "feat", class_index=1)
    cam0 = interpret.class_activation_map(model, image, "feat", class_index=0)
    np.testing.assert_allclose(cam0, 1.0 - cam1, atol=1e-5)
    p = float(model(image[None]).numpy()[0, 0])
    predicted = interpret.class_activation_map(model, image, "feat")
    np.testing.assert_array_equal(predicted, cam1 if p > 0.5 else cam0)
    with pytest.raises(ValueError, match="class_index"):
        interpret.class_activation_map(model, image, "feat", class_index=2)


def _linear_model(seed=0):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((3, 4, 2))
    out = keras.layers.Dense(3, activation="softmax", name="head")(keras.layers.Flatten()(inp))
    return keras.Model(inp, out)


def test_saliency_of_a_linear_model_is_its_weights():
    model = _linear_model()
    kernel, bias = _head(model)  # (24, 3)
    image = np.random.default_rng(4).normal(size=(3, 4, 2)).astype("float32")
    for c in range(3):
        expected = np.abs(kernel[:, c].reshape(3, 4, 2)).max(axis=-1)
        got = interpret.saliency_map(model, image, class_index=c)
        assert got.shape == (3, 4) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected / expected.max(), atol=1e-5)
    # use_logits=False: gradient of the probability, d p_c / dx = W (p_c (e_c - p))
    z = image.reshape(-1) @ kernel + bias
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    c = 2
    grad = kernel @ (p[c] * (np.eye(3)[c] - p))
    expected = np.abs(grad.reshape(3, 4, 2)).max(axis=-1)
    np.testing.assert_allclose(
        interpret.saliency_map(model, image, class_index=c, use_logits=False),
        expected / expected.max(),
        atol=1e-4,
    )


def test_saliency_matches_a_tape_on_a_cnn():
    model = _gap_model(seed=5)
    image = np.random.default_rng(6).normal(size=(8, 8, 3)).astype("float32")
    kernel, bias = _head(model)
    gap = keras.Model(model.inputs[0], model.get_layer("gap").output)
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = gap(x) @ kernel + bias
        score = logits[0, 1]
    grads = np.abs(tape.gradient(score, x).numpy()[0]).max(axis=-1)
    np.testing.assert_allclose(
        interpret.saliency_map(model, image, class_index=1), grads / grads.max(), atol=1e-5
    )


def test_grad_cam_of_a_gap_head_is_the_relu_of_cam():
    # d logit_c / d A_k = w[k, c] / (h w) everywhere, so Grad-CAM = ReLU(CAM) up to scale
    model = _gap_model(seed=7)
    image = np.random.default_rng(8).normal(size=(8, 8, 3)).astype("float32")
    maps = _features(model, image)
    kernel, _ = _head(model)
    for c in range(3):
        cam = np.maximum(maps @ kernel[:, c], 0)
        expected = _bilinear(cam, 8, 8)
        expected = expected / expected.max() if expected.max() > 0 else expected
        got = interpret.grad_cam(model, image, "feat", class_index=c)
        np.testing.assert_allclose(got, expected, atol=1e-5)
    # the default layer is the last convolutional one
    np.testing.assert_array_equal(
        interpret.grad_cam(model, image), interpret.grad_cam(model, image, "feat")
    )


def test_grad_cam_matches_a_tape_on_an_inner_layer():
    model = _gap_model(seed=9)
    image = np.random.default_rng(10).normal(size=(8, 8, 3)).astype("float32")
    probe = keras.Model(model.inputs[0], [model.get_layer("c1").output, model.output])
    with tf.GradientTape() as tape:
        maps, probs = probe(image[None])
        score = probs[0, 0]
    grads = tape.gradient(score, maps).numpy()[0]
    cam = np.maximum((maps.numpy()[0] * grads.mean(axis=(0, 1))).sum(-1), 0)  # 8x8 already
    got = interpret.grad_cam(model, image, "c1", class_index=0, use_logits=False)
    np.testing.assert_allclose(got, cam / cam.max(), atol=1e-5)


def test_sequential_model_with_a_logits_head():
    keras.utils.set_random_seed(12)
    model = keras.Sequential([
        keras.Input((6, 6, 1)),
        keras.layers.Conv2D(3, 3, padding="same", name="feat"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, name="head"),  # logits: the output is the score
    ])  # fmt: skip
    image = np.random.default_rng(13).normal(size=(6, 6, 1)).astype("float32")
    maps = _features(model, image)
    kernel, _ = _head(model)
    c = int(np.argmax(model(image[None]).numpy()[0]))
    cam = maps @ kernel[:, c]
    np.testing.assert_allclose(
        interpret.class_activation_map(model, image, "feat"), _minmax(cam), atol=1e-5
    )
    relu = np.maximum(cam, 0)
    expected = relu / relu.max() if relu.max() > 0 else relu
    np.testing.assert_allclose(interpret.grad_cam(model, image), expected, atol=1e-5)
    assert interpret.saliency_map(model, image).shape == (6, 6)


def test_constant_maps_give_zeros_not_nan():
    model = _gap_model(seed=11)
    for layer in ("feat", "head"):
        w = model.get_layer(layer).get_weights()
        model.get_layer(layer).set_weights([np.zeros_like(v) for v in w])
    image = np.ones((8, 8, 3), "float32")
    for heatmap in (
        interpret.class_activation_map(model, image, "feat"),
        interpret.saliency_map(model, image),
        interpret.grad_cam(model, image),
    ):
        assert heatmap.shape == (8, 8) and heatmap.dtype == np.float32
        assert not np.isnan(heatmap).any() and heatmap.max() == 0.0
    np.testing.assert_array_equal(interpret.normalize(np.full((2, 3), 4.0), shift_min=True), 0)


def test_errors():
    model = _gap_model()
    image = np.zeros((8, 8, 3), "float32")
    with pytest.raises(ValueError, match=r"\['c1', 'feat'\]"):
        interpret.grad_cam(model, image, layer_name="block5_conv3")
    with pytest.raises(ValueError, match=r"\['c1', 'feat'\]"):
        interpret.class_activation_map(model, image, "nope")
    with pytest.raises(ValueError, match="feature maps"):
        interpret.grad_cam(model, image, layer_name="gap")
    with pytest.raises(ValueError, match="takes 5 features"):
        interpret.class_activation_map(model, image, "c1")
    for bad in (np.zeros((9, 8, 3)), np.zeros((8, 8, 1)), np.zeros((2, 8, 8, 3)), np.zeros(8)):
        with pytest.raises(ValueError, match="image"):
            interpret.saliency_map(model, bad)
    with pytest.raises(ValueError, match="class_index"):
        interpret.saliency_map(model, image, class_index=3)
    with pytest.raises(TypeError, match="class_index"):
        interpret.grad_cam(model, image, class_index=1.0)
    with pytest.raises(TypeError, match="keras.Model"):
        interpret.saliency_map("model", image)
    with pytest.raises(ValueError, match="negative"):
        interpret.normalize(np.array([[-1.0, 1.0]]))
    dense_only = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten()])
    with pytest.raises(ValueError, match="no convolutional layer"):
        interpret.grad_cam(dense_only, image)


def _peak_inside(heatmap, box):
    """True when the heatmap's maximum lies inside the normalised [ymin, xmin, ymax, xmax]."""
    h, w = heatmap.shape
    y, x = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return box[0] * h <= y + 0.5 <= box[2] * h and box[1] * w <= x + 0.5 <= box[3] * w


@pytest.fixture(scope="module")
def shapes_cnn():
    """A GAP CNN trained for a few seconds on 32-px circles vs squares (batch norm and a
    decaying learning rate make it learn steadily), and held-out scenes with their boxes."""
    keras.utils.set_random_seed(0)
    images, labels, _ = data.make_shapes(800, size=32, seed=1)
    test_images, test_labels, test_boxes = data.make_shapes(30, size=32, seed=2)
    inp = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 255)(inp)
    for i, filters in enumerate((16, 32, 32, 32)):
        x = keras.layers.Conv2D(filters, 3, padding="same", name=f"c{i}")(x)
        x = keras.layers.BatchNormalization(momentum=0.8)(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if i < 2:
            x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(2, activation="softmax", name="head")(x))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, 5 * 25)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(images, labels, epochs=5, batch_size=32, verbose=0)
    accuracy = model.evaluate(test_images, test_labels, verbose=0)[1]
    return model, test_images.astype("float32"), test_boxes, accuracy


@pytest.mark.slow
def test_heatmaps_find_the_shape_on_a_trained_cnn(shapes_cnn):
    model, images, boxes, accuracy = shapes_cnn
    assert accuracy >= 0.8
    pairs = list(zip(images, boxes, strict=True))
    cam_hits = [
        _peak_inside(interpret.class_activation_map(model, im, "relu3"), b) for im, b in pairs
    ]
    # Grad-CAM on the last conv block's output (the raw conv "c3" before batch norm and ReLU
    # is noisier)
    grad_hits = [_peak_inside(interpret.grad_cam(model, im, "relu3"), b) for im, b in pairs]
    print(
        f"accuracy {accuracy:.2f}, CAM hits {np.mean(cam_hits):.2f}, Grad-CAM {np.mean(grad_hits):.2f}"
    )
    assert np.mean(cam_hits) >= 0.8 and np.mean(grad_hits) >= 0.8, (cam_hits, grad_hits)
    # saliency is noisy pixel by pixel: its mean is larger inside the box than outside
    inside_more = []
    for im, b in pairs[:15]:
        s = interpret.saliency_map(model, im)
        y0, x0, y1, x1 = np.round(np.asarray(b) * 32).astype(int)
        box = np.zeros_like(s, bool)
        box[y0:y1, x0:x1] = True
        inside_more.append(s[box].mean() > s[~box].mean())
    assert np.mean(inside_more) >= 0.8, inside_more
