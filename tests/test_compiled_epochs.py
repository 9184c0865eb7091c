"""Whole epochs of real glassnet models: the compiled epoch, driven from the model's public state, against
``model.fit`` with the same seed — weights, optimizer slots, step count, the last step's gradient parts and every
epoch's loss logs, bit for bit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import glassnet
from glassnet import L1, L1L2, L2, Dense, Sequential
from glassnet.compiled import self_check
from glassnet.compiled.selfcheck import compare_with_fit
from glassnet.optimizers import ExponentialDecay

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from compiled_data import data  # noqa: E402 - shared with test_compiled_fit


def maker(layers, optimizer, loss, dtype="float32", seed=0, **compile_args):
    """A function building a fresh compiled model (each call its own layers and optimizer)."""
    def make():
        model = Sequential(layers(), seed=seed, dtype=dtype)
        model.compile(optimizer(), loss, **compile_args)
        return model
    return make


def lecture_s():
    return [Dense(25, "relu", kernel_regularizer=L2(0.01)), Dense(15, "relu", kernel_regularizer=L2(0.01)),
            Dense(1, "sigmoid", kernel_regularizer=L2(0.01))]


CASES = {
    # the lecture's network S: gemm, fused sigmoid + binary cross-entropy, a partial last batch of 8
    "S adam l2": (maker(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy"), data(200, 30), 32, {}),
    # T: two inputs, tanh, batch 10
    "T tanh": (maker(lambda: [Dense(8, "tanh"), Dense(8, "tanh"), Dense(1, "sigmoid")],
                     lambda: glassnet.SGD(0.1, momentum=0.9), "binary_crossentropy"), data(60, 2), 10, {}),
    "softmax categorical float64 rmsprop": (
        maker(lambda: [Dense(6, "relu", kernel_regularizer=L1L2(0.01, 0.01)), Dense(4, "softmax")],
              lambda: glassnet.RMSprop(0.01, momentum=0.3, centered=True), "categorical_crossentropy", "float64"),
        (data(45, 5, classes=4)[0].astype("float64"), np.eye(4)[data(45, 5, classes=4)[1]]), 8, {}),
    "sparse from logits (linear output) sgd nesterov global clip": (
        maker(lambda: [Dense(7, "tanh", bias_regularizer=L2(0.1)), Dense(3)],
              lambda: glassnet.SGD(0.2, momentum=0.9, nesterov=True, global_clipnorm=0.5),
              glassnet.losses.SparseCategoricalCrossentropy(from_logits=True)), data(41, 4, classes=3), 6, {}),
    "binary on probabilities (softmax output) adagrad clipnorm no bias": (
        maker(lambda: [Dense(5, "relu", use_bias=False, kernel_regularizer=L1(0.01)), Dense(2, "softmax")],
              lambda: glassnet.Adagrad(0.1, clipnorm=0.2), "binary_crossentropy"),
        (data(37, 3)[0], np.stack([data(37, 3)[1], 1 - data(37, 3)[1]], axis=1)), 5, {}),
    "categorical on probabilities (sigmoid outputs)": (
        maker(lambda: [Dense(4, "sigmoid"), Dense(3, "sigmoid")], lambda: glassnet.Adam(0.05),
              "categorical_crossentropy"), (data(30, 3, classes=3)[0], np.eye(3)[data(30, 3, classes=3)[1]]), 4,
        {}),
    "sparse on probabilities float64 amsgrad": (
        maker(lambda: [Dense(5, "tanh"), Dense(3, "softmax")],
              lambda: glassnet.Adam(0.05, amsgrad=True), glassnet.losses.SparseCategoricalCrossentropy(),
              "float64"), (data(29, 3, classes=3)[0].astype("float64"), data(29, 3, classes=3)[1]), 7, {}),
    "sparse fused with a 1-row last batch, sample weights, adamw, schedule, clipvalue": (
        maker(lambda: [Dense(6, "relu"), Dense(3, "softmax", kernel_regularizer=L2(0.02))],
              lambda: glassnet.AdamW(ExponentialDecay(0.05, 4, 0.7), weight_decay=0.05, clipvalue=0.05),
              "sparse_categorical_crossentropy"), data(33, 4, classes=3), 8,
        {"sample_weight": np.linspace(0.0, 2.0, 33).astype("float32")}),
    "binary from logits, several outputs, lecture lambda": (
        maker(lambda: [Dense(5, "relu"), Dense(2)], lambda: glassnet.SGD(0.05),
              glassnet.losses.BinaryCrossentropy(from_logits=True), lam=0.5, n_samples=40),
        (data(40, 3)[0], np.stack([data(40, 3)[1], data(40, 3, seed=1)[1]], axis=1)), 16, {}),
    "compile-level regularizer, no shuffle": (
        maker(lambda: [Dense(9, "relu"), Dense(1, "sigmoid")], lambda: glassnet.RMSprop(0.01),
              "binary_crossentropy", regularizer="l2", regularize_bias=True), data(50, 6), 16, {"shuffle": False}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_epochs_give_fits_bits(name):
    make, (x, y), batch_size, extra = CASES[name]
    assert compare_with_fit(make, x, y, batch_size=batch_size, epochs=2, seed=5, **extra) == []


def test_long_run_crosses_the_subnormal_flush_and_stays_identical():
    make = maker(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(1000, 30, seed=2)
    assert compare_with_fit(make, x, y, batch_size=32, epochs=3, seed=9) == []  # 96 steps: 6 flushes


@pytest.mark.parametrize("threads", [1, 2])
def test_wide_layers_with_one_and_two_blas_threads(threads):
    make = maker(lambda: [Dense(256, "relu", kernel_regularizer=L2(1e-4)), Dense(128, "tanh"),
                          Dense(1, "sigmoid")], lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(300, 64, seed=3)
    with threadpool_limits(limits=threads, user_api="blas"):
        assert compare_with_fit(make, x, y, batch_size=128, epochs=1, seed=1) == []


def test_the_comparison_can_fail(monkeypatch):
    """compare_with_fit sees a one-function difference: NumPy's tanh loop in place of its exp loop."""
    from glassnet.compiled import state
    from glassnet.compiled.library import EXP, TANH, native_table

    def sabotaged(dtype):
        table = native_table(dtype)
        table[EXP:EXP + 2] = table[TANH:TANH + 2]
        return table

    monkeypatch.setattr(state, "native_table", sabotaged)
    make = maker(lecture_s, lambda: glassnet.Adam(1e-3), "binary_crossentropy")
    x, y = data(64, 30)
    problems = compare_with_fit(make, x, y, batch_size=16, epochs=1, seed=2)
    assert any("weight dense" in p and "differs" in p for p in problems)
    assert any(p.startswith("epoch 0: loss ") for p in problems)


def test_self_check_passes_on_this_machine():
    status = self_check()
    assert status.ok, status.reason


def test_importing_glassnet_or_the_package_does_not_import_numba():
    code = ("import sys, glassnet, glassnet.compiled; print('numba' in sys.modules, "
            "'glassnet.compiled.epoch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
