"""Flatten every non-batch axis into one (Keras: ``keras.layers.Flatten``).

Shapes: x ``(batch, d₁, …, dₖ)`` → ``(batch, d₁·…·dₖ)`` in C order (row by row, as NumPy's ``reshape`` and
Keras with ``data_format='channels_last'`` do); ``(batch, features)`` stays as it is. ∂L/∂x is ∂L/∂y reshaped
back.

As the first layer of a ``Sequential`` it lets the model take images: ``Flatten(input_shape=(28, 28))`` or a first
``fit``/``predict`` on x of shape (n, 28, 28) — the model reads each row of x as its d₁·…·dₖ values, so
everything after (``input_shape`` (None, 784), explain, saving) works on flat rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import check_positive_int
from .base import Layer


class Flatten(Layer):
    """``Flatten(name=None)`` (and ``input_shape=`` on a first layer, as Keras allows).

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, name: str | None = None, **kwargs: Any):
        input_shape = kwargs.pop("input_shape", None)
        data_format = kwargs.pop("data_format", None)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to Flatten: {kwargs}")
        if data_format not in (None, "channels_last"):
            raise ValueError("Argument `data_format` must be 'channels_last' (or None): glassnet has no "
                             f"channels-first layers. Received: data_format={data_format!r}")
        if input_shape is not None:
            dims = (input_shape,) if isinstance(input_shape, int) else input_shape
            if not isinstance(dims, (tuple, list)) or not dims:
                raise TypeError("Argument `input_shape` must be a tuple of positive integers. "
                                f"Received: input_shape={input_shape!r}")
            input_shape = tuple(check_positive_int("input_shape", d) for d in dims)
        super().__init__(name=name)
        #: The shape of one example given by ``input_shape=`` (e.g. (28, 28)), or None.
        self.example_shape: tuple[int, ...] | None = input_shape
        self.declared_input_shape = None if input_shape is None else (None, math.prod(input_shape))
        self._shape: tuple[int, ...] | None = None

    def flat_rows(self, x: np.ndarray, name: str = "x") -> np.ndarray:
        """``x`` (n, d₁, …, dₖ) as (n, d₁·…·dₖ) rows (a view), for a model whose first layer this is; checked
        against ``input_shape=`` when it was given."""
        if self.example_shape is not None and x.shape[1:] != self.example_shape:
            raise ValueError(f"Argument `{name}` must have examples of shape {self.example_shape}, the "
                             f"`input_shape` of layer {self.name!r}. Received: {name} with shape {x.shape}")
        return x.reshape(x.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        width = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], width)

    def forward(self, x, training=False, rng=None):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1) if x.ndim != 2 else x

    def backward(self, grad_out, need_input_grad=True, out=None):
        if not need_input_grad:
            return None, {}
        return np.reshape(grad_out, self._shape) if self._shape is not None else grad_out, {}


def flat_input(layers: list[Layer], x: np.ndarray, name: str = "x") -> np.ndarray:
    """``x`` as rows (n, features) when the first of ``layers`` is a Flatten and x has more axes (the model's
    input seam: fit, evaluate, predict, explain and calling the model); otherwise ``x`` unchanged."""
    if x.ndim > 2 and layers and isinstance(layers[0], Flatten):
        return layers[0].flat_rows(x, name)
    return x
