"""Faults inside a compiled fit end exactly as on the NumPy path: NaN/inf in a loss, a weight, an update or an
optimizer slot; a learning rate that is not a finite number > 0; with ``on_nonfinite`` 'raise', 'warn' and
'ignore'. The compiled run leaves the refused step undone and the NumPy path runs it again, so the error (type,
message, epoch, batch, layer, weight, part), the warning, History and every bit of the state are the NumPy
path's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import SGD, Adagrad, Adam, Dense, NonFiniteError, RMSprop, Sequential
from glassnet.optimizers.schedules import LearningRateSchedule


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


class Spiking(LearningRateSchedule):
    """0.01, then ``value`` from step ``at`` on (a schedule bug)."""

    def __init__(self, value, at=2):
        self.value, self.at = value, at

    def __call__(self, step):
        return 0.01 if step < self.at else self.value


def run(optimizer, jit, x, y, weights=None, dtype="float32", **fit_args):
    """Fit a small model with ``jit_compile=jit``; return (model, History or None, error or None, warnings)."""
    model = Sequential([Dense(8, "relu", name="h1"), Dense(1, "sigmoid", name="out")], seed=0, dtype=dtype)
    model.compile(optimizer(), "binary_crossentropy", ["accuracy", "mse"], jit_compile=jit)
    model.build((None, x.shape[1]))
    if weights is not None:
        model.set_weights(weights(model.get_weights()))
    history = error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            history = model.fit(x, y, verbose=0, **{"batch_size": 8, "epochs": 3, "shuffle": False, **fit_args})
        except Exception as exc:  # noqa: BLE001 - the exception itself is what is compared
            error = exc
    return model, history, error, [(w.category, str(w.message)) for w in caught]


def described(error):
    if error is None:
        return None
    return (type(error), str(error), getattr(error, "epoch", None), getattr(error, "batch", None),
            getattr(error, "layer", None), getattr(error, "weight", None), getattr(error, "part", None))


def state(model):
    return ([w.tobytes() for w in model.get_weights()], [a.tobytes() for a in model.optimizer.state_arrays()],
            model.optimizer.iterations)


def history(h):
    return None if h is None else {key: np.array(values, np.float64).tobytes() for key, values in h.history.items()}


def assert_same_ending(optimizer, x, y, **kwargs):
    """Both engines end alike; returns the NumPy path's (model, History, error, warnings)."""
    a, b = run(optimizer, False, x, y, **kwargs), run(optimizer, True, x, y, **kwargs)
    assert b[0].engine.compiled
    assert described(a[2]) == described(b[2])
    assert a[3] == b[3]
    assert history(a[1]) == history(b[1])
    assert state(a[0]) == state(b[0])
    return a


@pytest.mark.parametrize("on_nonfinite", ["raise", "warn", "ignore"])
def test_diverging_training(outcome, on_nonfinite):
    x, y = data()
    model, h, error, caught = assert_same_ending(lambda: SGD(1e30), x, y, on_nonfinite=on_nonfinite,
                                                 validation_split=0.25)  # NaN outputs through the metrics too
    if on_nonfinite == "raise":
        assert isinstance(error, NonFiniteError) and (error.epoch, error.batch) == (0, 1)
        outcome("nothing lost")
    elif on_nonfinite == "warn":
        assert "NaN/inf in epoch 0, batch 1" in caught[0][1]
        outcome("recovered")
    else:  # Keras's behaviour: NaN flows on, into History
        assert error is None and np.isnan(h.history["loss"][-1]) and np.isnan(h.history["val_loss"][-1])
        outcome("recovered")


def test_a_weight_that_is_inf_before_the_fit(outcome):
    x, y = data()

    def poisoned(weights):
        weights[2] = weights[2].copy()
        weights[2][3, 0] = np.inf
        return weights
    _, _, error, _ = assert_same_ending(lambda: SGD(0.1), x, y, weights=poisoned)
    assert (error.epoch, error.batch, error.weight, error.part) == (0, 0, "kernel", "weight")
    outcome("nothing lost")


def test_an_update_that_overflows(outcome):
    x, y = data()
    _, _, error, _ = assert_same_ending(lambda: SGD(3e38), x * 100, y, epochs=1)
    assert "the update made weight" in str(error)
    outcome("nothing lost")


@pytest.mark.parametrize("optimizer", [lambda: RMSprop(0.01), lambda: Adagrad(0.01), lambda: Adam(0.01)],
                         ids=["RMSprop", "Adagrad", "Adam"])
@pytest.mark.parametrize("on_nonfinite", ["raise", "warn"])
def test_an_overflowing_optimizer_slot(outcome, optimizer, on_nonfinite):
    x, y = data()
    x[24:32] *= 1e22  # gradients ~1e21 are finite; their squares overflow float32
    _, _, error, caught = assert_same_ending(optimizer, x, y, on_nonfinite=on_nonfinite)
    assert "the update made the optimizer's" in (str(error) if error else caught[0][1])
    outcome("nothing lost")


@pytest.mark.parametrize("rate", [Spiking(float("inf")), Spiking(float("nan")), Spiking(0.0), Spiking(-0.5),
                                  lambda step: 0.01 if step < 2 else "0.01",
                                  lambda step: 0.01 if step < 2 else 10.0 ** 400,
                                  lambda step: 0.01 if step < 5 else 1 / (step - 5)],
                         ids=["inf", "nan", "zero", "negative", "string", "overflow", "zero division"])
def test_a_learning_rate_refused_at_its_step(outcome, rate):
    x, y = data()
    _, _, error, _ = assert_same_ending(lambda: SGD(rate, momentum=0.9), x, y)
    assert isinstance(error, (ValueError, TypeError, ZeroDivisionError))
    outcome("refused cleanly")


def test_a_step_refused_in_float64_after_many_good_epochs(outcome):
    x, y = data(40)
    rate = Spiking(1e305, at=23)  # epoch 4 of 5 batches: the update overflows float64
    _, h, error, _ = assert_same_ending(lambda: SGD(rate), x.astype("float64") * 1e3, y.astype("float64"),
                                        dtype="float64", epochs=6, on_nonfinite="warn")
    assert error is None and len(h.history["loss"]) == 5
    outcome("recovered")


def test_the_comparison_sees_a_one_function_difference(monkeypatch):
    """Twins differ when the compiled engine calls NumPy's tanh loop where it should call exp: the checks
    above can fail."""
    from glassnet.compiled import library
    from glassnet.compiled.library import EXP, TANH, native_table

    def sabotaged(dtype):
        table = native_table(dtype)
        table[EXP:EXP + 2] = table[TANH:TANH + 2]
        return table

    monkeypatch.setattr(library, "native_table", sabotaged)
    x, y = data()
    a, b = run(lambda: Adam(0.01), False, x, y), run(lambda: Adam(0.01), True, x, y)
    assert state(a[0]) != state(b[0]) and history(a[1]) != history(b[1])


def test_nan_targets_are_refused_before_either_engine_starts(outcome):
    x, y = data()
    y = y.copy()
    y[5] = np.nan
    a, b = run(lambda: SGD(0.1), False, x, y), run(lambda: SGD(0.1), True, x, y)
    assert described(a[2]) == described(b[2]) and isinstance(a[2], ValueError)
    assert a[0].engine is None and b[0].engine is None and state(a[0]) == state(b[0])
    outcome("refused cleanly")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_huge_inputs_through_sigmoid_and_softmax_clip_alike(outcome, dtype):
    """Saturated outputs (p = 0 or 1 exactly) on the clipped probability paths: the clipping's gradient mask."""
    x, y = data(48)
    x = x.astype(dtype) * 1e4
    for loss in ("binary_crossentropy", glassnet.losses.BinaryCrossentropy(from_logits=True)):
        def fitted(jit, loss=loss):
            model = Sequential([Dense(3, "relu", name="h1"), Dense(2, "softmax", name="out")], seed=1, dtype=dtype)
            model.compile(SGD(0.5), loss, jit_compile=jit)
            return model, model.fit(x, np.stack([y, 1 - y], 1).astype(dtype), epochs=2, batch_size=5, verbose=0)
        (a, ha), (b, hb) = fitted(False), fitted(True)
        assert state(a) == state(b) and history(ha) == history(hb)
    outcome("recovered", count=2)


@pytest.mark.parametrize("after", [0.05, 0.3])
def test_a_ctrl_c_during_a_compiled_fit_leaves_the_state_of_a_completed_step(outcome, after):
    """SIGINT lands inside a compiled run (or its bookkeeping): it is taken when the run ends, and the model is
    then exactly the NumPy path's after as many steps."""
    import os
    import signal
    import threading

    rng = np.random.default_rng(5)
    x = rng.normal(size=(60_000, 20)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")

    def made(jit):
        model = Sequential([Dense(32, "relu", name="h1"), Dense(1, "sigmoid", name="out")], seed=0)
        model.compile(Adam(1e-3), "binary_crossentropy", jit_compile=jit)
        return model

    compiled = made(True)
    compiled.fit(x[:64], y[:64], epochs=1, verbose=0)  # loaded and warm: the signal lands in training
    timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        compiled.fit(x, y, batch_size=16, epochs=50, verbose=0, seed=2)
    timer.join()
    steps = compiled.optimizer.iterations - 4  # the warm-up fit's 4 steps
    assert 0 < steps < 50 * 3750

    class Stop(glassnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations == steps + 4:
                raise KeyboardInterrupt

    reference = made(False)
    reference.fit(x[:64], y[:64], epochs=1, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        reference.fit(x, y, batch_size=16, epochs=50, verbose=0, seed=2, callbacks=[Stop()])
    assert state(reference) == state(compiled)
    outcome("nothing lost")
