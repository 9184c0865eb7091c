"""The playground's data: the TF Playground's problems, the user's own 2-D table, input features and the grid.

Classification: ``circle``, ``xor``, ``gauss``, ``spiral`` from :mod:`glassnet.datasets` (500 points, labels
0/1) and ``spiral3``, three arms with labels 0/1/2 (softmax). Regression: the Playground's ``reg-plane`` and
``reg-gauss`` (1,200 points, targets in [−1, 1]), ported here from its src/dataset.ts (``regressPlane``,
``regressGaussian``) with NumPy's generator instead of seedrandom.

Points are shuffled by their generator; the first ``train_ratio`` percent train and the rest test, as on the
Playground. The network sees input features computed from the raw coordinates (no standardization, as there):
x1, x2, x1², x2², x1·x2, sin x1, sin x2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import datasets
from .settings import CLASSIFICATION, USER, Settings

N_CLASSIFY, N_REGRESS = 500, 1200
#: The Playground's view: both coordinates in [−6, 6].
EXTENT = (-6.0, 6.0, -6.0, 6.0)
GRID, THUMBNAIL = 64, 16  # cells per side of the decision heatmap and of each neuron's thumbnail
MAX_CLASSES = 8
#: Each feature as the expression the exported code writes (float32 in, float32 out, same operations).
FEATURE_CODE = {"x1": "p[:, 0]", "x2": "p[:, 1]", "x1sq": "p[:, 0] * p[:, 0]", "x2sq": "p[:, 1] * p[:, 1]",
                "x1x2": "p[:, 0] * p[:, 1]", "sinx1": "np.sin(p[:, 0])", "sinx2": "np.sin(p[:, 1])"}
FEATURE_LABELS = {"x1": "X₁", "x2": "X₂", "x1sq": "X₁²", "x2sq": "X₂²", "x1x2": "X₁X₂", "sinx1": "sin(X₁)",
                  "sinx2": "sin(X₂)"}


def features(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The columns ``names`` (see :data:`FEATURE_CODE`) of 2-D ``points`` (n, 2) as a float32 (n, k) array."""
    p = np.asarray(points, dtype=np.float32)
    columns = {"x1": lambda: p[:, 0], "x2": lambda: p[:, 1], "x1sq": lambda: p[:, 0] * p[:, 0],
               "x2sq": lambda: p[:, 1] * p[:, 1], "x1x2": lambda: p[:, 0] * p[:, 1],
               "sinx1": lambda: np.sin(p[:, 0]), "sinx2": lambda: np.sin(p[:, 1])}
    return np.column_stack([columns[name]() for name in names]).astype(np.float32)


def spiral3(n_samples: int = N_CLASSIFY, noise: float = 0.0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms, labels 0, 1, 2: the Playground's spiral with arms turned by 0, 2π/3, 4π/3.

    Arm k has ``n_samples // 3`` points (the first arms one more when n is not divisible by 3); point i of m has
    r = 5·i/m and t = 1.75·2π·i/m + 2πk/3, and lies at (r·sin t, r·cos t) + ε with ε ~ U(−1, 1)²·noise.
    """
    rng = np.random.default_rng(seed)
    sizes = [n_samples // 3 + (k < n_samples % 3) for k in range(3)]
    arms, labels = [], []
    for k, m in enumerate(sizes):
        fraction = np.arange(m) / max(m, 1)
        r, t = 5.0 * fraction, 1.75 * 2.0 * np.pi * fraction + 2.0 * np.pi * k / 3.0
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(m, k))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n_samples, 2)) * noise
    order = rng.permutation(n_samples)
    return points[order].astype(np.float32), np.concatenate(labels)[order].astype(np.float32)


def _regression_points(n_samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The Playground's regression sampling: points ~ U(−6, 6)², labels read at the point + U(−6, 6)²·noise."""
    radius = 6.0
    points = rng.uniform(-radius, radius, (n_samples, 2))
    return points, points + rng.uniform(-radius, radius, (n_samples, 2)) * noise


def reg_plane(n_samples: int = N_REGRESS, noise: float = 0.0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The Playground's "Plane": target (x + y)/10 (its d3 scale from [−10, 10] to [−1, 1]), read with noise."""
    points, read = _regression_points(n_samples, noise, np.random.default_rng(seed))
    return points.astype(np.float32), ((read[:, 0] + read[:, 1]) / 10.0).astype(np.float32)


def reg_gauss(n_samples: int = N_REGRESS, noise: float = 0.0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The Playground's "Multi Gaussian": six bumps of sign ±1 at (±4 or 0, ±2.5); the target is the bump of
    largest |value|, each sign·max(0, 1 − d/2) with d the distance to its centre (its clamped d3 scale)."""
    points, read = _regression_points(n_samples, noise, np.random.default_rng(seed))
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    distance = np.hypot(read[:, None, 0] - centres[:, 0], read[:, None, 1] - centres[:, 1])
    values = signs * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    # NOTE: the Playground keeps the first bump whose |value| is strictly larger, starting from 0: argmax picks
    # the first of equal maxima the same way, and an all-zero row stays 0.
    pick = np.argmax(np.abs(values), axis=1)
    return points.astype(np.float32), values[np.arange(len(values)), pick].astype(np.float32)


GENERATORS = {"circle": datasets.circle, "xor": datasets.xor, "gauss": datasets.gauss, "spiral": datasets.spiral,
              "spiral3": spiral3, "reg-plane": reg_plane, "reg-gauss": reg_gauss}


@dataclass(frozen=True)
class Table:
    """Labelled 2-D points: ``points`` float32 (n, 2) and ``y`` float32 (n,); ``n_classes`` 0 for regression."""

    points: np.ndarray
    y: np.ndarray
    n_classes: int
    name: str = ""
    extent: tuple[float, float, float, float] = EXTENT


def user_table(points: object, y: object, name: str, max_rows: int) -> Table:
    """Check the user's data: 2 coordinate columns, finite, 2 to ``max_rows`` rows. Targets that are exactly the
    integers 0..K−1 (2 ≤ K ≤ 8, each present) are classes; any other target is a regression target. The view
    spans the points plus 5 % on each side."""
    points = np.asarray(points, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError("The playground's data must have exactly 2 feature columns (x1, x2) besides the target. "
                         f"Received: x with shape {points.shape}")
    if y.ndim != 1 or len(y) != len(points):
        raise ValueError(f"The playground's target must be one column with a value per row. Received: y with "
                         f"shape {y.shape} for {len(points)} rows")
    if not 2 <= len(points) <= max_rows:
        raise ValueError(f"The playground's data must have 2 to {max_rows} rows. Received: {len(points)} rows")
    if not (np.isfinite(points).all() and np.isfinite(y).all()):
        raise ValueError("The playground's data must contain only finite numbers. Received: NaN or inf")
    classes = np.unique(y)
    labels = 2 <= len(classes) <= MAX_CLASSES and np.array_equal(classes, np.arange(len(classes)))
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * 0.05, 1e-3)
    extent = (float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1]))
    return Table(points, y, len(classes) if labels else 0, name, extent)


def table_for(settings: Settings, user: Table | None) -> Table:
    """The data set ``settings`` name: a generated one (seeded by ``data_seed``) or the user's."""
    if settings.dataset == USER:
        if user is None:
            raise ValueError("This URL uses your own data set, which this server does not have: start it with "
                             "`glassnet playground --data FILE --target COL` or upload a CSV. Received: dataset='data'")
        return user
    regression = settings.dataset not in CLASSIFICATION
    size = N_REGRESS if regression else N_CLASSIFY
    points, y = GENERATORS[settings.dataset](size, settings.noise / 100, seed=settings.data_seed)
    return Table(points, y, 0 if regression else 3 if settings.dataset == "spiral3" else 2, settings.dataset)


def shuffled_user_rows(table: Table, data_seed: int) -> Table:
    """The user's rows in a seeded random order (generated sets come shuffled), so any split is a fair sample."""
    order = np.random.default_rng(data_seed).permutation(len(table.points))
    return Table(table.points[order], table.y[order], table.n_classes, table.name, table.extent)


def split_at(n_rows: int, train_ratio: int) -> int:
    """Rows that train: ⌊n·ratio/100⌋ (at least 1, at most n − 1), the first ones, as the Playground does."""
    return min(max(n_rows * train_ratio // 100, 1), n_rows - 1)


def grid_points(extent: tuple[float, float, float, float], cells: int) -> np.ndarray:
    """Cell centres of a ``cells`` × ``cells`` grid over ``extent``, row by row from the top (y high) down."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(cells) + 0.5) * (x1 - x0) / cells
    ys = y1 - (np.arange(cells) + 0.5) * (y1 - y0) / cells
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
