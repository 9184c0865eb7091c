"""The data side of the loops, public for ``explain``, the experiments and the CLI: checking ``x``, ``y`` and
sample weights against a model, cutting rows into batches, and evaluating arrays batch by batch.

Every check runs before anything changes and names the argument (``validation_data[0]`` for validation data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import as_float_array
from ..backend import floatx
from ..layers.flatten import flat_input
from . import mapped_io
from .logs import LossTotals

if TYPE_CHECKING:
    from .model import Sequential

# What check_xy returns: x, y and the sample weights (or None).
CheckedArrays = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def batches(n: int, batch_size: int, order: np.ndarray | None, first: int = 0) -> Iterator[np.ndarray | slice]:
    """Row selections of ``batch_size`` rows (the last one partial), in ``order`` or, without one, in order;
    from batch ``first`` on (the batches before it were trained elsewhere, e.g. by the compiled engine)."""
    for start in range(first * batch_size, n, batch_size):
        stop = min(start + batch_size, n)
        yield order[start:stop] if order is not None else slice(start, stop)


def permutation(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.permutation(n)``, the same order, in int32 when n allows: half the memory for 10M-row data sets."""
    order = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    rng.shuffle(order)
    return order


def check_x(model: Sequential, x: Any, name: str = "x") -> np.ndarray:
    """``x`` as a finite 2-D array (samples, features) in the model's dtype, with the model's input width."""
    dtype = model.dtype or np.dtype(floatx())
    mapped_io.check_file_length(name, x)  # before anything reads it: a truncated mapped file would crash
    array = flat_input(model.layers, as_float_array(name, x, dtype), name)  # images, under a first Flatten
    if array.ndim != 2:
        raise ValueError(f"Argument `{name}` must be a 2-D array (samples, features). "
                         f"Received: {name} with shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"Argument `{name}` must contain at least one sample. Received: {name} with shape "
                         f"{array.shape}")
    expected = model.input_shape
    if expected is not None and array.shape[1] != expected[-1]:
        raise ValueError(f"Argument `{name}` must have {expected[-1]} features to match the model's "
                         f"input. Received: {name} with shape {array.shape}")
    return array


def check_xy(model: Sequential, x: Any, y: Any, sample_weight: Any = None, names: tuple[str, str, str] = (
        "x", "y", "sample_weight")) -> CheckedArrays:
    """``(x, y, sample_weight)`` checked: x as :func:`check_x`, y prepared by the model's loss (shape (n, K), or
    class indices (n,) for a sparse cross-entropy), sample weights (n,) ≥ 0 or None."""
    x_name, y_name, w_name = names
    x = check_x(model, x, x_name)
    mapped_io.check_file_length(y_name, y)
    mapped_io.check_file_length(w_name, sample_weight)
    raw_y = as_float_array(y_name, y, x.dtype)
    if raw_y.shape[0] != x.shape[0]:
        raise ValueError(f"Arguments `{x_name}` and `{y_name}` must have the same number of samples. "
                         f"Received: {x_name} with {x.shape[0]} rows, {y_name} with {raw_y.shape[0]} rows")
    y = model.compiled_loss.prepare_targets(raw_y, model.output_width(x.shape[1]), x.dtype, y_name)
    weights = None
    if sample_weight is not None:
        weights = as_float_array(w_name, sample_weight, x.dtype)
        if weights.shape != (x.shape[0],):
            raise ValueError(f"Argument `{w_name}` must be {x.shape[0]} non-negative numbers, one per sample. "
                             f"Received: {w_name} with shape {weights.shape}")
        if np.any(weights < 0):
            index = int(np.argmax(weights < 0))
            raise ValueError(f"Argument `{w_name}` must be {x.shape[0]} non-negative numbers, one per sample. "
                             f"Received: {w_name} containing {float(weights[index])!r} at index {index}")
    return x, y, weights


def evaluate_arrays(model: Sequential, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                    batch_size: int) -> dict[str, float]:
    """Loss parts (as :class:`~glassnet.engine.logs.LossTotals` reports them) and metrics over checked ``x``, ``y``
    in batches, inference mode (dropout off): no weight changes. Through the compiled forward pass (the same bits)
    when a fit loaded the compiled engine in this process and it computes the model."""
    from .compiled_epochs import evaluate_loaded  # here: compiled_epochs imports this module

    compiled = evaluate_loaded(model, x, y, sample_weight, batch_size)
    if compiled is not None:
        return compiled
    metrics = model.make_metrics(model.output_width(x.shape[1]))
    totals = LossTotals()
    releaser = mapped_io.PageReleaser(x)
    for rows in batches(x.shape[0], batch_size, None):
        output = model.forward(x[rows], training=False)
        releaser.touched(output.shape[0] * x.strides[0])
        wb = None if sample_weight is None else sample_weight[rows]
        totals.add(model.loss_parts(output, y[rows], wb), output.shape[0])
        for metric in metrics:
            metric.update(y[rows], output)
    return {**totals.logs(), **{m.name: m.result() for m in metrics}}
