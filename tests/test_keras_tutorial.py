"""A typical Keras tutorial workflow, written once, run with ``keras`` and with ``glassnet`` as the import.

The workflow (imbalanced binary classification, as in TensorFlow's "Classification on imbalanced data"):
``Normalization.adapt``, L2 via ``regularizers.l2``, ``Dropout``, ``class_weight``, EarlyStopping +
ReduceLROnPlateau + CSVLogger + ModelCheckpoint, ``metrics=['accuracy', AUC()]``, ``evaluate(...,
return_dict=True)``, then the best checkpoint loaded back.

Where the two runs are deterministic — the same initial weights, no shuffling, dropout rate 0 — every number
must match Keras at rtol 1e-5: History (loss, accuracy, AUC, their val_ versions and the learning rate), the
epoch early stopping ends at, the weights it restores, the CSV file, evaluate's dict and the checkpoint's
predictions. With dropout on, the masks come from different generators: the same workflow must run and give the
same kinds of results.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from types import ModuleType

import keras
import numpy as np
import pytest

import glassnet
import glassnet.saving  # noqa: F401 - the tutorial reads lib.saving.load_model, as keras.saving.load_model

RTOL, ATOL = 1e-5, 1e-6
# Keras's own callbacks read its learning-rate variable through np.array(copy=False), which NumPy 2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def imbalanced_data(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Eight features on very different scales, about one row in five positive; train/val/test 60/20/20."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)) * np.array([1, 10, 100, 0.1, 5, 1, 50, 2]) + np.array([0, 5, -20, 1, 0, 3, 0, 9])
    logit = (x[:, 0] + x[:, 1] / 10 - x[:, 2] / 100 + 3 * x[:, 3] + rng.normal(scale=0.8, size=n)) - 1.8
    y = (logit > 0).astype("float32")
    x = x.astype("float32")
    a, b = int(0.6 * n), int(0.8 * n)
    return x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:]


# --- the tutorial: the same code for both libraries ------------------------------------------------------------
def build_model(lib: ModuleType, x_train: np.ndarray, dropout: float):
    normalizer = lib.layers.Normalization()
    normalizer.adapt(x_train)
    return lib.Sequential([
        lib.Input(shape=(x_train.shape[1],)),
        normalizer,
        lib.layers.Dense(32, activation="relu", kernel_regularizer=lib.regularizers.l2(1e-3)),
        lib.layers.Dropout(dropout),
        lib.layers.Dense(16, activation="relu", kernel_regularizer=lib.regularizers.l2(1e-3)),
        lib.layers.Dense(1, activation="sigmoid"),
    ])


def train(lib: ModuleType, model, data: tuple[np.ndarray, ...], folder: Path, shuffle: bool):
    x_train, y_train, x_val, y_val, x_test, y_test = data
    negatives, positives = np.bincount(y_train.astype(int))
    class_weight = {0: (1 / negatives) * (len(y_train) / 2.0), 1: (1 / positives) * (len(y_train) / 2.0)}
    model.compile(optimizer=lib.optimizers.Adam(learning_rate=1e-2), loss="binary_crossentropy",
                  metrics=["accuracy", lib.metrics.AUC(name="auc")])
    history = model.fit(
        x_train, y_train, batch_size=64, epochs=25, validation_data=(x_val, y_val), class_weight=class_weight,
        shuffle=shuffle, verbose=0,
        callbacks=[
            lib.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=6, restore_best_weights=True),
            lib.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-4),
            lib.callbacks.CSVLogger(str(folder / "training.csv")),
            lib.callbacks.ModelCheckpoint(str(folder / "best.keras"), monitor="val_auc", mode="max",
                                          save_best_only=True),
        ])
    results = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)
    best = lib.saving.load_model(str(folder / "best.keras"))
    return history, results, best


# --- the checks -----------------------------------------------------------------------------------------------
def _copy_dense_weights(k_model, g_model) -> None:
    """Keras's initial Dense weights into glassnet (Normalization is adapted by each library itself)."""
    k_dense = [layer for layer in k_model.layers if isinstance(layer, keras.layers.Dense)]
    g_dense = [layer for layer in g_model.layers if isinstance(layer, glassnet.Dense)]
    for k_layer, g_layer in zip(k_dense, g_dense):
        kernel, bias = k_layer.get_weights()
        g_layer.kernel.value[...] = kernel
        g_layer.bias.value[...] = bias


def _csv(path: Path) -> dict[str, list[float]]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [float(row[key]) for row in rows] for key in rows[0]}


def test_the_tutorial_matches_keras_where_it_is_deterministic(tmp_path):
    data = imbalanced_data()
    keras.utils.set_random_seed(0)
    k_model = build_model(keras, data[0], dropout=0.0)
    g_model = build_model(glassnet, data[0], dropout=0.0)
    _copy_dense_weights(k_model, g_model)
    (tmp_path / "keras").mkdir()
    (tmp_path / "glassnet").mkdir()
    k_history, k_results, k_best = train(keras, k_model, data, tmp_path / "keras", shuffle=False)
    g_history, g_results, g_best = train(glassnet, g_model, data, tmp_path / "glassnet", shuffle=False)

    # History: Keras's keys (the learning rate included), every epoch, at rtol 1e-5; early stopping at the same epoch
    assert {"loss", "accuracy", "auc", "val_loss", "val_auc", "learning_rate"} <= set(k_history.history)
    assert set(k_history.history) <= set(g_history.history)
    assert g_history.epoch == k_history.epoch and len(k_history.epoch) < 25  # it stopped early
    for key, theirs in k_history.history.items():
        np.testing.assert_allclose(g_history.history[key], theirs, rtol=RTOL, err_msg=key)
    assert len(set(g_history.history["learning_rate"])) > 1  # ReduceLROnPlateau acted
    # Keras's Normalization has a third weight (count): glassnet's weights are Keras's without it
    k_weights = [w for i, w in enumerate(k_model.get_weights()) if i != 2]
    worst = max(float(np.max(np.abs(mine - theirs) / np.maximum(np.abs(theirs), 1e-3)))
                for mine, theirs in zip(g_model.get_weights(), k_weights))
    print(f"\ntutorial: {len(k_history.epoch)} epochs, lr {k_history.history['learning_rate'][-1]:g} at the end, "
          f"max relative weight difference {worst:.1e}, test AUC Keras {k_results['auc']:.6f} glassnet "
          f"{g_results['auc']:.6f}")
    # the weights early stopping restored, and evaluate's dict
    assert len(g_model.get_weights()) == len(k_weights) == 8
    for mine, theirs in zip(g_model.get_weights(), k_weights):
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL)
    assert set(g_results) == set(k_results) == {"loss", "accuracy", "auc"}
    for key in k_results:
        np.testing.assert_allclose(g_results[key], k_results[key], rtol=RTOL, err_msg=key)
    # the CSV file: Keras's columns, the same rows
    k_csv, g_csv = _csv(tmp_path / "keras" / "training.csv"), _csv(tmp_path / "glassnet" / "training.csv")
    assert set(k_csv) <= set(g_csv)
    for key, theirs in k_csv.items():
        np.testing.assert_allclose(g_csv[key], theirs, rtol=RTOL, err_msg=f"training.csv column {key}")
    # the best checkpoint, loaded back: the same predictions
    x_test = data[4]
    np.testing.assert_allclose(g_best.predict(x_test), k_best.predict(x_test, verbose=0), rtol=RTOL, atol=ATOL)


def test_the_tutorial_with_dropout_runs_with_glassnet_as_the_import(tmp_path):
    data = imbalanced_data(seed=1)
    model = build_model(glassnet, data[0], dropout=0.3)
    history, results, best = train(glassnet, model, data, tmp_path, shuffle=True)
    assert {"loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc", "learning_rate", "data_loss",
            "penalty_loss"} <= set(history.history)
    assert set(results) == {"loss", "accuracy", "auc"} and results["auc"] > 0.85
    logged = _csv(tmp_path / "training.csv")
    assert logged["epoch"] == [float(e) for e in history.epoch]
    np.testing.assert_allclose(logged["val_auc"], history.history["val_auc"], rtol=1e-12)
    best_epoch = int(np.argmax(history.history["val_auc"]))
    assert best.evaluate(data[2], data[3], batch_size=256, return_dict=True)["auc"] == pytest.approx(
        history.history["val_auc"][best_epoch], rel=1e-9)
    assert os.path.getsize(tmp_path / "best.keras") > 0
