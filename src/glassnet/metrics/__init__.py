"""Metrics (Keras: ``keras.metrics``), each averaged or counted over all samples of an epoch.

- :mod:`~glassnet.metrics.base` — the ``Metric`` contract and the per-sample metrics (accuracies, mse, mae,
  top-k accuracy);
- :mod:`~glassnet.metrics.mean_metrics` — ``RootMeanSquaredError``, ``TopKCategoricalAccuracy``;
- :mod:`~glassnet.metrics.confusion` — ``Precision``, ``Recall``, ``AUC`` (from confusion counts).

``compile(metrics=[...])`` takes names (``'accuracy'``, ``'mse'``, ``'auc'``, ``'AUC'``, …: the name given is the
History key, as in Keras), metric objects (``AUC()``: its ``name`` is the key — ``auc``, then ``auc_1``, … per
process) or callables ``fn(y_true, y_pred) -> (batch,)``. ``'accuracy'`` is resolved as Keras does from the loss
and output width: binary accuracy for a single output or a binary cross-entropy, sparse categorical accuracy for
integer labels, categorical accuracy otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import losses as losses_module
from .base import (
    BY_NAME,
    DIRECTIONS,
    TARGETS,
    Metric,
    SampleMetric,
    binary_accuracy,
    categorical_accuracy,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .confusion import AUC, Precision, Recall
from .mean_metrics import RootMeanSquaredError, TopKCategoricalAccuracy

#: Metric classes by the names Keras gives them (class name and snake_case); the instance takes the name given.
CLASSES: dict[str, Callable[..., Metric]] = {
    "auc": AUC, "AUC": AUC, "precision": Precision, "Precision": Precision, "recall": Recall, "Recall": Recall,
    "root_mean_squared_error": RootMeanSquaredError, "RootMeanSquaredError": RootMeanSquaredError,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy, "TopKCategoricalAccuracy": TopKCategoricalAccuracy,
}


def get(identifier: Any, loss: losses_module.Loss, n_outputs: int | None) -> Metric:
    """A new metric (nothing counted yet) for a name (``'accuracy'``/``'acc'`` as Keras does), a
    :class:`Metric` object (a fresh copy of it: the object given is never changed) or a callable
    ``fn(y, p) -> (batch,)``.

    ``n_outputs`` is the model's output width (None if not known yet: 'accuracy' then resolves from the loss).

    >>> from glassnet import losses
    >>> metric = get("AUC", losses.get("binary_crossentropy"), 1)
    >>> type(metric).__name__, metric.name, metric.num_thresholds
    ('AUC', 'AUC', 200)
    """
    if isinstance(identifier, Metric):
        return identifier.fresh()
    if identifier in ("accuracy", "acc"):
        if n_outputs == 1 or isinstance(loss, losses_module.BinaryCrossentropy):
            fn: SampleMetric = binary_accuracy
        elif isinstance(loss, losses_module.SparseCategoricalCrossentropy):
            fn = sparse_categorical_accuracy
        else:
            fn = categorical_accuracy
        return Metric(identifier, fn, *TARGETS[fn], DIRECTIONS[fn])
    if isinstance(identifier, str) and identifier in BY_NAME:
        fn = BY_NAME[identifier]
        return Metric(identifier, fn, *TARGETS[fn], DIRECTIONS[fn])
    if isinstance(identifier, str) and identifier in CLASSES:
        return CLASSES[identifier](name=identifier)
    if isinstance(identifier, str):
        raise ValueError(f"Unknown metric. Expected one of {sorted([*BY_NAME, *CLASSES, 'accuracy', 'acc'])}. "
                         f"Received: metrics={identifier!r}")
    if isinstance(identifier, type) and identifier in CLASSES.values():
        return identifier()  # Keras makes one with its defaults
    if isinstance(identifier, type):
        raise TypeError(f"Each metric must be a name, a metric object or a callable fn(y_true, y_pred), not a "
                        f"class. Received: metrics={identifier!r} (did you mean {identifier.__name__}()?)")
    if callable(identifier):
        return Metric(getattr(identifier, "__name__", "metric"), identifier)
    raise TypeError(f"Each metric must be a name or a callable fn(y_true, y_pred). Received: metrics={identifier!r}")


__all__ = ["Metric", "get", "AUC", "Precision", "Recall", "RootMeanSquaredError", "TopKCategoricalAccuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "mean_squared_error",
           "mean_absolute_error", "top_k_categorical_accuracy", "CLASSES"]
