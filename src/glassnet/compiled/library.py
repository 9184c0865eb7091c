"""Where NumPy's own machine code lives: its bundled OpenBLAS, its ufunc inner loops, the C library's ``pow``.

The compiled engine gives the NumPy path's exact bits by calling **the code NumPy calls, with NumPy's arguments**
(docs/compiled.md says why nothing else does). This module finds those entry points and hands them to the
compiled code as plain integers (function addresses), so compiled functions can be cached across processes.

- Matrix products: the ILP64 CBLAS symbols of the OpenBLAS that NumPy's wheel ships in ``numpy.libs``
  (``scipy_cblas_sgemm64_``, ``…sgemv64_``, ``…sdot64_`` and the ``d`` ones for float64).
- Transcendental functions (exp, tanh, log, logaddexp): the float32/float64 inner loops that NumPy's ufunc
  objects carry in their loop table (``PyUFuncObject.functions``/``.data``, matched by ``.types``).
- Adam's bias correction β^t: the C library's ``powf``/``pow``, which NumPy's float32/float64 scalar ``**`` calls.

Nothing here imports numba; :func:`native_table` raises :class:`EngineUnavailable` (with the reason) when an
entry point is missing — another BLAS, another NumPy layout — so the caller can fall back to the NumPy path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import os

import numpy as np

# Slots of the table handed to compiled code (an int64 array): function addresses, then a scratch area that the
# ufunc-loop calls use for their argument, length and stride arrays (no allocation per call).
GEMM, GEMV, DOT = 0, 1, 2
EXP, EXP_DATA, TANH, TANH_DATA, LOG, LOG_DATA, LOGADDEXP, LOGADDEXP_DATA = 3, 4, 5, 6, 7, 8, 9, 10
POW = 11
SCRATCH = 16
TABLE_SIZE = 32

#: The ufunc loops the engine calls, by table slot: (ufunc, number of inputs).
_LOOPS = {EXP: (np.exp, 1), TANH: (np.tanh, 1), LOG: (np.log, 1), LOGADDEXP: (np.logaddexp, 2)}
_PREFIX = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}


class EngineUnavailable(RuntimeError):
    """The compiled engine cannot run here (the reason is the message); the NumPy path works as always."""


class _UFuncHead(ctypes.Structure):
    """The leading fields of NumPy's ``PyUFuncObject`` (numpy/_core/include/numpy/ufuncobject.h), up to ``types``."""

    _fields_ = [("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p), ("nin", ctypes.c_int),
                ("nout", ctypes.c_int), ("nargs", ctypes.c_int), ("identity", ctypes.c_int),
                ("functions", ctypes.c_void_p), ("data", ctypes.c_void_p), ("ntypes", ctypes.c_int),
                ("reserved1", ctypes.c_int), ("name", ctypes.c_char_p), ("types", ctypes.c_void_p)]


def ufunc_loop(ufunc: np.ufunc, dtype: np.dtype) -> tuple[int, int]:
    """(inner-loop address, its ``data`` pointer or 0) of ``ufunc`` for all-``dtype`` operands.

    >>> address, data = ufunc_loop(np.exp, np.dtype("float32"))
    >>> address > 0
    True
    """
    head = _UFuncHead.from_address(id(ufunc))
    if head.nin != ufunc.nin or head.nargs != ufunc.nargs or head.name != ufunc.__name__.encode():
        raise EngineUnavailable(f"NumPy {np.__version__}'s ufunc object layout is not the one the compiled engine "
                                f"reads (checked on np.{ufunc.__name__})")
    wanted = bytes([dtype.num] * ufunc.nargs)
    types = ctypes.string_at(head.types, head.ntypes * head.nargs)
    for i in range(head.ntypes):
        if types[i * head.nargs:(i + 1) * head.nargs] == wanted:
            function = ctypes.c_void_p.from_address(head.functions + 8 * i).value
            data = ctypes.c_void_p.from_address(head.data + 8 * i).value
            if not function:
                break
            return int(function), int(data or 0)
    raise EngineUnavailable(f"np.{ufunc.__name__} has no {dtype.name} inner loop in its loop table")


@functools.cache
def openblas() -> ctypes.CDLL:
    """NumPy's bundled OpenBLAS (the very library its ``matmul`` and ``dot`` call), already loaded by NumPy."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config.get("name") != "scipy-openblas" or "USE64BITINT" not in str(config.get("openblas configuration")):
        raise EngineUnavailable(f"NumPy uses the BLAS {config.get('name')!r}, not its bundled ILP64 scipy-openblas")
    folder = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    found = sorted(glob.glob(os.path.join(folder, "libscipy_openblas64_*.so")))
    if len(found) != 1:
        raise EngineUnavailable(f"expected one libscipy_openblas64_*.so in {folder}, found {len(found)}")
    loaded = _loaded_libraries()
    if loaded is not None and os.path.realpath(found[0]) not in loaded:
        raise EngineUnavailable(f"{found[0]} is not the BLAS this process has loaded")
    return ctypes.CDLL(found[0])


def _loaded_libraries() -> set[str] | None:
    """Real paths of the shared libraries mapped into this process (None without /proc)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            return {os.path.realpath(line.split(None, 5)[5].strip()) for line in maps if line.count(" ") >= 5
                    and len(line.split(None, 5)) == 6 and line.split(None, 5)[5].strip().startswith("/")}
    except OSError:
        return None


def _address(library: ctypes.CDLL, symbol: str) -> int:
    try:
        address = ctypes.cast(getattr(library, symbol), ctypes.c_void_p).value
    except AttributeError:
        address = None
    if address is None:
        raise EngineUnavailable(f"symbol {symbol} not found in {library!r}")
    return int(address)


@functools.cache
def _libm() -> ctypes.CDLL:
    name = ctypes.util.find_library("m")
    if name is None:
        raise EngineUnavailable("the C math library (libm) was not found")
    return ctypes.CDLL(name)


@functools.cache
def _table(dtype_name: str) -> tuple[int, ...]:
    dtype = np.dtype(dtype_name)
    prefix = _PREFIX[dtype]
    blas = openblas()
    table = [0] * TABLE_SIZE
    for slot, name in ((GEMM, "gemm"), (GEMV, "gemv"), (DOT, "dot")):
        table[slot] = _address(blas, f"scipy_cblas_{prefix}{name}64_")
    for slot, (ufunc, _) in _LOOPS.items():
        table[slot], table[slot + 1] = ufunc_loop(ufunc, dtype)
    table[POW] = _address(_libm(), "powf" if dtype == np.float32 else "pow")
    return tuple(table)


def native_table(dtype: np.dtype | str) -> np.ndarray:
    """A fresh int64 table of entry points for ``dtype`` (float32 or float64) plus its scratch area: every
    compiled kernel takes one (a table is not thread-safe: one per thread).

    >>> table = native_table("float32")
    >>> table.dtype, table.shape
    (dtype('int64'), (32,))
    """
    dtype = np.dtype(dtype)
    if dtype not in _PREFIX:
        raise ValueError(f"Argument `dtype` must be float32 or float64. Received: dtype={dtype}")
    return np.array(_table(dtype.name), dtype=np.int64)
