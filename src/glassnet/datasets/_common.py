"""What the data-set modules share: the ``(x, y)`` pair type and turning ``seed=`` into a Generator.

The Playground generators and :func:`~glassnet.datasets.train_val_test_split` accept the same ``seed`` values,
so they read them through one function.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

XY = tuple[np.ndarray, np.ndarray]


def _generator(seed: Any) -> np.random.Generator:
    """A Generator from ``None`` (fresh entropy), an int ≥ 0, or a Generator (used as is)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"Argument `seed` must be None, an integer ≥ 0 or a numpy.random.Generator. "
                        f"Received: seed={seed!r}")
    if seed < 0:
        raise ValueError(f"Argument `seed` must be an integer ≥ 0. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))
