"""The Keras pieces tutorials use (issue 12, item 3), on their own: GaussianNoise, Flatten, the metric objects,
Nadam's state, fit's options, the model API (output_shape, metrics_names, pop, get_config/from_config), the
learning-rate callbacks, CSVLogger, the lowercase regularizers, the loss and metric strings, ``to_categorical`` —
and every error they raise. Parity with Keras is in tests/test_keras_pieces_parity.py."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import (
    L2,
    SGD,
    Activation,
    BatchNormalization,
    CSVLogger,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    LearningRateScheduler,
    Nadam,
    ReduceLROnPlateau,
    Sequential,
    losses,
    metrics,
    regularizers,
)
from glassnet.optimizers import ExponentialDecay


def data(n=96, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, 0] - x[:, 1] > 0).astype("float32")


def small_model(optimizer=None, metrics_=None, seed=0, **compile_kwargs):
    model = Sequential([Dense(6, "tanh", kernel_regularizer=L2(0.01)), Dense(1, "sigmoid")], seed=seed)
    model.compile(optimizer or SGD(0.1), "binary_crossentropy", metrics=metrics_, **compile_kwargs)
    return model


# --- GaussianNoise ------------------------------------------------------------------------------------------
def test_gaussian_noise_adds_n_0_stddev_in_training_only():
    layer = GaussianNoise(0.3, seed=1)
    x = np.full((4000, 5), 2.0, dtype="float32")
    noisy = layer(x, training=True)
    assert abs(float(np.mean(noisy - x))) < 0.01 and abs(float(np.std(noisy - x)) - 0.3) < 0.01
    np.testing.assert_array_equal(layer(x), x)  # inference: the identity
    g = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(layer.backward(g)[0], g)
    assert layer.backward(g)[1] == {}
    np.testing.assert_array_equal(GaussianNoise(0.3, seed=1)(x, training=True), noisy)  # the seed decides
    np.testing.assert_array_equal(GaussianNoise(0.0)(x, training=True), x)


def test_gaussian_noise_draws_are_saved_so_a_loaded_model_continues_identically(tmp_path):
    x, y = data()
    model = Sequential([GaussianNoise(0.5, seed=3), Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile(SGD(0.1), "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "noise.glassnet")
    loaded = glassnet.load_model(tmp_path / "noise.glassnet")
    model.fit(x, y, epochs=1, verbose=0, seed=4)
    loaded.fit(x, y, epochs=1, verbose=0, seed=4)
    for mine, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"stddev": 1.5}, ValueError, r"`stddev` must be a number between 0 and 1. Received: stddev=1.5"),
    ({"stddev": float("nan")}, ValueError, r"Received: stddev=nan"),
    ({"stddev": "0.1"}, TypeError, r"`stddev` must be a number between 0 and 1. Received: stddev='0.1'"),
    ({"stddev": 0.1, "seed": -1}, ValueError, r"`seed` must be an integer ≥ 0 or None. Received: seed=-1"),
])
def test_gaussian_noise_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        GaussianNoise(**kwargs)


# --- Flatten ------------------------------------------------------------------------------------------------
def test_flatten_reshapes_rows_and_back():
    layer = Flatten()
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(layer(x), x.reshape(2, 12))
    dx, grads = layer.backward(np.ones((2, 12)))
    assert dx.shape == (2, 3, 4) and grads == {}
    assert layer.compute_output_shape((None, 3, 4)) == (None, 12)
    two_d = np.ones((3, 5))
    np.testing.assert_array_equal(Flatten()(two_d), two_d)


def test_a_model_starting_with_flatten_takes_images_everywhere():
    rng = np.random.default_rng(0)
    x, labels = rng.random((60, 3, 4)).astype("float32"), rng.integers(0, 3, 60)
    model = Sequential([Flatten(input_shape=(3, 4)), Dense(5, "relu"), Dense(3, "softmax")], seed=0)
    assert model.input_shape == (None, 12) and model.output_shape == (None, 3)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, verbose=0)
    np.testing.assert_array_equal(model.predict(x), model.predict(x.reshape(60, 12)))
    np.testing.assert_array_equal(model(x[:2]), model.predict(x[:2]))
    assert model.evaluate(x, labels) == model.evaluate(x.reshape(60, 12), labels)
    assert model.explain(x, labels).n_rows == 60
    with pytest.raises(ValueError, match=r"`x` must have examples of shape \(3, 4\), the `input_shape` of layer "
                                         r".*Received: x with shape \(2, 4, 3\)"):
        model.predict(rng.random((2, 4, 3)))
    plain = Sequential([Dense(2)])
    with pytest.raises(ValueError, match=r"`x` must be a 2-D array \(samples, features\). Received: x with shape"):
        plain.predict(x)  # without a Flatten in front, images are refused as before


@pytest.mark.parametrize("kwargs, error, message", [
    ({"input_shape": "28"}, TypeError, r"`input_shape` must be a tuple of positive integers. Received: "),
    ({"input_shape": (28, 0)}, ValueError, r"`input_shape` must be a positive integer"),
    ({"data_format": "channels_first"}, ValueError, r"`data_format` must be 'channels_last'.*channels_first"),
    ({"units": 3}, TypeError, r"Unrecognized keyword arguments passed to Flatten: \{'units': 3\}"),
])
def test_flatten_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        Flatten(**kwargs)


# --- metric objects -----------------------------------------------------------------------------------------
def test_metric_objects_are_copied_fresh_so_training_and_validation_never_share_counts():
    x, y = data(n=120)
    auc = metrics.AUC(name="auc_of_test")
    model = small_model(metrics_=[auc])
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, shuffle=False)
    assert auc.confusion is None and auc.count == 0  # the object given to compile counted nothing
    # each epoch's value is the AUC of that epoch's rows alone: evaluate on the validation rows agrees
    assert history.history["val_auc_of_test"][-1] == pytest.approx(
        model.evaluate(x[90:], y[90:], return_dict=True)["auc_of_test"], rel=1e-12)


def test_metric_names_follow_keras():
    first, second = metrics.AUC(), metrics.AUC()
    assert first.name.startswith("auc") and second.name != first.name  # auc, auc_1, … per process
    assert metrics.RootMeanSquaredError().name == "root_mean_squared_error"
    assert metrics.TopKCategoricalAccuracy().name == "top_k_categorical_accuracy"
    loss = losses.get("binary_crossentropy")
    for name, cls in (("AUC", metrics.AUC), ("auc", metrics.AUC), ("Precision", metrics.Precision),
                      ("recall", metrics.Recall), ("RootMeanSquaredError", metrics.RootMeanSquaredError)):
        made = metrics.get(name, loss, 1)
        assert type(made) is cls and made.name == name
    assert type(metrics.get(metrics.Precision, loss, 1)) is metrics.Precision  # a class: Keras makes one
    assert metrics.get("BinaryAccuracy", loss, 1).fn is metrics.binary_accuracy
    assert [metrics.get(n, loss, 1).direction for n in ("accuracy", "mse", "auc")] == ["up", "down", "up"]


def test_metric_objects_edge_cases():
    empty = metrics.AUC()
    assert empty.result() == 0.0
    precision = metrics.Precision()
    precision.update(np.array([[1.0]]), np.array([[0.2]]))  # nothing predicted positive: 0, not NaN
    assert precision.result() == 0.0
    top = metrics.TopKCategoricalAccuracy(k=1)
    with pytest.raises(ValueError, match=r"needs at least 2 outputs; this model has 1"):
        top.check(losses.get("categorical_crossentropy"), 1)
    with pytest.raises(ValueError, match=r"needs targets shaped like the output.*sparse_categorical_crossentropy"):
        metrics.AUC().check(losses.get("sparse_categorical_crossentropy"), 3)
    column = metrics.Recall(class_id=4)
    with pytest.raises(ValueError, match=r"`class_id` must index a column of the output \(3 columns\). "
                                         r"Received: class_id=4"):
        column.update(np.zeros((2, 3)), np.zeros((2, 3)))


@pytest.mark.parametrize("make, error, message", [
    (lambda: metrics.AUC(num_thresholds=1), ValueError, r"`num_thresholds` must be an integer > 1.*Received: "
                                                         r"num_thresholds=1"),
    (lambda: metrics.AUC(num_thresholds=10**6), ValueError, r"at most 100000\)"),
    (lambda: metrics.AUC(thresholds=0.5), TypeError, r"`thresholds` must be a list.*Received: thresholds=0.5"),
    (lambda: metrics.AUC(thresholds=[0.2, 1.5]), ValueError, r"`thresholds` must be a list of numbers in \[0, 1\]"),
    (lambda: metrics.AUC(thresholds=[0.5] * 100_000), ValueError, r"at most 99998 numbers"),
    (lambda: metrics.AUC(curve="PRGAIN"), ValueError, r"`curve` must be one of \['ROC', 'PR'\]"),
    (lambda: metrics.AUC(summation_method="simpson"), ValueError, r"`summation_method` must be one of"),
    (lambda: metrics.AUC(multi_label=1), TypeError, r"`multi_label` must be a bool. Received: multi_label=1"),
    (lambda: metrics.AUC(name=""), TypeError, r"`name` must be a non-empty string or None. Received: name=''"),
    (lambda: metrics.Precision(thresholds=[0.5]), ValueError, r"`thresholds` must be one number in \[0, 1\]"),
    (lambda: metrics.Recall(class_id=-1), ValueError, r"`class_id` must be an integer ≥ 0 or None"),
    (lambda: metrics.TopKCategoricalAccuracy(k=0), ValueError, r"`k` must be a positive integer"),
    (lambda: metrics.RootMeanSquaredError(name=3), TypeError, r"`name` must be a non-empty string. Received: "),
    (lambda: metrics.get("f1", losses.get("mse"), 1), ValueError, r"Unknown metric.*Received: metrics='f1'"),
    (lambda: metrics.get(dict, losses.get("mse"), 1), TypeError, r"not a class.*did you mean dict\(\)"),
])
def test_metric_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


# --- optimizers, regularizers, losses, utils ----------------------------------------------------------------
def test_nadam_recomputes_its_momentum_product_from_the_step_count(tmp_path):
    """Nadam's Π_t depends on the step count only: a refused step, a preview or a reload continue exactly."""
    x, y = data()
    model = small_model(Nadam(0.01))
    model.fit(x, y, epochs=2, verbose=0, seed=0)
    model.save(tmp_path / "nadam.glassnet")
    loaded = glassnet.load_model(tmp_path / "nadam.glassnet")
    loaded.explain(x, y)  # previews a step (Π of the next step) and changes nothing
    model.fit(x, y, epochs=1, verbose=0, seed=1)
    loaded.fit(x, y, epochs=1, verbose=0, seed=1)
    for mine, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    optimizer = Nadam()
    direct = optimizer.u_product(7, np.dtype("float32"))
    optimizer.u_product(30, np.dtype("float32"))
    assert optimizer.u_product(7, np.dtype("float32")) == direct  # recomputed from the start after a rewind
    value = np.float32(1)
    for t in range(1, 8):
        value = (value * np.float32(0.9)) * (np.float32(1) - np.float32(0.5) * np.float32(0.96) ** np.float32(t))
    assert direct == value


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nadams_product_past_its_exact_steps_is_a_function_of_the_step_alone(dtype):
    """Past EXACT_STEPS (E) Πₜ = Π_E·β₁^(t − E), the same whether reached step by step or asked at once; up to E every
    factor is multiplied, and its last ones are exactly β₁ (1 − ½·0.96ᵗ is 1 in the dtype), so the closed form
    is what multiplying on would give up to rounding."""
    f, beta, end = np.dtype(dtype).type, 0.9999, Nadam.EXACT_STEPS
    walked = Nadam(beta_1=beta)
    steps = [walked.u_product(t, np.dtype(dtype)) for t in (end - 1, end, end + 1, end + 2)]
    asked = [Nadam(beta_1=beta).u_product(t, np.dtype(dtype)) for t in (end - 1, end, end + 1, end + 2)]
    assert steps == asked and steps[0] * f(beta) * (f(1) - f(0.5) * f(0.96) ** f(end)) == steps[1]
    assert f(1) - f(0.5) * f(0.96) ** f(end) == f(1)
    assert steps[2] == steps[1] * f(beta) and steps[3] == steps[1] * f(beta ** 2)
    assert Nadam(beta_1=beta).u_product(2**62, np.dtype(dtype)) == f(0)  # β₁^(2**62 − E) underflows, at once


def test_lowercase_regularizers_are_keras_3s_classes():
    assert regularizers.l2 is regularizers.L2 and regularizers.l1 is regularizers.L1
    assert regularizers.l1_l2 is regularizers.L1L2 and regularizers.l1_l2() == regularizers.L1L2(0.0, 0.0)
    assert regularizers.l2(1e-3) == regularizers.L2(1e-3)
    assert regularizers.get("L2") == regularizers.L2(0.01) and regularizers.get("L1") == regularizers.L1(0.01)


def test_losses_by_class_name():
    for name in ("BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                 "MeanSquaredError", "MeanAbsoluteError", "Huber"):
        loss = losses.get(name)
        assert type(loss).__name__ == name and loss.get_config() == type(loss)().get_config()
    assert losses.get("SparseCategoricalCrossentropy").name == "sparse_categorical_crossentropy"
    with pytest.raises(ValueError, match=r"Unknown loss.*Received: loss='CrossEntropy'"):
        losses.get("CrossEntropy")


@pytest.mark.parametrize("x, kwargs, error, message", [
    ([0, -1], {}, ValueError, r"`x` must hold integer class labels ≥ 0. Received: x containing -1"),
    ([0, 1.5], {}, ValueError, r"Received: x containing 1.5"),
    ([0, np.nan], {}, ValueError, r"Received: x containing nan"),
    ([0, 3], {"num_classes": 3}, ValueError, r"labels below num_classes=3. Received: x containing 3"),
    ([0, 1], {"num_classes": 0}, ValueError, r"`num_classes` must be an integer ≥ 1 or None. Received: num_cl"),
    (["a"], {}, TypeError, r"`x` must be an array of integer class labels. Received: x with dtype <U1"),
])
def test_to_categorical_refuses_what_keras_would_misread(x, kwargs, error, message):
    with pytest.raises(error, match=message):
        glassnet.utils.to_categorical(x, **kwargs)


# --- fit's options ------------------------------------------------------------------------------------------
def test_class_weight_is_the_sample_weight_it_stands_for():
    x, y = data()
    weighted, explicit = small_model(), small_model()
    h1 = weighted.fit(x, y, epochs=2, verbose=0, seed=0, class_weight={0: 0.5, 1: 3.0}, validation_split=0.25)
    # the same rows as validation_split: train on the first 72 with their class weights, validate unweighted
    h2 = explicit.fit(x[:72], y[:72], epochs=2, verbose=0, seed=0, sample_weight=np.where(y[:72] == 1, 3.0, 0.5),
                      validation_data=(x[72:], y[72:]))
    assert list(h1.history.values()) == list(h2.history.values())
    for mine, theirs in zip(weighted.get_weights(), explicit.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_initial_epoch_and_validation_settings():
    x, y = data()
    model = small_model(metrics_=["accuracy"])
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0, validation_split=0.25, validation_freq=[5])
    assert history.epoch == [3, 4] and len(history.history["val_loss"]) == 1
    assert model.fit(x, y, epochs=2, initial_epoch=2, verbose=0).epoch == []  # nothing left to run
    batches = []
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, validation_batch_size=5,
              callbacks=[glassnet.LambdaCallback(on_epoch_end=lambda epoch, logs: batches.append(logs))])
    full = model.evaluate(x[72:], y[72:], batch_size=24, return_dict=True)
    assert batches[0]["val_loss"] == pytest.approx(full["loss"], rel=1e-6)  # batch size changes no number


@pytest.mark.parametrize("kwargs, error, message", [
    ({"class_weight": {0: 1.0}, "sample_weight": np.ones(96)}, ValueError,
     r"cannot use `class_weight` and `sample_weight` at the same time"),
    ({"class_weight": [1.0, 2.0]}, TypeError, r"`class_weight` must be a dict \{class index: weight\}"),
    ({"class_weight": {"a": 1.0}}, ValueError, r"map class indices.*Received: class_weight with key 'a'"),
    ({"class_weight": {-1: 1.0}}, ValueError, r"Received: class_weight with key -1"),
    ({"class_weight": {1: -2.0}}, ValueError, r"finite weight ≥ 0. Received: class_weight\[1\]=-2.0"),
    ({"class_weight": {1: float("inf")}}, ValueError, r"Received: class_weight\[1\]=inf"),
    ({"initial_epoch": -1}, ValueError, r"`initial_epoch` must be an integer ≥ 0. Received: initial_epoch=-1"),
    ({"initial_epoch": 1.0}, TypeError, r"Received: initial_epoch=1.0"),
    ({"validation_freq": 0}, ValueError, r"`validation_freq` must be a positive integer"),
    ({"validation_freq": "2"}, TypeError, r"`validation_freq` must be an integer ≥ 1.*Received: validation_freq="),
    ({"validation_freq": [0, 2]}, ValueError, r"a list of epochs \(counted from 1\)"),
    ({"validation_batch_size": 0}, ValueError, r"`validation_batch_size` must be a positive integer"),
])
def test_fit_options_are_refused_before_anything_changes(kwargs, error, message):
    x, y = data()
    model = small_model()
    model.build((None, 4))
    before = model.get_weights()
    with pytest.raises(error, match=message):
        model.fit(x, y, epochs=1, verbose=0, **kwargs)
    assert model.compiled_optimizer.iterations == 0
    for mine, old in zip(model.get_weights(), before):
        np.testing.assert_array_equal(mine, old)


# --- the model API ------------------------------------------------------------------------------------------
def test_output_shape_and_metrics_names():
    model = Sequential([Dense(3), Dense(2)])
    assert model.output_shape is None and model.metrics_names == []
    model.build((None, 5))
    assert model.output_shape == (None, 2)
    model.compile("sgd", "mse", metrics=["mae", metrics.RootMeanSquaredError(name="rmse"), np.abs])
    assert model.metrics_names == ["loss", "mae", "rmse", "absolute"]


def test_pop_removes_the_last_layer_and_keeps_the_others():
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0)
    first = model.layers[0].get_weights()
    last = model.pop()
    assert isinstance(last, Dense) and len(model.layers) == 1 and model.output_shape == (None, 6)
    for mine, old in zip(model.layers[0].get_weights(), first):
        np.testing.assert_array_equal(mine, old)
    model.add(Dense(1, "sigmoid"))
    model.fit(x, y, epochs=1, verbose=0)  # trains again on the new stack
    later = model.pop(rebuild=False)
    assert not model.built and later is not last
    model.pop()
    assert model.layers == [] and not model.built
    with pytest.raises(ValueError, match=r"There are no layers in the model to pop. Received: a Sequential with 0"):
        model.pop()
    with pytest.raises(TypeError, match=r"`rebuild` must be a bool. Received: rebuild=1"):
        Sequential([Dense(1)]).pop(rebuild=1)


def test_get_config_and_from_config_rebuild_the_architecture():
    x, y = data()
    model = Sequential([glassnet.Normalization(), Dense(5, "relu", kernel_regularizer=regularizers.l2(0.02)),
                        BatchNormalization(momentum=0.9), Dropout(0.1, seed=2), GaussianNoise(0.1),
                        Activation("tanh"), Dense(1, "sigmoid")], name="tutorial", dtype="float64", seed=5)
    model.build((None, 4))
    config = model.get_config()
    assert [item["class_name"] for item in config["layers"]] == [
        "Normalization", "Dense", "BatchNormalization", "Dropout", "GaussianNoise", "Activation", "Dense"]
    assert config["build_input_shape"] == (None, 4) and config["dtype"] == "float64" and config["seed"] == 5
    copy = Sequential.from_config(config)
    assert copy.built and repr(copy.get_config()) == repr(config) and copy.layers[1] is not model.layers[1]
    assert copy.layers[1].kernel_regularizer == L2(0.02) and copy.layers[1].kernel_regularizer is not \
        model.layers[1].kernel_regularizer
    copy.set_weights(model.get_weights())
    np.testing.assert_array_equal(copy.predict(x), model.predict(x))
    config["layers"][1]["config"]["units"] = 99  # the dict is a copy: the model is untouched
    assert model.layers[1].units == 5


class MyLayer(glassnet.layers.Layer):
    def forward(self, x, training=False, rng=None):
        return 2 * x

    def backward(self, grad_out, need_input_grad=True, out=None):
        return 2 * grad_out, {}


def test_from_config_makes_only_known_layer_classes():
    config = Sequential([MyLayer(name="double"), Dense(1)]).get_config()
    with pytest.raises(ValueError, match=r"unknown layer class.*pass the class in `custom_objects`. Received: "
                                         r"class_name='MyLayer'"):
        Sequential.from_config(config)
    assert isinstance(Sequential.from_config(config, custom_objects={"MyLayer": MyLayer}).layers[0], MyLayer)
    for bad, message in (
            ([], r"`config` must be what Sequential.get_config\(\) returns"),
            ({"layers": [], "weights": []}, r"at most the keys"),
            ({"layers": "Dense"}, r"`config\['layers'\]` must be a list"),
            ({"layers": [{"class_name": "Dense"}]}, r"`config\['layers'\]\[0\]` must be a dict with `class_name` "
                                                    r"and `config`"),
            ({"layers": [{"class_name": "os.system", "config": {}}]}, r"Received: class_name='os.system'")):
        with pytest.raises(ValueError, match=message):
            Sequential.from_config(bad)
    with pytest.raises(TypeError, match=r"`custom_objects` must be a dict \{class name: Layer subclass\}"):
        Sequential.from_config(config, custom_objects={"MyLayer": print})


# --- callbacks ----------------------------------------------------------------------------------------------
def test_reduce_lr_on_plateau_picks_the_direction_of_the_monitored_quantity():
    x, y = data()
    for monitor, metric, direction in (("val_accuracy", "accuracy", "max"), ("val_mse", "mse", "min"),
                                       ("loss", "accuracy", "min"), ("val_penalty_loss", "mse", "min")):
        callback = ReduceLROnPlateau(monitor=monitor)
        small_model(metrics_=[metric]).fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[callback])
        assert callback.direction == direction, monitor
    callback = ReduceLROnPlateau(monitor="val_custom")
    with pytest.raises(ValueError, match=r"cannot tell whether `val_custom` should be maximized or minimized: "
                                         r"pass mode='max' or mode='min'"):
        small_model(metrics_=[lambda y, p: np.zeros(len(y))]).fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    with pytest.warns(UserWarning, match=r"conditioned on metric `val_loss` which is not available"):
        small_model().fit(x, y, epochs=1, verbose=0, callbacks=[ReduceLROnPlateau()])


def test_learning_rate_callbacks_refuse_a_schedule_before_training():
    x, y = data()
    for callback in (ReduceLROnPlateau(), LearningRateScheduler(lambda epoch, lr: lr)):
        model = small_model(SGD(ExponentialDecay(0.1, 10, 0.9)))
        with pytest.raises(TypeError, match=r"was made with a schedule, so its rate is not settable"):
            model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
        assert model.compiled_optimizer.iterations == 0


@pytest.mark.parametrize("make, error, message", [
    (lambda: ReduceLROnPlateau(factor=1.0), ValueError, r"`factor` must be a number in \(0, 1\).*Received: "
                                                         r"factor=1.0"),
    (lambda: ReduceLROnPlateau(factor="0.5"), TypeError, r"Received: factor='0.5'"),
    (lambda: ReduceLROnPlateau(mode="up"), ValueError, r"`mode` must be one of \['auto', 'max', 'min'\]"),
    (lambda: ReduceLROnPlateau(monitor=None), TypeError, r"`monitor` must be a string. Received: monitor=None"),
    (lambda: ReduceLROnPlateau(min_delta="0"), TypeError, r"`min_delta` must be a number"),
    (lambda: ReduceLROnPlateau(patience=-1), ValueError, r"`patience` must be an integer ≥ 0. Received: patie"),
    (lambda: ReduceLROnPlateau(cooldown=1.5), TypeError, r"`cooldown` must be an integer ≥ 0"),
    (lambda: ReduceLROnPlateau(min_lr=-1), ValueError, r"`min_lr` must be"),
    (lambda: LearningRateScheduler(0.1), TypeError, r"`schedule` must be a callable.*Received: schedule=0.1"),
    (lambda: CSVLogger(3), TypeError, r"`filename` must be a path.*Received: filename=3"),
    (lambda: CSVLogger("log.csv", separator=",,"), ValueError, r"`separator` must be one character"),
    (lambda: CSVLogger("log.csv", append="yes"), TypeError, r"`append` must be a bool"),
])
def test_callback_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("value, error, message", [
    (1, TypeError, r"must be a float that is finite and > 0. Received: 1$"),
    (None, TypeError, r"Received: None"),
    (-0.1, ValueError, r"at epoch 1 must be a float that is finite and > 0. Received: -0.1"),
    (float("nan"), ValueError, r"Received: nan"),
])
def test_a_bad_scheduled_rate_stops_training_before_that_epoch(value, error, message):
    x, y = data()
    model = small_model()
    rates = []
    scheduler = LearningRateScheduler(lambda epoch, lr: 0.05 if epoch == 0 else value)
    with pytest.raises(error, match=message):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[scheduler, glassnet.LambdaCallback(
            on_epoch_end=lambda epoch, logs: rates.append(logs["learning_rate"]))])
    assert rates == [0.05] and model.compiled_optimizer.learning_rate == 0.05
    assert model.compiled_optimizer.iterations == 3  # epoch 0's three steps, none of epoch 1


def test_csv_logger_append_writes_one_header(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    for _ in range(2):
        small_model().fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 5 and lines[0].startswith("epoch,data_loss,loss,") and lines[1].startswith("0,")
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "0", "1"]
    small_model().fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])  # append=False: overwritten
    assert len(path.read_text().splitlines()) == 2


class _Crash(glassnet.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 3:
            raise RuntimeError("killed as epoch 3 begins")


def test_reduce_lr_on_plateau_resumes_with_backup_and_restore(tmp_path):
    """The reduced rate and the callback's wait/cooldown/best come back with the backup: a resumed run is the
    uninterrupted one, bit for bit (Keras restores the rate with the optimizer's variables)."""
    x, y = data()

    def run(folder, crash):
        model = small_model()
        callbacks = [ReduceLROnPlateau(monitor="loss", patience=1, min_delta=10, factor=0.5, cooldown=1),
                     glassnet.BackupAndRestore(folder), *([_Crash()] if crash else [])]
        return model, model.fit(x, y, epochs=7, verbose=0, seed=1, callbacks=callbacks)

    whole, whole_history = run(tmp_path / "whole", crash=False)
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "resumed", crash=True)
    resumed, resumed_history = run(tmp_path / "resumed", crash=False)
    assert resumed_history.epoch == [3, 4, 5, 6]
    assert resumed_history.history["learning_rate"] == whole_history.history["learning_rate"][3:]
    assert len(set(whole_history.history["learning_rate"])) > 2
    for mine, theirs in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
