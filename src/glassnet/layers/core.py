"""Small layers without weights: Activation, Dropout, ActivityRegularization, and the Input marker."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations
from .._validation import check_nonnegative_float, check_positive_int, check_seed, check_unit_interval
from .base import Layer


class Activation(Layer):
    """Apply an activation function (Keras: ``keras.layers.Activation``)."""

    def __init__(self, activation: Any, name: str | None = None, activity_regularizer: Any = None):
        activation_fn = activations.get(activation)
        super().__init__(name=name, activity_regularizer=activity_regularizer)
        self.activation = activation_fn
        self._z = self._a = None

    def forward(self, x, training=False, rng=None):
        self._z, self._a = x, self.activation.forward(x)
        return self._a

    @property
    def logits(self) -> np.ndarray | None:
        return self._z

    def backward(self, grad_out, need_input_grad=True, out=None, from_logits=False):
        return (grad_out if from_logits else self.activation.backward(self._z, self._a, grad_out)), {}

    def get_config(self):
        return {**super().get_config(), "activation": self.activation,
                "activity_regularizer": self.activity_regularizer}


class Dropout(Layer):
    """Inverted dropout (Keras: ``keras.layers.Dropout``): in training, each entry is kept with probability
    1 − rate and scaled by 1/(1 − rate), so E[output] = input; at inference the layer is the identity.

    The mask comes from the layer's own generator when ``seed`` is given, else from the model's training generator.
    """

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None):
        rate = check_unit_interval("rate", rate)
        seed = check_seed("seed", seed)
        super().__init__(name=name)
        self.rate, self.seed = rate, seed
        self.rng = None if seed is None else np.random.default_rng(seed)
        self._scale: np.ndarray | None = None

    def forward(self, x, training=False, rng=None):
        if not training or self.rate == 0:
            self._scale = None
            return x
        source = self.rng or rng or np.random.default_rng()
        keep = source.random(x.shape) >= self.rate
        self._scale = keep * x.dtype.type(1 / (1 - self.rate))
        return x * self._scale

    def backward(self, grad_out, need_input_grad=True, out=None):
        return (grad_out if self._scale is None else grad_out * self._scale), {}

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity layer whose output is penalized by L1L2(l1, l2), divided by the batch size (Keras ≥ 3.14)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, name: str | None = None):
        from ..regularizers import L1L2  # local: the validating constructor names l1/l2 in its errors

        regularizer = L1L2(l1=check_nonnegative_float("l1", l1), l2=check_nonnegative_float("l2", l2))
        super().__init__(name=name, activity_regularizer=regularizer)
        self.l1, self.l2 = regularizer.l1, regularizer.l2

    def forward(self, x, training=False, rng=None):
        return x

    def backward(self, grad_out, need_input_grad=True, out=None):
        return grad_out, {}

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


class Input:
    """Declares the input shape (without the batch dimension) as the first item of a Sequential:
    ``Sequential([Input(shape=(30,)), Dense(25), ...])`` builds the model at once."""

    def __init__(self, shape: tuple[int, ...] | int, name: str | None = None):
        dims = (shape,) if isinstance(shape, int) else tuple(shape) if isinstance(shape, (tuple, list)) else None
        if dims is None or len(dims) == 0:
            raise TypeError(f"Argument `shape` must be a tuple of positive integers. Received: shape={shape!r}")
        self.shape = tuple(check_positive_int("shape", d) for d in dims)
        self.name = name

    def __repr__(self) -> str:
        return f"Input(shape={self.shape})"
