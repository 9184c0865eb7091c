"""Each compiled kernel against the NumPy expression glassnet uses, bit for bit (float32 and float64, odd sizes,
a 1-row batch, 1 and 2 BLAS threads). A kernel that differed by one ulp anywhere would fail here."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet
from glassnet import activations
from glassnet import losses as glassnet_losses
from glassnet.compiled import blas, dense, losses, optimizers, reductions, regularizers, ufuncs
from glassnet.compiled.library import EXP, TANH, native_table, ufunc_loop
from glassnet.layers import Dense

DTYPES = [np.float32, np.float64]


def same(mine, theirs) -> bool:
    """Equal bit for bit (shapes and dtypes too); NaN payloads included."""
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    return mine.dtype == theirs.dtype and mine.shape == theirs.shape and mine.tobytes() == theirs.tobytes()


def normal(rng, shape, dtype, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_matmul_takes_numpys_blas_path_for_every_shape_and_layout(dtype, threads):
    rng = np.random.default_rng(0)
    native = native_table(dtype)
    checked = 0
    with threadpool_limits(limits=threads, user_api="blas"):
        for m, n, p in itertools.chain(itertools.product((1, 2, 7, 32), (1, 3, 30), (1, 2, 25)),
                                       [(256, 300, 257), (300, 256, 64)]):
            a, b = normal(rng, (m, n), dtype), normal(rng, (n, p), dtype)
            for a_t, b_t in itertools.product((False, True), repeat=2):  # C order, or a .T view (F order)
                left = np.ascontiguousarray(a.T).T if a_t else a
                right = np.ascontiguousarray(b.T).T if b_t else b
                out = np.empty((m, p), dtype)
                blas.matmul(native, left, right, out)
                assert same(out, left @ right), (m, n, p, a_t, b_t)
                checked += 1
    assert checked == 4 * (4 * 3 * 3 + 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dot_is_np_dot(dtype):
    rng = np.random.default_rng(1)
    for n in (1, 7, 750, 4097):
        w = normal(rng, n, dtype)
        assert same(dtype(blas.dot(native_table(dtype), w, w)), np.dot(w, w))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ufunc_loops_are_numpys(dtype):
    rng = np.random.default_rng(2)
    native = native_table(dtype)
    for n in (1, 5, 16, 33, 1000, 20001):
        z = normal(rng, n, dtype, 6.0)
        out = np.empty(n, dtype)
        ufuncs.exp(native, z, out, n)
        assert same(out, np.exp(z))
        ufuncs.tanh(native, z, out, n)
        assert same(out, np.tanh(z))
        ufuncs.log(native, np.abs(z), out, n)
        assert same(out, np.log(np.abs(z)))
        ufuncs.logaddexp_zero(native, np.zeros(1, dtype), z, out, n)
        assert same(out, np.logaddexp(dtype(0), z))


def test_the_loop_table_is_read_by_type():
    address, _ = ufunc_loop(np.exp, np.dtype(np.float32))
    table = native_table(np.float32)
    assert table[EXP] == address and table[TANH] != address
    assert native_table(np.float64)[EXP] != address  # the float64 loop is another function


def test_native_table_refuses_other_dtypes():
    with pytest.raises(ValueError, match=r"Argument `dtype` must be float32 or float64. Received: dtype=int64"):
        native_table(np.int64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pairwise_sums_are_numpys(dtype):
    rng = np.random.default_rng(3)
    for n in (1, 7, 8, 9, 127, 128, 129, 130, 1000, 8193, 70001):
        a = normal(rng, n, dtype)
        assert same(dtype(reductions.total(a)), np.sum(a)), n
    for shape in ((1, 1), (1, 4), (32, 1), (33, 3), (7, 25), (300, 10), (5, 200)):
        a = normal(rng, shape, dtype)
        rows, columns = np.empty(shape[0], dtype), np.empty(shape[1], dtype)
        reductions.row_sums(a, rows)
        reductions.column_sums(a, columns)
        assert same(rows, a.sum(axis=-1)) and same(columns, a.sum(axis=0)), shape


ACTIVATIONS = {"linear": activations.Linear(), "relu": activations.ReLU(), "sigmoid": activations.Sigmoid(),
               "tanh": activations.Tanh(), "softmax": activations.Softmax()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_forward_and_backward(dtype, name):
    rng = np.random.default_rng(4)
    native = native_table(dtype)
    reference = ACTIVATIONS[name]
    for shape in ((1, 1), (1, 3), (32, 1), (13, 7), (32, 25)):
        z = normal(rng, shape, dtype, 5.0)
        z[0, 0] = 0.0  # relu's kink and sigmoid's branch point
        g = normal(rng, shape, dtype)
        scratch = [np.empty(z.size, dtype) for _ in range(2)] + [np.empty(shape[0], dtype)]
        a = np.empty_like(z)
        dense.activate(native, dense.ACTIVATIONS[name], z, a, *scratch)
        expected = reference.forward(z)
        if name != "linear":  # linear leaves a alone: the layer uses z itself
            assert same(a, expected), shape
            dz = np.empty_like(z)
            dense.activation_backward(dense.ACTIVATIONS[name], z, expected, g, dz, scratch[0], scratch[2])
            assert same(dz, reference.backward(z, expected, g)), shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "linear"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_forward_and_backward_match_the_layer(dtype, activation, use_bias):
    rng = np.random.default_rng(5)
    native = native_table(dtype)
    for batch, n_in, units in ((32, 30, 25), (1, 30, 25), (7, 1, 3), (5, 4, 1), (1, 1, 1)):
        layer = Dense(units, activation, use_bias=use_bias)
        layer.build((None, n_in), np.dtype(dtype), np.random.default_rng(6))
        if use_bias:
            layer.weights[1].value[...] = normal(rng, units, dtype)
        h = normal(rng, (batch, n_in), dtype)
        expected = layer.forward(h, training=True)
        z, a = np.empty((batch, units), dtype), np.empty((batch, units), dtype)
        scratch = [np.empty(batch * units, dtype) for _ in range(2)] + [np.empty(batch, dtype)]
        bias = layer.weights[1].value if use_bias else np.zeros(units, dtype)
        code = dense.ACTIVATIONS[activation]
        dense.forward(native, h, layer.weights[0].value, bias, use_bias, code, z, a, *scratch)
        assert same(z if activation == "linear" else a, expected) and same(z, layer.logits)
        dz = normal(rng, (batch, units), dtype)
        dx, grads = layer.backward(dz, need_input_grad=True, from_logits=True)
        d_kernel, d_bias, dh = np.empty((n_in, units), dtype), np.empty(units, dtype), np.empty((batch, n_in), dtype)
        dense.backward(native, h, layer.weights[0].value, dz, d_kernel, d_bias, use_bias, dh, True)
        assert same(d_kernel, grads["kernel"]) and same(dh, dx)
        if use_bias:
            assert same(d_bias, grads["bias"])


LOSSES = [("binary", glassnet_losses.BinaryCrossentropy, "sigmoid"),
          ("categorical", glassnet_losses.CategoricalCrossentropy, "softmax"),
          ("sparse", glassnet_losses.SparseCategoricalCrossentropy, "softmax")]


def _targets(kind, rng, batch, k, dtype):
    if kind == "binary":
        y = rng.integers(0, 2, (batch, k)).astype(dtype)
        y[0, 0] = dtype(0.3)  # soft targets are allowed
        return y, np.zeros(batch, np.int64)
    labels = rng.integers(0, k, batch)
    y = np.eye(k, dtype=dtype)[labels]
    if kind == "categorical":
        y[0] *= dtype(0.5)  # Σy ≠ 1 on one row
    return y, labels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind, loss_class, link", LOSSES)
@pytest.mark.parametrize("mode", ["fused", "from_logits", "probabilities"])
def test_losses_and_gradients_match_glassnet(dtype, kind, loss_class, link, mode):
    rng = np.random.default_rng(7)
    native = native_table(dtype)
    code = losses.LOSSES[loss_class.name]
    for batch, k in ((32, 1), (1, 1), (5, 3), (13, 4)):
        if kind != "binary" and k == 1:
            continue
        y, labels = _targets(kind, rng, batch, k, dtype)
        z = normal(rng, (batch, k), dtype, 4.0)
        z[-1, 0] = dtype(40.0)  # a saturated output: probabilities clip at ε
        loss = loss_class(from_logits=(mode == "from_logits"))
        target = labels if kind == "sparse" else y
        link_fn = activations.sigmoid if link == "sigmoid" else activations.softmax
        p = link_fn(z) if mode != "from_logits" else z
        if mode == "fused":
            expected_loss = loss.sample_losses_from_logits(target, z)
            expected_grad = loss.sample_gradients_from_logits(target, z, p)
        else:
            expected_loss, expected_grad = loss.sample_losses(target, p), loss.sample_gradients(target, p)
        t = [np.empty(batch * k, dtype) for _ in range(4)]
        r = [np.empty(batch, dtype) for _ in range(4)]
        sample, grad = np.empty(batch, dtype), np.empty((batch, k), dtype)
        scores = z if mode == "fused" else p
        logits = mode != "probabilities"
        losses.sample_losses(native, code, logits, scores, y, labels, sample, *t, *r, np.zeros(1, dtype))
        losses.sample_gradients(native, code, mode == "fused", logits, p, y, labels, grad, t[0], t[1], r[0])
        assert same(sample, expected_loss.astype(dtype, copy=False)), (batch, k)
        assert same(grad, expected_grad.astype(dtype, copy=False)), (batch, k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", [glassnet_losses.MeanSquaredError(), glassnet_losses.MeanAbsoluteError(),
                                  glassnet_losses.Huber(), glassnet_losses.Huber(0.1), glassnet_losses.Huber(3.7)],
                         ids=["mse", "mae", "huber", "huber 0.1", "huber 3.7"])
def test_regression_losses_and_gradients_match_glassnet(dtype, loss):
    """Every row mean and product as NumPy rounds them, with the edges: p = y exactly (±0), |p − y| = δ
    exactly, NaN, and values far beyond δ."""
    from glassnet.compiled import regression

    rng = np.random.default_rng(9)
    constants = np.zeros(regression.LOSS_CONSTANTS, dtype)
    delta = getattr(loss, "delta", None)
    if delta is not None:
        constants[:] = dtype(delta), dtype(0.5 * delta * delta)
    code = losses.LOSSES[loss.name]
    for batch, k in ((32, 1), (1, 1), (5, 3), (13, 4), (200, 2)):
        p, y = normal(rng, (batch, k), dtype, 3.0), normal(rng, (batch, k), dtype, 3.0)
        p[0, 0] = y[0, 0]  # p − y = +0
        if batch > 1:
            p[1, 0], y[1, 0] = dtype(-0.0), dtype(0.0)
            y[-1, -1] = p[-1, -1] - dtype(delta if delta is not None else 1.0)  # |p − y| = δ (up to rounding)
        if batch > 5:
            p[3, 0] = dtype(np.nan)
        sample, grad, scratch = np.empty(batch, dtype), np.empty((batch, k), dtype), np.empty(batch * k, dtype)
        regression.sample_losses(code, p, y, constants, sample, scratch)
        regression.sample_gradients(code, p, y, constants, grad)
        assert same(sample, loss.sample_losses(y, p).astype(dtype, copy=False)), (batch, k)
        assert same(grad, loss.sample_gradients(y, p).astype(dtype, copy=False)), (batch, k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_data_loss_and_gradient_scaling(dtype):
    rng = np.random.default_rng(8)
    for batch in (1, 7, 32, 200):
        sample, grad = normal(rng, batch, dtype), normal(rng, (batch, 3), dtype)
        weights = np.abs(normal(rng, batch, dtype))
        assert losses.data_loss(sample.copy(), weights, False, batch) == float(sample.sum()) / batch
        assert losses.data_loss(sample.copy(), weights, True, batch) == float((sample * weights).sum()) / batch
        scaled = grad.copy()
        losses.scale_gradient(scaled, weights, False)
        assert same(scaled, (grad * dtype(1 / batch)).astype(dtype, copy=False))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_scaling_with_sample_weights(dtype):
    rng = np.random.default_rng(9)
    grad, weights = normal(rng, (9, 2), dtype), np.abs(normal(rng, 9, dtype))
    expected = (grad * (weights / 9)[:, None]).astype(dtype, copy=False)
    losses.scale_gradient(grad, weights, True)
    assert same(grad, expected)


REGULARIZERS = [glassnet.L2(0.01), glassnet.L2.from_lecture(0.7, 100), glassnet.L1(0.003),
                glassnet.L1L2(0.01, 0.02), glassnet.L1L2(0.0, 0.05), glassnet.L1L2(0.04, 0.0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("regularizer", REGULARIZERS, ids=repr)
def test_penalties_and_their_gradients(dtype, regularizer):
    rng = np.random.default_rng(10)
    native = native_table(dtype)
    kind = regularizers.L2 if isinstance(regularizer, glassnet.L2) else regularizers.L1L2
    f = np.dtype(dtype).type
    for shape in ((30, 25), (1,), (15,), (257, 3)):
        w = normal(rng, shape, dtype)
        w.reshape(-1)[0] = 0.0  # sign(0) = 0
        flat = w.reshape(-1)
        value = regularizers.penalty(native, kind, bool(regularizer.l1), bool(regularizer.l2), f(regularizer.l1),
                                     f(regularizer.l2), flat, np.empty(flat.size, dtype))
        assert same(f(value), regularizer(w))
        out = np.empty_like(flat)
        regularizers.gradient(kind, bool(regularizer.l1), bool(regularizer.l2), f(regularizer.l1),
                              f(2 * regularizer.l2), flat, out)
        expected = np.empty_like(w)
        regularizer.gradient_into(w, expected)
        assert same(out, expected.reshape(-1))


def _optimizer_case(name):
    return {"sgd": glassnet.SGD(0.05), "momentum": glassnet.SGD(0.05, momentum=0.9),
            "nesterov": glassnet.SGD(0.05, momentum=0.9, nesterov=True), "adam": glassnet.Adam(0.01),
            "amsgrad": glassnet.Adam(0.01, amsgrad=True), "adamw": glassnet.AdamW(0.01, weight_decay=0.1),
            "rmsprop": glassnet.RMSprop(0.01), "rmsprop-centered": glassnet.RMSprop(0.01, momentum=0.5,
                                                                                    centered=True),
            "adagrad": glassnet.Adagrad(0.1), "clipnorm": glassnet.Adam(0.01, clipnorm=0.5),
            "global_clipnorm": glassnet.SGD(0.1, global_clipnorm=0.3),
            "clipvalue": glassnet.RMSprop(0.01, clipvalue=0.01),
            "schedule": glassnet.SGD(glassnet.optimizers.ExponentialDecay(0.1, 3, 0.5), momentum=0.5,
                                     weight_decay=0.01)}[name]


OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "amsgrad", "adamw", "rmsprop", "rmsprop-centered",
              "adagrad", "clipnorm", "global_clipnorm", "clipvalue", "schedule"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_steps_match_apply(dtype, name):
    """40 steps (the subnormal flush at 16 and 32 included) of ``Optimizer.apply_gradients`` on two weights, one of them
    excluded from weight decay, against the compiled step on the flat arrays."""
    from glassnet.compiled.plan import _optimizer, learning_rates
    from glassnet.layers.base import Weight

    rng = np.random.default_rng(11)
    native = native_table(dtype)
    reference = _optimizer_case(name)
    weights = [Weight("kernel", "d/kernel", normal(rng, (6, 5), dtype)), Weight("bias", "d/bias",
                                                                                normal(rng, 5, dtype))]
    weights[1].value[0] = dtype(1e-39) if dtype == np.float32 else 0.0  # a subnormal to flush
    reference.exclude_from_weight_decay(var_names=["bias"])
    theta = np.concatenate([w.value.ravel() for w in weights])
    settings, constants, clip = _optimizer(reference, np.dtype(dtype))
    rows = tuple(reference.init_slots(np.zeros(1, dtype)))  # the optimizer's block: a row per slot it has
    index = np.array([rows.index(n) if n in rows else -1 for n in optimizers.SLOT_ROWS[settings[optimizers.KIND]]])
    reference.build(weights)
    decays = np.array([reference.uses_weight_decay(w) for w in weights], np.int64)
    offsets, sizes = np.array([0, 30]), np.array([30, 5])
    slots = np.zeros((len(rows), 35), dtype)
    for row, slot in enumerate(rows):
        slots[row] = np.concatenate([s[slot].ravel() for s in reference.slots])
    iterations = 0
    for _ in range(40):
        grads = [normal(rng, w.shape, dtype) for w in weights]
        rates, usable = learning_rates(reference, iterations, 1)
        assert usable == 1
        total = np.concatenate([g.ravel() for g in grads])
        iterations = optimizers.step(native, settings, constants, clip, theta, total, slots, index, offsets, sizes,
                                     decays, rates.astype(dtype)[0], iterations, np.empty(35, dtype))
        reference.apply_gradients(zip(grads, weights))
    assert iterations == reference.iterations == 40
    assert same(theta, np.concatenate([w.value.ravel() for w in weights]))
    for row, slot in enumerate(rows):
        assert same(slots[row], np.concatenate([s[slot].ravel() for s in reference.slots])), slot
