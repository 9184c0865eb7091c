"""Floating-point settings shared by the whole library (Keras: ``keras.config``).

glassnet computes in float32 unless told otherwise, like Keras. ``set_floatx('float64')`` changes the default for
models built afterwards; a model can also be given ``dtype=`` directly.
"""

from __future__ import annotations

import numpy as np

_ALLOWED = ("float32", "float64")
_floatx = "float32"

#: Keras's fuzz factor (``keras.config.epsilon()``): clips probabilities in cross-entropies and pads norms.
EPSILON = 1e-7


def floatx() -> str:
    """Return the default float type name, ``'float32'`` unless changed by :func:`set_floatx`.

    >>> floatx() in ("float32", "float64")
    True
    """
    return _floatx


def set_floatx(value: str) -> None:
    """Set the default float type for models built from now on: ``'float32'`` or ``'float64'``."""
    global _floatx
    if value is None:
        raise ValueError(f"Argument `value` must be one of {list(_ALLOWED)}. Received: value=None")
    _floatx = standardize_dtype(value, "value").name


def standardize_dtype(dtype: object, argument: str = "dtype") -> np.dtype:
    """Turn ``None``/a name/a NumPy dtype into ``float32`` or ``float64``; anything else is a ``ValueError``."""
    if dtype is None:
        return np.dtype(_floatx)
    try:
        # Any object may come in: NumPy's stubs list only what np.dtype accepts; it raises TypeError on the rest.
        resolved = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in _ALLOWED:
        raise ValueError(f"Argument `{argument}` must be one of {list(_ALLOWED)}. Received: {argument}={dtype!r}")
    return resolved
