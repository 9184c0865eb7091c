"""BatchNormalization: the written formulas, both modes, finite-difference gradients, Keras parity, and the
engine around it — a refused step restores the moving statistics, saving carries them, explain leaves them, the
sweeps still name Dense layers by position."""

from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import glassnet
from glassnet import L2, Activation, BatchNormalization, Dense, NonFiniteError, Sequential
from glassnet.experiments.tasks import positional_names

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from test_gradients import _build, _check_layer, check_model_gradients  # noqa: E402
from test_keras_parity import assert_weights_close, binary_data  # noqa: E402

F64 = np.dtype("float64")


def _with_statistics(layer: BatchNormalization, rng: np.random.Generator) -> BatchNormalization:
    """Random γ, β and moving statistics, so no formula passes by multiplying by 1 or adding 0."""
    for weight in layer.weights:
        weight.value[...] = rng.uniform(0.5, 2.0, size=weight.shape) if weight.name in ("gamma", "moving_variance") \
            else rng.normal(size=weight.shape)
    return layer


# --- the formulas -------------------------------------------------------------------------------------------
def test_training_forward_uses_the_batch_statistics_and_updates_the_moving_ones():
    rng = np.random.default_rng(0)
    layer = _with_statistics(_build(BatchNormalization(momentum=0.9, epsilon=0.01), 3), rng)
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    old_mean, old_var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    x = rng.normal(loc=3.0, scale=2.0, size=(8, 3))
    out = layer.forward(x, training=True)
    mean, var = x.mean(axis=0), x.var(axis=0)  # ddof 0
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 0.01) + beta, rtol=1e-12)
    np.testing.assert_allclose(layer.moving_mean.value, 0.9 * old_mean + 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.value, 0.9 * old_var + 0.1 * var, rtol=1e-12)


def test_inference_forward_uses_the_moving_statistics_and_changes_nothing():
    rng = np.random.default_rng(1)
    layer = _with_statistics(_build(BatchNormalization(), 4), rng)
    before = layer.get_weights()
    x = rng.normal(size=(5, 4))
    out = layer.forward(x, training=False)
    mean, var = layer.moving_mean.value, layer.moving_variance.value
    np.testing.assert_allclose(out, layer.gamma.value * (x - mean) / np.sqrt(var + 1e-3) + layer.beta.value,
                               rtol=1e-12)
    for mine, old in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(mine, old)


def test_keras_defaults_and_weight_order():
    layer = BatchNormalization()
    assert (layer.momentum, layer.epsilon, layer.center, layer.scale, layer.axis) == (0.99, 1e-3, True, True, -1)
    model = Sequential([Dense(3), layer], seed=0)
    model.build((None, 2))
    assert [w.path.split("/")[1] for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    np.testing.assert_array_equal(np.concatenate(layer.get_weights()), [1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    assert [w.path.split("/")[1] for w in model.trainable_weights] == ["kernel", "bias", "gamma", "beta"]
    assert len(model.state.weights) == 4  # the moving statistics are not in θ
    no_affine = _build(BatchNormalization(center=False, scale=False), 2)
    assert no_affine.weight_names == ("moving_mean", "moving_variance") and no_affine.trainable_weights == []


# --- finite differences (float64) ---------------------------------------------------------------------------
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_backward_matches_finite_differences(training, center, scale):
    rng = np.random.default_rng(2)
    layer = _with_statistics(_build(BatchNormalization(center=center, scale=scale, epsilon=0.05), 3), rng)
    x, g = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    _check_layer(layer, x, g, training=training, what=f"BatchNormalization(training={training})")


def test_model_gradients_through_batch_normalization_with_penalties():
    """Data, penalty and total gradient of every weight — the kernel's L2 and γ's L2 included — in training
    mode, against finite differences of the loss parts."""
    model = Sequential([Dense(4, kernel_regularizer=L2(0.02)), BatchNormalization(gamma_regularizer=L2(0.1),
                                                                                  beta_regularizer=L2(0.05)),
                        Activation("tanh"), Dense(2, "sigmoid")], dtype="float64", seed=3)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.build((None, 3))
    rng = np.random.default_rng(4)
    model.set_weights([rng.normal(size=w.shape) if "moving_variance" not in w.path else rng.uniform(0.5, 2, w.shape)
                       for w in model.weights])
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 2)).astype(float)
    check_model_gradients(model, x, y)
    check_model_gradients(model, x, y, sample_weight=rng.uniform(0, 2, size=6))


# --- Keras parity -------------------------------------------------------------------------------------------
def test_training_and_moving_statistics_match_keras():
    """Dense (no bias: batch norm subtracts the mean, so a bias before it has no gradient and Adam would turn its
    rounding noise into steps) → BatchNormalization with a γ penalty → relu → sigmoid, Adam, 3 epochs of 15
    steps with validation: History, all weights (moving statistics included) and predictions."""
    x, y = binary_data(n=640, d=10, seed=3)
    keras.utils.set_random_seed(0)
    k_model = keras.Sequential([
        keras.Input((10,)), keras.layers.Dense(16, use_bias=False, kernel_regularizer=keras.regularizers.L2(0.01)),
        keras.layers.BatchNormalization(gamma_regularizer=keras.regularizers.L2(0.001), momentum=0.9),
        keras.layers.Activation("relu"), keras.layers.Dense(1, activation="sigmoid")])
    g_model = Sequential([Dense(16, use_bias=False, kernel_regularizer=L2(0.01)),
                          BatchNormalization(gamma_regularizer=L2(0.001), momentum=0.9), Activation("relu"),
                          Dense(1, activation="sigmoid")])
    g_model.build((None, 10))
    g_model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy", metrics=["accuracy"])
    g_model.compile(glassnet.Adam(1e-2), "binary_crossentropy", metrics=["accuracy"])
    k_hist = k_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    for key in k_hist.history:
        np.testing.assert_allclose(g_hist.history[key], k_hist.history[key], rtol=1e-5, err_msg=key)
    worst = assert_weights_close(g_model, k_model, "BatchNormalization, 45 Adam steps")
    print(f"\nmax relative weight difference vs Keras (moving statistics included): {worst:.2e}")
    np.testing.assert_allclose(g_model.predict(x), k_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# --- the engine around it -----------------------------------------------------------------------------------
def _bn_model(seed: int = 0) -> Sequential:
    model = Sequential([Dense(6, kernel_regularizer=L2(0.01)), BatchNormalization(), Activation("relu"),
                        Dense(1, "sigmoid")], seed=seed)
    model.compile(optimizer=glassnet.SGD(0.1), loss="binary_crossentropy")
    return model


def test_a_refused_step_restores_the_moving_statistics():
    """NaN in the second batch's targets is caught before the update; the forward pass had already moved the
    statistics: they are put back with the weights."""
    x, y = binary_data(n=64, d=4, seed=5)
    model = _bn_model()
    model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)
    bad_x = x.copy()
    bad_x[40] = 1e30  # a finite input that overflows float32 in the first layer of batch 2
    model.layers[0].kernel.value[...] = 1e10
    before = model.get_weights()
    with pytest.raises(NonFiniteError, match="epoch 0, batch 0"):
        model.fit(bad_x[32:], y[32:], epochs=1, batch_size=32, shuffle=False, verbose=0)
    for mine, old, weight in zip(model.get_weights(), before, model.weights):
        np.testing.assert_array_equal(mine, old, err_msg=weight.path)


def test_an_interrupted_step_restores_the_moving_statistics():
    x, y = binary_data(n=64, d=4, seed=6)
    model = _bn_model()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    before = model.get_weights()

    def interrupt(state, optimizer):  # after the forward pass moved the statistics, before the update
        raise KeyboardInterrupt

    model.step_observers.append(interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    moving = [w.path for w in model.weights if "moving" in w.path]
    assert moving
    for mine, old, weight in zip(model.get_weights(), before, model.weights):
        np.testing.assert_array_equal(mine, old, err_msg=weight.path)


def test_saving_carries_the_moving_statistics(tmp_path):
    x, y = binary_data(n=96, d=4, seed=7)
    model = _bn_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    layer = model.layers[1]
    assert not np.allclose(layer.moving_mean.value, 0)  # they moved
    model.save(tmp_path / "bn.glassnet")
    loaded = glassnet.load_model(tmp_path / "bn.glassnet")
    for mine, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    # training goes on identically from the file
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=1)
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=1)
    for mine, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_explain_leaves_the_moving_statistics_and_says_what_l2_before_batch_norm_does():
    x, y = binary_data(n=64, d=4, seed=8)
    model = _bn_model()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    before = model.get_weights()
    explanation = model.explain(x, y)
    for mine, old in zip(model.get_weights(), before):
        np.testing.assert_array_equal(mine, old)
    kernel = model.layers[0].kernel.path
    note = next(n for n in explanation.notes if n.startswith(f"{kernel}: ") and "BatchNormalization" in n)
    assert "does not depend on this kernel's scale" in note and "growing effective learning rate" in note
    # no such note when an activation sits between the kernel and the batch norm
    other = Sequential([Dense(6, "relu", kernel_regularizer=L2(0.01)), BatchNormalization(), Dense(1, "sigmoid")])
    other.compile(optimizer="sgd", loss="binary_crossentropy")
    assert not any("BatchNormalization" in n for n in other.explain(x, y).notes)


def test_the_output_does_not_depend_on_the_scale_of_the_kernel_before_it():
    """The fact the note states, checked: c·W gives the same training-mode output."""
    x, _ = binary_data(n=32, d=4, seed=9)
    model = Sequential([Dense(5, use_bias=False), BatchNormalization(epsilon=1e-9)], dtype="float64", seed=0)
    model.build((None, 4))
    out = model(x, training=True)
    model.layers[0].kernel.value[...] *= 7.0
    np.testing.assert_allclose(model(x, training=True), out, rtol=1e-9, atol=1e-12)


def test_sweeps_name_dense_layers_by_position_with_batch_norm_in_the_stack():
    model = Sequential([glassnet.Normalization(), Dense(5), BatchNormalization(), Activation("relu"), Dense(3),
                        BatchNormalization(), Dense(1)])
    names = positional_names(model)
    dense = [layer.name for layer in model.layers if isinstance(layer, Dense)]
    assert names == {dense[0]: "layer_1", dense[1]: "layer_2", dense[2]: "layer_3"}


# --- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    ({"axis": 0}, ValueError, r"Argument `axis` must be -1 .*Received: axis=0"),
    ({"momentum": 1.5}, ValueError, r"Argument `momentum` must be in \[0, 1\]. Received: momentum=1.5"),
    ({"epsilon": 0}, ValueError, r"Argument `epsilon` must be a finite number > 0. Received: epsilon=0"),
    ({"center": "yes"}, TypeError, r"Argument `center` must be a bool. Received: center='yes'"),
    ({"gamma_regularizer": "l3"}, ValueError, r"Unknown regularizer.*Received: gamma_regularizer='l3'"),
    ({"beta_initializer": 3}, TypeError, r"beta_initializer"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        BatchNormalization(**kwargs)


def test_bad_input_shapes_are_refused():
    layer = _build(BatchNormalization(), 3)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, 3\). Received: x with shape \(2, 4\)"):
        layer.forward(np.zeros((2, 4)), training=True)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, features\). Received: input_shape="):
        BatchNormalization().build((None, 2, 3), F64, np.random.default_rng(0))
