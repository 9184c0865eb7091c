"""Feature standardization inside the model (Keras: ``keras.layers.Normalization``).

Shapes: x ``(batch, features)``; ``mean`` and ``variance`` ``(features,)`` (``axis=-1``) or ``()`` (``axis=None``,
one pair for every entry); output ``(batch, features)``.

forward:   s = max(√variance, ε),  y = (x − mean) / s          (``invert=True``: y = mean + x·s)
backward:  ∂L/∂x = ∂L/∂y / s                                     (``invert=True``: ∂L/∂y · s)
adapt:     mean = (1/n)·Σᵢ xᵢ,  variance = (1/n)·Σᵢ (xᵢ − mean)²  (ddof 0, NumPy's ``np.mean``/``np.var``)

ε = 1e-7 (Keras's ``backend.epsilon()``), so a column with variance 0 is divided by 1e-7, exactly as Keras does:
give such a column a variance of 1 yourself if new rows may differ from the constant. ``mean`` and ``variance``
are non-trainable weights: they are saved with the model, but no optimizer step, regularizer or gradient ever
touches them. Keras's extra ``count`` weight (kept there for files of old Keras versions) does not exist here.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..backend import EPSILON, floatx
from .base import Layer, Weight


def _axis(axis: Any) -> int | None:
    """Keras accepts an int, a tuple or None; on 2-D inputs only the feature axis or None make sense."""
    value = axis[0] if isinstance(axis, (tuple, list)) and len(axis) == 1 else axis
    if value is None or (not isinstance(value, bool) and isinstance(value, numbers.Integral) and value in (-1, 1)):
        return None if value is None else int(value)
    raise ValueError("Argument `axis` must be -1 (or 1: one mean and variance per feature of (batch, features) "
                     f"inputs) or None (one for all entries). Received: axis={axis!r}")


def _statistic(name: str, value: Any, rank: int) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"Argument `{name}` must be a number or an array of numbers. Received: {name}={value!r}") \
            from None
    if array.ndim > rank:
        raise ValueError(f"The rank of `{name}` must be at most the number of axes ({rank}). Received: {name} "
                         f"with shape {array.shape}")
    if not np.isfinite(array).all() or (name == "variance" and (array < 0).any()):
        expected = "finite numbers ≥ 0" if name == "variance" else "finite numbers"
        raise ValueError(f"Argument `{name}` must hold {expected}. Received: {name}={value!r}")
    return array


class Normalization(Layer):
    """``Normalization(axis=-1, mean=None, variance=None, invert=False, name=None)`` — Keras's signature and
    numerics (see the module docstring). Pass ``mean`` and ``variance`` or call :meth:`adapt` on training rows.

    >>> import numpy as np
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
    >>> layer(np.array([[0.0, 7.0]]))
    array([[-1., -1.]], dtype=float32)
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False,
                 name: str | None = None):
        axis = _axis(axis)
        if not isinstance(invert, (bool, np.bool_)):
            raise TypeError(f"Argument `invert` must be a bool. Received: invert={invert!r}")
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. Received: "
                             f"mean={mean!r} and variance={variance!r}")
        rank = 0 if axis is None else 1
        mean = None if mean is None else _statistic("mean", mean, rank)
        variance = None if variance is None else _statistic("variance", variance, rank)
        if mean is not None and mean.shape != variance.shape:
            raise ValueError("When setting values directly, `mean` and `variance` must have the same shape. "
                             f"Received: mean shape {mean.shape} and variance shape {variance.shape}")
        super().__init__(name=name)
        self.axis, self.invert = axis, bool(invert)
        self.input_mean, self.input_variance = mean, variance
        self._scale: np.ndarray | None = None

    def _shape(self, input_shape: tuple[int | None, ...]) -> tuple[int, ...]:
        if len(input_shape) != 2 or not isinstance(input_shape[-1], (int, np.integer)) or input_shape[-1] < 1:
            raise ValueError(f"Normalization layer {self.name!r} expects inputs of shape (batch, features). "
                             f"Received: input_shape={tuple(input_shape)}")
        return () if self.axis is None else (int(input_shape[-1]),)

    def build(self, input_shape, dtype, rng):
        shape = self._shape(input_shape)
        if self.input_mean is None:
            mean, variance = np.zeros(shape, dtype), np.ones(shape, dtype)
        else:
            try:
                mean = np.broadcast_to(self.input_mean, shape).astype(dtype)
                variance = np.broadcast_to(self.input_variance, shape).astype(dtype)
            except ValueError:
                raise ValueError(f"Normalization layer {self.name!r} got `mean` and `variance` of shape "
                                 f"{self.input_mean.shape}, which do not broadcast to {shape} for inputs of shape "
                                 f"{tuple(input_shape)}. Received: mean={self.input_mean.tolist()}") from None
        self.mean = Weight("mean", f"{self.name}/mean", mean, trainable=False)
        self.variance = Weight("variance", f"{self.name}/variance", variance, trainable=False)
        self.weights = [self.mean, self.variance]
        super().build(input_shape, dtype, rng)

    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` to those of ``data`` ``(rows, features)``, as Keras's ``adapt`` does for
        a NumPy array: ``np.mean``/``np.var`` (ddof 0) in the data's own precision, then stored in the layer's
        dtype. Builds the layer (in :func:`~glassnet.backend.floatx`) if it is not built yet."""
        array = np.asarray(data)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Argument `data` must be a numeric array. Received: data with dtype {array.dtype}")
        if array.ndim != 2 or len(array) == 0:
            raise ValueError("Argument `data` must be 2-D (rows, features) with at least one row. Received: data "
                             f"with shape {array.shape}")
        if self.built and self._shape(array.shape) != self.mean.shape:
            raise ValueError(f"The layer was built for inputs of shape {self.input_shape}, but adapt() received "
                             f"data with an incompatible shape. Received: data.shape={array.shape}")
        if not np.isfinite(array).all():
            raise ValueError("Argument `data` must contain only finite numbers. Received: data with NaN or inf")
        reduce = None if self.axis is None else 0
        mean, variance = np.mean(array, axis=reduce), np.var(array, axis=reduce)
        if not self.built:
            self.build((None, array.shape[1]), np.dtype(floatx()), np.random.default_rng(0))
        self.mean.value[...] = mean
        self.variance.value[...] = variance

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, training=False, rng=None):
        if x.ndim != 2 or (self.axis is not None and x.shape[1] != self.mean.shape[0]):
            raise ValueError(f"Normalization layer {self.name!r} expects inputs of shape (batch, "
                             f"{self.input_shape[-1]}). Received: x with shape {x.shape}")
        # NOTE: Keras's order of operations, in the layer's dtype: max(√variance, ε), then (x − mean) / s.
        self._scale = np.maximum(np.sqrt(self.variance.value), self.variance.value.dtype.type(EPSILON))
        if self.invert:
            return self.mean.value + x * self._scale
        return (x - self.mean.value) / self._scale

    def backward(self, grad_out, need_input_grad=True, out=None):
        if not need_input_grad:
            return None, {}
        return (grad_out * self._scale if self.invert else grad_out / self._scale), {}

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": None if self.input_mean is None else self.input_mean.tolist(),
                "variance": None if self.input_variance is None else self.input_variance.tolist()}
