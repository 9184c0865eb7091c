"""Which engine trains a fit — the compiled epoch (:mod:`glassnet.compiled`, numba) or the NumPy path
(:mod:`glassnet.engine.step`) — and the driver that runs the compiled epoch inside ``fit``'s epoch loop.

``compile(jit_compile=...)`` (Keras's name) decides:

- ``False``: the NumPy path, always;
- ``True``: the compiled epoch, or an :class:`~glassnet.compiled.support.Unsupported` error (a ValueError) raised
  by ``fit`` before anything changes, naming what stands in the way;
- ``'auto'`` (the default): the compiled epoch when numba is installed, its self-check passes in this process,
  the model is one it computes (:mod:`glassnet.compiled.support`) and nothing needs Python inside an epoch —
  step observers (``model.step_observers``), callbacks acting on every batch (the progress bar excepted: it is
  drawn between runs of batches) and a memory-mapped ``x`` (read in bounded batches) keep the NumPy path.

Both engines give the same bits (docs/compiled.md), so the choice changes speed only. ``model.engine`` says which
engine trained the last fit and why; ``summary()`` and the first line of ``fit(verbose=1)`` say it too. Within a
fit, :class:`CompiledEpochs`:

- trains each epoch in place on ``model.state`` (θ, the data/penalty/total buffers) and the optimizer's slot
  block and step count, in the shuffled order ``fit`` drew;
- leaves a step it refuses — a loss, gradient, weight or slot not finite, a learning rate that is not a finite
  number > 0 — undone and returns; ``fit`` then runs that step, and the rest of the epoch, on the NumPy path, so
  the error, warning or NaN that follows is exactly the NumPy path's;
- adds History's numbers up in the NumPy path's order (:mod:`glassnet.compiled.totals`), the metrics from the
  outputs of every row; leaves the last step's loss parts and ``layer.grads`` in the state as the NumPy path does
  (the layers' forward caches are not written);
- plans again when something the plan reads changes between epochs (a callback replacing a regularizer, as the
  playground does), and validates through the compiled forward pass too.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import time
import warnings
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .. import callbacks as callbacks_module
from .. import metrics as metrics_module
from ..compiled.support import Unsupported, refusal
from . import mapped_io
from .data import CheckedArrays
from .logs import LossParts, LossTotals, PenaltyTerm

JIT_COMPILE = ("auto", True, False)
#: The built-in per-row metrics: their values for all rows of an epoch at once equal those of each batch.
_ROW_METRICS = (metrics_module.binary_accuracy, metrics_module.categorical_accuracy,
                metrics_module.sparse_categorical_accuracy, metrics_module.mean_squared_error,
                metrics_module.mean_absolute_error)
_PROGRESS_SECONDS = 0.1  # how often an interactive progress bar is drawn (ProgbarLogger's own throttle)
#: The optimizer attributes a plan reads (glassnet.compiled.plan), besides the optimizer's identity.
_OPTIMIZER_SETTINGS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "beta_1", "beta_2", "epsilon",
                       "amsgrad", "momentum", "nesterov", "rho", "centered")


class CompiledEngineWarning(UserWarning):
    """``jit_compile='auto'`` found the compiled engine unusable in this process (the message says why)."""


def check_jit_compile(value: Any) -> str | bool:
    """``compile``'s ``jit_compile``: 'auto', True or False."""
    if isinstance(value, bool) or value == "auto":
        return value
    raise ValueError(f"Argument `jit_compile` must be 'auto', True or False. Received: jit_compile={value!r}")


@dataclass(frozen=True)
class EngineChoice:
    """Which engine trains (``engine``: ``'compiled'`` or ``'numpy'``) and why (``reason``)."""

    engine: str
    reason: str

    @property
    def compiled(self) -> bool:
        return self.engine == "compiled"

    def __str__(self) -> str:
        return f"{'compiled epoch (glassnet.compiled)' if self.compiled else 'NumPy path'} — {self.reason}"


def _acts_per_batch(callback: Any) -> bool:
    """Whether ``callback`` does something per batch (an override of a batch hook, or a function set on it)."""
    base = callbacks_module.Callback
    return any(getattr(getattr(callback, hook), "__func__", None) is not getattr(base, hook)
               for hook in ("on_train_batch_begin", "on_train_batch_end"))


@functools.cache
def _warn_once(reason: str) -> None:
    warnings.warn(f"The compiled engine is not used (jit_compile='auto'): {reason}. Training takes the NumPy path.",
                  CompiledEngineWarning, stacklevel=4)


def unavailable() -> str | None:
    """Why the compiled engine cannot run in this process — numba missing, or its self-check failed — or None.
    The first call loads numba and runs the self-check (:func:`glassnet.compiled.self_check`)."""
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed (pip install 'glassnet[fast]')"
    from ..compiled.selfcheck import self_check

    status = self_check()
    return None if status.ok else f"its self-check failed: {status.reason}"


def _why_not(model: Any, x: np.ndarray, callbacks: list[Any]) -> tuple[str | None, bool]:
    """(why the compiled epoch cannot train this fit, or None; whether to warn: a failed self-check is news, a
    core install without numba is not)."""
    found = refusal(model)
    if found is not None:
        return f"the compiled engine does not compute {found}", False
    if model.step_observers:
        return f"step observers are attached (model.step_observers: {len(model.step_observers)})", False
    for callback in callbacks:
        if _acts_per_batch(callback) and not isinstance(callback, callbacks_module.ProgbarLogger):
            return f"the callback {type(callback).__name__} acts on every batch", False
    if mapped_io.mapped_file(x) is not None:
        return "x is memory-mapped (the NumPy path reads it in batches of bounded memory)", False
    reason = unavailable()
    return reason, reason is not None and not reason.startswith("numba is not installed")


def choose(model: Any, x: np.ndarray, callbacks: list[Any]) -> EngineChoice:
    """The engine for a fit of ``model`` on ``x`` with the user's ``callbacks``; for ``jit_compile=True`` an
    :class:`Unsupported` error when the compiled epoch cannot train it."""
    setting = model.jit_compile
    if setting is False:
        return EngineChoice("numpy", "jit_compile=False")
    why, process = _why_not(model, x, callbacks)
    if why is None:
        return EngineChoice("compiled", f"jit_compile={setting!r}")
    if setting is True:
        raise Unsupported(f"compile(jit_compile=True) asks for the compiled engine, but {why}. Compile with "
                          "jit_compile='auto' to train on the NumPy path instead. Received: jit_compile=True")
    if process:
        _warn_once(why)
    return EngineChoice("numpy", f"jit_compile='auto', and {why}")


def predicted(model: Any) -> str:
    """What ``summary()`` says about the engine: the last fit's, or what a fit would choose (without loading
    numba or running the self-check)."""
    if model.engine is not None:
        return f"{model.engine} (last fit)"
    if model.jit_compile is False:
        return "NumPy path — jit_compile=False"
    found = refusal(model) if model.compiled else "an uncompiled model"
    if found is not None:
        return f"NumPy path — the compiled engine does not compute {found}"
    if importlib.util.find_spec("numba") is None:
        return "NumPy path — numba is not installed (pip install 'glassnet[fast]')"
    return f"compiled epoch at fit (jit_compile={model.jit_compile!r}, after its self-check)"


def announce(choice: EngineChoice, stream: Any) -> None:
    """The first line of ``fit(verbose=1 or 2)``."""
    stream.write(f"Training engine: {choice}\n")


class CompiledEpochs:
    """Runs ``fit``'s epochs (and its validation) through the compiled engine, in place on the model's state."""

    def __init__(self, model: Any, train: CheckedArrays, val: CheckedArrays | None, batch_size: int, hooks: Any):
        from ..compiled import totals
        from ..compiled.library import native_table
        from ..compiled.plan import plan_for
        from ..compiled.state import EpochState, run_epoch

        self._plan_for, self._state_of, self._run, self._totals = plan_for, EpochState.of_model, run_epoch, totals
        self.native = native_table(model.dtype)  # this fit's (its thread's) table of NumPy's entry points
        self.model, self.batch_size, self.hooks = model, batch_size, hooks
        self.train_raw, self.val_raw = train, val
        self.n = train[0].shape[0]
        self.batches = math.ceil(self.n / batch_size)
        self.progress = any(isinstance(c, callbacks_module.ProgbarLogger) and getattr(c, "interactive", False)
                            for c in hooks.callbacks)
        self.chunk = 16  # batches per run while a progress bar is drawn (adapted to ~0.1 s)
        self.signature: tuple | None = None
        self.started: EngineChoice = model.engine  # the choice the fit started with
        self.fallback: tuple[int, str] | None = None  # (first epoch, why) while the plan fails
        self.plan: Any = None
        self.inputs: dict[str, CheckedArrays] = {}
        self.val_metrics = model.make_metrics(model.output_width(train[0].shape[1])) if val is not None else []

    # --- the plan, made again when what it reads changes -------------------------------------------------------
    def _signature(self) -> tuple:
        """Everything the plan reads, by identity or value: the state (the layers and weights), the loss, the
        optimizer's settings and exclusions, each layer's activation, each weight's regularizer with its factors,
        constraint and trainability. The learning rate is read per step, not planned."""
        model, optimizer, loss = self.model, self.model.optimizer, self.model.loss
        state = model.state
        return (state, loss, loss.from_logits, getattr(loss, "delta", None), optimizer,
                tuple(getattr(optimizer, name, None) for name in _OPTIMIZER_SETTINGS),
                tuple(optimizer.exclude_var_names), tuple(getattr(layer, "activation", None) for layer in model.layers),
                tuple((w.regularizer, getattr(w.regularizer, "l1", None), getattr(w.regularizer, "l2", None),
                       w.constraint, w.trainable) for w in state.weights))

    def _arrays(self, arrays: CheckedArrays) -> CheckedArrays:
        """x through the leading input transforms, all C-contiguous in the model's dtype."""
        x, y, w = arrays
        for layer in self.model.layers[:self.plan.first_layer]:
            x = layer.forward(x, training=False)
        dtype = self.plan.dtype
        return (np.ascontiguousarray(x, dtype), np.ascontiguousarray(y),
                None if w is None else np.ascontiguousarray(w, dtype))

    def ready(self, epoch: int) -> bool:
        """Plan for the model as it is now (again only if something changed); False when the compiled engine
        cannot train it (then ``model.engine`` says why, and this epoch takes the NumPy path)."""
        signature = self._signature()
        if signature == self.signature and self.plan is not None:
            return True
        try:
            self.plan = self._plan_for(self.model)
        except Unsupported as error:
            if self.model.jit_compile is True:
                raise
            self.plan, self.signature = None, None
            if self.fallback is None:  # the first epoch it cannot train: said once
                self.fallback = (epoch, str(error))
                self.model.engine = EngineChoice("numpy", f"from epoch {epoch} on: {error}")
            return False
        if self.fallback is not None:  # trainable again: say which epochs took the NumPy path
            first, why = self.fallback
            self.model.engine = EngineChoice("compiled", f"{self.started.reason}; epochs {first}–{epoch - 1} took "
                                                         f"the NumPy path: {why}")
            self.fallback = None
        self.signature = signature
        self.inputs = {"train": self._arrays(self.train_raw)}
        if self.val_raw is not None:
            self.inputs["val"] = self._arrays(self.val_raw)
        return True

    # --- an epoch ---------------------------------------------------------------------------------------------
    def train(self, epoch: int, order: np.ndarray | None, totals: LossTotals, metrics: list) -> int:
        """Train the epoch's batches in ``order`` (None: in order); returns how many ran — all of them, or the
        index of the batch the NumPy path must run next (refused, or the plan failed: 0)."""
        if not self.ready(epoch):
            return 0
        model, optimizer = self.model, self.model.optimizer
        x, y, w = self.inputs["train"]
        order = np.arange(self.n) if order is None else order
        state = self._state_of(model, self.plan)
        done, result = 0, None
        while done < self.batches:
            stop = min(self.batches, done + self.chunk) if self.progress else self.batches
            started = time.perf_counter()
            result = self._run(self.plan, state, optimizer, x, y, order, self.batch_size, sample_weight=w,
                               first_batch=done, stop_batch=stop, guard=True, keep_outputs=bool(metrics),
                               native=self.native)
            optimizer.iterations = state.iterations
            self._add(result, done, totals, metrics, y, order)
            done += result.batches
            if result.status != "done":
                break
            if self.progress:
                self.hooks.on_train_batch_end(done - 1, {"loss": totals.running_loss(),
                                                         **{m.name: m.result() for m in metrics}})
                elapsed = max(time.perf_counter() - started, 1e-6)
                self.chunk = max(1, min(4096, int(self.chunk * _PROGRESS_SECONDS / elapsed)))
        if result is not None and result.batches:
            self._leave_parts(result)
        return done

    def validate(self, evaluate_arrays: Any) -> dict[str, float]:
        """The validation logs as ``evaluate_arrays`` gives them, through the compiled forward pass (or
        ``evaluate_arrays`` itself when the plan failed this epoch)."""
        if self.plan is None or "val" not in self.inputs:
            return evaluate_arrays(self.model, *cast(CheckedArrays, self.val_raw), self.batch_size)
        x, y, w = self.inputs["val"]
        order = np.arange(x.shape[0])
        state = self._state_of(self.model, self.plan)
        for metric in self.val_metrics:
            metric.reset()
        result = self._run(self.plan, state, self.model.optimizer, x, y, order, self.batch_size, sample_weight=w,
                           train=False, keep_outputs=bool(self.val_metrics), native=self.native)
        totals = LossTotals()
        self._add(result, 0, totals, self.val_metrics, y, order)
        return {**totals.logs(), **{m.name: m.result() for m in self.val_metrics}}

    def _add(self, result: Any, first: int, totals: LossTotals, metrics: list, y: np.ndarray,
             order: np.ndarray) -> None:
        """Add batches ``first`` … of ``result`` to the epoch's loss totals and metrics, in the NumPy path's order."""
        k = result.batches
        if not k:
            return
        n_rows = order.shape[0]
        keys = [f"{entry.layer}/{entry.weight}" for entry in self.plan.penalties]
        terms = np.array([totals.terms.get(key, 0.0) for key in keys])
        totals.data = self._totals.loss_sums(result.losses, result.penalties, first, self.batch_size, n_rows,
                                             totals.data, terms)
        for key, value in zip(keys, terms):
            totals.terms[key] = float(value)
        low, high = first * self.batch_size, min(n_rows, (first + k) * self.batch_size)
        totals.seen += high - low
        if not metrics:
            return
        targets, outputs = y[order[low:high]], result.outputs[low:high]
        for metric in metrics:
            if metric.fn in _ROW_METRICS:
                values = np.ascontiguousarray(metric.fn(targets, outputs))
                metric.total = self._totals.metric_sum(values, 0, k, self.batch_size, metric.total)
                metric.count += high - low
                continue
            for start in range(0, high - low, self.batch_size):  # a callable: batch by batch, as fit calls it
                metric.update(targets[start:start + self.batch_size], outputs[start:start + self.batch_size])

    def _leave_parts(self, result: Any) -> None:
        """The last step's loss parts and ``layer.grads`` over the state's buffers, as the NumPy step leaves them."""
        state = self.model.state
        state.parts = LossParts(float(result.losses[-1]), [
            PenaltyTerm(entry.layer, entry.weight, entry.regularizer, value)
            for entry, value in zip(self.plan.penalties, result.penalties[-1])])
        state.hand_out(tuple(weight.regularizer is not None for weight in state.weights))


__all__ = ["JIT_COMPILE", "CompiledEngineWarning", "CompiledEpochs", "EngineChoice", "Unsupported", "announce",
           "check_jit_compile", "choose", "predicted", "unavailable"]
