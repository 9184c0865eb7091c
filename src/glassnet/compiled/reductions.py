"""NumPy's float sums, step for step, in compiled code.

``np.add.reduce`` starts from the identity 0 and adds the pairwise sum of the reduced run when the run is
contiguous in memory (``@TYPE@_pairwise_sum``, numpy/_core/src/umath/loops_utils.h.src):

- n < 8: a plain left-to-right sum (from −0.0);
- 8 ≤ n ≤ 128: eight accumulators r[j] over items j, j+8, j+16, …, combined as
  ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the last n mod 8 items one by one;
- n > 128: split at n2 = n/2 rounded down to a multiple of 8, pairwise sum of each half, added.

So ``np.sum(a)`` = 0 + pairwise(a) for a contiguous array of any shape (NumPy 2.4 reduces it as one run, in
no blocks), ``a.sum(axis=-1)`` of a (B, K) array is that per row, and ``a.sum(axis=0)`` of a (B, k) array is
the pairwise sum of the column when k = 1, but a plain row-by-row sum from 0 when k > 1 (the iterator walks the
rows outermost). Measured equal on float32 and float64 for n up to 70,000.
"""

from __future__ import annotations

import math

from .calls import flat, jit, like, stack_items


@jit
def _block(a, start, n):
    """NumPy's pairwise sum of a run of n ≤ 128 items."""
    if n < 8:
        total = like(a, -0.0)
        for i in range(start, start + n):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    whole = n - n % 8
    while i < whole:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[start + i]
        i += 1
    return total


@jit
def pairwise(a, start, n):
    """NumPy's pairwise sum of ``a[start:start + n]`` (1-D contiguous ``a``).

    Above 128 items NumPy recurses; here the same tree is walked with an explicit stack (numba cannot cache a
    recursive function compiled inside another): each node is split at half rounded down to a multiple of 8,
    and its value is left + right.
    """
    if n <= 128:
        return _block(a, start, n)
    # The stack lives in this call's frame, uninitialized (no allocation: see calls.jit); it is
    # 64 deep, and the tree of n < 2**63 items, halved at each level down to 128, at most 57.
    starts = stack_items(start)
    sizes = stack_items(start)
    lefts = stack_items(a)
    has_left = stack_items(start)
    starts[0], sizes[0], has_left[0], depth = start, n, 0, 1
    while True:
        top = depth - 1
        if sizes[top] > 128:  # a fresh node: walk into its left half first
            half = sizes[top] // 2
            half -= half % 8
            starts[depth], sizes[depth], has_left[depth] = starts[top], half, 0
            depth += 1
            continue
        value = _block(a, starts[top], sizes[top])
        depth -= 1
        while depth > 0:  # hand the value to its parent
            parent = depth - 1
            if not has_left[parent]:
                lefts[parent], has_left[parent] = value, 1
                half = sizes[parent] // 2
                half -= half % 8
                starts[depth], sizes[depth], has_left[depth] = starts[parent] + half, sizes[parent] - half, 0
                depth += 1
                break
            value = lefts[parent] + value
            depth -= 1
        if depth == 0:
            return value


@jit
def total(a):
    """``np.sum(a)`` of a 1-D contiguous array: 0 + its pairwise sum."""
    return like(a, 0) + pairwise(a, 0, a.shape[0])


@jit
def row_sums(a, out):
    """``out[:] = a.sum(axis=-1)`` for a C-contiguous (B, K) array."""
    items = flat(a)
    k = a.shape[1]
    for i in range(a.shape[0]):
        out[i] = like(out, 0) + pairwise(items, i * k, k)


@jit
def row_max(z, i):
    """``np.max(z[i])`` of a (B, K) array's row: NaN if any item is NaN (order does not matter otherwise)."""
    top = z[i, 0]
    for j in range(1, z.shape[1]):
        v = z[i, j]
        if not math.isnan(top) and (v > top or math.isnan(v)):
            top = v
    return top


@jit
def column_sums(a, out):
    """``a.sum(axis=0, out=out)`` for a C-contiguous (B, k) array: pairwise when k = 1, else row by row."""
    if a.shape[1] == 1:
        out[0] = like(out, 0) + pairwise(flat(a), 0, a.shape[0])
        return
    for j in range(a.shape[1]):
        out[j] = like(out, 0)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]
