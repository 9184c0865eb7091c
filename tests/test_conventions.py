"""Strength conversions that know the data loss: the same objective up to a constant factor.

The lecture's linear regression, scikit-learn's MLPRegressor and the TF Playground write squared error with a ½;
glassnet's (and Keras's, PyTorch's) mse has none. Each parity test below trains the peer's rule and glassnet with the
converted L2 factor from the same start, in float64, and compares the weights at 1e-12; a second run with the
*unconverted* (cross-entropy-scale) factor shows that the test can see the factor 2.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

import glassnet
from glassnet import L2, Dense, Sequential
from glassnet.regularizers import convert, strength_table
from glassnet.regularizers.conventions import data_loss_scale

CONVENTIONS = ["lecture", "keras", "torch", "sklearn", "playground", "kappa"]
LOSSES = [None, "binary_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "huber"]


def regression_data(n=48, d=3, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d, outputs))
    y = np.tanh(x @ w) + 0.1 * rng.normal(size=(n, outputs))
    return x, (y[:, 0] if outputs == 1 else y)


def max_relative_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(p - q) / np.maximum(np.abs(q), 1e-300))) for p, q in zip(a, b))


# --- the numbers -----------------------------------------------------------------------------------------------

def test_squared_error_doubles_the_keras_factor_of_half_squared_error_conventions():
    assert convert(0.01, "keras", "lecture", n_samples=455) == 9.1  # cross-entropy: λ = 2·m·l2
    assert convert(9.1, "lecture", "keras", n_samples=455, loss="mse") == 0.02  # squared error: λ = m·l2
    assert convert(0.64, "sklearn", "keras", batch_size=32) == 0.01  # log loss: l2 = α/(2B)
    assert convert(0.64, "sklearn", "keras", batch_size=32, loss="mse") == 0.02  # ½·squared error: α/B
    assert convert(0.64, "sklearn", "keras", batch_size=32, loss="mse", n_outputs=2) == 0.01  # α/(K·B)
    assert convert(0.01, "playground", "keras", loss="mean_squared_error") == 0.01  # l2 = rate
    assert convert(0.02, "torch", "keras", loss="mse") == 0.01  # PyTorch's MSELoss has no ½ either
    assert convert(0.01, "keras", "lecture", n_samples=100, loss="huber") == 2.0  # the lecture's L is ℓ itself


def test_conventions_without_the_loss_are_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"Playground trains with ½·squared error only.*Received: loss=None"):
        convert(0.01, "keras", "playground")
    with pytest.raises(ValueError, match=r"Playground.*Received: loss='binary_crossentropy'"):
        convert(0.01, "playground", "torch", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"log loss \(MLPClassifier\) or ½·squared error.*Received: loss='mae'"):
        convert(0.01, "sklearn", "keras", batch_size=8, loss="mae")
    with pytest.raises(ValueError, match=r"Unknown loss.*Received: loss='hinge'"):
        convert(0.01, "keras", "torch", loss="hinge")
    with pytest.raises(ValueError, match=r"`n_outputs`.*Received: n_outputs=0"):
        convert(0.01, "keras", "torch", n_outputs=0)


def test_strength_table_names_the_loss_and_why_a_convention_is_missing():
    ce = strength_table(0.01, "keras", n_samples=455, batch_size=32)
    assert ce.values["playground"] is None and ce.missing["playground"] == "n/a for this loss"
    squared = strength_table(0.01, "keras", n_samples=455, batch_size=32, loss="mse")
    assert squared.values == {"lecture": 4.55, "keras": 0.01, "torch": 0.02, "sklearn": 0.32, "playground": 0.01,
                              "kappa": 0.02}
    assert "data loss: squared error" in str(squared)
    assert strength_table(0.01, "keras", loss="mse").missing == {"lecture": "needs n_samples",
                                                                 "sklearn": "needs batch_size"}


@given(value=st.floats(0, 100), a=st.sampled_from(CONVENTIONS), b=st.sampled_from(CONVENTIONS),
       loss=st.sampled_from(LOSSES), m=st.integers(1, 10**6), batch=st.integers(1, 4096), k=st.integers(1, 5))
def test_convert_round_trips_wherever_both_conventions_have_the_loss(value, a, b, loss, m, batch, k):
    try:
        data_loss_scale(a, loss, k), data_loss_scale(b, loss, k)
    except ValueError:
        with pytest.raises(ValueError, match="Received: loss="):
            convert(value, a, b, n_samples=m, batch_size=batch, loss=loss, n_outputs=k)
        return
    there = convert(value, a, b, n_samples=m, batch_size=batch, loss=loss, n_outputs=k)
    back = convert(there, b, a, n_samples=m, batch_size=batch, loss=loss, n_outputs=k)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-300)


# --- parity with the peers' own update rules ---------------------------------------------------------------------

def regression_net(widths, outputs, seed, activation="tanh"):
    layers = [Dense(w, activation=activation) for w in widths]
    return Sequential([*layers, Dense(outputs)], seed=seed, dtype="float64")


@pytest.mark.parametrize("outputs", [1, 2])
def test_mlp_regressor_one_epoch_of_sgd_equals_glassnet_with_the_converted_factor(outputs):
    """MLPRegressor(solver='sgd', momentum=0, alpha=α, batch_size=B, shuffle=False) from glassnet's start weights:
    one epoch of SGD. Its step follows ½·Σₖ(p − y)² (δ = p − y), K times glassnet's mse scale ÷ 2, so glassnet
    takes the learning rate lr·K/2 and L2(convert(α, 'sklearn', 'keras', batch_size=B, loss='mse', n_outputs=K))."""
    x, y = regression_data(n=48, outputs=outputs, seed=outputs)
    alpha, batch, lr = 0.8, 12, 0.05

    def glassnet_epoch(l2: float) -> list[np.ndarray]:
        model = regression_net((5, 4), outputs, seed=4)
        model.compile(glassnet.SGD(lr * outputs / 2), "mse", regularizer=L2(l2) if l2 else None)
        model.build((None, 3))
        model.set_weights(start)
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        return model.get_weights()

    start = regression_net((5, 4), outputs, seed=4)
    start.build((None, 3))
    start = start.get_weights()
    reg = MLPRegressor(hidden_layer_sizes=(5, 4), activation="tanh", solver="sgd", alpha=alpha, batch_size=batch,
                       learning_rate_init=lr, momentum=0.0, shuffle=False, max_iter=1, warm_start=True,
                       n_iter_no_change=10**6, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(x, y)  # creates coefs_ of the right shapes; they are replaced by glassnet's start
        reg.coefs_ = [w.copy() for w in start[0::2]]
        reg.intercepts_ = [b.copy() for b in start[1::2]]
        reg.fit(x, y)  # warm start: exactly one epoch from there
    theirs = [a for pair in zip(reg.coefs_, reg.intercepts_) for a in pair]
    l2 = convert(alpha, "sklearn", "keras", batch_size=batch, loss="mse", n_outputs=outputs)
    assert l2 == pytest.approx(alpha / (outputs * batch), rel=1e-15)
    assert max_relative_difference(glassnet_epoch(l2), theirs) < 1e-12
    # The factor that forgets the ½ (log loss, α/(2B)) or, for two outputs, forgets K (α/B) is visibly off.
    forgetful = convert(alpha, "sklearn", "keras", batch_size=batch, loss="mse" if outputs > 1 else None)
    assert forgetful != l2
    assert max_relative_difference(glassnet_epoch(forgetful), theirs) > 1e-6


def playground_epoch(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, rate: float,
                     batch: int) -> list[np.ndarray]:
    """A NumPy port of the TF Playground's training (src/nn.ts, src/playground.ts oneStep), tanh hidden units and
    a linear output (its regression setting), one pass over the rows in order.

    Per example, backProp accumulates ∂E/∂w of E = ½(o − t)²; after each batch updateWeights does, for every
    link, ``w −= lr · accInputDer / numAccumulatedDers`` (the batch mean) and then, from the weight *before* that
    data step, ``w −= lr · rate · w_old`` (L2: der(w) = w); biases only get the data step.
    """
    kernels, biases = [w.copy() for w in weights[0::2]], [b.copy() for b in weights[1::2]]
    for start in range(0, len(x), batch):
        xb, yb = x[start:start + batch], y[start:start + batch].reshape(-1, 1)
        acc_k = [np.zeros_like(k) for k in kernels]
        acc_b = [np.zeros_like(b) for b in biases]
        for row, target in zip(xb, yb):
            outputs = [row]
            for layer, (k, b) in enumerate(zip(kernels, biases)):
                z = outputs[-1] @ k + b
                outputs.append(z if layer == len(kernels) - 1 else np.tanh(z))
            delta = outputs[-1] - target  # dE/do for E = ½(o − t)², linear output
            for layer in range(len(kernels) - 1, -1, -1):
                acc_k[layer] += np.outer(outputs[layer], delta)
                acc_b[layer] += delta
                if layer:
                    delta = (kernels[layer] @ delta) * (1 - outputs[layer] ** 2)
        n = len(xb)
        for layer in range(len(kernels)):
            old = kernels[layer].copy()
            kernels[layer] = kernels[layer] - lr * acc_k[layer] / n
            kernels[layer] = kernels[layer] - lr * rate * old
            biases[layer] = biases[layer] - lr * acc_b[layer] / n
    return [a for pair in zip(kernels, biases) for a in pair]


def test_playground_update_rule_equals_glassnet_with_the_converted_factor():
    """The Playground's objective is ½·mse + (rate/2)·Σw² = ½·(mse + rate·Σw²): glassnet mse with
    L2(convert(rate, 'playground', 'keras', loss='mse')) = L2(rate) and half the learning rate."""
    x, y = regression_data(n=50, d=2, seed=7)
    lr, rate, batch = 0.03, 0.3, 10

    def glassnet_epoch(l2: float) -> list[np.ndarray]:
        model = regression_net((4, 3), 1, seed=2)
        model.compile(glassnet.SGD(lr / 2), "mse", regularizer=L2(l2))
        model.build((None, 2))
        model.set_weights(start)
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        return model.get_weights()

    start = regression_net((4, 3), 1, seed=2)
    start.build((None, 2))
    start = start.get_weights()
    theirs = playground_epoch(start, x, y, lr, rate, batch)
    assert convert(rate, "playground", "keras", loss="mse") == rate
    assert max_relative_difference(glassnet_epoch(rate), theirs) < 1e-12
    assert max_relative_difference(glassnet_epoch(rate / 2), theirs) > 1e-6  # the old, loss-blind factor


def test_lecture_linear_regression_update_equals_compile_lam_with_mse():
    """The lecture's regularized linear regression, J = (1/2m)·Σ(f − y)² + (λ/2m)·Σw², full-batch gradient
    descent w ← w − α·[(1/m)·Xᵀ(f − y) + (λ/m)·w], b ← b − α·(1/m)·Σ(f − y), against glassnet's Dense(1) with
    mse, compile(lam=λ) and SGD(α/2) on batches of m rows."""
    x, y = regression_data(n=40, d=4, seed=11)
    m, lam, alpha = 40, 3.0, 0.1
    model = Sequential([Dense(1)], dtype="float64", seed=1)
    model.compile(glassnet.SGD(alpha / 2), "mse", lam=lam)
    model.build((None, 4))
    w, b = (a.copy() for a in model.get_weights())
    for _ in range(25):
        f = x @ w + b
        error = f[:, 0] - y
        w = w - alpha * ((1 / m) * x.T @ error[:, None] + (lam / m) * w)
        b = b - alpha * (1 / m) * np.sum(error)
    model.fit(x, y, batch_size=m, epochs=25, shuffle=False, verbose=0)
    assert repr(model.layers[0].kernel.regularizer) == "L2.from_lecture(lam=3.0, m=40, loss='mean_squared_error')"
    assert model.layers[0].kernel.regularizer.l2 == lam / m
    assert max_relative_difference(model.get_weights(), [w, b]) < 1e-12
