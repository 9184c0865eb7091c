"""Calls from compiled code into C entry points given as integer addresses (see :mod:`.library`), and the two
ways the engine's functions are compiled (:func:`jit`, :func:`jit_allocating`).

numba bakes a ctypes function's address into the machine code, which forbids caching it across processes; these
intrinsics instead take the address as an ordinary int64 argument and call through it (LLVM ``inttoptr`` +
``call``), so ``cache=True`` works. Every argument is converted to the exact C type of the prototype:

- CBLAS (ILP64): ``void cblas_?gemm(int order, int transA, int transB, i64 M, i64 N, i64 K, T alpha, T *A, i64 lda,
  T *B, i64 ldb, T beta, T *C, i64 ldc)``, ``void cblas_?gemv(int order, int trans, i64 M, i64 N, T alpha, T *A,
  i64 lda, T *x, i64 incx, T beta, T *y, i64 incy)``, ``T cblas_?dot(i64 n, T *x, i64 incx, T *y, i64 incy)``;
- a NumPy ufunc inner loop: ``void loop(char **args, npy_intp *dimensions, npy_intp *steps, void *data)``;
- ``T pow(T, T)`` (``powf`` for float32).

T is float for float32 and double for float64, taken from the numba type of ``alpha`` / the float arguments.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numba.np.arrayobj import populate_array
from numba.np.numpy_support import as_dtype

_I32, _I64 = ir.IntType(32), ir.IntType(64)
_PTR = ir.IntType(8).as_pointer()

# CBLAS enum values (cblas.h).
ROW_MAJOR, COL_MAJOR = 101, 102
NO_TRANS, TRANS = 111, 112


def _lower(context, builder, value, numba_type, c_type):
    """``value`` (an integer or float of ``numba_type``) as the C type ``c_type`` of the prototype."""
    if c_type is _PTR:
        return builder.inttoptr(context.cast(builder, value, numba_type, types.int64), _PTR)
    if c_type is _I64:
        return context.cast(builder, value, numba_type, types.int64)
    if c_type is _I32:
        return builder.trunc(context.cast(builder, value, numba_type, types.int64), _I32)
    return value  # a float argument already of the prototype's float type


def _call(context, builder, signature, args, c_args, c_result):
    """Call the address in ``args[0]`` with ``args[1:]`` lowered to ``c_args``."""
    function_type = ir.FunctionType(c_result, c_args)
    address = context.cast(builder, args[0], signature.args[0], types.int64)
    function = builder.inttoptr(address, function_type.as_pointer())
    lowered = [_lower(context, builder, value, numba_type, c_type)
               for value, numba_type, c_type in zip(args[1:], signature.args[1:], c_args)]
    return builder.call(function, lowered)


@intrinsic
def call_gemm(typingctx, address, order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """cblas_?gemm at ``address``; pointers are integers (``array.ctypes.data``)."""
    if not isinstance(alpha, types.Float) or beta != alpha:
        return None
    signature = types.void(address, order, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    def codegen(context, builder, sig, args):
        t = context.get_value_type(alpha)
        _call(context, builder, sig, args,
              [_I32, _I32, _I32, _I64, _I64, _I64, t, _PTR, _I64, _PTR, _I64, t, _PTR, _I64], ir.VoidType())
        return context.get_dummy_value()

    return signature, codegen


@intrinsic
def call_gemv(typingctx, address, order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy):
    """cblas_?gemv at ``address``."""
    if not isinstance(alpha, types.Float) or beta != alpha:
        return None
    signature = types.void(address, order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy)

    def codegen(context, builder, sig, args):
        t = context.get_value_type(alpha)
        _call(context, builder, sig, args, [_I32, _I32, _I64, _I64, t, _PTR, _I64, _PTR, _I64, t, _PTR, _I64],
              ir.VoidType())
        return context.get_dummy_value()

    return signature, codegen


@intrinsic
def call_dot(typingctx, address, n, x, incx, y, incy, like):
    """cblas_?dot at ``address``; returns a float of ``like``'s type (the array's dtype)."""
    if not isinstance(like, types.Float):
        return None
    signature = like(address, n, x, incx, y, incy, like)

    def codegen(context, builder, sig, args):
        t = context.get_value_type(like)
        return _call(context, builder, sig, args[:-1], [_I64, _PTR, _I64, _PTR, _I64], t)

    return signature, codegen


@intrinsic
def call_loop(typingctx, address, arguments, dimensions, steps, data):
    """A NumPy ufunc inner loop at ``address``: ``loop(char **args, npy_intp *dims, npy_intp *steps, data)``."""
    signature = types.void(address, arguments, dimensions, steps, data)

    def codegen(context, builder, sig, args):
        _call(context, builder, sig, args, [_PTR, _PTR, _PTR, _PTR], ir.VoidType())
        return context.get_dummy_value()

    return signature, codegen


@intrinsic
def call_pow(typingctx, address, base, exponent):
    """``pow``/``powf`` at ``address`` on two floats of the same type."""
    if not isinstance(base, types.Float) or exponent != base:
        return None
    signature = base(address, base, exponent)

    def codegen(context, builder, sig, args):
        t = context.get_value_type(base)
        return _call(context, builder, sig, args, [t, t], t)

    return signature, codegen


#: Items of a :func:`stack_items` array: enough for a walk down a tree 64 levels deep.
STACK_ITEMS = 64


@intrinsic
def stack_items(typingctx, like):
    """A 1-D array of ``STACK_ITEMS`` uninitialized items of ``like``'s type (an array's dtype, a float, or int64
    for an integer) in the calling function's stack frame, valid until it returns: scratch without allocation,
    for code compiled without reference counting (:func:`jit`), which can neither allocate
    arrays nor call ``numba.carray`` (an overload returning an array)."""
    item = like.dtype if isinstance(like, types.Array) else like
    if isinstance(item, types.Integer):  # an int argument (perhaps a literal such as 0): int64 items
        item = types.int64
    array_type = types.Array(item, 1, "C")
    signature = array_type(like)

    def codegen(context, builder, sig, args):
        pointer = cgutils.alloca_once(builder, context.get_data_type(item), size=STACK_ITEMS)
        array = context.make_array(array_type)(context, builder)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(item)))
        populate_array(array, data=pointer, shape=cgutils.pack_array(builder, [
            context.get_constant(types.intp, STACK_ITEMS)]), strides=cgutils.pack_array(builder, [itemsize]),
            itemsize=itemsize, meminfo=None)
        return array._getvalue()

    return signature, codegen


@intrinsic
def matrix(typingctx, flat, rows, columns):
    """``flat.reshape((rows, columns))`` for a C-contiguous 1-D ``flat`` of at least rows·columns items (the caller
    sizes its buffers so): the same view, built directly — numba's reshape calls a C helper that looks for a way
    to reshape any layout, ~35 times a step of the lecture's network. Like ``numba.carray``'s, the view holds no
    reference to ``flat``'s memory: it is used only while ``flat``'s owner is alive."""
    if not (isinstance(flat, types.Array) and flat.ndim == 1 and flat.layout == "C"):
        return None
    array_type = types.Array(flat.dtype, 2, "C")
    signature = array_type(flat, rows, columns)

    def codegen(context, builder, sig, args):
        source = context.make_array(sig.args[0])(context, builder, args[0])
        n_rows = context.cast(builder, args[1], sig.args[1], types.intp)
        n_columns = context.cast(builder, args[2], sig.args[2], types.intp)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(flat.dtype)))
        view = context.make_array(array_type)(context, builder)
        populate_array(view, data=source.data, shape=cgutils.pack_array(builder, [n_rows, n_columns]),
                       strides=cgutils.pack_array(builder, [builder.mul(n_columns, itemsize), itemsize]),
                       itemsize=itemsize, meminfo=None)
        return view._getvalue()

    return signature, codegen


@intrinsic
def flat(typingctx, array):
    """``array.reshape(array.size)`` for a C-contiguous 2-D ``array``, built directly (see :func:`matrix`)."""
    if not (isinstance(array, types.Array) and array.ndim == 2 and array.layout == "C"):
        return None
    vector_type = types.Array(array.dtype, 1, "C")
    signature = vector_type(array)

    def codegen(context, builder, sig, args):
        source = context.make_array(sig.args[0])(context, builder, args[0])
        rows, columns = cgutils.unpack_tuple(builder, source.shape, 2)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(array.dtype)))
        view = context.make_array(vector_type)(context, builder)
        populate_array(view, data=source.data, shape=cgutils.pack_array(builder, [builder.mul(rows, columns)]),
                       strides=cgutils.pack_array(builder, [itemsize]), itemsize=itemsize,
                       meminfo=None)
        return view._getvalue()

    return signature, codegen


def like(array, value):  # pragma: no cover - replaced by the overload in compiled code
    """``value`` converted to ``array``'s dtype (or to the type of ``array``, a float), inside compiled code
    (NumPy's ``array.dtype.type(value)``)."""
    raise NotImplementedError("like() runs only inside compiled code")


# numba's type stubs list no "cache" among jit_options, though numba takes it (and caches the overload).
@overload(like, jit_options={"cache": True})  # type: ignore[typeddict-unknown-key]
def _like(array, value):
    scalar = as_dtype(array if isinstance(array, types.Float) else array.dtype).type

    def implementation(array, value):
        return scalar(value)

    return implementation


JIT = {"cache": True, "error_model": "numpy", "nogil": True}


def jit(function):
    """numba's ``njit`` with the engine's options: cached on disk, NumPy's error model (no division checks, which
    would also stop vectorization), no fastmath (every operation rounds as NumPy's ufunc does) — and without
    numba's reference counting (its option ``_nrt=False``). With it, every array view and every array handed to
    another function costs an atomic increment and decrement through a call into numba's runtime: ~40% of a step
    of the lecture's network, seen with ``perf``. Such code cannot allocate: the one function of the engine that
    does, ``epoch.run``, is compiled by :func:`jit_allocating`. A numba that drops the option fails the engine's
    self-check, and training takes the NumPy path."""
    return numba.njit(**JIT, _nrt=False)(function)


def jit_allocating(function):
    """:func:`jit` with numba's reference counting, for ``epoch.run``: it allocates a run's buffers, then hands
    them to code compiled by :func:`jit`."""
    return numba.njit(**JIT)(function)
