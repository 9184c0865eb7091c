"""``EarlyStopping`` and ``TerminateOnNaN`` (Keras's): stop training when a monitored number stops improving, or
as soon as the loss is not finite."""

from __future__ import annotations

import math
import warnings
from typing import Any

from .._validation import check_nonnegative_float
from .base import Callback


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Argument `{name}` must be an integer ≥ 0. Received: {name}={value!r}")
    if value < 0:
        raise ValueError(f"Argument `{name}` must be an integer ≥ 0. Received: {name}={value!r}")
    return value


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs (Keras 3 semantics).

    Improvement means current < best − min_delta (mode 'min') or current > best + min_delta (mode 'max');
    mode 'auto' is 'max' for names containing 'acc' or 'auc', else 'min'. With ``restore_best_weights``, the
    weights of the best epoch are put back when training ends. The monitored values are kept as Python floats.
    ``wait``, ``best``, ``best_epoch``, ``stopped_epoch`` and ``best_weights`` are backed up by
    :class:`~glassnet.BackupAndRestore`, so a resumed run stops at the same epoch with the same weights.
    """

    state_spec = {"wait": "count", "stopped_epoch": "epoch", "best_epoch": "epoch", "best": "number",
                  "best_weights": "weights?"}

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Argument `mode` must be one of ['auto', 'max', 'min']. Received: mode={mode!r}")
        patience = _check_count("patience", patience)
        start_from_epoch = _check_count("start_from_epoch", start_from_epoch)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)):
            raise TypeError(f"Argument `min_delta` must be a number. Received: min_delta={min_delta!r}")
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        # Keras takes |min_delta| whatever its sign; the direction comes from `mode`.
        self.min_delta = check_nonnegative_float("min_delta", abs(min_delta))
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode == "auto":
            mode = "max" if ("acc" in monitor or "auc" in monitor) else "min"
        self.mode = mode

    @property
    def state_key(self) -> str:
        return f"EarlyStopping(monitor={self.monitor!r}, mode={self.mode!r})"

    def _is_improvement(self, current: float, reference: float) -> bool:
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs or {})}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        current = float(current)  # one type for `best`, whatever a metric returns, so a backup restores it exactly
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
