"""Catch NaN/inf during training at the first place it appears, and keep the last finite weights.

Each training step is checked in the order the numbers are made:

1. the loss parts (data loss, each penalty term) — before backward;
2. each weight's gradient, data part and penalty part — before the optimizer touches anything;
3. the weights after the update (an update can overflow even from finite gradients).

A failed check raises :class:`~glassnet.errors.NonFiniteError` naming the part, layer and weight; ``fit`` adds
the epoch and batch, puts back the weights from before the step (so nothing is lost), then raises or warns as
``on_nonfinite`` says. The optimizer's moment estimates may have advanced by that one step; they hold no NaN,
because the gradients fed to them were finite.

The checks use one sum per array: a sum is finite exactly when every entry is, except for an overflow of a sum of
~1e38-sized finite values, in which case the per-entry check runs and decides.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import NonFiniteError

if TYPE_CHECKING:
    from .loss_parts import LossParts
    from .model import Sequential

ON_NONFINITE = ("raise", "warn", "ignore")


def all_finite(array: np.ndarray) -> bool:
    if math.isfinite(float(array.sum())):
        return True
    return bool(np.isfinite(array).all())


def check_loss(model: Sequential, parts: LossParts, x: np.ndarray) -> None:
    if math.isfinite(parts.total):  # the common case: any NaN/inf in a part makes the sum NaN/inf
        return
    for term in parts.penalties:
        if not math.isfinite(float(term.value)):
            raise NonFiniteError(f"the penalty of {term.key} is {float(term.value)}", layer=term.layer,
                                 weight=term.weight, part="penalty")
    if not math.isfinite(parts.data):
        for layer in model.layers:
            for weight in layer.weights:
                if not all_finite(weight.value):
                    raise NonFiniteError(f"weight {weight.path} holds NaN/inf, so the data loss is {parts.data}",
                                         layer=layer.name, weight=weight.name, part="weight")
        # Inference-mode replay of the batch, layer by layer, to name the first output that overflowed.
        out = x
        for layer in model.layers:
            out = layer.forward(out, training=False)
            if not all_finite(out):
                biggest = max(float(np.max(np.abs(w.value))) for w in layer.weights) if layer.weights else 0.0
                raise NonFiniteError(f"the output of layer {layer.name} overflowed (its largest weight is "
                                     f"{biggest:.3g}), so the data loss is {parts.data}", layer=layer.name,
                                     weight="output", part="data loss")
        raise NonFiniteError(f"the data loss is {parts.data} (the targets or the loss overflowed)",
                             layer=model.layers[-1].name, weight="output", part="data loss")


def check_gradients(model: Sequential) -> None:
    params = model._params
    if params is not None and all_finite(params.total):
        return  # the common case: one sum over data + penalty (NaN/inf in either part reaches the total)
    for layer in model.layers:
        for name, grad in layer.grads.items():
            for part, array in (("data", grad.data), ("penalty", grad.penalty)):
                if array is not None and not all_finite(array):
                    raise NonFiniteError(f"the {part} part of the gradient of {layer.name}/{name} holds NaN/inf",
                                         layer=layer.name, weight=name, part=f"{part} gradient")


class WeightBackup:
    """Copies of the weights from before a step, refreshed in place (no allocation per step): one copy of the
    model's flat θ when the weights are its views, else one per weight."""

    def __init__(self, model: Sequential):
        self.weights = model.weights
        params = model.flat_parameters() if model.built else None
        self.flat = params.theta if params is not None and params.valid_for(self.weights) else None
        self.copies = [self.flat.copy()] if self.flat is not None else [w.value.copy() for w in self.weights]
        self.targets = [self.flat] if self.flat is not None else [w.value for w in self.weights]

    def save(self) -> None:
        for target, copy in zip(self.targets, self.copies):
            np.copyto(copy, target)

    def restore(self) -> None:
        for target, copy in zip(self.targets, self.copies):
            np.copyto(target, copy)

    def check_updated(self) -> None:
        if all(all_finite(target) for target in self.targets):
            return
        for weight in self.weights:
            if not all_finite(weight.value):
                layer, name = weight.path.rsplit("/", 1)
                raise NonFiniteError(f"the update made weight {weight.path} NaN/inf (the step overflowed: "
                                     "is the learning rate too large?)", layer=layer, weight=name, part="weight")
