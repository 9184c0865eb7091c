"""The compiled engine inside ``fit``: :class:`CompiledEpochs` trains each epoch's batches — all in one compiled
call, or one step at a time — in place on the model's state, with the NumPy path's bits.

``fit``'s epoch loop (:mod:`glassnet.engine.loops`) asks it twice: :meth:`CompiledEpochs.train` at the start of
an epoch, which returns how many batches it trained; then, for every batch left, :meth:`CompiledEpochs.step`, a
drop-in for :func:`glassnet.engine.step.train_step` that returns None when the NumPy step must run that batch.

- Whole epochs (nothing needs Python inside one): θ, the data/penalty/total buffers of ``model.state``, the
  optimizer's slot block and step count change in place, in the order ``fit`` drew. A step the run refuses — a
  loss, gradient, weight or slot not finite, a learning rate that is not a finite number > 0 — is left undone
  and the run returns; the loop then runs that step (the compiled step refuses it too, so the NumPy step does),
  so the error, warning or NaN that follows is exactly the NumPy path's. History's numbers are added up in the
  NumPy path's order (:mod:`glassnet.compiled.totals`), the metrics from every row's output; an interactive
  progress bar is drawn between runs of batches.
- One step at a time (step observers, a callback acting on every batch, a memory-mapped ``x``): the loop runs as
  on the NumPy path — gathering, backing up, checking, calling the hooks — and each step is compiled: forward,
  loss parts and gradients (stopping before anything changes at a value the NumPy step would refuse), then the
  observers, then the update.
- After either, the state holds the last step's loss parts and ``layer.grads`` as the NumPy step leaves them (the
  layers' forward caches are not written). The plan is made again when something it reads changes between
  epochs (a callback replacing a regularizer, as the playground does); epochs it cannot plan take the NumPy path
  and ``model.engine`` says so. Validation runs through the compiled forward pass.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # CPython's C module under `signal`: no stub
import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any, cast

import numpy as np

from .. import callbacks as callbacks_module
from .. import metrics as metrics_module
from ..compiled.support import Unsupported
from . import engines, mapped_io
from .data import CheckedArrays
from .engines import EngineChoice
from .logs import LossParts, LossTotals, PenaltyTerm

#: The accuracy metrics whose per-row value is 0 or 1 (binary accuracy: with one output), by their code in
#: :func:`glassnet.compiled.totals.correct_rows`.
_ACCURACIES = {metrics_module.binary_accuracy: 0, metrics_module.categorical_accuracy: 1,
               metrics_module.sparse_categorical_accuracy: 2}
_NO_LABELS = np.zeros(0, np.int64)
_SIGINT = int(signal.SIGINT)
_PROGRESS_SECONDS = 0.1  # how often an interactive progress bar is drawn (ProgbarLogger's own throttle)
_RUN_SECONDS = 0.25  # a compiled run's length otherwise: how long a Ctrl-C waits, at most, to be taken
#: The optimizer attributes a plan reads (glassnet.compiled.plan), besides the optimizer's identity.
_OPTIMIZER_SETTINGS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "beta_1", "beta_2", "epsilon",
                       "amsgrad", "momentum", "nesterov", "rho", "centered")


def add_batches(result: Any, first: int, batch_size: int, keys: list[str], totals: LossTotals, metrics: list,
                y: np.ndarray, order: np.ndarray) -> None:
    """Add batches ``first`` … of a compiled run's ``result`` to the loss totals and metrics, in the NumPy path's
    order (``keys``: History's penalty keys, in the plan's order; ``y`` the targets of the rows of ``order``)."""
    from ..compiled.totals import correct_rows, loss_sums, metric_sum

    k = result.batches
    if not k:
        return
    n_rows = order.shape[0]
    terms = np.array([totals.terms.get(key, 0.0) for key in keys])
    totals.data = loss_sums(result.losses, result.penalties, first, batch_size, n_rows, totals.data, terms)
    for key, value in zip(keys, terms):
        totals.terms[key] = float(value)
    low, high = first * batch_size, min(n_rows, (first + k) * batch_size)
    totals.seen += high - low
    if not metrics:
        return
    targets, outputs = y[order[low:high]], result.outputs[low:high]
    for metric in metrics:
        kind = _ACCURACIES.get(metric.fn, -1)
        if kind >= 0 and (kind or outputs.shape[1] == 1):  # 0 or 1 per row: the sums are a whole number
            y_rows, labels = (outputs, targets) if targets.ndim == 1 else (targets, _NO_LABELS)
            metric.total += float(correct_rows(kind, y_rows, labels, outputs))
            metric.count += high - low
            continue
        if metric.fn in engines.ROW_METRICS:
            values = np.ascontiguousarray(metric.fn(targets, outputs))
            metric.total = metric_sum(values, 0, k, batch_size, metric.total)
            metric.count += high - low
            continue
        for start in range(0, high - low, batch_size):  # a callable: batch by batch, as fit calls it
            metric.update(targets[start:start + batch_size], outputs[start:start + batch_size])


def evaluate_loaded(model: Any, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                    batch_size: int) -> dict[str, float] | None:
    """:func:`glassnet.engine.data.evaluate_arrays`'s logs through the compiled forward pass — the same bits —
    when the compiled engine is loaded and self-checked in this process already (a fit used it) and computes the
    model; else None (the NumPy pass runs: an evaluation alone never loads numba)."""
    import sys

    selfcheck = sys.modules.get("glassnet.compiled.selfcheck")
    if model.jit_compile is False or selfcheck is None or not selfcheck.self_check.cache_info().currsize or \
            not selfcheck.self_check().ok or mapped_io.mapped_file(x) is not None:
        return None
    from ..compiled.library import native_table
    from ..compiled.plan import plan_for
    from ..compiled.state import EpochState, run_epoch

    try:
        plan = plan_for(model)
    except Unsupported:
        return None
    metrics = model.make_metrics(model.output_width(x.shape[1]))
    trained = model.state  # an evaluation reads θ only: no slots (nothing of the optimizer is built or changed)
    state = EpochState(trained.theta, trained.data, trained.penalty, trained.total,
                       np.empty((0, plan.n_parameters), plan.dtype), 0)
    for layer in model.layers[:plan.first_layer]:
        x = layer.forward(x, training=False)
    x, y = np.ascontiguousarray(x, plan.dtype), np.ascontiguousarray(y)
    w = None if sample_weight is None else np.ascontiguousarray(sample_weight, plan.dtype)
    order = np.arange(x.shape[0])
    result = run_epoch(plan, state, model.optimizer, x, y, order, batch_size, sample_weight=w, stage="evaluate",
                       keep_outputs=bool(metrics), native=native_table(plan.dtype))
    totals = LossTotals()
    add_batches(result, 0, batch_size, [f"{e.layer}/{e.weight}" for e in plan.penalties], totals, metrics, y, order)
    return {**totals.logs(), **{m.name: m.result() for m in metrics}}


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT, on the main thread, with Python's own handler) until the block ends, then raise it:
    a compiled run and the bookkeeping after it (the step count, History's sums) are all or nothing, as the
    NumPy path's steps are."""
    # NOTE: the C module under `signal` (its wrappers convert to and from enums: ~8 µs per run instead of ~0.5).
    if threading.current_thread() is not threading.main_thread() or \
            _signal.getsignal(_SIGINT) is not signal.default_int_handler:
        yield
        return
    received: list[int] = []
    previous = _signal.signal(_SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        _signal.signal(_SIGINT, previous)
    if received:
        raise KeyboardInterrupt


class CompiledEpochs:
    """Trains ``fit``'s epochs (and computes its validation) on the compiled engine, in place on the model."""

    def __init__(self, model: Any, train: CheckedArrays, val: CheckedArrays | None, batch_size: int, hooks: Any):
        from ..compiled.library import native_table
        from ..compiled.plan import plan_for
        from ..compiled.state import EpochState, run_epoch

        self._plan_for, self._state_of, self._run = plan_for, EpochState.of_model, run_epoch
        self.native = native_table(model.dtype)  # this fit's (its thread's) table of NumPy's entry points
        self.model, self.batch_size, self.hooks = model, batch_size, hooks
        self.train_raw, self.val_raw = train, val
        self.n = train[0].shape[0]
        self.batches = math.ceil(self.n / batch_size)
        self.rows = np.arange(batch_size)  # a batch's rows in order (and an unshuffled epoch's, when made)
        self.progress = any(isinstance(c, callbacks_module.ProgbarLogger) and getattr(c, "interactive", False)
                            for c in hooks.callbacks)
        self.chunk = 16  # batches per compiled run, adapted to ~0.25 s (~0.1 s while a progress bar is drawn)
        self.signature: tuple | None = None
        self.started: EngineChoice = model.engine  # the choice the fit started with
        self.fallback: tuple[int, str] | None = None  # (first epoch, why) while the plan fails
        self.plan: Any = None
        self.inputs: dict[str, CheckedArrays] = {}
        self.keys: list[str] = []
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

    def ready(self, epoch: int) -> bool:
        """Plan for the model as it is now (again only if something changed); False when the compiled engine
        cannot train it (this epoch then takes the NumPy path, and ``model.engine`` says from which epoch)."""
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
        self.signature, self.inputs = signature, {}
        self.keys = [f"{entry.layer}/{entry.weight}" for entry in self.plan.penalties]  # History's penalty keys
        return True

    def _inputs(self, kind: str) -> CheckedArrays:
        """The training or validation arrays as the compiled epoch reads them: x through the leading input
        transforms (their own code), all C-contiguous in the model's dtype; made once per plan."""
        if kind not in self.inputs:
            x, y, w = cast(CheckedArrays, self.train_raw if kind == "train" else self.val_raw)
            self.inputs[kind] = self._contiguous(x, y, w)
        return self.inputs[kind]

    def _contiguous(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> CheckedArrays:
        for layer in self.model.layers[:self.plan.first_layer]:
            x = layer.forward(x, training=True)
        dtype = self.plan.dtype
        return (np.ascontiguousarray(x, dtype), np.ascontiguousarray(y),
                None if w is None else np.ascontiguousarray(w, dtype))

    # --- an epoch ---------------------------------------------------------------------------------------------
    def train(self, epoch: int, order: np.ndarray | None, totals: LossTotals, metrics: list) -> int:
        """Train the epoch's batches in ``order`` (None: in order) in compiled runs; returns how many ran — all of
        them, or the index of the batch the loop must run next (a refused step; 0 when the engine trains this
        epoch one step at a time, or cannot plan it)."""
        if not self.ready(epoch) or engines.one_step_at_a_time(self.model, self.train_raw[0], self.hooks.callbacks,
                                                               metrics):
            return 0
        model, optimizer = self.model, self.model.optimizer
        x, y, w = self._inputs("train")
        if order is None:
            if self.rows.shape[0] < self.n:
                self.rows = np.arange(self.n)
            order = self.rows[:self.n]
        state = self._state_of(model, self.plan)
        seconds = _PROGRESS_SECONDS if self.progress else _RUN_SECONDS
        done, result = 0, None
        while done < self.batches:
            started = time.perf_counter()
            with deferred_interrupt():  # the run and its bookkeeping: all of it, then a Ctrl-C
                result = self._run(self.plan, state, optimizer, x, y, order, self.batch_size, sample_weight=w,
                                   first_batch=done, stop_batch=min(self.batches, done + self.chunk), guard=True,
                                   keep_outputs=bool(metrics), native=self.native)
                optimizer.iterations = state.iterations
                self._add(result, done, totals, metrics, y, order)
                if result.batches:
                    self._leave_parts(result)
            done += result.batches
            if result.status != "done":
                break
            if self.progress:
                self.hooks.on_train_batch_end(done - 1, {"loss": totals.running_loss(),
                                                         **{m.name: m.result() for m in metrics}})
            elapsed = max(time.perf_counter() - started, 1e-6)
            self.chunk = max(1, min(1 << 20, int(self.chunk * seconds / elapsed)))
        return done

    def step(self, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None) -> tuple[LossParts, np.ndarray] | None:
        """One training step on the checked batch, as :func:`~glassnet.engine.step.train_step` (the loop backs up,
        checks the update and undoes it as for the NumPy step); None when the NumPy step must run it — the epoch
        has no plan, or the step has a loss, gradient or learning rate the NumPy step refuses in its own words."""
        if self.plan is None:
            return None
        model, optimizer, plan = self.model, self.model.optimizer, self.plan
        x, y, w = self._contiguous(xb, yb, wb)
        b = x.shape[0]
        state = self._state_of(model, plan)
        observers = model.step_observers
        result = self._run(plan, state, optimizer, x, y, self.rows[:b], b, sample_weight=w, guard="before-update",
                           stage="gradients" if observers else "steps", keep_outputs=True, native=self.native)
        if not result.batches:
            return None
        parts = self._leave_parts(result)
        if observers:
            for observe in observers:  # as train_step calls them: after backward, before the update
                observe(model.state, optimizer)
            rate = optimizer.learning_rate  # the NumPy step's own check (and error), before anything changes
            self._run(plan, state, optimizer, x, y, self.rows[:b], b, stage="update", native=self.native,
                      rates=np.array([rate]))
        optimizer.iterations = state.iterations
        return parts, cast(np.ndarray, result.outputs)

    def validate(self, evaluate_arrays: Any, batch_size: int) -> dict[str, float]:
        """The validation logs as ``evaluate_arrays`` gives them in batches of ``batch_size``, through the compiled
        forward pass (or ``evaluate_arrays`` itself: when the epoch has no plan, or the validation rows are
        memory-mapped)."""
        val = cast(CheckedArrays, self.val_raw)
        if self.plan is None or mapped_io.mapped_file(val[0]) is not None:
            return evaluate_arrays(self.model, *val, batch_size)
        x, y, w = self._inputs("val")
        order = np.arange(x.shape[0])
        state = self._state_of(self.model, self.plan)
        for metric in self.val_metrics:
            metric.reset()
        result = self._run(self.plan, state, self.model.optimizer, x, y, order, batch_size, sample_weight=w,
                           stage="evaluate", keep_outputs=bool(self.val_metrics), native=self.native)
        totals = LossTotals()
        add_batches(result, 0, batch_size, self.keys, totals, self.val_metrics, y, order)
        return {**totals.logs(), **{m.name: m.result() for m in self.val_metrics}}

    def _add(self, result: Any, first: int, totals: LossTotals, metrics: list, y: np.ndarray,
             order: np.ndarray) -> None:
        add_batches(result, first, self.batch_size, self.keys, totals, metrics, y, order)

    def _leave_parts(self, result: Any) -> LossParts:
        """The last step's loss parts, left in the state with ``layer.grads`` over its buffers, as the NumPy step
        leaves them."""
        state = self.model.state
        state.parts = LossParts(float(result.losses[-1]), [
            PenaltyTerm(entry.layer, entry.weight, entry.regularizer, value)
            for entry, value in zip(self.plan.penalties, result.penalties[-1])])
        state.hand_out(tuple(weight.regularizer is not None for weight in state.weights))
        return state.parts
