"""Finite-difference checks of every derivative glassnet writes by hand, in float64.

Each test compares an analytic gradient ("mine") with central differences ("finite-difference"),
(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h with h = 1e-6, at rtol 1e-6 / atol 1e-8. Points are kept away from kinks
(relu/leaky_relu/elu at 0, |p − y| = 0 for MAE, |p − y| = δ for Huber, w = 0 for L1) so that the one-sided
derivatives agree there.

Levels: activations → losses → regularizers → single layers → whole models, where the data part, the
penalty part and the total of every weight's :class:`~glassnet.layers.Gradient` are each checked against the
matching part of :meth:`Sequential.loss_parts`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import activations, losses, regularizers
from glassnet.activations import ELU, GELU, LeakyReLU
from glassnet.layers import Activation, ActivityRegularization, Dense, Dropout
from glassnet.regularizers import L1, L1L2, L2, FunctionRegularizer

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8
EPS = 1e-7  # Keras's fuzz factor, glassnet.backend.EPSILON
F64 = np.dtype("float64")


# --- helpers ------------------------------------------------------------------------------------------------
def numeric_grad(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """Central differences of ``f()`` (a scalar, or a small vector of scalars) w.r.t. the array ``x``,
    which is perturbed in place entry by entry and restored. Result shape: ``x.shape + f().shape``."""
    flat = x.reshape(-1)
    assert np.shares_memory(flat, x), "numeric_grad needs a contiguous array it can perturb in place"
    rows = []
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        upper = np.asarray(f(), dtype=np.float64)
        flat[i] = original - h
        lower = np.asarray(f(), dtype=np.float64)
        flat[i] = original
        rows.append((upper - lower) / (2 * h))
    return np.stack(rows).reshape(x.shape + rows[0].shape)


def assert_grad(mine, fd, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Fail with both arrays side by side ("mine vs finite-difference")."""
    mine = np.asarray(mine, dtype=np.float64)
    fd = np.asarray(fd, dtype=np.float64)
    assert mine.shape == fd.shape, f"{what}: shape of mine {mine.shape} vs finite-difference {fd.shape}"
    if not np.allclose(mine, fd, rtol=rtol, atol=atol):
        excess = np.abs(mine - fd) - rtol * np.abs(fd)
        worst = np.unravel_index(int(np.argmax(excess)), mine.shape) if mine.ndim else ()
        message = (
            f"{what}: mine vs finite-difference (rtol={rtol}, atol={atol})\n"
            f"worst entry {worst}: mine={mine[worst]!r} finite-difference={fd[worst]!r}\n"
            f"mine:\n{mine}\nfinite-difference:\n{fd}"
        )
        print(message)
        raise AssertionError(message)


def away_from(values: np.ndarray, point: float | np.ndarray, margin: float = 1e-3) -> bool:
    return bool(np.all(np.abs(values - point) > margin))


def onehot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


# --- activations --------------------------------------------------------------------------------------------
KINKED = {"relu", "leaky_relu", "elu"}

ACTIVATIONS = [
    pytest.param(activations.Linear(), id="linear"),
    pytest.param(activations.ReLU(), id="relu"),
    pytest.param(activations.Sigmoid(), id="sigmoid"),
    pytest.param(activations.Tanh(), id="tanh"),
    pytest.param(activations.Softmax(), id="softmax"),
    pytest.param(LeakyReLU(), id="leaky_relu"),
    pytest.param(LeakyReLU(negative_slope=0.05), id="leaky_relu_0.05"),
    pytest.param(ELU(), id="elu"),
    pytest.param(ELU(alpha=0.6), id="elu_0.6"),
    pytest.param(activations.Softplus(), id="softplus"),
    pytest.param(GELU(), id="gelu_exact"),
    pytest.param(GELU(approximate=True), id="gelu_approximate"),
]


def _activation_inputs(activation, seed: int, scale: float = 2.0, shape=(4, 5)):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=scale, size=shape)
    if activation.name in KINKED:
        z = np.where(np.abs(z) < 1e-2, np.sign(z + 1e-12) * (0.1 + np.abs(z)), z)
        assert away_from(z, 0.0)
    g = rng.normal(size=shape)
    return z, g


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activation_backward_matches_finite_differences(activation, seed):
    z, g = _activation_inputs(activation, seed, scale=1.0 + seed)  # seed 2 reaches |z| ≈ 6-9 (saturation)
    a = activation.forward(z)
    assert a.dtype == F64 and a.shape == z.shape
    mine = activation.backward(z, a, g)
    fd = numeric_grad(lambda: np.sum(g * activation.forward(z)), z)
    assert_grad(mine, fd, f"d/dz Σ g·{activation!r}(z)")


@pytest.mark.parametrize(
    "name", ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "softplus", "gelu"]
)
def test_activations_by_name_are_the_checked_classes_with_keras_defaults(name):
    """``glassnet.activations.get(name)`` builds the class whose derivative is checked above, with Keras's
    default parameters (leaky_relu 0.2, elu 1.0, exact gelu)."""
    defaults = {
        "linear": activations.Linear(),
        "relu": activations.ReLU(),
        "sigmoid": activations.Sigmoid(),
        "tanh": activations.Tanh(),
        "softmax": activations.Softmax(),
        "leaky_relu": LeakyReLU(0.2),
        "elu": ELU(1.0),
        "softplus": activations.Softplus(),
        "gelu": GELU(approximate=False),
    }
    resolved = activations.get(name)
    assert type(resolved) is type(defaults[name]) and resolved.get_config() == defaults[name].get_config()
    z = np.random.default_rng(7).normal(size=(3, 4))
    np.testing.assert_array_equal(resolved.forward(z), defaults[name].forward(z))


def test_activation_forward_formulas():
    z = np.array([[-3.0, -0.5, 0.25, 2.0, 40.0, -40.0]])
    np.testing.assert_allclose(activations.ReLU()(z), np.maximum(z, 0))
    np.testing.assert_allclose(LeakyReLU()(z), np.where(z > 0, z, 0.2 * z))  # Keras's activation default 0.2
    np.testing.assert_allclose(ELU()(z), np.where(z > 0, z, np.exp(z) - 1))
    np.testing.assert_allclose(ELU(alpha=0.6)(z), np.where(z > 0, z, 0.6 * (np.exp(z) - 1)))
    np.testing.assert_allclose(activations.Sigmoid()(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(activations.Tanh()(z), np.tanh(z))
    np.testing.assert_allclose(activations.Softplus()(z), np.log1p(np.exp(z)), rtol=1e-14)
    phi = np.array([[0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z[0]]])
    np.testing.assert_allclose(GELU()(z), z * phi, rtol=1e-14, atol=1e-300)
    approx = 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    np.testing.assert_allclose(GELU(approximate=True)(z), approx, rtol=1e-14)
    s = activations.Softmax()(z)
    np.testing.assert_allclose(s, np.exp(z - z.max()) / np.exp(z - z.max()).sum(), rtol=1e-14)
    assert np.isfinite(s).all() and abs(s.sum() - 1) < 1e-14


# --- losses -------------------------------------------------------------------------------------------------
def _loss_case(name: str, seed: int):
    """(loss object, y, p) with p strictly inside (ε, 1 − ε) for probability losses and away from kinks."""
    rng = np.random.default_rng(seed)
    b, k = 5, 4
    if name.startswith("bce"):
        loss = losses.BinaryCrossentropy(from_logits=name.endswith("logits"))
        y = rng.integers(0, 2, size=(b, k)).astype(float)
        if seed % 2:
            y = rng.uniform(0, 1, size=(b, k))  # soft targets
        p = rng.normal(scale=2, size=(b, k)) if loss.from_logits else rng.uniform(0.02, 0.98, size=(b, k))
    elif name.startswith("cce"):
        loss = losses.CategoricalCrossentropy(from_logits=name.endswith("logits"))
        y = onehot(rng.integers(0, k, size=b), k)
        if seed % 2:
            y = rng.dirichlet(np.ones(k), size=b) * 0.8  # soft targets that do not sum to 1
        p = rng.normal(scale=2, size=(b, k)) if loss.from_logits else rng.uniform(0.05, 0.9, size=(b, k))
    elif name.startswith("scce"):
        loss = losses.SparseCategoricalCrossentropy(from_logits=name.endswith("logits"))
        y = rng.integers(0, k, size=b)
        p = rng.normal(scale=2, size=(b, k)) if loss.from_logits else rng.uniform(0.02, 0.98, size=(b, k))
    elif name == "mse":
        loss = losses.MeanSquaredError()
        y, p = rng.normal(size=(b, k)), rng.normal(scale=2, size=(b, k))
    elif name == "mae":
        loss = losses.MeanAbsoluteError()
        y, p = rng.normal(size=(b, k)), rng.normal(scale=2, size=(b, k))
        p = np.where(np.abs(p - y) < 1e-2, p + 0.1, p)
        assert away_from(p, y)
    elif name.startswith("huber"):
        delta = float(name.split("_")[1])
        loss = losses.Huber(delta=delta)
        y, p = rng.normal(size=(b, k)), rng.normal(scale=1.5, size=(b, k))
        e = np.abs(p - y)
        p = np.where(np.abs(e - delta) < 1e-2, p + 0.05 * np.sign(p - y), p)
        assert away_from(np.abs(p - y), delta)
        assert np.any(np.abs(p - y) < delta) and np.any(np.abs(p - y) > delta), "both Huber regions covered"
    else:  # pragma: no cover
        raise AssertionError(name)
    y_prepared = loss.prepare_targets(np.asarray(y), k, F64)
    return loss, y_prepared, np.ascontiguousarray(p)


LOSS_NAMES = [
    "bce",
    "bce_logits",
    "cce",
    "cce_logits",
    "scce",
    "scce_logits",
    "mse",
    "mae",
    "huber_1.0",
    "huber_0.5",
]


@pytest.mark.parametrize("name", LOSS_NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_loss_sample_gradients_match_finite_differences(name, seed):
    loss, y, p = _loss_case(name, seed)
    if not loss.from_logits and loss.link is not None:
        assert np.all((p > EPS) & (p < 1 - EPS))
    mine = loss.sample_gradients(y, p)
    assert mine.shape == p.shape
    fd = numeric_grad(lambda: np.sum(loss.sample_losses(y, p)), p)
    assert_grad(mine, fd, f"{loss!r}: d/dp Σ sample_losses")


@pytest.mark.parametrize("name", ["bce", "cce", "scce"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_from_logits_gradients_match_finite_differences(name, seed):
    loss, y, _ = _loss_case(name, seed)
    z = np.random.default_rng(100 + seed).normal(scale=3, size=(5, 4))
    mine = loss.sample_gradients_from_logits(y, z)
    fd = numeric_grad(lambda: np.sum(loss.sample_losses_from_logits(y, z)), z)
    assert_grad(mine, fd, f"{loss!r}: d/dz Σ sample_losses_from_logits")


@pytest.mark.parametrize("name", ["bce", "cce", "scce"])
def test_loss_from_logits_values_equal_the_probability_formula(name):
    """A from-logits loss must equal the probability loss at σ(z) / softmax(z) (for moderate z,
    where no clipping happens): a consistent but wrong formula would pass the gradient check alone."""
    loss, y, _ = _loss_case(name, 1)
    z = np.random.default_rng(5).normal(scale=2, size=(5, 4))
    probabilities = activations.sigmoid(z) if name == "bce" else activations.softmax(z)
    assert np.all((probabilities > 1e-5) & (probabilities < 1 - 1e-5))
    np.testing.assert_allclose(
        loss.sample_losses_from_logits(y, z), loss.sample_losses(y, probabilities), rtol=1e-10
    )
    logits_loss = type(loss)(from_logits=True)
    np.testing.assert_allclose(
        logits_loss.sample_losses(y, z), loss.sample_losses(y, probabilities), rtol=1e-10
    )
    np.testing.assert_allclose(logits_loss.sample_gradients(y, z), loss.sample_gradients_from_logits(y, z))


def test_loss_values_follow_the_written_formulas():
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    p = np.array([[0.8, 0.3], [0.4, 0.9], [0.6, 0.05]])
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1)
    np.testing.assert_allclose(losses.BinaryCrossentropy().sample_losses(y, p), bce, rtol=1e-12)
    cce = -np.sum(y * np.log(p / p.sum(axis=1, keepdims=True)), axis=1)
    np.testing.assert_allclose(losses.CategoricalCrossentropy().sample_losses(y, p), cce, rtol=1e-12)
    labels = np.array([0, 1, 1])
    scce = -np.log(p[np.arange(3), labels] / p.sum(axis=1))
    np.testing.assert_allclose(
        losses.SparseCategoricalCrossentropy().sample_losses(labels, p), scce, rtol=1e-12
    )
    np.testing.assert_allclose(losses.MeanSquaredError().sample_losses(y, p), np.mean((p - y) ** 2, axis=1))
    np.testing.assert_allclose(losses.MeanAbsoluteError().sample_losses(y, p), np.mean(np.abs(p - y), axis=1))
    e = np.abs(3 * p - y)
    huber = np.mean(np.where(e <= 0.5, 0.5 * e**2, 0.5 * e - 0.125), axis=1)
    np.testing.assert_allclose(losses.Huber(0.5).sample_losses(y, 3 * p), huber, rtol=1e-12)
    # the reported loss is "sum over batch size": Σ sᵢ·ℓᵢ / B, not / Σ sᵢ
    s = np.array([2.0, 0.0, 0.5])
    assert losses.MeanSquaredError()(y, p, sample_weight=s) == pytest.approx(
        np.sum(s * np.mean((p - y) ** 2, 1)) / 3
    )


@pytest.mark.parametrize("name", ["bce", "cce", "scce"])
def test_clipped_probabilities_have_zero_gradient_like_the_flat_clipped_loss(name):
    """Outside [ε, 1 − ε] the clipped loss is flat, so its gradient must be 0 there, not
    (p − y)/(p(1 − p))."""
    loss, y, p = _loss_case(name, 0)
    if name == "cce":
        p[0, 0] = 1e-12  # q₀ = p₀/Σp < ε, and the row's only target is class 0: the row's loss is −log ε
        y[0] = onehot(np.array(0), 4)
        rows = [(0, j) for j in range(4)]
    else:
        p[0, :] = 1e-9
        p[1, 0] = 1 - 1e-9
        rows = [(0, j) for j in range(4)] + [(1, 0)]
    mine = loss.sample_gradients(y, p)
    fd = numeric_grad(lambda: np.sum(loss.sample_losses(y, p)), p, h=1e-10)
    for index in rows:
        assert mine[index] == 0, f"{loss!r}: gradient at clipped p{index} = {mine[index]} (mine), 0 expected"
        assert abs(fd[index]) < 1e-4, f"finite-difference at p{index} = {fd[index]}"
    assert np.all(np.isfinite(mine))


# --- regularizers -------------------------------------------------------------------------------------------
def _smooth_penalty(w):
    return float(np.sum(w**4) + 0.3 * np.sum(np.sin(w)) + np.sum(w[..., :1]) ** 2)


def _smooth_penalty_gradient(w):
    grad = 4 * w**3 + 0.3 * np.cos(w)
    grad[..., :1] += 2 * np.sum(w[..., :1])
    return grad


def _with_gradient_attribute():
    def penalty(w):
        return _smooth_penalty(w)

    penalty.gradient = _smooth_penalty_gradient
    return penalty


REGULARIZERS = [
    pytest.param(L1(0.03), lambda w: 0.03 * np.sum(np.abs(w)), id="L1"),
    pytest.param(L1(), lambda w: 0.01 * np.sum(np.abs(w)), id="L1_default"),
    pytest.param(L2(0.02), lambda w: 0.02 * np.sum(w**2), id="L2"),
    pytest.param(L2(), lambda w: 0.01 * np.sum(w**2), id="L2_default"),
    pytest.param(L1L2(l1=0.01, l2=0.05), lambda w: 0.01 * np.sum(np.abs(w)) + 0.05 * np.sum(w**2), id="L1L2"),
    pytest.param(L1L2(l2=0.05), lambda w: 0.05 * np.sum(w**2), id="L1L2_l2_only"),
    pytest.param(
        regularizers.get("l1l2"), lambda w: 0.01 * np.sum(np.abs(w)) + 0.01 * np.sum(w**2), id="l1l2_by_name"
    ),
    pytest.param(FunctionRegularizer(_smooth_penalty), _smooth_penalty, id="callable_estimated_gradient"),
    pytest.param(
        FunctionRegularizer(_smooth_penalty, gradient=_smooth_penalty_gradient),
        _smooth_penalty,
        id="callable_given_gradient",
    ),
    pytest.param(
        regularizers.get(_with_gradient_attribute()), _smooth_penalty, id="callable_gradient_attribute"
    ),
]


@pytest.mark.parametrize("regularizer, formula", REGULARIZERS)
@pytest.mark.parametrize("shape", [(3, 4), (5,)])
def test_regularizer_value_and_gradient(regularizer, formula, shape):
    rng = np.random.default_rng(len(shape))
    w = rng.normal(size=shape)
    w = np.where(np.abs(w) < 1e-2, 0.1, w)  # L1's kink at 0
    assert regularizer(w) == pytest.approx(formula(w), rel=1e-12)
    mine = regularizer.gradient(w)
    assert mine.shape == w.shape and mine.dtype == F64
    fd = numeric_grad(lambda: float(regularizer(w)), w)
    assert_grad(mine, fd, f"{regularizer!r}: d/dw penalty")


def test_l2_has_no_half_and_is_not_divided():
    w = np.array([1.0, 2.0, -3.0])
    assert L2(0.1)(w) == pytest.approx(1.4)
    np.testing.assert_allclose(L2(0.1).gradient(w), [0.2, 0.4, -0.6])
    assert L1(0.1)(w) == pytest.approx(0.6)
    np.testing.assert_allclose(L1(0.1).gradient(np.array([1.0, 0.0, -3.0])), [0.1, 0.0, -0.1])
    assert L1L2(0.1, 0.1)(w) == pytest.approx(2.0)
    assert L2(0.01)(np.ones((2, 3), np.float32)).dtype == np.float32


# --- single layers ------------------------------------------------------------------------------------------
def _build(layer, n_in: int, seed: int = 0):
    layer.build((None, n_in), F64, np.random.default_rng(seed))
    return layer


def _check_layer(layer, x: np.ndarray, g: np.ndarray, training: bool = False, what: str = ""):
    """layer.backward(g) against FD of Σ g·forward(x) w.r.t. x and every weight."""
    out = layer.forward(x, training)
    assert out.shape == g.shape
    dx, grads = layer.backward(g)
    assert set(grads) == {w.name for w in layer.trainable_weights}
    fd_x = numeric_grad(lambda: np.sum(g * layer.forward(x, training)), x)
    assert_grad(dx, fd_x, f"{what} d/dx")
    for weight in layer.trainable_weights:
        fd_w = numeric_grad(lambda: np.sum(g * layer.forward(x, training)), weight.value)
        assert_grad(grads[weight.name], fd_w, f"{what} d/d{weight.name}")


DENSE_ACTIVATIONS = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "leaky_relu",
    "elu",
    "softplus",
    "gelu",
    GELU(approximate=True),
    LeakyReLU(0.1),
    ELU(0.5),
]


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS, ids=str)
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_backward(activation, use_bias):
    rng = np.random.default_rng(3)
    layer = _build(Dense(4, activation=activation, use_bias=use_bias), 3)
    for _ in range(100):  # keep z = x·W + b away from the kinks at 0
        x = rng.normal(size=(5, 3))
        layer.kernel.value[...] = rng.normal(size=(3, 4))
        if use_bias:
            layer.bias.value[...] = rng.normal(size=4)
        z = x @ layer.kernel.value + (layer.bias.value if use_bias else 0)
        if away_from(z, 0.0, 1e-2):
            break
    else:  # pragma: no cover
        raise AssertionError("no kink-free draw")
    np.testing.assert_allclose(layer.forward(x), layer.activation.forward(z), rtol=1e-14)
    g = rng.normal(size=(5, 4))
    _check_layer(layer, x, g, what=f"Dense({activation}, use_bias={use_bias})")


def test_dense_backward_from_logits_skips_the_activation_derivative():
    rng = np.random.default_rng(0)
    layer = _build(Dense(3, activation="sigmoid"), 2)
    x, g = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    layer.forward(x)
    dx, grads = layer.backward(g, from_logits=True)
    np.testing.assert_allclose(grads["kernel"], x.T @ g)
    np.testing.assert_allclose(grads["bias"], g.sum(axis=0))
    np.testing.assert_allclose(dx, g @ layer.kernel.value.T)


@pytest.mark.parametrize("rate", [0.25, 0.6])
def test_dropout_backward_with_a_fixed_mask(rate):
    rng = np.random.default_rng(1)
    layer = _build(Dropout(rate), 6)
    x, g = rng.normal(size=(50, 6)), rng.normal(size=(50, 6))
    out = layer.forward(x, training=True, rng=np.random.default_rng(42))
    scale = layer._scale.copy()
    assert set(np.unique(scale)) <= {0.0, 1 / (1 - rate)}
    assert 0 < np.mean(scale == 0) < 1
    np.testing.assert_array_equal(out, x * scale)
    # the same seeded generator draws the same mask
    np.testing.assert_array_equal(layer.forward(x, training=True, rng=np.random.default_rng(42)), out)
    dx, grads = layer.backward(g)
    assert grads == {}
    fd = numeric_grad(lambda: np.sum(g * (x * scale)), x)
    assert_grad(dx, fd, f"Dropout({rate}) d/dx with the cached mask")
    # inference: the identity, forwards and backwards
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(g)[0], g)


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS, ids=str)
def test_activation_layer_backward(activation):
    rng = np.random.default_rng(9)
    layer = _build(Activation(activation), 4)
    x = rng.normal(size=(3, 4))
    x = np.where(np.abs(x) < 1e-2, 0.1, x)
    _check_layer(layer, x, rng.normal(size=(3, 4)), what=f"Activation({activation})")


def test_activity_regularization_layer_backward_is_the_identity():
    rng = np.random.default_rng(2)
    layer = _build(ActivityRegularization(l1=0.1, l2=0.2), 3)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _check_layer(layer, x, g, what="ActivityRegularization")
    assert layer.activity_regularizer == L1L2(l1=0.1, l2=0.2)


# --- whole models -------------------------------------------------------------------------------------------
def _model(layers, loss, n_in: int, seed: int = 0, scale: float = 0.7):
    model = glassnet.Sequential(layers, dtype="float64", seed=seed)
    model.compile(optimizer="sgd", loss=loss)
    model.build((None, n_in))
    rng = np.random.default_rng(seed + 1000)
    model.set_weights([rng.normal(scale=scale, size=w.shape) for w in model.get_weights()])
    assert all(w.dtype == F64 for w in model.get_weights())
    return model


def _targets(loss, n_out: int, batch: int, rng):
    name = losses.get(loss).name
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(batch, n_out)).astype(float)
    if name == "categorical_crossentropy":
        return onehot(rng.integers(0, n_out, size=batch), n_out)
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, n_out, size=batch)
    return rng.normal(size=(batch, n_out))


def check_model_gradients(model, x, y, sample_weight=None, rng_seed=None):
    """For every weight separately: Gradient.data / .penalty / .total against FD of loss_parts' data, the
    sum of the penalty values and the total. ``rng_seed`` re-seeds the training generator on each forward
    pass, so a Dropout without its own seed draws the same mask every time."""

    def forward():
        rng = None if rng_seed is None else np.random.default_rng(rng_seed)
        return model.forward(x, training=True, rng=rng)

    n_out = model.output_shape_for((None, x.shape[1]))[-1]
    y_prepared = model.loss.prepare_targets(np.asarray(y), n_out, F64)
    out = forward()
    assert out.dtype == F64
    model.backward(out, y_prepared, sample_weight)
    mine = {w.path: layer.grads[w.name] for layer in model.layers for w in layer.trainable_weights}

    def parts_vector():
        parts = model.loss_parts(forward(), y_prepared, sample_weight)
        penalty = sum(float(t.value) for t in parts.penalties)
        return np.array([parts.data, penalty, parts.total])

    checked = 0
    for layer in model.layers:
        for weight in layer.trainable_weights:
            grad = mine[weight.path]
            for part in (grad.data, grad.penalty, grad.total):
                assert part is None or (part.shape == weight.shape and part.dtype == F64)
            fd = numeric_grad(parts_vector, weight.value)
            assert_grad(grad.data, fd[..., 0], f"{weight.path}: data gradient")
            assert_grad(grad.penalty_or_zeros, fd[..., 1], f"{weight.path}: penalty gradient")
            if grad.penalty is None:
                assert np.all(fd[..., 1] == 0), (
                    f"{weight.path}: penalty is None but the penalties depend on it"
                )
            assert_grad(grad.total, fd[..., 2], f"{weight.path}: total gradient")
            checked += 1
    assert checked == len(model.trainable_weights) > 0


def _xy(model, batch: int, n_in: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, n_in))
    n_out = model.output_shape_for((None, n_in))[-1]
    return x, _targets(model.loss, n_out, batch, rng)


MODEL_CASES = {
    "mse_tanh_l2": lambda: ([Dense(5, "tanh", kernel_regularizer=L2(0.03)), Dense(2)], "mse"),
    "fused_sigmoid_bce": lambda: (
        [
            Dense(4, "elu", kernel_regularizer=L1L2(0.01, 0.02), bias_regularizer=L1(0.05)),
            Dense(3, "sigmoid", kernel_regularizer=L2(0.05)),
        ],
        "binary_crossentropy",
    ),
    "fused_sigmoid_activation_layer_bce": lambda: (
        [Dense(4, "softplus"), Dense(1), Activation("sigmoid")],
        "binary_crossentropy",
    ),
    "fused_softmax_cce": lambda: (
        [Dense(6, "gelu", kernel_regularizer=L2(0.02)), Dense(4, "softmax")],
        "categorical_crossentropy",
    ),
    "fused_softmax_scce": lambda: (
        [Dense(6, GELU(approximate=True)), Dense(3, "softmax", bias_regularizer=L2(0.1))],
        "sparse_categorical_crossentropy",
    ),
    "fused_softmax_activation_layer_scce": lambda: (
        [Dense(5, "tanh"), Dense(3), Activation("softmax")],
        "sparse_categorical_crossentropy",
    ),
    "bce_from_logits_linear": lambda: (
        [Dense(4, "tanh"), Dense(2)],
        losses.BinaryCrossentropy(from_logits=True),
    ),
    "cce_from_logits_linear": lambda: (
        [Dense(4, "sigmoid"), Dense(3)],
        losses.CategoricalCrossentropy(from_logits=True),
    ),
    "scce_from_logits_linear": lambda: (
        [Dense(4, "elu"), Dense(3)],
        losses.SparseCategoricalCrossentropy(from_logits=True),
    ),
    "unfused_sigmoid_mse": lambda: ([Dense(4, "tanh"), Dense(2, "sigmoid")], "mse"),
    "unfused_softmax_cce_behind_activity_layer": lambda: (
        [Dense(4, "tanh"), Dense(3, "softmax"), ActivityRegularization(l1=0.01, l2=0.02)],
        "categorical_crossentropy",
    ),
    "activity_regularizers": lambda: (
        [
            Dense(5, "tanh", activity_regularizer=L1L2(0.02, 0.05), kernel_regularizer=L2(0.01)),
            ActivityRegularization(l1=0.03, l2=0.04),
            Dense(4, "elu", activity_regularizer=L2(0.1)),
            Dense(2, "sigmoid", activity_regularizer=L1(0.05)),
        ],
        "binary_crossentropy",
    ),
    "activity_on_fused_softmax_output": lambda: (
        [Dense(4, "tanh"), Dense(3, "softmax", activity_regularizer=L2(0.3))],
        "sparse_categorical_crossentropy",
    ),
    "huber_relu_function_regularizer": lambda: (
        [
            Dense(6, "relu", kernel_regularizer=_smooth_penalty),
            Dense(2, kernel_regularizer=FunctionRegularizer(_smooth_penalty, _smooth_penalty_gradient)),
        ],
        losses.Huber(0.5),
    ),
    "mae_leaky_relu_no_bias": lambda: (
        [
            Dense(5, "leaky_relu", use_bias=False, bias_regularizer=L2(1.0)),
            Dense(2, use_bias=False, kernel_regularizer=L1(0.02)),
        ],
        "mae",
    ),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_model_gradients(case, weighted):
    layers, loss = MODEL_CASES[case]()
    n_in, batch = 3, 6
    model = _model(layers, loss, n_in, seed=len(case))
    x, y = _xy(model, batch, n_in, seed=len(case) + 7)
    sample_weight = None
    if weighted:
        sample_weight = np.random.default_rng(11).uniform(0, 3, size=batch)
        sample_weight[1] = 0.0
    check_model_gradients(model, x, y, sample_weight)


def test_fused_model_data_loss_equals_the_loss_of_the_output():
    """The fused (from-logits) path must report the same number as the loss applied to the output."""
    for loss in ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"):
        last = Dense(3, "sigmoid" if loss == "binary_crossentropy" else "softmax")
        model = _model([Dense(4, "tanh"), last], loss, 3)
        assert model.loss_from_logits
        x, y = _xy(model, 8, 3, seed=1)
        s = np.linspace(0.0, 2.0, 8)
        out = model.forward(x, training=True)
        y_prepared = model.loss.prepare_targets(np.asarray(y), 3, F64)
        data = model.loss_parts(out, y_prepared, s).data
        assert data == pytest.approx(model.loss(y, out, sample_weight=s), rel=1e-10)
        assert data == pytest.approx(np.sum(s * model.loss.sample_losses(y_prepared, out)) / 8, rel=1e-10)


@pytest.mark.parametrize("regularize_bias", [False, True])
def test_model_gradients_with_a_compile_level_regularizer(regularize_bias):
    """compile(regularizer=...) hands one regularizer to every kernel (and bias) without its own; the
    layer's own wins. Its penalty must be in loss_parts and its gradient in Gradient.penalty like a layer's
    own."""
    model = glassnet.Sequential(
        [Dense(4, "tanh", kernel_regularizer=L1(0.02)), Dense(3, "elu"), Dense(2, "softmax")],
        dtype="float64",
        seed=3,
    )
    model.compile(
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
        regularizer=L2(0.05),
        regularize_bias=regularize_bias,
    )
    model.build((None, 3))
    rng = np.random.default_rng(4)
    model.set_weights([rng.normal(scale=0.7, size=w.shape) for w in model.get_weights()])
    regularized = {w.path: w.regularizer for w in model.weights}
    assert regularized[model.layers[0].kernel.path] == L1(0.02)
    assert regularized[model.layers[1].kernel.path] == L2(0.05)
    assert (regularized[model.layers[1].bias.path] is not None) == regularize_bias
    x, y = _xy(model, 6, 3, seed=2)
    check_model_gradients(model, x, y, sample_weight=np.linspace(0.5, 1.5, 6))


def test_model_with_dropout_gradients_under_a_fixed_mask():
    model = _model(
        [
            Dense(6, "tanh", kernel_regularizer=L2(0.02)),
            Dropout(0.4),
            Dense(2, "sigmoid", activity_regularizer=L2(0.1)),
        ],
        "binary_crossentropy",
        3,
    )
    x, y = _xy(model, 7, 3, seed=4)
    out_a = model.forward(x, training=True, rng=np.random.default_rng(5))
    scale = model.layers[1]._scale
    assert scale is not None and 0 < np.mean(scale == 0) < 1, (
        "the mask must drop something for this check to bite"
    )
    np.testing.assert_array_equal(model.forward(x, training=True, rng=np.random.default_rng(5)), out_a)
    check_model_gradients(model, x, y, sample_weight=np.arange(7, dtype=float), rng_seed=5)


def test_gradient_parts_are_kept_apart():
    """.penalty is exactly the regularizer's own gradient for weights with no activity penalty above them, and
    None where nothing penalizes the weight; .data does not change with the regularization strength."""

    def build(strength):
        return _model(
            [Dense(4, "tanh", kernel_regularizer=L2(strength)), Dense(1, "sigmoid")], "binary_crossentropy", 3
        )

    weak, strong = build(0.001), build(0.5)
    x, y = _xy(weak, 5, 3, seed=0)
    for model in (weak, strong):
        y_prepared = model.loss.prepare_targets(np.asarray(y), 1, F64)
        model.backward(model.forward(x, training=True), y_prepared, None)
    hidden_w, hidden_s = weak.layers[0], strong.layers[0]
    np.testing.assert_array_equal(hidden_w.grads["kernel"].data, hidden_s.grads["kernel"].data)
    np.testing.assert_allclose(hidden_s.grads["kernel"].penalty, 2 * 0.5 * hidden_s.kernel.value)
    assert hidden_s.grads["bias"].penalty is None
    assert strong.layers[1].grads["kernel"].penalty is None


ACTIVATION_NAMES = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "softplus", "gelu"]
REGULARIZER_CHOICES = [None, L1(0.02), L2(0.05), L1L2(0.01, 0.03)]


@settings(max_examples=30)
@given(
    n_in=st.integers(1, 4),
    batch=st.integers(1, 6),
    hidden=st.lists(
        st.tuples(
            st.integers(1, 5),
            st.sampled_from(ACTIVATION_NAMES),
            st.sampled_from(REGULARIZER_CHOICES),
            st.sampled_from(REGULARIZER_CHOICES),
            st.booleans(),
        ),
        min_size=0,
        max_size=2,
    ),
    head=st.sampled_from(
        [
            "sigmoid+bce",
            "softmax+cce",
            "softmax+scce",
            "linear+mse",
            "tanh+huber",
            "linear+bce_logits",
            "sigmoid+mse",
        ]
    ),
    n_out=st.integers(1, 3),
    weighted=st.booleans(),
    activity_layer=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_model_gradients_random_architectures(
    n_in, batch, hidden, head, n_out, weighted, activity_layer, seed
):
    layers = []
    for units, activation, kernel_reg, activity_reg, use_bias in hidden:
        layers.append(
            Dense(
                units,
                activation,
                use_bias=use_bias,
                kernel_regularizer=kernel_reg,
                bias_regularizer=kernel_reg,
                activity_regularizer=activity_reg,
            )
        )
    if activity_layer:
        layers.append(ActivityRegularization(l1=0.01, l2=0.02))
    activation, loss = head.split("+")
    if loss == "scce" and n_out == 1:
        n_out = 2
    loss = {
        "bce": "binary_crossentropy",
        "cce": "categorical_crossentropy",
        "scce": "sparse_categorical_crossentropy",
        "mse": "mse",
        "huber": losses.Huber(0.3),
        "bce_logits": losses.BinaryCrossentropy(from_logits=True),
    }[loss]
    layers.append(Dense(n_out, activation, kernel_regularizer=L2(0.01)))
    model = _model(layers, loss, n_in, seed=seed % 1000, scale=0.6)
    x, y = _xy(model, batch, n_in, seed)
    sample_weight = np.random.default_rng(seed).uniform(0, 2, size=batch) if weighted else None
    check_model_gradients(model, x, y, sample_weight)
