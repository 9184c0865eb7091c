"""Plots of the weights themselves: kernel norms per epoch and kernel value histograms (what L2 does to W)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import check_positive_int, describe
from ..layers import Dense
from .output import _figure_and_axes, _finish, _history_dict


def weight_norms(history: Any, *, ax: Axes | None = None) -> Figure:
    """‖W‖_F = √(Σ w²) of every kernel at the end of each epoch (History keys ``norm/<layer>/kernel``)."""
    logs = _history_dict(history)
    keys = [key for key in logs if key.startswith("norm/") and key.endswith("/kernel")]
    if not keys:
        raise ValueError("Argument `history` must hold kernel norms 'norm/<layer>/kernel' (fit records "
                         f"them). Received: history with keys {sorted(logs)}")
    own = ax is None
    fig, ax = _figure_and_axes(ax)
    for key in keys:
        curve = np.asarray(logs[key], dtype=np.float64)
        ax.plot(np.arange(1, curve.size + 1), curve, marker=".", label=key.split("/")[1])
    _finish(ax, "epoch", "kernel norm ‖W‖_F", "Weight norms", own=own)
    return fig


def weight_histograms(models: Mapping[str, Any], *, bins: int = 40) -> Figure:
    """One subplot per Dense layer, with the kernel values of every model overlaid (shared bin edges).

    ``models`` maps a label to a built glassnet Sequential, e.g. ``{'no L2': m0, 'L2(0.01)': m1}``; all must
    have the same number of Dense layers (layer i of each model shares subplot i). Each legend entry gives
    ‖W‖_F = √(Σ w²).
    """
    if not isinstance(models, Mapping) or not models:
        raise TypeError("Argument `models` must be a non-empty dict {label: Sequential}. "
                        f"Received: models={describe(models)}")
    bins = check_positive_int("bins", bins)
    kernels: dict[str, list[np.ndarray]] = {}
    for label, model in models.items():
        layers = getattr(model, "layers", None)
        if layers is None:
            raise TypeError(f"Argument `models` must map labels to glassnet Sequential models. "
                            f"Received: models[{label!r}]={describe(model)}")
        dense = [layer for layer in layers if isinstance(layer, Dense)]
        if not dense or not all(layer.built for layer in dense):
            raise ValueError("Argument `models` must hold built models with Dense layers (fit or build "
                             f"them first). Received: models[{label!r}] with {len(dense)} Dense layers, "
                             "not all built")
        kernels[str(label)] = [np.asarray(layer.kernel.value, dtype=np.float64) for layer in dense]
    counts = {label: len(k) for label, k in kernels.items()}
    if len(set(counts.values())) != 1:
        raise ValueError("Argument `models` must hold models with the same number of Dense layers. "
                         f"Received: Dense layers per model {counts}")
    n_layers = next(iter(counts.values()))
    fig = Figure(figsize=(3.6 * n_layers + 0.6, 3.4), layout="constrained")
    for i, ax in enumerate(fig.subplots(1, n_layers, squeeze=False)[0]):
        edges = np.histogram_bin_edges(np.concatenate([k[i].ravel() for k in kernels.values()]), bins=bins)
        for label, layer_kernels in kernels.items():
            w = layer_kernels[i]
            ax.hist(w.ravel(), bins=edges, alpha=0.5, histtype="stepfilled",
                    label=f"{label} (‖W‖ = {math.sqrt(float(np.sum(w * w))):.3g})")
        shape = next(iter(kernels.values()))[i].shape
        # The legend sits above the bars (where a title would be), so it never covers them; the layer is named
        # on the x-axis instead.
        ax.set_xlabel(f"layer {i + 1} kernel ({shape[0]}×{shape[1]}): weight value")
        ax.legend(fontsize="x-small", loc="lower center", bbox_to_anchor=(0.5, 1.01), borderaxespad=0.0)
    fig.axes[0].set_ylabel("count")
    return fig
