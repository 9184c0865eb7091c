"""The guard's finiteness test (``glassnet.engine.guard.all_finite``) against NumPy's per-entry ``isfinite``.

Its fast path is one dot product Σx²: these cases cover a NaN or ±inf anywhere, finite values whose squares
overflow (the per-entry check must decide), the state's shapes and views, float32 and float64.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.engine.guard import all_finite

BAD = (np.nan, np.inf, -np.inf)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (1181,), (33, 40), (2, 17226)])
def test_agrees_with_isfinite_for_every_position_and_kind(dtype, shape):
    rng = np.random.default_rng(0)
    array = rng.normal(size=shape).astype(dtype)
    assert all_finite(array) is True
    flat = array.reshape(-1)
    for position in sorted({0, flat.size // 2, flat.size - 1}):
        for bad in BAD:
            broken = flat.copy()
            broken[position] = bad
            assert all_finite(broken.reshape(shape)) is False, (position, bad)


@pytest.mark.parametrize("dtype, huge", [(np.float32, 3e19), (np.float32, -3.4e38), (np.float64, 1e200)])
def test_finite_values_whose_squares_overflow_are_finite(dtype, huge):
    array = np.full(10, huge, dtype=dtype)
    with np.errstate(over="ignore"):  # as fit runs the checks
        assert np.isinf(np.dot(array, array))  # the fast path cannot decide ...
        assert all_finite(array) is True  # ... so the per-entry check does
        array[3] = np.nan
        assert all_finite(array) is False


def test_views_and_non_contiguous_arrays():
    rng = np.random.default_rng(1)
    block = rng.normal(size=(2, 600)).astype(np.float32)
    weight_view = block[0, 100:400].reshape(30, 10)  # a slot's view of one weight, as the state makes them
    column = block[:, 5]  # strided
    assert all_finite(weight_view) and all_finite(column)
    block[1, 5] = np.inf
    assert all_finite(weight_view) is True
    assert all_finite(column) is False
    assert all_finite(block) is False
