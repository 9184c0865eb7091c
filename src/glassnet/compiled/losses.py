"""The cross-entropies of ``glassnet.losses``: per-sample losses ℓᵢ and their gradients, step for step.

For a batch of B rows and K outputs (see glassnet.losses for the formulas; ε = 1e-7 in the model's dtype,
p clipped to [ε, 1 − ε] where the loss clips):

- binary, from logits z: ℓᵢ = mean_k [logaddexp(0, z) − z·y]; ∂ℓ/∂z = (σ(z) − y)/K (no division when K = 1);
- binary, from probabilities p: ℓᵢ = −mean_k [y·log p + (1 − y)·log(1 − p)];
  ∂ℓ/∂p = [ε < p < 1 − ε]·(p − y)/(p·(1 − p))/K;
- categorical, from logits: ℓᵢ = logsumexp(z)·Σy − Σ y·z; ∂ℓ/∂z = softmax(z)·Σy − y;
- categorical, from probabilities: q = p/Σp clipped; ℓᵢ = −Σ y·log q; ∂ℓ/∂p = −(r − Σ r·q)/Σp with
  r = [ε < q < 1 − ε]·y/q;
- sparse categorical (labels c), from logits: ℓᵢ = logsumexp(z) − z_c; ∂ℓ/∂z = softmax(z) − onehot(c);
- sparse categorical, from probabilities: ℓᵢ = log Σp − log p_c; ∂ℓ/∂p = [ε < p < 1 − ε]·(1/Σp − onehot(c)/p_c).

"From logits" is used when the model fuses the output activation into the loss (sigmoid/softmax meeting its
cross-entropy: ``p`` is then σ(z)/softmax(z) from the forward pass and reused) or when the loss was made with
``from_logits=True`` (``p`` is then the raw output and σ/softmax is computed here, as glassnet does).

:func:`data_loss` then gives L = (Σᵢ sᵢ·ℓᵢ)/B in float64 as ``float(sample.sum()) / B``, and
:func:`scale_gradient` the data gradient ∂ℓᵢ·sᵢ/B as glassnet's backward multiplies it.
"""

from __future__ import annotations

import math

from . import reductions, ufuncs
from .calls import flat, jit, like
from .dense import sigmoid, softmax
from .regression import DELTA, HALF_DELTA_SQUARED, HUBER, LOSS_CONSTANTS, MAE, MSE

BINARY, CATEGORICAL, SPARSE = 0, 1, 2
#: glassnet loss names the engine computes, and their codes (the regression losses: :mod:`.regression`).
LOSSES = {"binary_crossentropy": BINARY, "categorical_crossentropy": CATEGORICAL,
          "sparse_categorical_crossentropy": SPARSE, "mean_squared_error": MSE, "mean_absolute_error": MAE,
          "huber": HUBER}
__all__ = ["BINARY", "CATEGORICAL", "DELTA", "HALF_DELTA_SQUARED", "HUBER", "LOSSES", "LOSS_CONSTANTS", "MAE",
           "MSE", "SPARSE", "data_loss", "sample_gradients", "sample_losses", "scale_gradient"]
EPSILON = 1e-7  # glassnet.backend.EPSILON


@jit
def _clip(v, low, high):
    """np.clip(v, low, high) for one item: NaN stays NaN."""
    if math.isnan(v):
        return v
    v = max(low, v)
    return min(high, v)


@jit
def _logsumexp(native, z, rows, t1, t2, r1, r2):
    """rows[i] = logsumexp(z[i]) as glassnet's ``_logsumexp``: top + log(Σ exp(z − top))."""
    b, k = z.shape
    for i in range(b):
        top = reductions.row_max(z, i)
        r1[i] = top
        for j in range(k):
            t1[i * k + j] = z[i, j] - top
    ufuncs.exp(native, t1, t2, b * k)
    for i in range(b):
        r2[i] = like(z, 0) + reductions.pairwise(t2, i * k, k)
    ufuncs.log(native, r2, rows, b)
    for i in range(b):
        rows[i] = r1[i] + rows[i]


@jit
def sample_losses(native, kind, logits, p, y, labels, sample, t1, t2, t3, t4, r1, r2, r3, r4, zero):
    """ℓᵢ into ``sample`` (B,). ``logits`` says whether ``p`` holds logits. y: (B, K) targets (unused for
    SPARSE), labels: (B,) class labels (SPARSE only). t1…t4: scratch ≥ B·K items, r1…r4: ≥ B items,
    zero: a 1-item array holding 0."""
    b, k = p.shape
    n = b * k
    pf = flat(p)
    one = like(p, 1)
    low, high = like(p, EPSILON), like(p, 1 - EPSILON)
    if kind == BINARY:
        if logits:
            ufuncs.logaddexp_zero(native, zero, pf, t1, n)
            for i in range(b):
                for j in range(k):
                    t2[i * k + j] = t1[i * k + j] - p[i, j] * y[i, j]
            for i in range(b):
                sample[i] = (like(p, 0) + reductions.pairwise(t2, i * k, k)) / like(p, k)
        else:
            for i in range(n):
                t1[i] = _clip(pf[i], low, high)
                t3[i] = one - t1[i]
            ufuncs.log(native, t1, t2, n)
            ufuncs.log(native, t3, t4, n)
            for i in range(b):
                for j in range(k):
                    t3[i * k + j] = y[i, j] * t2[i * k + j] + (one - y[i, j]) * t4[i * k + j]
            for i in range(b):
                sample[i] = -((like(p, 0) + reductions.pairwise(t3, i * k, k)) / like(p, k))
    elif kind == CATEGORICAL:
        if logits:
            _logsumexp(native, p, r3, t1, t2, r1, r2)
            for i in range(b):
                for j in range(k):
                    t1[i * k + j] = y[i, j] * p[i, j]
            yf = flat(y)
            for i in range(b):
                total_y = like(p, 0) + reductions.pairwise(yf, i * k, k)
                sample[i] = r3[i] * total_y - (like(p, 0) + reductions.pairwise(t1, i * k, k))
        else:
            reductions.row_sums(p, r1)
            for i in range(b):
                for j in range(k):
                    t1[i * k + j] = _clip(p[i, j] / r1[i], low, high)
            ufuncs.log(native, t1, t2, n)
            for i in range(b):
                for j in range(k):
                    t3[i * k + j] = y[i, j] * t2[i * k + j]
            for i in range(b):
                sample[i] = -(like(p, 0) + reductions.pairwise(t3, i * k, k))
    else:
        if logits:
            _logsumexp(native, p, r3, t1, t2, r1, r2)
            for i in range(b):
                sample[i] = r3[i] - p[i, labels[i]]
        else:
            for i in range(n):
                t1[i] = _clip(pf[i], low, high)
            for i in range(b):
                r1[i] = like(p, 0) + reductions.pairwise(t1, i * k, k)
                r3[i] = t1[i * k + labels[i]]
            ufuncs.log(native, r1, r2, b)
            ufuncs.log(native, r3, r4, b)
            for i in range(b):
                sample[i] = r2[i] - r4[i]


@jit
def sample_gradients(native, kind, fused, logits, p, y, labels, grad, t1, t2, r1):
    """∂ℓᵢ/∂(logits or p) into ``grad`` (B, K), before the sᵢ/B scaling. With ``fused`` p is already
    σ(z)/softmax(z) of the logits; with ``logits`` alone p holds logits and σ/softmax is computed first."""
    b, k = p.shape
    n = b * k
    one = like(p, 1)
    low, high = like(p, EPSILON), like(p, 1 - EPSILON)
    if logits and not fused:  # glassnet computes σ(z) / softmax(z) of the raw output here
        if kind == BINARY:
            sigmoid(native, p, grad, t1, t2)
        else:
            softmax(native, p, grad, t1, r1)
        q = grad
    else:
        q = p
    if kind == BINARY:
        if logits:
            for i in range(b):
                for j in range(k):
                    d = q[i, j] - y[i, j]
                    grad[i, j] = d if k == 1 else d / like(p, k)
        else:
            for i in range(b):
                for j in range(k):
                    v = p[i, j]
                    c = _clip(v, low, high)
                    inside = v > low and v < high
                    grad[i, j] = ((c - y[i, j]) / (c * (one - c)) if inside else like(p, 0)) / like(p, k)
    elif kind == CATEGORICAL:
        yf = flat(y)
        if logits:
            for i in range(b):
                total_y = like(p, 0) + reductions.pairwise(yf, i * k, k)
                for j in range(k):
                    grad[i, j] = q[i, j] * total_y - y[i, j]
        else:
            reductions.row_sums(p, r1)
            for i in range(b):
                for j in range(k):
                    v = p[i, j] / r1[i]
                    inside = v > low and v < high
                    r = y[i, j] / _clip(v, low, high) if inside else like(p, 0)
                    t1[i * k + j] = r
                    t2[i * k + j] = r * v
            for i in range(b):
                s = like(p, 0) + reductions.pairwise(t2, i * k, k)
                for j in range(k):
                    grad[i, j] = -(t1[i * k + j] - s) / r1[i]
    else:
        if logits:
            for i in range(b):
                for j in range(k):
                    grad[i, j] = q[i, j]
                grad[i, labels[i]] -= one
        else:
            pf = flat(p)
            for i in range(n):
                t1[i] = _clip(pf[i], low, high)
            for i in range(b):
                inverse = one / (like(p, 0) + reductions.pairwise(t1, i * k, k))
                for j in range(k):
                    grad[i, j] = inverse
                c = labels[i]
                grad[i, c] -= one / t1[i * k + c]
                for j in range(k):
                    v = p[i, j]
                    if not (v > low and v < high):
                        grad[i, j] = like(p, 0)


@jit
def data_loss(sample, weights, use_weights, b):
    """L = float(Σᵢ sᵢ·ℓᵢ) / B in float64, ℓ summed as ``np.sum`` sums (``sample`` is changed to sᵢ·ℓᵢ)."""
    if use_weights:
        for i in range(b):
            sample[i] = sample[i] * weights[i]
    return float(reductions.total(sample[:b])) / b


@jit
def scale_gradient(grad, weights, use_weights):
    """grad · sᵢ/B as glassnet's backward: ``grad * dtype(1/B)``, or ``grad * (s / B)[:, None]``."""
    b, k = grad.shape
    if use_weights:
        for i in range(b):
            s = weights[i] / like(grad, b)
            for j in range(k):
                grad[i, j] = grad[i, j] * s
    else:
        scale = like(grad, 1.0 / b)
        for i in range(b):
            for j in range(k):
                grad[i, j] = grad[i, j] * scale
