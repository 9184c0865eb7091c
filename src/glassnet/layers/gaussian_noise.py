"""Additive Gaussian noise in training (Keras: ``keras.layers.GaussianNoise``).

Shapes: x ``(batch, features)`` → the same. training: y = x + n, nᵢⱼ ~ N(0, stddev²) drawn anew for every call;
inference: y = x. ∂L/∂x = ∂L/∂y in both (the noise does not depend on x).

The noise comes from the layer's own generator when ``seed`` is given (saved with the model, so a resumed run
draws the same numbers), else from the model's training generator — as for :class:`~glassnet.layers.Dropout`. It
is a regularizer without a penalty term: nothing is added to the loss, the data loss itself is of noisy inputs.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import check_seed
from .base import Layer


class GaussianNoise(Layer):
    """``GaussianNoise(stddev, seed=None, name=None)`` — Keras's signature: ``stddev`` in [0, 1].

    >>> import numpy as np
    >>> layer = GaussianNoise(0.1, seed=0)
    >>> layer(np.ones((1, 2)))  # inference: the identity
    array([[1., 1.]], dtype=float32)
    >>> bool(np.all(layer(np.ones((1, 2)), training=True) != 1))
    True
    """

    def __init__(self, stddev: float, seed: int | None = None, name: str | None = None):
        if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real):
            raise TypeError(f"Argument `stddev` must be a number between 0 and 1. Received: stddev={stddev!r}")
        if not 0 <= stddev <= 1:  # Keras's bound; NaN fails it too
            raise ValueError(f"Argument `stddev` must be a number between 0 and 1. Received: stddev={stddev!r}")
        seed = check_seed("seed", seed)
        super().__init__(name=name)
        self.stddev, self.seed = float(stddev), seed
        self.rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, x, training=False, rng=None):
        if not training or self.stddev == 0:
            return x
        source = self.rng or rng or np.random.default_rng()
        noise = source.standard_normal(x.shape, dtype=x.dtype)
        noise *= x.dtype.type(self.stddev)
        return x + noise

    def backward(self, grad_out, need_input_grad=True, out=None):
        return grad_out, {}

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
