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


#: What each built-in metric compares its predictions with: targets shaped like the output (n, K), or class
#: indices (n,) — and how many outputs it needs to mean anything.
_TARGETS: dict[SampleMetric, tuple[str, int]] = {
    binary_accuracy: ("like_output", 1), categorical_accuracy: ("like_output", 2),
    sparse_categorical_accuracy: ("class_indices", 2), mean_squared_error: ("like_output", 1),
    mean_absolute_error: ("like_output", 1),
}
_LAYOUTS = {"like_output": "targets shaped like the output (n, K)", "class_indices": "class indices (n,)"}


class Metric:
    """A named per-sample function and its running mean over an epoch (``update``/``result``/``reset``).

    ``targets`` is what it compares the predictions with — ``'like_output'`` (n, K), ``'class_indices'`` (n,) or
    None for a callable whose needs are unknown (checked by a dry run instead) — and ``min_outputs`` the output
    width it needs to mean anything (argmax over one output is always 0).
    """

    def __init__(self, name: str, fn: SampleMetric, targets: str | None = None, min_outputs: int = 1):
        self.name, self.fn = name, fn
        self.targets, self.min_outputs = targets, min_outputs
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, y: np.ndarray, p: np.ndarray) -> None:
        values = self.fn(y, p)
        self.total += float(np.sum(values))
        self.count += values.shape[0]

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def check(self, loss: losses_module.Loss, n_outputs: int | None, y: np.ndarray | None = None,
              argument: str = "metrics") -> None:
        """Raise a ValueError naming this metric when it cannot be computed for ``loss``'s targets and an output
        of width ``n_outputs`` (None: not known yet). Built-in metrics are checked by what they compare; a
        callable is run once on the first two rows of the prepared targets ``y`` (if given) and a zero output,
        and must return one value per row."""
        layout = "class_indices" if isinstance(loss, losses_module.SparseCategoricalCrossentropy) \
            else "like_output"
        received = f"Received: {argument} containing {self.name!r}, loss={loss.name!r}"
        if self.targets is not None and self.targets != layout:
            other = "one-hot targets with categorical_crossentropy" if layout == "class_indices" else \
                "integer labels with sparse_categorical_crossentropy"
            raise ValueError(f"Metric {self.name!r} needs {_LAYOUTS[self.targets]}, but with loss {loss.name!r} "
                             f"the targets are {_LAYOUTS[layout]}. Use 'accuracy' (resolved from the loss), or "
                             f"{other}. {received}")
        if n_outputs is not None and n_outputs < self.min_outputs:
            raise ValueError(f"Metric {self.name!r} takes the argmax over the outputs, which needs at least "
                             f"{self.min_outputs} outputs; this model has {n_outputs}. Use 'binary_accuracy' "
                             f"(or 'accuracy') for one output. {received}, {n_outputs} output(s)")
        if self.targets is None and y is not None and n_outputs is not None and len(y):
            rows = y[:2]
            try:
                values = np.asarray(self.fn(rows, np.zeros((len(rows), n_outputs), dtype=np.result_type(
                    rows.dtype, np.float32))))
            except Exception as exc:  # noqa: BLE001 - any failure of user code is reported the same way
                raise ValueError(f"Metric {self.name!r} failed on the first rows of the targets and an output of "
                                 f"width {n_outputs}: {type(exc).__name__}: {exc}. {received}") from None
            if values.shape != (len(rows),):
                raise ValueError(f"Metric {self.name!r} must return one value per row, shape ({len(rows)},) for "
                                 f"{len(rows)} rows. {received}, returning shape {values.shape}")

    def __repr__(self) -> str:
        return f"Metric({self.name!r})"


def get(identifier: Any, loss: losses_module.Loss, n_outputs: int | None) -> Metric:
    """Resolve a metric name (``'accuracy'``/``'acc'`` as Keras does) or a callable ``fn(y, p) -> (batch,)``.

    ``n_outputs`` is the model's output width (None if not known yet: 'accuracy' then resolves from the loss).
    """
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        if n_outputs == 1 or isinstance(loss, losses_module.BinaryCrossentropy):
            fn: SampleMetric = binary_accuracy
        elif isinstance(loss, losses_module.SparseCategoricalCrossentropy):
            fn = sparse_categorical_accuracy
        else:
            fn = categorical_accuracy
        return Metric(identifier, fn, *_TARGETS[fn])
    if isinstance(identifier, str) and identifier in _BY_NAME:
        fn = _BY_NAME[identifier]
        return Metric(identifier, fn, *_TARGETS[fn])
    if isinstance(identifier, str):
        raise ValueError(f"Unknown metric. Expected one of {sorted([*_BY_NAME, 'accuracy', 'acc'])}. "
                         f"Received: metrics={identifier!r}")
    if callable(identifier):
        return Metric(getattr(identifier, "__name__", "metric"), identifier)
    raise TypeError(f"Each metric must be a name or a callable fn(y_true, y_pred). Received: metrics={identifier!r}")
