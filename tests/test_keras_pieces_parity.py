"""Parity with Keras 3 for the pieces tutorials use (issue 12, item 3): Nadam and Adamax, the metrics (AUC,
Precision, Recall, RootMeanSquaredError, TopKCategoricalAccuracy, as objects and as strings), ``class_weight``,
``initial_epoch``, ``validation_freq``, ``validation_batch_size``, ReduceLROnPlateau and LearningRateScheduler
(with the learning rate in History), CSVLogger's file, Flatten on images and ``to_categorical``.

Same initial weights, same data, no shuffling; rtol 1e-5 as in tests/test_keras_parity.py.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import glassnet
from glassnet import L2, Dense, Flatten, Sequential, metrics

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from test_keras_parity import LECTURE, assert_weights_close, binary_data, twin_models  # noqa: E402

RTOL = 1e-5
# Keras's own callbacks read its learning-rate variable through np.array(copy=False), which NumPy 2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def _assert_history(g_hist, k_hist, what: str) -> None:
    assert set(k_hist.history) <= set(g_hist.history), what
    assert g_hist.epoch == k_hist.epoch, what
    for key, theirs in k_hist.history.items():
        np.testing.assert_allclose(g_hist.history[key], theirs, rtol=RTOL, err_msg=f"{what}: {key}")


# --- optimizers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, options", [("Nadam", {}), ("Adamax", {}), ("Nadam", {"clipnorm": 0.1}),
                                           ("Adamax", {"weight_decay": 0.01, "global_clipnorm": 1.0})])
def test_nadam_and_adamax_match_keras_over_100_steps(name, options):
    x, y = binary_data(n=3200, seed=1)
    k_model, g_model = twin_models(30, LECTURE, seed=1)
    k_model.compile(optimizer=getattr(keras.optimizers, name)(1e-2, **options), loss="binary_crossentropy")
    g_model.compile(optimizer=getattr(glassnet.optimizers, name)(1e-2, **options), loss="binary_crossentropy")
    k_hist = k_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    worst = assert_weights_close(g_model, k_model, f"{name}{options}")
    print(f"\n{name}{options}: max relative weight difference after 100 steps {worst:.1e}")
    np.testing.assert_allclose(g_hist.history["loss"], k_hist.history["loss"], rtol=RTOL)
    defaults, keras_defaults = glassnet.optimizers.get(name.lower()).get_config(), \
        getattr(keras.optimizers, name)().get_config()
    for key in ("learning_rate", "beta_1", "beta_2", "epsilon"):
        assert defaults[key] == pytest.approx(keras_defaults[key], rel=1e-7), key


# --- metrics ------------------------------------------------------------------------------------------------
METRIC_CASES = {
    "AUC": {}, "AUC PR": {"curve": "PR"}, "AUC minoring": {"summation_method": "minoring"},
    "AUC majoring PR": {"curve": "PR", "summation_method": "majoring"}, "AUC 7": {"num_thresholds": 7},
    "AUC thresholds": {"thresholds": [0.1, 0.5, 0.77]}, "AUC multi_label": {"multi_label": True},
    "AUC logits": {"from_logits": True},
    "Precision": {}, "Precision 0.3": {"thresholds": 0.3}, "Precision class_id": {"class_id": 1},
    "Recall": {}, "Recall 0.7": {"thresholds": 0.7}, "RootMeanSquaredError": {},
}


@pytest.mark.parametrize("case", sorted(METRIC_CASES))
def test_metric_objects_match_keras_over_several_batches(case):
    rng = np.random.default_rng(len(case))
    y = (rng.random((300, 3)) > 0.6).astype("float32")
    p = rng.random((300, 3)).astype("float32")
    p[:20] = np.round(p[:20] * 199) / 199  # scores exactly at thresholds: the bucketing must agree
    if "logits" in case:
        p = rng.normal(scale=3, size=(300, 3)).astype("float32")
    cls = case.split()[0]
    theirs, mine = getattr(keras.metrics, cls)(**METRIC_CASES[case]), getattr(metrics, cls)(**METRIC_CASES[case])
    for rows in (slice(0, 100), slice(100, 101), slice(101, 300)):
        theirs.update_state(y[rows], p[rows])
        mine.update(y[rows], p[rows])
    assert mine.result() == pytest.approx(float(theirs.result()), rel=RTOL, abs=1e-7)
    assert mine.direction == ("down" if cls == "RootMeanSquaredError" else "up")


@pytest.mark.parametrize("k", [1, 2, 5])
def test_top_k_categorical_accuracy_matches_keras(k):
    rng = np.random.default_rng(k)
    y = np.eye(6, dtype="float32")[rng.integers(0, 6, 200)]
    p = rng.random((200, 6)).astype("float32")
    p[:10] = 0.5  # ties straddling the boundary count as in the top k (TensorFlow's in_top_k)
    theirs, mine = keras.metrics.TopKCategoricalAccuracy(k=k), metrics.TopKCategoricalAccuracy(k=k)
    theirs.update_state(y, p)
    mine.update(y, p)
    assert mine.result() == pytest.approx(float(theirs.result()), rel=RTOL)


def test_metrics_as_strings_and_objects_in_fit_and_evaluate_match_keras():
    """compile(metrics=[...]) with Keras's string forms (the string is the History key) and objects."""
    x, y = binary_data(n=400, seed=2)
    k_model, g_model = twin_models(30, LECTURE, seed=2)
    names = ["accuracy", "AUC", "precision", "Recall", "root_mean_squared_error"]
    k_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="BinaryCrossentropy",
                    metrics=[*names, keras.metrics.AUC(name="pr_auc", curve="PR")])
    g_model.compile(optimizer=glassnet.Adam(1e-3), loss="BinaryCrossentropy",
                    metrics=[*names, metrics.AUC(name="pr_auc", curve="PR")])
    k_hist = k_model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
    _assert_history(g_hist, k_hist, "metrics by name")
    k_eval = k_model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    g_eval = g_model.evaluate(x, y, batch_size=64, return_dict=True)
    assert set(g_eval) == set(k_eval)
    for key in k_eval:
        np.testing.assert_allclose(g_eval[key], k_eval[key], rtol=RTOL, err_msg=key)
    assert g_model.metrics_names == ["loss", *names, "pr_auc"]
    assert g_model.evaluate(x, y, batch_size=64) == pytest.approx([g_eval[n] for n in g_model.metrics_names])


# --- fit's options ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss, n_out", [("binary_crossentropy", 1), ("sparse_categorical_crossentropy", 3),
                                         ("categorical_crossentropy", 3)])
def test_class_weight_training_matches_keras(loss, n_out):
    """class_weight becomes per-row weights of the training rows (after validation_split), as Keras's data
    adapter makes them: weights and History at rtol 1e-5."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 6)).astype("float32")
    labels = np.minimum((x[:, 0] > 0.8).astype(int) + (x[:, 1] > 1.0).astype(int), n_out - 1)
    y = labels.astype("float32") if loss != "categorical_crossentropy" else np.eye(n_out, dtype="float32")[labels]
    class_weight = {0: 0.5, 1: 3.0, 2: 7.5} if n_out == 3 else {0: 0.4, 1: 2.5}
    spec = [(8, "tanh", L2(0.01), None), (n_out, "sigmoid" if n_out == 1 else "softmax", None, None)]
    k_model, g_model = twin_models(6, spec, seed=3)
    k_model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
    g_model.compile(optimizer=glassnet.SGD(0.1), loss=loss, metrics=["accuracy"])
    k_hist = k_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, class_weight=class_weight,
                         validation_split=0.2)
    g_hist = g_model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, class_weight=class_weight,
                         validation_split=0.2)
    _assert_history(g_hist, k_hist, f"class_weight, {loss}")
    worst = assert_weights_close(g_model, k_model, f"class_weight, {loss}")
    print(f"\nclass_weight {loss}: max relative weight difference {worst:.1e}")


def test_initial_epoch_validation_freq_and_validation_batch_size_match_keras():
    x, y = binary_data(n=320, seed=4)
    k_model, g_model = twin_models(30, LECTURE, seed=4)
    k_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    g_model.compile(optimizer=glassnet.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    options = dict(batch_size=32, epochs=7, initial_epoch=2, validation_freq=2, validation_batch_size=7,
                   validation_split=0.25, shuffle=False, verbose=0)
    k_hist, g_hist = k_model.fit(x, y, **options), g_model.fit(x, y, **options)
    assert g_hist.epoch == [2, 3, 4, 5, 6]
    assert len(g_hist.history["val_loss"]) == 2  # after epochs 4 and 6 (counted from 1)
    _assert_history(g_hist, k_hist, "initial_epoch/validation_freq")
    k_hist = k_model.fit(x, y, **{**options, "validation_freq": [1, 3], "initial_epoch": 0, "epochs": 3})
    g_hist = g_model.fit(x, y, **{**options, "validation_freq": [1, 3], "initial_epoch": 0, "epochs": 3})
    _assert_history(g_hist, k_hist, "validation_freq as a list")
    assert_weights_close(g_model, k_model, "initial_epoch/validation_freq")


# --- learning-rate callbacks, CSVLogger -----------------------------------------------------------------------
def test_reduce_lr_on_plateau_with_cooldown_and_min_delta_matches_keras():
    """A min_delta too large to beat: the rate is halved after every `patience` epochs, not during cooldown,
    down to min_lr; History shows it every epoch."""
    x, y = binary_data(n=256, seed=5)
    k_model, g_model = twin_models(30, LECTURE, seed=5)
    k_model.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy")
    g_model.compile(optimizer=glassnet.SGD(0.05), loss="binary_crossentropy")
    settings = dict(monitor="loss", factor=0.5, patience=1, min_delta=0.5, cooldown=2, min_lr=0.01)
    k_hist = k_model.fit(x, y, batch_size=64, epochs=9, shuffle=False, verbose=0,
                         callbacks=[keras.callbacks.ReduceLROnPlateau(**settings)])
    g_hist = g_model.fit(x, y, batch_size=64, epochs=9, shuffle=False, verbose=0,
                         callbacks=[glassnet.callbacks.ReduceLROnPlateau(**settings)])
    _assert_history(g_hist, k_hist, "ReduceLROnPlateau")
    np.testing.assert_allclose(g_hist.history["learning_rate"],
                               [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01, 0.01, 0.01], rtol=1e-6)
    assert_weights_close(g_model, k_model, "ReduceLROnPlateau")


@pytest.mark.parametrize("schedule", [lambda epoch, lr: lr * 0.5 if epoch % 2 else lr,
                                      lambda epoch: 0.1 / (1 + epoch)], ids=["(epoch, lr)", "(epoch)"])
def test_learning_rate_scheduler_matches_keras(schedule):
    x, y = binary_data(n=256, seed=6)
    k_model, g_model = twin_models(30, LECTURE, seed=6)
    k_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    g_model.compile(optimizer=glassnet.SGD(0.1), loss="binary_crossentropy")
    k_hist = k_model.fit(x, y, batch_size=64, epochs=5, shuffle=False, verbose=0,
                         callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    g_hist = g_model.fit(x, y, batch_size=64, epochs=5, shuffle=False, verbose=0,
                         callbacks=[glassnet.callbacks.LearningRateScheduler(schedule)])
    _assert_history(g_hist, k_hist, "LearningRateScheduler")
    assert len(set(g_hist.history["learning_rate"])) > 1
    assert_weights_close(g_model, k_model, "LearningRateScheduler")


def test_csv_logger_writes_keras_columns_and_na_for_skipped_validation(tmp_path):
    x, y = binary_data(n=128, seed=7)
    k_model, g_model = twin_models(30, LECTURE, seed=7)
    k_model.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    g_model.compile(optimizer=glassnet.SGD(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    for model, lib in ((k_model, keras), (g_model, glassnet)):
        path = tmp_path / f"{lib.__name__}.csv"
        model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, validation_split=0.25, validation_freq=2,
                  callbacks=[lib.callbacks.CSVLogger(str(path), separator=";")])
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0,
                  callbacks=[lib.callbacks.CSVLogger(str(path), separator=";", append=True)])
    rows = {}
    for lib in ("keras", "glassnet"):
        with open(tmp_path / f"{lib}.csv", newline="") as handle:
            rows[lib] = list(csv.reader(handle, delimiter=";"))
    theirs, mine = rows["keras"], rows["glassnet"]
    assert [len(theirs), len(mine)] == [5, 5]  # header, 3 epochs, then 1 appended without a second header
    header = theirs[0]
    assert set(header) <= set(mine[0]) and mine[0][0] == "epoch" and mine[0][1:] == sorted(mine[0][1:])
    for their_row, my_row in zip(theirs[1:], mine[1:]):
        for column, value in zip(header, their_row):
            mine_value = my_row[mine[0].index(column)]
            if value == "NA" or mine_value == "NA":
                assert (value, mine_value) == ("NA", "NA"), column
            else:
                assert float(mine_value) == pytest.approx(float(value), rel=RTOL), column


# --- layers and utils ---------------------------------------------------------------------------------------
def test_flatten_on_images_matches_keras():
    rng = np.random.default_rng(8)
    x = rng.random((96, 4, 5)).astype("float32")
    y = rng.integers(0, 3, size=96).astype("float32")
    keras.utils.set_random_seed(8)
    k_model = keras.Sequential([keras.Input((4, 5)), keras.layers.Flatten(), keras.layers.Dense(8, "relu"),
                                keras.layers.Dense(3, "softmax")])
    g_model = Sequential([Flatten(input_shape=(4, 5)), Dense(8, "relu"), Dense(3, "softmax")])
    g_model.set_weights(k_model.get_weights())
    assert g_model.input_shape == (None, 20) and k_model.output_shape == g_model.output_shape == (None, 3)
    k_model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    g_model.compile(optimizer=glassnet.Adam(1e-2), loss="SparseCategoricalCrossentropy", metrics=["accuracy"])
    k_hist = k_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    g_hist = g_model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_history(g_hist, k_hist, "Flatten")
    np.testing.assert_allclose(g_model.predict(x), k_model.predict(x, verbose=0), rtol=RTOL, atol=1e-6)


@pytest.mark.parametrize("labels, num_classes", [([0, 2, 1, 2], None), ([[1], [0], [3]], 5), ([[0, 1], [2, 1]], 3),
                                                 (np.array([1.0, 0.0]), None)])
def test_to_categorical_matches_keras(labels, num_classes):
    mine = glassnet.utils.to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
    np.testing.assert_array_equal(mine, theirs)
