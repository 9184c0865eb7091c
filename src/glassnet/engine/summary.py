"""``model.summary()``: the layers, their output shapes and parameter counts, and each layer's regularizers — the
declared ones before the model is built, and where they came from (the layer, or ``compile()``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..regularizers.placement import describe as describe_regularization
from .engines import predicted

if TYPE_CHECKING:
    from .model import Sequential


def summary_rows(model: Sequential) -> list[tuple[str, str, str, str]]:
    """One row per layer: name (type), output shape, parameter count, regularization (also the notebook display's
    table, :mod:`glassnet.display.model`)."""
    rows = []
    plan = model.compile_regularization
    shape = model.input_shape
    for layer in model.layers:
        shape = layer.compute_output_shape(shape) if shape is not None else None
        params = str(layer.count_params()) if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", str(shape) if shape else "?", params,
                     describe_regularization(layer, plan) or "-"))
    return rows


def compile_regularizer_line(model: Sequential) -> str | None:
    """The compile-level regularizer in a sentence, or None when ``compile()`` set none."""
    plan = model.compile_regularization
    if plan.regularizer is None and not plan.pending:
        return None
    strength = repr(plan.regularizer) if plan.regularizer is not None else \
        f"L2 with the lecture's λ = {plan.lam} (m is taken from the data at fit)"
    biases = "kernels and biases" if plan.regularize_bias else "kernels"
    return f"compile() regularizer: {strength}, on {biases} without a regularizer of their own"


def summary_text(model: Sequential) -> str:
    """The summary as text, e.g. a row ``dense (Dense)  (None, 25)  775  kernel: L2(l2=0.01) [layer]``."""
    rows = [("Layer (type)", "Output Shape", "Param #", "Regularization"), *summary_rows(model)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    text = [f'Model: "{model.name}"', line]
    text += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows[:1]] + [line]
    text += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows[1:]] + [line]
    text.append(f"Total params: {model.count_params()}")
    compile_line = compile_regularizer_line(model)
    if compile_line is not None:
        text.append(compile_line)
    text.append(f"Training engine: {predicted(model)}")
    return "\n".join(text)
