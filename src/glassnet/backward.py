"""The backward pass of a Sequential, written out: ∂(training loss)/∂θ in its data part and its penalty part.

For a batch of B rows whose forward pass produced ``output``:

1. data pass — the loss's per-row gradient ∂ℓᵢ/∂output (or ∂ℓᵢ/∂z from the logits, when sigmoid/softmax meets a
   cross-entropy), times sᵢ/B, flows down through every layer's ``backward``; each layer writes its weights'
   gradients into the model's flat ``data`` buffer (:mod:`glassnet.parameters`);
2. weight penalties — each regularized weight's penalty gradient (e.g. 2·l2·W), from that weight alone, goes into
   the flat ``penalty`` buffer: a penalty touches nothing but its own weight;
3. activity pass — activity penalties depend on a layer's output, so their gradient enters there and flows down
   in a second pass, adding to the ``penalty`` part of every weight at or below that layer;
4. ``total = data + penalty`` — the one place the two parts are added, for the optimizer — and ``layer.grads[name]``
   receives a :class:`~glassnet.layers.Gradient` over the two buffers (``penalty`` None where nothing penalizes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Sequential


def backward(model: Sequential, output: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
    """Fill ``layer.grads`` for the model's last training forward pass (see the module docstring)."""
    params = model.flat_parameters()
    layers = model._layers  # the list itself: the `layers` property copies it
    batch = output.shape[0]
    fused = model._fused_logits()
    if fused:  # the forward pass already holds σ(z) / softmax(z): the loss reuses it (the same bits)
        grad = model.loss.sample_gradients_from_logits(y, layers[-1].logits, output)
    else:
        grad = model.loss.sample_gradients(y, output)
    scale = output.dtype.type(1 / batch) if sample_weight is None else (sample_weight / batch)[:, None]
    grad = (grad * scale).astype(output.dtype, copy=False)
    owners, outs = _layout(model)
    for index in range(len(layers) - 1, -1, -1):
        kwargs = {"from_logits": True} if fused and index == len(layers) - 1 else {}
        grad, parts = layers[index].backward(grad, need_input_grad=index > 0, out=outs[index], **kwargs)
        for i in owners[index]:  # layers that cannot write in place return new arrays
            if parts[params.weights[i].name] is not params.data_views[i]:
                np.copyto(params.data_views[i], parts[params.weights[i].name])
    activity_parts = _backward_activity(model)
    deepest_activity = max(model._activity_grads, default=-1)
    penalized = []
    for index in range(len(layers)):
        for i in owners[index]:
            weight, view = params.weights[i], params.penalty_views[i]
            from_activity = activity_parts[index].get(weight.name)
            if weight.regularizer is not None:
                weight.regularizer.gradient_into(weight.value, view)
                if from_activity is not None:
                    view += from_activity
            elif from_activity is not None:
                np.copyto(view, from_activity)
            penalized.append(weight.regularizer is not None or index <= deepest_activity)
    np.add(params.data, params.penalty, out=params.total)
    _hand_out(model, tuple(penalized), owners)


def _hand_out(model: Sequential, penalized: tuple[bool, ...], owners: list[list[int]]) -> None:
    """``layer.grads``: Gradient objects over the buffers, made once per pattern of penalized weights (and again
    if someone replaced a layer's ``grads``)."""
    params, layers = model._params, model._layers
    if penalized == params.grads_key and all(layer.grads is d for layer, d in zip(layers, params.grads)):
        return
    gradients = iter(params.gradients(list(penalized)))
    params.grads = [{params.weights[i].name: next(gradients) for i in own} for own in owners]
    params.gradient_list = [grads[params.weights[i].name] for grads, own in zip(params.grads, owners) for i in own]
    for layer, grads in zip(layers, params.grads):
        layer.grads = grads
    params.grads_key = penalized


def _layout(model: Sequential) -> tuple[list[list[int]], list[dict[str, np.ndarray]]]:
    """For each layer: the indices of its trainable weights in ``trainable_weights``, and the views of the flat
    data-gradient buffer its backward writes into. Made once per flat parameters."""
    params = model._params
    if params.layout is None:
        owners, i = [], 0
        for layer in model._layers:
            count = len(layer.trainable_weights)
            owners.append(list(range(i, i + count)))
            i += count
        outs = [{params.weights[i].name: params.data_views[i] for i in own} for own in owners]
        params.layout = (owners, outs)
    return params.layout


def _backward_activity(model: Sequential) -> list[dict[str, np.ndarray]]:
    """Second pass, for activity penalties only: their gradient enters at each regularized layer's output and flows
    down, adding to the ``penalty`` part of every weight below it."""
    layers = model._layers  # the list itself: the `layers` property copies it
    parts: list[dict[str, np.ndarray]] = [{} for _ in layers]
    grad = None
    for index in range(len(layers) - 1, -1, -1):
        entering = model._activity_grads.get(index)
        if entering is not None:
            grad = entering if grad is None else grad + entering
        if grad is not None:
            grad, parts[index] = layers[index].backward(grad, need_input_grad=index > 0)
    return parts
