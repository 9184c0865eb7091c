"""The Dense layer and its activations, as ``glassnet.layers.Dense`` and ``glassnet.activations`` compute them.

Shapes: h ``(B, in)``, kernel W ``(in, units)``, bias b ``(units,)``, z and a ``(B, units)``; all C-contiguous.

forward   z = h @ W (:func:`~glassnet.compiled.blas.matmul`); z += b; a = act(z):
          linear a = z · relu a = max(z, 0) (NaN stays NaN, −0 becomes +0) ·
          sigmoid e = exp(−|z|), a = 1/(1 + e) where z ≥ 0 else e/(1 + e) ·
          tanh a = tanh(z) · softmax e = exp(z − max_row z), a = e / Σ_row e
backward  dz = act′ applied to g = ∂L/∂a: relu g·[z > 0] · sigmoid (g·a)·(1 − a) · tanh g·(1 − a·a) ·
          softmax a·(g − Σ_row g·a); ∂L/∂W = hᵀ @ dz, ∂L/∂b = Σ_batch dz, ∂L/∂h = dz @ Wᵀ.

exp and tanh are NumPy's own loops (:mod:`.ufuncs`), called on the whole (B, units) block as NumPy does; the
row sums are NumPy's (:mod:`.reductions`). Every other operation is one IEEE operation per item, in the order
glassnet's NumPy expression applies them.
"""

from __future__ import annotations

import math

from . import reductions, ufuncs
from .blas import matmul
from .calls import flat, jit, like, matrix

LINEAR, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
#: glassnet activation names the engine computes, and their codes.
ACTIVATIONS = {"linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softmax": SOFTMAX}


@jit
def sigmoid(native, z, a, t1, t2):
    """``a = glassnet.activations.sigmoid(z)``; t1, t2: 1-D scratch of ≥ z.size items."""
    n = z.size
    zf, af = flat(z), flat(a)
    for i in range(n):
        t1[i] = -abs(zf[i])
    ufuncs.exp(native, t1, t2, n)
    one = like(z, 1)
    for i in range(n):
        e = t2[i]
        af[i] = one / (one + e) if zf[i] >= 0 else e / (one + e)


@jit
def softmax(native, z, a, t1, rows):
    """``a = glassnet.activations.softmax(z)`` over the last axis; t1 scratch, rows ≥ B items."""
    b, k = z.shape
    n = b * k
    for i in range(b):
        top = reductions.row_max(z, i)
        for j in range(k):
            t1[i * k + j] = z[i, j] - top
    af = flat(a)
    ufuncs.exp(native, t1, af, n)
    reductions.row_sums(a, rows)
    for i in range(b):
        for j in range(k):
            a[i, j] = a[i, j] / rows[i]


@jit
def activate(native, activation, z, a, t1, t2, rows):
    """``a = act(z)`` for an activation code (LINEAR leaves ``a`` alone: the caller uses z itself)."""
    n = z.size
    if activation == RELU:
        zf, af = flat(z), flat(a)
        zero = like(z, 0)
        for i in range(n):
            v = zf[i]
            af[i] = v if v > zero or math.isnan(v) else zero
    elif activation == SIGMOID:
        sigmoid(native, z, a, t1, t2)
    elif activation == TANH:
        ufuncs.tanh(native, flat(z), flat(a), n)
    elif activation == SOFTMAX:
        softmax(native, z, a, t1, rows)


@jit
def activation_backward(activation, z, a, g, dz, t1, rows):
    """``dz = act.backward(z, a, g)`` for an activation code other than LINEAR (where dz is g itself)."""
    b, k = z.shape
    one = like(z, 1)
    if activation == RELU:
        zero = like(z, 0)
        for i in range(b):
            for j in range(k):
                dz[i, j] = g[i, j] * (one if z[i, j] > zero else zero)
    elif activation == SIGMOID:
        for i in range(b):
            for j in range(k):
                dz[i, j] = g[i, j] * a[i, j] * (one - a[i, j])
    elif activation == TANH:
        for i in range(b):
            for j in range(k):
                dz[i, j] = g[i, j] * (one - a[i, j] * a[i, j])
    elif activation == SOFTMAX:
        products = matrix(t1[:b * k], b, k)
        for i in range(b):
            for j in range(k):
                products[i, j] = g[i, j] * a[i, j]
        reductions.row_sums(products, rows)
        for i in range(b):
            for j in range(k):
                dz[i, j] = a[i, j] * (g[i, j] - rows[i])


@jit
def forward(native, h, kernel, bias, use_bias, activation, z, a, t1, t2, rows):
    """One Dense layer: z = h @ W (+ b), a = act(z). For LINEAR the output is z (a is not written)."""
    matmul(native, h, kernel, z)
    if use_bias:
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                z[i, j] += bias[j]
    activate(native, activation, z, a, t1, t2, rows)


@jit
def backward(native, h, kernel, dz, d_kernel, d_bias, use_bias, dh, need_dh):
    """Given dz = ∂L/∂z: ∂L/∂W = hᵀ @ dz into ``d_kernel``, ∂L/∂b = Σ_batch dz into ``d_bias``, and, when
    ``need_dh``, ∂L/∂h = dz @ Wᵀ into ``dh``."""
    matmul(native, h.T, dz, d_kernel)
    if use_bias:
        reductions.column_sums(dz, d_bias)
    if need_dh:
        matmul(native, dz, kernel.T, dh)
