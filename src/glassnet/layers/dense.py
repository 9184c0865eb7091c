"""The fully connected layer (Keras: ``keras.layers.Dense``).

Shapes: x ``(batch, in)``, kernel W ``(in, units)``, bias b ``(units,)``, output ``(batch, units)``.

forward:   z = x·W + b,   a = act(z)
backward:  given ∂L/∂a:  ∂L/∂z = act′ applied to it,  ∂L/∂W = xᵀ·∂L/∂z,  ∂L/∂b = Σ_batch ∂L/∂z,
           ∂L/∂x = ∂L/∂z·Wᵀ.
When the model hands it ∂L/∂z directly (a sigmoid/softmax output under a cross-entropy, computed from logits),
``backward(..., from_logits=True)`` skips act′.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .._validation import check_positive_int
from .base import Layer, Weight

_add_reduce = np.add.reduce


class Dense(Layer):
    """``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros',
    kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
    bias_constraint=None, name=None)`` — Keras's signature and meaning.

    >>> import numpy as np
    >>> layer = Dense(2, kernel_initializer="ones")
    >>> layer(np.array([[1.0, 2.0]]))
    array([[3., 3.]], dtype=float32)
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, name: str | None = None,
                 **kwargs: Any):
        # Validate everything before touching self, so a rejected call leaves nothing half-made.
        units = check_positive_int("units", units)
        activation_fn = activations.get(activation)
        if not isinstance(use_bias, bool):
            raise TypeError(f"Argument `use_bias` must be a bool. Received: use_bias={use_bias!r}")
        kernel_init = initializers.get(kernel_initializer, "kernel_initializer")
        bias_init = initializers.get(bias_initializer, "bias_initializer")
        kernel_reg = regularizers.get(kernel_regularizer, "kernel_regularizer")
        bias_reg = regularizers.get(bias_regularizer, "bias_regularizer")
        kernel_con = constraints.get(kernel_constraint, "kernel_constraint")
        bias_con = constraints.get(bias_constraint, "bias_constraint")
        input_shape = kwargs.pop("input_shape", None)
        if "input_dim" in kwargs:
            input_shape = (kwargs.pop("input_dim"),)
        if input_shape is not None and not isinstance(input_shape, (tuple, list)):
            raise TypeError("Argument `input_shape` must be a tuple of positive integers. "
                            f"Received: input_shape={input_shape!r}")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to Dense: {kwargs}")
        super().__init__(name=name, activity_regularizer=activity_regularizer)
        self.units, self.activation, self.use_bias = units, activation_fn, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer, self.bias_regularizer = kernel_reg, bias_reg
        self.kernel_constraint, self.bias_constraint = kernel_con, bias_con
        # Keras 3 still accepts `input_shape=` on a first layer (with a warning); so do we, without one.
        self.declared_input_shape = None if input_shape is None else (None, *tuple(input_shape))
        self._x = self._z = self._a = None

    def build(self, input_shape, dtype, rng):
        if len(input_shape) != 2:
            raise ValueError(f"Dense layer {self.name!r} expects inputs of shape (batch, features). "
                             f"Received: input_shape={tuple(input_shape)}")
        n_in = check_positive_int("input features", input_shape[-1])
        # A constraint that cannot apply to its weight (an axis beyond the rank) fails here, before training.
        for constraint, shape, argument in ((self.kernel_constraint, (n_in, self.units), "kernel_constraint"),
                                            (self.bias_constraint if self.use_bias else None, (self.units,),
                                             "bias_constraint")):
            if constraint is not None:
                constraint.check_weight(shape, f"{argument} of layer {self.name!r}")
        kernel = self.kernel_initializer((n_in, self.units), dtype, rng)
        self.kernel = Weight("kernel", f"{self.name}/kernel", kernel, self.kernel_regularizer, self.kernel_constraint)
        self.weights = [self.kernel]
        if self.use_bias:
            bias = self.bias_initializer((self.units,), dtype, rng)
            self.bias = Weight("bias", f"{self.name}/bias", bias, self.bias_regularizer, self.bias_constraint)
            self.weights.append(self.bias)
        super().build(input_shape, dtype, rng)

    @property
    def weight_names(self):
        return ("kernel", "bias") if self.use_bias else ("kernel",)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def forward(self, x, training=False, rng=None):
        if x.ndim != 2 or x.shape[1] != self.kernel.value.shape[0]:
            raise ValueError(f"Dense layer {self.name!r} expects inputs of shape (batch, "
                             f"{self.kernel.value.shape[0]}). Received: x with shape {x.shape}")
        z = x @ self.kernel.value
        if self.use_bias:
            z += self.bias.value
        self._x, self._z = x, z
        self._a = self.activation.forward(z)
        return self._a

    @property
    def logits(self) -> np.ndarray | None:
        """The pre-activation z of the last forward pass."""
        return self._z

    def backward(self, grad_out, need_input_grad=True, out=None, from_logits=False):
        dz = grad_out if from_logits else self.activation.backward(self._z, self._a, grad_out)
        out = out or {}
        grads = {"kernel": np.matmul(self._x.T, dz, out=out.get("kernel"))}
        if self.use_bias:  # ndarray.sum(axis=0)'s own reduction, without its Python wrapper (every step)
            grads["bias"] = _add_reduce(dz, axis=0, out=out.get("bias"))
        dx = dz @ self.kernel.value.T if need_input_grad else None
        return dx, grads

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer, "bias_initializer": self.bias_initializer,
                "kernel_regularizer": self.kernel_regularizer, "bias_regularizer": self.bias_regularizer,
                "activity_regularizer": self.activity_regularizer, "kernel_constraint": self.kernel_constraint,
                "bias_constraint": self.bias_constraint}
