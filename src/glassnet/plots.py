"""Plots of a λ sweep and of one training run, as matplotlib Figures that need no display.

- :func:`validation_curve` / :func:`learning_curve`: mean train and validation curves of a
  :class:`~glassnet.experiments.SweepResults`, with ±1 standard-deviation bands over folds × seeds;
- :func:`loss_curves` / :func:`weight_norms`: a History epoch by epoch, the loss split into data and penalty;
- :func:`weight_histograms`: the kernel values of several models side by side (what L2 does to the weights);
- :func:`decision_boundary`: the predicted probability over a 2-D input plane;
- :func:`save` writes PNG or SVG; :func:`to_png` gives PNG bytes (for the HTML report).

Headless-safe: every function builds a ``matplotlib.figure.Figure`` directly and never imports pyplot, so
no GUI backend is selected, no global figure list keeps figures alive, and nothing opens a window on a server
or in a worker. ``save`` and ``to_png`` render through matplotlib's non-interactive Agg (PNG) and SVG
canvases.

>>> from glassnet import plots
>>> fig = plots.loss_curves({"loss": [0.9, 0.6], "data_loss": [0.8, 0.5], "penalty_loss": [0.1, 0.1]})
>>> plots.to_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

try:
    from matplotlib import colormaps
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, FigureBase
    from matplotlib.ticker import NullLocator
except ImportError as exc:  # the core needs only NumPy; plots are part of the `experiments` extra
    raise ImportError("glassnet.plots needs matplotlib: pip install 'glassnet[experiments]'. "
                      f"Received: ImportError({exc})") from exc

from ._validation import as_float_array, check_positive_int, describe
from .layers import Dense

# How each swept quantity reads on an axis (key suffix after 'train_' / 'val_').
_METRIC_LABELS = {
    "data_loss": "data loss J (no penalty)",
    "loss": "loss = data loss + penalty",
    "penalty_loss": "penalty Σ reg(W)",
    "error": "error = 1 − accuracy",
    "accuracy": "accuracy",
    "mse": "mean squared error",
}
_FORMATS = {".png": "png", ".svg": "svg"}


# --- figures and files -------------------------------------------------------------------------------------
def save(fig: FigureBase, path: str | Path, *, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG, chosen by the extension (.png / .svg, any case).

    Parent directories are created. SVG files carry no date, so the same figure gives the same file.
    Returns the path written.
    """
    if not isinstance(fig, FigureBase):
        raise TypeError(f"Argument `fig` must be a matplotlib Figure. Received: fig={describe(fig)}")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"Argument `path` must be a str or pathlib.Path. Received: path={describe(path)}")
    target = Path(path)
    fmt = _FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError("Argument `path` must end in .png or .svg (the extension chooses the format). "
                         f"Received: path={str(path)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return target


def to_png(fig: FigureBase, *, dpi: int = 100) -> bytes:
    """The PNG bytes of ``fig`` (what :func:`save` would write to a .png file)."""
    if not isinstance(fig, FigureBase):
        raise TypeError(f"Argument `fig` must be a matplotlib Figure. Received: fig={describe(fig)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.0)) -> tuple[Figure, Axes]:
    """A new Figure with one Axes, or the root Figure of the Axes the caller passed."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"Argument `ax` must be a matplotlib Axes or None. Received: ax={describe(ax)}")
    fig = ax.figure
    while not isinstance(fig, Figure):  # an Axes in a SubFigure: climb to the Figure that owns the canvas
        fig = fig.figure
    return fig, ax


# --- sweeps -------------------------------------------------------------------------------------------------
def validation_curve(results: Any, metric: str = "data_loss", *, ax: Axes | None = None) -> Figure:
    """Mean train and validation ``metric`` against λ, ±1 std bands, with the best λ and the 1-SE λ marked.

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
    fig, ax = _figure_and_axes(ax)
    positions, zero_at = _log_positions(results.values)
    rows = _mean_curves(ax, results, metric, positions)
    ax.set_xscale("log")
    _log_ticks(ax, results.values, positions, zero_at)

    best, one_se = results.best_lambda, results.best_lambda_1se
    index = {value: i for i, value in enumerate(results.values)}
    ax.axvline(positions[index[best]], color="C2", linestyle="-", linewidth=1.5, label=f"best λ = {best:g}")
    ax.axvline(positions[index[one_se]], color="C3", linestyle="--", linewidth=1.5,
               label=f"1-SE λ = {one_se:g}")
    if metric == "data_loss":
        best_row = rows[index[best]]
        threshold = best_row["val_data_loss_mean"] + best_row["val_data_loss_sem"]
        ax.axhline(threshold, color="0.5", linestyle=":", linewidth=1, label="min J_cv + 1 SE")
    y_best = rows[index[best]].get(f"val_{metric}_mean")  # None when only the train curve has this metric
    if y_best is not None and math.isfinite(y_best):
        ax.annotate("best λ", xy=(positions[index[best]], y_best), xytext=(6, 10), textcoords="offset points",
                    color="C2")
    ax.set_xlabel("λ (regularization strength, log scale)")
    ax.set_title("Validation curve")
    ax.legend(fontsize="small")
    return fig


def learning_curve(results: Any, metric: str = "data_loss", *, ax: Axes | None = None) -> Figure:
    """Mean train and validation ``metric`` against the training-set size m, ±1 std bands over folds × seeds.

    ``results`` is a learning curve (``param='train_size'``); ``metric`` and ``ax`` as in
    :func:`validation_curve`. A validation curve far above the train curve that keeps falling means more data
    would help (high variance); two curves that meet high mean the model is too weak (high bias).
    """
    _check_results(results, "train_size", "learning_curve")
    fig, ax = _figure_and_axes(ax)
    _mean_curves(ax, results, metric, [float(v) for v in results.values])
    ax.set_xlabel("training-set size m (rows)")
    ax.set_title("Learning curve")
    ax.legend(fontsize="small")
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


def _log_positions(values: list[float]) -> tuple[list[float], float | None]:
    """Where each λ sits on the log axis, and where λ = 0 is drawn (None when 0 is not swept).

    A log axis cannot show 0 (log 0 = −∞), so 0 stands one sweep step to the left of the smallest λ > 0: the
    median ratio between neighbouring λs, at least one decade (clearly apart from the real values) and at most
    two (a sparse sweep would otherwise push it far away).
    """
    positive = sorted(float(v) for v in values if v > 0)
    if len(positive) == len(values):
        return [float(v) for v in values], None
    if not positive:
        zero_at = 1.0  # only λ = 0 was swept: any position will do
    else:
        steps = np.diff(np.log10(positive))
        decades = min(2.0, max(1.0, float(np.median(steps)))) if steps.size else 1.0
        zero_at = positive[0] / 10.0 ** decades
    return [zero_at if v == 0 else float(v) for v in values], zero_at


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
def _history_dict(history: Any) -> Mapping[str, Any]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError("Argument `history` must be a History (returned by fit) or a dict "
                        f"{{key: per-epoch list}}. Received: history={describe(history)}")
    return data


def loss_curves(history: Any, *, ax: Axes | None = None) -> Figure:
    """Total loss over epochs with its data and penalty parts: total solid, data dashed, penalty dotted.

    ``history`` is the History that ``fit`` returns, its ``.history`` dict, or a sweep record's ``'history'``.
    Train curves are blue; validation curves (``val_*`` keys, when present) orange. loss = data_loss +
    penalty_loss epoch by epoch, so the gap between the solid and the dashed line is the penalty.
    """
    logs = _history_dict(history)
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
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (epoch mean)")
    ax.set_title("Loss = data loss + penalty")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def weight_norms(history: Any, *, ax: Axes | None = None) -> Figure:
    """‖W‖_F = √(Σ w²) of every kernel at the end of each epoch (History keys ``norm/<layer>/kernel``)."""
    logs = _history_dict(history)
    keys = [key for key in logs if key.startswith("norm/") and key.endswith("/kernel")]
    if not keys:
        raise ValueError("Argument `history` must hold kernel norms 'norm/<layer>/kernel' (fit records "
                         f"them). Received: history with keys {sorted(logs)}")
    fig, ax = _figure_and_axes(ax)
    for key in keys:
        curve = np.asarray(logs[key], dtype=np.float64)
        ax.plot(np.arange(1, curve.size + 1), curve, marker=".", label=key.split("/")[1])
    ax.set_xlabel("epoch")
    ax.set_ylabel("kernel norm ‖W‖_F")
    ax.set_title("Weight norms")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
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
        ax.set_title(f"layer {i + 1} kernel ({shape[0]}×{shape[1]})")
        ax.set_xlabel("weight value")
        ax.legend(fontsize="x-small")
    fig.axes[0].set_ylabel("count")
    return fig


def decision_boundary(model: Any, x: Any, y: Any, resolution: int = 200, *, ax: Axes | None = None) -> Figure:
    """The model's prediction over the plane of 2-D inputs as a heat map, with the points (x, y) on top.

    One output (sigmoid): the colour is the predicted P(y = 1) on a ``resolution`` × ``resolution`` grid
    spanning the data plus 5 % on each side, and a black line marks P = 0.5. K > 1 outputs (softmax): the
    colour is the predicted class, its opacity the confidence (max probability − 1/K) / (1 − 1/K). Points are
    coloured by ``y`` (labels of shape (n,) or (n, 1), or one-hot (n, K)).

    Parameters
    ----------
    model : Sequential
        A model with 2 input features.
    x : array, shape (n, 2)
    y : array, shape (n,), (n, 1) or (n, K)
    resolution : int
        Grid points per axis, ≥ 2; the model predicts resolution² points.
    ax : matplotlib Axes or None
        Draw into this Axes; None makes a new Figure.
    """
    x = as_float_array("x", x, np.dtype(np.float64))
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError("Argument `x` must have shape (n_samples, 2): decision_boundary draws 2-D inputs. "
                         f"Received: x with shape {x.shape}")
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        n = x.shape[0]
        raise ValueError(f"Argument `y` must have shape ({n},), ({n}, 1) or ({n}, K) to match x. "
                         f"Received: y with shape {y.shape}")
    resolution = check_positive_int("resolution", resolution)
    if resolution < 2:
        raise ValueError(f"Argument `resolution` must be at least 2. Received: resolution={resolution}")
    labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1).astype(np.float64)

    low, high = x.min(axis=0), x.max(axis=0)
    pad = 0.05 * np.where(high > low, high - low, 1.0)
    extent = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
    grid_x, grid_y = np.meshgrid(np.linspace(*extent[:2], resolution), np.linspace(*extent[2:], resolution))
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    out = np.asarray(model.predict(grid, batch_size=4096), dtype=np.float64).reshape(grid.shape[0], -1)

    fig, ax = _figure_and_axes(ax, figsize=(5.6, 4.6))
    image = {"origin": "lower", "extent": extent, "aspect": "auto", "interpolation": "nearest"}
    if out.shape[1] == 1:
        p = out[:, 0].reshape(resolution, resolution)
        is_probability = p.min() >= 0.0 and p.max() <= 1.0
        limits = (0.0, 1.0) if is_probability else (float(p.min()), float(p.max()))
        shown = ax.imshow(p, cmap="RdBu_r", vmin=limits[0], vmax=limits[1], **image)
        fig.colorbar(shown, ax=ax, label="predicted P(y = 1)" if is_probability else "model output")
        if p.min() < 0.5 < p.max():  # matplotlib warns about a contour level the surface never reaches
            ax.contour(grid_x, grid_y, p, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(x[:, 0], x[:, 1], c=labels, cmap="RdBu_r", vmin=limits[0], vmax=limits[1], s=14,
                   edgecolors="k", linewidths=0.5)
    else:
        k = out.shape[1]
        palette = np.asarray(colormaps["tab10"].colors, dtype=np.float64)  # (10, 3) RGB, one per class
        predicted = out.argmax(axis=1)
        rgba = np.ones((grid.shape[0], 4))
        rgba[:, :3] = palette[predicted % 10]
        rgba[:, 3] = np.clip((out.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        ax.imshow(rgba.reshape(resolution, resolution, 4), **image)
        ax.scatter(x[:, 0], x[:, 1], c=palette[labels.astype(int) % 10], s=14, edgecolors="k", linewidths=0.5)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x[:, 0]")
    ax.set_ylabel("x[:, 1]")
    ax.set_title("Decision boundary")
    return fig


__all__ = ["decision_boundary", "learning_curve", "loss_curves", "save", "to_png", "validation_curve",
           "weight_histograms", "weight_norms"]
