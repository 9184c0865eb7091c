"""The compiled engine with fit's Keras options and the layers, optimizers and metric objects that came with the
``.keras`` files: twins (``jit_compile=False`` / ``True``) give the same bits with ``class_weight``,
``initial_epoch``, ``validation_freq``, ``validation_batch_size`` and the metric objects (AUC, Precision, Recall,
RootMeanSquaredError, TopKCategoricalAccuracy, trained in whole epochs); what the engine does not compute
(BatchNormalization, GaussianNoise, Flatten, Nadam, Adamax) is refused by ``jit_compile=True`` before anything
changes and trained on the NumPy path under ``'auto'``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import glassnet
from glassnet import L2, BatchNormalization, Dense, Flatten, GaussianNoise, Sequential
from glassnet.metrics import AUC, Precision, Recall, RootMeanSquaredError, TopKCategoricalAccuracy

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from compiled_data import data, onehot, regression  # noqa: E402 - shared with the other compiled tests
from test_compiled_fit import assert_twins, lecture_s, make  # noqa: E402


def binary(metrics=None):
    return make(lecture_s, lambda: glassnet.Adam(1e-2), "binary_crossentropy", metrics=metrics)


FIT_OPTIONS = {
    "class_weight": {"class_weight": {0: 0.25, 1: 3.0}},
    "initial_epoch": {"initial_epoch": 2, "epochs": 4},
    "validation_freq 2 of 3 epochs": {"validation_split": 0.25, "validation_freq": [1, 3], "epochs": 3},
    "validation_batch_size": {"validation_split": 0.25, "validation_batch_size": 7},
}


@pytest.mark.parametrize("case", list(FIT_OPTIONS))
def test_fits_keras_options_give_the_numpy_paths_bits(case):
    x, y = data(97, 30)
    a, ha, b, hb = assert_twins(binary(["accuracy"]), x, y, **FIT_OPTIONS[case])
    assert b.engine.reason == "jit_compile=True"  # whole epochs: no step at a time
    if case.startswith("validation_freq"):
        assert len(hb.history["val_loss"]) == 2


METRIC_OBJECTS = {
    "AUC, Precision, Recall": (binary(), data(83, 30), [lambda: AUC(name="auc"), lambda: Precision(name="precision"),
                                                           lambda: Recall(name="recall")]),
    "RootMeanSquaredError": (
        make(lambda: [Dense(6, "tanh", name="h1"), Dense(2, name="out")], lambda: glassnet.SGD(0.05), "mse"),
        regression(61, 5, 2), [lambda: RootMeanSquaredError(name="rmse")]),
    "TopKCategoricalAccuracy": (
        make(lambda: [Dense(6, "relu", name="h1"), Dense(4, "softmax", name="out")], lambda: glassnet.Adam(0.01),
             "categorical_crossentropy"),
        onehot(58, 5, 4), [lambda: TopKCategoricalAccuracy(k=2, name="top_2")]),
}


@pytest.mark.parametrize("case", list(METRIC_OBJECTS))
def test_metric_objects_train_in_whole_compiled_epochs_with_the_numpy_paths_numbers(case):
    maker, (x, y), metric_types = METRIC_OBJECTS[case]

    def build(jit):
        model = maker(jit)
        model.compile(model.optimizer, model.loss, [m() for m in metric_types], jit_compile=jit)
        return model

    a, ha, b, hb = assert_twins(build, x, y, validation_split=0.2)
    assert b.engine.reason == "jit_compile=True"
    names = [m().name for m in metric_types]
    assert all(name in hb.history and f"val_{name}" in hb.history for name in names)


NOT_COMPUTED = {
    "BatchNormalization": (lambda: [Dense(5, name="h1"), BatchNormalization(name="bn"), Dense(1, "sigmoid")],
                           "adam", "layers of type BatchNormalization (layer 'bn'); only Dense"),
    "GaussianNoise": (lambda: [GaussianNoise(0.1, name="noise"), Dense(1, "sigmoid")], "adam",
                      "layers of type GaussianNoise (layer 'noise'); only Dense"),
    "Flatten": (lambda: [Flatten(name="flat"), Dense(1, "sigmoid")], "adam",
                "layers of type Flatten (layer 'flat'); only Dense"),
    "Nadam": (lambda: [Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], "nadam", "Nadam"),
    "Adamax": (lambda: [Dense(1, "sigmoid")], "adamax", "Adamax"),
}


@pytest.mark.parametrize("case", list(NOT_COMPUTED))
def test_what_the_engine_does_not_compute_is_refused_by_true_and_left_to_numpy_by_auto(case):
    layers, optimizer, named = NOT_COMPUTED[case]
    x, y = data(40, 3)
    refused = Sequential(layers(), seed=1)
    refused.compile(optimizer, "binary_crossentropy", jit_compile=True)
    with pytest.raises(ValueError, match="jit_compile=True") as raised:
        refused.fit(x, y, epochs=1, verbose=0)
    assert named in str(raised.value)
    assert not refused.built and refused.optimizer.iterations == 0  # refused before anything changed

    auto, numpy_path = Sequential(layers(), seed=1), Sequential(layers(), seed=1)
    auto.compile(optimizer, "binary_crossentropy")
    numpy_path.compile(optimizer, "binary_crossentropy", jit_compile=False)
    auto.fit(x, y, epochs=2, batch_size=8, seed=4, verbose=0)
    numpy_path.fit(x, y, epochs=2, batch_size=8, seed=4, verbose=0)
    assert auto.engine.engine == "numpy" and named in auto.engine.reason
    assert [w.tobytes() for w in auto.get_weights()] == [w.tobytes() for w in numpy_path.get_weights()]


def test_sums_of_more_than_128_items_inside_the_compiled_epoch():
    """NumPy sums more than 128 items as a tree (:mod:`glassnet.compiled.reductions`), which the compiled epoch
    walks with a stack in its own frame: batches of 160 rows (the data loss, one output's bias gradient) and a
    global norm over 30·20 + 20 + 20 + 1 = 661 weights (clipping), with a partial last batch of 90."""
    x, y = data(410, 30)
    build = make(lambda: [Dense(20, "relu", kernel_regularizer=L2(0.01), name="h1"), Dense(1, "sigmoid", name="out")],
                 lambda: glassnet.Adam(0.05, global_clipnorm=0.1), "binary_crossentropy", metrics=["accuracy"])
    assert_twins(build, x, y, batch_size=160, epochs=3)


COLD_PROCESS = """
import numpy as np, glassnet
from glassnet import L2, Dense, Sequential
rng = np.random.default_rng(0)
x = rng.normal(size=(410, 30)).astype("float32")
y = (x[:, 0] > 0).astype("float32")
weights = []
for jit in (True, False):
    model = Sequential([Dense(20, "relu", kernel_regularizer=L2(0.01)), Dense(1, "sigmoid")], seed=3)
    model.compile(glassnet.Adam(0.05, global_clipnorm=0.1), "binary_crossentropy", jit_compile=jit)
    model.fit(x, y, batch_size=160, epochs=2, seed=1, verbose=0)
    weights.append(b"".join(w.tobytes() for w in model.get_weights()))
    print(model.engine.engine)
print(weights[0] == weights[1])
"""


def test_the_engine_compiles_in_a_process_with_an_empty_cache(tmp_path):
    """Every compiled function is typed and compiled from nothing — as on a fresh install — when the first call
    comes from the epoch compiled without reference counting (a warm cache from other tests could hide a
    function that only compiles with it)."""
    import os
    import subprocess

    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", COLD_PROCESS], capture_output=True, text=True, env=environment,
                          timeout=600, check=False)
    assert done.stdout.split() == ["compiled", "numpy", "True"], done.stderr[-3000:]
