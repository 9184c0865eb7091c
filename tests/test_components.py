"""Unit tests of glassnet's components against the numbers Keras documents.

Constraints, initializers, learning-rate schedules, metrics, callbacks, reproducibility, dtypes, model
structure (Input, summary, get/set_weights) and the optimizers' single steps, clipping and decoupled weight
decay — each computed by hand in NumPy and compared with what glassnet does.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import (
    L1,
    L1L2,
    L2,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Dense,
    Dropout,
    EarlyStopping,
    Input,
    LambdaCallback,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    RMSprop,
    Sequential,
    TerminateOnNaN,
    UnitNorm,
    initializers,
    losses,
    metrics,
)
from glassnet.layers import Gradient, Weight
from glassnet.optimizers import ExponentialDecay

EPS = 1e-7
F32, F64 = np.dtype("float32"), np.dtype("float64")


# --- shared helpers -----------------------------------------------------------------------------------------
def binary_data(n=40, d=3, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(dtype)
    y = (x[:, 0] - 0.5 * x[:, 1] > 0).astype(dtype)
    return x, y


def small_model(seed=0, dtype="float64", **dense_kwargs):
    model = Sequential([Dense(4, "tanh", **dense_kwargs), Dense(1, "sigmoid")], dtype=dtype, seed=seed)
    return model


def gradients_of(model, x, y, sample_weight=None):
    """The total gradient of every trainable weight for one forward/backward pass on (x, y)."""
    n_out = model.output_shape_for((None, x.shape[1]))[-1]
    y_prepared = model.loss.prepare_targets(np.asarray(y), n_out, model.dtype)
    out = model.forward(x, training=True)
    model.backward(out, y_prepared, sample_weight)
    return [layer.grads[w.name].total.copy() for layer in model.layers for w in layer.trainable_weights]


@pytest.fixture
def restore_floatx():
    before = glassnet.floatx()
    try:
        yield
    finally:
        glassnet.set_floatx(before)


# --- constraints --------------------------------------------------------------------------------------------
def _column_norms(w, axis=0):
    return np.sqrt(np.sum(w**2, axis=axis, keepdims=True))


@pytest.fixture
def kernel():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 4))
    w[:, 0] *= 0.05  # a column of small norm, one of large norm
    w[:, 1] *= 3.0
    return w


@pytest.mark.parametrize("axis", [0, 1])
def test_max_norm(kernel, axis):
    n = _column_norms(kernel, axis)
    expected = kernel * np.clip(n, 0, 1.5) / (EPS + n)
    result = MaxNorm(max_value=1.5, axis=axis)(kernel)
    np.testing.assert_allclose(result, expected, rtol=1e-14)
    assert np.all(_column_norms(result, axis) <= 1.5 + 1e-12)
    small = (n <= 1.5).reshape(-1)
    assert small.any() and (~small).any()
    kept = result[:, small] if axis == 0 else result[small, :]
    original = kernel[:, small] if axis == 0 else kernel[small, :]
    np.testing.assert_allclose(kept, original, rtol=1e-6)  # short columns untouched but for ε
    assert MaxNorm().get_config() == {"max_value": 2.0, "axis": 0}


def test_non_neg(kernel):
    result = NonNeg()(kernel)
    np.testing.assert_array_equal(result, np.where(kernel >= 0, kernel, 0.0))
    assert (kernel < 0).any() and np.all(result >= 0)


@pytest.mark.parametrize("axis", [0, 1])
def test_unit_norm(kernel, axis):
    result = UnitNorm(axis=axis)(kernel)
    np.testing.assert_allclose(result, kernel / (EPS + _column_norms(kernel, axis)), rtol=1e-14)
    np.testing.assert_allclose(_column_norms(result, axis), 1.0, rtol=1e-5)


@pytest.mark.parametrize("rate", [1.0, 0.3])
def test_min_max_norm(kernel, rate):
    n = _column_norms(kernel)
    desired = rate * np.clip(n, 0.5, 1.2) + (1 - rate) * n
    result = MinMaxNorm(min_value=0.5, max_value=1.2, rate=rate)(kernel)
    np.testing.assert_allclose(result, kernel * desired / (EPS + n), rtol=1e-14)
    if rate == 1.0:
        assert np.all((_column_norms(result) > 0.5 - 1e-6) & (_column_norms(result) < 1.2 + 1e-6))
    assert MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}


def test_the_optimizer_applies_constraints_after_each_step():
    x, y = binary_data(n=16)
    model = Sequential(
        [
            Dense(
                3,
                "tanh",
                kernel_initializer=initializers.RandomNormal(stddev=2.0, seed=0),
                kernel_constraint=MaxNorm(0.5),
                bias_constraint=NonNeg(),
            ),
            Dense(1, "sigmoid"),
        ],
        dtype="float64",
        seed=1,
    )
    model.compile(optimizer=SGD(learning_rate=0.5), loss="binary_crossentropy")
    model.build((None, 3))
    before = model.get_weights()
    assert np.all(_column_norms(before[0]) > 0.5)  # the constraint must bind
    grads = gradients_of(model, x, y)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    after = model.get_weights()
    np.testing.assert_allclose(after[0], MaxNorm(0.5)(before[0] - 0.5 * grads[0]), rtol=1e-12)
    np.testing.assert_allclose(after[1], NonNeg()(before[1] - 0.5 * grads[1]), rtol=1e-12)
    assert np.all(_column_norms(after[0]) <= 0.5 + 1e-9)
    assert np.all(after[1] >= 0) and (before[1] - 0.5 * grads[1] < 0).any()
    np.testing.assert_allclose(
        after[2], before[2] - 0.5 * grads[2], rtol=1e-12
    )  # unconstrained weights move freely
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert np.all(_column_norms(model.get_weights()[0]) <= 0.5 + 1e-9)


# --- initializers -------------------------------------------------------------------------------------------
INITIALIZER_NAMES = [
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "random_normal",
    "random_uniform",
    "zeros",
    "ones",
    "constant",
]


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_initializer_shapes_and_dtypes(name, dtype):
    init = initializers.get(name)
    for shape in [(3, 4), (7,), (2, 3, 5)]:
        value = init(shape, dtype, np.random.default_rng(0))
        assert value.shape == shape and value.dtype == np.dtype(dtype)
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize(
    "name",
    INITIALIZER_NAMES[:8],  # the random ones
)
def test_initializer_seed_reproducibility(name):
    cls = type(initializers.get(name))
    a = cls(seed=3)((20, 10), "float64")
    np.testing.assert_array_equal(a, cls(seed=3)((20, 10), "float64"))
    assert not np.array_equal(a, cls(seed=4)((20, 10), "float64"))
    b = cls()((20, 10), "float64", np.random.default_rng(8))
    np.testing.assert_array_equal(b, cls()((20, 10), "float64", np.random.default_rng(8)))
    assert not np.array_equal(b, cls()((20, 10), "float64", np.random.default_rng(9)))
    assert len(np.unique(a)) == a.size  # really random


FAN_IN, FAN_OUT = 300, 200
UNIFORM_LIMITS = {
    "glorot_uniform": math.sqrt(6 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(6 / FAN_IN),
    "lecun_uniform": math.sqrt(3 / FAN_IN),
}
NORMAL_VARIANCES = {
    "glorot_normal": 2 / (FAN_IN + FAN_OUT),
    "he_normal": 2 / FAN_IN,
    "lecun_normal": 1 / FAN_IN,
}


@pytest.mark.parametrize("name", sorted(UNIFORM_LIMITS))
def test_uniform_variance_scaling_statistics(name):
    limit = UNIFORM_LIMITS[name]
    w = initializers.get(name)((FAN_IN, FAN_OUT), "float64", np.random.default_rng(1))
    assert np.max(np.abs(w)) <= limit
    assert np.max(w) > 0.99 * limit and np.min(w) < -0.99 * limit
    counts, _ = np.histogram(w, bins=10, range=(-limit, limit))
    np.testing.assert_allclose(counts, w.size / 10, rtol=0.05)  # roughly flat
    assert abs(np.mean(w)) < 0.01 * limit
    assert np.var(w) == pytest.approx(limit**2 / 3, rel=0.03)


@pytest.mark.parametrize("name", sorted(NORMAL_VARIANCES))
def test_truncated_normal_variance_scaling_statistics(name):
    variance = NORMAL_VARIANCES[name]
    sigma = math.sqrt(variance) / 0.87962566103423978  # stddev before truncation at ±2σ
    w = initializers.get(name)((FAN_IN, FAN_OUT), "float64", np.random.default_rng(2))
    assert np.max(np.abs(w)) <= 2 * sigma
    assert np.max(np.abs(w)) > 1.95 * sigma  # truncated, not narrower
    assert np.var(w) == pytest.approx(variance, rel=0.03)
    assert abs(np.mean(w)) < 0.01 * math.sqrt(variance)
    inner = np.mean(np.abs(w) < sigma)  # P(|Z| < 1 | |Z| < 2) = 0.6827/0.9545
    assert inner == pytest.approx(0.6827 / 0.9545, abs=0.01)


def test_fans_of_1d_shapes_and_dense_defaults():
    w = initializers.get("he_uniform")((10000,), "float64", np.random.default_rng(0))
    assert np.max(np.abs(w)) <= math.sqrt(6 / 10000) and np.max(np.abs(w)) > 0.99 * math.sqrt(6 / 10000)
    layer = Dense(50)
    layer.build((None, 70), F64, np.random.default_rng(0))
    assert np.max(np.abs(layer.kernel.value)) <= math.sqrt(6 / 120)
    assert np.var(layer.kernel.value) == pytest.approx(2 / 120, rel=0.1)
    np.testing.assert_array_equal(layer.bias.value, np.zeros(50))


def test_random_normal_uniform_and_constants():
    w = initializers.get("random_normal")((400, 300), "float64", np.random.default_rng(0))
    assert np.std(w) == pytest.approx(0.05, rel=0.02) and abs(np.mean(w)) < 1e-3
    u = initializers.get("random_uniform")((400, 300), "float64", np.random.default_rng(0))
    assert np.all(np.abs(u) <= 0.05) and np.max(u) > 0.0499 and np.min(u) < -0.0499
    custom = initializers.RandomNormal(mean=2.0, stddev=0.5)((400, 300), "float64", np.random.default_rng(1))
    assert np.mean(custom) == pytest.approx(2.0, abs=0.01) and np.std(custom) == pytest.approx(0.5, rel=0.02)
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3), "float32"), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2, 3), "float32"), np.ones((2, 3)))
    np.testing.assert_array_equal(initializers.Constant(3.5)((4,), "float64"), np.full(4, 3.5))
    np.testing.assert_array_equal(initializers.get("constant")((4,), "float64"), np.zeros(4))  # Keras value=0


# --- learning-rate schedules --------------------------------------------------------------------------------
def test_exponential_decay_values():
    smooth = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stairs = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    for step in [0, 1, 5, 9, 10, 15, 20, 37]:
        assert smooth(step) == pytest.approx(0.1 * 0.5 ** (step / 10), rel=1e-14)
        assert stairs(step) == pytest.approx(0.1 * 0.5 ** (step // 10), rel=1e-14)
    assert smooth(20) == pytest.approx(0.025) and stairs(19) == pytest.approx(0.05) and stairs(9) == 0.1


@pytest.mark.parametrize(
    "schedule",
    [
        ExponentialDecay(0.3, decay_steps=2, decay_rate=0.5),
        ExponentialDecay(0.3, decay_steps=2, decay_rate=0.5, staircase=True),
        lambda step: 0.2 / (1 + step),
    ],
    ids=["exponential", "staircase", "callable"],
)
def test_optimizer_uses_the_schedule_at_its_iteration_count(schedule):
    x, y = binary_data(n=8)
    model = small_model(seed=2)
    optimizer = SGD(learning_rate=schedule)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    model.build((None, 3))
    for t in range(5):
        assert optimizer.iterations == t
        assert optimizer.learning_rate == pytest.approx(schedule(t))
        before = model.get_weights()
        grads = gradients_of(model, x, y)
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        for w0, w1, g in zip(before, model.get_weights(), grads):
            np.testing.assert_allclose(w1 - w0, -schedule(t) * g, rtol=1e-9, atol=1e-15)
    assert optimizer.iterations == 5


# --- metrics ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "loss, n_outputs, expected",
    [
        ("binary_crossentropy", 1, metrics.binary_accuracy),
        ("binary_crossentropy", 3, metrics.binary_accuracy),
        ("mse", 1, metrics.binary_accuracy),
        ("sparse_categorical_crossentropy", 4, metrics.sparse_categorical_accuracy),
        ("categorical_crossentropy", 4, metrics.categorical_accuracy),
        ("mse", 3, metrics.categorical_accuracy),
    ],
)
@pytest.mark.parametrize("alias", ["accuracy", "acc"])
def test_accuracy_resolution(loss, n_outputs, expected, alias):
    metric = metrics.get(alias, losses.get(loss), n_outputs)
    assert metric.fn is expected and metric.name == alias


def test_metric_values_on_hand_made_examples():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.7], [0.2], [0.4], [0.5]])  # 0.5 is not > 0.5: predicted 0
    np.testing.assert_array_equal(metrics.binary_accuracy(y, p), [1, 1, 0, 1])
    y2 = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    p2 = np.array([[0.9, 0.6, 0.2], [0.1, 0.3, 0.8]])
    np.testing.assert_allclose(metrics.binary_accuracy(y2, p2), [1 / 3, 1.0])
    onehot = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], float)
    probs = np.array([[0.2, 0.5, 0.3], [0.3, 0.6, 0.1], [0.1, 0.1, 0.8]])
    np.testing.assert_array_equal(metrics.categorical_accuracy(onehot, probs), [1, 0, 1])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(np.array([1, 0, 2]), probs), [1, 0, 1])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy(np.array([[1], [1], [2]]), probs), [1, 1, 1]
    )
    np.testing.assert_allclose(
        metrics.mean_squared_error(y2, p2), [(0.01 + 0.36 + 0.64) / 3, (0.01 + 0.09 + 0.04) / 3]
    )
    np.testing.assert_allclose(
        metrics.mean_absolute_error(y2, p2), [(0.1 + 0.6 + 0.8) / 3, (0.1 + 0.3 + 0.2) / 3]
    )
    running = metrics.get("accuracy", losses.get("mse"), 1)
    running.update(y[:3], p[:3])
    running.update(y[3:], p[3:])
    assert running.result() == pytest.approx(0.75)  # over samples: 3/4, not mean of batch means (2/3+1)/2
    running.reset()
    assert running.result() == 0.0 and running.count == 0


def test_history_and_evaluate_average_over_samples():
    """Epoch values are means over samples (a short last batch counts for its size), the loss is Keras's
    Σ sᵢ·ℓᵢ / n with sample weights, and unweighted metrics ignore sample weights as in Keras 3."""
    x = np.array([[2.0], [-1.0], [3.0], [-2.0], [1.0], [-3.0], [0.5]])
    y = np.array([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0])  # batches (3, 3, 1): accuracies 2/3, 2/3, 1
    s = np.array([1.0, 2.0, 0.5, 0.0, 1.0, 3.0, 2.0])
    model = Sequential([Dense(1, "sigmoid", kernel_initializer="ones")], dtype="float64", seed=0)
    # a learning rate so small that the weights cannot move: every batch sees the same model
    model.compile(
        optimizer=SGD(learning_rate=1e-300), loss="binary_crossentropy", metrics=["accuracy", "mse"]
    )
    history = model.fit(x, y, batch_size=3, epochs=2, shuffle=False, sample_weight=s, verbose=0)
    p = model.predict(x)[:, 0]
    correct = ((p > 0.5) == (y == 1)).astype(float)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.mean(correct) == pytest.approx(5 / 7)
    assert history.history["accuracy"] == pytest.approx([5 / 7, 5 / 7], rel=1e-12)
    assert history.history["mse"] == pytest.approx([np.mean((p - y) ** 2)] * 2, rel=1e-12)
    assert history.history["loss"] == pytest.approx([np.sum(s * bce) / 7] * 2, rel=1e-12)
    result = model.evaluate(x, y, batch_size=3, sample_weight=s, return_dict=True)
    assert result["loss"] == pytest.approx(np.sum(s * bce) / 7, rel=1e-12)
    assert result["accuracy"] == pytest.approx(5 / 7, rel=1e-12)
    assert result["mse"] == pytest.approx(np.mean((p - y) ** 2), rel=1e-12)
    assert model.evaluate(x, y, batch_size=2) == pytest.approx([np.mean(bce), 5 / 7, np.mean((p - y) ** 2)])


# --- callbacks ----------------------------------------------------------------------------------------------
class _ScriptedLogs(glassnet.callbacks.Callback):
    """Overwrites ``logs[key]`` at each epoch end with a scripted value.

    Placed before the callback under test, which then sees the scripted value."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _run_early_stopping(values, monitor="val_loss", epochs=None, **kwargs):
    x, y = binary_data(n=20)
    model = small_model(seed=0)
    model.compile(optimizer=SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    snapshots = []
    recorder = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    stopper = EarlyStopping(monitor=monitor, **kwargs)
    history = model.fit(
        x,
        y,
        batch_size=5,
        epochs=epochs or len(values),
        validation_split=0.25,
        verbose=0,
        callbacks=[_ScriptedLogs(monitor, values), recorder, stopper],
    )
    return model, history, stopper, snapshots


@pytest.mark.parametrize("patience, epochs_run", [(0, 4), (1, 4), (2, 5), (3, 6)])  # Keras: 0 and 1 alike
def test_early_stopping_patience(patience, epochs_run):
    values = [1.0, 0.9, 0.8, 0.85, 0.84, 0.83, 0.82, 0.81, 0.80, 0.79]  # best at epoch 2, then worse
    _, history, stopper, _ = _run_early_stopping(values, patience=patience)
    assert len(history.history["loss"]) == epochs_run
    assert history.history["val_loss"] == values[:epochs_run]
    assert stopper.stopped_epoch == epochs_run - 1 and stopper.best == 0.8


def test_early_stopping_min_delta():
    values = [1.0, 0.95, 0.92, 0.91, 0.5]
    _, history, stopper, _ = _run_early_stopping(values, patience=1, min_delta=0.1)
    assert len(history.epoch) == 2 and stopper.stopped_epoch == 1  # 0.95 is not 0.1 better than 1.0
    _, history, _, _ = _run_early_stopping(values, patience=1, min_delta=0.0)
    assert len(history.epoch) == 5


def test_early_stopping_auto_mode_maximizes_accuracy():
    values = [0.5, 0.6, 0.7, 0.8, 0.9]
    stopper = EarlyStopping(monitor="val_accuracy")
    assert stopper.mode == "max" and EarlyStopping(monitor="val_loss").mode == "min"
    _, history, _, _ = _run_early_stopping(values, monitor="val_accuracy", patience=0)
    assert len(history.epoch) == 5  # always improving when larger is better
    _, history, _, _ = _run_early_stopping(values, monitor="val_loss", patience=0)
    assert len(history.epoch) == 2  # getting larger is getting worse for a loss
    _, history, _, _ = _run_early_stopping(values[::-1], monitor="val_accuracy", patience=0)
    assert len(history.epoch) == 2


def test_early_stopping_restores_the_weights_of_the_best_epoch():
    values = [1.0, 0.7, 0.5, 0.6, 0.65, 0.9]
    model, history, stopper, snapshots = _run_early_stopping(values, patience=2, restore_best_weights=True)
    assert len(history.epoch) == 5 and stopper.best_epoch == 2
    restored = model.get_weights()
    for a, b in zip(restored, snapshots[2]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(restored, snapshots[-1]))
    model, _, _, snapshots = _run_early_stopping(values, patience=2, restore_best_weights=False)
    for a, b in zip(model.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_baseline():
    values = [0.9, 0.8, 0.85, 0.85, 0.85, 0.85]
    _, history, _, _ = _run_early_stopping(values, patience=2)
    assert len(history.epoch) == 4  # improvement at epoch 1 restarts the wait
    _, history, _, _ = _run_early_stopping(values, patience=2, baseline=0.5)
    assert len(history.epoch) == 3  # never better than the baseline: the wait is never reset
    _, history, _, _ = _run_early_stopping(values, patience=2, baseline=0.82)
    assert len(history.epoch) == 4  # 0.8 beats the baseline at epoch 1


@pytest.mark.parametrize("how", ["inf_weights", "huge_learning_rate"])
def test_terminate_on_nan(how, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)) * 100
    y = rng.normal(size=50)
    batches = []

    def run(callbacks):
        model = Sequential([Dense(1)], dtype="float64", seed=0)
        model.compile(optimizer=SGD(1e30 if how == "huge_learning_rate" else 0.01), loss="mse")
        model.build((None, 3))
        if how == "inf_weights":
            model.set_weights([np.full((3, 1), np.inf), np.zeros(1)])
        batches.clear()
        counter = LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(logs["loss"]))
        with np.errstate(all="ignore"):
            # on_nonfinite="ignore": Keras's behaviour, NaN reaches the callbacks (glassnet's default raises).
            return model.fit(
                x, y, batch_size=5, epochs=4, shuffle=False, verbose=0, callbacks=[counter, *callbacks],
                on_nonfinite="ignore",
            )

    history = run([TerminateOnNaN()])
    assert not math.isfinite(batches[-1]) and all(math.isfinite(v) for v in batches[:-1])
    assert len(batches) < 10 and len(history.epoch) == 1
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    run([])
    assert len(batches) == 40  # without the callback all 4 epochs × 10 batches run


def _fit_five_rows(callback):
    x, y = binary_data(n=5)
    model = small_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(x, y, batch_size=2, epochs=2, verbose=0, validation_data=(x, y), callbacks=[callback])


def _expected_events():
    def epoch(e):
        return [
            f"epoch_begin {e}",
            "batch_begin 0",
            "batch_end 0",
            "batch_begin 1",
            "batch_end 1",
            "batch_begin 2",
            "batch_end 2",
            f"epoch_end {e} loss+val_loss",
        ]

    return ["train_begin", *epoch(0), *epoch(1), "train_end"]


def test_lambda_callback_call_order():
    events = []
    _fit_five_rows(
        LambdaCallback(
            on_train_begin=lambda logs=None: events.append("train_begin"),
            on_epoch_begin=lambda epoch, logs=None: events.append(f"epoch_begin {epoch}"),
            on_train_batch_begin=lambda batch, logs=None: events.append(f"batch_begin {batch}"),
            on_train_batch_end=lambda batch, logs=None: events.append(f"batch_end {batch}"),
            on_epoch_end=lambda epoch, logs=None: events.append(
                f"epoch_end {epoch} {'loss+val_loss' if {'loss', 'val_loss'} <= set(logs) else sorted(logs)}"
            ),
            on_train_end=lambda logs=None: events.append("train_end"),
        )
    )
    assert events == _expected_events()


def test_lambda_callback_with_keras_documented_signatures():
    """Keras's LambdaCallback docs: on_train_begin/end(logs), on_epoch_begin/end(epoch, logs),
    on_train_batch_begin/end(batch, logs) — every hook receives its logs (possibly empty), as Keras's
    CallbackList passes them, so plain two-argument lambdas from Keras code must work unchanged."""
    events, received = [], []

    def record(name):
        def hook(*args):
            received.append((name, args[-1]))
            events.append(
                name
                if len(args) == 1
                else f"{name} {args[0]}"
                + (" loss+val_loss" if name == "epoch_end" and {"loss", "val_loss"} <= set(args[1]) else "")
            )

        return hook

    _fit_five_rows(
        LambdaCallback(
            on_train_begin=lambda logs: record("train_begin")(logs),
            on_epoch_begin=lambda epoch, logs: record("epoch_begin")(epoch, logs),
            on_train_batch_begin=lambda batch, logs: record("batch_begin")(batch, logs),
            on_train_batch_end=lambda batch, logs: record("batch_end")(batch, logs),
            on_epoch_end=lambda epoch, logs: record("epoch_end")(epoch, logs),
            on_train_end=lambda logs: record("train_end")(logs),
        )
    )
    assert events == _expected_events()
    assert all(isinstance(logs, dict) for _, logs in received)


def test_history_contents():
    x, y = binary_data(n=23)
    model = small_model(seed=3)
    model.compile(optimizer=Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=3, validation_split=0.3, verbose=0)
    assert isinstance(history, glassnet.History)
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
    assert all(len(v) == 3 for v in history.history.values()) and history.epoch == [0, 1, 2]
    for prefix in ("", "val_"):  # the loss as split by glassnet, where present
        if f"{prefix}data_loss" in history.history:
            np.testing.assert_allclose(
                np.add(history.history[f"{prefix}data_loss"], history.history[f"{prefix}penalty_loss"]),
                history.history[f"{prefix}loss"],
                rtol=1e-12,
            )
    assert all(math.isfinite(v) for vs in history.history.values() for v in vs)
    # validation rows are the last n − floor(n·(1 − f)) = 23 − 16 = 7, scored after the epoch's updates
    val = model.evaluate(x[16:], y[16:], batch_size=8, return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(val["loss"], rel=1e-12)
    assert history.history["val_accuracy"][-1] == pytest.approx(val["accuracy"], rel=1e-12)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_history_values_are_python_floats():
    """Keras's History holds Python floats; so must glassnet's, also for parts that happen to be zero."""
    x, y = binary_data(n=20)
    model = small_model(seed=3)  # no regularizer: the penalty part is 0.0
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    wrong = {
        key: [type(v).__name__ for v in values]
        for key, values in history.history.items()
        if not all(type(v) is float for v in values)
    }
    assert wrong == {}


def test_progbar_logger_verbose_2(capsys):
    x, y = binary_data(n=20)
    model = small_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=5, epochs=3, validation_split=0.2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    loss_lines = [line for line in lines if "loss:" in line]
    assert len(loss_lines) == 3
    assert all("val_loss:" in line and "accuracy:" in line for line in loss_lines)
    assert [line for line in lines if line.startswith("Epoch ")] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert f"loss: {history.history['loss'][1]:.4f}" in loss_lines[1]
    assert loss_lines[0].startswith("4/4")  # 16 training rows in batches of 5
    assert "\r" not in "".join(lines)  # verbose=2 draws no bar
    model.fit(x, y, batch_size=5, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


# --- reproducibility ----------------------------------------------------------------------------------------
def _train(model_seed, fit_seed, x, y):
    model = Sequential(
        [Dense(8, "relu"), Dropout(0.3), Dense(4, "tanh"), Dropout(0.2), Dense(1, "sigmoid")], seed=model_seed
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=7, epochs=3, shuffle=True, seed=fit_seed, verbose=0)
    return model.get_weights(), history.history


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def test_same_seed_gives_bitwise_identical_training():
    x, y = binary_data(n=50, dtype="float32")
    weights, history = _train(1, 2, x, y)
    again, history_again = _train(1, 2, x, y)
    assert _same(weights, again)
    assert history["loss"] == history_again["loss"] and history["accuracy"] == history_again["accuracy"]
    assert not _same(weights, _train(1, 3, x, y)[0])  # another shuffle/dropout seed
    assert _same(_train(1, None, x, y)[0], _train(1, None, x, y)[0])  # the model seed alone is enough
    assert not _same(_train(1, None, x, y)[0], _train(5, None, x, y)[0])


def test_model_seed_sets_the_initial_weights_even_when_fit_has_a_seed():
    """Sequential(seed=...) is documented as the seed "for weight initialization and, unless fit gets its own,
    shuffling and dropout": a different model seed must give different initial weights, whatever fit's
    seed."""
    x, y = binary_data(n=50, dtype="float32")
    initial = []
    for model_seed in (1, 5):
        model = Sequential([Dense(8, "relu"), Dense(1, "sigmoid")], seed=model_seed)
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        snapshot = LambdaCallback(on_train_begin=lambda logs=None, m=model: initial.append(m.get_weights()))
        model.fit(x, y, epochs=1, seed=2, verbose=0, callbacks=[snapshot])
    assert not _same(initial[0], initial[1])


def test_fit_seed_alone_fixes_the_initial_weights_of_an_unbuilt_model():
    x, y = binary_data(n=30, dtype="float32")
    assert _same(_train(None, 4, x, y)[0], _train(None, 4, x, y)[0])
    assert not _same(_train(None, 4, x, y)[0], _train(None, 5, x, y)[0])


def test_dropout_is_actually_random_during_training():
    """The reproducibility above must come from seeding, not from dropout or shuffling doing nothing."""
    x, _ = binary_data(n=50, dtype="float32")
    model = Sequential([Dense(8, "relu"), Dropout(0.5)], seed=0)
    model.build((None, 3))
    a, b = model(x, training=True), model(x, training=True)
    assert not np.array_equal(a, b) and np.mean(a == 0) > np.mean(model(x) == 0)
    np.testing.assert_array_equal(model(x), model(x))


def test_no_global_numpy_random_state_is_used():
    x, y = binary_data(n=30, dtype="float32")
    np.random.seed(12345)
    state = np.random.get_state()
    _train(None, None, x, y)
    _train(1, 2, x, y)
    model = Sequential([Dense(3), Dropout(0.5), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.2)
    model.evaluate(x, y)
    model.predict(x)
    Dense(2)(x)
    initializers.get("glorot_normal")((4, 4))
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


# --- dtypes -------------------------------------------------------------------------------------------------
def _trained(model, x, y):
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return history


def test_float32_is_the_default():
    assert glassnet.floatx() == "float32"
    x, y = binary_data(n=16)  # float64 data is cast to the model's dtype
    model = small_model(dtype=None)
    _trained(model, x, y)
    assert model.dtype == F32
    assert all(w.dtype == F32 for w in model.get_weights())
    assert model.predict(x).dtype == F32
    assert all(slot.dtype == F32 for slots in model.optimizer.slots for slot in slots.values())
    assert Dense(2)(np.ones((1, 3))).dtype == F32


def test_set_floatx_float64(restore_floatx):
    glassnet.set_floatx("float64")
    assert glassnet.floatx() == "float64"
    x, y = binary_data(n=16, dtype="float32")
    model = small_model(dtype=None)
    _trained(model, x, y)
    assert model.dtype == F64 and all(w.dtype == F64 for w in model.get_weights())
    assert model.predict(x).dtype == F64
    assert all(slot.dtype == F64 for slots in model.optimizer.slots for slot in slots.values())
    assert Dense(2)(np.ones((1, 3), np.float32)).dtype == F64
    glassnet.set_floatx("float32")
    fresh = small_model(dtype=None)
    fresh.build((None, 3))
    assert fresh.get_weights()[0].dtype == F32
    with pytest.raises(ValueError):
        glassnet.set_floatx("float16")


def test_per_model_dtype():
    x, y = binary_data(n=16, dtype="float32")
    model = small_model(dtype="float64")
    _trained(model, x, y)
    assert model.dtype == F64 and all(w.dtype == F64 for w in model.get_weights())
    assert model.predict(x).dtype == F64
    assert all(layer.grads[name].total.dtype == F64 for layer in model.layers for name in layer.grads)
    assert glassnet.floatx() == "float32"
    # float64 really computes in float64: the output carries more than float32's 24 bits
    out = model.predict(x)
    assert not np.array_equal(out, out.astype(np.float32).astype(np.float64))


# --- structure: Input, summary, get/set_weights -------------------------------------------------------------
def test_input_builds_immediately():
    model = Sequential([Input(shape=(4,)), Dense(3, "relu"), Dense(2)])
    assert model.built
    assert [w.shape for w in model.get_weights()] == [(4, 3), (3,), (3, 2), (2,)]
    assert model.count_params() == 23
    other = Sequential([Dense(3, input_shape=(5,))])
    assert other.built and other.get_weights()[0].shape == (5, 3)
    assert not Sequential([Dense(3)]).built


def test_summary_lists_layers_shapes_params_and_regularizers():
    model = Sequential(
        [
            Input(shape=(4,)),
            Dense(3, "relu", kernel_regularizer=L2(0.01), name="hidden"),
            Dropout(0.5, name="drop"),
            Dense(2, bias_regularizer=L1(0.02), activity_regularizer=L1L2(l1=0.001, l2=0.003), name="out"),
        ],
        name="net",
    )
    printed = []
    model.summary(print_fn=printed.append)
    text = "\n".join(printed)
    rows = {
        line.split()[0]: line
        for line in text.splitlines()
        if line.split() and line.split()[0] in ("hidden", "drop", "out")
    }
    assert set(rows) == {"hidden", "drop", "out"}
    assert "(Dense)" in rows["hidden"] and "(None, 3)" in rows["hidden"] and " 15 " in rows["hidden"] + " "
    assert "kernel: L2(l2=0.01)" in rows["hidden"]
    assert "(Dropout)" in rows["drop"] and "(None, 3)" in rows["drop"] and " 0 " in rows["drop"] + " "
    assert "(None, 2)" in rows["out"] and " 8 " in rows["out"] + " "
    assert "bias: L1(l1=0.02)" in rows["out"] and "activity: L1L2(l1=0.001, l2=0.003)" in rows["out"]
    assert "net" in text and "Total params: 23" in text


def test_get_set_weights_round_trip():
    model = Sequential([Input(shape=(3,)), Dense(2, "linear"), Dense(1)], dtype="float64")
    rng = np.random.default_rng(0)
    new = [rng.normal(size=s) for s in [(3, 2), (2,), (2, 1), (1,)]]
    model.set_weights(new)
    got = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(got, new))
    got[0][0, 0] = 99.0  # copies, not views
    assert model.get_weights()[0][0, 0] == new[0][0, 0]
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(model.predict(x), (x @ new[0] + new[1]) @ new[2] + new[3], rtol=1e-12)
    with pytest.raises(ValueError):
        model.set_weights([new[0].T, new[1], new[2], new[3]])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), new))  # unchanged after the error
    with pytest.raises(ValueError):
        model.set_weights(new[:3])


# --- optimizers ---------------------------------------------------------------------------------------------
def test_optimizer_keras_defaults():
    sgd = SGD()
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.01, 0.0, False)
    adam = Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (
        0.001,
        0.9,
        0.999,
        1e-7,
        False,
    )
    assert adam.weight_decay is None
    adamw = AdamW()
    assert (adamw.learning_rate, adamw.weight_decay, adamw.beta_1, adamw.beta_2, adamw.epsilon) == (
        0.001,
        0.004,
        0.9,
        0.999,
        1e-7,
    )
    rms = RMSprop()
    assert (rms.learning_rate, rms.rho, rms.epsilon, rms.momentum, rms.centered) == (
        0.001,
        0.9,
        1e-7,
        0.0,
        False,
    )
    ada = Adagrad()
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (0.001, 0.1, 1e-7)
    for name, cls in [
        ("sgd", SGD),
        ("adam", Adam),
        ("AdamW", AdamW),
        ("rmsprop", RMSprop),
        ("adagrad", Adagrad),
    ]:
        assert type(glassnet.optimizers.get(name)) is cls
    model = small_model()
    model.compile(loss="mse")
    assert type(model.optimizer) is RMSprop  # Keras's compile default


def _weight(value, path="dense/kernel"):
    return Weight(path.split("/")[1], path, np.array(value, dtype=np.float64))


GRADS = [
    np.array([[0.3, -1e-7], [2.0, 5e-8]]),
    np.array([[-0.1, 3e-7], [1.5, -4e-8]]),
    np.array([[0.25, 1e-9], [-3.0, 2e-7]]),
]  # tiny entries make ε matter
W0 = np.array([[0.5, -0.2], [1.0, 0.7]])


def _steps(optimizer, grads=GRADS, w0=W0):
    weight = _weight(w0)
    history = []
    for g in grads:
        optimizer.apply_gradients(zip([g.copy()], [weight]))
        history.append(weight.value.copy())
    return history


def test_adam_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    mine = _steps(Adam(learning_rate=lr))
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, (g, got) in enumerate(zip(GRADS, mine), start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v) + eps)  # ε on the uncorrected √v (Keras)
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)
    # PyTorch's placement of ε (on √v̂) gives different numbers for the tiny gradients: the test can tell
    m1, v1 = GRADS[0] * (1 - b1), GRADS[0] ** 2 * (1 - b2)
    torch_style = W0 - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    assert not np.allclose(mine[0], torch_style, rtol=1e-6, atol=0)


def test_adam_amsgrad_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    grads = [np.array([2.0, 1.0]), np.array([0.1, 3.0]), np.array([0.1, 0.2])]
    mine = _steps(Adam(learning_rate=lr, amsgrad=True), grads, np.zeros(2))
    w, m, v, v_hat = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
    for t, (g, got) in enumerate(zip(grads, mine), start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        v_hat = np.maximum(v_hat, v)
        w = w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(got, w, rtol=1e-12)


@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.5, False), (0.0, True), (0.5, True)])
def test_rmsprop_steps_by_hand(momentum, centered):
    lr, rho, eps = 0.01, 0.9, 1e-7
    mine = _steps(RMSprop(learning_rate=lr, momentum=momentum, centered=centered))
    w, v, a, mom = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for g, got in zip(GRADS, mine):
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            denominator = v - a * a + eps
        else:
            denominator = v + eps  # ε inside the square root
        increment = lr * g / np.sqrt(denominator)
        mom = momentum * mom + increment
        w = w - mom
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)


def test_adagrad_steps_by_hand():
    lr, eps = 0.05, 1e-7
    mine = _steps(Adagrad(learning_rate=lr))
    w, s = W0.copy(), np.full_like(W0, 0.1)
    for g, got in zip(GRADS, mine):
        s = s + g * g
        w = w - lr * g / np.sqrt(s + eps)
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_steps_by_hand(nesterov):
    lr, mu = 0.1, 0.9
    mine = _steps(SGD(learning_rate=lr, momentum=mu, nesterov=nesterov))
    w, m = W0.copy(), np.zeros_like(W0)
    for g, got in zip(GRADS, mine):
        m = mu * m - lr * g
        w = w + (mu * m - lr * g if nesterov else m)
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-15)
    plain = _steps(SGD(learning_rate=lr))
    np.testing.assert_allclose(plain[-1], W0 - lr * sum(GRADS), rtol=1e-12)


def test_gradient_parts_are_summed_by_the_optimizer():
    weight = _weight(W0)
    data, penalty = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, 0.0], [-1.0, 0.25]])
    SGD(learning_rate=0.1).apply_gradients(zip([Gradient(data, penalty)], [weight]))
    np.testing.assert_allclose(weight.value, W0 - 0.1 * (data + penalty), rtol=1e-14)
    SGD(learning_rate=0.1).apply_gradients(zip([Gradient(data, None)], [weight]))
    np.testing.assert_allclose(weight.value, W0 - 0.1 * (2 * data + penalty), rtol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AdamW(learning_rate=0.01, weight_decay=0.1),
        lambda: Adam(learning_rate=0.01, weight_decay=0.1),
        lambda: SGD(learning_rate=0.01, weight_decay=0.1),
    ],
    ids=["AdamW", "Adam", "SGD"],
)
def test_decoupled_weight_decay_with_bias_excluded(make):
    """w ← w − w·wd·lr before the algorithm's step (which for Adam and SGD does not depend on w), skipped for
    weights whose path matches ``var_names``."""
    lr, wd = 0.01, 0.1
    kernel, bias = _weight(W0, "dense_7/kernel"), _weight([0.4, -0.6], "dense_7/bias")
    g_kernel, g_bias = GRADS[0], np.array([0.2, -0.3])
    optimizer = make()
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    assert optimizer.uses_weight_decay(kernel) and not optimizer.uses_weight_decay(bias)
    reference = make()  # the same algorithm without decay
    reference.weight_decay = None
    ref_kernel, ref_bias = _weight(W0, "dense_7/kernel"), _weight([0.4, -0.6], "dense_7/bias")
    optimizer.apply_gradients(zip([g_kernel, g_bias], [kernel, bias]))
    reference.apply_gradients(zip([g_kernel, g_bias], [ref_kernel, ref_bias]))
    step_kernel = ref_kernel.value - W0
    np.testing.assert_allclose(kernel.value, W0 - W0 * wd * lr + step_kernel, rtol=1e-12, atol=1e-15)
    assert not np.allclose(kernel.value, ref_kernel.value, rtol=1e-6, atol=0)  # the decay is visible
    np.testing.assert_array_equal(bias.value, ref_bias.value)
    with pytest.raises(ValueError):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])  # only before the first step


def test_adamw_decays_every_weight_unless_excluded_in_a_model():
    x, y = binary_data(n=8)
    model = small_model(seed=4)
    model.compile(optimizer=AdamW(learning_rate=0.01, weight_decay=0.5), loss="binary_crossentropy")
    model.build((None, 3))
    twin = small_model(seed=4)
    twin.build((None, 3))
    twin_opt = AdamW(learning_rate=0.01, weight_decay=0.5)
    twin_opt.exclude_from_weight_decay(var_list=[twin.layers[0].kernel])
    twin.compile(optimizer=twin_opt, loss="binary_crossentropy")
    before = model.get_weights()
    for m in (model, twin):
        m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    a, b = model.get_weights(), twin.get_weights()
    np.testing.assert_allclose(a[0], b[0] - before[0] * 0.5 * 0.01, rtol=1e-12)  # only the decay differs
    for u, v in zip(a[1:], b[1:]):
        np.testing.assert_array_equal(u, v)


def test_clipnorm_per_gradient():
    big, small = np.array([[3.0, 4.0]]), np.array([0.3, 0.4])  # norms 5 and 0.5
    w1, w2 = _weight([[0.0, 0.0]]), _weight([0.0, 0.0], "dense/bias")
    SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients(zip([big, small], [w1, w2]))
    np.testing.assert_allclose(w1.value, -big / 5, rtol=1e-14)
    np.testing.assert_allclose(w2.value, -small, rtol=1e-14)


def test_global_clipnorm():
    a, b = np.array([[3.0, 0.0]]), np.array([0.0, 4.0])  # global norm 5
    w1, w2 = _weight([[0.0, 0.0]]), _weight([0.0, 0.0], "dense/bias")
    SGD(learning_rate=1.0, global_clipnorm=2.0).apply_gradients(zip([a, b], [w1, w2]))
    np.testing.assert_allclose(w1.value, -a * 2 / 5, rtol=1e-14)
    np.testing.assert_allclose(w2.value, -b * 2 / 5, rtol=1e-14)
    w1, w2 = _weight([[0.0, 0.0]]), _weight([0.0, 0.0], "dense/bias")
    SGD(learning_rate=1.0, global_clipnorm=10.0).apply_gradients(zip([a, b], [w1, w2]))
    np.testing.assert_allclose(w1.value, -a, rtol=1e-14)
    np.testing.assert_allclose(w2.value, -b, rtol=1e-14)


def test_clipvalue():
    g = np.array([[-3.0, 0.2], [0.7, -0.1]])
    w = _weight(np.zeros((2, 2)))
    SGD(learning_rate=1.0, clipvalue=0.5).apply_gradients(zip([g], [w]))
    np.testing.assert_allclose(w.value, -np.array([[-0.5, 0.2], [0.5, -0.1]]), rtol=1e-14)


def test_clipping_applies_to_the_total_gradient_before_adam():
    g = np.array([30.0, -40.0])  # norm 50 → clipped to norm 1
    mine = _steps(Adam(learning_rate=0.1, clipnorm=1.0), [g], np.zeros(2))[0]
    reference = _steps(Adam(learning_rate=0.1), [g / 50], np.zeros(2))[0]
    np.testing.assert_allclose(mine, reference, rtol=1e-14)
    with pytest.raises(ValueError):
        SGD(clipnorm=1.0, clipvalue=1.0)
