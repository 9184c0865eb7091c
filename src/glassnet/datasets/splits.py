"""Seeded, optionally stratified splits of rows into training, validation and test sets.

>>> import numpy as np
>>> x, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
>>> x_train, y_train, x_val, y_val = train_val_test_split(x, y, val=0.2, seed=0, stratify=True)
>>> len(x_train), sorted(y_val.tolist())
(8, [0, 1])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import check_unit_interval
from ._common import _generator

__all__ = ["train_val_test_split"]


def _largest_remainder(quotas: np.ndarray, total: int, room: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Integer counts ≤ room adding up to ``total``, each its quota's floor or ceiling when room allows."""
    counts = np.minimum(np.floor(quotas).astype(int), room)
    # Ties in the remainder are broken at random so no class is favoured by its position.
    order = np.lexsort((rng.random(len(quotas)), -(quotas - counts)))
    for k in order[::-1]:   # NOTE: only if rounding in quotas pushed the floors past the total
        if counts.sum() > total and counts[k] > 0:
            counts[k] -= 1
    while counts.sum() < total:   # a second round only when a class ran out of room (tiny classes)
        for k in order:
            if counts.sum() < total and counts[k] < room[k]:
                counts[k] += 1
    return counts


def train_val_test_split(x: Any, y: Any, *, val: float = 0.2, test: float = 0.0, seed: Any = 0,
                         stratify: bool = False) -> tuple[np.ndarray, ...]:
    """Split rows at random into training, validation and (if ``test`` > 0) test sets.

    Of n rows, n_val = ⌊val·n + 0.5⌋ go to validation and n_test = ⌊test·n + 0.5⌋ to test; the rest train.
    With ``stratify=True`` each class c (the distinct rows of y) with n_c rows puts ⌊val·n_c⌋ or ⌈val·n_c⌉
    rows into validation (largest remainders first, so the totals stay n_val), likewise for test, so class
    proportions are kept to within one row. The same seed gives the same split; rows within each part come in
    random order.

    Parameters
    ----------
    x : array, shape (n, ...)
    y : array, shape (n, ...)
    val, test : float in [0, 1) with val + test < 1
    seed : None, int ≥ 0 or numpy.random.Generator
        None draws fresh entropy (a different split every call).
    stratify : bool
        Keep the proportions of y's classes (for classification labels).

    Returns
    -------
    tuple
        ``(x_train, y_train, x_val, y_val)``, plus ``(x_test, y_test)`` when ``test`` > 0.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"Arguments `x` and `y` must have the same number of rows. "
                         f"Received: x with shape {x.shape}, y with shape {y.shape}")
    val_fraction, test_fraction = check_unit_interval("val", val), check_unit_interval("test", test)
    if val_fraction + test_fraction >= 1:
        raise ValueError("Arguments `val` and `test` must add up to less than 1 so rows remain for training. "
                         f"Received: val={val!r}, test={test!r}")
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"Argument `stratify` must be a bool. Received: stratify={stratify!r}")
    rng = _generator(seed)
    n = len(x)
    n_val, n_test = math.floor(val_fraction * n + 0.5), math.floor(test_fraction * n + 0.5)
    for name, fraction, count in (("val", val_fraction, n_val), ("test", test_fraction, n_test)):
        if fraction > 0 and count == 0:
            raise ValueError(f"Argument `{name}` leaves no rows for {name} out of {n}. "
                             f"Received: {name}={fraction!r}")
    if n - n_val - n_test < 1:
        raise ValueError(f"Arguments `val` and `test` leave no training rows out of {n}. "
                         f"Received: val={val!r}, test={test!r}")
    if stratify:
        _, labels = np.unique(y.reshape(n, -1), axis=0, return_inverse=True)
        members = [rng.permutation(np.flatnonzero(labels.reshape(-1) == c)) for c in range(labels.max() + 1)]
        sizes = np.array([len(m) for m in members])
        val_counts = _largest_remainder(val_fraction * sizes, n_val, sizes, rng)
        test_counts = _largest_remainder(test_fraction * sizes, n_test, sizes - val_counts, rng)
        parts = [np.concatenate([m[:v] for m, v in zip(members, val_counts)]),
                 np.concatenate([m[v:v + t] for m, v, t in zip(members, val_counts, test_counts)]),
                 np.concatenate([m[v + t:] for m, v, t in zip(members, val_counts, test_counts)])]
        val_rows, test_rows, train_rows = (rng.permutation(p) for p in parts)
    else:
        order = rng.permutation(n)
        val_rows, test_rows, train_rows = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    result = (x[train_rows], y[train_rows], x[val_rows], y[val_rows])
    return result + (x[test_rows], y[test_rows]) if test_fraction > 0 else result
