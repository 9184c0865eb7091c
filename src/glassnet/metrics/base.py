"""The metric contract and the per-sample metrics: a value per sample, averaged over all samples of an epoch.

- binary_accuracy:       [ (p > 0.5) == y ], averaged over the K outputs of a row
- categorical_accuracy:  [ argmax p == argmax y ]
- sparse_categorical_accuracy: [ argmax p == y ]
- top_k_categorical_accuracy:  [ fewer than k classes score above the true class: p_c > p_{argmax y} ]
- mse / mae:             (1/K)·Σₖ (p − y)²  /  (1/K)·Σₖ |p − y|

Like Keras's ``compile(metrics=...)`` (not ``weighted_metrics``), metrics ignore sample and class weights.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

import numpy as np

from .. import losses as losses_module
from ..layers.base import unique_name

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


def top_k_categorical_accuracy(y: np.ndarray, p: np.ndarray, k: int = 5) -> np.ndarray:
    """1 where the true class (argmax of the one-hot y) is among the k highest scores of p: fewer than k classes
    score strictly higher (TensorFlow's ``in_top_k``: ties at the boundary count as in)."""
    true_scores = np.take_along_axis(p, np.argmax(y, axis=-1)[:, None], axis=-1)
    return (np.sum(p > true_scores, axis=-1) < k).astype(p.dtype)


def to_snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: 'AUC' → 'auc', 'RootMeanSquaredError' → 'root_mean_squared_error'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(cls: type) -> str:
    """Keras's automatic metric names: ``auc``, ``auc_1``, … (per process, as layer names)."""
    return unique_name(to_snake_case(cls.__name__))


#: Per-sample metrics by name (Keras's function names, aliases and class names; the name given is the History key).
BY_NAME: dict[str, SampleMetric] = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy, "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error, "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "BinaryAccuracy": binary_accuracy, "CategoricalAccuracy": categorical_accuracy,
    "SparseCategoricalAccuracy": sparse_categorical_accuracy, "MeanSquaredError": mean_squared_error,
    "MeanAbsoluteError": mean_absolute_error,
}


#: What each built-in metric compares its predictions with: targets shaped like the output (n, K), or class
#: indices (n,) — and how many outputs it needs to mean anything.
TARGETS: dict[SampleMetric, tuple[str, int]] = {
    binary_accuracy: ("like_output", 1), categorical_accuracy: ("like_output", 2),
    sparse_categorical_accuracy: ("class_indices", 2), mean_squared_error: ("like_output", 1),
    mean_absolute_error: ("like_output", 1),
}
#: Whether a higher value is better ('up') or worse ('down'): what ReduceLROnPlateau's mode='auto' reads.
DIRECTIONS: dict[SampleMetric, str] = {
    binary_accuracy: "up", categorical_accuracy: "up", sparse_categorical_accuracy: "up",
    mean_squared_error: "down", mean_absolute_error: "down",
}
LAYOUTS = {"like_output": "targets shaped like the output (n, K)", "class_indices": "class indices (n,)"}


class Metric:
    """A named per-sample function and its running mean over an epoch (``update``/``result``/``reset``).

    ``targets`` is what it compares the predictions with — ``'like_output'`` (n, K), ``'class_indices'`` (n,) or
    None for a callable whose needs are unknown (checked by a dry run instead) — and ``min_outputs`` the output
    width it needs to mean anything (argmax over one output is always 0). ``direction`` is 'up' when higher is
    better, 'down' when lower is, None when unknown (a callable).

    Subclasses with other running state (a confusion matrix) override ``update``, ``result`` and ``reset``;
    ``reset`` must make new arrays, not zero the old ones in place, so that :meth:`fresh` copies share nothing.
    """

    def __init__(self, name: str, fn: SampleMetric, targets: str | None = None, min_outputs: int = 1,
                 direction: str | None = None):
        self.name, self.fn = name, fn
        self.targets, self.min_outputs, self.direction = targets, min_outputs, direction
        self.reset()

    def fresh(self) -> Metric:
        """A reset copy with the same settings: what a fit or an evaluation accumulates into, so the object given
        to ``compile`` is never changed and training and validation never share counts."""
        made = copy.copy(self)
        made.reset()
        return made

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
            raise ValueError(f"Metric {self.name!r} needs {LAYOUTS[self.targets]}, but with loss {loss.name!r} "
                             f"the targets are {LAYOUTS[layout]}. Use 'accuracy' (resolved from the loss), or "
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

