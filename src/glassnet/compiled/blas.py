"""Matrix products exactly as ``np.matmul`` and ``np.dot`` compute them, from compiled code.

OpenBLAS's small-matrix kernels sum in their own order, so only the same BLAS routine called with the same
arguments gives the same bits. :func:`matmul` therefore repeats the choice that NumPy's float loop makes
(``numpy/_core/src/umath/matmul.c.src``, ``@TYPE@_matmul``) for a product (m, n) @ (n, p) -> (m, p):

- any dimension 1 ("special case"): m = p = 1 → ``?dot``; n = 1 with m = 1 or p = 1 → the plain loop; m = 1 →
  ``?gemv`` on the second operand (vector @ matrix); p = 1 → ``?gemv`` on the first (matrix @ vector); otherwise
  (column @ row) the plain loop;
- else ``?gemm`` in row-major order, each operand ``NoTrans`` when its rows are contiguous (C order) and ``Trans``
  when its columns are (a ``.T`` view), with the leading dimension its longer stride; an output whose
  columns are contiguous is computed as (b.T @ a.T) into out.T.

The plain loop is NumPy's ``matmul_inner_noblas``: out[i, j] = 0, then out[i, j] += a[i, k]·b[k, j] for k in
order (no fused multiply-add). ``np.dot`` of two vectors is ``?dot`` (:func:`dot`), summed into a double 0.0.

NOTE: every operand here is C- or F-contiguous (the engine's buffers and views of θ), which NumPy's BLAS
branches accept as they are; NumPy's copy into a temporary for a non-contiguous operand, and its ``syrk``
for a @ a.T on one buffer, are not repeated because the engine never multiplies such operands.
"""

from __future__ import annotations

import numpy as np

from .calls import COL_MAJOR, NO_TRANS, ROW_MAJOR, TRANS, call_dot, call_gemm, call_gemv, jit, like
from .library import DOT, GEMM, GEMV

#: NumPy's limit for a BLAS dimension in an ILP64 build: NPY_MAX_INT64 − 1.
_BLAS_MAXSIZE = 2**63 - 2


@jit
def _blasable(stride1, stride2, d1, d2, itemsize):
    """NumPy's ``is_blasable2d``: the second axis contiguous, the first stride a whole number of items ≥ d2."""
    if stride2 != itemsize:
        return False
    return stride1 % itemsize == 0 and stride1 // itemsize >= d2 and stride1 // itemsize <= _BLAS_MAXSIZE


@jit
def _blas_stride(stride, itemsize):
    """NumPy's ``blas_stride``: the stride in items if positive and whole, else 0 (no BLAS)."""
    if stride > 0 and stride % itemsize == 0 and stride // itemsize <= 2**31 - 1:
        return stride // itemsize
    return 0


@jit
def _noblas(a, b, out):
    """NumPy's ``matmul_inner_noblas``."""
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = like(out, 0)
            for k in range(a.shape[1]):
                out[i, j] += a[i, k] * b[k, j]


@jit
def _dot_strided(native, n, x, x_stride, y, y_stride, like_array):
    """NumPy's ``@TYPE@_dot`` on n items from the addresses x and y with byte strides (BLAS when it can)."""
    itemsize = like_array.itemsize
    incx, incy = _blas_stride(x_stride, itemsize), _blas_stride(y_stride, itemsize)
    if incx and incy:
        # NOTE: NumPy sums BLAS's result into a double 0.0 and casts back: exact for float32 and float64.
        total = 0.0 + call_dot(native[DOT], n, x, incx, y, incy, like(like_array, 0))
        return like(like_array, total)
    return like(like_array, np.nan)  # unreachable for the engine's operands (checked by its callers)


@jit
def dot(native, x, y):
    """``np.dot(x, y)`` for two 1-D contiguous vectors of one float dtype (NumPy's ``?dot`` path)."""
    return _dot_strided(native, x.shape[0], x.ctypes.data, x.strides[0], y.ctypes.data, y.strides[0], x)


@jit
def _gemv(native, a, is_m, is_n, x, is_x, out, os_out, m, n, itemsize, one):
    """NumPy's ``@name@_gemv``: y (m) = A (m, n) · x (n) with A given by address and byte strides."""
    if _blasable(is_m, is_n, m, n, itemsize):
        order, lda = COL_MAJOR, is_m // itemsize
    else:
        order, lda = ROW_MAJOR, is_n // itemsize
    call_gemv(native[GEMV], order, TRANS, n, m, one, a, lda, x, is_x // itemsize, one - one, out, os_out // itemsize)


@jit
def _gemm(native, a, is1_m, is1_n, b, is2_n, is2_p, out, os_m, m, n, p, itemsize, one):
    """NumPy's ``@name@_matmul_matrixmatrix`` (gemm; operands given by address and byte strides)."""
    if _blasable(is1_m, is1_n, m, n, itemsize):
        trans1, lda = NO_TRANS, is1_m // itemsize
    else:
        trans1, lda = TRANS, is1_n // itemsize
    if _blasable(is2_n, is2_p, n, p, itemsize):
        trans2, ldb = NO_TRANS, is2_n // itemsize
    else:
        trans2, ldb = TRANS, is2_p // itemsize
    call_gemm(native[GEMM], ROW_MAJOR, trans1, trans2, m, p, n, one, a, lda, b, ldb, one - one, out,
              os_m // itemsize)


@jit
def matmul(native, a, b, out):
    """``np.matmul(a, b, out=out)`` for 2-D float arrays (C- or F-contiguous): the same BLAS call, the same bits.

    ``native`` is a :func:`~glassnet.compiled.library.native_table` of the arrays' dtype.
    """
    m, n, p = a.shape[0], a.shape[1], b.shape[1]
    itemsize = out.itemsize
    one = like(out, 1)
    is1_m, is1_n = a.strides[0], a.strides[1]
    is2_n, is2_p = b.strides[0], b.strides[1]
    os_m, os_p = out.strides[0], out.strides[1]
    pa, pb, po = a.ctypes.data, b.ctypes.data, out.ctypes.data
    if m == 0 or n == 0 or p == 0:
        _noblas(a, b, out)
    elif m == 1 or n == 1 or p == 1:
        i1blasable = _blasable(is1_m, is1_n, m, n, itemsize) or _blasable(is1_n, is1_m, n, m, itemsize)
        i2blasable = _blasable(is2_n, is2_p, n, p, itemsize) or _blasable(is2_p, is2_n, p, n, itemsize)
        if m == 1 and p == 1:
            out[0, 0] = _dot_strided(native, n, pa, is1_n, pb, is2_n, out)
        elif n == 1 and (p == 1 or m == 1):
            _noblas(a, b, out)
        elif m == 1 and i2blasable and _blasable(is1_n, itemsize, n, 1, itemsize):
            _gemv(native, pb, is2_p, is2_n, pa, is1_n, po, os_p, p, n, itemsize, one)
        elif p == 1 and i1blasable and _blasable(is2_n, itemsize, n, 1, itemsize):
            _gemv(native, pa, is1_m, is1_n, pb, is2_n, po, os_m, m, n, itemsize, one)
        else:
            _noblas(a, b, out)
    elif abs(os_m) < abs(os_p):  # an output with contiguous columns: matmul(a, b, o) == matmul(b.T, a.T, o.T)
        _gemm(native, pb, is2_p, is2_n, pa, is1_n, is1_m, po, os_p, p, n, m, itemsize, one)
    else:
        _gemm(native, pa, is1_m, is1_n, pb, is2_n, is2_p, po, os_m, m, n, p, itemsize, one)
