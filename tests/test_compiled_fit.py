"""``fit`` on the compiled engine against ``fit`` on the NumPy path, bit for bit (issue 15, phase 2).

Each case trains twins — the same model, data and seeds, compiled with ``jit_compile=False`` and ``True`` — and
compares everything a user can read afterwards: the weights, the optimizer's slot block and step count, History
(loss, data loss, each penalty, norms, metrics, validation), the state's data/penalty/total buffers, ``layer.grads``
and the last step's loss parts. The cases cover every optimizer (with clipping and decoupled decay), activation,
loss (from probabilities, from logits, fused), regularizer (on the layer, compile-level, the lecture's λ), partial
last batches, sample weights, metrics, validation, float32 and float64, and 1 or 2 BLAS threads.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet
from glassnet import L1, L1L2, L2, Dense, Normalization, Sequential
from glassnet.losses import BinaryCrossentropy, Huber, SparseCategoricalCrossentropy
from glassnet.optimizers import ExponentialDecay

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from compiled_data import data, onehot, regression  # noqa: E402 - shared with test_compiled_epochs


def make(layers, optimizer, loss, dtype="float32", metrics=None, **compile_args):
    """A maker of fresh twins: ``make(jit)`` builds the model with ``jit_compile=jit`` (layer names fixed, so
    History's keys agree)."""
    def build(jit):
        model = Sequential(layers(), seed=3, dtype=dtype, name="twin")
        model.compile(optimizer(), loss() if callable(loss) else loss, metrics, jit_compile=jit, **compile_args)
        return model
    return build


def bits(value):
    return np.asarray(value).tobytes()


def differences(a, b):
    """Everything a user can read after fit that differs between the models ``a`` and ``b`` (empty: none)."""
    found = []
    for w, x, y in zip(a.weights, a.get_weights(), b.get_weights()):
        if bits(x) != bits(y):
            found.append(f"weight {w.path}")
    for x, y in zip(a.optimizer.state_arrays(), b.optimizer.state_arrays()):
        if bits(x) != bits(y):
            found.append("optimizer slots")
    if a.optimizer.iterations != b.optimizer.iterations:
        found.append(f"step count {a.optimizer.iterations} != {b.optimizer.iterations}")
    for name in ("data", "penalty", "total"):
        if bits(getattr(a.state, name)) != bits(getattr(b.state, name)):
            found.append(f"state.{name}")
    for la, lb in zip(a.layers, b.layers):
        for key in la.grads:
            ga, gb = la.grads[key], lb.grads.get(key)
            if gb is None or bits(ga.data) != bits(gb.data) or (ga.penalty is None) != (gb.penalty is None) or (
                    ga.penalty is not None and bits(ga.penalty) != bits(gb.penalty)):
                found.append(f"{la.name}.grads[{key!r}]")
    pa, pb = a.state.parts, b.state.parts
    if (pa is None) != (pb is None) or (pa is not None and (
            bits(pa.data) != bits(pb.data) or [(t.key, bits(t.value)) for t in pa.penalties] !=
            [(t.key, bits(t.value)) for t in pb.penalties])):
        found.append("state.parts")
    return found


def history_differences(a, b):
    if list(a.history) != list(b.history):
        return [f"keys {list(a.history)} != {list(b.history)}"]
    return [f"History[{key!r}]: {a.history[key]} != {b.history[key]}" for key in a.history
            if bits(np.array(a.history[key], np.float64)) != bits(np.array(b.history[key], np.float64))]


def twins(build, x, y, **fit_args):
    """Fit ``build(False)`` and ``build(True)`` alike; return the two models and their Histories."""
    fit_args = {"epochs": 2, "batch_size": 8, "seed": 11, "verbose": 0, **fit_args}
    numpy_model, compiled_model = build(False), build(True)
    numpy_history = numpy_model.fit(x, y, **fit_args)
    compiled_history = compiled_model.fit(x, y, **fit_args)
    assert numpy_model.engine.engine == "numpy" and compiled_model.engine.engine == "compiled"
    return numpy_model, numpy_history, compiled_model, compiled_history


def assert_twins(build, x, y, **fit_args):
    a, ha, b, hb = twins(build, x, y, **fit_args)
    assert differences(a, b) + history_differences(ha, hb) == []
    return a, ha, b, hb


def lecture_s():
    return [Dense(25, "relu", kernel_regularizer=L2(0.01), name="h1"),
            Dense(15, "relu", kernel_regularizer=L2(0.01), name="h2"),
            Dense(1, "sigmoid", kernel_regularizer=L2(0.01), name="out")]


def two(first, second):
    """Layers ``first`` (units, activation, options) then ``second``, named h1 and out."""
    return lambda: [Dense(first[0], first[1], name="h1", **(first[2] if len(first) > 2 else {})),
                    Dense(second[0], second[1], name="out", **(second[2] if len(second) > 2 else {}))]


ADAM = lambda: glassnet.Adam(0.01)  # noqa: E731 - the cases read better with these short makers

CASES = {
    "S: the lecture's network, partial last batch, accuracy, validation split": (
        make(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy", metrics=["accuracy"]),
        data(203, 30), {"batch_size": 32, "validation_split": 0.2}),
    "T: the playground's size, tanh, SGD momentum": (
        make(lambda: [Dense(8, "tanh", name="h1"), Dense(8, "tanh", name="h2"), Dense(1, "sigmoid", name="out")],
             lambda: glassnet.SGD(0.1, momentum=0.9), "binary_crossentropy", metrics=["binary_accuracy"]),
        data(60, 2), {"batch_size": 10}),
    "softmax categorical float64, centered RMSprop with momentum, L1L2": (
        make(two((6, "relu", {"kernel_regularizer": L1L2(0.01, 0.01)}), (4, "softmax")),
             lambda: glassnet.RMSprop(0.01, momentum=0.3, centered=True), "categorical_crossentropy", "float64",
             metrics=["accuracy"]),
        onehot(45, 5, 4, dtype="float64"), {}),
    "sparse from logits, SGD Nesterov, global clipnorm, a bias penalty": (
        make(two((7, "tanh", {"bias_regularizer": L2(0.1)}), (3, "linear")),
             lambda: glassnet.SGD(0.2, momentum=0.9, nesterov=True, global_clipnorm=0.5),
             lambda: SparseCategoricalCrossentropy(from_logits=True), metrics=["sparse_categorical_accuracy"]),
        data(41, 4, classes=3), {"batch_size": 6}),
    "binary on a softmax's probabilities, Adagrad, clipnorm, no bias, L1": (
        make(two((5, "relu", {"use_bias": False, "kernel_regularizer": L1(0.01)}), (2, "softmax")),
             lambda: glassnet.Adagrad(0.1, clipnorm=0.2), "binary_crossentropy"),
        (data(37, 3)[0], np.stack([data(37, 3)[1], 1 - data(37, 3)[1]], axis=1)), {"batch_size": 5}),
    "categorical on sigmoid probabilities, Adam": (
        make(two((4, "sigmoid"), (3, "sigmoid")), ADAM, "categorical_crossentropy"), onehot(30, 3, 3), {}),
    "sparse on probabilities, float64, amsgrad": (
        make(two((5, "tanh"), (3, "softmax")), lambda: glassnet.Adam(0.05, amsgrad=True),
             "sparse_categorical_crossentropy", "float64", metrics=["accuracy"]),
        (data(29, 3, classes=3)[0].astype("float64"), data(29, 3, classes=3)[1]), {"batch_size": 7}),
    "a one-row last batch, sample weights, AdamW with a schedule and clipvalue": (
        make(two((6, "relu"), (3, "softmax", {"kernel_regularizer": L2(0.02)})),
             lambda: glassnet.AdamW(ExponentialDecay(0.05, 4, 0.7), weight_decay=0.05, clipvalue=0.05),
             "sparse_categorical_crossentropy"), data(33, 4, classes=3),
        {"sample_weight": np.linspace(0.0, 2.0, 33).astype("float32")}),
    "binary from logits, two outputs, the lecture's lambda": (
        make(two((5, "relu"), (2, "linear")), lambda: glassnet.SGD(0.05), lambda: BinaryCrossentropy(from_logits=True),
             lam=0.5),
        (data(40, 3)[0], np.stack([data(40, 3)[1], data(40, 3, seed=1)[1]], axis=1)), {"batch_size": 16}),
    "a compile-level regularizer on biases too, no shuffling": (
        make(two((9, "relu"), (1, "sigmoid")), lambda: glassnet.RMSprop(0.01), "binary_crossentropy",
             regularizer="l2", regularize_bias=True), data(50, 6), {"batch_size": 16, "shuffle": False}),
    "mse, one output, plain SGD, mse and mae metrics": (
        make(two((6, "tanh"), (1, "linear")), lambda: glassnet.SGD(0.05), "mse", metrics=["mse", "mae"]),
        regression(47, 3, 1), {"batch_size": 9}),
    "mse, three outputs, float64, L2 everywhere": (
        make(two((5, "relu", {"kernel_regularizer": L2(0.01), "bias_regularizer": L2(0.01)}),
                 (3, "linear", {"kernel_regularizer": L2(0.01)})), ADAM, "mean_squared_error", "float64"),
        regression(38, 4, 3, dtype="float64"), {}),
    "mae with relu, RMSprop with momentum": (
        make(two((7, "relu"), (2, "linear")), lambda: glassnet.RMSprop(0.005, momentum=0.5), "mae",
             metrics=["mae"]), regression(35, 3, 2), {"batch_size": 4}),
    "Huber with a small delta, Adagrad, weighted validation data": (
        make(two((6, "tanh"), (1, "linear")), lambda: glassnet.Adagrad(0.2), lambda: Huber(0.1), metrics=["mse"]),
        regression(40, 3, 1), {"validation_data": (*regression(13, 3, 1, seed=4),
                                                   np.linspace(0.5, 1.5, 13).astype("float32"))}),
    "Huber, two outputs, AdamW, the lecture's lambda for squared error": (
        make(two((5, "sigmoid"), (2, "linear")), lambda: glassnet.AdamW(0.01, weight_decay=0.1), Huber, lam=0.3),
        regression(31, 3, 2), {"batch_size": 6}),
    "a leading Normalization": (
        make(lambda: [Normalization(name="scale"), Dense(6, "relu", name="h1"), Dense(1, "sigmoid", name="out")],
             ADAM, "binary_crossentropy", metrics=["accuracy"]),
        (data(44, 3)[0] * 10 + 3, data(44, 3)[1]), {"validation_split": 0.25}),
    "a metric of the user's own": (
        make(two((4, "relu"), (1, "sigmoid")), ADAM, "binary_crossentropy",
             metrics=[lambda y, p: np.abs(y - p)[:, 0] ** 2]), data(30, 3), {"batch_size": 7}),
    "one batch larger than the data": (
        make(two((4, "relu"), (1, "sigmoid")), ADAM, "binary_crossentropy"), data(13, 3), {"batch_size": 64}),
    "batches of one row, a learning rate callable": (
        make(two((3, "tanh"), (1, "sigmoid")), lambda: glassnet.SGD(lambda step: 0.1 / (1 + step)),
             "binary_crossentropy"), data(9, 2), {"batch_size": 1, "epochs": 3}),
    "accuracies with ties: zero kernels, soft and tied targets": (
        make(lambda: [Dense(4, "relu", kernel_initializer="zeros", name="h1"),
                      Dense(3, "softmax", kernel_initializer="zeros", name="out")], lambda: glassnet.SGD(0.01),
             "categorical_crossentropy", metrics=["accuracy", "categorical_accuracy", "mse"]),
        (onehot(26, 3, 3)[0], np.where(np.arange(26)[:, None] % 4 == 0, np.float32(0.5),
                                       onehot(26, 3, 3)[1]).astype("float32")), {"batch_size": 6}),
    "binary accuracy of soft targets and of two outputs": (
        make(two((4, "tanh"), (2, "sigmoid")), ADAM, "binary_crossentropy", metrics=["accuracy", "binary_accuracy"]),
        (data(23, 3)[0], np.stack([np.where(np.arange(23) % 3 == 0, 0.3, data(23, 3)[1]), data(23, 3, seed=2)[1]],
                                  axis=1).astype("float32")), {"batch_size": 5}),
    "AdamW excluding the biases from decay": (
        make(lambda: [Dense(6, "relu", name="h1"), Dense(1, "sigmoid", name="out")],
             lambda: _excluding_bias(glassnet.AdamW(0.02, weight_decay=0.2)), "binary_crossentropy"),
        data(25, 3), {}),
}


def _excluding_bias(optimizer):
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


def _normalized(case):
    """Adapt a leading Normalization of both twins to the training rows (before fit, as a user does)."""
    build, (x, y), extra = case

    def adapted(jit):
        model = build(jit)
        if isinstance(model.layers[0], Normalization):
            model.layers[0].adapt(x)
        return model
    return adapted, (x, y), extra


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_fit_gives_the_numpy_paths_bits(name):
    build, (x, y), extra = _normalized(CASES[name])
    assert_twins(build, x, y, **extra)


@pytest.mark.parametrize("threads", [1, 2])
def test_wide_layers_with_one_and_two_blas_threads(threads):
    build = make(lambda: [Dense(256, "relu", kernel_regularizer=L2(1e-4), name="h1"), Dense(128, "tanh", name="h2"),
                          Dense(1, "sigmoid", name="out")], lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(300, 64, seed=3)
    with threadpool_limits(limits=threads, user_api="blas"):
        assert_twins(build, x, y, batch_size=128, epochs=1)


def test_several_fits_continue_alike_and_the_step_count_carries_on():
    """Three fits in a row (the optimizer's state carried over), the second on the NumPy path for both."""
    build = make(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(70, 30)
    a, b = build(False), build(True)
    for jit in (True, False, True):
        b.jit_compile = jit
        for model in (a, b):
            model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert differences(a, b) == [] and a.optimizer.iterations == 15


def test_explain_after_a_compiled_fit_matches():
    build = make(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(64, 30)
    a, _, b, _ = twins(build, x, y)
    ea, eb = a.explain(x, y).to_dict(), b.explain(x, y).to_dict()
    assert ea == eb


def test_evaluate_takes_the_compiled_pass_once_the_engine_is_loaded(monkeypatch):
    """evaluate (and the sweeps' scores, through evaluate_arrays) on the compiled forward pass: the same numbers;
    an unfitted model's optimizer is left unbuilt, as by the NumPy pass."""
    from glassnet.engine import compiled_epochs

    build = make(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy", metrics=["accuracy", "mse"])
    x, y = data(90, 30)
    a, _, b, _ = twins(build, x, y)
    taken = []
    original = compiled_epochs.evaluate_loaded
    monkeypatch.setattr(compiled_epochs, "evaluate_loaded",
                        lambda *args: taken.append(original(*args) is not None) or original(*args))
    for batch_size in (7, 32, 200):
        assert a.evaluate(x, y, batch_size=batch_size, return_dict=True) == \
            b.evaluate(x, y, batch_size=batch_size, return_dict=True)
    assert taken == [False, True] * 3  # the NumPy twin (jit_compile=False) keeps the NumPy pass
    fresh = build(True)
    fresh.evaluate(x, y)
    assert fresh.optimizer.stepped_weights == [] and taken[-1] is True
