"""NumPy's own float32/float64 inner loops for exp, tanh, log and logaddexp, called from compiled code.

libm's ``expf``/``tanhf``/``log1pf`` differ from NumPy's SIMD loops by 1–3 ulp on a sizeable share of inputs, so
the engine calls the loops NumPy runs (:func:`glassnet.compiled.library.ufunc_loop`) — on contiguous,
non-overlapping input and output of the same length as NumPy's call, because a SIMD loop may take another path
for overlapping or strided memory.
"""

from __future__ import annotations

from .calls import call_loop, jit
from .library import EXP, LOG, LOGADDEXP, SCRATCH, TANH


@jit
def _unary(native, slot, source, target, n):
    """Run the unary loop in ``native[slot]`` (its data pointer in ``slot + 1``) on n items: target = f(source)."""
    scratch = native[SCRATCH:]
    base = scratch.ctypes.data
    scratch[0], scratch[1] = source.ctypes.data, target.ctypes.data
    scratch[2] = n
    scratch[3], scratch[4] = source.itemsize, target.itemsize
    call_loop(native[slot], base, base + 16, base + 24, native[slot + 1])


@jit
def exp(native, source, target, n):
    """``target[:n] = np.exp(source[:n])`` (1-D contiguous arrays, not overlapping)."""
    _unary(native, EXP, source, target, n)


@jit
def tanh(native, source, target, n):
    """``target[:n] = np.tanh(source[:n])``."""
    _unary(native, TANH, source, target, n)


@jit
def log(native, source, target, n):
    """``target[:n] = np.log(source[:n])``."""
    _unary(native, LOG, source, target, n)


@jit
def logaddexp_zero(native, zero, source, target, n):
    """``target[:n] = np.logaddexp(dtype(0), source[:n])``: ``zero`` is a 1-item array holding 0, passed with
    stride 0 as NumPy broadcasts the scalar."""
    scratch = native[SCRATCH:]
    base = scratch.ctypes.data
    scratch[0], scratch[1], scratch[2] = zero.ctypes.data, source.ctypes.data, target.ctypes.data
    scratch[3] = n
    scratch[4], scratch[5], scratch[6] = 0, source.itemsize, target.itemsize
    call_loop(native[LOGADDEXP], base, base + 24, base + 32, native[LOGADDEXP + 1])
