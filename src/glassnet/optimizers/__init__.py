"""Optimizers (Keras: ``keras.optimizers``). ``get('adam')`` builds one with Keras's defaults."""

from __future__ import annotations

from typing import Any

from . import schedules
from .adam_variants import Adamax, Nadam
from .algorithms import SGD, Adagrad, Adam, AdamW, RMSprop
from .base import Optimizer, StepParts
from .schedules import ExponentialDecay, LearningRateSchedule

_BY_NAME: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop,
                                         "adagrad": Adagrad, "nadam": Nadam, "adamax": Adamax}


def get(identifier: Any) -> Optimizer:
    """Resolve an optimizer name (case-insensitive) or an :class:`Optimizer` instance.

    >>> get("sgd")
    SGD(learning_rate=0.01, momentum=0.0, nesterov=False)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, str):
        raise ValueError(f"Unknown optimizer. Expected one of {sorted(_BY_NAME)}. Received: optimizer={identifier!r}")
    raise TypeError(f"Argument `optimizer` must be a name or a glassnet.optimizers.Optimizer. "
                    f"Received: optimizer={identifier!r}")


__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "Optimizer", "StepParts",
           "ExponentialDecay", "LearningRateSchedule",
           "schedules", "get"]
