"""Metrics (Keras: ``keras.metrics``): a per-sample value, averaged over all samples of an epoch.

``'accuracy'`` is resolved as Keras does from the loss and output width: binary accuracy for a single output or a
binary cross-entropy, sparse categorical accuracy for integer labels, categorical accuracy otherwise.

- binary_accuracy:       [ (p > 0.5) == y ], averaged over the K outputs of a row
- categorical_accuracy:  [ argmax p == argmax y ]
- sparse_categorical_accuracy: [ argmax p == y ]
- mse / mae:             (1/K)·Σₖ (p − y)²  /  (1/K)·Σₖ |p − y|
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import losses as losses_module

SampleMetric = Callable[[np.ndarray, np.ndarray], np.ndarray]


def binary_accuracy(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    return np.mean(y == (p > threshold).astype(y.dtype), axis=-1)


def categorical_accuracy(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (np.argmax(y, axis=-1) == np.argmax(p, axis=-1)).astype(p.dtype)


def sparse_categorical_accuracy(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return (y.reshape(-1) == np.argmax(p, axis=-1)).astype(p.dtype)


def mean_squared_error(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.mean(np.square(p - y), axis=-1)


def mean_absolute_error(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.mean(np.abs(p - y), axis=-1)


_BY_NAME: dict[str, SampleMetric] = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy, "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error, "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
}


class Metric:
    """A named per-sample function and its running mean over an epoch (``update``/``result``/``reset``)."""

    def __init__(self, name: str, fn: SampleMetric):
        self.name, self.fn = name, fn
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, y: np.ndarray, p: np.ndarray) -> None:
        values = self.fn(y, p)
        self.total += float(np.sum(values))
        self.count += values.shape[0]

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return f"Metric({self.name!r})"


def get(identifier: Any, loss: losses_module.Loss, n_outputs: int) -> Metric:
    """Resolve a metric name (``'accuracy'``/``'acc'`` as Keras does) or a callable ``fn(y, p) -> (batch,)``."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        if n_outputs == 1 or isinstance(loss, losses_module.BinaryCrossentropy):
            fn: SampleMetric = binary_accuracy
        elif isinstance(loss, losses_module.SparseCategoricalCrossentropy):
            fn = sparse_categorical_accuracy
        else:
            fn = categorical_accuracy
        return Metric(identifier, fn)
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return Metric(identifier, _BY_NAME[identifier])
    if isinstance(identifier, str):
        raise ValueError(f"Unknown metric. Expected one of {sorted([*_BY_NAME, 'accuracy', 'acc'])}. "
                         f"Received: metrics={identifier!r}")
    if callable(identifier):
        return Metric(getattr(identifier, "__name__", "metric"), identifier)
    raise TypeError(f"Each metric must be a name or a callable fn(y_true, y_pred). Received: metrics={identifier!r}")
