"""Curves of a λ sweep and of one training run.

- :func:`validation_curve` / :func:`learning_curve`: mean train and validation curves of a
  :class:`~glassnet.experiments.SweepResults`, with ±1 standard-deviation bands over folds × seeds;
- :func:`loss_curves`: a History epoch by epoch, the loss split into data and penalty.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from .._validation import describe
from ..display.chart import log_positions
from .output import _figure_and_axes, _finish, _history_dict, _legend

# How each swept quantity reads on an axis (key suffix after 'train_' / 'val_').
_METRIC_LABELS = {
    "data_loss": "data loss J (no penalty)",
    "loss": "loss = data loss + penalty",
    "penalty_loss": "penalty Σ reg(W)",
    "error": "error = 1 − accuracy",
    "accuracy": "accuracy",
    "mse": "mean squared error",
}

# --- sweeps -------------------------------------------------------------------------------------------------
def validation_curve(results: Any, metric: str = "data_loss", *, ax: Axes | None = None) -> Figure:
    """Mean train and validation ``metric`` against λ, ±1 std bands, with the best λ and the 1-SE λ marked.

    λ is written in the sweep's convention (``results.strength_label``: the Keras factor l2 by default) and the
    axis and markers give the lecture's λ beside it when the training-set size m is known.

    Parameters
    ----------
    results : SweepResults
        A validation curve (``param='lambda'``).
    metric : str
        The quantity after ``train_`` / ``val_`` in the records: 'data_loss' (default: J_train and J_cv, which
        choose λ), 'loss', 'penalty_loss', 'error', 'accuracy', 'mse', ...
    ax : matplotlib Axes or None
        Draw into this Axes; None makes a new Figure.

    The x-axis is logarithmic. A log scale has no place for λ = 0, so a swept 0 is drawn one sweep step (one
    to two decades) left of the smallest λ > 0 and its tick is labelled "0"; a dotted line marks the break.
    The best λ (lowest mean validation data loss) is a solid vertical line, the one-standard-error λ a dashed
    one; with ``metric='data_loss'`` a dotted horizontal line shows the 1-SE threshold min J_cv + SE.
    """
    _check_results(results, "lambda", "validation_curve")
    own = ax is None
    fig, ax = _figure_and_axes(ax)
    positions, zero_at = log_positions(results.values)
    rows = _mean_curves(ax, results, metric, positions)
    ax.set_xscale("log")
    _log_ticks(ax, results.values, positions, zero_at)

    best, one_se = results.best_lambda, results.best_lambda_1se
    index = {value: i for i, value in enumerate(results.values)}
    ax.axvline(positions[index[best]], color="C2", linestyle="-", linewidth=1.5,
               label=f"best: {results.strength_text(best)}")
    ax.axvline(positions[index[one_se]], color="C3", linestyle="--", linewidth=1.5,
               label=f"1-SE: {results.strength_text(one_se)}")
    if metric == "data_loss":
        best_row = rows[index[best]]
        threshold = best_row["val_data_loss_mean"] + best_row["val_data_loss_sem"]
        ax.axhline(threshold, color="0.5", linestyle=":", linewidth=1, label="min J_cv + 1 SE")
    y_best = rows[index[best]].get(f"val_{metric}_mean")  # None when only the train curve has this metric
    if y_best is not None and math.isfinite(y_best):
        ax.annotate("best", xy=(positions[index[best]], y_best), xytext=(6, 10), textcoords="offset points",
                    color="C2")
    ax.set_xlabel(_strength_axis_label(results))
    ax.set_title("Validation curve")
    _legend(ax, own=own)
    return fig


def _strength_axis_label(results: Any) -> str:
    """'Keras l2, log scale (lecture λ = 728·l2 for m = 364)': the swept strength named by its convention."""
    label = f"{results.strength_label}, log scale"
    per_unit = results.lecture_lambda(1.0)
    if results.convention != "lecture" and per_unit is not None:
        label += f" (lecture λ = {per_unit:.4g} × it, for m = {results.training_rows})"
    return label


def learning_curve(results: Any, metric: str = "data_loss", *, ax: Axes | None = None) -> Figure:
    """Mean train and validation ``metric`` against the training-set size m, ±1 std bands over folds × seeds.

    ``results`` is a learning curve (``param='train_size'``); ``metric`` and ``ax`` as in
    :func:`validation_curve`. A validation curve far above the train curve that keeps falling means more data
    would help (high variance); two curves that meet high mean the model is too weak (high bias).
    """
    _check_results(results, "train_size", "learning_curve")
    own = ax is None
    fig, ax = _figure_and_axes(ax)
    _mean_curves(ax, results, metric, [float(v) for v in results.values])
    ax.set_xlabel("training-set size m (rows)")
    ax.set_title("Learning curve")
    _legend(ax, own=own)
    return fig


def _check_results(results: Any, param: str, function: str) -> None:
    if not all(hasattr(results, name) for name in ("param", "values", "summary", "metric_keys")):
        raise TypeError(f"Argument `results` must be a SweepResults. Received: results={describe(results)}")
    if results.param != param:
        other = "learning_curve" if param == "lambda" else "validation_curve"
        raise ValueError(f"Argument `results` must come from a sweep with param={param!r} for {function}(); "
                         f"plot this one with {other}(). Received: results.param={results.param!r}")
    if not results.values:
        raise ValueError("Argument `results` must hold at least one swept value. Received: results.values=[]")


def _mean_curves(ax: Axes, results: Any, metric: str, x: list[float]) -> list[dict[str, Any]]:
    """Draw mean ± std of 'train_<metric>' and 'val_<metric>' at positions ``x``; return the summary rows."""
    keys = results.metric_keys()
    available = [(name, f"{prefix}_{metric}", color) for name, prefix, color in
                 (("train", "train", "C0"), ("validation", "val", "C1")) if f"{prefix}_{metric}" in keys]
    if not isinstance(metric, str) or not available:
        choices = sorted({k.split("_", 1)[1] for k in keys if k.startswith(("train_", "val_"))})
        raise ValueError(f"Argument `metric` must be one of {choices} (the records' train_/val_ quantities). "
                         f"Received: metric={metric!r}")
    rows = results.summary()
    for name, key, color in available:
        mean = np.array([row[f"{key}_mean"] for row in rows], dtype=np.float64)
        std = np.array([row[f"{key}_std"] for row in rows], dtype=np.float64)
        ax.plot(x, mean, marker="o", markersize=4, color=color, label=f"{name} (mean)")
        ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, linewidth=0,
                        label=f"{name} ± 1 std")
    ax.set_ylabel(_METRIC_LABELS.get(metric, metric))
    ax.grid(True, alpha=0.3)
    return rows


def _log_ticks(ax: Axes, values: list[float], positions: list[float], zero_at: float | None) -> None:
    """Decade ticks (or the swept λs if fewer than two decades fit), plus the "0" tick at ``zero_at``."""
    margin = 10.0 ** 0.25  # a quarter decade of room on both sides
    low, high = min(positions) / margin, max(positions) * margin
    ax.set_xlim(low, high)
    positive = [p for v, p in zip(values, positions, strict=True) if v > 0]
    ticks: list[float] = []
    labels: list[str] = []
    if positive:
        # Ticks only from the smallest λ > 0 on: a tick between "0" and it would suggest swept values there.
        start = min(positive) / margin
        if zero_at is not None:
            start = max(start, math.sqrt(zero_at * min(positive)))
        first, last = math.ceil(math.log10(start)), math.floor(math.log10(high))
        decades = range(first, last + 1, max(1, math.ceil((last - first + 1) / 8)))  # at most 8 labels
        if len(decades) >= 2:
            ticks, labels = [10.0 ** k for k in decades], [f"$10^{{{k}}}$" for k in decades]
        else:
            ticks, labels = positive, [f"{v:g}" for v in values if v > 0]
    if zero_at is not None:
        ticks, labels = [zero_at, *ticks], ["0", *labels]
        if positive:
            ax.axvline(math.sqrt(zero_at * min(positive)), color="0.6", linestyle=":", linewidth=1)
    ax.set_xticks(ticks, labels)
    # Minor log ticks would suggest a continuous scale between "0" and the smallest λ; there is none.
    ax.xaxis.set_minor_locator(NullLocator())


# --- one training run ---------------------------------------------------------------------------------------
def loss_curves(history: Any, *, ax: Axes | None = None) -> Figure:
    """Total loss over epochs with its data and penalty parts: total solid, data dashed, penalty dotted.

    ``history`` is the History that ``fit`` returns, its ``.history`` dict, or a sweep record's ``'history'``.
    Train curves are blue; validation curves (``val_*`` keys, when present) orange. loss = data_loss +
    penalty_loss epoch by epoch, so the gap between the solid and the dashed line is the penalty.
    """
    logs = _history_dict(history)
    own = ax is None
    fig, ax = _figure_and_axes(ax)
    drawn = 0
    for name, prefix, color in (("train", "", "C0"), ("validation", "val_", "C1")):
        for part, style, label in (("loss", "-", "loss (data + penalty)"), ("data_loss", "--", "data loss"),
                                   ("penalty_loss", ":", "penalty")):
            if f"{prefix}{part}" in logs:
                curve = np.asarray(logs[f"{prefix}{part}"], dtype=np.float64)
                ax.plot(np.arange(1, curve.size + 1), curve, linestyle=style, color=color,
                        label=f"{name} {label}")
                drawn += 1
    if not drawn:
        raise ValueError("Argument `history` must hold 'loss', 'data_loss' or 'penalty_loss' (or their val_ "
                         f"versions). Received: history with keys {sorted(logs)}")
    _finish(ax, "epoch", "loss (epoch mean)", "Loss = data loss + penalty", own=own)
    return fig
