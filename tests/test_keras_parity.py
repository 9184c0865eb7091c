"""Parity with Keras 3 on TensorFlow: same initial weights, same data, same numbers.

Every test builds the network twice — in Keras and in glassnet — copies Keras's initial weights into glassnet, runs
the same thing and compares. Float32 throughout, as both default to it; tolerances are relative (rtol 1e-5) with a
small absolute floor for weights that pass near zero.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import glassnet
from glassnet import L1, L1L2, L2, Dense, Sequential

# A plain import: parity must run, never skip. conftest.py selects the TensorFlow backend.
assert keras.backend.backend() == "tensorflow"

RTOL, ATOL = 1e-5, 1e-6


def _keras_regularizer(reg):
    if reg is None:
        return None
    if isinstance(reg, glassnet.L1):
        return keras.regularizers.L1(reg.l1)
    if isinstance(reg, glassnet.L2):
        return keras.regularizers.L2(reg.l2)
    return keras.regularizers.L1L2(l1=reg.l1, l2=reg.l2)


def twin_models(n_in, spec, seed=0):
    """Build the same stack in Keras and glassnet from ``spec`` = [(units, activation, kernel_reg, activity_reg)]
    and give glassnet Keras's initial weights."""
    keras.utils.set_random_seed(seed)
    k_layers = [keras.Input((n_in,))]
    g_layers = []
    for units, activation, kernel_reg, activity_reg in spec:
        k_layers.append(keras.layers.Dense(units, activation=activation,
                                           kernel_regularizer=_keras_regularizer(kernel_reg),
                                           activity_regularizer=_keras_regularizer(activity_reg)))
        g_layers.append(Dense(units, activation=activation, kernel_regularizer=kernel_reg,
                              activity_regularizer=activity_reg))
    k_model = keras.Sequential(k_layers)
    g_model = Sequential(g_layers)
    g_model.build((None, n_in))
    g_model.set_weights(k_model.get_weights())
    return k_model, g_model


LECTURE = [(25, "relu", L2(0.01), None), (15, "relu", L2(0.01), None), (1, "sigmoid", L2(0.01), None)]


def binary_data(n=400, d=30, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype("float32")
    return x, y


def assert_weights_close(g_model, k_model, what):
    worst = 0.0
    for index, (mine, theirs) in enumerate(zip(g_model.get_weights(), k_model.get_weights())):
        rel = np.max(np.abs(mine - theirs)) / max(np.max(np.abs(theirs)), 1e-12)
        worst = max(worst, rel)
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{what}: weight #{index} glassnet (mine) vs Keras (theirs)")
    return worst


def keras_optimizer(name):
    return {
        "sgd": lambda: keras.optimizers.SGD(0.05),
        "sgd_momentum": lambda: keras.optimizers.SGD(0.05, momentum=0.9),
        "sgd_nesterov_clipnorm": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=0.5),
        "adam": lambda: keras.optimizers.Adam(1e-3),
        "adam_global_clipnorm": lambda: keras.optimizers.Adam(1e-3, global_clipnorm=0.5),
        "adamw": lambda: keras.optimizers.AdamW(1e-3, weight_decay=0.05),
        "rmsprop_centered_momentum": lambda: keras.optimizers.RMSprop(1e-3, momentum=0.5, centered=True),
        "adagrad_clipvalue": lambda: keras.optimizers.Adagrad(0.05, clipvalue=0.01),
        "sgd_weight_decay": lambda: keras.optimizers.SGD(0.05, momentum=0.9, weight_decay=0.01),
    }[name]()


def glassnet_optimizer(name):
    return {
        "sgd": lambda: glassnet.SGD(0.05),
        "sgd_momentum": lambda: glassnet.SGD(0.05, momentum=0.9),
        "sgd_nesterov_clipnorm": lambda: glassnet.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=0.5),
        "adam": lambda: glassnet.Adam(1e-3),
        "adam_global_clipnorm": lambda: glassnet.Adam(1e-3, global_clipnorm=0.5),
        "adamw": lambda: glassnet.AdamW(1e-3, weight_decay=0.05),
        "rmsprop_centered_momentum": lambda: glassnet.RMSprop(1e-3, momentum=0.5, centered=True),
        "adagrad_clipvalue": lambda: glassnet.Adagrad(0.05, clipvalue=0.01),
        "sgd_weight_decay": lambda: glassnet.SGD(0.05, momentum=0.9, weight_decay=0.01),
    }[name]()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_lecture_network_100_steps(optimizer):
    """The issue's headline check: lecture network, identical start, shuffle=False, 100 steps, weights ≤ 1e-5."""
    x, y = binary_data(n=3200)
    k_model, g_model = twin_models(30, LECTURE)
    k_model.compile(optimizer=keras_optimizer(optimizer), loss="binary_crossentropy", metrics=["accuracy"])
    g_model.compile(optimizer=glassnet_optimizer(optimizer), loss="binary_crossentropy", metrics=["accuracy"])
    # 3200 rows / batch 32 = 100 steps in one epoch.
    k_hist = k_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert g_model.optimizer.iterations == 100
    worst = assert_weights_close(g_model, k_model, f"lecture network, {optimizer}, 100 steps")
    print(f"\nmax relative weight difference vs Keras after 100 {optimizer} steps: {worst:.2e}")
    np.testing.assert_allclose(g_hist.history["loss"], k_hist.history["loss"], rtol=RTOL)
    np.testing.assert_allclose(g_hist.history["accuracy"], k_hist.history["accuracy"], rtol=RTOL)
    # model.losses: one penalty per kernel, 0.01·Σw², equal to Keras's.
    np.testing.assert_allclose([float(v) for v in g_model.losses],
                               [float(v) for v in k_model.losses], rtol=RTOL)


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "sgd_nesterov_clipnorm", "adam_global_clipnorm", "adamw",
                                       "rmsprop_centered_momentum", "adagrad_clipvalue", "sgd_weight_decay"])
def test_optimizers_match_keras(optimizer):
    """Each optimizer's formula, defaults and options (clipping, decoupled decay) against Keras over 100 steps."""
    x, y = binary_data(n=3200, seed=1)
    k_model, g_model = twin_models(30, LECTURE, seed=1)
    k_model.compile(optimizer=keras_optimizer(optimizer), loss="binary_crossentropy")
    g_model.compile(optimizer=glassnet_optimizer(optimizer), loss="binary_crossentropy")
    k_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    g_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert_weights_close(g_model, k_model, optimizer)


def test_history_evaluate_and_validation_split_match_keras():
    """History loss/val_loss per epoch, evaluate, and that validation_split holds out the same (last) rows."""
    x, y = binary_data(n=410, seed=2)  # 410·0.75 = 307.5 → floor: 307 training rows, the last 103 validate
    k_model, g_model = twin_models(30, LECTURE, seed=2)
    k_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    g_model.compile(optimizer=glassnet.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    k_hist = k_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    # glassnet's History holds Keras's keys, plus the split (data_loss, penalty_loss, penalty/..., norm/...).
    assert set(k_hist.history) <= set(g_hist.history)
    assert {"data_loss", "penalty_loss", "val_data_loss", "val_penalty_loss"} <= set(g_hist.history)
    for key in k_hist.history:
        np.testing.assert_allclose(g_hist.history[key], k_hist.history[key], rtol=RTOL, err_msg=key)
    k_eval = k_model.evaluate(x, y, batch_size=50, verbose=0, return_dict=True)
    g_eval = g_model.evaluate(x, y, batch_size=50, return_dict=True)
    assert set(g_eval) == set(k_eval)
    for key in k_eval:
        np.testing.assert_allclose(g_eval[key], k_eval[key], rtol=RTOL, err_msg=key)

    # The same rows: training on the first 307 rows with the last 103 as validation_data is the same run.
    _, g_explicit = twin_models(30, LECTURE, seed=2)
    g_explicit.compile(optimizer=glassnet.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    e_hist = g_explicit.fit(x[:307], y[:307], batch_size=32, epochs=3, shuffle=False, verbose=0,
                            validation_data=(x[307:], y[307:]))
    # Layer names differ between the two models (dense_3 vs dense), so compare the logs in order.
    assert list(e_hist.history.values()) == list(g_hist.history.values())


def test_activity_regularization_matches_keras():
    """Activity penalties (÷ batch size, Keras ≥ 3.14) in model.losses, in training and in evaluate."""
    x, y = binary_data(n=96, d=8, seed=3)
    spec = [(6, "tanh", L1(0.02), L2(0.05)), (4, "relu", None, L1L2(l1=0.01, l2=0.02)), (1, "sigmoid", L2(0.01), None)]
    k_model, g_model = twin_models(8, spec, seed=3)
    k_model(x[:20])
    g_model(x[:20])
    np.testing.assert_allclose([float(v) for v in g_model.losses], [float(v) for v in k_model.losses], rtol=RTOL)

    k_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    g_model.compile(optimizer=glassnet.SGD(0.1), loss="binary_crossentropy")
    k_hist = k_model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(g_hist.history["loss"], k_hist.history["loss"], rtol=RTOL)
    assert_weights_close(g_model, k_model, "activity regularization")
    np.testing.assert_allclose(g_model.evaluate(x, y, batch_size=32), k_model.evaluate(x, y, batch_size=32, verbose=0),
                               rtol=RTOL)


@pytest.mark.parametrize("loss, activation, n_out", [
    ("sparse_categorical_crossentropy", "softmax", 3),
    ("categorical_crossentropy", "softmax", 3),
    ("mean_squared_error", "linear", 2),
    ("huber", "tanh", 2),
    ("mean_absolute_error", "linear", 1),
    ("binary_crossentropy", "tanh", 1),  # not a sigmoid: clipped-probability path (tanh output squashed below)
])
def test_losses_and_metrics_match_keras(loss, activation, n_out):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(128, 10)).astype("float32")
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, n_out, size=128).astype("float32")
    elif loss == "categorical_crossentropy":
        y = np.eye(n_out, dtype="float32")[rng.integers(0, n_out, size=128)]
    elif loss == "binary_crossentropy":
        y = (rng.random(128) > 0.5).astype("float32")
    else:
        y = rng.normal(size=(128, n_out)).astype("float32")
    spec = [(12, "elu", L1L2(0.001, 0.01), None), (n_out, activation, L2(0.02), None)]
    if loss == "binary_crossentropy":
        spec.append((1, "softplus", None, None))  # tanh → softplus keeps outputs positive; Keras clips to (ε, 1−ε)
    k_model, g_model = twin_models(10, spec, seed=4)
    metrics = ["accuracy"] if "crossentropy" in loss else ["mae"]
    k_model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=metrics)
    g_model.compile(optimizer=glassnet.Adam(1e-2), loss=loss, metrics=metrics)
    k_hist = k_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key in k_hist.history:
        np.testing.assert_allclose(g_hist.history[key], k_hist.history[key], rtol=RTOL, err_msg=key)
    assert_weights_close(g_model, k_model, loss)


def test_sample_weight_matches_keras():
    x, y = binary_data(n=100, d=5, seed=5)
    weights = np.random.default_rng(5).uniform(0, 2, size=100).astype("float32")
    k_model, g_model = twin_models(5, [(4, "relu", L2(0.01), None), (1, "sigmoid", None, None)], seed=5)
    k_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    g_model.compile(optimizer=glassnet.SGD(0.1), loss="binary_crossentropy")
    k_hist = k_model.fit(x, y, sample_weight=weights, batch_size=25, epochs=2, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, sample_weight=weights, batch_size=25, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(g_hist.history["loss"], k_hist.history["loss"], rtol=RTOL)
    assert_weights_close(g_model, k_model, "sample weights")


def test_lecture_snippet_verbatim():
    """The lecture's four lines with only the import changed: compile, fit, the loss falls, 3 penalties."""
    from glassnet import Dense, Sequential  # noqa: F811 - the snippet's own import line
    from glassnet.regularizers import L2 as L2_  # noqa: N811

    L2 = L2_  # noqa: N806
    layer_1 = Dense(units=25, activation='relu', kernel_regularizer=L2(0.01))
    layer_2 = Dense(units=15, activation='relu', kernel_regularizer=L2(0.01))
    layer_3 = Dense(units=1, activation='sigmoid', kernel_regularizer=L2(0.01))
    model = Sequential([layer_1, layer_2, layer_3])

    x, y = binary_data(n=500, seed=6)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, verbose=0, seed=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    assert len(model.losses) == 3
    for value, layer in zip(model.losses, [layer_1, layer_2, layer_3]):
        kernel = layer.kernel.numpy()
        np.testing.assert_allclose(value, 0.01 * np.sum(kernel.astype(np.float64) ** 2), rtol=1e-6)
