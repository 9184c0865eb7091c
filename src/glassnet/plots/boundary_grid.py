"""A grid of decision boundaries: rows = placements of the penalty or λ values, columns = epoch snapshots.

Each tile is ``model.predict`` of that row's model at that epoch (:func:`glassnet.experiments.boundary_snapshots`)
on a grid over the input plane, the same plane for every tile: the predicted P(y = 1) for one sigmoid output
(black line at 0.5), the predicted class for K > 1 outputs. Training points are filled circles, test points
white-edged crosses, both coloured by their label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validation import as_float_array, check_positive_int, describe

_MAX_TILES = 200


def _points(x: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(name, x, np.dtype(np.float64))
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"Argument `{name}` must have shape (n_samples, 2): the grid draws 2-D inputs. "
                         f"Received: {name} with shape {x.shape}")
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(f"The labels of `{name}` must have shape ({x.shape[0]},), ({x.shape[0]}, 1) or "
                         f"({x.shape[0]}, K). Received: labels with shape {y.shape}")
    labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
    return x, labels.astype(np.float64)


def plane(x: np.ndarray, resolution: int) -> tuple[tuple[float, float, float, float], np.ndarray]:
    """(extent, grid points (resolution², 2)) spanning the points ``x`` plus 5 % on each side; row-major from
    the lower left, as ``imshow(origin='lower')`` draws them."""
    low, high = x.min(axis=0), x.max(axis=0)
    pad = 0.05 * np.where(high > low, high - low, 1.0)
    extent = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
    gx, gy = np.meshgrid(np.linspace(*extent[:2], resolution), np.linspace(*extent[2:], resolution))
    return extent, np.column_stack([gx.ravel(), gy.ravel()])


def tile_values(model: Any, grid: np.ndarray, resolution: int) -> tuple[np.ndarray, bool]:
    """What a tile shows, shape (resolution, resolution): P(y = 1) for one output (True), else the predicted class
    (False)."""
    # predict's own default batches: the tile holds exactly what model.predict(grid) returns, bit for bit.
    out = np.asarray(model.predict(grid), dtype=np.float64).reshape(grid.shape[0], -1)
    one = out.shape[1] == 1
    values = out[:, 0] if one else out.argmax(axis=1).astype(np.float64)
    return values.reshape(resolution, resolution), one


def boundary_grid(snapshots: Mapping[str, Mapping[Any, Any]], x: Any, y: Any, x_test: Any = None, y_test: Any = None,
                  *, resolution: int = 80) -> Figure:
    """Decision boundaries in a grid: one row per key of ``snapshots``, one column per epoch.

    Parameters
    ----------
    snapshots : dict {row label: {epoch: model}}
        E.g. :func:`glassnet.experiments.boundary_snapshots`; every row has the same epochs.
    x, y : arrays, shapes (n, 2) and (n,) / (n, 1) / (n, K)
        The training points (filled circles).
    x_test, y_test : arrays or None
        Test points (white-edged crosses), drawn too and included in the plane.
    resolution : int
        Grid points per axis (≥ 2); every tile predicts resolution² points.
    """
    if not isinstance(snapshots, Mapping) or not snapshots or not all(
            isinstance(row, Mapping) and row for row in snapshots.values()):
        raise TypeError("Argument `snapshots` must be a non-empty dict {row label: {epoch: model}}. "
                        f"Received: snapshots={describe(snapshots)}")
    columns = list(next(iter(snapshots.values())))
    if any(list(row) != columns for row in snapshots.values()):
        raise ValueError("Argument `snapshots` must give every row the same epochs. "
                         f"Received: {({label: list(row) for label, row in snapshots.items()})}")
    if len(snapshots) * len(columns) > _MAX_TILES:
        raise ValueError(f"Argument `snapshots` must hold at most {_MAX_TILES} tiles. "
                         f"Received: {len(snapshots)} rows × {len(columns)} epochs")
    resolution = check_positive_int("resolution", resolution)
    if resolution < 2:
        raise ValueError(f"Argument `resolution` must be at least 2. Received: resolution={resolution}")
    x, labels = _points(x, y, "x")
    test = _points(x_test, y_test, "x_test") if x_test is not None else None
    extent, grid = plane(np.concatenate([x, test[0]]) if test else x, resolution)

    fig = Figure(figsize=(2.3 * len(columns) + 1.0, 2.2 * len(snapshots) + 0.4), layout="constrained")
    axes = fig.subplots(len(snapshots), len(columns), squeeze=False, sharex=True, sharey=True)
    for r, (label, row) in enumerate(snapshots.items()):
        for c, epoch in enumerate(columns):
            ax = axes[r][c]
            values, one = tile_values(row[epoch], grid, resolution)
            colours = {"cmap": "RdBu_r", "vmin": 0.0, "vmax": 1.0} if one else {"cmap": "tab10", "vmin": -0.5,
                                                                                "vmax": 9.5}
            ax.imshow(values, origin="lower", extent=extent, aspect="auto", interpolation="nearest", **colours)
            if one and values.min() < 0.5 < values.max():
                gx, gy = grid[:, 0].reshape(values.shape), grid[:, 1].reshape(values.shape)
                ax.contour(gx, gy, values, levels=[0.5], colors="k", linewidths=0.8)
            ax.scatter(x[:, 0], x[:, 1], c=labels, s=8, edgecolors="k", linewidths=0.3, **colours)
            if test is not None:
                ax.scatter(test[0][:, 0], test[0][:, 1], c=test[1], s=18, marker="X", edgecolors="w", linewidths=0.5,
                           **colours)
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
            if r == 0:
                ax.set_title(f"epoch {epoch}", fontsize="small")
            if c == 0:
                ax.set_ylabel(str(label), fontsize="small")
    return fig
