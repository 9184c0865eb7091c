"""Weight penalties and their gradients, as ``glassnet.regularizers`` computes them (constants in the weight's
dtype: l1 = dtype(l1), l2 = dtype(l2), two_l2 = dtype(2·l2)).

=============  =====================================================  =========================================
regularizer    penalty value                                          gradient
=============  =====================================================  =========================================
``L2``         l2 · (w·w), w·w by BLAS ``?dot`` (as ``np.dot``)        two_l2 · w
``L1L2``/L1    0 + l1·Σ|w| (if l1) + l2·Σw² (if l2), Σ pairwise        0 + l1·sign(w) (if l1) + two_l2·w (if l2)
=============  =====================================================  =========================================

(``L1`` is an ``L1L2`` with l2 = 0 and ``L2.from_lecture`` an ``L2``, so they follow their classes' rows.)
"""

from __future__ import annotations

import math

from . import reductions
from .blas import dot
from .calls import jit, like

NONE, L2, L1L2 = -1, 0, 1


@jit
def penalty(native, kind, has_l1, has_l2, l1, l2, w, scratch):
    """The penalty value of the weight ``w`` (1-D contiguous view of θ); ``scratch`` ≥ w.size items."""
    if kind == L2:
        return l2 * dot(native, w, w)
    value = like(w, 0)
    n = w.shape[0]
    if has_l1:
        for i in range(n):
            scratch[i] = abs(w[i])
        value = value + l1 * (like(w, 0) + reductions.pairwise(scratch, 0, n))
    if has_l2:
        for i in range(n):
            scratch[i] = w[i] * w[i]
        value = value + l2 * (like(w, 0) + reductions.pairwise(scratch, 0, n))
    return value


@jit
def gradient(kind, has_l1, has_l2, l1, two_l2, w, out):
    """The penalty gradient of ``w`` into ``out`` (both 1-D contiguous)."""
    n = w.shape[0]
    if kind == L2:
        for i in range(n):
            out[i] = two_l2 * w[i]
        return
    zero, one = like(w, 0), like(w, 1)
    for i in range(n):
        g = zero
        v = w[i]
        if has_l1:
            s = one if v > zero else (-one if v < zero else (v if math.isnan(v) else zero))
            g = g + l1 * s
        if has_l2:
            g = g + two_l2 * v
        out[i] = g
