"""Weight constraints (Keras: ``keras.constraints``), applied by the optimizer after every update step.

Norms are taken along ``axis`` (0 = over the inputs of each unit for a Dense kernel ``(in, units)``; an int or a
tuple of ints); ε = 1e-7 keeps the division finite.

- ``MaxNorm(max_value=2, axis=0)``:  w · clip(‖w‖, 0, max_value) / (ε + ‖w‖)
- ``NonNeg()``:                      w · [w ≥ 0]
- ``UnitNorm(axis=0)``:              w / (ε + ‖w‖)
- ``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``:
  w · (rate · clip(‖w‖, min_value, max_value) + (1 − rate) · ‖w‖) / (ε + ‖w‖)

Arguments are checked when a constraint is made; ``axis`` is checked against the weight's rank when the layer
that holds the constraint builds (:meth:`Constraint.check_weight`), so a wrong axis fails before any training.

>>> MaxNorm(axis=5).check_weight((3, 2), "kernel_constraint of layer 'dense'")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
ValueError: Argument `axis` of MaxNorm (the kernel_constraint of layer 'dense') must name axes ... Received: axis=5
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._validation import check_nonnegative_float, check_unit_interval
from .backend import EPSILON
from .config import Configurable


class Constraint(Configurable):
    """``constraint(w) -> projected w`` (a new array)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def check_weight(self, shape: tuple[int, ...], where: str) -> None:
        """Raise ``ValueError`` if this constraint cannot apply to a weight of ``shape`` (``where`` names the
        weight in the message). Layers call it when they build, before the weight exists."""

    def get_config(self) -> dict[str, Any]:
        return {}



def _check_axis(axis: Any) -> int | tuple[int, ...]:
    """An int, or a non-empty tuple (or list, kept as a tuple) of ints; bools refused."""
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not items or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in items):
        raise TypeError(f"Argument `axis` must be an integer or a non-empty tuple of integers. Received: "
                        f"axis={axis!r}")
    return tuple(int(a) for a in items) if isinstance(axis, (tuple, list)) else int(axis)


class _NormConstraint(Constraint):
    """A constraint on norms taken along ``axis``."""

    axis: int | tuple[int, ...]

    def check_weight(self, shape: tuple[int, ...], where: str) -> None:
        rank = len(shape)
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        if any(not -rank <= a < rank for a in axes) or len({a % rank for a in axes}) != len(axes):
            raise ValueError(f"Argument `axis` of {type(self).__name__} (the {where}) must name axes of its "
                             f"weight of shape {tuple(shape)}: integers in [-{rank}, {rank}), each axis once. "
                             f"Received: axis={self.axis!r}")

    def _norms(self, w: np.ndarray) -> np.ndarray:
        return np.sqrt(np.sum(np.square(w), axis=self.axis, keepdims=True))


class MaxNorm(_NormConstraint):
    def __init__(self, max_value: float = 2, axis: int | tuple[int, ...] = 0):
        self.max_value = check_nonnegative_float("max_value", max_value)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        norms = self._norms(w)
        return w * (np.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * (w >= 0)


class UnitNorm(_NormConstraint):
    def __init__(self, axis: int | tuple[int, ...] = 0):
        self.axis = _check_axis(axis)

    def __call__(self, w):
        return w / (EPSILON + self._norms(w))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(_NormConstraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: int | tuple[int, ...] = 0):
        self.min_value = check_nonnegative_float("min_value", min_value)
        self.max_value = check_nonnegative_float("max_value", max_value)
        if self.min_value > self.max_value:
            raise ValueError("Argument `min_value` must be ≤ `max_value`. "
                             f"Received: min_value={min_value!r}, max_value={max_value!r}")
        self.rate = check_unit_interval("rate", rate, closed_right=True)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        norms = self._norms(w)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}


def get(identifier: Any, argument: str = "constraint") -> Constraint | None:
    """Resolve ``None``, a Keras constraint name, or a :class:`Constraint`."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, str):
        raise ValueError(f"Unknown constraint. Expected one of {sorted(_BY_NAME)}. Received: {argument}={identifier!r}")
    raise TypeError(f"Argument `{argument}` must be None, a name or a glassnet.constraints.Constraint. "
                    f"Received: {argument}={identifier!r}")
