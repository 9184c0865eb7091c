"""Weight constraints (Keras: ``keras.constraints``), applied by the optimizer after every update step.

Norms are taken along ``axis`` (0 = over the inputs of each unit for a Dense kernel ``(in, units)``);
ε = 1e-7 keeps the division finite.

- ``MaxNorm(max_value=2, axis=0)``:  w · clip(‖w‖, 0, max_value) / (ε + ‖w‖)
- ``NonNeg()``:                      w · [w ≥ 0]
- ``UnitNorm(axis=0)``:              w / (ε + ‖w‖)
- ``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``:
  w · (rate · clip(‖w‖, min_value, max_value) + (1 − rate) · ‖w‖) / (ε + ‖w‖)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_nonnegative_float, check_unit_interval
from .backend import EPSILON


class Constraint:
    """``constraint(w) -> projected w`` (a new array)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _norms(w: np.ndarray, axis: int) -> np.ndarray:
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    def __init__(self, max_value: float = 2, axis: int = 0):
        self.max_value = check_nonnegative_float("max_value", max_value)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * (w >= 0)


class UnitNorm(Constraint):
    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0):
        self.min_value = check_nonnegative_float("min_value", min_value)
        self.max_value = check_nonnegative_float("max_value", max_value)
        if self.min_value > self.max_value:
            raise ValueError("Argument `min_value` must be ≤ `max_value`. "
                             f"Received: min_value={min_value!r}, max_value={max_value!r}")
        self.rate = check_unit_interval("rate", rate, closed_right=True)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
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
