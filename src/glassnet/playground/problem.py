"""A playground problem ready to train: the data split, its input features and targets, the output layer, the
grids the pictures are drawn on — everything a network of the page needs besides its settings' penalties."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import data
from .data import Table
from .network import Output, output_for, targets
from .settings import USER, Settings
from .snapshot import Grids, signed


@dataclass(frozen=True)
class Problem:
    """``x_*`` are the input features (rows, k) and ``y_*`` the targets the network trains on, float32; ``points``
    and ``labels`` are the raw coordinates and labels/values the page draws. ``scale`` is the largest |target| of
    a regression (1 otherwise), by which the heatmap's colours are divided."""

    table: Table
    output: Output
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    grids: Grids
    scale: float

    @property
    def n_train(self) -> int:
        return len(self.x_train)


@dataclass(frozen=True)
class Preset:
    """A starting point given by ``show(model, x, y)``: settings, the user's data, the model's initial weights."""

    settings: Settings
    table: Table | None = None
    weights: list[np.ndarray] | None = None


def prepare(settings: Settings, user: Table | None) -> Problem:
    """Generate (or take the user's) data, split it, compute features and targets; ValueError if they do not fit
    the settings (e.g. squared error with 3 classes)."""
    table = data.table_for(settings, user)
    if settings.dataset == USER:
        table = data.shuffled_user_rows(table, settings.data_seed)
    output = output_for(settings, table)
    cut = data.split_at(len(table.points), settings.train_ratio)
    x = data.features(table.points, settings.features)
    y = targets(table.y, output)
    grids = Grids(data.features(data.grid_points(table.extent, data.GRID), settings.features),
                  data.features(data.grid_points(table.extent, data.THUMBNAIL), settings.features))
    scale = 1.0 if table.n_classes else (float(np.max(np.abs(table.y))) or 1.0)
    return Problem(table, output, x[:cut], y[:cut], x[cut:], y[cut:], grids, scale)


def describe(problem: Problem, settings: Settings) -> dict[str, Any]:
    """The page's copy of the data: points and labels (rounded: they are only drawn), the split, the extent, the
    thumbnails of the input features, and what the output means."""
    table, cut = problem.table, problem.n_train
    inputs = data.features(data.grid_points(table.extent, data.THUMBNAIL), settings.features)
    inputs = inputs / np.maximum(np.max(np.abs(inputs), axis=0), 1e-12)  # each feature spans its own colours
    return {"name": table.name or settings.dataset, "extent": list(table.extent), "n_classes": table.n_classes,
            "points": np.round(table.points.astype(np.float64), 3).tolist(),
            "labels": np.round(table.y.astype(np.float64), 3).tolist(), "n_train": cut,
            "output": {"kind": problem.output.kind, "activation": problem.output.activation,
                       "loss": problem.output.loss, "scale": problem.scale},
            "inputs": [{"name": name, "label": data.FEATURE_LABELS[name], "thumbnail": signed(inputs[:, i])}
                       for i, name in enumerate(settings.features)],
            "grid": data.GRID, "thumbnail": data.THUMBNAIL}
