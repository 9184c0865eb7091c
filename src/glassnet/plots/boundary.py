"""The decision boundary of a 2-feature model: its prediction over the input plane, as a heat map."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .._validation import as_float_array, check_positive_int
from .output import _figure_and_axes


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
    image: dict[str, Any] = {"origin": "lower", "extent": extent, "aspect": "auto", "interpolation": "nearest"}
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
        tab10 = cast(ListedColormap, colormaps["tab10"])  # the registry is typed Colormap; tab10 is a listed one
        palette = np.asarray(tab10.colors, dtype=np.float64)  # (10, 3) RGB, one per class
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
