"""Small helpers Keras tutorials use (Keras: ``keras.utils``)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot rows for integer class labels, as Keras's ``to_categorical``: labels of shape (n,) (or (n, 1))
    give a float64 array (n, num_classes) with a 1 in column ``label``; any other shape (…,) gives (…, num_classes).
    ``num_classes`` defaults to max(label) + 1.

    Unlike Keras, a label that is negative, not a whole number, or ≥ ``num_classes`` is refused (Keras would wrap
    a negative label around, truncate 1.5 to 1, or fail with an IndexError).

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):
        raise TypeError(f"Argument `x` must be an array of integer class labels. Received: x of type "
                        f"{type(x).__name__}") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"Argument `x` must be an array of integer class labels. Received: x with dtype "
                        f"{array.dtype}")
    if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral)
                                    or num_classes < 1):
        raise ValueError(f"Argument `num_classes` must be an integer ≥ 1 or None. Received: num_classes="
                         f"{num_classes!r}")
    if array.size and (not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array != np.round(array))):
        bad = array.reshape(-1)[~(np.isfinite(array) & (array >= 0) & (array == np.round(array))).reshape(-1)]
        raise ValueError(f"Argument `x` must hold integer class labels ≥ 0. Received: x containing {bad[0].item()!r}")
    labels = array.astype(np.int64).reshape(-1)
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"Argument `x` must hold labels below num_classes={num_classes}. Received: x containing "
                         f"{int(labels.max())}")
    shape = array.shape[:-1] if array.ndim > 1 and array.shape[-1] == 1 else array.shape
    categorical = np.zeros((labels.size, num_classes))
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(*shape, num_classes)
