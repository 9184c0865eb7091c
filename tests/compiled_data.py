"""Small data sets shared by the compiled engine's tests (test_compiled_epochs, test_compiled_fit)."""

from __future__ import annotations

import numpy as np


def data(rows, features, seed=0, classes=1, dtype="float32"):
    """x (rows, features) and a target: 0/1 for classes=1, labels 0..classes−1 (by quantile) otherwise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype(dtype)
    score = x @ rng.normal(size=features)
    if classes == 1:
        return x, (score > 0).astype(dtype)
    return x, np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))


def onehot(rows, features, classes, seed=0, dtype="float32"):
    x, labels = data(rows, features, seed, classes, dtype)
    return x, np.eye(classes, dtype=dtype)[labels]


def regression(rows, features, outputs, seed=0, dtype="float32"):
    """Noisy smooth targets (rows, outputs) of x (rows, features)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype(dtype)
    return x, (np.tanh(x @ rng.normal(size=(features, outputs))) * 2 + 0.1 * rng.normal(size=(rows, outputs))
               ).astype(dtype)
