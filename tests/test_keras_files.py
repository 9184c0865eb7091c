"""Keras 3 .keras files, both ways, against real Keras: a model trained in Keras loads in glassnet and a model
saved by glassnet loads in Keras, with the same predictions (1e-6), the same regularizers, the same loss with
penalties, and the same next training step (the optimizer state carried in Keras's order).

Hostile archives are in test_hostile_keras_files.py.
"""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest

import glassnet
from glassnet import (
    L1,
    L2,
    SGD,
    Activation,
    ActivityRegularization,
    Adam,
    Adamax,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    MaxNorm,
    Nadam,
    NonNeg,
    Normalization,
    RMSprop,
    Sequential,
)
from glassnet.initializers import Constant, RandomUniform

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 3)).astype("float32")
Y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype("float32")
IMAGES = RNG.normal(size=(24, 2, 3)).astype("float32")  # a first Flatten's (2, 3) examples
Y_IMAGES = (IMAGES[:, 0, 0] + 0.5 * IMAGES[:, 1, 1] > 0).astype("float32")


def keras_model(optimizer=None, dropout=True):
    """A Keras Sequential of every supported layer, with weight, bias and activity regularizers, trained."""
    layers = [keras.Input((3,)), keras.layers.Normalization(),
              keras.layers.Dense(5, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01),
                                 bias_regularizer=keras.regularizers.L1(0.002),
                                 kernel_constraint=keras.constraints.MaxNorm(3.0))]
    if dropout:
        layers.append(keras.layers.Dropout(0.2, seed=3))
    layers += [keras.layers.Dense(4, activation="tanh", activity_regularizer=keras.regularizers.L1L2(0.001, 0.002),
                                  kernel_initializer=keras.initializers.HeNormal(seed=1)),
               keras.layers.ActivityRegularization(l2=0.003),
               keras.layers.Dense(1), keras.layers.Activation("sigmoid")]
    model = keras.Sequential(layers)
    model.layers[0].adapt(X)
    model.compile(optimizer or keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    return model


def glassnet_model(dtype="float32"):
    """A glassnet model of every supported layer with a compile-level L2, trained."""
    normalization = Normalization()
    model = Sequential([normalization, Dense(5, "relu", bias_regularizer=L1(0.002), kernel_constraint=MaxNorm(3.0),
                                             name="hidden"),
                        Dropout(0.2, seed=3), Dense(4, "tanh", activity_regularizer=L2(0.001), name="second"),
                        ActivityRegularization(l2=0.003), Dense(1, name="out"), Activation("sigmoid")],
                       seed=0, dtype=dtype)
    model.build((None, 3))
    normalization.adapt(X)
    model.compile(Adam(0.01), "binary_crossentropy", metrics=["accuracy"], regularizer=L2(0.01))
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    return model


def keras_pieces_model(optimizer, noise=0.1):
    """A Keras model of images through Flatten, BatchNormalization (every argument glassnet has, and center=False),
    GaussianNoise and a channels_first Flatten on 2-D inputs (the identity there), trained."""
    model = keras.Sequential([
        keras.Input((2, 3)), keras.layers.Flatten(), keras.layers.Dense(5, use_bias=False),
        keras.layers.BatchNormalization(
            momentum=0.9, epsilon=1e-2, beta_initializer=keras.initializers.Constant(0.1),
            gamma_initializer=keras.initializers.RandomUniform(0.9, 1.1, seed=1),
            moving_variance_initializer=keras.initializers.Constant(2.0), gamma_regularizer=keras.regularizers.L2(0.01),
            beta_regularizer=keras.regularizers.L1(0.001), gamma_constraint=keras.constraints.MaxNorm(2.0)),
        keras.layers.Activation("relu"), keras.layers.GaussianNoise(noise, seed=4),
        keras.layers.Flatten(data_format="channels_first"), keras.layers.BatchNormalization(center=False, axis=1),
        keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer, "binary_crossentropy")
    model.fit(IMAGES, Y_IMAGES, batch_size=8, epochs=2, verbose=0)
    return model


def glassnet_pieces_model(optimizer, noise=0.1):
    """keras_pieces_model's layers in glassnet, with glassnet's names, trained."""
    model = Sequential([
        Flatten(input_shape=(2, 3), name="flat"), Dense(5, use_bias=False, name="h"),
        BatchNormalization(momentum=0.9, epsilon=1e-2, beta_initializer=Constant(0.1),
                           gamma_initializer=RandomUniform(0.9, 1.1, seed=1), moving_variance_initializer=Constant(2.0),
                           gamma_regularizer=L2(0.01), beta_regularizer=L1(0.001), gamma_constraint=MaxNorm(2.0),
                           beta_constraint=NonNeg(), name="bn"),
        Activation("relu"), GaussianNoise(noise, seed=4, name="noise"), Flatten(name="flat_again"),
        BatchNormalization(center=False, axis=1, name="bn_unshifted"), Dense(1, "sigmoid", name="out")], seed=0)
    model.compile(optimizer, "binary_crossentropy")
    model.fit(IMAGES, Y_IMAGES, batch_size=8, epochs=2, verbose=0)
    return model


def one_step_keras(model, y=Y, x=X):
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return [w.numpy() for w in model.weights if w.name != "count"]  # Normalization's count: Keras's alone


def one_step_glassnet(model, y=Y, x=X):
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return model.get_weights()


def in_float32(tree):
    """A JSON tree with its floats rounded to float32."""
    if isinstance(tree, dict):
        return {key: in_float32(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [in_float32(value) for value in tree]
    return np.float32(tree) if isinstance(tree, float) else tree


def assert_close(ours, theirs, atol=1e-6):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol, rtol=0)


# --- Keras → glassnet ---------------------------------------------------------------------------------------
def test_a_model_trained_in_keras_predicts_the_same_in_glassnet_with_its_regularizers(tmp_path):
    theirs = keras_model()
    theirs.save(tmp_path / "model.keras")
    ours = glassnet.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), atol=1e-6, rtol=0)
    hidden, second = ours.layers[1], ours.layers[3]
    assert (type(hidden.kernel_regularizer), hidden.kernel_regularizer.l2) == (L2, pytest.approx(0.01))
    assert (type(hidden.bias_regularizer), hidden.bias_regularizer.l1) == (L1, pytest.approx(0.002))
    assert hidden.kernel_constraint.max_value == 3.0
    assert second.activity_regularizer.get_config() == pytest.approx({"l1": 0.001, "l2": 0.002})
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    # The loss with every penalty, as Keras's evaluate reports it, is what explain splits.
    explanation = ours.explain(X, Y)
    assert explanation.total_loss == pytest.approx(theirs.evaluate(X, Y, batch_size=len(X), verbose=0)[0], abs=1e-6)
    kernel_penalty = [p.value for p in explanation.penalties if (p.layer, p.weight) == (hidden.name, "kernel")]
    assert kernel_penalty == [pytest.approx(float(0.01 * np.sum(theirs.layers[1].kernel.numpy() ** 2)), rel=1e-5)]


@pytest.mark.parametrize("optimizer", [
    lambda: keras.optimizers.Adam(0.01),
    lambda: keras.optimizers.Adam(0.01, amsgrad=True),
    lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    lambda: keras.optimizers.Adagrad(0.05),
], ids=["adam", "amsgrad", "rmsprop", "sgd", "adagrad"])
def test_the_optimizer_state_of_a_keras_file_continues_training_as_keras_does(tmp_path, optimizer):
    theirs = keras_model(optimizer(), dropout=False)
    theirs.save(tmp_path / "model.keras")
    ours = glassnet.load_model(tmp_path / "model.keras")
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations) == 6
    assert_close(one_step_glassnet(ours), one_step_keras(theirs), atol=2e-6)


OPTIMIZERS = {"nadam": (lambda: keras.optimizers.Nadam(0.01), lambda: Nadam(0.01)),
              "adamax": (lambda: keras.optimizers.Adamax(0.02, beta_1=0.8), lambda: Adamax(0.02, beta_1=0.8))}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_batch_normalization_noise_flatten_nadam_and_adamax_of_a_keras_file_predict_and_train_on_as_keras(
        tmp_path, name):
    theirs = keras_pieces_model(OPTIMIZERS[name][0]())
    theirs.save(tmp_path / "model.keras")
    ours = glassnet.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(ours.predict(IMAGES, verbose=0), theirs.predict(IMAGES, verbose=0), atol=1e-6, rtol=0)
    bn, noise, unshifted = ours.layers[2], ours.layers[4], ours.layers[6]
    assert (bn.momentum, bn.epsilon, bn.gamma_regularizer.l2, bn.beta_regularizer.l1, bn.gamma_constraint.max_value,
            bn.beta_initializer.value, bn.moving_variance_initializer.value) == pytest.approx(
        (0.9, 1e-2, 0.01, 0.001, 2.0, 0.1, 2.0))
    assert (unshifted.center, unshifted.axis, noise.stddev, noise.seed) == (False, 1, pytest.approx(0.1), 4)
    assert type(ours.optimizer).__name__ == type(theirs.optimizer).__name__
    assert ours.optimizer.get_config()["beta_1"] == pytest.approx(float(theirs.optimizer.beta_1))
    assert ours.optimizer.iterations == int(theirs.optimizer.iterations) == 6
    assert [w.path for w in ours.weights] == [f"{ours.layers[i].name}/{w}" for i, w in [
        (1, "kernel"), (2, "gamma"), (2, "beta"), (2, "moving_mean"), (2, "moving_variance"), (6, "gamma"),
        (6, "moving_mean"), (6, "moving_variance"), (7, "kernel"), (7, "bias")]]
    # Without noise (its numbers come from each library's own generator) the next step is Keras's, moving
    # statistics included.
    theirs = keras_pieces_model(OPTIMIZERS[name][0](), noise=0.0)
    theirs.save(tmp_path / "quiet.keras")
    ours = glassnet.load_model(tmp_path / "quiet.keras")
    assert_close(one_step_glassnet(ours, Y_IMAGES, IMAGES), one_step_keras(theirs, Y_IMAGES, IMAGES), atol=2e-6)


def test_a_keras_model_saved_before_compile_or_build_loads_as_such(tmp_path):
    unbuilt = keras.Sequential([keras.layers.Dense(2, activation="elu"), keras.layers.Dense(1)])
    unbuilt.save(tmp_path / "unbuilt.keras")
    ours = glassnet.load_model(tmp_path / "unbuilt.keras")
    assert not ours.built and not ours.compiled and ours.layers[0].activation.get_config() == {"alpha": 1.0}
    built = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    built.save(tmp_path / "built.keras")
    ours = glassnet.load_model(tmp_path / "built.keras")
    np.testing.assert_allclose(ours.predict(X, verbose=0), built.predict(X, verbose=0), atol=1e-6, rtol=0)


def test_statistics_in_a_normalization_config_and_a_float64_keras_model(tmp_path):
    theirs = keras.Sequential([keras.Input((3,)),
                               keras.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0],
                                                          dtype="float64"),
                               keras.layers.Dense(2, dtype="float64")])
    theirs.compile(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)),
                   keras.losses.Huber(), metrics=[keras.metrics.MeanAbsoluteError()])
    theirs.save(tmp_path / "model.keras")
    ours = glassnet.load_model(tmp_path / "model.keras")
    assert ours.dtype == np.float64 and ours.compiled_loss.get_config() == {"delta": 1.0}
    assert ours.get_compile_config()["metrics"] == ["mean_absolute_error"]
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X.astype("float64"), verbose=0),
                               atol=1e-12, rtol=0)


def test_metric_objects_cross_both_ways_with_their_settings(tmp_path):
    from glassnet import metrics

    ours = Sequential([Dense(3, "relu"), Dense(2, "sigmoid")], seed=0)
    ours.compile("sgd", "binary_crossentropy", metrics=[
        "accuracy", metrics.AUC(num_thresholds=50, curve="PR", multi_label=True, name="pr"),
        metrics.AUC(thresholds=[0.2, 0.5], name="few"), metrics.Precision(thresholds=0.3, class_id=1),
        metrics.Recall(name="rec"), metrics.RootMeanSquaredError(), metrics.TopKCategoricalAccuracy(k=1)])
    ours.build((None, 3))
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    written = theirs.get_compile_config()["metrics"]
    assert written[0] == "accuracy" and [m["class_name"] for m in written[1:]] == [
        "AUC", "AUC", "Precision", "Recall", "RootMeanSquaredError", "TopKCategoricalAccuracy"]
    rebuilt = [keras.metrics.deserialize(m) for m in written[1:]]
    assert (rebuilt[0].curve.value, rebuilt[0].num_thresholds, rebuilt[0].multi_label) == ("PR", 50, True)
    assert rebuilt[1].thresholds[1:-1] == pytest.approx([0.2, 0.5]) and rebuilt[1].name == "few"
    precision = rebuilt[2].get_config()
    assert (precision["thresholds"], precision["class_id"], rebuilt[3].name, rebuilt[5].k) == (0.3, 1, "rec", 1)
    theirs.save(tmp_path / "theirs.keras")  # and back: the same settings, as glassnet objects
    back = glassnet.load_model(tmp_path / "theirs.keras").get_compile_config()["metrics"]
    assert back[0] == "accuracy"
    assert [(type(m).__name__, m.get_config()) for m in back[1:]] == [
        (type(m).__name__, m.get_config()) for m in ours.get_compile_config()["metrics"][1:]]


# --- glassnet → Keras ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, atol", [("float32", 1e-6), ("float64", 1e-12)])
def test_a_glassnet_model_saved_as_keras_loads_in_keras_with_the_same_predictions_and_penalties(tmp_path, dtype,
                                                                                              atol):
    ours = glassnet_model(dtype)
    ours.save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    x = X.astype(dtype)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), atol=atol, rtol=0)
    # The compile-level L2 is written on each kernel, as the Keras L2 it is; the layers' own regularizers stay.
    dense = [layer for layer in theirs.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.name, type(layer.kernel_regularizer).__name__, float(layer.kernel_regularizer.l2))
            for layer in dense] == [(name, "L2", pytest.approx(0.01)) for name in ("hidden", "second", "out")]
    assert float(theirs.layers[1].bias_regularizer.l1) == pytest.approx(0.002)
    assert [term.value for term in ours.weight_penalties() if term.weight == "kernel"] == pytest.approx(
        [float(layer.kernel_regularizer(layer.kernel)) for layer in dense], rel=1e-6)
    if dtype == "float32":  # Keras 3.15's evaluate fails on a float64 model with penalties (adds float64 to float32)
        assert ours.evaluate(x, Y, batch_size=len(x), verbose=0)[0] == pytest.approx(
            theirs.evaluate(x, Y, batch_size=len(x), verbose=0)[0], abs=1e-6)
    # The optimizer's state, variable by variable: iterations, learning rate, then m and v of each weight.
    variables = theirs.optimizer.variables
    assert int(variables[0].numpy()) == ours.optimizer.iterations == 6
    slots = [slot for index in range(len(ours.trainable_weights)) for slot in
             (ours.optimizer.slots[index]["m"], ours.optimizer.slots[index]["v"])]
    assert_close([v.numpy() for v in variables[2:]], slots, atol=0)


@pytest.mark.parametrize("optimizer", [lambda: Adam(0.01), lambda: RMSprop(0.01, momentum=0.5, centered=True),
                                       lambda: SGD(0.05, momentum=0.9, nesterov=True)],
                         ids=["adam", "rmsprop", "sgd"])
def test_keras_continues_training_a_glassnet_file_as_glassnet_does(tmp_path, optimizer):
    ours = Sequential([Dense(4, "relu", kernel_regularizer=L2(0.01), name="h"), Dense(1, "sigmoid", name="o")],
                      seed=0)
    ours.compile(optimizer(), "binary_crossentropy")
    ours.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    ours.save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    assert_close(one_step_keras(theirs), one_step_glassnet(ours), atol=2e-6)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_keras_loads_batch_normalization_noise_flatten_nadam_and_adamax_and_trains_on_as_glassnet(tmp_path, name):
    ours = glassnet_pieces_model(OPTIMIZERS[name][1]())
    ours.save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(theirs.predict(IMAGES, verbose=0), ours.predict(IMAGES, verbose=0), atol=1e-6, rtol=0)
    assert theirs.input_shape == (None, 2, 3)  # the first Flatten's input_shape: Keras takes the images too
    bn = theirs.layers[2]
    assert (bn.momentum, bn.epsilon, float(bn.gamma_regularizer.l2), float(bn.beta_regularizer.l1),
            bn.gamma_constraint.max_value, type(bn.beta_constraint).__name__) == pytest.approx(
        (0.9, 1e-2, 0.01, 0.001, 2.0, "NonNeg"))
    assert (theirs.layers[4].stddev, theirs.layers[4].seed, theirs.layers[6].center) == (0.1, 4, False)
    assert [float(term.value) for term in ours.weight_penalties()] == pytest.approx(
        [float(bn.gamma_regularizer(bn.gamma)), float(bn.beta_regularizer(bn.beta))], rel=1e-6)
    # Keras's optimizer variables in its order: iterations, learning rate, the two slots of each trainable weight
    # in turn (Nadam: momentum, velocity; Adamax: momentum, norm), then Nadam's momentum product Πₜ.
    slots = [array for index in range(len(ours.trainable_weights))
             for array in ours.optimizer.slots[index].values()]
    variables = [v.numpy() for v in theirs.optimizer.variables]
    if name == "nadam":
        assert variables.pop() == ours.optimizer.u_product(6, np.dtype("float32"))
    assert int(variables[0]) == 6 and [v.shape for v in variables[2:]] == [s.shape for s in slots]
    assert_close(variables[2:], slots, atol=0)
    ours = glassnet_pieces_model(OPTIMIZERS[name][1](), noise=0.0)
    ours.save(tmp_path / "quiet.keras")
    theirs = keras.saving.load_model(tmp_path / "quiet.keras")
    assert_close(one_step_keras(theirs, Y_IMAGES, IMAGES), one_step_glassnet(ours, Y_IMAGES, IMAGES), atol=2e-6)
    # Keras rebuilds the same layer configs from the file: nothing glassnet wrote is dropped or defaulted anew.
    with zipfile.ZipFile(tmp_path / "quiet.keras") as archive:
        written = json.loads(archive.read("config.json"))["config"]["layers"][1:]
    rebuilt = json.loads(json.dumps(theirs.get_config()["layers"]))[1:]
    assert [in_float32(layer["config"]) for layer in written] == [in_float32(layer["config"]) for layer in rebuilt]


def test_a_compiled_model_that_never_trained_writes_fresh_slots_keras_loads_without_a_warning(tmp_path, recwarn):
    ours = Sequential([Dense(2, name="d")], seed=0)
    ours.build((None, 3))
    ours.compile(glassnet.Adagrad(0.1), "mse")
    ours.save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    assert not [w for w in recwarn if "Skipping variable loading" in str(w.message)]
    assert_close([v.numpy() for v in theirs.optimizer.variables[2:]], [np.full((3, 2), 0.1), np.full((2,), 0.1)])


def test_a_keras_round_trip_keeps_what_glassnet_and_keras_share(tmp_path):
    ours = glassnet_model()
    ours.save(tmp_path / "model.keras")
    again = glassnet.load_model(tmp_path / "model.keras")
    assert_close(again.get_weights(), ours.get_weights(), atol=0)
    np.testing.assert_array_equal(again.predict(X, verbose=0), ours.predict(X, verbose=0))
    assert again.optimizer.iterations == ours.optimizer.iterations
    assert [repr(w.regularizer) for w in again.weights] == [repr(w.regularizer) for w in ours.weights]


def test_the_archive_is_what_keras_writes(tmp_path):
    glassnet_model().save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:
        assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        assert json.loads(archive.read("metadata.json"))["keras_version"].startswith("3.")
    assert [layer["class_name"] for layer in config["config"]["layers"]] == [
        "InputLayer", "Normalization", "Dense", "Dropout", "Dense", "ActivityRegularization", "Dense", "Activation"]
    assert config["compile_config"]["loss"]["class_name"] == "BinaryCrossentropy"
    # Keras rebuilds the same config from it: nothing glassnet wrote is dropped or defaulted differently.
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    rebuilt = json.loads(json.dumps(theirs.get_config()["layers"]))  # as Keras would write them (tuples as lists)
    for mine, keras_own in zip(config["config"]["layers"], rebuilt):
        assert in_float32(mine["config"]) == in_float32(keras_own["config"])  # Keras's L1 keeps l1 in float32


# --- the command line -----------------------------------------------------------------------------------------
def test_glassnet_explain_and_predict_take_a_model_trained_in_keras(tmp_path, capsys):
    from glassnet.cli import main

    theirs = keras_model(dropout=False)
    theirs.save(tmp_path / "model.keras")
    data = tmp_path / "rows.csv"
    data.write_text("a,b,c,label\n" + "".join(f"{a},{b},{c},{int(t)}\n" for (a, b, c), t in zip(X.tolist(), Y)))
    assert main(["explain", "--model", str(tmp_path / "model.keras"), "--data", str(data), "--target", "label",
                 "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total_loss"] == pytest.approx(theirs.evaluate(X, Y, batch_size=len(X), verbose=0)[0], abs=1e-6)
    hidden = theirs.layers[1].name  # Keras numbers its default names per process: dense, dense_1, ...
    assert {(p["layer"], p["weight"]) for p in payload["penalties"]} >= {(hidden, "kernel"), (hidden, "bias")}
    assert main(["predict", "--model", str(tmp_path / "model.keras"), "--data", str(data), "--target", "label"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "line,output_0" and len(lines) == len(X) + 1
    assert float(lines[1].split(",")[1]) == pytest.approx(float(theirs.predict(X[:1], verbose=0)[0, 0]), abs=1e-5)
    uncompiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    uncompiled.save(tmp_path / "uncompiled.keras")
    assert main(["explain", "--model", str(tmp_path / "uncompiled.keras"), "--data", str(data), "--target",
                 "label"]) == 2
    assert "has no loss and optimizer (saved before compile())" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["activations", "lecture"])
def test_every_initializer_constraint_activation_and_optimizer_glassnet_writes_keras_reads(tmp_path, case):
    from glassnet import L1L2, AdamW, MinMaxNorm, NonNeg, UnitNorm
    from glassnet.initializers import Constant, RandomUniform, VarianceScaling
    from glassnet.losses import Huber
    from glassnet.optimizers import ExponentialDecay

    if case == "activations":
        layers = [Dense(4, activation, kernel_initializer=VarianceScaling(2.0, "fan_avg", "uniform", seed=1),
                        bias_initializer=Constant(0.1), kernel_constraint=UnitNorm(), name=f"d_{activation}")
                  for activation in ("tanh", "elu", "gelu", "softplus", "leaky_relu", "sigmoid")]
        layers.append(Dense(3, "softmax", kernel_initializer=RandomUniform(-0.2, 0.3, seed=2),
                            kernel_constraint=MinMaxNorm(0.5, 1.5), name="out"))
        compiled = dict(optimizer=AdamW(0.01, weight_decay=0.01, amsgrad=True), loss="categorical_crossentropy",
                        metrics=["categorical_accuracy"])
        y = np.eye(3)[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)]
    else:
        layers = [Dense(4, "relu", kernel_regularizer=L1L2(0.01, 0.02), bias_constraint=NonNeg(), name="h"),
                  Dense(1, name="o")]
        compiled = dict(optimizer=SGD(ExponentialDecay(0.05, 3, 0.5), momentum=0.5), loss=Huber(2.0), lam=0.7,
                        metrics=["mae"])
        y = X[:, :1] - X[:, 1:2]
    ours = Sequential(layers, seed=0)
    ours.compile(**compiled)
    ours.fit(X, y, batch_size=8, epochs=2, verbose=0)
    ours.save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(theirs.predict(X, verbose=0), ours.predict(X, verbose=0), atol=1e-6, rtol=0)
    if case == "lecture":  # compile(lam=0.7) on 24 rows (Huber: no ½): L2(λ/2m) on each kernel without its own
        assert float(theirs.layers[1].kernel_regularizer.l2) == pytest.approx(0.7 / 48)
        assert float(theirs.layers[0].kernel_regularizer.l1) == pytest.approx(0.01)
        assert theirs.loss.get_config()["name"] == "huber_loss" and theirs.loss.fn is not None
        assert float(theirs.loss(np.array([[0.0]]), np.array([[3.0]]))) == pytest.approx(2.0 * 3.0 - 0.5 * 2.0 ** 2)
    assert_close(one_step_keras(theirs, y), one_step_glassnet(ours, y), atol=2e-6)
