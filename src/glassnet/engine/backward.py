"""The backward pass, written out: ∂(training loss)/∂θ in its data part and its penalty part, into the state.

For a batch of B rows whose forward pass produced ``output``:

1. data pass — the loss's per-row gradient ∂ℓᵢ/∂output (or ∂ℓᵢ/∂z from the logits, when sigmoid/softmax meets a
   cross-entropy), times sᵢ/B, flows down through every layer's ``backward``; each layer writes its weights'
   gradients into the state's flat ``data`` buffer (:mod:`glassnet.engine.state`);
2. weight penalties — each regularized weight's penalty gradient (e.g. 2·l2·W), from that weight alone, goes into
   the flat ``penalty`` buffer: a penalty touches nothing but its own weight;
3. activity pass — activity penalties depend on a layer's output, so their gradient enters there and flows down
   in a second pass, adding to the ``penalty`` part of every weight at or below that layer;
4. ``layer.grads[name]`` receives a :class:`~glassnet.layers.Gradient` over the two buffers (``penalty`` None where
   nothing penalizes it).

The parts are not added here: the optimizer forms data + penalty, the first code to need the sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from ..layers.base import Layer
from ..losses import Loss
from .state import TrainState


def last_logits(layers: Sequence[Layer]) -> np.ndarray:
    """The last layer's pre-activation z from the last forward pass: what a loss computed from logits reads."""
    logits = layers[-1].logits
    if logits is None:
        raise ValueError(f"The loss is computed from the logits of layer {layers[-1].name!r}, which has none yet: "
                         "run a forward pass first. Received: logits=None")
    return logits


def backward(state: TrainState, loss: Loss, from_logits: bool, output: np.ndarray, y: np.ndarray,
             sample_weight: np.ndarray | None) -> None:
    """Fill the state's ``data`` and ``penalty`` buffers (and ``layer.grads``) for its last training forward pass.

    ``from_logits``: the loss is computed from the last layer's pre-activation (``layers[-1].logits``), which the
    forward pass already turned into ``output`` = σ(z) or softmax(z): the loss gradient reuses it (the same bits).
    """
    layers = state.layers
    last = len(layers) - 1
    batch = output.shape[0]
    if from_logits:
        grad = loss.sample_gradients_from_logits(y, last_logits(layers), output)
    else:
        grad = loss.sample_gradients(y, output)
    scale = output.dtype.type(1 / batch) if sample_weight is None else (sample_weight / batch)[:, None]
    grad = (grad * scale).astype(output.dtype, copy=False)
    for index in range(last, -1, -1):
        outputs = state.outputs[index]
        kwargs = _FROM_LOGITS if from_logits and index == last else _NO_OPTIONS
        input_grad, parts = layers[index].backward(grad, need_input_grad=index > 0, out=outputs, **kwargs)
        for name, view in outputs.items():  # layers that cannot write in place return new arrays
            if parts[name] is not view:
                np.copyto(view, parts[name])
        grad = cast(np.ndarray, input_grad)  # None only from the first layer (need_input_grad=False): the last pass
    activity_parts = _backward_activity(state) if state.activity_grads else None
    deepest_activity = max(state.activity_grads) if state.activity_grads else -1
    penalized = []
    for index, own in enumerate(state.owners):
        from_layer = activity_parts[index] if activity_parts is not None else _NO_ACTIVITY
        for i in own:
            weight, view = state.weights[i], state.penalty_views[i]
            from_activity = from_layer.get(weight.name)
            regularizer = weight.regularizer
            if regularizer is not None:
                regularizer.gradient_into(weight.value, view)
                if from_activity is not None:
                    view += from_activity
            elif from_activity is not None:
                np.copyto(view, from_activity)
            penalized.append(regularizer is not None or index <= deepest_activity)
    state.hand_out(tuple(penalized))


# Made once, not per layer and step: the keyword arguments of a layer's backward (the last layer's under a loss
# computed from logits, and none), and a layer's activity part when no activity penalty is set. Read only.
_FROM_LOGITS: dict[str, bool] = {"from_logits": True}
_NO_OPTIONS: dict[str, bool] = {}
_NO_ACTIVITY: dict[str, np.ndarray] = {}


def _backward_activity(state: TrainState) -> list[dict[str, np.ndarray]]:
    """Second pass, for activity penalties only: their gradient enters at each regularized layer's output and flows
    down, adding to the ``penalty`` part of every weight below it."""
    layers = state.layers
    parts: list[dict[str, np.ndarray]] = [{} for _ in layers]
    grad = None
    for index in range(len(layers) - 1, -1, -1):
        entering = state.activity_grads.get(index)
        if entering is not None:
            grad = entering if grad is None else grad + entering
        if grad is not None:
            grad, parts[index] = layers[index].backward(grad, need_input_grad=index > 0)
    return parts
