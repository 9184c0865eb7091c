"""NaN/inf during fit: stopped at the first place it appears, named, and the last finite weights kept."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import SGD, Dense, LambdaCallback, NonFiniteError, Sequential
from glassnet.regularizers import FunctionRegularizer


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def model_with(optimizer, **dense_kwargs):
    model = Sequential([Dense(8, "relu", **dense_kwargs), Dense(1, "sigmoid")], seed=0)
    model.compile(optimizer, "binary_crossentropy")
    model.build((None, 4))
    return model


def fit_recording(model, **kwargs):
    """fit, remembering the weights after every completed step."""
    seen = [model.get_weights()]
    recorder = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(model.get_weights()))
    x, y = data()
    try:
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[recorder], **kwargs)
    finally:
        pass
    return seen


def assert_same(a, b):
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_diverging_training_raises_with_location_and_keeps_last_finite_weights():
    model = model_with(SGD(1e30))
    seen = [model.get_weights()]
    recorder = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(model.get_weights()))
    x, y = data()
    with pytest.raises(NonFiniteError, match=r"epoch 0, batch 1, layer '\w+'.*keeps its weights") as info:
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[recorder])
    error = info.value
    # After one step of lr 1e30 the first layer's outputs are ~1e30: the second layer's product overflows.
    assert (error.epoch, error.batch) == (0, 1) and error.layer == model.layers[1].name
    assert f"the output of layer {model.layers[1].name} overflowed" in str(error)
    assert len(seen) == 2  # the start, and one completed step
    assert_same(model.get_weights(), seen[-1])
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_nonfinite_weight_is_named_before_any_step():
    model = model_with(SGD(0.1))
    bad = model.get_weights()
    bad[2] = bad[2].copy()
    bad[2][3, 0] = np.inf
    model.set_weights(bad)
    x, y = data()
    with pytest.raises(NonFiniteError) as info:
        model.fit(x, y, verbose=0)
    error = info.value
    assert (error.epoch, error.batch, error.layer, error.weight, error.part) == (
        0, 0, model.layers[1].name, "kernel", "weight")
    assert_same(model.get_weights(), bad)


def test_nonfinite_penalty_and_penalty_gradient_are_named():
    nan_value = FunctionRegularizer(lambda w: float("nan"), gradient=lambda w: np.zeros_like(w))
    model = model_with(SGD(0.1), kernel_regularizer=nan_value)
    with pytest.raises(NonFiniteError, match="penalty") as info:
        fit_recording(model)
    assert (info.value.layer, info.value.weight, info.value.part) == (model.layers[0].name, "kernel", "penalty")

    nan_gradient = FunctionRegularizer(lambda w: 0.0, gradient=lambda w: np.full_like(w, np.nan))
    model = model_with(SGD(0.1), kernel_regularizer=nan_gradient)
    before = model.get_weights()
    with pytest.raises(NonFiniteError) as info:
        fit_recording(model)
    assert info.value.part == "penalty gradient" and info.value.weight == "kernel"
    assert_same(model.get_weights(), before)


def test_an_update_that_overflows_is_undone():
    # Finite loss and gradients, but lr·g exceeds float32's range (3.4e38): the update itself makes inf.
    model = model_with(SGD(3e38))
    before = model.get_weights()
    x, y = data()
    with pytest.raises(NonFiniteError, match="the update made weight") as info:
        model.fit(x * 100, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert info.value.part == "weight" and (info.value.epoch, info.value.batch) == (0, 0)
    assert_same(model.get_weights(), before)


def test_warn_stops_training_with_a_warning_and_keeps_history():
    model = model_with(SGD(1e30))
    x, y = data()
    with pytest.warns(RuntimeWarning, match="NaN/inf in epoch 0, batch 1"):
        history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, on_nonfinite="warn")
    assert history.history["loss"] and all(np.isfinite(history.history["loss"]))
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_on_nonfinite_is_validated():
    model = model_with(SGD(0.1))
    x, y = data()
    with pytest.raises(ValueError, match=r"`on_nonfinite`.*Received: on_nonfinite='skip'"):
        model.fit(x, y, verbose=0, on_nonfinite="skip")
    assert isinstance(NonFiniteError("x"), FloatingPointError)
    assert glassnet.NonFiniteError is NonFiniteError
