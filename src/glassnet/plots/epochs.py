"""Per-λ curves over epochs: what the validation data loss of each strength did while the models trained."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import describe
from .output import _figure_and_axes, _finish


def epoch_curves(results: Any, key: str = "val_data_loss", *, ax: Axes | None = None) -> Figure:
    """History ``key`` (default the validation data loss J_cv, no penalty) against the epoch, one line per λ: the
    mean over the folds × seeds of that λ (``results.epoch_curves(key)``).

    A small λ's J_cv that falls and then turns back up is overfitting setting in; a large λ's that stays high is
    underfitting. Lines run from light (small λ) to dark (large λ).
    """
    if not hasattr(results, "epoch_curves") or not hasattr(results, "strength_text"):
        raise TypeError(f"Argument `results` must be a SweepResults. Received: results={describe(results)}")
    curves = results.epoch_curves(key)
    own = ax is None
    fig, ax = _figure_and_axes(ax)
    shades = np.linspace(0.35, 1.0, len(curves))
    for shade, (value, curve) in zip(shades, curves.items()):
        label = results.strength_text(value) if results.param == "lambda" else f"m = {value}"
        ax.plot(np.arange(1, len(curve) + 1), curve, color=(0.1, 0.2 + 0.5 * (1 - shade), shade), label=label)
    _finish(ax, "epoch", f"{key} (mean over folds × seeds)", f"{key} per epoch, one line per value", own=own)
    return fig
