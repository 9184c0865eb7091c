"""The TensorFlow Playground's 2-D problems ``circle``, ``xor``, ``gauss``, ``spiral``, plus ``moons``.

Each returns ``(x, y)`` with x float32 ``(n_samples, 2)`` and y float32 ``(n_samples,)`` in {0, 1}.

>>> x, y = circle(n_samples=200, noise=0.1, seed=0)
>>> x.shape, x.dtype, sorted(set(y.tolist()))
((200, 2), dtype('float32'), [0.0, 1.0])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import check_nonnegative_float, check_positive_int
from ._common import XY, _generator

__all__ = ["circle", "xor", "gauss", "spiral", "moons"]


# Source: tensorflow/playground, src/dataset.ts (classifyCircleData, classifyXORData, classifyTwoGaussData,
# classifySpiralData). The formulas, constants and the order of "positives, then negatives, then shuffle" (as
# playground.ts generateData does) are the Playground's. The random numbers are not: the Playground draws from
# seedrandom's Math.random, glassnet from a numpy.random.Generator, so a seed here gives other points than the
# Playground's URL seed. Labels are the Playground's +1 → 1 and −1 → 0.

def _playground_args(n_samples: Any, noise: Any, seed: Any) -> tuple[int, float, np.random.Generator]:
    n = check_positive_int("n_samples", n_samples)
    level = check_nonnegative_float("noise", noise)
    if level > 0.5:
        raise ValueError("Argument `noise` must be in [0, 0.5] (the Playground's 0–50 % slider divided by "
                         f"100). Received: noise={noise!r}")
    return n, level, _generator(seed)


def _shuffled(points: np.ndarray, positive: np.ndarray, rng: np.random.Generator) -> XY:
    # The Playground shuffles right after generating, so any slice (validation_split) is a fair sample.
    order = rng.permutation(len(points))
    return points[order].astype(np.float32), positive[order].astype(np.float32)


def circle(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Circle": a disc of positives inside a ring of negatives.

    With R = 5: ``n_samples − n_samples // 2`` points at radius r ~ U(0, 0.5·R) (positives) and
    ``n_samples // 2`` at r ~ U(0.7·R, R) (negatives), angle θ ~ U(0, 2π), point (r·sin θ, r·cos θ). Noise
    never moves a point; it moves the point at which the label is read: label = 1 if ‖p + ε‖ < 0.5·R else 0,
    with ε ~ U(−R, R)²·noise.
    So for one seed the points are the same at every noise level and only labels near the r = 2.5 edge flip.

    Parameters
    ----------
    n_samples : int ≥ 1
    noise : float in [0, 0.5]
        The Playground's noise slider (0–50 %) divided by 100.
    seed : None, int ≥ 0 or numpy.random.Generator
        The random stream differs from the Playground's (NumPy instead of seedrandom); the geometry matches.

    Returns
    -------
    x : float32 array, shape (n_samples, 2)
    y : float32 array, shape (n_samples,), values in {0, 1}
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    radius, n_negative = 5.0, n // 2
    r = np.concatenate([rng.uniform(0.0, 0.5 * radius, n - n_negative),
                        rng.uniform(0.7 * radius, radius, n_negative)])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shift = rng.uniform(-radius, radius, (n, 2)) * noise   # drawn at noise 0 too: same points for every noise
    positive = np.hypot(*(points + shift).T) < 0.5 * radius
    return _shuffled(points, positive, rng)


def xor(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Exclusive or": positives in the 1st and 3rd quadrants.

    Each coordinate is u ~ U(−5, 5) pushed away from the axes by a padding of 0.3 (u + 0.3 if u > 0 else
    u − 0.3), so points lie in [−5.3, −0.3] ∪ (0.3, 5.3]. label = 1 if (x + εx)·(y + εy) ≥ 0 else 0 with
    ε ~ U(−5, 5)²·noise; as in :func:`circle`, noise flips labels and never moves points. Parameters and
    returns as in :func:`circle` (random stream differs from the Playground's; the geometry matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    padding = 0.3
    points = rng.uniform(-5.0, 5.0, (n, 2))
    points += np.where(points > 0, padding, -padding)
    shifted = points + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    return _shuffled(points, shifted[:, 0] * shifted[:, 1] >= 0, rng)


def gauss(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Gaussian": two round clouds, positives around (2, 2), negatives around (−2, −2).

    Both coordinates ~ N(centre, variance) with variance = 0.5 + (4 − 0.5)·noise / 0.5 (the Playground's
    d3 scale from noise [0, 0.5] to variance [0.5, 4]); ``n_samples − n_samples // 2`` positives and
    ``n_samples // 2`` negatives. Parameters and returns as in :func:`circle` (random stream differs from the
    Playground's; the geometry matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    n_negative = n // 2
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n - n_negative, n_negative], axis=0)
    points = rng.normal(centres, math.sqrt(variance))
    return _shuffled(points, np.arange(n) < n - n_negative, rng)


def spiral(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Spiral": two interleaved arms, the second the first turned by π.

    Each arm has m points (``n_samples − n_samples // 2`` positives with Δt = 0, ``n_samples // 2`` negatives
    with Δt = π); point i = 0..m−1 has r = 5·i/m and t = 1.75·2π·i/m + Δt, so r grows with t over 1.75 turns:
    (r·sin t + εx, r·cos t + εy) with ε ~ U(−1, 1)²·noise. Noise moves the points here; labels stay.
    Parameters and returns as in :func:`circle` (random stream differs from the Playground's; the geometry
    matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    arms = []
    for m, delta_t in ((n - n // 2, 0.0), (n // 2, np.pi)):
        fraction = np.arange(m) / max(m, 1)
        r, t = 5.0 * fraction, 1.75 * 2.0 * np.pi * fraction + delta_t
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n, 2)) * noise
    return _shuffled(points, np.arange(n) < n - n // 2, rng)


def moons(n_samples: int = 500, noise: float = 0.1, seed: Any = None) -> XY:
    """Two interleaving half circles, the geometry of scikit-learn's ``make_moons`` (NumPy only).

    ``n_samples // 2`` points with label 0 on the upper arc (cos s, sin s) and the rest with label 1 on the
    lower arc (1 − cos s, 0.5 − sin s), s evenly spaced over [0, π]; then N(0, noise²) is added to every
    coordinate and the rows are shuffled. Here ``noise`` is that standard deviation (any value ≥ 0), not the
    Playground's slider. Same points as ``make_moons`` without noise; other random numbers.

    Returns
    -------
    x : float32 array, shape (n_samples, 2)
    y : float32 array, shape (n_samples,), values in {0, 1}
    """
    n = check_positive_int("n_samples", n_samples)
    std = check_nonnegative_float("noise", noise)
    rng = _generator(seed)
    n_upper = n // 2
    s_upper, s_lower = np.linspace(0.0, np.pi, n_upper), np.linspace(0.0, np.pi, n - n_upper)
    points = np.concatenate([np.column_stack([np.cos(s_upper), np.sin(s_upper)]),
                             np.column_stack([1.0 - np.cos(s_lower), 0.5 - np.sin(s_lower)])])
    points += rng.normal(0.0, std, points.shape)
    return _shuffled(points, np.arange(n) >= n_upper, rng)
