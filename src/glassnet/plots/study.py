"""Pictures of a layer study (:func:`glassnet.experiments.layer_study`): where the penalty sits, what each kernel did.

- :func:`placement_norms`: the mean ‖W‖_F of each layer, one group of bars per layer, one bar per placement
  (± 1 sd over folds × seeds) — the penalized layer shrinks, its neighbours grow;
- :func:`norm_trajectories`: ‖W‖_F over epochs, one panel per layer, one line per placement;
- :func:`attribution_parts`: per placement, the norm of each layer's direct part (the penalty's own steps, summed)
  next to its indirect part (the rest of W − W_none), for the first fold and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._validation import describe
from .output import _figure_and_axes, _legend


def _check_study(study: Any, placements: Sequence[str] | None = None) -> list[str]:
    """The placements to draw: all of the study's, or the ones named (each checked)."""
    if not all(hasattr(study, name) for name in ("placements", "layers", "kernel_norms", "attribution")):
        raise TypeError(f"Argument `study` must be a LayerStudy. Received: study={describe(study)}")
    if placements is None:
        return list(study.placements)
    if isinstance(placements, str) or not isinstance(placements, Sequence) or not placements or any(
            name not in study.placements for name in placements):
        raise ValueError(f"Argument `placements` must be a non-empty list of the study's placements "
                         f"{list(study.placements)}. Received: placements={placements!r}")
    return list(placements)


def _layer_label(layer: str) -> str:
    return "W" + layer.removeprefix("layer_")


def placement_norms(study: Any, *, placements: Sequence[str] | None = None, ax: Axes | None = None) -> Figure:
    """Grouped bars: for each layer, the mean kernel norm ‖W‖_F under each placement, ± 1 sd over the fits.

    Read it against the bar of ``'none'``: under ``'layer_j'`` layer j's bar drops and the bars of its
    unpenalized neighbours rise; under ``'all'`` every bar drops to about the same height.
    """
    names = _check_study(study, placements)
    own = ax is None
    fig, ax = _figure_and_axes(ax, figsize=(7.2, 4.0))
    means, sds = study.kernel_norms, study.kernel_norm_sd
    width = 0.8 / len(names)
    centres = np.arange(len(study.layers), dtype=np.float64)
    for i, name in enumerate(names):
        ax.bar(centres + (i - (len(names) - 1) / 2) * width, means[name], width, yerr=sds[name], capsize=2,
               label=name, color=f"C{i % 10}")
    ax.set_xticks(centres, [f"‖{_layer_label(layer)}‖ ({layer})" for layer in study.layers])
    ax.set_ylabel("kernel norm ‖W‖_F (mean ± sd)")
    ax.set_title(f"Kernel norms by placement of {study.strength_text}")
    ax.grid(True, axis="y", alpha=0.3)
    _legend(ax, own=own, title="penalty on")
    return fig


def norm_trajectories(study: Any, *, placements: Sequence[str] | None = None) -> Figure:
    """‖W‖_F at the end of each epoch (mean over the fits): one panel per layer, one line per placement."""
    names = _check_study(study, placements)
    k = len(study.layers)
    fig = Figure(figsize=(3.6 * k + 0.6, 3.4), layout="constrained")
    axes = fig.subplots(1, k, squeeze=False, sharey=False)[0]
    histories = {name: study.norm_history(name) for name in names}
    for ax, layer in zip(axes, study.layers):
        for i, name in enumerate(names):
            curve = histories[name][layer]
            ax.plot(np.arange(1, len(curve) + 1), curve, color=f"C{i % 10}", label=name)
        ax.set_title(f"‖{_layer_label(layer)}‖ ({layer})")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("kernel norm ‖W‖_F (mean)")
    _legend(axes[-1], own=True, title="penalty on")  # one legend for all panels, below them
    return fig


def attribution_parts(study: Any, *, placements: Sequence[str] | None = None) -> Figure:
    """Per placement, ‖direct‖ and ‖indirect‖ of each layer's change W − W_none (first fold and seed).

    ``direct`` = Σ of the penalty part of every update of that kernel (exactly 0 on a layer without a penalty);
    ``indirect`` = the rest: what the data gradient did differently because the weights were elsewhere.
    """
    names = [name for name in _check_study(study, placements) if name != "none"]
    if not names:
        raise ValueError("Argument `placements` must name a placement other than 'none' (whose parts are 0). "
                         f"Received: placements={placements!r}")
    fig = Figure(figsize=(3.2 * len(names) + 0.6, 3.4), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False, sharey=True)[0]
    norms = study.attribution_norms()
    centres = np.arange(len(study.layers), dtype=np.float64)
    for ax, name in zip(axes, names):
        ax.bar(centres - 0.2, norms[name]["direct"], 0.4, label="direct (penalty steps)", color="C3")
        ax.bar(centres + 0.2, norms[name]["indirect"], 0.4, label="indirect (the rest)", color="C0")
        ax.set_xticks(centres, [_layer_label(layer) for layer in study.layers])
        ax.set_title(f"penalty on {name}")
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("‖part of W − W_none‖_F")
    _legend(axes[-1], own=True)  # one legend for all panels, below them
    return fig
