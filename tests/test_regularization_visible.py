"""Regularization made visible: compile-level regularizers, the lecture's λ, strength conversion checked against
the real peers, the split History, and model.explain()."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import glassnet
from glassnet import L1, L1L2, L2, Dense, Sequential
from glassnet.regularizers import convert, strength_table


def data(n=64, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(float)
    return x, y


def net(widths=(6, 4), seed=0, dtype="float64", **dense_kwargs):
    layers = [Dense(w, activation="relu", **dense_kwargs) for w in widths]
    return Sequential([*layers, Dense(1, activation="sigmoid", **dense_kwargs)], seed=seed, dtype=dtype)


# --- compile-level regularization --------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_compile_level_regularizer_is_bitwise_per_layer(optimizer):
    x, y = data()
    per_layer = net(seed=1, kernel_regularizer=L2(0.03), dtype="float32")
    per_layer.compile(optimizer, "binary_crossentropy")
    at_compile = net(seed=1, dtype="float32")
    at_compile.compile(optimizer, "binary_crossentropy", regularizer=L2(0.03))
    h1 = per_layer.fit(x, y, epochs=3, batch_size=16, seed=7, verbose=0)
    h2 = at_compile.fit(x, y, epochs=3, batch_size=16, seed=7, verbose=0)
    for a, b in zip(per_layer.get_weights(), at_compile.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert list(h1.history.values()) == list(h2.history.values())
    assert per_layer.losses == at_compile.losses


def test_layer_regularizer_wins_and_biases_only_on_request():
    model = Sequential([Dense(3, kernel_regularizer=L1(0.5)), Dense(2), Dense(1, bias_regularizer=L1(0.2))])
    model.compile("sgd", "mse", regularizer="l2")
    model.build((None, 4))
    by_path = {w.path: (w.regularizer, w.regularizer_source) for w in model.weights}
    names = [layer.name for layer in model.layers]
    assert by_path[f"{names[0]}/kernel"] == (L1(0.5), "layer")
    assert by_path[f"{names[1]}/kernel"] == (L2(0.01), "compile")
    assert by_path[f"{names[1]}/bias"] == (None, None)
    assert by_path[f"{names[2]}/bias"] == (L1(0.2), "layer")

    model.compile("sgd", "mse", regularizer=L2(0.1), regularize_bias=True)
    by_path = {w.path: (w.regularizer, w.regularizer_source) for w in model.weights}
    assert by_path[f"{names[1]}/bias"] == (L2(0.1), "compile")
    assert by_path[f"{names[0]}/kernel"] == (L1(0.5), "layer")  # still the layer's own

    lines = []
    model.summary(print_fn=lines.append)
    assert "L1(l1=0.5) [layer]" in lines[0] and "L2(l2=0.1) [compile]" in lines[0]

    model.compile("sgd", "mse")  # recompiling without a regularizer removes the compile-level ones
    assert [w.regularizer_source for w in model.weights].count("compile") == 0


# --- the lecture's λ ---------------------------------------------------------------------------------------------

def test_lecture_lambda_resolves_with_training_rows_and_refuses_without():
    x, y = data(n=50)
    model = net()
    model.compile(glassnet.SGD(0.1), "binary_crossentropy", lam=0.7)
    with pytest.raises(ValueError, match=r"needs the training-set size m.*Received: lam=0.7, n_samples=None"):
        model.evaluate(x, y)
    model.fit(x, y, validation_split=0.2, epochs=1, verbose=0)  # 40 training rows
    kernel = model.weights[0]
    assert kernel.regularizer == L2.from_lecture(0.7, 40)
    assert kernel.regularizer.l2 == 0.7 / (2 * 40)

    fixed = net()
    fixed.compile("sgd", "binary_crossentropy", lam=0.7, n_samples=1000)
    fixed.fit(x, y, epochs=1, verbose=0)
    assert fixed.weights[0].regularizer.m == 1000


def test_lecture_full_batch_gradient_descent_matches_the_lecture_formula():
    """glassnet with compile(lam=λ), batch = m, against the lecture's update dW = (1/m)·dZ·Aᵀ + (λ/m)·W
    written out in NumPy in the lecture's layout (features × samples)."""
    x, y = data(n=60, d=2, seed=3)
    m, lam, lr = 60, 0.7, 0.3
    model = Sequential([Dense(5, "relu"), Dense(3, "relu"), Dense(1, "sigmoid")], dtype="float64", seed=3)
    model.compile(glassnet.SGD(lr), "binary_crossentropy", lam=lam)
    model.build((None, 2))
    W = [w.T.copy() for w in model.get_weights()[0::2]]  # lecture: W_l is (units, inputs)
    b = [bias.reshape(-1, 1).copy() for bias in model.get_weights()[1::2]]
    X, Y = x.T, y.reshape(1, -1)
    for _ in range(20):
        A = [X]
        for layer in range(3):
            Z = W[layer] @ A[-1] + b[layer]
            A.append(np.maximum(Z, 0) if layer < 2 else 1 / (1 + np.exp(-Z)))
        dZ = A[3] - Y
        for layer in (2, 1, 0):
            dW = (1 / m) * dZ @ A[layer].T + (lam / m) * W[layer]
            db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
            if layer > 0:
                dZ = (W[layer].T @ dZ) * (A[layer] > 0)
            W[layer] = W[layer] - lr * dW
            b[layer] = b[layer] - lr * db
    model.fit(x, y, batch_size=m, epochs=20, shuffle=False, verbose=0)
    mine = model.get_weights()
    for layer in range(3):
        np.testing.assert_allclose(mine[2 * layer], W[layer].T, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(mine[2 * layer + 1], b[layer].ravel(), rtol=1e-12, atol=1e-14)


# --- conversions, against the real peers -------------------------------------------------------------------------

def test_torch_coupled_weight_decay_equals_converted_l2():
    """PyTorch SGD(weight_decay=wd) penalizes every parameter; glassnet gets L2(convert(wd, 'torch', 'keras'))
    on kernels and biases (regularize_bias=True). Same trajectory over 3 epochs of mini-batches."""
    x, y = data(n=48, seed=4)
    wd, lr = 0.05, 0.1
    model = net(seed=4)
    model.compile(glassnet.SGD(lr), "binary_crossentropy", regularizer=L2(convert(wd, "torch", "keras")),
                  regularize_bias=True)
    model.build((None, 5))
    params = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    optimizer = torch.optim.SGD(params, lr=lr, weight_decay=wd)
    xt, yt = torch.tensor(x), torch.tensor(y).reshape(-1, 1)
    for _ in range(3):
        for start in range(0, 48, 16):
            h = xt[start:start + 16]
            for i in range(0, len(params) - 2, 2):
                h = torch.relu(h @ params[i] + params[i + 1])
            logits = h @ params[-2] + params[-1]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[start:start + 16])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for mine, theirs in zip(model.get_weights(), params):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_sklearn_alpha_equals_converted_l2_after_one_epoch():
    """scikit-learn's MLPClassifier(solver='sgd', momentum=0, alpha=α, batch_size=B, shuffle=False), started
    from glassnet's initial weights, against glassnet with L2(convert(α, 'sklearn', 'keras', batch_size=B))."""
    x, y = data(n=64, seed=5)
    alpha, batch, lr = 0.5, 16, 0.1
    model = net(seed=5)
    model.compile(glassnet.SGD(lr), "binary_crossentropy",
                  regularizer=L2(convert(alpha, "sklearn", "keras", batch_size=batch)))
    model.build((None, 5))
    start = model.get_weights()

    clf = MLPClassifier(hidden_layer_sizes=(6, 4), activation="relu", solver="sgd", alpha=alpha, batch_size=batch,
                        learning_rate_init=lr, momentum=0.0, shuffle=False, max_iter=1, warm_start=True,
                        n_iter_no_change=10**6, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)  # creates coefs_ of the right shapes; we overwrite them with glassnet's start
        clf.coefs_ = [w.copy() for w in start[0::2]]
        clf.intercepts_ = [b.copy() for b in start[1::2]]
        clf.fit(x, y)  # warm start: exactly one epoch from those weights
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    mine = model.get_weights()
    for layer in range(3):
        np.testing.assert_allclose(mine[2 * layer], clf.coefs_[layer], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(mine[2 * layer + 1], clf.intercepts_[layer], rtol=1e-12, atol=1e-14)
    # And the numbers are not the same without the penalty: the test can see a wrong conversion.
    plain = net(seed=5)
    plain.compile(glassnet.SGD(lr), "binary_crossentropy")
    plain.build((None, 5))
    plain.set_weights(start)
    plain.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    assert np.max(np.abs(plain.get_weights()[0] - clf.coefs_[0])) > 1e-4


def test_convert_table_and_refusals():
    assert convert(0.01, "keras", "lecture", n_samples=455) == 9.1
    assert convert(9.1, "lecture", "keras", n_samples=455) == 0.01
    assert convert(0.02, "torch", "keras") == 0.01
    assert convert(0.01, "keras", "playground", loss="mse") == 0.01  # the Playground's loss is ½·squared error
    assert convert(0.64, "sklearn", "keras", batch_size=32) == 0.01
    assert convert(0.3, "kappa", "torch") == 0.3
    with pytest.raises(ValueError, match=r"training-set size m.*Received: n_samples=None"):
        convert(0.01, "keras", "lecture")
    with pytest.raises(ValueError, match=r"batch size B.*Received: batch_size=None"):
        convert(1e-4, "sklearn", "torch")
    with pytest.raises(ValueError, match=r"no exact L2 equivalent.*Received: from_='adamw'"):
        convert(0.01, "adamw", "keras")
    with pytest.raises(ValueError, match=r"no exact L2 equivalent.*Received: to='decoupled'"):
        convert(0.01, "torch", "decoupled")
    with pytest.raises(ValueError, match=r"must be one of.*Received: to='caffe'"):
        convert(0.01, "keras", "caffe")
    with pytest.raises(ValueError, match=r"Received: value=-1"):
        convert(-1, "keras", "torch")
    text = str(strength_table(0.01, "keras", n_samples=455, batch_size=32))
    assert "9.1" in text and "0.64" in text and "0.02" in text
    assert strength_table(0.01, "keras").values["lecture"] is None


# --- the split History ------------------------------------------------------------------------------------------

def test_history_split_sums_exactly_and_names_every_term(capsys):
    x, y = data(n=80)
    model = Sequential([Dense(6, "relu", kernel_regularizer=L1(0.01), activity_regularizer=L2(0.001)),
                        Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", regularizer=L2(0.02), metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=2, seed=0).history
    first, second = (layer.name for layer in model.layers)
    for prefix in ("", "val_"):
        for epoch in range(3):
            assert history[f"{prefix}loss"][epoch] == history[f"{prefix}data_loss"][epoch] + \
                history[f"{prefix}penalty_loss"][epoch]
            terms = [history[f"{prefix}penalty/{key}"][epoch]
                     for key in (f"{first}/activity", f"{first}/kernel", f"{second}/kernel")]
            assert history[f"{prefix}penalty_loss"][epoch] == sum(terms)
            assert all(t > 0 for t in terms)
    norms = history[f"norm/{first}/kernel"]
    np.testing.assert_allclose(norms[-1], np.linalg.norm(model.layers[0].kernel.numpy().astype(float)), rtol=1e-6)
    out = capsys.readouterr().out
    assert "data_loss:" in out and "penalty_loss:" in out and "val_penalty_loss:" in out
    assert "norm/" not in out  # per-term keys stay in History


# --- explain ------------------------------------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd": lambda: glassnet.SGD(0.1),
    "sgd_momentum_decay": lambda: glassnet.SGD(0.1, momentum=0.9, weight_decay=0.01),
    "sgd_nesterov": lambda: glassnet.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: glassnet.Adam(0.01),
    "adamw": lambda: glassnet.AdamW(0.01, weight_decay=0.05),
    "rmsprop_clip": lambda: glassnet.RMSprop(0.01, clipnorm=0.1),
    "adagrad": lambda: glassnet.Adagrad(0.1),
}
REGULARIZERS = {"l2": L2(0.02), "l1": L1(0.01), "l1l2": L1L2(0.01, 0.02), "lecture": L2.from_lecture(0.7, 64)}


def _snapshot(model):
    """Every piece of state by value: weights, optimizer step and slots, layer.grads contents, penalties, the
    generators and each layer's cached forward values."""
    optimizer = model.optimizer
    grads = [{name: (g.data.copy(), None if g.penalty is None else g.penalty.copy()) for name, g in layer.grads.items()}
             for layer in model.layers]
    caches = [{key: np.copy(value) for key, value in vars(layer).items() if isinstance(value, np.ndarray)}
              for layer in model.layers]
    return (model.get_weights(), optimizer.iterations, [{k: v.copy() for k, v in s.items()} for s in optimizer.slots],
            grads, list(model.losses), model.rng.bit_generator.state, model.fit_rng.bit_generator.state, caches)


def assert_same_state(before, after):
    weights, iterations, slots, grads, losses, rng, fit_rng, caches = after
    for a, b in zip(before[0], weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert before[1] == iterations
    for slots_a, slots_b in zip(before[2], slots, strict=True):
        assert slots_a.keys() == slots_b.keys()
        for key in slots_a:
            np.testing.assert_array_equal(slots_a[key], slots_b[key])
    for layer_a, layer_b in zip(before[3], grads, strict=True):
        assert layer_a.keys() == layer_b.keys()
        for name, ((data_a, penalty_a), (data_b, penalty_b)) in ((n, (layer_a[n], layer_b[n])) for n in layer_a):
            np.testing.assert_array_equal(data_a, data_b, err_msg=name)
            assert (penalty_a is None) == (penalty_b is None)
            if penalty_a is not None:
                np.testing.assert_array_equal(penalty_a, penalty_b, err_msg=name)
    assert before[4] == losses and before[5] == rng and before[6] == fit_rng
    for cache_a, cache_b in zip(before[7], caches, strict=True):
        assert cache_a.keys() == cache_b.keys()
        for key in cache_a:
            np.testing.assert_array_equal(cache_a[key], cache_b[key], err_msg=key)


@pytest.mark.parametrize("regularizer", sorted(REGULARIZERS))
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_explain_splits_sum_to_totals_and_leave_state_unchanged(optimizer, regularizer):
    x, y = data(n=64)
    model = Sequential([Dense(6, "tanh", activity_regularizer=L1(0.001)), Dense(4, "relu"), Dense(1, "sigmoid")],
                       dtype="float64", seed=0)
    model.compile(OPTIMIZERS[optimizer](), "binary_crossentropy", regularizer=REGULARIZERS[regularizer],
                  regularize_bias=True)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, seed=0)
    before = _snapshot(model)
    explanation = model.explain(x, y)
    assert_same_state(before, _snapshot(model))

    # Loss: data + Σ penalties = total = evaluate.
    assert explanation.total_loss == explanation.data_loss + sum(p.value for p in explanation.penalties)
    assert explanation.total_loss == model.evaluate(x, y)
    assert {p.weight for p in explanation.penalties} == {"kernel", "bias", "activity"}

    # Gradients: the data part is the finite difference of the data loss alone, the penalty part that of the
    # penalties alone.
    targets = model.loss.prepare_targets(y, 1, np.dtype("float64"))

    def loss_parts():
        parts = model.loss_parts(model.forward(x, training=False), targets, None)
        return parts.data, parts.penalty

    for (layer_name, weight_name), grad in explanation.gradients.items():
        weight = next(w for w in model.weights if w.path == f"{layer_name}/{weight_name}")
        index = (0,) * weight.value.ndim
        original = weight.value[index]
        h = 1e-6
        weight.value[index] = original + h
        upper = loss_parts()
        weight.value[index] = original - h
        lower = loss_parts()
        weight.value[index] = original
        for part, computed, up, down in zip(("data", "penalty"), (grad.data, grad.penalty), upper, lower):
            fd = (up - down) / (2 * h)
            assert abs(computed[index] - fd) <= 1e-6 * max(1.0, abs(fd)), (layer_name, weight_name, part, fd)

    # Updates: data + penalty + decay = the step the optimizer then really takes (before constraints).
    start = model.get_weights()
    paths = [w.path for w in model.weights]
    model.train_step(x, model.loss.prepare_targets(y, 1, np.dtype("float64")), None, np.random.default_rng(0))
    for path, old, new in zip(paths, start, model.get_weights()):
        update = explanation.updates[tuple(path.split("/"))]
        np.testing.assert_allclose(old + update.total, new, rtol=1e-12, atol=1e-15, err_msg=path)


def test_explain_sgd_l2_penalty_step_is_exactly_a_shrink():
    x, y = data()
    model = net(seed=2)
    model.compile(glassnet.SGD(0.05), "binary_crossentropy", regularizer=L2(0.01))
    model.build((None, 5))
    explanation = model.explain(x, y)
    for layer in model.layers:
        update = explanation.updates[(layer.name, "kernel")]
        kernel = layer.kernel.value
        np.testing.assert_array_equal(update.penalty, -((np.float64(2 * 0.01) * kernel) * np.float64(0.05)))
        assert update.shrink_factor == 1 - 2 * 0.05 * 0.01
        assert not np.any(explanation.updates[(layer.name, "bias")].penalty)
    text = str(explanation)
    assert "1 − 2·lr·l2 = 0.999" in text and "shrink factor" in text
    payload = json.loads(json.dumps(explanation.to_dict()))
    assert payload["total_loss"] == explanation.total_loss
    assert "<table>" in explanation._repr_html_()
    strengths = explanation.strengths[(model.layers[0].name, "kernel")].values
    assert strengths["lecture"] == convert(0.01, "keras", "lecture", n_samples=len(x))
    assert strengths["torch"] == 0.02


def test_explain_shows_decoupled_decay_is_not_l2_except_plain_sgd():
    x, y = data()
    results = {}
    for name, optimizer in {"plain": glassnet.SGD(0.1, weight_decay=0.01),
                            "adamw": glassnet.AdamW(0.01, weight_decay=0.01)}.items():
        model = net(seed=3)
        model.compile(optimizer, "binary_crossentropy")
        model.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=0)
        results[name] = model.explain(x, y)
    plain = results["plain"].decay_vs_l2
    adamw = results["adamw"].decay_vs_l2
    assert plain and all(c.identical for c in plain.values())
    assert adamw and not any(c.identical for c in adamw.values())
    assert "equal to an L2 penalty" in str(results["plain"])
    assert "not an L2 penalty" in str(results["adamw"])


def test_momentum_decay_differs_from_l2_over_many_steps():
    """With momentum the next steps agree, but L2 keeps acting through the momentum buffer: trajectories part."""
    x, y = data()
    decayed = net(seed=6)
    decayed.compile(glassnet.SGD(0.05, momentum=0.9, weight_decay=0.02), "binary_crossentropy")
    coupled = net(seed=6)
    coupled.compile(glassnet.SGD(0.05, momentum=0.9), "binary_crossentropy",
                    regularizer=L2(convert(0.02, "torch", "keras")), regularize_bias=True)
    decayed.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    coupled.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(decayed.get_weights()[0], coupled.get_weights()[0], rtol=1e-12)  # one step: same
    decayed.fit(x, y, batch_size=64, epochs=30, shuffle=False, verbose=0)
    coupled.fit(x, y, batch_size=64, epochs=30, shuffle=False, verbose=0)
    norm = [np.linalg.norm(m.get_weights()[0]) for m in (decayed, coupled)]
    assert norm[1] < norm[0] - 1e-3  # L2 through momentum shrinks more
    assert "1/(1 − μ) = 10×" in str(decayed.explain(x, y))
