"""The training state the compiled epoch works on, and :func:`run_epoch`, its Python entry point.

The arrays are glassnet's flat layout (:class:`glassnet.engine.state.TrainState`):

- ``theta``, ``data``, ``penalty``, ``total``: P entries each, trainable weights in ``model.trainable_weights``
  order, each a contiguous C-order slice;
- ``slots``: the optimizer's (k, P) block, row r holding the slot named ``plan.slot_rows[r]``.

:meth:`EpochState.of_model` takes the model's own arrays — ``model.state``'s θ and gradient buffers and the
optimizer's flat slot block — so a run trains the model in place (``fit`` does this);
:meth:`EpochState.from_model` takes copies, which :meth:`EpochState.to_model` writes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import epoch
from .library import native_table
from .plan import EpochPlan, learning_rates
from .support import Unsupported

STATUS = {epoch.DONE: "done", epoch.NONFINITE_BEFORE_UPDATE: "nonfinite-before-update",
          epoch.NONFINITE_AFTER_UPDATE: "nonfinite-after-update"}


def _built_for(optimizer: Any, weights: list[Any]) -> bool:
    return len(optimizer.stepped_weights) == len(weights) and all(
        a is b for a, b in zip(optimizer.stepped_weights, weights))


@dataclass
class EpochState:
    """θ, the three gradient buffers, the optimizer's slot block and step count."""

    theta: np.ndarray
    data: np.ndarray
    penalty: np.ndarray
    total: np.ndarray
    slots: np.ndarray
    iterations: int

    @classmethod
    def of_model(cls, model: Any, plan: EpochPlan) -> EpochState:
        """The model's own arrays, not copies: ``model.state``'s θ and buffers and the optimizer's flat slot block
        (built for that state here if it is not yet). The step count is a copy: write it back to
        ``optimizer.iterations`` after a run."""
        state, optimizer = model.state, model.optimizer
        optimizer.ensure_built(state)
        if tuple(optimizer.slot_names) != plan.slot_rows:
            raise Unsupported(f"The optimizer's slot block holds {optimizer.slot_names}, not the rows "
                              f"{list(plan.slot_rows)} the compiled engine was planned for")
        return cls(state.theta, state.data, state.penalty, state.total, optimizer.state_arrays()[0],
                   optimizer.iterations)

    @classmethod
    def from_model(cls, model: Any, plan: EpochPlan) -> EpochState:
        """Copies of the model's current weights and optimizer state (fresh slots if its optimizer has none)."""
        weights = model.trainable_weights
        theta = np.concatenate([w.numpy().ravel() for w in weights]).astype(plan.dtype, copy=False)
        optimizer = model.optimizer
        slots = np.zeros((len(plan.slot_rows), plan.n_parameters), plan.dtype)
        built = _built_for(optimizer, weights)
        offsets = np.cumsum([0] + [w.value.size for w in weights])
        for i, weight in enumerate(weights):
            current = optimizer.slots[i] if built else optimizer.init_slots(weight.value)
            for row, name in enumerate(plan.slot_rows):
                slots[row, offsets[i]:offsets[i + 1]] = current[name].ravel()
        zeros = np.zeros(plan.n_parameters, plan.dtype)
        return cls(theta, zeros.copy(), zeros.copy(), zeros.copy(), slots, optimizer.iterations if built else 0)

    def to_model(self, model: Any, plan: EpochPlan) -> None:
        """Write θ, the slots and the step count back into the model and its optimizer."""
        weights = model.trainable_weights
        offsets = np.cumsum([0] + [w.value.size for w in weights])
        for i, weight in enumerate(weights):
            weight.value[...] = self.theta[offsets[i]:offsets[i + 1]].reshape(weight.shape)
        optimizer = model.optimizer
        if not _built_for(optimizer, weights):
            optimizer.build(weights)
        for i, slots in enumerate(optimizer.slots):
            for row, name in enumerate(plan.slot_rows):
                slots[name][...] = self.slots[row, offsets[i]:offsets[i + 1]].reshape(slots[name].shape)
        optimizer.iterations = self.iterations


@dataclass
class EpochResult:
    """What a run of batches produced: per batch the data loss (float64) and each penalty term's value."""

    batches: int
    status: str                    # 'done', 'nonfinite-before-update', 'nonfinite-after-update', 'learning-rate'
    losses: np.ndarray             # (batches,) float64
    penalties: np.ndarray          # (batches, len(plan.penalties)) in the dtype
    outputs: np.ndarray | None     # (rows, outputs) in epoch order, when asked for


#: ``run_epoch``'s ``stage``: whole training steps, steps 1–4 (the gradient buffers, for step observers), step 5
#: from the buffers, or evaluation (the loss parts and outputs, no update).
STAGES = {"steps": epoch.STEPS, "gradients": epoch.GRADIENTS, "update": epoch.UPDATE, "evaluate": epoch.EVALUATE}


def run_epoch(plan: EpochPlan, state: EpochState, optimizer: Any, x: np.ndarray, y: np.ndarray,
              order: np.ndarray, batch_size: int, *, sample_weight: np.ndarray | None = None,
              first_batch: int = 0, stop_batch: int | None = None, guard: bool | str = False,
              stage: str = "steps", keep_outputs: bool = False, native: np.ndarray | None = None,
              rates: np.ndarray | None = None) -> EpochResult:
    """Train on batches of ``order`` (row indices) with the compiled epoch, changing ``state`` in place.

    ``x`` is the input of the first Dense layer (after the leading input transforms, ``plan.first_layer``);
    ``y`` are targets as ``model.loss.prepare_targets`` returns them: (n, K) in the dtype, or (n,) int labels
    for sparse categorical cross-entropy. ``optimizer`` gives the learning rate of each step (a schedule is
    evaluated per step in Python) unless ``rates`` gives them; a rate that is not a finite number > 0 stops the
    run before that step with status ``'learning-rate'``. ``guard``: True (or ``'undo'``) stops at a loss or
    gradient that is not finite and undoes an update that makes θ or a slot non-finite; ``'before-update'``
    only the first. ``stage``: one of :data:`STAGES`.
    """
    dtype = plan.dtype
    x = np.ascontiguousarray(x, dtype)
    sparse = y.ndim == 1
    labels = np.ascontiguousarray(y, np.int64) if sparse else np.zeros(0, np.int64)
    targets = np.zeros((0, 0), dtype) if sparse else np.ascontiguousarray(y, dtype)
    weights = np.zeros(0, dtype) if sample_weight is None else np.ascontiguousarray(sample_weight, dtype)
    order = np.ascontiguousarray(order, np.int64)
    n_batches = -(-order.shape[0] // batch_size)
    stop_batch = n_batches if stop_batch is None else stop_batch
    code = STAGES[stage]
    if rates is not None:
        usable = rates.shape[0]
    elif code in (epoch.STEPS, epoch.UPDATE):
        rates, usable = learning_rates(optimizer, state.iterations, stop_batch - first_batch)
    else:
        rates, usable = np.zeros(stop_batch - first_batch), stop_batch - first_batch
    level = {False: epoch.UNGUARDED, "before-update": epoch.BEFORE_UPDATE, True: epoch.UNDO, "undo": epoch.UNDO}[guard]
    outputs = np.empty((order.shape[0] if keep_outputs else 0, plan.n_outputs), dtype)
    losses = np.empty(stop_batch - first_batch)
    penalties = np.empty((stop_batch - first_batch, plan.weight_table.shape[0]), dtype)
    done, state.iterations, status = epoch.run(
        native_table(dtype) if native is None else native, x, targets, labels, weights, order, batch_size,
        first_batch, first_batch + usable, state.theta, state.data, state.penalty, state.total, state.slots,
        plan.slot_index, plan.layer_table, plan.weight_table, plan.weight_constants, plan.loss_settings,
        plan.loss_constants, plan.optimizer_settings, plan.optimizer_constants, plan.clip_setting,
        rates.astype(dtype), state.iterations, level, code, losses, penalties, outputs)
    status_name = STATUS[status] if status != epoch.DONE or usable == stop_batch - first_batch else "learning-rate"
    return EpochResult(done, status_name, losses[:done], penalties[:done][:, plan.penalty_columns],
                       outputs if keep_outputs else None)
