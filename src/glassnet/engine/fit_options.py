"""``fit``'s Keras options beyond the basics, checked before anything changes: ``class_weight``,
``initial_epoch``, ``validation_freq`` and ``validation_batch_size``.

``class_weight={class: weight}`` becomes a sample weight per training row, as Keras's data adapter makes it: the
row's class is argmax(y) for one-hot targets (n, K > 1), else round(y); a class not in the dict weighs 1. The loss
is then (1/B)·Σᵢ sᵢ·ℓᵢ as with ``sample_weight`` (which it cannot be combined with); metrics stay unweighted,
validation data is not weighted.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .._validation import check_positive_int, describe


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_class_weight(class_weight: Any, sample_weight: Any) -> dict[int, float] | None:
    """``class_weight`` as {class index ≥ 0: finite weight ≥ 0}, or None."""
    if class_weight is None:
        return None
    if sample_weight is not None:
        raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time: fold the class "
                         f"weights into the sample weights. Received: class_weight={describe(class_weight)} and "
                         "a sample_weight")
    if not isinstance(class_weight, dict):
        raise TypeError("Argument `class_weight` must be a dict {class index: weight}. "
                        f"Received: class_weight={describe(class_weight)}")
    checked = {}
    for key, value in class_weight.items():
        if not _whole(key) or key < 0:
            raise ValueError("Argument `class_weight` must map class indices (integers ≥ 0) to weights. "
                             f"Received: class_weight with key {key!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
            raise ValueError(f"Argument `class_weight` must map each class to a finite weight ≥ 0. "
                             f"Received: class_weight[{key!r}]={value!r}")
        checked[int(key)] = float(value)
    return checked


def class_sample_weights(y: np.ndarray, class_weight: dict[int, float], dtype: np.dtype) -> np.ndarray:
    """One weight per row of the prepared targets ``y``: class_weight[class of the row], 1 for other classes.

    >>> class_sample_weights(np.array([[0.0], [1.0], [1.0]]), {1: 3.0}, np.dtype("float32"))
    array([1., 3., 3.], dtype=float32)
    """
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] != 1 else y.reshape(len(y))
    # By the classes present, not by index: a class index of 10¹² in the dict must not allocate a 10¹²-entry table.
    classes, rows = np.unique(np.round(labels), return_inverse=True)
    table = np.array([class_weight.get(int(c), 1.0) if np.isfinite(c) else 1.0 for c in classes], dtype=dtype)
    return table[rows.reshape(len(y))]


def check_initial_epoch(value: Any) -> int:
    """The epoch (from 0) training starts at: epochs before it are counted as done (Keras's ``initial_epoch``)."""
    if not _whole(value):
        raise TypeError(f"Argument `initial_epoch` must be an integer ≥ 0. Received: initial_epoch={value!r}")
    if value < 0:
        raise ValueError(f"Argument `initial_epoch` must be an integer ≥ 0. Received: initial_epoch={value!r}")
    return int(value)


def check_validation_freq(value: Any) -> int | tuple[int, ...]:
    """An epoch interval (validate after epochs k, 2k, …, counted from 1) or a collection of epochs (from 1)."""
    expected = ("Argument `validation_freq` must be an integer ≥ 1 (validate every that many epochs) or a list of "
                "epochs (counted from 1) to validate after")
    if _whole(value):
        return check_positive_int("validation_freq", value)
    if not isinstance(value, (list, tuple, set, range)):
        raise TypeError(f"{expected}. Received: validation_freq={describe(value)}")
    if not all(_whole(v) and v >= 1 for v in value):
        raise ValueError(f"{expected}. Received: validation_freq={describe(value)}")
    return tuple(sorted(int(v) for v in value))


def should_validate(epoch: int, validation_freq: int | tuple[int, ...]) -> bool:
    """Keras's ``_should_eval``: ``epoch`` counts from 0, validation_freq's epochs from 1."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq
