"""Keras's metric classes that are a mean of a per-sample value: ``RootMeanSquaredError`` and
``TopKCategoricalAccuracy``. Both have Keras's fixed default names, so the History key is the same in every run.

- RootMeanSquaredError: √( (1/n)·Σᵢ (1/K)·Σₖ (pᵢₖ − yᵢₖ)² ) over all samples of the epoch — the root of the
  epoch's mean, not a mean of per-batch roots;
- TopKCategoricalAccuracy(k=5): (1/n)·Σᵢ [the true class of one-hot yᵢ is among the k highest scores of pᵢ].
"""

from __future__ import annotations

import functools
import math
from typing import Any

from .._validation import check_positive_int
from ..config import Configurable
from .base import Metric, mean_squared_error, top_k_categorical_accuracy


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"Argument `name` must be a non-empty string. Received: name={value!r}")
    return value


class RootMeanSquaredError(Metric, Configurable):
    """``RootMeanSquaredError(name='root_mean_squared_error')`` (Keras's).

    >>> import numpy as np
    >>> metric = RootMeanSquaredError()
    >>> metric.update(np.array([[0.0], [0.0]]), np.array([[3.0], [4.0]]))
    >>> round(metric.result(), 6)  # √((9 + 16)/2)
    3.535534
    """

    def __init__(self, name: str = "root_mean_squared_error"):
        super().__init__(_name(name), mean_squared_error, "like_output", 1, "down")

    def result(self) -> float:
        return math.sqrt(super().result())

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    __repr__ = Configurable.__repr__


class TopKCategoricalAccuracy(Metric, Configurable):
    """``TopKCategoricalAccuracy(k=5, name='top_k_categorical_accuracy')`` (Keras's), on one-hot targets.

    >>> import numpy as np
    >>> metric = TopKCategoricalAccuracy(k=2)
    >>> metric.update(np.array([[0, 0, 1], [1, 0, 0]]), np.array([[0.2, 0.3, 0.5], [0.1, 0.3, 0.6]]))
    >>> metric.result()
    0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy"):
        k = check_positive_int("k", k)
        super().__init__(_name(name), functools.partial(top_k_categorical_accuracy, k=k), "like_output", 2, "up")
        self.k = k

    def get_config(self) -> dict[str, Any]:
        return {"k": self.k, "name": self.name}

    __repr__ = Configurable.__repr__
