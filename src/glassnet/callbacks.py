"""Callbacks (Keras: ``keras.callbacks``): hooks called by ``fit`` at the start/end of training, epochs and batches.

``logs`` passed to ``on_epoch_end`` hold the epoch's averages (``loss``, metrics, ``val_*``); those passed to
``on_train_batch_end`` hold the running averages of the epoch so far, as in Keras.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ._validation import check_nonnegative_float

Logs = dict[str, float]


class Callback:
    """Base class; ``self.model`` and ``self.params`` are set by ``fit`` before ``on_train_begin``.

    A callback whose decisions depend on earlier epochs declares that state in ``state_spec`` (attribute name →
    kind: ``'count'``, an integer ≥ 0; ``'epoch'``, an epoch index; ``'number'``, a float, possibly ±inf or
    NaN; ``'weights?'``, None or a list of arrays like ``model.get_weights()``). :class:`~glassnet.BackupAndRestore`
    backs it up with every epoch and puts it back when a killed run resumes, so the resumed run decides as the
    uninterrupted one would have. ``state_key`` identifies the callback in the backup.
    """

    state_spec: dict[str, str] = {}
    #: Call this callback's hooks after every other callback's, e.g. to back up their state once they updated it.
    runs_last: bool = False

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_callbacks(self, callbacks: list[Callback]) -> None:
        """Told by ``fit`` which callbacks run with this one (all of them, in call order); ignored by default."""

    @property
    def state_key(self) -> str:
        """The callback in a backup: its class, plus for a monitoring callback what it monitors."""
        return type(self).__name__

    def get_state(self) -> dict[str, Any]:
        """The attributes named in ``state_spec``, as they are now."""
        return {name: getattr(self, name) for name in self.state_spec}

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back attributes from :meth:`get_state` (checked against ``state_spec`` by the caller)."""
        for name in self.state_spec:
            setattr(self, name, state[name])

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


class CallbackList:
    """Calls each hook on every callback in order; those with ``runs_last`` after all the others."""

    def __init__(self, callbacks: Sequence[Callback], model: Any, params: dict[str, Any]):
        self.callbacks = [c for c in callbacks if not c.runs_last] + [c for c in callbacks if c.runs_last]
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
            callback.set_callbacks(self.callbacks)

    def uses_batch_hooks(self) -> bool:
        """Whether any callback does something per batch (so fit can skip building per-batch logs)."""
        return any(_overrides(callback, hook) for callback in self.callbacks
                   for hook in ("on_train_batch_begin", "on_train_batch_end"))

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call_all(*args: Any) -> None:
            for callback in self.callbacks:
                getattr(callback, hook)(*args)
        return call_all


def _overrides(callback: Callback, hook: str) -> bool:
    """True when ``callback``'s ``hook`` is not the base class's no-op (a subclass method or a function set on
    the instance, as LambdaCallback does)."""
    method = getattr(callback, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)


class History(Callback):
    """Records each epoch's logs: ``history.history['loss'][epoch]``; returned by ``fit``."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


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


class LambdaCallback(Callback):
    """Build a callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None):
        super().__init__()
        for hook, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                         ("on_train_batch_begin", on_train_batch_begin), ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"Argument `{hook}` must be callable. Received: {hook}={fn!r}")
                setattr(self, hook, fn)


def format_logs(logs: Logs) -> str:
    """``loss: 0.4123 - data_loss: 0.3012 - penalty_loss: 0.1111 - ...``; per-term penalties and kernel norms
    (keys with a ``/``) stay in History only, to keep the line short."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items() if "/" not in key)


class ProgbarLogger(Callback):
    """Keras-like progress: verbose=1 draws a bar within each epoch when the output is a terminal and ends each
    epoch with one line; verbose=2 prints only the line per epoch."""

    def __init__(self, verbose: int = 1, stream: Any = None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout

    def on_train_begin(self, logs=None):
        self.interactive = self.verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}\n")
        self.started = self.last_draw = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if not self.interactive or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        steps = self.params.get("steps", 1)
        done = int(30 * (batch + 1) / steps)
        bar = "━" * done + " " * (30 - done)
        self.stream.write(f"\r{batch + 1}/{steps} {bar} {format_logs(logs or {})}")
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps", 1)
        elapsed = time.perf_counter() - self.started
        prefix = "\r" if self.interactive else ""
        self.stream.write(f"{prefix}{steps}/{steps} - {elapsed:.2f}s - {format_logs(logs or {})}\n")
        self.stream.flush()
