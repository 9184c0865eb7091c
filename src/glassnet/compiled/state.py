"""The training state the compiled epoch works on, and :func:`run_epoch`, its Python entry point.

Phase 1 reads and writes the state through glassnet's public API (``model.get_weights``/``set_weights``,
``optimizer.slots``, ``optimizer.iterations``); the arrays are glassnet's flat layout (``glassnet.parameters``):

- ``theta``, ``data``, ``penalty``, ``total``: P entries each, trainable weights in ``model.trainable_weights``
  order, each a contiguous C-order slice;
- ``slots``: a (3, P) block, row r holding the slot named ``plan.slot_rows[r]`` (unused rows stay 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import epoch
from .library import native_table
from .plan import EpochPlan, learning_rates

STATUS = {epoch.DONE: "done", epoch.NONFINITE_BEFORE_UPDATE: "nonfinite-before-update",
          epoch.NONFINITE_AFTER_UPDATE: "nonfinite-after-update"}


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
    def from_model(cls, model: Any, plan: EpochPlan) -> EpochState:
        """The model's current weights and optimizer state (fresh slots if its optimizer has none for them)."""
        weights = [w for layer in model.layers for w in layer.weights]
        theta = np.concatenate([w.numpy().ravel() for w in weights]).astype(plan.dtype, copy=False)
        optimizer = model.optimizer
        slots = np.zeros((3, plan.n_parameters), plan.dtype)
        built = len(optimizer.stepped_weights) == len(weights) and all(
            a is b for a, b in zip(optimizer.stepped_weights, weights))
        offsets = np.cumsum([0] + [w.value.size for w in weights])
        for i, weight in enumerate(weights):
            current = optimizer.slots[i] if built else optimizer.init_slots(weight.value)
            for row, name in enumerate(plan.slot_rows):
                slots[row, offsets[i]:offsets[i + 1]] = current[name].ravel()
        zeros = np.zeros(plan.n_parameters, plan.dtype)
        return cls(theta, zeros.copy(), zeros.copy(), zeros.copy(), slots,
                   optimizer.iterations if built else 0)

    def to_model(self, model: Any, plan: EpochPlan) -> None:
        """Write θ, the slots and the step count back into the model and its optimizer."""
        weights = [w for layer in model.layers for w in layer.weights]
        offsets = np.cumsum([0] + [w.value.size for w in weights])
        model.set_weights([self.theta[offsets[i]:offsets[i + 1]].reshape(w.shape) for i, w in enumerate(weights)])
        optimizer = model.optimizer
        if not (len(optimizer.stepped_weights) == len(weights) and all(
                a is b for a, b in zip(optimizer.stepped_weights, weights))):
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


def run_epoch(plan: EpochPlan, state: EpochState, optimizer: Any, x: np.ndarray, y: np.ndarray,
              order: np.ndarray, batch_size: int, *, sample_weight: np.ndarray | None = None,
              first_batch: int = 0, stop_batch: int | None = None, guard: bool = False,
              keep_outputs: bool = False, native: np.ndarray | None = None) -> EpochResult:
    """Train on batches of ``order`` (row indices) with the compiled epoch, changing ``state`` in place.

    ``y`` are targets as ``model.loss.prepare_targets`` returns them: (n, K) in the dtype, or (n,) int labels for
    sparse categorical cross-entropy. ``optimizer`` gives the learning rate of each step (a schedule is evaluated
    per step in Python); a rate that is not a finite number > 0 stops the run before that step with status
    ``'learning-rate'``.
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
    rates, usable = learning_rates(optimizer, state.iterations, stop_batch - first_batch)
    outputs = np.zeros((order.shape[0] if keep_outputs else 0, plan.n_outputs), dtype)
    losses = np.zeros(stop_batch - first_batch)
    penalties = np.zeros((stop_batch - first_batch, plan.weight_table.shape[0]), dtype)
    done, state.iterations, status = epoch.run(
        native_table(dtype) if native is None else native, x, targets, labels, weights, order, batch_size,
        first_batch, first_batch + usable, state.theta, state.data, state.penalty, state.total, state.slots,
        plan.layer_table, plan.weight_table, plan.weight_constants, plan.loss_settings, plan.optimizer_settings,
        plan.optimizer_constants, plan.clip_setting, rates.astype(dtype), state.iterations, guard, losses,
        penalties, outputs)
    status_name = STATUS[status] if status != epoch.DONE or usable == stop_batch - first_batch else "learning-rate"
    columns = [entry.index for entry in plan.penalties]
    return EpochResult(done, status_name, losses[:done], penalties[:done][:, columns],
                       outputs if keep_outputs else None)
