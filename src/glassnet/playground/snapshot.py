"""What one frame shows of a network: its decision heatmap, every neuron's output, its weights and the penalty
panel (``model.explain`` per layer), encoded compactly for the page.

Pictures are quantized to bytes and sent as base64: a value v of a signed output or a neuron is clipped to
[−1, 1] and stored as round((v + 1)·127.5); a sigmoid output p as 2p − 1 the same way; a softmax output as the
winning class and its probability·255. Loss values are never quantized: they travel as JSON numbers, i.e. the
float's repr, so the page holds exactly what History holds.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..regularizers.conventions import convert
from .network import Output, dense_layers


@dataclass(frozen=True)
class Grids:
    """The input features on the heatmap's grid and on the (coarser) thumbnail grid."""

    heatmap: np.ndarray
    thumbnail: np.ndarray


def _bytes(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode("ascii")


def signed(values: np.ndarray) -> str:
    """Values clipped to [−1, 1], as base64 bytes round((v + 1)·127.5)."""
    return _bytes(np.rint((np.clip(values, -1.0, 1.0) + 1.0) * 127.5))


def encode_output(output: np.ndarray, kind: str, scale: float = 1.0) -> dict[str, str]:
    """The heatmap of an output (cells, units): see the module docstring. ``scale`` divides a regression output
    (the largest |target|), so the colours span the targets' range."""
    if kind == "softmax":
        return {"classes": _bytes(np.argmax(output, axis=1)),
                "confidence": _bytes(np.rint(np.max(output, axis=1) * 255))}
    column = output[:, 0].astype(np.float64)
    return {"values": signed(2.0 * column - 1.0 if kind == "probability" else column / scale)}


def picture(model: Any, grids: Grids, output: Output, scale: float) -> dict[str, Any]:
    """Heatmap, neuron thumbnails (hidden layers; the inputs' never change and go with the data) and weights."""
    def activations(x: np.ndarray) -> list[np.ndarray]:
        outs = []
        for layer in model.layers:  # Layer.__call__ runs in inference mode: dropout is the identity
            x = layer(x)
            if layer in denses:
                outs.append(x)
        return outs

    denses = dense_layers(model)
    heat = activations(grids.heatmap)[-1]
    thumbs = activations(grids.thumbnail)[:-1]
    weights = [{"kernel": np.round(layer.kernel.value.astype(np.float64), 4).tolist(),
                "bias": np.round(layer.bias.value.astype(np.float64), 4).tolist()} for layer in denses]
    return {"heatmap": encode_output(heat, output.kind, scale),
            "neurons": [[signed(column) for column in values.T] for values in thumbs], "weights": weights}


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def penalty_panel(model: Any, explanation: Any) -> list[dict[str, Any]]:
    """Per Dense layer: ‖W‖, the data and penalty gradient norms and their cosine, the shrink factor per step
    (plain SGD with L2), the data and penalty parts of the next update, and the L2 strength in every convention."""
    rows = []
    for layer in dense_layers(model):
        key = (layer.name, "kernel")
        gradient, update = explanation.gradients[key], explanation.updates[key]
        data, penalty = gradient.data.astype(np.float64), gradient.penalty.astype(np.float64)
        norms = update.norms()
        both = gradient.data_norm * gradient.penalty_norm
        table = explanation.strengths.get(key)
        weight = layer.kernel
        rows.append({
            "layer": layer.name, "regularizer": None if weight.regularizer is None else repr(weight.regularizer),
            "source": weight.regularizer_source,
            "norm": float(np.sqrt(np.sum(np.square(weight.value, dtype=np.float64)))),
            "grad_data": _finite(gradient.data_norm), "grad_penalty": _finite(gradient.penalty_norm),
            "cosine": _finite(float(np.sum(data * penalty)) / both) if both else None,
            "shrink": _finite(update.shrink_factor), "step_data": _finite(norms["data"]),
            "step_penalty": _finite(norms["penalty"]), "step_decay": _finite(norms["decay"]),
            "strengths": None if table is None else {k: _finite(v) for k, v in table.values.items()},
        })
    return rows


def playground_reason(loss: str) -> str | None:
    """Why the TF Playground's rate has no counterpart for ``loss`` (None when it has one): the library's words."""
    try:
        convert(1.0, "keras", "playground", loss=loss)
    except ValueError as exc:
        return str(exc).split(" Received:")[0]
    return None
