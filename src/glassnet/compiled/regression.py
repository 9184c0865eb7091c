"""The regression losses of ``glassnet.losses`` — mean squared error, mean absolute error, Huber — per sample and
their gradients, operation for operation as NumPy evaluates glassnet's expressions.

For B rows and K outputs, d = p − y in the dtype and a row mean m(t)ᵢ = (0 + Σₖ tᵢₖ)/K (NumPy's pairwise sum of
the row; ``np.mean`` divides by an int64 count in float64, which rounds to the dtype exactly as a division in
the dtype does):

- MSE: ℓᵢ = m(d·d); ∂ℓ/∂p = dtype(2/K)·d (``(2 / K) * (p − y)``: the Python float 2/K cast, then one product);
- MAE: ℓᵢ = m(|d|); ∂ℓ/∂p = sign(d)/K (NumPy's sign: ±1, +0 for ±0, NaN for NaN);
- Huber with δ: e = |d|; ℓᵢ = m(e ≤ δ ? (0.5·e)·e : δ·e − ½δ²); ∂ℓ/∂p = clip(d, −δ, δ)/K. δ and ½δ² arrive cast
  to the dtype (NumPy casts the Python floats of ``e <= d``, ``d * e`` and ``− 0.5 * d * d`` so).
"""

from __future__ import annotations

import math

from . import reductions
from .calls import jit, like

MSE, MAE, HUBER = 3, 4, 5
#: The loss constants array (in the dtype): Huber's δ and ½δ².
DELTA, HALF_DELTA_SQUARED = 0, 1
LOSS_CONSTANTS = 2


@jit
def _sign(v):
    """np.sign of one float: 1, −1, +0 for ±0, NaN for NaN."""
    if v > 0:
        return like(v, 1)
    if v < 0:
        return like(v, -1)
    return v if math.isnan(v) else like(v, 0)


@jit
def sample_losses(kind, p, y, constants, sample, t1):
    """ℓᵢ into ``sample`` (B,) for outputs p and targets y (B, K); t1: scratch of ≥ B·K items."""
    b, k = p.shape
    half = like(p, 0.5)
    delta, half_delta_squared = constants[DELTA], constants[HALF_DELTA_SQUARED]
    for i in range(b):
        for j in range(k):
            d = p[i, j] - y[i, j]
            if kind == MSE:
                t1[i * k + j] = d * d
            elif kind == MAE:
                t1[i * k + j] = abs(d)
            else:
                e = abs(d)
                t1[i * k + j] = (half * e) * e if e <= delta else delta * e - half_delta_squared
    for i in range(b):
        sample[i] = (like(p, 0) + reductions.pairwise(t1, i * k, k)) / like(p, k)


@jit
def sample_gradients(kind, p, y, constants, grad):
    """∂ℓᵢ/∂p into ``grad`` (B, K), before the sᵢ/B scaling."""
    b, k = p.shape
    two_over_k = like(p, 2.0 / k)
    delta = constants[DELTA]
    for i in range(b):
        for j in range(k):
            d = p[i, j] - y[i, j]
            if kind == MSE:
                grad[i, j] = two_over_k * d
            elif kind == MAE:
                grad[i, j] = _sign(d) / like(p, k)
            else:
                if not math.isnan(d):  # np.clip: NaN stays NaN
                    d = min(delta, max(-delta, d))
                grad[i, j] = d / like(p, k)
