"""glassnet.layers.Normalization: Keras's numerics, a gradient that passes through, non-trainable weights that
never meet an optimizer or a regularizer, and a model file that keeps them."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import glassnet
from glassnet import L2, Dense, Normalization, Sequential

H = 1e-6


def scaled_data(rows: int = 64, seed: int = 0, dtype: str = "float32") -> np.ndarray:
    """Columns on very different scales (wine-like), one of them constant."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5)) * np.array([1e-3, 1.0, 30.0, 1e3, 0.0]) + np.array([0.0, 5.0, -2.0, 750.0, 3.0])
    return x.astype(dtype)


def keras_layer(**kwargs) -> keras.layers.Normalization:
    return keras.layers.Normalization(**kwargs)


# --- Keras parity ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"axis": None}, {"invert": True}, {"axis": 1}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adapt_and_call_match_keras(kwargs, dtype):
    data, new = scaled_data(dtype=dtype), scaled_data(16, seed=1, dtype=dtype)
    mine, theirs = Normalization(**kwargs), keras_layer(**kwargs)
    mine.adapt(data)
    theirs.adapt(data)
    np.testing.assert_allclose(mine.mean.numpy(), np.squeeze(theirs.adapt_mean.numpy()), rtol=1e-6, atol=0)
    np.testing.assert_allclose(mine.variance.numpy(), np.squeeze(theirs.adapt_variance.numpy()), rtol=1e-6)
    ours, keras_out = mine(new), np.asarray(theirs(new))
    assert ours.dtype == np.float32 == keras_out.dtype
    # The constant column divides by ε = 1e-7 in both: rows that differ from it become ~1e6; compare relatively.
    np.testing.assert_allclose(ours, keras_out, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("mean", "variance"), [(3.0, 2.0), ([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 4.0, 0.25, 9.0, 0.0])])
def test_explicit_mean_and_variance_match_keras(mean, variance):
    x = scaled_data(8)
    mine, theirs = Normalization(mean=mean, variance=variance), keras_layer(mean=mean, variance=variance)
    np.testing.assert_allclose(mine(x), np.asarray(theirs(x)), rtol=1e-6, atol=1e-6)
    assert [w.shape for w in mine.weights] == [(5,), (5,)]


def test_gradient_matches_tensorflow_autograd():
    data, x = scaled_data(), scaled_data(16, seed=2).astype("float64")
    mine, theirs = Normalization(), keras_layer(dtype="float64")
    mine.adapt(data)
    theirs.adapt(data)
    upstream = np.random.default_rng(3).normal(size=x.shape)
    mine.forward(x.astype("float32"))
    dx, grads = mine.backward(upstream.astype("float32"))
    tensor = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        out = theirs(tensor)
    expected = tape.gradient(out, tensor, output_gradients=tf.constant(upstream)).numpy()
    assert grads == {}
    np.testing.assert_allclose(dx, expected, rtol=1e-5)


# --- gradients by finite differences (float64) -----------------------------------------------------------------
def central_differences(f, x: np.ndarray) -> np.ndarray:
    """∂f/∂x for a scalar f() of the array x, perturbed in place one entry at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        kept = x[index]
        x[index] = kept + H
        up = f()
        x[index] = kept - H
        down = f()
        x[index] = kept
        grad[index] = (up - down) / (2 * H)
    return grad


@pytest.mark.parametrize("invert", [False, True])
def test_input_gradient_is_the_upstream_over_the_scale(invert):
    glassnet.set_floatx("float64")
    try:
        layer = Normalization(mean=[1.0, -2.0, 0.5], variance=[4.0, 0.25, 9.0], invert=invert)
        x = np.random.default_rng(0).normal(size=(4, 3))
        upstream = np.random.default_rng(1).normal(size=(4, 3))
        layer(x)
        dx, _ = layer.backward(upstream)
        fd = central_differences(lambda: float(np.sum(upstream * layer(x))), x)
        np.testing.assert_allclose(dx, fd, rtol=1e-6, atol=1e-8)
        scale = np.sqrt([4.0, 0.25, 9.0])
        np.testing.assert_allclose(dx, upstream * scale if invert else upstream / scale, rtol=1e-12)
    finally:
        glassnet.set_floatx("float32")


def test_a_model_with_normalization_inside_backpropagates_through_it():
    x = np.random.default_rng(0).normal(size=(6, 3))
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    model = Sequential([Dense(4, "tanh"), Normalization(mean=[0.1, -0.2, 0.3, 0.0], variance=[0.5, 2.0, 1.5, 0.3]),
                        Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile("sgd", "binary_crossentropy")
    model.build((None, 3))
    output = model.forward(x, training=True)
    model.backward(output, y, None)
    analytic = model.layers[0].grads["kernel"].data.copy()
    kernel = model.layers[0].kernel.value

    def loss() -> float:
        return model.loss_parts(model.forward(x), y, None).data

    np.testing.assert_allclose(analytic, central_differences(loss, kernel), rtol=1e-6, atol=1e-9)


# --- non-trainable, never regularized, saved ---------------------------------------------------------------------
def trained_model(x: np.ndarray, y: np.ndarray, axis=-1) -> Sequential:
    norm = Normalization(axis=axis, name="norm")
    norm.adapt(x)
    model = Sequential([norm, Dense(8, "relu", kernel_regularizer=L2(0.01)), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"], regularizer=L2(0.1), regularize_bias=True)
    model.fit(x, y, epochs=3, verbose=0, seed=0)
    return model


def test_mean_and_variance_stay_outside_training_and_penalties():
    x = scaled_data(80)
    y = (x[:, 1] > 5.0).astype("float32")
    norm = Normalization()
    norm.adapt(x)
    before = [w.numpy() for w in norm.weights]
    model = Sequential([norm, Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", regularizer=L2(0.1), regularize_bias=True)
    history = model.fit(x, y, epochs=2, verbose=0, seed=0)
    assert [w.trainable for w in norm.weights] == [False, False]
    assert all(w.regularizer is None for w in norm.weights)
    assert model.trainable_weights == [w for layer in model.layers[1:] for w in layer.weights]
    assert model.state.theta.size == 5 * 4 + 4 + 4 + 1
    assert all(np.array_equal(a, w.value) for a, w in zip(before, norm.weights))
    assert not any(key.startswith("penalty/normalization") for key in history.history)
    assert len(model.losses) == 4   # two kernels and two biases of the Dense layers, nothing of norm


def test_summary_and_explain_show_the_layer_without_penalties():
    x = scaled_data(40)
    y = (x[:, 1] > 5.0).astype("float32")
    model = trained_model(x, y)
    lines = []
    model.summary(print_fn=lines.append)
    row = next(line for line in lines[0].splitlines() if line.startswith("norm "))
    assert "(Normalization)" in row and " 10 " in row and row.rstrip().endswith("-")
    payload = model.explain(x, y).to_dict()
    assert not any("norm" in str(key) for key in payload["gradients"])
    assert "norm/mean" not in str(model.explain(x, y))


@pytest.mark.parametrize("axis", [-1, None])
def test_a_model_file_keeps_mean_and_variance(tmp_path, axis):
    x = scaled_data(40)
    y = (x[:, 1] > 5.0).astype("float32")
    model = trained_model(x, y, axis=axis)
    model.save(tmp_path / "m.glassnet")
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    assert type(loaded.layers[0]) is Normalization and loaded.layers[0].axis == axis
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    assert np.array_equal(loaded.predict(x), model.predict(x))
    loaded.fit(x, y, epochs=1, verbose=0, seed=5)
    model.fit(x, y, epochs=1, verbose=0, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


def test_get_config_has_keras_keys():
    layer = Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0], name="n")
    assert layer.get_config() == {"name": "n", "axis": -1, "invert": False, "mean": [1.0, 2.0],
                                  "variance": [3.0, 4.0]}


# --- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"axis": 0}, ValueError, r"`axis` must be -1 \(or 1: one mean and variance per feature.*Received: axis=0"),
    ({"axis": (1, 2)}, ValueError, r"Received: axis=\(1, 2\)"),
    ({"axis": "x"}, ValueError, r"Received: axis='x'"),
    ({"mean": 1.0}, ValueError, r"both `mean` and `variance` must be set. Received: mean=1.0 and variance=None"),
    ({"mean": [1.0, 2.0], "variance": [1.0]}, ValueError, r"same shape. Received: mean shape \(2,\) and variance"),
    ({"mean": 0.0, "variance": -1.0}, ValueError, r"`variance` must hold finite numbers ≥ 0. Received: variance=-1"),
    ({"mean": float("nan"), "variance": 1.0}, ValueError, r"`mean` must hold finite numbers. Received: mean=nan"),
    ({"mean": [[1.0]], "variance": [[1.0]]}, ValueError, r"rank of `mean` must be at most the number of axes \(1\)"),
    ({"axis": None, "mean": [1.0], "variance": [1.0]}, ValueError, r"at most the number of axes \(0\)"),
    ({"mean": "a", "variance": "b"}, TypeError, r"`mean` must be a number or an array of numbers"),
    ({"invert": 1}, TypeError, r"`invert` must be a bool. Received: invert=1"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        Normalization(**kwargs)


def test_adapt_refuses_bad_data_and_changes_nothing():
    layer = Normalization()
    layer.adapt([[1.0, 2.0], [3.0, 6.0]])
    before = [w.numpy() for w in layer.weights]
    for data, error, message in [
        (np.ones(3), ValueError, r"`data` must be 2-D \(rows, features\).*shape \(3,\)"),
        (np.ones((0, 2)), ValueError, r"at least one row. Received: data with shape \(0, 2\)"),
        (np.ones((2, 3)), ValueError, r"built for inputs of shape \(None, 2\).*data.shape=\(2, 3\)"),
        ([[1.0, np.nan], [1.0, 2.0]], ValueError, r"only finite numbers"),
        (np.array([["a", "b"]]), TypeError, r"`data` must be a numeric array. Received: data with dtype <U1"),
    ]:
        with pytest.raises(error, match=message):
            layer.adapt(data)
    assert all(np.array_equal(a, w.value) for a, w in zip(before, layer.weights))


def test_inputs_of_the_wrong_width_or_a_mean_that_does_not_broadcast():
    layer = Normalization(mean=[0.0, 0.0, 0.0], variance=[1.0, 1.0, 1.0], name="n3")
    with pytest.raises(ValueError, match=r"'n3' got `mean` and `variance` of shape \(3,\), which do not broadcast "
                                         r"to \(2,\)"):
        layer(np.ones((1, 2)))
    adapted = Normalization(name="n2")
    adapted.adapt(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"'n2' expects inputs of shape \(batch, 2\). Received: x with shape "
                                         r"\(1, 3\)"):
        adapted(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, features\). Received: "
                                         r"input_shape=\(None, 2, 2\)"):
        Normalization().build((None, 2, 2), np.dtype("float32"), np.random.default_rng(0))


def test_a_layer_adapted_in_another_dtype_is_refused_by_the_model_before_anything_changes():
    layer = Normalization()
    layer.adapt(np.arange(12.0).reshape(6, 2))  # builds in floatx(): float32
    model = glassnet.Sequential([layer, glassnet.Dense(1)], dtype="float64")
    with pytest.raises(ValueError, match=r"already built in float32 .* the model computes in float64.*"
                                         r"Received: dtype=float64"):
        model.build((None, 2))
    assert not model.built and not model.layers[1].built


def test_a_file_with_a_negative_variance_is_refused(tmp_path):
    layer = Normalization()
    model = glassnet.Sequential([layer, glassnet.Dense(1)], seed=0)
    model.build((None, 2))
    layer.adapt(np.arange(12.0).reshape(6, 2))
    layer.variance.value[0] = -1.0
    with pytest.raises(ValueError, match=r"variances ≥ 0"):
        model.save(tmp_path / "m.glassnet")
