"""Catch NaN/inf during training at the first place it appears, and keep the last finite state.

Each training step is checked in the order the numbers are made:

1. the loss parts (data loss, each penalty term) — before backward;
2. each weight's gradient, data part and penalty part — before the optimizer touches anything;
3. the weights and the optimizer's slots after the update: an update can overflow even from finite gradients,
   and a slot can overflow while the weights stay finite — RMSprop's and Adagrad's g² (or Adam's v) become inf
   for |g| > 1.8e19 in float32, after which Δ = lr·g/√inf = 0 freezes the weight for good.

A failed check raises :class:`~glassnet.errors.NonFiniteError` naming the part, layer and weight (and the slot);
``fit`` adds the epoch and batch, puts back everything the step changed — the weights, the optimizer's slots and
its step count, from :class:`StepBackup` — so nothing is lost and a later ``fit`` starts from finite state, then
raises or warns as ``on_nonfinite`` says.

The checks use one dot product Σx² per array (θ, the gradient buffers, and the optimizer's one block of slots):
it is finite exactly when every entry is, except when the squares of finite values overflow (entries beyond
~1e19 in float32), in which case the per-entry check runs and decides. The checks only read: no number of the
step depends on how they are made.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NonFiniteError

if TYPE_CHECKING:
    from .logs import LossParts
    from .state import TrainState

ON_NONFINITE = ("raise", "warn", "ignore")


def all_finite(array: np.ndarray) -> bool:
    """True when every entry of ``array`` is finite: one BLAS dot product Σx² (NaN or ±inf in any entry makes it
    NaN or +inf; 2-3× faster than a pairwise sum, and this runs five times per step), and the per-entry check
    only when that is not finite. Squares that overflow raise NumPy's overflow warning: ``fit`` runs the checks
    under ``np.errstate(over="ignore")``.

    >>> huge = np.array([3e19], dtype=np.float32)  # finite, but its square overflows: the per-entry check decides
    >>> with np.errstate(over="ignore"):
    ...     all_finite(np.array([1.0, -2.0])), all_finite(np.array([1.0, np.inf])), all_finite(huge)
    (True, False, True)
    """
    flat = array.reshape(-1)
    if math.isfinite(np.dot(flat, flat)):
        return True
    return bool(np.isfinite(array).all())


def check_loss(state: TrainState, parts: LossParts, x: np.ndarray) -> None:
    """Raise NonFiniteError naming the first penalty term, weight or layer output that is NaN/inf, when the
    loss of the batch ``x`` is."""
    if math.isfinite(parts.total):  # the common case: any NaN/inf in a part makes the sum NaN/inf
        return
    for term in parts.penalties:
        if not math.isfinite(float(term.value)):
            raise NonFiniteError(f"the penalty of {term.key} is {float(term.value)}", layer=term.layer,
                                 weight=term.weight, part="penalty")
    if not math.isfinite(parts.data):
        for layer in state.layers:
            for weight in layer.weights:
                if not all_finite(weight.value):
                    raise NonFiniteError(f"weight {weight.path} holds NaN/inf, so the data loss is {parts.data}",
                                         layer=layer.name, weight=weight.name, part="weight")
        # Inference-mode replay of the batch, layer by layer, to name the first output that overflowed.
        out = x
        for layer in state.layers:
            out = layer.forward(out, training=False)
            if not all_finite(out):
                biggest = max(float(np.max(np.abs(w.value))) for w in layer.weights) if layer.weights else 0.0
                raise NonFiniteError(f"the output of layer {layer.name} overflowed (its largest weight is "
                                     f"{biggest:.3g}), so the data loss is {parts.data}", layer=layer.name,
                                     weight="output", part="data loss")
        raise NonFiniteError(f"the data loss is {parts.data} (the targets or the loss overflowed)",
                             layer=state.layers[-1].name, weight="output", part="data loss")


def check_gradients(state: TrainState) -> None:
    """Raise NonFiniteError naming the first weight whose data or penalty gradient holds NaN/inf."""
    if all_finite(state.data) and all_finite(state.penalty):
        return  # the common case: one sum per part
    for i, weight in enumerate(state.weights):
        for part, array in (("data", state.data_views[i]), ("penalty", state.penalty_views[i])):
            if not all_finite(array):
                layer, name = weight.path.rsplit("/", 1)
                raise NonFiniteError(f"the {part} part of the gradient of {weight.path} holds NaN/inf",
                                     layer=layer, weight=name, part=f"{part} gradient")


class StepBackup:
    """Copies of everything a training step changes, taken before it and refreshed in place (no allocation per
    step): the weights (one copy of the state's flat θ), the non-trainable weights a training forward pass updates
    (BatchNormalization's moving statistics, outside θ), the optimizer's slot arrays (one block:
    :meth:`~glassnet.optimizers.Optimizer.state_arrays`) and its step count. :meth:`restore` puts them all back
    after a refused or interrupted step."""

    def __init__(self, state: TrainState, optimizer: Any):
        self.weights = state.weights
        self.optimizer = optimizer
        self.frozen = [w for layer in state.layers for w in layer.weights if not w.trainable]
        self.weight_arrays = [state.theta] + [w.value for w in self.frozen]
        self._follow_optimizer()

    def _follow_optimizer(self) -> None:
        """Copies for the optimizer's current state arrays (again when it rebuilt them for other weights)."""
        self.state = self.optimizer.state_arrays()
        self.targets = self.weight_arrays + self.state
        self.copies = [target.copy() for target in self.targets]
        self.iterations = self.optimizer.iterations

    def save(self) -> None:
        if self.optimizer.state_arrays() is not self.state:
            self._follow_optimizer()
        for target, copy in zip(self.targets, self.copies):
            np.copyto(copy, target)
        self.iterations = self.optimizer.iterations

    def restore(self) -> None:
        for target, copy in zip(self.targets, self.copies):
            np.copyto(target, copy)
        self.optimizer.iterations = self.iterations

    def check_updated(self) -> None:
        """Raise NonFiniteError when the step made a weight or an optimizer slot NaN/inf."""
        for target in self.targets:
            if not all_finite(target):
                break
        else:
            return
        for weight in self.weights:
            if not all_finite(weight.value):
                layer, name = weight.path.rsplit("/", 1)
                raise NonFiniteError(f"the update made weight {weight.path} NaN/inf (the step overflowed: "
                                     "is the learning rate too large?)", layer=layer, weight=name, part="weight")
        for weight in self.frozen:
            if not all_finite(weight.value):
                layer, name = weight.path.rsplit("/", 1)
                raise NonFiniteError(f"the training forward pass made the non-trainable weight {weight.path} "
                                     "NaN/inf (the layer's inputs overflowed)", layer=layer, weight=name,
                                     part="weight")
        for weight, slots in zip(self.optimizer.stepped_weights, self.optimizer.slots):
            for slot, array in slots.items():
                if not all_finite(array):
                    layer, name = weight.path.rsplit("/", 1)
                    raise NonFiniteError(f"the update made the optimizer's {slot} of {weight.path} NaN/inf (g² "
                                         "or the step overflowed: are the inputs unscaled, or the learning rate "
                                         "too large?)", layer=layer, weight=name, part="optimizer state")
