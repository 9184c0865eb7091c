"""Checks at the API boundary. Each error names the argument, what was expected and what was received.

Messages end like Keras's: ``... Received: units=0``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import DTypeLike


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is a whole number ≥ 1 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_nonnegative_float(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument `{name}` must be a finite number ≥ 0. Received: {name}={value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"Argument `{name}` must be a finite number ≥ 0. Received: {name}={value!r}")
    return float(value)


def check_positive_float(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument `{name}` must be a finite number > 0. Received: {name}={value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def check_unit_interval(name: str, value: Any, *, closed_right: bool = False) -> float:
    """Return ``value`` as ``float`` if it lies in [0, 1) (or [0, 1] with ``closed_right``)."""
    number = check_nonnegative_float(name, value)
    if number > 1 or (number == 1 and not closed_right):
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"Argument `{name}` must be in {interval}. Received: {name}={value!r}")
    return number


def check_optional_clip(name: str, value: Any) -> float | None:
    """``None`` or a finite number > 0 (for clipnorm/clipvalue/global_clipnorm)."""
    return None if value is None else check_positive_float(name, value)


def as_float_array(name: str, value: Any, dtype: DTypeLike) -> np.ndarray:
    """Convert array-like real numeric data to ``dtype`` without copying when it already is; reject NaN/inf."""
    if value is None:
        raise TypeError(f"Argument `{name}` must be a numeric array. Received: {name}=None")
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any conversion failure is a type problem of the argument
        raise TypeError(f"Argument `{name}` must be a numeric array. Received: {name} of type "
                        f"{type(value).__name__}") from exc
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"Argument `{name}` must be a numeric array. Received: {name} with dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"Argument `{name}` must have a batch dimension. Received: {name} with shape ()")
    from .engine.mapped_io import check_file_length, chunked_all_finite

    check_file_length(name, array)  # a truncated mapped file would kill the process on the first read past its end
    array = array.astype(dtype, copy=False)
    finite, bad = chunked_all_finite(array)  # chunk by chunk: no full-size temporary for huge or mapped data
    if not finite:
        raise ValueError(f"Argument `{name}` must contain only finite numbers. Received: {name} with "
                         f"{array[bad]} at index {bad}")
    return array


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages (shapes for arrays, repr otherwise)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_seed(name: str, value: Any) -> int | None:
    """``value`` as an int when it is None or a whole number ≥ 0 (Python or NumPy integer; bools refused): the one
    rule for every seed glassnet takes (``numpy.random.default_rng`` refuses negative seeds)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be an integer ≥ 0 or None. Received: {name}={value!r}")
    if value < 0:
        raise ValueError(f"Argument `{name}` must be an integer ≥ 0 or None. Received: {name}={value!r}")
    return int(value)
