"""Hostile inputs and faults around the Keras pieces of issue 12 (item 3); every case is counted by how it ended.

- refused cleanly: a model file whose new parts (BatchNormalization's statistics, GaussianNoise, Flatten, Nadam,
  Adamax, metric objects) are out of range or unknown is refused with a ModelFileError naming the place; a
  hostile ``class_weight``, config or callback argument is refused before anything changes;
- nothing lost: a step interrupted or refused in a model with batch normalization puts back the moving
  statistics with the weights, and a schedule that fails between epochs keeps every finished epoch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import (
    BatchNormalization,
    CSVLogger,
    Dense,
    Flatten,
    GaussianNoise,
    LearningRateScheduler,
    ModelFileError,
    Nadam,
    NonFiniteError,
    Sequential,
    metrics,
)

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from test_hostile_files import edited, poison  # noqa: E402 - the file editors the other hostile-file tests use
from test_hostile_keras_files import setter  # noqa: E402 - a change to one place of a Keras config


def data(n=64, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def tutorial_model():
    model = Sequential([Dense(6, use_bias=False, name="hidden"), BatchNormalization(name="bn"),
                        GaussianNoise(0.1, seed=1, name="noise"), Flatten(name="flat"),
                        Dense(1, "sigmoid", name="out")], seed=0)
    model.compile(Nadam(0.01), "binary_crossentropy", metrics=["accuracy", metrics.AUC(name="auc")])
    model.fit(*data(), epochs=1, batch_size=16, verbose=0)
    return model


def _layer(index, key, value):
    def change(config):
        config["model"]["layers"][index]["config"][key] = value
    return change


def _metric(key, value):
    def change(config):
        config["compile"]["metrics"][1]["config"][key] = value
    return change



HOSTILE_FILES = {
    "negative moving variance": (None, poison("bn/moving_variance", -1.0),
                                 r"tensor 'bn/moving_variance'.*variances ≥ 0"),
    "NaN moving mean": (None, poison("bn/moving_mean", float("nan")), r"bn/moving_mean"),
    "momentum 2": (_layer(1, "momentum", 2.0), None, r"`momentum` must be in \[0, 1\]"),
    "epsilon 0": (_layer(1, "epsilon", 0.0), None, r"`epsilon` must be a finite number > 0"),
    "scale off, gamma still in the file": (_layer(1, "scale", False), None, r"config.weights"),
    "axis 0": (_layer(1, "axis", 0), None, r"`axis` must be -1"),
    "noise stddev 5": (_layer(2, "stddev", 5.0), None, r"`stddev` must be a number between 0 and 1"),
    "noise seed dropped": (_layer(2, "seed", None), None, r"layer_rngs\[2\]"),
    "flatten with units": (_layer(3, "units", 3), None, r"config.model.layers\[3\].config"),
    "Nadam beta_1 = 1": (setter(["compile", "optimizer", "config", "beta_1"], 1.0), None, r"`beta_1` must be in"),
    "AUC 10^12 thresholds": (_metric("num_thresholds", 10**12), None, r"`num_thresholds` must be an integer > 1"),
    "AUC threshold 2": (_metric("thresholds", [0.5, 2.0]), None, r"`thresholds` must be a list of numbers"),
    "AUC curve PRGAIN": (_metric("curve", "PRGAIN"), None, r"`curve` must be one of"),
    "AUC name with a terminal escape": (_metric("name", "auc\x1b[2J"), None, r"metrics\[1\].config.name"),
    "metric class F1Score": (setter(["compile", "metrics", 1, "class_name"], "F1Score"), None,
                             r"must be one of glassnet's metric classes"),
    "metric as a number": (setter(["compile", "metrics", 1], 3), None, r"config.compile.metrics\[1\]"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_model_files_are_refused(tmp_path, case, outcome):
    change_config, change_tensor, message = HOSTILE_FILES[case]  # change_tensor: poison(name, value) or None
    path = tmp_path / "model.glassnet"
    tutorial_model().save(path)
    glassnet.load_model(path)  # the file as saved loads
    path.write_bytes(edited(path.read_bytes(), change_header=change_tensor, change_config=change_config))
    with pytest.raises(ModelFileError, match=message):
        glassnet.load_model(path)
    outcome("refused cleanly")


HOSTILE_ARGUMENTS = {
    "class index 10^12": ({"class_weight": {10**12: 2.0}}, None),  # accepted: it weighs no row, allocates nothing
    "class weight NaN": ({"class_weight": {0: float("nan")}}, r"finite weight ≥ 0"),
    "class weight as a string": ({"class_weight": {0: "2"}}, r"finite weight ≥ 0"),
    "validation_freq generator": ({"validation_freq": (e for e in [1])}, r"`validation_freq` must be an integer"),
    "CSV file in a missing folder": ({"callbacks": "missing"}, r"No such file or directory"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ARGUMENTS))
def test_hostile_fit_arguments_change_nothing(tmp_path, case, outcome):
    kwargs, message = HOSTILE_ARGUMENTS[case]
    if kwargs.get("callbacks") == "missing":
        kwargs = {"callbacks": [CSVLogger(tmp_path / "missing" / "log.csv")]}
    model = tutorial_model()
    before, iterations = model.get_weights(), model.compiled_optimizer.iterations
    x, y = data(seed=1)
    if message is None:
        reference = tutorial_model()
        model.fit(x, y, epochs=1, verbose=0, seed=2, **kwargs)
        reference.fit(x, y, epochs=1, verbose=0, seed=2)
        for mine, theirs in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_array_equal(mine, theirs)
        outcome("nothing lost")
        return
    with pytest.raises((ValueError, TypeError, OSError), match=message):
        model.fit(x, y, epochs=1, verbose=0, **kwargs)
    assert model.compiled_optimizer.iterations == iterations
    for mine, old in zip(model.get_weights(), before):
        np.testing.assert_array_equal(mine, old)
    outcome("refused cleanly")


def test_hostile_configs_are_refused(outcome):
    config = Sequential([Dense(2)]).get_config()
    for bad in ({**config, "layers": [{"class_name": "__import__", "config": {"name": "os"}}]},
                {**config, "layers": [{"class_name": "Dense", "config": {"units": 2, "activation": "os.system"}}]},
                {**config, "layers": [{"class_name": "Dense", "config": {"units": -1}}]},
                {**config, "exec": "print('hi')"}):
        with pytest.raises((ValueError, TypeError)):
            Sequential.from_config(bad)
        outcome("refused cleanly")


@pytest.mark.parametrize("fault", ["KeyboardInterrupt", "NaN"])
def test_a_stopped_step_puts_back_the_moving_statistics(fault, outcome):
    model = tutorial_model()
    before, iterations = model.get_weights(), model.compiled_optimizer.iterations
    x, y = data(seed=3)
    if fault == "NaN":
        x[5] = 3e38  # finite, but it overflows the first layer: NaN in the batch statistics and the loss
        expected = NonFiniteError
    else:
        model.step_observers.append(lambda state, optimizer: (_ for _ in ()).throw(KeyboardInterrupt))
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert model.compiled_optimizer.iterations == iterations
    for mine, old, weight in zip(model.get_weights(), before, model.weights):
        np.testing.assert_array_equal(mine, old, err_msg=weight.path)
    outcome("nothing lost")


def test_a_schedule_failing_between_epochs_keeps_the_finished_ones(outcome):
    model = tutorial_model()
    x, y = data(seed=4)
    kept = []

    def schedule(epoch, lr):
        if epoch == 2:
            raise RuntimeError("schedule service unavailable")
        return lr

    with pytest.raises(RuntimeError, match="schedule service unavailable"):
        model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[
            LearningRateScheduler(schedule), glassnet.LambdaCallback(
                on_epoch_end=lambda epoch, logs: kept.append(model.get_weights()))])
    assert len(kept) == 2
    for mine, after_two in zip(model.get_weights(), kept[-1]):
        np.testing.assert_array_equal(mine, after_two)
    outcome("nothing lost")


def test_auc_survives_non_finite_outputs(outcome):
    """With on_nonfinite='ignore' (Keras's behaviour) NaN outputs reach the metrics: AUC counts them in its
    lowest bucket instead of crashing, as Keras's bucketing does."""
    metric = metrics.AUC()
    metric.update(np.array([[1.0], [0.0], [1.0]]), np.array([[np.nan], [0.2], [np.inf]]))
    assert np.isfinite(metric.result())
    outcome("recovered")
