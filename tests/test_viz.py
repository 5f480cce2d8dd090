import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from common import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_history_pairs_train_and_validation():
    history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.7, 0.9]}
    fig = viz.plot_history(history)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    assert len(axes[0].lines) == 2 and len(axes[1].lines) == 1
    np.testing.assert_allclose(axes[0].lines[1].get_ydata(), [1.1, 0.7, 0.6])
    assert axes[0].get_xlabel() == "epoch"


def test_plot_history_errors():
    with pytest.raises(ValueError, match="accuracy"):
        viz.plot_history({"loss": [1.0]}, metrics="accuracy")
    with pytest.raises(TypeError, match="history"):
        viz.plot_history([1, 2, 3])


def test_show_images_titles_mistakes_in_red():
    images = np.zeros((5, 8, 8, 1), "uint8")
    fig = viz.show_images(
        images, labels=[0, 1, 2, 3, 4], predictions=[0, 1, 2, 3, 9], ncols=3, title="digits"
    )
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(shown) == 5
    assert shown[4].get_title() == "4→9" and shown[4].title.get_color() == "red"
    assert shown[0].title.get_color() == "black"


def test_show_images_validates():
    with pytest.raises(ValueError, match="labels"):
        viz.show_images(np.zeros((3, 4, 4)), labels=[1, 2])
    with pytest.raises(ValueError, match="images"):
        viz.show_images(np.zeros((4, 4)))


def test_plot_model_draws_one_box_per_layer_and_each_edge():
    import keras

    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    x = keras.layers.Dense(5, name="x")(a)
    y = keras.layers.Concatenate(name="cat")([x, b])
    model = keras.Model(
        [a, b], [keras.layers.Dense(1, name="o1")(y), keras.layers.Dense(1, name="o2")(x)]
    )
    fig = viz.plot_model(model)
    ax = fig.axes[0]
    boxes = [t.get_text() for t in ax.texts if t.get_text()]
    edges = [t for t in ax.texts if not t.get_text()]  # arrows are empty annotations
    assert len(boxes) == 6 and "cat (Concatenate)\n(?, 8)" in boxes
    assert len(edges) == 5  # a->x, x->cat, b->cat, cat->o1, x->o2


def test_plot_model_sequential_and_errors():
    import keras

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    fig = viz.plot_model(model, title="mlp")
    texts = fig.axes[0].texts
    assert fig.axes[0].get_title() == "mlp"
    assert len([t for t in texts if t.get_text()]) == 2 and len(texts) == 3
    with pytest.raises(TypeError, match="keras.Model"):
        viz.plot_model("model")


def _graph(ax):
    """``({layer name: (x, y)}, [arrow rad])`` of a plot_model Axes."""
    boxes = {t.get_text().split(" ")[0]: t.get_position() for t in ax.texts if t.get_text()}
    rads = [t.arrow_patch.get_connectionstyle().rad for t in ax.texts if not t.get_text()]
    return boxes, rads


def test_plot_model_skip_connection_bends_around_the_block():
    import keras

    inputs = keras.Input((4,), name="in")
    h = keras.layers.Dense(4, name="h1")(inputs)
    h = keras.layers.Dense(4, name="h2")(h)
    model = keras.Model(inputs, keras.layers.Add(name="add")([inputs, h]))
    fig, axes = plt.subplots(1, 2)
    assert viz.plot_model(model, ax=axes[1]) is fig and not axes[0].texts
    boxes, rads = _graph(axes[1])
    assert [round(boxes[n][1]) for n in ("in", "h1", "h2", "add")] == [0, -1, -2, -3]
    assert sorted(rads) == [0.0, 0.0, 0.0, 0.3]  # in->h1, h1->h2, h2->add; in->add bends
    assert "add (Add)\n(?, 4)" in [t.get_text() for t in axes[1].texts]
    assert axes[1].get_title() == f"{model.name}: 40 parameters"


def test_plot_model_sequential_is_a_chain_in_layer_order():
    import keras

    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(4, name="d1"), keras.layers.Dense(2, name="d2")]
    )
    fig, ax = plt.subplots()
    assert viz.plot_model(model, ax=ax) is fig
    boxes, rads = _graph(ax)
    assert list(boxes) == ["d1", "d2"] and boxes["d1"][1] == 0 and boxes["d2"][1] == -1
    assert rads == [0.0]
    with pytest.raises(TypeError, match="ax must be"):
        viz.plot_model(model, ax="left")
    with pytest.raises(ValueError, match="built"):
        viz.plot_model(keras.Sequential([keras.layers.Dense(2)]))


def test_plot_model_shared_layers_and_unserialisable_custom_layers():
    import keras

    class Scale(keras.layers.Layer):  # takes a function: its config cannot be serialised
        def __init__(self, fn, **kwargs):
            super().__init__(**kwargs)
            self.fn = fn

        def call(self, x):
            return self.fn(x)

    base = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="base")
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    siamese = keras.Model([a, b], keras.layers.Subtract(name="sub")([base(a), base(b)]))
    # one edge per pair of layers, from every call of the shared base network
    assert viz._layer_parents(siamese) == {"a": [], "b": [], "base": ["a", "b"], "sub": ["base"]}
    x = keras.Input((2,), name="x")
    scaled = Scale(lambda t: 2 * t, name="scale")(keras.layers.Dense(2, name="d")(x))
    custom = keras.Model(x, keras.layers.Add(name="add")([scaled, x]))
    assert viz._layer_parents(custom) == {
        "x": [],
        "d": ["x"],
        "scale": ["d"],
        "add": ["scale", "x"],
    }
    assert len(_graph(viz.plot_model(custom).axes[0])[1]) == 4


def test_draw_boxes_draws_one_rectangle_and_caption_per_kept_box():
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.zeros((40, 80, 3), "uint8")
    boxes = [[0.25, 0.25, 0.75, 0.5], [0.0, 0.0, 0.5, 0.5], [0.1, 0.6, 0.2, 0.9]]
    fig = viz.draw_boxes(
        image,
        boxes,
        labels=[0, 1, 1],
        scores=[0.9, 0.8, 0.1],
        class_names=["duck", "zombie"],
        min_score=0.5,
        title="t",
    )
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == 2
    assert rects[0].get_xy() == (19.5, 9.5)  # pixel edges: x = 0.25 * 80 - 0.5, y = 0.25 * 40 - 0.5
    assert (rects[0].get_width(), rects[0].get_height()) == (20.0, 20.0)
    assert [t.get_text() for t in ax.texts] == ["duck 90%", "zombie 80%"]
    plt.close(fig)
    pixel = viz.draw_boxes(image, [[10, 20, 30, 40]], normalized=False)
    assert pixel.axes[0].patches[0].get_xy() == (19.5, 9.5)
    plt.close(pixel)
    # floats in [0, 255] (e.g. a model's input) are shown scaled to [0, 1], not clipped white
    wide = viz.draw_boxes(np.full((8, 8, 3), 127.5), [[0, 0, 1, 1]])
    np.testing.assert_allclose(wide.axes[0].images[0].get_array(), 0.5)
    plt.close(wide)


def test_draw_boxes_rejects_bad_input():
    image = np.zeros((10, 10))
    with pytest.raises(ValueError, match="inverted"):
        viz.draw_boxes(image, [[0.5, 0, 0.2, 1]])
    with pytest.raises(ValueError, match="scores has 2 entries for 1 boxes"):
        viz.draw_boxes(image, [[0, 0, 1, 1]], scores=[0.1, 0.2])
    with pytest.raises(ValueError, match="image must be"):
        viz.draw_boxes(np.zeros(10), [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="image must be"):
        viz.draw_boxes(np.zeros((10, 10, 2)), [[0, 0, 1, 1]])


def test_overlay_heatmap_draws_image_then_map():
    image = np.random.default_rng(0).integers(0, 256, (6, 8, 3)).astype("uint8")
    heat = np.linspace(0, 1, 48).reshape(6, 8)
    fig = viz.overlay_heatmap(image, heat, alpha=0.4, title="Grad-CAM")
    ax = fig.axes[0]
    assert len(ax.images) == 2 and ax.get_title() == "Grad-CAM"
    assert ax.images[1].get_alpha() == 0.4 and ax.images[1].get_clim() == (0.0, 1.0)
    np.testing.assert_array_equal(ax.images[0].get_array(), image)
    # on given axes, grey images (H, W, 1) and floats in [0, 255] too
    fig2, axes = plt.subplots(1, 2)
    out = viz.overlay_heatmap(np.full((6, 8, 1), 200.0), heat * 3, ax=axes[1])
    assert out is fig2 and len(axes[1].images) == 2 and not axes[0].images
    assert axes[1].images[0].get_array().max() <= 1.0
    assert axes[1].images[1].get_clim() == pytest.approx((0.0, 3.0))


def test_overlay_heatmap_rejects_bad_input():
    image = np.zeros((6, 8, 3))
    with pytest.raises(ValueError, match="does not match"):
        viz.overlay_heatmap(image, np.zeros((8, 6)))
    with pytest.raises(ValueError, match="2-D"):
        viz.overlay_heatmap(image, np.zeros((6, 8, 1)))
    with pytest.raises(ValueError, match="NaN"):
        viz.overlay_heatmap(image, np.full((6, 8), np.nan))
    with pytest.raises(ValueError, match="alpha"):
        viz.overlay_heatmap(image, np.zeros((6, 8)), alpha=1.5)
    with pytest.raises(ValueError, match="image"):
        viz.overlay_heatmap(np.zeros((6, 8, 2)), np.zeros((6, 8)))


def test_overlay_mask_colours_each_class_and_leaves_background_clear():
    image = np.zeros((4, 5), "float32")
    mask = np.array([[0, 1, 1, 2, 2]] * 4)
    fig = viz.overlay_mask(image, mask, n_classes=3, alpha=0.6, title="labels")
    ax = fig.axes[0]
    assert len(ax.images) == 2 and ax.get_title() == "labels"
    rgba = np.asarray(ax.images[1].get_array())
    assert rgba.shape == (4, 5, 4)
    np.testing.assert_array_equal(rgba[:, 0, 3], 0.0)  # background transparent
    np.testing.assert_allclose(rgba[:, 1:, 3], 0.6)
    np.testing.assert_allclose(rgba[0, 1, :3], viz._MASK_COLORS[0])
    np.testing.assert_allclose(rgba[0, 3, :3], viz._MASK_COLORS[1])
    # the same class gets the same colour whatever else the mask holds
    again = viz._mask_rgba(np.array([[2]]))
    np.testing.assert_allclose(again[0, 0, :3], viz._MASK_COLORS[1])
    # (H, W, 1) masks, integer-valued floats, many classes (colours cycle)
    viz.overlay_mask(np.zeros((4, 5, 3), "uint8"), mask[..., None].astype(float))
    viz.overlay_mask(np.zeros((2, 2)), np.array([[0, 21], [40, 3]]))


def test_overlay_mask_rejects_bad_input():
    image = np.zeros((4, 5, 3))
    with pytest.raises(ValueError, match="does not match"):
        viz.overlay_mask(image, np.zeros((5, 4), int))
    with pytest.raises(ValueError, match="integer"):
        viz.overlay_mask(image, np.full((4, 5), 0.5))
    with pytest.raises(ValueError, match=">= 0"):
        viz.overlay_mask(image, np.full((4, 5), -1))
    with pytest.raises(ValueError, match="n_classes"):
        viz.overlay_mask(image, np.full((4, 5), 3), n_classes=3)
    with pytest.raises(ValueError, match="n_classes"):
        viz.overlay_mask(image, np.zeros((4, 5), int), n_classes=0)
    with pytest.raises(ValueError, match="alpha"):
        viz.overlay_mask(image, np.zeros((4, 5), int), alpha=-0.1)


def test_overlay_mask_draws_instance_masks_one_colour_each():
    import matplotlib.pyplot as plt

    image = np.zeros((6, 8, 3), "uint8")
    inst = np.zeros((2, 6, 8))
    inst[0, :3], inst[1, 2:4] = 0.9, 0.7  # instance 2 lies over instance 1 on row 2
    ids = viz._instance_label_map(inst)
    assert ids[0, 0] == 1 and ids[2, 0] == 2 and ids[5, 0] == 0
    fig = viz.overlay_mask(image, inst)
    rgba = fig.axes[0].images[1].get_array()
    assert np.allclose(rgba[0, 0, :3], viz._MASK_COLORS[0])
    assert np.allclose(rgba[2, 0, :3], viz._MASK_COLORS[1]) and rgba[5, 0, 3] == 0
    plt.close(fig)
    with pytest.raises(ValueError, match="instance masks"):
        viz._instance_label_map(np.zeros((4, 4)))


def test_overlay_mask_colours_cycle_after_twenty_classes():
    fig = viz.overlay_mask(np.zeros((1, 3)), np.array([[1, 21, 2]]))
    rgba = np.asarray(fig.axes[0].images[1].get_array())
    np.testing.assert_allclose(rgba[0, 1, :3], rgba[0, 0, :3])  # class 21 = class 1
    assert not np.allclose(rgba[0, 2, :3], rgba[0, 0, :3])


def test_compare_boxes_draws_both_boxes_and_their_iou():
    images = np.zeros((3, 20, 20, 3), np.uint8)
    truth = np.array([[0.1, 0.1, 0.5, 0.5], [0.2, 0.2, 0.6, 0.6], [np.nan] * 4])
    pred = np.array([[0.1, 0.1, 0.5, 0.5], [0.6, 0.6, 0.2, 0.2], [0.0, 0.0, 1.2, 0.5]])
    fig = viz.compare_boxes(images, truth, pred, scores=[0.9, 0.8, 0.0], label="duck")
    axes = fig.axes
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["IoU 1.00", "IoU 0.00", ""]  # inverted: 0
    assert [len(ax.patches) for ax in axes] == [2, 2, 0]  # no truth, score 0: nothing drawn
    inverted = axes[1].patches[1]  # drawn upright, at the true box's place here
    assert inverted.get_xy() == (3.5, 3.5) and inverted.get_width() == 8.0
    assert [t.get_text() for t in axes[0].texts] == ["duck 90%"]
    plt.close(fig)
    one = viz.compare_boxes(images, truth, pred, max_images=1)
    assert len(one.axes) == 1 and one.axes[0].get_title() == "IoU 1.00"
    plt.close(one)
    with pytest.raises(ValueError, match="per image"):
        viz.compare_boxes(images, truth[:2], pred)


def test_overlay_heatmap_outlines_the_box_on_pixel_edges():
    heat = np.zeros((10, 20))
    fig = viz.overlay_heatmap(np.zeros((10, 20)), heat, box=[0.0, 0.0, 1.0, 0.5])
    (rect,) = fig.axes[0].patches
    # the whole height and the left half: edges at -0.5 (imshow centres pixels on integers)
    assert rect.get_xy() == (-0.5, -0.5) and (rect.get_width(), rect.get_height()) == (10, 10)
    plt.close(fig)
    assert not viz.overlay_heatmap(np.zeros((10, 20)), heat).axes[0].patches
    with pytest.raises(ValueError, match="box"):
        viz.overlay_heatmap(np.zeros((10, 20)), heat, box=[0.5, 0.0, 0.2, 1.0])
    plt.close("all")


def test_grid_functions_draw_into_given_axes():
    fig, axes = plt.subplots(2, 4)
    out = viz.show_images(np.zeros((3, 5, 5)), [0, 1, 2], [0, 1, 1], axes=axes[0], title="row")
    assert out is fig and fig.get_suptitle() == "row"
    assert [len(ax.images) for ax in axes[0]] == [1, 1, 1, 0]
    assert not axes[0, 3].axison and axes[1, 0].axison  # extra Axes off, others untouched
    assert axes[0, 2].get_title() == "2→1" and axes[0, 2].title.get_color() == "red"
    history = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.8], "accuracy": [0.5, 0.8]}
    assert viz.plot_history(history, axes=axes[1, 2:], title=None) is fig
    assert [ax.get_title() for ax in axes[1, 2:]] == ["loss", "accuracy"]
    assert fig.get_suptitle() == "row"  # title=None leaves the figure's title alone
    single = plt.subplots()
    assert viz.plot_history(history, metrics="loss", axes=single[1]) is single[0]
    boxes = np.array([[0.1, 0.1, 0.5, 0.5]] * 2)
    fig2, axes2 = plt.subplots(1, 2)
    assert viz.compare_boxes(np.zeros((2, 8, 8)), boxes, boxes, axes=axes2) is fig2
    assert [ax.get_title() for ax in axes2] == ["IoU 1.00"] * 2
    with pytest.raises(ValueError, match="axes holds 2 Axes for 3 panels"):
        viz.show_images(np.zeros((3, 5, 5)), axes=axes2)
    with pytest.raises(TypeError, match="axes must be matplotlib Axes"):
        viz.plot_history(history, axes=["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        viz.plot_history(history, metrics=[])


def test_panel_functions_draw_on_given_ax_and_return_its_figure():
    fig, axes = plt.subplots(1, 3)
    image = np.zeros((4, 6, 3), "uint8")
    assert viz.draw_boxes(image, [[0, 0, 1, 1]], ax=axes[0], title="boxes") is fig
    assert viz.overlay_mask(image, np.ones((4, 6), int), ax=axes[1], title="mask") is fig
    assert viz.overlay_heatmap(image, np.zeros((4, 6)), ax=axes[2], title="map") is fig
    assert [ax.get_title() for ax in axes] == ["boxes", "mask", "map"]
    assert [len(ax.images) for ax in axes] == [1, 2, 2] and len(fig.axes) == 3
    for draw, args in (
        (viz.draw_boxes, ([[0, 0, 1, 1]],)),
        (viz.overlay_mask, (np.ones((4, 6), int),)),
        (viz.overlay_heatmap, (np.zeros((4, 6)),)),
    ):
        with pytest.raises(TypeError, match="ax must be matplotlib Axes"):
            draw(image, *args, ax=axes)  # an array of Axes, not one


def test_show_images_takes_images_of_different_sizes_with_titles():
    images = [np.zeros((10, 20, 3), np.uint8), np.ones((30, 15), np.float32)]
    fig = viz.show_images(images, titles=["wide", "tall"], title="photos")
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == ["wide", "tall"]
    assert axes[0].images[0].get_array().shape == (10, 20, 3)
    with pytest.raises(ValueError, match="labels or titles"):
        viz.show_images(images, labels=[0, 1], titles=["a", "b"])
    with pytest.raises(ValueError, match="titles has 1"):
        viz.show_images(images, titles=["a"])
