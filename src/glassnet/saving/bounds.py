"""What a file's values may be, so that nothing after loading runs away or silently goes wrong.

The container's checks (:mod:`~glassnet.saving.container`) bound what *loading* allocates by the file's own
bytes. These bound what comes *after* loading:

- every number in a tensor is finite (a NaN or inf weight or optimizer slot would spread through the first
  step), and a float64 weight loaded into a float32 model stays finite once cast (float32 ends at ≈3.4e38);
- every string a file gives to a constructor (layer, model and optimizer names, ...) is free of control
  characters (C0/C1, such as a newline or a terminal escape), bidirectional-text overrides and lone surrogates:
  they reach summaries, History keys, reports and terminals, where they would forge or garble output, or fail
  to print at all;
- layer names are distinct (History, ``summary()`` and the weight paths key by name, as Keras requires);
- an unbuilt model (no input width yet, so no weights in the file) declares no more weight bytes than
  ``max_bytes``, even for one input feature: its later ``build`` would otherwise allocate what the file never
  paid for.

Each check raises :class:`~glassnet.errors.ModelFileError`; saving runs the same checks on what it is about to
write and refuses (``ValueError``) what loading would refuse.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from .messages import _bad, _Said

_CHUNK = 1 << 20  # elements per finiteness check: the temporaries stay a few MB, whatever the tensor
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _check_text(value: str, where: str) -> str:
    found = _UNPRINTABLE.search(value)
    if found:
        _bad(where, "a string without control characters, bidirectional overrides or lone surrogates",
             _Said(f"{value[:40]!r}{'...' if len(value) > 40 else ''} with {found.group()!r} at "
                   f"{found.start()}"))
    return value


def _check_distinct(names: Iterable[str], where: str) -> None:
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        _bad(where, "distinct layer names (History, summary() and the weight paths key by name)",
             _Said(f"repeated {repeated[:6]!r}"))


def _first_nonfinite(array: np.ndarray, dtype: np.dtype) -> tuple[int, ...] | None:
    """The index of the first entry that is not finite once cast to ``dtype``, or None; chunk by chunk."""
    flat = array.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is what we look for
            finite = np.isfinite(flat[start:start + _CHUNK].astype(dtype, copy=False))
        if not finite.all():
            return tuple(int(i) for i in np.unravel_index(start + int(np.argmin(finite)), array.shape))
    return None


def _check_finite(array: np.ndarray, where: str, dtype: Any = None) -> None:
    """Every entry finite, and still finite once cast to ``dtype`` (default: its own)."""
    target = np.dtype(dtype or array.dtype)
    bad = _first_nonfinite(array, target)
    if bad is None:
        return
    value = float(array[bad])
    if math.isfinite(value):
        _bad(where, f"numbers that {target.name}, the model's dtype, can hold (|x| ≤ "
             f"{np.finfo(target).max:.7g})", _Said(f"{value!r} at index {bad}"))
    _bad(where, "finite numbers only (a NaN or inf weight or optimizer slot would spread through the first "
         "step)", _Said(f"{value!r} at index {bad}"))


def _check_declared_bytes(shapes: list[tuple[int, ...]], itemsize: int, max_bytes: int) -> None:
    """An unbuilt model's weights, for one input feature, may not exceed ``max_bytes``."""
    declared = sum(math.prod(shape) for shape in shapes) * itemsize
    if declared > max_bytes:
        _bad("config.model.layers", f"layers whose weights fit in max_bytes={max_bytes} (this unbuilt model "
             "would build them later; pass a larger max_bytes= if you trust the file)",
             _Said(f"{declared} bytes of weights for even one input feature"))
