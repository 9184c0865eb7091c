"""One training step on a batch of B rows, written out in the order the numbers are made.

1. forward: each layer's output feeds the next; layers cache what their backward needs, the model records each
   activity penalty of this call in the state (penalty(output)/B, and its gradient);
2. loss parts: data loss L_data = (1/B)·Σᵢ sᵢ·ℓᵢ, plus one penalty term per regularized weight (e.g. 0.01·ΣW²
   for ``L2(0.01)``, recomputed from the current weights) and per activity regularizer. Training loss =
   L_data + Σ penalties — what Keras reports;
3. backward (:mod:`glassnet.engine.backward`): the data gradient and the penalty gradient of every weight, each
   into its own flat buffer of the state — they are not added here;
4. the optimizer (:meth:`glassnet.optimizers.Optimizer.apply`): total = data + penalty, clip, decoupled decay,
   update, constraints.

Between 3 and 4, each of ``model.step_observers`` is called with the state and the optimizer: the gradients of
the step are in the state's buffers and nothing has changed yet, so an observer can ask the optimizer for the
step's parts (:meth:`~glassnet.optimizers.Optimizer.step_parts`) without changing them.

With ``check_finite``, the guard (:mod:`glassnet.engine.guard`) looks for NaN/inf after steps 2 and 3, before
any weight changes; ``fit`` also checks the weights and the optimizer's state after step 4 and restores them
when a step is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import guard
from .backward import backward
from .logs import LossParts

if TYPE_CHECKING:
    from .model import Sequential


def train_step(model: Sequential, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
               rng: np.random.Generator, check_finite: bool = False) -> tuple[LossParts, np.ndarray]:
    """One optimizer step of ``model`` on a checked batch; returns the loss parts (before the update) and the
    output. The step's numbers live in ``model.state``."""
    state = model.state
    output = model.forward(x, training=True, rng=rng)
    parts = state.parts = model.loss_parts(output, y, sample_weight)
    if check_finite:
        guard.check_loss(state, parts, x)
    backward(state, model.compiled_loss, model.loss_from_logits, output, y, sample_weight)
    if check_finite:
        guard.check_gradients(state)
    for observe in model.step_observers:  # e.g. the layer study, adding up the penalty part of every update
        observe(state, model.compiled_optimizer)
    model.compiled_optimizer.apply(state)
    return parts, output
