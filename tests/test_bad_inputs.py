"""Bad input gets a clear ValueError/TypeError naming the argument, the expectation and the value received,
and leaves the model unchanged.

Messages follow Keras's form and end like ``... Received: units=0``. Every case checks, with ``match=``, that the
argument's name and the received value are in the message. Every case on an existing model snapshots the weights,
the optimizer's ``iterations`` and slot arrays, ``built`` (model and layers), the layer list, the compiled
optimizer/loss, each weight's regularizer, the compile-level regularization and the model's random generator, and
compares them bitwise after the rejected call.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import glassnet
from glassnet import (
    L1,
    L1L2,
    L2,
    SGD,
    Activation,
    ActivityRegularization,
    Adagrad,
    Adam,
    AdamW,
    Dense,
    Dropout,
    EarlyStopping,
    Input,
    LambdaCallback,
    MaxNorm,
    RMSprop,
    Sequential,
)
from glassnet.optimizers import ExponentialDecay

NAN, INF = float("nan"), float("inf")

_rng = np.random.default_rng(1234)
X = _rng.normal(size=(12, 4)).astype(np.float32)
Y_BIN = np.array([0.0, 1.0] * 6)
Y_SPARSE = np.arange(12) % 3
Y_ONEHOT = np.eye(3)[Y_SPARSE]
OPTIMIZERS = [SGD, Adam, AdamW, RMSprop, Adagrad]


def _with(array: np.ndarray, index: tuple[int, ...], value: float) -> np.ndarray:
    out = np.array(array, dtype=np.float64 if array.dtype.kind != "f" else array.dtype)
    out[index] = value
    return out


X_NAN, X_INF = _with(X, (2, 1), NAN), _with(X, (0, 3), -INF)
Y_NAN, Y_INF = _with(Y_BIN, (5,), NAN), _with(Y_BIN, (0,), INF)
X_3D = X.reshape(12, 2, 2)


def rx(*parts: str) -> str:
    """A regex for ``match=``: the parts (regexes) in this order, anything (newlines too) between them."""
    return "(?s)" + ".*".join(parts)


def num(value: float) -> str:
    """Regex for a number as printed either plainly (``2.0``, ``2``) or as a NumPy scalar (``np.float64(2.0)``)."""
    text = re.escape(repr(float(value))).replace(r"\.0", r"(\.0)?")
    return rf"(np\.\w+\()?{text}\)?"


# --- models and the "unchanged" check ---------------------------------------------------------------------------------
def binary_model(optimizer: Any = None, train: bool = True) -> Sequential:
    model = Sequential([Dense(3, activation="relu", kernel_regularizer=L2(0.01)), Dense(1, activation="sigmoid")],
                       seed=0)
    model.compile(optimizer=optimizer or Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    if train:
        model.fit(X, Y_BIN, batch_size=4, epochs=1, verbose=0)
    return model


def softmax_model(loss: str, y: np.ndarray) -> Sequential:
    model = Sequential([Dense(5, activation="tanh"), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.9), loss=loss, metrics=["accuracy"])
    model.fit(X, y, batch_size=4, epochs=1, verbose=0)
    return model


@pytest.fixture
def trained() -> Sequential:
    """Binary classifier after one epoch of Adam, so the optimizer has iterations and slots."""
    return binary_model()


@pytest.fixture
def unbuilt() -> Sequential:
    """Compiled binary classifier whose weights do not exist yet."""
    return binary_model(train=False)


def snapshot(model: Sequential) -> dict[str, Any]:
    optimizer = model.optimizer
    return {
        "weights": model.get_weights(),
        "built": model.built,
        "layers": [id(layer) for layer in model.layers],
        "layers_built": [layer.built for layer in model.layers],
        "optimizer": id(optimizer),
        "loss": id(model.loss),
        "iterations": None if optimizer is None else optimizer.iterations,
        "learning_rate": None if optimizer is None else optimizer.learning_rate,
        "slots": None if optimizer is None else [{k: v.copy() for k, v in s.items()} for s in optimizer.slots],
        "rng": copy.deepcopy(model.rng.bit_generator.state),
        "regularizers": [(w.path, id(w.regularizer), w.regularizer_source) for w in model.weights],
        "compile_regularization": model.compile_regularization,
        "last_fit": copy.deepcopy(model.last_fit),
    }


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_unchanged(model: Sequential, before: dict[str, Any]) -> None:
    after = snapshot(model)
    assert len(after["weights"]) == len(before["weights"]), "number of weights changed"
    for i, (a, b) in enumerate(zip(after["weights"], before["weights"])):
        assert _same_array(a, b), f"weight {i} changed"
    for key in ("built", "layers", "layers_built", "optimizer", "loss", "iterations", "rng", "regularizers",
                "compile_regularization", "last_fit"):
        assert after[key] == before[key], f"{key} changed: {before[key]!r} -> {after[key]!r}"
    lr_a, lr_b = after["learning_rate"], before["learning_rate"]
    assert lr_a == lr_b or (lr_a != lr_a and lr_b != lr_b), "learning_rate changed"
    if before["slots"] is not None:
        assert len(after["slots"]) == len(before["slots"]), "number of slot dicts changed"
        for i, (sa, sb) in enumerate(zip(after["slots"], before["slots"])):
            assert sa.keys() == sb.keys(), f"slots of weight {i} changed keys"
            for key in sa:
                assert _same_array(sa[key], sb[key]), f"slot {key!r} of weight {i} changed"


def assert_rejected(model: Sequential, error: type[Exception] | tuple[type[Exception], ...], pattern: str,
                    call: Callable[[Sequential], Any]) -> None:
    before = snapshot(model)
    with pytest.raises(error, match=pattern):
        call(model)
    assert_unchanged(model, before)


def test_snapshot_sees_a_change(trained):
    """The check itself: one more step changes iterations, slots and weights."""
    before = snapshot(trained)
    assert before["iterations"] == 3 and before["slots"] and all(before["slots"])
    trained.fit(X[:4], Y_BIN[:4], epochs=1, verbose=0)
    with pytest.raises(AssertionError):
        assert_unchanged(trained, before)


# --- regularizers -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: L1(-0.01), ValueError, r"Received: l1=-0\.01", id="L1-negative"),
    pytest.param(lambda: L1(NAN), ValueError, r"Received: l1=nan", id="L1-nan"),
    pytest.param(lambda: L1(INF), ValueError, r"Received: l1=inf", id="L1-inf"),
    pytest.param(lambda: L1("0.01"), TypeError, r"Received: l1='0\.01'", id="L1-string"),
    pytest.param(lambda: L2(-0.01), ValueError, r"Received: l2=-0\.01", id="L2-negative"),
    pytest.param(lambda: L2(NAN), ValueError, r"Received: l2=nan", id="L2-nan"),
    pytest.param(lambda: L2(INF), ValueError, r"Received: l2=inf", id="L2-inf"),
    pytest.param(lambda: L2(-INF), ValueError, r"Received: l2=-inf", id="L2-minus-inf"),
    pytest.param(lambda: L2("0.01"), TypeError, r"Received: l2='0\.01'", id="L2-string"),
    pytest.param(lambda: L2(None), TypeError, r"Received: l2=None", id="L2-None"),
    pytest.param(lambda: L2(True), TypeError, r"Received: l2=True", id="L2-bool"),
    pytest.param(lambda: L1L2(l1=-1.0), ValueError, r"Received: l1=-1\.0", id="L1L2-l1-negative"),
    pytest.param(lambda: L1L2(l1=NAN), ValueError, r"Received: l1=nan", id="L1L2-l1-nan"),
    pytest.param(lambda: L1L2(l1=INF), ValueError, r"Received: l1=inf", id="L1L2-l1-inf"),
    pytest.param(lambda: L1L2(l1="a"), TypeError, r"Received: l1='a'", id="L1L2-l1-string"),
    pytest.param(lambda: L1L2(l2=-1.0), ValueError, r"Received: l2=-1\.0", id="L1L2-l2-negative"),
    pytest.param(lambda: L1L2(l2=NAN), ValueError, r"Received: l2=nan", id="L1L2-l2-nan"),
    pytest.param(lambda: L1L2(l2=INF), ValueError, r"Received: l2=inf", id="L1L2-l2-inf"),
    pytest.param(lambda: L1L2(l2="a"), TypeError, r"Received: l2='a'", id="L1L2-l2-string"),
    pytest.param(lambda: ActivityRegularization(l1=-1.0), ValueError, r"Received: l1=-1\.0", id="ActReg-l1"),
    pytest.param(lambda: ActivityRegularization(l2=NAN), ValueError, r"Received: l2=nan", id="ActReg-l2"),
])
def test_regularization_factor(make, error, pattern):
    name = re.search(r"Received: (\w+)=", pattern).group(1)
    with pytest.raises(error, match=rx(f"`{name}`", "finite number", pattern)):
        make()


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    pytest.param({"kernel_regularizer": "l3"}, ValueError, rx("'l1'", "'l2'", r"Received: kernel_regularizer='l3'"),
                 id="unknown-name"),
    pytest.param({"activity_regularizer": "bogus"}, ValueError,
                 rx("'l1'", "'l2'", r"Received: activity_regularizer='bogus'"), id="unknown-activity-name"),
    pytest.param({"bias_regularizer": 0.01}, TypeError, rx("`bias_regularizer`", r"Received: bias_regularizer=0\.01"),
                 id="a-bare-number"),
    # The class instead of an instance (``L2`` for ``L2()``) is callable, so it is taken for a penalty function and
    # fails only inside fit, after the model has been built.
    pytest.param({"kernel_regularizer": L2}, TypeError,
                 rx("`kernel_regularizer`", r"Received: kernel_regularizer=<class '[\w.]*L2'>"), id="class-L2"),
    pytest.param({"activity_regularizer": L1L2}, TypeError,
                 rx("`activity_regularizer`", r"Received: activity_regularizer=<class '[\w.]*L1L2'>"),
                 id="class-L1L2"),
])
def test_regularizer_argument(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        Dense(3, **kwargs)


# --- names: activations, losses, optimizers, metrics, initializers, constraints ---------------------------------------
@pytest.mark.parametrize("make", [
    pytest.param(lambda: Dense(3, activation="rleu"), id="Dense"),
    pytest.param(lambda: Activation("rleu"), id="Activation"),
])
def test_unknown_activation_lists_the_valid_ones(make):
    with pytest.raises(ValueError, match=rx("'relu'", "'sigmoid'", "'softmax'", "'tanh'",
                                            r"Received: activation='rleu'")):
        make()


@pytest.mark.parametrize(("kwargs", "valid"), [
    pytest.param({"kernel_initializer": "glorot"}, ["'glorot_uniform'", "'zeros'"], id="kernel_initializer"),
    pytest.param({"bias_initializer": "zero"}, ["'glorot_uniform'", "'zeros'"], id="bias_initializer"),
    pytest.param({"kernel_constraint": "maxnorm"}, ["'max_norm'", "'non_neg'"], id="kernel_constraint"),
    pytest.param({"bias_constraint": "nonneg"}, ["'max_norm'", "'non_neg'"], id="bias_constraint"),
])
def test_unknown_initializer_or_constraint_name(kwargs, valid):
    (name, value), = kwargs.items()
    with pytest.raises(ValueError, match=rx("Unknown", *valid, f"Received: {name}='{value}'")):
        Dense(3, **kwargs)


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    pytest.param({"loss": "binary_crosentropy"}, ValueError,
                 rx("'binary_crossentropy'", "'mse'", "'sparse_categorical_crossentropy'",
                    "Received: loss='binary_crosentropy'"), id="unknown-loss"),
    pytest.param({"loss": None}, ValueError, rx("`loss`", "Received: loss=None"), id="loss-None"),
    pytest.param({"loss": lambda y, p: 0.0}, TypeError, rx("`loss`", "Received: loss=<function"),
                 id="loss-plain-function"),
    pytest.param({"optimizer": "adamm", "loss": "mse"}, ValueError,
                 rx("'adam'", "'rmsprop'", "'sgd'", "Received: optimizer='adamm'"), id="unknown-optimizer"),
    pytest.param({"optimizer": Adam, "loss": "mse"}, TypeError,
                 rx("`optimizer`", r"Received: optimizer=<class '[\w.]*Adam'>"), id="optimizer-class"),
    pytest.param({"optimizer": None, "loss": "mse"}, TypeError, rx("`optimizer`", "Received: optimizer=None"),
                 id="optimizer-None"),
    pytest.param({"loss": "mse", "metrics": ["accuracy", "acuracy"]}, ValueError,
                 rx("'accuracy'", "'mae'", "Received: metrics='acuracy'"), id="unknown-metric"),
    pytest.param({"loss": "mse", "metrics": [42]}, TypeError, rx("metric", "Received: metrics=42"),
                 id="metric-not-a-name"),
    pytest.param({"loss": "mse", "metrics": "accuracy"}, TypeError, rx("`metrics`", "Received: metrics='accuracy'"),
                 id="metrics-not-a-list"),
])
def test_compile_rejects(trained, kwargs, error, pattern):
    assert_rejected(trained, error, pattern, lambda m: m.compile(**kwargs))


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    pytest.param({"regularizer": "l3"}, ValueError, rx("'l1'", "'l2'", "Received: regularizer='l3'"),
                 id="regularizer-unknown-name"),
    pytest.param({"regularizer": 0.01}, TypeError, rx("`regularizer`", r"Received: regularizer=0\.01"),
                 id="regularizer-bare-number"),
    pytest.param({"regularizer": L2}, TypeError, rx("`regularizer`", r"Received: regularizer=<class '[\w.]*L2'>"),
                 id="regularizer-class"),
    pytest.param({"regularize_bias": "yes"}, TypeError, rx("`regularize_bias`", "Received: regularize_bias='yes'"),
                 id="regularize_bias-string"),
    pytest.param({"lam": -0.7}, ValueError, rx("`lam`", r"Received: lam=-0\.7"), id="lam-negative"),
    pytest.param({"lam": NAN}, ValueError, rx("`lam`", "Received: lam=nan"), id="lam-nan"),
    pytest.param({"lam": "0.7"}, TypeError, rx("`lam`", r"Received: lam='0\.7'"), id="lam-string"),
    pytest.param({"lam": 0.7, "n_samples": 0}, ValueError, rx("`n_samples`", "Received: n_samples=0"),
                 id="n_samples-0"),
    pytest.param({"lam": 0.7, "n_samples": 2.5}, TypeError, rx("`n_samples`", r"Received: n_samples=2\.5"),
                 id="n_samples-float"),
    pytest.param({"n_samples": 100}, ValueError, rx("`n_samples`", "`lam", "Received: n_samples=100, lam=None"),
                 id="n_samples-without-lam"),
    pytest.param({"lam": 0.7, "regularizer": L2(0.01)}, ValueError,
                 rx("`?lam`?", r"Received: regularizer=L2\(l2=0\.01\), lam=0\.7"), id="lam-and-L2"),
    pytest.param({"lam": 0.7, "regularizer": "l1"}, ValueError, rx("`lam`", "Received: regularizer='l1', lam=0.7"),
                 id="lam-with-l1"),
])
def test_compile_regularization_rejects(trained, kwargs, error, pattern):
    assert_rejected(trained, error, pattern,
                    lambda m: m.compile(optimizer="sgd", loss="binary_crossentropy", **kwargs))


def test_evaluate_needs_m_for_compile_lam():
    model = Sequential([Input(shape=(4,)), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy", lam=0.7)
    assert_rejected(model, ValueError, rx("evaluate", "n_samples", r"Received: lam=0\.7, n_samples=None"),
                    lambda m: m.evaluate(X, Y_BIN))


@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: L2.from_lecture(-0.7, 100), ValueError, rx("`lam`", r"Received: lam=-0\.7"),
                 id="from_lecture-lam-negative"),
    pytest.param(lambda: L2.from_lecture(0.7, 0), ValueError, rx("`m`", "Received: m=0"), id="from_lecture-m-0"),
    pytest.param(lambda: L2.from_lecture(0.7, 2.5), TypeError, rx("`m`", r"Received: m=2\.5"),
                 id="from_lecture-m-float"),
    pytest.param(lambda: glassnet.regularizers.convert(0.01, "keras", "pytorch"), ValueError,
                 rx("`to`", "'lecture'", "'torch'", "Received: to='pytorch'"), id="convert-unknown-convention"),
    pytest.param(lambda: glassnet.regularizers.convert(0.01, "adamw", "keras"), ValueError,
                 rx("Decoupled", "Received: from_='adamw'"), id="convert-decoupled"),
    pytest.param(lambda: glassnet.regularizers.convert(0.01, "keras", "lecture"), ValueError,
                 rx("lecture", "Received: n_samples=None"), id="convert-lecture-without-m"),
    pytest.param(lambda: glassnet.regularizers.convert(-0.01, "keras", "torch"), ValueError,
                 rx("`value`", r"Received: value=-0\.01"), id="convert-negative"),
])
def test_lecture_strength_rejects(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


@pytest.mark.parametrize(("call", "error", "pattern"), [
    pytest.param(lambda m: m.explain(X_NAN, Y_BIN), ValueError, rx("`x`", r"Received: x with nan at index \(2, 1\)"),
                 id="x-nan"),
    pytest.param(lambda m: m.explain(X, Y_BIN[:5]), ValueError, rx("Received: x with 12 rows, y with 5 rows"),
                 id="x-y-lengths"),
    pytest.param(lambda m: m.explain(X, _with(Y_BIN, (1,), 2)), ValueError,
                 rx("`y`", "Received: y containing " + num(2)),
                 id="bce-label-2"),
    pytest.param(lambda m: m.explain(X, Y_BIN, batch_size=0), ValueError, rx("`batch_size`", "Received: batch_size=0"),
                 id="batch_size-0"),
    pytest.param(lambda m: m.explain(X, Y_BIN, n_samples=0), ValueError, rx("`n_samples`", "Received: n_samples=0"),
                 id="n_samples-0"),
    pytest.param(lambda m: m.explain(X, Y_BIN, train_batch_size=-1), ValueError,
                 rx("`train_batch_size`", "Received: train_batch_size=-1"), id="train_batch_size-neg"),
])
def test_explain_rejects(trained, call, error, pattern):
    assert_rejected(trained, error, pattern, call)


# --- Dense and other layers -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("units", "error", "shown"), [
    (0, ValueError, "0"), (-3, ValueError, "-3"),
    (2.5, TypeError, r"2\.5"), ("3", TypeError, "'3'"), (True, TypeError, "True"), (None, TypeError, "None"),
])
def test_dense_units(units, error, shown):
    with pytest.raises(error, match=rx("`units`", "positive integer", rf"Received: units={shown}(?!\w)")):
        Dense(units)


def _python_relu(z):
    return np.maximum(z, 0)


@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: Dense(3, activation=_python_relu), TypeError,
                 rx("`activation`", r"glassnet\.activations\.Activation", "derivative",
                    "Received: activation=<function _python_relu"), id="activation-python-function"),
    pytest.param(lambda: Dense(3, activation=np.tanh), TypeError,
                 rx("`activation`", r"glassnet\.activations\.Activation", "Received: activation=<ufunc 'tanh'>"),
                 id="activation-numpy-ufunc"),
    pytest.param(lambda: Dense(3, activation=glassnet.activations.ReLU), TypeError,
                 rx("`activation`", r"Received: activation=<class '[\w.]*ReLU'>"), id="activation-class"),
    pytest.param(lambda: Dense(3, use_bias="yes"), TypeError, rx("`use_bias`", "Received: use_bias='yes'"),
                 id="use_bias-string"),
    pytest.param(lambda: Dense(3, kernel_constraint=MaxNorm), TypeError,
                 rx("`kernel_constraint`", r"Received: kernel_constraint=<class '[\w.]*MaxNorm'>"),
                 id="constraint-class"),
    pytest.param(lambda: Dense(3, kernel_initializer=0.5), TypeError,
                 rx("`kernel_initializer`", r"Received: kernel_initializer=0\.5"), id="initializer-number"),
    pytest.param(lambda: Dense(3, unit=4), TypeError, rx("Dense", "unit", "4"), id="unknown-keyword"),
    pytest.param(lambda: Dense(3, input_shape=5), TypeError, rx("`input_shape`", "Received: input_shape=5"),
                 id="input_shape-not-a-tuple"),
    pytest.param(lambda: Dense(3, name=7), TypeError, rx("`name`", "Received: name=7"), id="name-not-a-string"),
    pytest.param(lambda: Dropout(1.0), ValueError, rx("`rate`", r"\[0, 1\)", r"Received: rate=1\.0"),
                 id="Dropout-rate-1"),
    pytest.param(lambda: Dropout(-0.1), ValueError, rx("`rate`", r"Received: rate=-0\.1"), id="Dropout-rate-negative"),
    pytest.param(lambda: Dropout(1.5), ValueError, rx("`rate`", r"Received: rate=1\.5"), id="Dropout-rate-1.5"),
    pytest.param(lambda: Dropout(NAN), ValueError, rx("`rate`", "Received: rate=nan"), id="Dropout-rate-nan"),
    pytest.param(lambda: Dropout("0.5"), TypeError, rx("`rate`", r"Received: rate='0\.5'"), id="Dropout-rate-string"),
    pytest.param(lambda: Dropout(0.5, seed=1.5), TypeError, rx("`seed`", r"Received: seed=1\.5"),
                 id="Dropout-seed-float"),
    pytest.param(lambda: Input(shape=(0,)), ValueError, rx("`shape`", "Received: shape=0"), id="Input-shape-0"),
    pytest.param(lambda: Input(shape="4"), TypeError, rx("`shape`", "Received: shape='4'"), id="Input-shape-string"),
])
def test_layer_constructor_rejects(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# --- Sequential structure ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("item", "shown"), [
    pytest.param("dense", "'dense'", id="string"),
    pytest.param(_python_relu, "<function _python_relu", id="function"),
    pytest.param(Dense, r"<class '[\w.]*Dense'>", id="class-not-instance"),
    pytest.param(L2(0.01), r"L2\(l2=0\.01\)", id="regularizer"),
])
def test_add_non_layer(trained, item, shown):
    assert_rejected(trained, TypeError, rx("layer", f"Received: layer={shown}"), lambda m: m.add(item))


def test_add_same_layer_twice(trained):
    layer = trained.layers[0]
    assert_rejected(trained, ValueError, rx("already", rf"Received: layer=<Dense name={re.escape(layer.name)}>"),
                    lambda m: m.add(layer))


def test_sequential_with_same_layer_twice():
    layer = Dense(2)
    with pytest.raises(ValueError, match=rx(re.escape(layer.name), "already", "Received: layer=<Dense")):
        Sequential([layer, layer])


def test_input_after_layers(trained):
    assert_rejected(trained, ValueError, rx("Input", "first", r"(`layer`|layer=)", r"Input\(shape=\(4,\)\)"),
                    lambda m: m.add(Input(shape=(4,))))


def test_add_rejected_layer_with_bad_input_shape_leaves_model_empty():
    model = Sequential()
    with pytest.raises(ValueError, match=rx("`input_shape`", r"Received: input_shape=\(None, 0\)")):
        model.add(Dense(3, input_shape=(0,)))
    assert model.layers == [] and not model.built


@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: Sequential(Dense(3)), TypeError, rx("`layers`", "Received: layers=<Dense"),
                 id="layers-not-a-list"),
    pytest.param(lambda: Sequential([Dense(3)], seed="0"), TypeError, rx("`seed`", "Received: seed='0'"),
                 id="seed-string"),
    pytest.param(lambda: Sequential([Dense(3)], dtype="float16"), ValueError,
                 rx("`dtype`", "'float32'", "'float64'", "Received: dtype='float16'"), id="dtype-float16"),
    pytest.param(lambda: Sequential([Dense(3)]).build((None, 0)), ValueError,
                 rx("`input_shape`", r"Received: input_shape=\(None, 0\)"), id="build-zero-features"),
    pytest.param(lambda: Sequential([Dense(3)]).build((None, 4, 2)), ValueError,
                 rx("`input_shape`", r"Received: input_shape=\(None, 4, 2\)"), id="build-3d"),
])
def test_sequential_rejects(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_fit_an_empty_model_says_it_is_empty():
    model = Sequential()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"(?i)(empty|no layers|0 layers)"):
        model.fit(X, Y_BIN, verbose=0)


# --- fit before compile -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_not_compiled(method, built):
    layers = [Input(shape=(4,)), Dense(1)] if built else [Dense(1)]
    model = Sequential(layers, seed=0)
    assert issubclass(glassnet.NotCompiledError, ValueError) and issubclass(glassnet.NotCompiledError, RuntimeError)
    assert_rejected(model, glassnet.NotCompiledError, rx(r"`compile\(\)`", rf"`{method}\(\)`", "Received:"),
                    lambda m: getattr(m, method)(X, Y_BIN, verbose=0))
    with pytest.raises(ValueError):
        getattr(model, method)(X, Y_BIN, verbose=0)
    with pytest.raises(RuntimeError):
        getattr(model, method)(X, Y_BIN, verbose=0)


# --- fit / evaluate / predict: arguments ------------------------------------------------------------------------------
def _fit(**kwargs):
    kwargs = {"x": X, "y": Y_BIN, "verbose": 0, **kwargs}
    return lambda m: m.fit(**kwargs)


FIT_ARGUMENT_CASES = [
    pytest.param(_fit(batch_size=0), ValueError, rx("`batch_size`", "Received: batch_size=0"), id="batch_size-0"),
    pytest.param(_fit(batch_size=-4), ValueError, rx("`batch_size`", "Received: batch_size=-4"), id="batch_size-neg"),
    pytest.param(_fit(batch_size=2.5), TypeError, rx("`batch_size`", r"Received: batch_size=2\.5"),
                 id="batch_size-float"),
    pytest.param(_fit(epochs=0), ValueError, rx("`epochs`", "Received: epochs=0"), id="epochs-0"),
    pytest.param(_fit(epochs=-1), ValueError, rx("`epochs`", "Received: epochs=-1"), id="epochs-neg"),
    pytest.param(_fit(epochs=1.5), TypeError, rx("`epochs`", r"Received: epochs=1\.5"), id="epochs-float"),
    pytest.param(_fit(verbose=5), ValueError, rx("`verbose`", "'auto', 0, 1 or 2", "Received: verbose=5"),
                 id="verbose-5"),
    pytest.param(_fit(verbose="loud"), ValueError, rx("`verbose`", "Received: verbose='loud'"), id="verbose-string"),
    pytest.param(_fit(shuffle="yes"), TypeError, rx("`shuffle`", "bool", "Received: shuffle='yes'"),
                 id="shuffle-string"),
    pytest.param(_fit(shuffle=1), TypeError, rx("`shuffle`", "Received: shuffle=1"), id="shuffle-int"),
    pytest.param(_fit(validation_split=-0.1), ValueError, rx("`validation_split`", r"Received: validation_split=-0\.1"),
                 id="validation_split--0.1"),
    pytest.param(_fit(validation_split=1.0), ValueError,
                 rx("`validation_split`", r"\[0, 1\)", r"Received: validation_split=1\.0"), id="validation_split-1.0"),
    pytest.param(_fit(validation_split=1.5), ValueError, rx("`validation_split`", r"Received: validation_split=1\.5"),
                 id="validation_split-1.5"),
    pytest.param(_fit(validation_split=NAN), ValueError, rx("`validation_split`", "Received: validation_split=nan"),
                 id="validation_split-nan"),
    pytest.param(_fit(validation_split="0.2"), TypeError,
                 rx("`validation_split`", r"Received: validation_split='0\.2'"),
                 id="validation_split-string"),
    pytest.param(_fit(x=X[:1], y=Y_BIN[:1], validation_split=0.5), ValueError,
                 rx("`validation_split`", "no training", "1 samples", r"Received: validation_split=0\.5"),
                 id="validation_split-leaves-no-training-rows"),
    pytest.param(_fit(validation_split=1e-17), ValueError,
                 rx("`validation_split`", "no validation", "12 samples", r"Received: validation_split=1e-17"),
                 id="validation_split-leaves-no-validation-rows"),
    pytest.param(_fit(seed=-1), ValueError, rx("`seed`", "Received: seed=-1"), id="seed-negative"),
    pytest.param(_fit(callbacks=[lambda logs: None]), TypeError, rx("callback", "Received: <function"),
                 id="callback-plain-function"),
    pytest.param(_fit(callbacks=EarlyStopping()), TypeError,
                 rx("`callbacks`", "list", r"Received: callbacks=<[\w.]*EarlyStopping"), id="callbacks-not-a-list"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), FIT_ARGUMENT_CASES)
def test_fit_argument(trained, call, error, pattern):
    assert_rejected(trained, error, pattern, call)


@pytest.mark.parametrize(("call", "error", "pattern"), [
    pytest.param(lambda m: m.evaluate(X, Y_BIN, batch_size=0), ValueError, rx("`batch_size`", "Received: batch_size=0"),
                 id="evaluate-batch_size-0"),
    pytest.param(lambda m: m.evaluate(X, Y_BIN, batch_size=-1), ValueError,
                 rx("`batch_size`", "Received: batch_size=-1"), id="evaluate-batch_size-neg"),
    pytest.param(lambda m: m.evaluate(X, Y_BIN, verbose=5), ValueError, rx("`verbose`", "Received: verbose=5"),
                 id="evaluate-verbose-5"),
    pytest.param(lambda m: m.predict(X, batch_size=0), ValueError, rx("`batch_size`", "Received: batch_size=0"),
                 id="predict-batch_size-0"),
    pytest.param(lambda m: m.predict(X, batch_size=-1), ValueError, rx("`batch_size`", "Received: batch_size=-1"),
                 id="predict-batch_size-neg"),
    pytest.param(lambda m: m.predict(X, batch_size="32"), TypeError, rx("`batch_size`", "Received: batch_size='32'"),
                 id="predict-batch_size-string"),
    pytest.param(lambda m: m.predict(X, verbose=5), ValueError, rx("`verbose`", "Received: verbose=5"),
                 id="predict-verbose-5"),
])
def test_evaluate_predict_argument(trained, call, error, pattern):
    assert_rejected(trained, error, pattern, call)


# --- fit / evaluate / predict: data -----------------------------------------------------------------------------------
BAD_DATA = [  # (x, y, error, pattern) shared by fit and evaluate
    pytest.param(X, Y_BIN[:11], ValueError, rx("`x`", "`y`", "same number of samples",
                                                 "Received: x with 12 rows, y with 11 rows"), id="x-y-lengths"),
    pytest.param(X[:5], Y_BIN, ValueError, rx("`x`", "`y`", "Received: x with 5 rows, y with 12 rows"),
                 id="x-shorter-than-y"),
    pytest.param(X_NAN, Y_BIN, ValueError, rx("`x`", "finite", r"Received: x with nan at index \(2, 1\)"), id="x-nan"),
    pytest.param(X_INF, Y_BIN, ValueError, rx("`x`", "finite", r"Received: x with -inf at index \(0, 3\)"), id="x-inf"),
    pytest.param(X, Y_NAN, ValueError, rx("`y`", "finite", r"Received: y with nan at index \(5,\)"), id="y-nan"),
    pytest.param(X, Y_INF, ValueError, rx("`y`", "finite", r"Received: y with inf at index \(0,\)"), id="y-inf"),
    pytest.param(X, _with(Y_BIN, (3,), 2), ValueError, rx("binary_crossentropy", "`y`", r"\[0, 1\]",
                                                          "Received: y containing " + num(2)), id="bce-label-2"),
    pytest.param(X, _with(Y_BIN, (0,), -1), ValueError, rx("binary_crossentropy", "`y`",
                                                           "Received: y containing " + num(-1)), id="bce-label--1"),
    pytest.param(X_3D, Y_BIN, ValueError, rx("`x`", "2-D", r"Received: x with shape \(12, 2, 2\)"), id="x-3d"),
    pytest.param(X[:, :3], Y_BIN, ValueError, rx("`x`", "4 features", r"Received: x with shape \(12, 3\)"),
                 id="x-wrong-feature-count"),
    pytest.param(np.zeros((0, 4), np.float32), np.zeros(0), ValueError,
                 rx("`x`", "at least one sample", r"Received: x with shape \(0, 4\)"), id="x-empty"),
    pytest.param([], [], ValueError, rx("`x`", r"Received: x with shape \(0,\)"), id="x-empty-list"),
    pytest.param(np.array([["a", "b", "c", "d"]] * 12), Y_BIN, TypeError,
                 rx("`x`", "numeric", "Received: x with dtype <U1"), id="x-strings"),
    pytest.param(np.array([[1.0, None, 2.0, 3.0]] * 12, dtype=object), Y_BIN, TypeError,
                 rx("`x`", "numeric", "Received: x with dtype object"), id="x-object-array"),
    pytest.param([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], [0.0, 1.0], TypeError,
                 rx("`x`", "numeric", "Received: x of type list"), id="x-ragged-list"),
    pytest.param(None, Y_BIN, TypeError, rx("`x`", "Received: x=None"), id="x-None"),
    pytest.param(X, None, TypeError, rx("`y`", "Received: y=None"), id="y-None"),
    pytest.param(X, np.array(["0", "1"] * 6), TypeError, rx("`y`", "numeric", "Received: y with dtype <U1"),
                 id="y-strings"),
    # X is float32, so X·(1 + 1j) is complex64.
    pytest.param(X * (1 + 1j), Y_BIN, TypeError, rx("`x`", "Received: x with dtype complex64"), id="x-complex"),
    pytest.param(X, np.ones((12, 2)), ValueError, rx("`y`", r"\(n, 1\)", r"Received: y with shape \(12, 2\)"),
                 id="y-wrong-width"),
]


@pytest.mark.parametrize(("x", "y", "error", "pattern"), BAD_DATA)
def test_fit_bad_data(trained, x, y, error, pattern):
    assert_rejected(trained, error, pattern, lambda m: m.fit(x, y, verbose=0))


@pytest.mark.parametrize(("x", "y", "error", "pattern"), BAD_DATA)
def test_evaluate_bad_data(trained, x, y, error, pattern):
    assert_rejected(trained, error, pattern, lambda m: m.evaluate(x, y))


@pytest.mark.parametrize(("x", "error", "pattern"), [
    pytest.param(X_NAN, ValueError, rx("`x`", "finite", r"Received: x with nan at index \(2, 1\)"), id="x-nan"),
    pytest.param(X_INF, ValueError, rx("`x`", "finite", r"Received: x with -inf"), id="x-inf"),
    pytest.param(X_3D, ValueError, rx("`x`", "2-D", r"Received: x with shape \(12, 2, 2\)"), id="x-3d"),
    pytest.param(X[:, :3], ValueError, rx("`x`", "4 features", r"Received: x with shape \(12, 3\)"),
                 id="x-wrong-feature-count"),
    pytest.param(np.zeros((0, 4)), ValueError, rx("`x`", r"Received: x with shape \(0, 4\)"), id="x-empty"),
    pytest.param(np.array([["a", "b", "c", "d"]]), TypeError, rx("`x`", "Received: x with dtype <U1"), id="x-strings"),
    pytest.param(np.array([[1, None, 2, 3]], dtype=object), TypeError, rx("`x`", "Received: x with dtype object"),
                 id="x-object-array"),
    pytest.param(None, TypeError, rx("`x`", "Received: x=None"), id="x-None"),
])
def test_predict_bad_data(trained, x, error, pattern):
    assert_rejected(trained, error, pattern, lambda m: m.predict(x))


# --- sparse and categorical labels ------------------------------------------------------------------------------------
@pytest.fixture
def sparse_trained() -> Sequential:
    return softmax_model("sparse_categorical_crossentropy", Y_SPARSE)


@pytest.fixture
def onehot_trained() -> Sequential:
    return softmax_model("categorical_crossentropy", Y_ONEHOT)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
@pytest.mark.parametrize("bad", [3, 7, -1, 1.5], ids=["label-3", "label-7", "label--1", "label-1.5"])
def test_sparse_labels_outside_classes(sparse_trained, method, bad):
    y = _with(Y_SPARSE, (4,), bad)
    pattern = rx("sparse_categorical_crossentropy", "`y`", r"\[0, 2\]", "3 outputs",
                 "Received: y containing " + num(bad))
    assert_rejected(sparse_trained, ValueError, pattern, lambda m: getattr(m, method)(X, y, verbose=0))


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_sparse_labels_wrong_shape(sparse_trained, method):
    assert_rejected(sparse_trained, ValueError, rx("`y`", r"\(n,\)", r"Received: y with shape \(12, 3\)"),
                    lambda m: getattr(m, method)(X, Y_ONEHOT, verbose=0))


@pytest.mark.parametrize("method", ["fit", "evaluate"])
@pytest.mark.parametrize(("y", "shown"), [
    pytest.param(np.eye(2)[Y_SPARSE % 2], r"\(12, 2\)", id="two-columns"),
    pytest.param(np.eye(4)[Y_SPARSE], r"\(12, 4\)", id="four-columns"),
    # integer labels given to categorical_crossentropy (a sparse loss was meant): the shape shown must be the one
    # passed, (12,), not the reshaped (12, 1).
    pytest.param(Y_SPARSE, r"\(12,\)", id="integer-labels"),
])
def test_categorical_wrong_width(onehot_trained, method, y, shown):
    assert_rejected(onehot_trained, ValueError, rx("`y`", r"\(n, 3\)", f"Received: y with shape {shown}"),
                    lambda m: getattr(m, method)(X, y, verbose=0))


# --- validation_data and sample_weight --------------------------------------------------------------------------------
@pytest.mark.parametrize(("validation_data", "error", "pattern"), [
    pytest.param(X, ValueError, rx("`validation_data`", r"\(x_val, y_val\)",
                                   r"Received: validation_data=array of shape \(12, 4\)"), id="array-alone"),
    pytest.param((X,), ValueError, rx("`validation_data`", r"Received: validation_data=\(array"), id="1-tuple"),
    pytest.param((X, Y_BIN, np.ones(12), np.ones(12)), ValueError,
                 rx("`validation_data`", r"Received: validation_data=\(array"), id="4-tuple"),
    pytest.param({"x": X, "y": Y_BIN}, ValueError, rx("`validation_data`", "Received: validation_data={'x'"),
                 id="dict"),
    pytest.param((X, Y_BIN[:5]), ValueError,
                 rx(r"`validation_data\[0\]`", r"`validation_data\[1\]`",
                    r"Received: validation_data\[0\] with 12 rows, validation_data\[1\] with 5 rows"),
                 id="wrong-lengths"),
    pytest.param((X[:, :3], Y_BIN), ValueError,
                 rx(r"`validation_data\[0\]`", "4 features", r"Received: validation_data\[0\] with shape \(12, 3\)"),
                 id="wrong-feature-count"),
    pytest.param((X_NAN, Y_BIN), ValueError,
                 rx(r"`validation_data\[0\]`", r"Received: validation_data\[0\] with nan"), id="x-nan"),
    pytest.param((X, Y_NAN), ValueError,
                 rx(r"`validation_data\[1\]`", r"Received: validation_data\[1\] with nan"), id="y-nan"),
    pytest.param((X, _with(Y_BIN, (3,), 2)), ValueError,
                 rx(r"`validation_data\[1\]`", r"Received: validation_data\[1\] containing " + num(2)),
                 id="bce-label-2"),
    pytest.param((X, Y_BIN, np.ones(5)), ValueError,
                 rx(r"`validation_data\[2\]`", r"Received: .*\(5,\)"), id="sample-weight-wrong-length"),
])
def test_validation_data(trained, validation_data, error, pattern):
    assert_rejected(trained, error, pattern, _fit(validation_data=validation_data))


@pytest.mark.parametrize("method", ["fit", "evaluate"])
@pytest.mark.parametrize(("sample_weight", "error", "pattern"), [
    pytest.param(np.ones(5), ValueError, rx("`sample_weight`", "12", r"Received: .*\(5,\)"), id="too-short"),
    pytest.param(np.ones(13), ValueError, rx("`sample_weight`", "12", r"Received: .*\(13,\)"), id="too-long"),
    pytest.param(np.ones((12, 2)), ValueError, rx("`sample_weight`", r"Received: .*\(12, 2\)"), id="2-d"),
    pytest.param(_with(np.ones(12), (7,), -1.0), ValueError,
                 rx("`sample_weight`", "non-negative", r"Received: .*-1(\.0)?\b"), id="negative"),
    pytest.param(_with(np.ones(12), (7,), NAN), ValueError,
                 rx("`sample_weight`", r"Received: sample_weight with nan at index \(7,\)"), id="nan"),
    pytest.param(np.array(["1"] * 12), TypeError, rx("`sample_weight`", "Received: sample_weight with dtype <U1"),
                 id="strings"),
])
def test_sample_weight(trained, method, sample_weight, error, pattern):
    assert_rejected(trained, error, pattern,
                    lambda m: getattr(m, method)(X, Y_BIN, sample_weight=sample_weight, verbose=0))


# --- rejected calls on an unbuilt model do not build it ---------------------------------------------------------------
@pytest.mark.parametrize(("call", "error"), [
    pytest.param(lambda m: m.fit(X_NAN, Y_BIN, verbose=0), ValueError, id="fit-x-nan"),
    pytest.param(lambda m: m.fit(X_3D, Y_BIN, verbose=0), ValueError, id="fit-x-3d"),
    pytest.param(lambda m: m.fit(X, _with(Y_BIN, (0,), 2), verbose=0), ValueError, id="fit-bce-label"),
    pytest.param(lambda m: m.fit(X, Y_BIN, batch_size=0, verbose=0), ValueError, id="fit-batch_size"),
    pytest.param(lambda m: m.fit(X[:1], Y_BIN[:1], validation_split=0.5, verbose=0), ValueError,
                 id="fit-validation_split-no-rows"),
    pytest.param(lambda m: m.fit(X, Y_BIN, validation_data=(X, Y_BIN[:3]), verbose=0), ValueError,
                 id="fit-validation_data-lengths"),
    pytest.param(lambda m: m.evaluate(X, Y_BIN[:3]), ValueError, id="evaluate-lengths"),
    pytest.param(lambda m: m.predict(X_NAN), ValueError, id="predict-x-nan"),
    pytest.param(lambda m: m.predict(np.array([["a", "b", "c", "d"]])), TypeError, id="predict-x-strings"),
])
def test_rejected_call_leaves_unbuilt_model_unbuilt(unbuilt, call, error):
    assert_rejected(unbuilt, error, "Received:", call)
    assert not unbuilt.built and unbuilt.get_weights() == []


def test_call_with_strings_is_a_type_error():
    model = Sequential([Dense(2)], seed=0)
    with pytest.raises(TypeError, match=rx("`x`", "numeric", "Received: x with dtype <U1")):
        model(np.array([["a", "b"]]))


def test_call_with_strings_does_not_build():
    model = Sequential([Dense(2)], seed=0)
    with pytest.raises((TypeError, ValueError)):
        model(np.array([["a", "b"]]))
    assert not model.built and model.get_weights() == [] and not model.layers[0].built


# --- set_weights ------------------------------------------------------------------------------------------------------
def test_set_weights_wrong_count(trained):
    weights = trained.get_weights()
    assert_rejected(trained, ValueError,
                    rx("`weights`", "4 arrays", r"\(4, 3\), \(3,\), \(3, 1\), \(1,\)",
                       r"Received:.*(\b3 (arrays|weights|items|elements)|len\(weights\)=3|length 3)"),
                    lambda m: m.set_weights(weights[:3]))


def test_set_weights_too_many(trained):
    weights = trained.get_weights()
    assert_rejected(trained, ValueError,
                    rx("`weights`", "4 arrays", r"Received:.*(\b5 (arrays|weights|items|elements)|len\(weights\)=5|"
                                                r"length 5)"),
                    lambda m: m.set_weights(weights + [np.zeros(1)]))


def test_set_weights_not_a_list(trained):
    assert_rejected(trained, ValueError, rx("`weights`", r"Received: .*array of shape \(4, 3\)"),
                    lambda m: m.set_weights(np.zeros((4, 3))))


def test_set_weights_on_unbuilt_model():
    model = Sequential([Dense(2)], seed=0)
    assert_rejected(model, ValueError,
                    rx("`weights`", "0 arrays", r"Received:.*(\b2 (arrays|weights|items|elements)|"
                                                r"len\(weights\)=2|length 2)"),
                    lambda m: m.set_weights([np.zeros((4, 2)), np.zeros(2)]))


@pytest.mark.parametrize(("index", "bad", "expected"), [
    pytest.param(0, np.zeros((3, 4)), r"\(4, 3\)", id="first-kernel-transposed"),
    pytest.param(1, np.zeros((4,)), r"\(3,\)", id="first-bias-too-long"),
    pytest.param(2, np.zeros((3, 2)), r"\(3, 1\)", id="later-kernel-wrong"),
    pytest.param(3, np.zeros(()), r"\(1,\)", id="last-bias-scalar"),
])
def test_set_weights_wrong_shape_assigns_nothing(trained, index, bad, expected):
    # Every array before the bad one is valid and different from the current value: none may be assigned.
    new = [w + 1 for w in trained.get_weights()]
    new[index] = bad
    shown = re.escape(str(bad.shape))
    assert_rejected(trained, ValueError, rx(rf"weights\[{index}\]", expected, f"Received:.*{shown}"),
                    lambda m: m.set_weights(new))


def test_set_weights_non_numeric_is_a_type_error(trained):
    new = [w + 1 for w in trained.get_weights()]
    new[2] = np.full((3, 1), "a")
    assert_rejected(trained, TypeError, rx(r"weights\[2\]", "numeric", "Received:.*<U1"),
                    lambda m: m.set_weights(new))


# --- optimizers -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(("lr", "shown"), [(0, "0"), (0.0, r"0\.0"), (-0.01, r"-0\.01"), (NAN, "nan"), (INF, "inf")])
def test_learning_rate(optimizer, lr, shown):
    with pytest.raises(ValueError, match=rx("`learning_rate`", f"Received: learning_rate={shown}")):
        optimizer(learning_rate=lr)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", ["0.01", None], ids=["string", "None"])
def test_learning_rate_wrong_type(optimizer, lr):
    with pytest.raises(TypeError, match=rx("`learning_rate`", f"Received: learning_rate={re.escape(repr(lr))}")):
        optimizer(learning_rate=lr)


@pytest.mark.parametrize(("make", "name", "shown"), [
    pytest.param(lambda: SGD(learning_rate=-0.01), "learning_rate", r"-0\.01", id="learning_rate-negative"),
    pytest.param(lambda: Adam(learning_rate=NAN), "learning_rate", "nan", id="learning_rate-nan"),
    pytest.param(lambda: SGD(clipnorm=-1.0), "clipnorm", r"-1\.0", id="clipnorm-negative"),
    pytest.param(lambda: Adam(epsilon=-1e-7), "epsilon", r"-1e-07", id="epsilon-negative"),
])
def test_positive_argument_states_the_right_expectation(make, name, shown):
    """A value that must be > 0 is described as such, whether it was 0, negative or NaN (not as "≥ 0")."""
    with pytest.raises(ValueError, match=rx(f"`{name}`", "> 0", f"Received: {name}={shown}")):
        make()


@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: SGD(momentum=1.5), ValueError, rx("`momentum`", r"\[0, 1\]", r"Received: momentum=1\.5"),
                 id="SGD-momentum-1.5"),
    pytest.param(lambda: SGD(momentum=-0.1), ValueError, rx("`momentum`", r"Received: momentum=-0\.1"),
                 id="SGD-momentum-negative"),
    pytest.param(lambda: SGD(momentum=NAN), ValueError, rx("`momentum`", "Received: momentum=nan"),
                 id="SGD-momentum-nan"),
    pytest.param(lambda: SGD(momentum="0.9"), TypeError, rx("`momentum`", r"Received: momentum='0\.9'"),
                 id="SGD-momentum-string"),
    pytest.param(lambda: RMSprop(momentum=2.0), ValueError, rx("`momentum`", r"Received: momentum=2\.0"),
                 id="RMSprop-momentum-2"),
    pytest.param(lambda: RMSprop(rho=1.0), ValueError, rx("`rho`", r"\[0, 1\)", r"Received: rho=1\.0"),
                 id="RMSprop-rho-1"),
    pytest.param(lambda: RMSprop(rho=-0.1), ValueError, rx("`rho`", r"Received: rho=-0\.1"), id="RMSprop-rho-neg"),
    pytest.param(lambda: Adam(beta_1=1.0), ValueError, rx("`beta_1`", r"\[0, 1\)", r"Received: beta_1=1\.0"),
                 id="Adam-beta_1-1"),
    pytest.param(lambda: Adam(beta_1=-0.1), ValueError, rx("`beta_1`", r"Received: beta_1=-0\.1"),
                 id="Adam-beta_1-neg"),
    pytest.param(lambda: Adam(beta_2=1.5), ValueError, rx("`beta_2`", r"Received: beta_2=1\.5"), id="Adam-beta_2-1.5"),
    pytest.param(lambda: Adam(beta_2=NAN), ValueError, rx("`beta_2`", "Received: beta_2=nan"), id="Adam-beta_2-nan"),
    pytest.param(lambda: AdamW(beta_1=1.0), ValueError, rx("`beta_1`", r"Received: beta_1=1\.0"), id="AdamW-beta_1-1"),
    pytest.param(lambda: Adam(epsilon=0), ValueError, rx("`epsilon`", "> 0", "Received: epsilon=0"), id="epsilon-0"),
    pytest.param(lambda: AdamW(weight_decay=-0.1), ValueError, rx("`weight_decay`", r"Received: weight_decay=-0\.1"),
                 id="AdamW-weight_decay-neg"),
    pytest.param(lambda: AdamW(weight_decay=NAN), ValueError, rx("`weight_decay`", "Received: weight_decay=nan"),
                 id="AdamW-weight_decay-nan"),
    pytest.param(lambda: Adagrad(initial_accumulator_value=-1.0), ValueError,
                 rx("`initial_accumulator_value`", r"Received: initial_accumulator_value=-1\.0"),
                 id="Adagrad-accumulator-neg"),
    pytest.param(lambda: SGD(clipnorm=0), ValueError, rx("`clipnorm`", "> 0", "Received: clipnorm=0"),
                 id="clipnorm-0"),
    pytest.param(lambda: SGD(clipvalue=NAN), ValueError, rx("`clipvalue`", "Received: clipvalue=nan"),
                 id="clipvalue-nan"),
    pytest.param(lambda: ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5), ValueError,
                 rx("`decay_steps`", "Received: decay_steps=0"), id="ExponentialDecay-decay_steps-0"),
    pytest.param(lambda: ExponentialDecay(-0.1, decay_steps=10, decay_rate=0.5), ValueError,
                 rx("`initial_learning_rate`", r"Received: initial_learning_rate=-0\.1"),
                 id="ExponentialDecay-initial-neg"),
])
def test_optimizer_hyperparameter(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("given", [
    {"clipnorm": 1.0, "clipvalue": 0.5},
    {"clipnorm": 1.0, "global_clipnorm": 2.0},
    {"clipvalue": 0.5, "global_clipnorm": 2.0},
    {"clipnorm": 1.0, "clipvalue": 0.5, "global_clipnorm": 2.0},
], ids=lambda g: "+".join(g))
def test_more_than_one_clip(optimizer, given):
    shown = ", ".join(f"{k}={v}" for k, v in given.items())
    with pytest.raises(ValueError, match=rx("Only one of", "`clipnorm`", "`clipvalue`", "`global_clipnorm`",
                                            f"Received: {re.escape(shown)}")):
        optimizer(**given)


@pytest.mark.parametrize(("value", "error", "shown"), [
    (0, ValueError, "0"), (-0.1, ValueError, r"-0\.1"), (NAN, ValueError, "nan"), ("0.1", TypeError, r"'0\.1'"),
])
def test_learning_rate_setter_on_trained_model(trained, value, error, shown):
    def set_lr(m):
        m.optimizer.learning_rate = value
    assert_rejected(trained, error, rx("`learning_rate`", f"Received: learning_rate={shown}"), set_lr)


def test_exclude_from_weight_decay_after_training():
    model = binary_model(optimizer=AdamW(learning_rate=0.01, weight_decay=0.1))
    decayed = [model.optimizer.uses_weight_decay(w) for w in model.weights]
    assert all(decayed)
    assert_rejected(model, ValueError, rx("`exclude_from_weight_decay\\(\\)`", "before", "Received:",
                                          r"after 3 step"),
                    lambda m: m.optimizer.exclude_from_weight_decay(var_names=["bias"]))
    assert [model.optimizer.uses_weight_decay(w) for w in model.weights] == decayed


def _adamw_model() -> Sequential:
    model = binary_model(optimizer=AdamW(weight_decay=0.1), train=False)
    model.build((None, 4))
    return model


def test_exclude_from_weight_decay_var_names_must_be_a_list():
    # A bare string would be read as the patterns 'b', 'i', 'a', 's': every path with an 's' ("dense/kernel") matches.
    model = _adamw_model()
    with pytest.raises(TypeError, match=rx("`var_names`", "Received: var_names='bias'")):
        model.optimizer.exclude_from_weight_decay(var_names="bias")
    assert all(model.optimizer.uses_weight_decay(w) for w in model.weights)


def test_exclude_from_weight_decay_bad_regex():
    model = _adamw_model()
    with pytest.raises(ValueError, match=rx("`var_names`", "regular expression", r"Received: var_names=\['\('\]")):
        model.optimizer.exclude_from_weight_decay(var_names=["("])


def test_exclude_from_weight_decay_bad_regex_changes_nothing():
    model = _adamw_model()
    kernel = model.weights[0]
    with pytest.raises(Exception):  # noqa: B017 - the type is checked by the test above
        model.optimizer.exclude_from_weight_decay(var_list=[kernel], var_names=["("])
    assert model.optimizer.uses_weight_decay(kernel), "the rejected call still excluded `var_list`"


# --- set_floatx -------------------------------------------------------------------------------------------------------
@pytest.fixture
def restore_floatx():
    before = glassnet.floatx()
    yield before
    glassnet.set_floatx(before)


@pytest.mark.parametrize(("value", "shown"), [("float16", "'float16'"), ("int32", "'int32'"), ("bogus", "'bogus'"),
                                              (None, "None")])
def test_set_floatx(restore_floatx, value, shown):
    with pytest.raises(ValueError, match=rx("'float32'", "'float64'", rf"Received: (value|floatx)={shown}")):
        glassnet.set_floatx(value)
    assert glassnet.floatx() == restore_floatx


# --- callbacks --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "error", "pattern"), [
    pytest.param(lambda: EarlyStopping(mode="bogus"), ValueError,
                 rx("`mode`", "'auto'", "'max'", "'min'", "Received: mode='bogus'"), id="mode-bogus"),
    pytest.param(lambda: EarlyStopping(patience=-1), ValueError, rx("`patience`", "Received: patience=-1"),
                 id="patience-negative"),
    pytest.param(lambda: EarlyStopping(patience=1.5), TypeError, rx("`patience`", r"Received: patience=1\.5"),
                 id="patience-float"),
    pytest.param(lambda: EarlyStopping(patience="2"), TypeError, rx("`patience`", "Received: patience='2'"),
                 id="patience-string"),
    pytest.param(lambda: EarlyStopping(min_delta=NAN), ValueError, rx("`min_delta`", "Received: min_delta=nan"),
                 id="min_delta-nan"),
    pytest.param(lambda: EarlyStopping(min_delta="0.1"), TypeError, rx("`min_delta`", r"Received: min_delta='0\.1'"),
                 id="min_delta-string"),
    # Checked only at the end of the first epoch today, i.e. after the model has been trained for an epoch.
    pytest.param(lambda: EarlyStopping(start_from_epoch="2"), TypeError,
                 rx("`start_from_epoch`", "Received: start_from_epoch='2'"), id="start_from_epoch-string"),
    pytest.param(lambda: LambdaCallback(on_epoch_end=5), TypeError, rx("`on_epoch_end`", "Received: on_epoch_end=5"),
                 id="LambdaCallback-not-callable"),
])
def test_callback_constructor(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


# --- nothing hidden changed either: training after rejected calls is bitwise the same ---------------------------------
def _reject_many(model: Sequential) -> None:
    calls = [
        lambda m: m.fit(X, Y_BIN, batch_size=0, verbose=0),
        lambda m: m.fit(X_NAN, Y_BIN, verbose=0),
        lambda m: m.fit(X, _with(Y_BIN, (0,), 2), verbose=0),
        lambda m: m.fit(X, Y_BIN, validation_split=1.0, verbose=0),
        lambda m: m.fit(X, Y_BIN, validation_data=(X, Y_BIN[:3]), verbose=0),
        lambda m: m.fit(X, Y_BIN, sample_weight=np.ones(3), verbose=0),
        lambda m: m.evaluate(X_3D, Y_BIN),
        lambda m: m.predict(X_NAN),
        lambda m: m.set_weights([w + 1 for w in m.get_weights()[:-1]] + [np.zeros(5)]),
        lambda m: m.compile(optimizer="sgd", loss=None),
        lambda m: m.compile(optimizer="sgd", loss="mse", metrics=["bogus"]),
        lambda m: m.compile(optimizer="sgd", loss="mse", regularizer="l2", lam=-1.0),
        lambda m: m.explain(X_NAN, Y_BIN),
        lambda m: m.add("dense"),
    ]
    for call in calls:
        with pytest.raises((ValueError, TypeError)):
            call(model)


def test_training_after_rejected_calls_is_bitwise_identical():
    clean, poked = binary_model(), binary_model()
    _reject_many(poked)
    for model in (clean, poked):
        model.fit(X, Y_BIN, batch_size=5, epochs=2, verbose=0)  # the model's own generator: shuffling
        model.fit(X, Y_BIN, batch_size=5, epochs=1, verbose=0, seed=3)
    for a, b in zip(clean.get_weights(), poked.get_weights()):
        assert _same_array(a, b)
    for sa, sb in zip(clean.optimizer.slots, poked.optimizer.slots):
        assert all(_same_array(sa[k], sb[k]) for k in sa)
    assert clean.optimizer.iterations == poked.optimizer.iterations
    assert math.isfinite(clean.evaluate(X, Y_BIN)[0])
