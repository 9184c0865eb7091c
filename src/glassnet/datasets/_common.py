"""What the data-set modules share: the ``(x, y)`` pair type and turning ``seed=`` into a Generator.

The Playground generators and :func:`~glassnet.datasets.train_val_test_split` accept the same ``seed`` values,
so they read them through one function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_seed

XY = tuple[np.ndarray, np.ndarray]


def _generator(seed: Any) -> np.random.Generator:
    """A Generator from ``None`` (fresh entropy), an int ≥ 0, or a Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    try:
        return np.random.default_rng(check_seed("seed", seed))
    except TypeError:
        raise TypeError("Argument `seed` must be None, an integer ≥ 0 or a numpy.random.Generator. "
                        f"Received: seed={seed!r}") from None
