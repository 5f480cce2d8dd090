"""A deliberately wrong answer for each exercise of each graded notebook:
``{notebook file name: [(exercise, text in the solution, wrong text[, "crash"]), ...]}``.
The text must occur in exactly one cell with a solution region; grading the mutated notebook
must score 0 on that exercise and full marks on the others. A mutation marked "crash" makes
the learner's code raise; every exercise needs one that does not (a wrong value, caught)."""

MUTATIONS: dict[str, list[tuple[str, ...]]] = {
    "C1_W1_Assignment_multiple_output_models.ipynb": [
        ("white_df", 'white_df["is_red"] = 0', 'white_df["is_red"] = 1'),
        ("red_df", 'red_df["is_red"] = 1', 'red_df["is_red"] = 0'),
        ("df_drop", 'df["quality"] < 8', 'df["quality"] < 9'),
        ("data_sizes", "train_test_split(df, test_size=0.2", "train_test_split(df, test_size=0.3"),
        ("format_output", "val_Y = format_output(val)", "val_Y = format_output(test)", "crash"),
        ("format_output", "train_Y = format_output(train)", "train_Y = format_output(train)[::-1]"),
        ("norm", "norm_val_X = norm(val)", "norm_val_X = norm(test)"),
        (
            "base_model",
            'Dense(128, activation="relu", name="first',
            'Dense(64, activation="relu", name="first',
        ),
        (
            "final_model",
            'activation="sigmoid", name="wine_type"',
            'activation="relu", name="wine_type"',
        ),
        ("model_compile", '"wine_type": "binary_crossentropy"', '"wine_type": "mse"'),
        (
            "history",
            "validation_data=(norm_val_X, val_Y), verbose",
            "validation_data=(norm_test_X, test_Y), verbose",
        ),
    ],
    "C1_W2_Assignment_custom_loss_rmse.ipynb": [
        ("my_rmse", "ops.mean(sqr_error)", "ops.sum(sqr_error)"),
        ("model_loss", "loss=my_rmse)", 'loss="mse")'),
    ],
    "C1_W3_Assignment_quadratic_layer.ipynb": [
        ("SimpleQuadratic", "ops.matmul(inputs, self.b)", "-ops.matmul(inputs, self.b)"),
    ],
    "C1_W4_Assignment_vgg.ipynb": [
        ("Block", 'padding="same")', 'padding="valid")'),
        ("MyVGG", "Dense(num_classes, activation", "Dense(2, activation"),
    ],
    "C2_W1_Assignment_basic_tensor_operations.ipynb": [
        (
            "tf_constant",
            "tf_constant_array = tf.constant(array)",
            "tf_constant_array = tf.constant(array, dtype=tf.float32)",
        ),
        ("tf_square", "tf_squared_array = tf.square(array)", "tf_squared_array = array * 2"),
        ("tf_reshape", "tf.reshape(array, shape)", "tf.transpose(tf.reshape(array, shape[::-1]))"),
        ("tf_cast", "tf.cast(array, dtype=dtype)", "tf.cast(array, dtype=tf.float32)"),
        ("tf_multiply", "product = tf.multiply(tensor1, tensor2)", "product = tensor1 + tensor2"),
        ("tf_add", "total = tf.add(tensor1, tensor2)", "total = tf.subtract(tensor1, tensor2)"),
        ("tf_gradient_tape", "        t.watch(x)", "        pass", "crash"),
        (  # the derivative worked out by hand: right numbers, no tape asked
            "tf_gradient_tape",
            "dz_dx = t.gradient(z, x)",
            "dz_dx = 9 * x * x - 4 * x + 1 + 0 * z",
        ),
    ],
    "C2_W2_Assignment_breast_cancer.ipynb": [
        ("F1Score", "2 * precision * recall", "precision * recall"),
        (
            "apply_gradient",
            "optimizer.apply_gradients(zip(gradients, model.trainable_weights, strict=True))",
            "pass",
        ),
        ("train_data_for_one_epoch", "losses.append(loss_value)", "pass"),
    ],
    "C2_W3_Assignment_horse_or_human_graph_mode.ipynb": [
        ("map_fn", "img /= 255.0", "img /= 1.0"),
        ("prepare_dataset", ".shuffle(buffer_size=num_examples)", ""),
        ("set_adam_optimizer", "Adam(learning_rate=0.001)", "Adam(learning_rate=0.01)"),
        (
            "set_sparse_cat_crossentropy_loss",
            "val_loss = keras.losses.SparseCategoricalCrossentropy()",
            "val_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
        ),
        (
            "set_sparse_cat_crossentropy_accuracy",
            "val_accuracy = keras.metrics.SparseCategoricalAccuracy()",
            "val_accuracy = train_accuracy",
        ),
        ("train_one_step", "train_accuracy.update_state(y, predictions)", "pass"),
        (
            "train",
            "loss = train_one_step(model, optimizer, x, y",
            "loss = train_one_step(model, optimizer, -x, y",
        ),
    ],
    "C2_W4_Assignment_distributed_custom_training.ipynb": [
        (
            "set_global_batch_size",
            "batch_size_per_replica * strategy.num_replicas_in_sync",
            "batch_size_per_replica",
        ),
        (
            "distribute_datasets",
            "experimental_distribute_dataset(validation_batches)",
            "experimental_distribute_dataset(test_batches)",
        ),
        (
            "ResNetModel",
            'Dense(classes, activation="softmax")',
            'Dense(classes, activation="relu")',
        ),
        (
            "checkpoint",
            "tf.train.Checkpoint(optimizer=optimizer, model=model)",
            "tf.train.Checkpoint(model=model)",
            "crash",
        ),
        (  # a checkpoint of another optimizer than the one that trains
            "checkpoint",
            "tf.train.Checkpoint(optimizer=optimizer, model=model)",
            "tf.train.Checkpoint(optimizer=keras.optimizers.Adam(LEARNING_RATE), model=model)",
        ),
        (
            "train_test_step_fns",
            "loss = compute_loss(labels, predictions)",
            "loss = tf.reduce_mean(loss_object(labels, predictions))",
        ),
        (
            "train_test_step_fns",
            "t_loss = loss_object(labels, predictions)",
            "t_loss = compute_loss(labels, predictions)",
        ),
        (
            "distributed_train_test_step_fns",
            "strategy.run(train_step, args=(dataset_inputs,))",
            "train_step(dataset_inputs)",
            "crash",
        ),
        (  # two training steps where one is asked
            "distributed_train_test_step_fns",
            "per_replica_losses = strategy.run(train_step, args=(dataset_inputs,))",
            "strategy.run(train_step, args=(dataset_inputs,))\n"
            "            per_replica_losses = strategy.run(train_step, args=(dataset_inputs,))",
        ),
    ],
    "C3_W1_Assignment_bird_boxes.ipynb": [
        (
            "read_image_tfds_with_original_bbox",
            "[bbox[1] * factor_x, bbox[0] * factor_y,",
            "[bbox[0] * factor_x, bbox[1] * factor_y,",
        ),
        ("read_image_tfds", "image = image / 127.5 - 1.0", "image = image / 255.0"),
        ("feature_extractor", "alpha=ALPHA)", "alpha=0.5)"),
        ("dense_layers", 'Dense(1024, activation="relu")(x)', 'Dense(512, activation="relu")(x)'),
        (
            "bounding_box_regression",
            'Dense(4, name="bounding_box")',
            'Dense(4, activation="sigmoid", name="bounding_box")',
        ),
        ("final_model", "outputs=bounding_box_output", "outputs=last_dense_layer"),
        ("define_and_compile_model", "momentum=0.9)", "momentum=0.5)"),
        (
            "steps_per_epoch",
            "math.ceil(length_of_training_dataset / BATCH_SIZE)",
            "length_of_training_dataset // BATCH_SIZE",
        ),
        ("fit", "epochs=EPOCHS, shuffle=False", "epochs=1, shuffle=False"),
        (
            "intersection_over_union",
            "union_area = pred_area + true_area - overlap_area",
            "union_area = pred_area + true_area",
        ),
    ],
    "C3_W2_Assignment_zombie_detection.ipynb": [
        (
            "train_images_np",
            '"training-zombie" + str(i) + ".jpg"',
            '"training-zombie" + str(6 - i) + ".jpg"',
        ),
        ("category_index", "num_classes = 1", "num_classes = 2"),
        (
            "preset",
            'preset = "retinanet_resnet50_fpn_coco"',
            'preset = "retinanet_resnet50_fpn_v2_coco"',
        ),
        (
            "detection_model",
            "detection_model.backbone.trainable = False",
            "detection_model.backbone.trainable = True",
        ),
        (
            "tmp_box_predictor_checkpoint",
            "prediction_layer=box_head.prediction_layer)",
            "prediction_layer=class_head.prediction_layer)",
        ),
        (  # restores the class head too (smoke mode: same shape, so no error)
            "tmp_model_checkpoint",
            "classification_head=tmp_class_tower_checkpoint)",
            "classification_head=detection_model.classification_head)",
        ),
        (  # the course's warning: with an extension, no error, and nothing restored
            "checkpoint",
            'os.path.join(checkpoint_dir, "ckpt-1")',
            'os.path.join(checkpoint_dir, "ckpt-1.index")',
        ),
        (
            "dummy image",
            "tmp_detections = detection_model.decode_predictions(tmp_prediction_dict, tmp_image)",
            "tmp_detections = tmp_prediction_dict",
        ),
        ("hyperparameters", "momentum=0.9)", "momentum=0.0)"),
        (
            "to_fine_tune",
            '("box_head/logits_layer", "classification_head/logits_layer")',
            '("box_head/logits_layer",)',
        ),
        (
            "train_step_fn",
            "gradients = tape.gradient(total_loss, vars_to_fine_tune)",
            "gradients = [tf.zeros_like(v) for v in vars_to_fine_tune]",
        ),
        (
            "detect",
            "detections = detection_model.decode_predictions(prediction_dict, preprocessed_image)",
            "detections = prediction_dict",
            "crash",
        ),
        (  # boxes normalised as the course's were: keras-hub's are pixels of the input
            "detect",
            "detections = detection_model.decode_predictions(prediction_dict, preprocessed_image)",
            "detections = detection_model.decode_predictions(prediction_dict, preprocessed_image)\n"
            '    detections["boxes"] = detections["boxes"] / IMAGE_SIZE',
        ),
    ],
    "C3_W4_Assignment_cats_dogs_saliency.ipynb": [
        ("augmentimages", "image = image / 255.0", "image = image / 127.5"),
        (
            "augmented_training_data",
            "augmented_training_data = train_data.map(augmentimages)",
            "augmented_training_data = train_data",
        ),
        (
            "model",
            'keras.layers.Dense(2, activation="softmax")',
            'keras.layers.Dense(2, activation="sigmoid")',
        ),
        (
            "do_salience",
            "tf.reduce_sum(tf.abs(gradients), axis=-1)",
            "tf.reduce_max(tf.abs(gradients), axis=-1)",
        ),
        ("epoch0_salient", 'LABELS[name], "epoch0_salient")', 'LABELS[name], "epoch0_")'),
        (
            "compile",
            "optimizer=keras.optimizers.RMSprop(learning_rate=0.001)",
            "optimizer=keras.optimizers.Adam(learning_rate=0.001)",
        ),
        ("train", "epochs=EPOCHS, shuffle=False", "epochs=1, shuffle=False"),
    ],
    "C3_W3_Assignment_m2nist_segmentation.ipynb": [
        (
            "conv_block",
            'padding="same", data_format=IMAGE_ORDERING)(input)',
            'padding="valid", data_format=IMAGE_ORDERING)(input)',
        ),
        ("FCN8", "((0, 0), (0, 96 - input_width))", "((0, 0), (96 - input_width, 0))"),
        (
            "fcn8_decoder",
            'keras.layers.Activation("sigmoid")(o)',
            'keras.layers.Activation("softmax")(o)',
        ),
        ("compile", 'loss="categorical_crossentropy"', 'loss="mean_squared_error"'),
        ("EPOCHS", "EPOCHS = env.pick(full=70, smoke=9)", "EPOCHS = env.pick(full=70, smoke=2)"),
    ],
}
