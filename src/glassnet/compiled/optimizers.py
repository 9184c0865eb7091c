"""One optimizer step on the flat θ, as ``Optimizer.apply`` does it with the model's flat parameters.

In order (glassnet.optimizers.base): clip the total gradient g in place → decoupled decay w ← w − (w·wd)·lr on
the weights it applies to → Δ = the algorithm's step (slots updated in place) → θ ← θ + Δ → step count + 1 → every
16 steps, float32 θ and slots below 1.2e-38 (subnormal) set to 0.

Clipping (lr, c and the scale cast to the dtype where glassnet casts them):
- ``clipnorm`` c, per weight: ‖g‖ = √(float(Σg²)) in float64; g ← g·c; g ← g / dtype(max(‖g‖, c));
- ``global_clipnorm`` c: ‖g‖ = √(Σ_weights float(Σg²)); g ← g·dtype(c·min(1/‖g‖ (∞ if 0), 1/c));
- ``clipvalue`` c: g ← clip(g, −c, c).

Steps (t counts from 1; all in the dtype; 1 − β formed in float64, then cast, as glassnet does):
- SGD: Δ = −g·lr; momentum μ: m ← m·μ; m ← m − g·lr; Δ = m (Nesterov: Δ = m·μ − g·lr);
- Adam/AdamW: m ← m + (g − m)(1 − β₁); v ← v + (g² − v)(1 − β₂) (amsgrad: v̂ ← max(v̂, v), used for v);
  α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) with β^t from C's pow (as NumPy's scalar ``**``); Δ = −(m·α)/(√v + ε);
- RMSprop: v ← ρ·v + (1 − ρ)·g²; d = v + ε (centered: a ← ρ·a + (1 − ρ)·g, d = (v − a²) + ε);
  s = (lr·g)/√d; Δ = −s (momentum μ: m ← μ·m + s, Δ = −m);
- Adagrad: s ← s + g²; Δ = −(lr·g)/√(s + ε).

Slots are the rows of the optimizer's one (k, P) block (``optimizer.state_arrays()``); ``index`` gives the row of
each slot the algorithm reads (:data:`SLOT_ROWS`; −1 for a slot it does not have).
"""

from __future__ import annotations

import math

import numpy as np

from . import reductions
from .calls import call_pow, jit, like
from .library import POW

SGD, ADAM, RMSPROP, ADAGRAD = 0, 1, 2, 3
#: Rows of the slot block, by algorithm: the names of glassnet's ``optimizer.slots`` entries.
SLOT_ROWS = {SGD: ("momentum",), ADAM: ("m", "v", "v_hat"), RMSPROP: ("velocity", "momentum", "average_gradient"),
             ADAGRAD: ("accumulator",)}
NO_CLIP, CLIPNORM, GLOBAL_CLIPNORM, CLIPVALUE = 0, 1, 2, 3
FLUSH_EVERY = 16  # glassnet.optimizers.base.FLUSH_EVERY
_TINY32 = float(np.finfo(np.float32).tiny)

# Integer settings (an int64 array) and constants in the dtype (an array of the model's dtype).
KIND, AMSGRAD, MOMENTUM, NESTEROV, CENTERED, CLIP, FLUSH, DECAY = range(8)
BETA_1, BETA_2, ONE_MINUS_BETA_1, ONE_MINUS_BETA_2, EPS, MU, RHO, ONE_MINUS_RHO, WEIGHT_DECAY = range(9)
CONSTANTS = 9


@jit
def _squares_sum(g, start, n, scratch):
    """float(np.sum(np.square(g[start:start + n]))) in float64."""
    for i in range(n):
        scratch[i] = g[start + i] * g[start + i]
    return float(like(g, 0) + reductions.pairwise(scratch, 0, n))


@jit
def clip(kind, c, total, offsets, sizes, scratch):
    """Clip the flat total gradient in place (``Optimizer._clip_in_place``); c is the float64 setting."""
    if kind == CLIPNORM:
        for w in range(offsets.shape[0]):
            start, n = offsets[w], sizes[w]
            norm = math.sqrt(_squares_sum(total, start, n, scratch))
            factor, divisor = like(total, c), like(total, max(norm, c))  # Python's max(norm, c)
            for i in range(start, start + n):
                total[i] = total[i] * factor
            for i in range(start, start + n):
                total[i] = total[i] / divisor
    elif kind == GLOBAL_CLIPNORM:
        squares = 0.0
        for w in range(offsets.shape[0]):
            squares += _squares_sum(total, offsets[w], sizes[w], scratch)
        norm = math.sqrt(squares)
        inverse = 1.0 / norm if norm else math.inf
        smaller = min(inverse, 1.0 / c)  # Python's min(inverse, 1/c)
        scale = like(total, c * smaller)
        for i in range(total.shape[0]):
            total[i] = total[i] * scale
    elif kind == CLIPVALUE:
        low, high = like(total, -c), like(total, c)
        for i in range(total.shape[0]):
            v = total[i]
            if not math.isnan(v):
                v = max(low, v)
                v = min(high, v)
            total[i] = v


@jit
def decay(theta, offsets, sizes, decays, weight_decay, lr):
    """w ← w − (w·wd)·lr for each weight whose ``decays`` flag is set (wd and lr in the dtype)."""
    for w in range(offsets.shape[0]):
        if decays[w]:
            for i in range(offsets[w], offsets[w] + sizes[w]):
                theta[i] -= (theta[i] * weight_decay) * lr


@jit
def update(native, settings, constants, g, theta, slots, index, lr, step):
    """Δ of the algorithm in ``settings[KIND]`` applied: θ ← θ + Δ (slots updated); lr in the dtype, step ≥ 1.
    ``slots[index[r]]`` is the slot named ``SLOT_ROWS[kind][r]`` (read only where the algorithm has it)."""
    kind = settings[KIND]
    n = theta.shape[0]
    if kind == ADAM:
        one = like(theta, 1)
        t = like(theta, step)
        b1, b2 = constants[BETA_1], constants[BETA_2]
        alpha = lr * np.sqrt(one - call_pow(native[POW], b2, t)) / (one - call_pow(native[POW], b1, t))
        c1, c2, eps = constants[ONE_MINUS_BETA_1], constants[ONE_MINUS_BETA_2], constants[EPS]
        m, v = slots[index[0]], slots[index[1]]
        if not settings[AMSGRAD]:
            # A loop of its own: below, v_hat would be m itself, and the overlap keeps the loop scalar (~4× slower:
            # the vectorizer's run-time check finds the two rows the same).
            for i in range(n):
                gi = g[i]
                m[i] += (gi - m[i]) * c1
                v[i] += (gi * gi - v[i]) * c2
                theta[i] += -((m[i] * alpha) / (np.sqrt(v[i]) + eps))
            return
        v_hat = slots[index[2]]
        for i in range(n):
            gi = g[i]
            m[i] += (gi - m[i]) * c1
            v[i] += (gi * gi - v[i]) * c2
            h, vi = v_hat[i], v[i]
            vi = h if (math.isnan(h) or (not math.isnan(vi) and h >= vi)) else vi  # np.maximum: NaN wins
            v_hat[i] = vi
            theta[i] += -((m[i] * alpha) / (np.sqrt(vi) + eps))
    elif kind == SGD:
        if not settings[MOMENTUM]:
            for i in range(n):
                theta[i] += -(g[i] * lr)
        else:
            mu = constants[MU]
            m = slots[index[0]]
            nesterov = settings[NESTEROV]
            for i in range(n):
                lr_g = g[i] * lr
                m[i] *= mu
                m[i] -= lr_g
                theta[i] += m[i] * mu - lr_g if nesterov else m[i]
    elif kind == RMSPROP:
        rho, one_minus_rho, eps, mu = constants[RHO], constants[ONE_MINUS_RHO], constants[EPS], constants[MU]
        centered, momentum = settings[CENTERED], settings[MOMENTUM]
        v = slots[index[0]]
        if not centered and not momentum:
            # Keras's default, in a loop of its own: below, m and a would be v itself, and the overlap keeps the
            # loop scalar (~4× slower: the vectorizer's run-time check finds the rows the same).
            for i in range(n):
                gi = g[i]
                v[i] = rho * v[i] + one_minus_rho * (gi * gi)
                theta[i] += -((lr * gi) / np.sqrt(v[i] + eps))
            return
        m = slots[index[1] if momentum else index[0]]
        a = slots[index[2] if centered else index[0]]
        for i in range(n):
            gi = g[i]
            v[i] = rho * v[i] + one_minus_rho * (gi * gi)
            if centered:
                a[i] = rho * a[i] + one_minus_rho * gi
                denominator = v[i] - a[i] * a[i] + eps
            else:
                denominator = v[i] + eps
            increment = (lr * gi) / np.sqrt(denominator)
            if momentum:
                m[i] = mu * m[i] + increment
                theta[i] += -m[i]
            else:
                theta[i] += -increment
    else:
        eps = constants[EPS]
        s = slots[index[0]]
        for i in range(n):
            gi = g[i]
            s[i] += gi * gi
            theta[i] += -((lr * gi) / np.sqrt(s[i] + eps))


@jit
def flush_subnormals(array):
    """Set entries with |x| < 1.2e-38 (float32's smallest normal) to +0 (NaN stays). Every item is stored, chosen
    without a branch, so the loop compiles to vector instructions."""
    tiny, zero = like(array, _TINY32), like(array, 0)
    for i in range(array.shape[0]):
        v = array[i]
        array[i] = zero if abs(v) < tiny else v


@jit
def step(native, settings, constants, clip_setting, theta, total, slots, index, offsets, sizes, decays, lr,
         iterations, scratch):
    """One ``Optimizer.apply`` on the flat arrays; returns the new step count (``iterations`` + 1)."""
    clip(settings[CLIP], clip_setting, total, offsets, sizes, scratch)
    if settings[DECAY]:
        decay(theta, offsets, sizes, decays, constants[WEIGHT_DECAY], lr)
    update(native, settings, constants, total, theta, slots, index, lr, iterations + 1)
    iterations += 1
    if settings[FLUSH] and iterations % FLUSH_EVERY == 0:
        flush_subnormals(theta)
        for row in range(slots.shape[0]):
            flush_subnormals(slots[row])
    return iterations
