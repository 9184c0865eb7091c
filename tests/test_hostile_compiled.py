"""Faults around the compiled engine: whatever goes wrong, it says why and the caller keeps the NumPy path —
a missing numba, a wrong entry point, a model it does not compute, a bad learning rate, NaN in the data."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import glassnet
from glassnet import Dense, Sequential
from glassnet.compiled import selfcheck
from glassnet.compiled.plan import Unsupported, plan_for
from glassnet.compiled.state import EpochState, run_epoch


def small_model(*layers, loss="binary_crossentropy", optimizer=None, dtype="float32"):
    model = Sequential(list(layers) or [Dense(4, "relu"), Dense(1, "sigmoid")], seed=0, dtype=dtype)
    model.compile(optimizer or glassnet.Adam(0.01), loss)
    model.build((None, 3))
    return model


def test_self_check_reports_a_missing_numba(monkeypatch, outcome):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    status = selfcheck.self_check.__wrapped__()
    assert not status.ok and status.reason == "numba is not installed (pip install 'glassnet[fast]')"
    outcome("recovered")


def test_self_check_reports_a_mismatch_instead_of_raising(monkeypatch, outcome):
    from glassnet.compiled import state
    from glassnet.compiled.library import LOG, TANH, native_table

    def sabotaged(dtype):
        table = native_table(dtype)
        table[TANH:TANH + 2] = table[LOG:LOG + 2]  # NaN for negative inputs: a visible difference
        return table

    monkeypatch.setattr(state, "native_table", sabotaged)
    status = selfcheck.self_check.__wrapped__()
    assert not status.ok
    assert status.reason.startswith("self-check 'float32 binary': the compiled epoch differs from fit: ")
    outcome("recovered")


def test_self_check_reports_a_missing_entry_point(monkeypatch, outcome):
    from glassnet.compiled import library

    def missing(dtype):
        raise library.EngineUnavailable("symbol scipy_cblas_sgemm64_ not found in libfoo.so")

    monkeypatch.setattr(library, "native_table", missing)
    status = selfcheck.self_check.__wrapped__()
    assert status == selfcheck.EngineStatus(False, "EngineUnavailable: symbol scipy_cblas_sgemm64_ not found in "
                                                   "libfoo.so")
    outcome("recovered")


class SquaredHinge(glassnet.losses.MeanSquaredError):
    """A loss of the user's own (a subclass may compute anything: the engine computes exact types only)."""

    name = "squared_hinge"


class Sign(glassnet.optimizers.SGD):
    """An optimizer of the user's own."""


def frozen(model):
    model.layers[0].weights[1].trainable = False
    return model


UNSUPPORTED = [
    (lambda: small_model(Dense(4, "relu"), glassnet.layers.Dropout(0.5), Dense(1, "sigmoid")),
     "layers of type Dropout"),
    (lambda: small_model(Dense(4, "elu"), Dense(1, "sigmoid")), "the activation elu"),
    (lambda: small_model(Dense(4, "relu", activity_regularizer="l2"), Dense(1, "sigmoid")),
     "activity regularizers"),
    (lambda: small_model(Dense(4, "relu", kernel_constraint=glassnet.constraints.MaxNorm(1.0)),
                         Dense(1, "sigmoid")), "constraints"),
    (lambda: frozen(small_model()), "non-trainable or constrained weights"),
    (lambda: small_model(Dense(4, "relu", kernel_regularizer=lambda w: float(np.sum(w ** 4))), Dense(1)),
     "the regularizer FunctionRegularizer"),
    (lambda: small_model(loss=SquaredHinge()), "the loss SquaredHinge()"),
    (lambda: small_model(optimizer=Sign()), "the optimizer Sign"),
]


@pytest.mark.parametrize("build, what", UNSUPPORTED, ids=[w for _, w in UNSUPPORTED])
def test_models_it_does_not_compute_are_refused_by_name(build, what, outcome):
    model = build()
    with pytest.raises(Unsupported, match=f"^The compiled engine does not compute {what}"):
        plan_for(model)
    outcome("refused cleanly")


def test_an_unbuilt_model_is_refused(outcome):
    model = Sequential([Dense(2)])
    with pytest.raises(Unsupported, match=r"needs a built and compiled model .* Received: built=False, "
                                          r"compiled=False"):
        plan_for(model)
    outcome("refused cleanly")


def test_a_bad_learning_rate_stops_the_run_before_that_step(outcome):
    rates = {0: 0.1, 1: 0.1, 2: float("nan")}
    model = small_model(optimizer=glassnet.SGD(lambda step: rates.get(step, 0.1)))
    plan = plan_for(model)
    state = EpochState.from_model(model, plan)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    result = run_epoch(plan, state, model.optimizer, x, (x[:, :1] > 0).astype("float32"), np.arange(20), 4)
    assert (result.batches, result.status, state.iterations) == (2, "learning-rate", 2)
    outcome("nothing lost")


def test_nan_in_the_data_stops_the_guarded_run_before_the_update(outcome):
    model = small_model()
    plan = plan_for(model)
    x = np.random.default_rng(1).normal(size=(20, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    before = EpochState.from_model(model, plan)
    clean = run_epoch(plan, before, model.optimizer, x, y, np.arange(20), 4, stop_batch=2)
    x[9, 1] = np.nan  # row 9 is in batch 2
    state = EpochState.from_model(model, plan)
    result = run_epoch(plan, state, model.optimizer, x, y, np.arange(20), 4, guard=True)
    assert (result.batches, result.status, state.iterations) == (2, "nonfinite-before-update", 2)
    assert clean.batches == 2 and np.array_equal(state.theta, before.theta)
    assert np.array_equal(state.slots, before.slots)
    outcome("nothing lost")
