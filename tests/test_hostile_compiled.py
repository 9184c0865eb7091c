"""Faults around the compiled engine: whatever goes wrong, it says why and the caller keeps the NumPy path —
a missing numba, a wrong entry point, a model it does not compute, a bad learning rate, NaN in the data."""

from __future__ import annotations

import re
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


# --- compile(jit_compile=True): refused by fit before anything changes ----------------------------------------
def _untouched(model):
    """What a refused fit must leave as it was: built or not, the weights, the optimizer, the generator."""
    return (model.built, [w.tobytes() for w in model.get_weights()] if model.built else None,
            model.optimizer.iterations, model.optimizer.stepped_weights, str(model.rng.bit_generator.state),
            model.engine, model.last_fit)


REFUSED = {
    "Dropout": (lambda: [Dense(4, "relu"), glassnet.layers.Dropout(0.5, name="drop"), Dense(1, "sigmoid")], None,
                "the compiled engine does not compute layers of type Dropout (layer 'drop'); only Dense"),
    "elu": (lambda: [Dense(4, "elu", name="hidden"), Dense(1, "sigmoid")], None,
            "the compiled engine does not compute the activation elu(alpha=1.0) (layer 'hidden')"),
    "an optimizer of the user's own": (lambda: [Dense(4, "relu"), Dense(1, "sigmoid")], Sign,
                                       "the compiled engine does not compute the optimizer Sign"),
    "a regularizer callable": (lambda: [Dense(4, "relu", kernel_regularizer=lambda w: float(np.sum(w ** 4)),
                                              name="hidden"), Dense(1, "sigmoid")], None,
                               "the compiled engine does not compute the regularizer FunctionRegularizer on "
                               "hidden/kernel"),
}


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_jit_compile_true_refuses_what_the_engine_does_not_compute(case, built, outcome):
    layers, optimizer, why = REFUSED[case]
    model = Sequential(layers(), seed=0)
    model.compile((optimizer or glassnet.Adam)(0.01), "binary_crossentropy", jit_compile=True)
    if built:
        model.build((None, 3))
    before = _untouched(model)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    with pytest.raises(Unsupported, match=rf"^compile\(jit_compile=True\) asks for the compiled engine, but "
                                          rf"{re.escape(why)}\. Compile with jit_compile='auto' to train on the "
                                          rf"NumPy path instead\. Received: jit_compile=True$"):
        model.fit(x, (x[:, 0] > 0).astype("float32"), verbose=0)
    assert _untouched(model) == before
    outcome("refused cleanly")


@pytest.mark.parametrize("cause", ["numba missing", "self-check failed"])
def test_jit_compile_true_refuses_when_the_engine_cannot_run_here(cause, monkeypatch, outcome):
    from glassnet.engine import engines

    if cause == "numba missing":
        monkeypatch.setattr(engines.importlib.util, "find_spec", lambda name: None)
        why = "numba is not installed (pip install 'glassnet[fast]')"
    else:
        monkeypatch.setattr(selfcheck, "self_check", lambda: selfcheck.EngineStatus(False, "weight d/kernel differs"))
        why = "its self-check failed: weight d/kernel differs"
    model = small_model()
    model.compile(glassnet.Adam(0.01), "binary_crossentropy", jit_compile=True)
    before = _untouched(model)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    with pytest.raises(Unsupported, match=rf"but {re.escape(why)}\. Compile with jit_compile='auto'"):
        model.fit(x, (x[:, 0] > 0).astype("float32"), verbose=0)
    assert _untouched(model) == before
    outcome("refused cleanly")


def test_jit_compile_true_refuses_at_the_epoch_a_callback_makes_the_model_uncomputable(outcome):
    """A callback puts a penalty the engine does not compute on a weight before epoch 2: the fit stops there with
    the reason; the epochs before it stand (as an error raised by the callback itself would leave them)."""
    class Unsupportable(glassnet.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                self.model.layers[0].kernel.regularizer = glassnet.regularizers.FunctionRegularizer(
                    lambda w: float(np.sum(w ** 4)), gradient=lambda w: 4 * w ** 3)

    model = small_model(Dense(4, "relu", name="first"), Dense(1, "sigmoid"))
    model.compile(glassnet.Adam(0.01), "binary_crossentropy", jit_compile=True)
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    with pytest.raises(Unsupported, match="^The compiled engine does not compute the regularizer "
                                          "FunctionRegularizer on first/kernel"):
        model.fit(x, (x[:, 0] > 0).astype("float32"), epochs=4, batch_size=5, verbose=0, callbacks=[Unsupportable()])
    assert model.optimizer.iterations == 8  # epochs 0 and 1, four steps each
    outcome("refused cleanly")
