"""Batch normalization (Keras: ``keras.layers.BatchNormalization``), with Keras's defaults and numerics.

Shapes: x ``(batch, features)``; ``gamma``, ``beta``, ``moving_mean``, ``moving_variance`` ``(features,)``.

training (``fit``):  μ = (1/B)·Σᵢ xᵢ,   σ² = (1/B)·Σᵢ (xᵢ − μ)²          (the batch's statistics, ddof 0)
                     moving_mean     ← moving_mean·momentum + μ·(1 − momentum)
                     moving_variance ← moving_variance·momentum + σ²·(1 − momentum)
inference:           μ = moving_mean,  σ² = moving_variance
both:                s = γ / √(σ² + ε),   y = x·s + (β − μ·s)              (TensorFlow's order of operations)

momentum = 0.99 and ε = 1e-3 by default (Keras's); 1 − momentum is formed in Python floats, then cast, as Keras
does. γ (``gamma``, starts at 1) and β (``beta``, starts at 0) are trainable and can carry a regularizer
(``gamma_regularizer``, ``beta_regularizer``) and a constraint; the moving statistics are non-trainable weights:
no gradient, penalty or optimizer touches them, they change only in a training forward pass, and they are saved
with the model.

backward, with x̂ = (x − μ)/√(σ² + ε) and g = ∂L/∂y:
    ∂L/∂γ = Σᵢ gᵢ·x̂ᵢ,   ∂L/∂β = Σᵢ gᵢ
    training:   ∂L/∂x = γ/√(σ² + ε) · (g − (1/B)·Σᵢ gᵢ − x̂·(1/B)·Σᵢ gᵢ·x̂ᵢ)   (μ and σ² depend on x)
    inference:  ∂L/∂x = g·γ/√(σ² + ε)

NOTE: in training the output does not depend on the scale of the layer's input: a kernel W feeding it (through
no activation) gives the same output for c·W, c > 0. An L2 penalty on that W then cannot constrain the function;
it shrinks ‖W‖, and since the gradient w.r.t. W scales like 1/‖W‖, the step on W's direction grows like
lr/‖W‖² — the penalty acts as a growing effective learning rate (``model.explain`` says so).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_positive_float, check_unit_interval
from .base import Layer, Weight


def _axis(axis: Any) -> int:
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis not in (-1, 1):
        raise ValueError("Argument `axis` must be -1 (or 1: the features of (batch, features) inputs). "
                         f"Received: axis={axis!r}")
    return int(axis)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
    beta_initializer='zeros', gamma_initializer='ones', moving_mean_initializer='zeros',
    moving_variance_initializer='ones', beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
    gamma_constraint=None, name=None)`` — Keras's signature and numerics (see the module docstring).

    >>> import numpy as np
    >>> layer = BatchNormalization()
    >>> layer(np.array([[0.0], [2.0]]), training=True)  # (x − 1)/√(1 + 0.001)
    array([[-0.9995004],
           [ 0.9995004]], dtype=float32)
    >>> layer.moving_mean.numpy(), layer.moving_variance.numpy()  # 0.99·(0, 1) + 0.01·(1, 1)
    (array([0.01], dtype=float32), array([1.], dtype=float32))
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, name: str | None = None):
        # Validate everything before touching self, so a rejected call leaves nothing half-made.
        axis = _axis(axis)
        momentum = check_unit_interval("momentum", momentum, closed_right=True)
        epsilon = check_positive_float("epsilon", epsilon)
        center, scale = _flag("center", center), _flag("scale", scale)
        inits = {name: initializers.get(value, name) for name, value in (
            ("beta_initializer", beta_initializer), ("gamma_initializer", gamma_initializer),
            ("moving_mean_initializer", moving_mean_initializer),
            ("moving_variance_initializer", moving_variance_initializer))}
        beta_reg = regularizers.get(beta_regularizer, "beta_regularizer")
        gamma_reg = regularizers.get(gamma_regularizer, "gamma_regularizer")
        beta_con = constraints.get(beta_constraint, "beta_constraint")
        gamma_con = constraints.get(gamma_constraint, "gamma_constraint")
        super().__init__(name=name)
        self.axis, self.momentum, self.epsilon, self.center, self.scale = axis, momentum, epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = inits["beta_initializer"], inits["gamma_initializer"]
        self.moving_mean_initializer = inits["moving_mean_initializer"]
        self.moving_variance_initializer = inits["moving_variance_initializer"]
        self.beta_regularizer, self.gamma_regularizer = beta_reg, gamma_reg
        self.beta_constraint, self.gamma_constraint = beta_con, gamma_con
        # What the last forward pass leaves for backward: x̂, 1/√(σ² + ε), and whether μ, σ² came from the batch.
        self._x_hat: np.ndarray | None = None
        self._inv_std: np.ndarray | None = None
        self._batch_statistics = False

    @property
    def weight_names(self) -> tuple[str, ...]:
        return (("gamma",) if self.scale else ()) + (("beta",) if self.center else ()) + \
            ("moving_mean", "moving_variance")

    def build(self, input_shape, dtype, rng):
        if len(input_shape) != 2 or not isinstance(input_shape[-1], (int, np.integer)) or input_shape[-1] < 1:
            raise ValueError(f"BatchNormalization layer {self.name!r} expects inputs of shape (batch, features). "
                             f"Received: input_shape={tuple(input_shape)}")
        shape = (int(input_shape[-1]),)
        for constraint, argument in ((self.gamma_constraint if self.scale else None, "gamma_constraint"),
                                     (self.beta_constraint if self.center else None, "beta_constraint")):
            if constraint is not None:
                constraint.check_weight(shape, f"{argument} of layer {self.name!r}")
        self.weights = []
        if self.scale:
            self.gamma = Weight("gamma", f"{self.name}/gamma", self.gamma_initializer(shape, dtype, rng),
                                self.gamma_regularizer, self.gamma_constraint)
            self.weights.append(self.gamma)
        if self.center:
            self.beta = Weight("beta", f"{self.name}/beta", self.beta_initializer(shape, dtype, rng),
                               self.beta_regularizer, self.beta_constraint)
            self.weights.append(self.beta)
        self.moving_mean = Weight("moving_mean", f"{self.name}/moving_mean",
                                  self.moving_mean_initializer(shape, dtype, rng), trainable=False)
        self.moving_variance = Weight("moving_variance", f"{self.name}/moving_variance",
                                      self.moving_variance_initializer(shape, dtype, rng), trainable=False)
        self.weights += [self.moving_mean, self.moving_variance]
        super().build(input_shape, dtype, rng)

    def forward(self, x, training=False, rng=None):
        features = self.moving_mean.value.shape[0]
        if x.ndim != 2 or x.shape[1] != features:
            raise ValueError(f"BatchNormalization layer {self.name!r} expects inputs of shape (batch, {features}). "
                             f"Received: x with shape {x.shape}")
        f = x.dtype.type
        if training:
            mean = np.mean(x, axis=0)
            variance = np.mean(np.square(x - mean), axis=0)
            # In place: the moving statistics are the layer's weights (a step's backup holds these arrays).
            momentum, rest = f(self.momentum), f(1.0 - self.momentum)
            self.moving_mean.value[...] = self.moving_mean.value * momentum + mean * rest
            self.moving_variance.value[...] = self.moving_variance.value * momentum + variance * rest
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        inv_std = f(1) / np.sqrt(variance + f(self.epsilon))
        scale = inv_std * self.gamma.value if self.scale else inv_std
        shift = self.beta.value - mean * scale if self.center else -(mean * scale)
        self._x_hat, self._inv_std, self._batch_statistics = (x - mean) * inv_std, inv_std, bool(training)
        return x * scale + shift

    def backward(self, grad_out, need_input_grad=True, out=None):
        out = out or {}
        grads = {}
        if self.scale:
            grads["gamma"] = np.sum(grad_out * self._x_hat, axis=0, out=out.get("gamma"))
        if self.center:
            grads["beta"] = np.sum(grad_out, axis=0, out=out.get("beta"))
        if not need_input_grad:
            return None, grads
        g = grad_out * self.gamma.value if self.scale else grad_out
        if self._batch_statistics:
            g = g - np.mean(g, axis=0) - self._x_hat * np.mean(g * self._x_hat, axis=0)
        return g * self._inv_std, grads

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "beta_initializer": self.beta_initializer,
                "gamma_initializer": self.gamma_initializer,
                "moving_mean_initializer": self.moving_mean_initializer,
                "moving_variance_initializer": self.moving_variance_initializer,
                "beta_regularizer": self.beta_regularizer, "gamma_regularizer": self.gamma_regularizer,
                "beta_constraint": self.beta_constraint, "gamma_constraint": self.gamma_constraint}
