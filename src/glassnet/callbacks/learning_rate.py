"""Callbacks that change the optimizer's learning rate between epochs (Keras's): ``ReduceLROnPlateau`` and
``LearningRateScheduler``. Both write the rate into the epoch's logs as ``learning_rate``, so History (and
CSVLogger after them) shows it whenever one of them may change it.

The rate is set with ``optimizer.learning_rate = new`` (a number > 0). An optimizer made with a
:class:`~glassnet.optimizers.LearningRateSchedule` or a callable has no single rate to set: both callbacks refuse
it before training starts, as Keras refuses to set such a rate.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

from .._validation import check_nonnegative_float
from .base import Callback
from .stopping import _check_count


def _check_settable(model: Any, callback: str) -> None:
    """Raise a TypeError when the model's optimizer has a schedule (its rate is not a number one can set)."""
    rate = model.compiled_optimizer.get_config()["learning_rate"]
    if callable(rate):
        raise TypeError(f"{callback} sets the optimizer's learning rate, but this optimizer was made with a "
                        "schedule, so its rate is not settable: give the optimizer a number as `learning_rate`. "
                        f"Received: learning_rate={rate!r}")


def _direction(monitor: str, model: Any) -> str:
    """'min' or 'max' for ``mode='auto'``: losses go down; a compiled metric goes the way its ``direction`` says
    (accuracies, AUC, precision up; errors down). Anything else needs an explicit mode (a ValueError)."""
    name = monitor.removeprefix("val_")
    if name in ("loss", "data_loss", "penalty_loss") or name.startswith(("penalty/", "norm/")):
        return "min"
    for metric in model.make_metrics(None):
        if metric.name == name and metric.direction is not None:
            return "max" if metric.direction == "up" else "min"
    raise ValueError(f"ReduceLROnPlateau cannot tell whether `{monitor}` should be maximized or minimized: pass "
                     f"mode='max' or mode='min'. Received: monitor={monitor!r}, mode='auto'")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs
    (Keras 3's semantics and defaults).

    At each epoch end: an improvement is current < best − min_delta (mode 'min') or current > best + min_delta
    ('max'; 'auto' picks by the monitored quantity); it resets the wait. Otherwise, outside a cooldown, ``wait`` +=
    1, and when it reaches ``patience`` the rate becomes max(rate·factor, min_lr) (only if rate > min_lr) and a
    cooldown of ``cooldown`` epochs starts, in which waiting does not count. ``wait``, ``cooldown_counter`` and
    ``best`` are backed up by :class:`~glassnet.BackupAndRestore`.

    >>> ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2).factor
    0.5
    """

    state_spec = {"wait": "count", "cooldown_counter": "count", "best": "number"}

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"Argument `monitor` must be a string. Received: monitor={monitor!r}")
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"Argument `factor` must be a number in (0, 1). Received: factor={factor!r}")
        if not 0 < factor < 1:  # Keras refuses factor ≥ 1 (it would not reduce); 0 would stop learning for good
            raise ValueError(f"Argument `factor` must be a number in (0, 1): ReduceLROnPlateau multiplies the "
                             f"learning rate by it. Received: factor={factor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Argument `mode` must be one of ['auto', 'max', 'min']. Received: mode={mode!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real):
            raise TypeError(f"Argument `min_delta` must be a number. Received: min_delta={min_delta!r}")
        self.monitor: str = monitor
        self.factor = float(factor)
        self.verbose = verbose
        self.mode: str = mode
        self.patience = _check_count("patience", patience)
        self.cooldown = _check_count("cooldown", cooldown)
        self.min_delta: float = check_nonnegative_float("min_delta", abs(min_delta))  # Keras takes |min_delta|
        self.min_lr = check_nonnegative_float("min_lr", min_lr)
        self.direction: str = mode  # 'min' or 'max' once training begins ('auto' resolved)
        self.wait, self.cooldown_counter = 0, 0
        self.best: float = math.inf

    @property
    def state_key(self) -> str:
        return f"ReduceLROnPlateau(monitor={self.monitor!r}, mode={self.mode!r})"

    def on_train_begin(self, logs=None):
        _check_settable(self.model, "ReduceLROnPlateau")
        self.direction = _direction(self.monitor, self.model) if self.mode == "auto" else self.mode
        self.wait, self.cooldown_counter = 0, 0
        self.best = math.inf if self.direction == "min" else -math.inf

    def _is_improvement(self, current: float) -> bool:
        if self.direction == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.compiled_optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        current = float(current)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            old = float(optimizer.learning_rate)
            if self.wait >= self.patience and old > self.min_lr:  # at min_lr already: nothing to reduce
                new = max(old * self.factor, self.min_lr)
                optimizer.learning_rate = new
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


def _takes_rate(schedule: Callable[..., Any]) -> bool:
    """Whether ``schedule`` takes (epoch, lr) — Keras's current form — rather than (epoch) alone."""
    try:
        parameters = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: Keras's current form
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)`` (or ``schedule(epoch)``),
    epoch counting from 0, lr the current rate (Keras's).

    The schedule must return a float (Python or NumPy) that is finite and > 0; anything else stops training
    with a TypeError or ValueError naming the epoch, before that epoch's first step.

    >>> scheduler = LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"Argument `schedule` must be a callable schedule(epoch, lr) or schedule(epoch). "
                            f"Received: schedule={schedule!r}")
        self.schedule, self.verbose = schedule, verbose
        self._two_arguments = _takes_rate(schedule)

    def on_train_begin(self, logs=None):
        _check_settable(self.model, "LearningRateScheduler")

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.compiled_optimizer
        value = self.schedule(epoch, float(optimizer.learning_rate)) if self._two_arguments else self.schedule(epoch)
        expected = f"The output of the `schedule` function at epoch {epoch} must be a float that is finite and > 0"
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, numbers.Integral):
            raise TypeError(f"{expected}. Received: {value!r}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{expected}. Received: {value!r}")
        optimizer.learning_rate = float(value)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(value)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.compiled_optimizer.learning_rate)
