"""Reading data in batches without holding it all: for arrays far larger than memory, e.g. a memory-mapped
``.npy`` of 10M×30 float32 (1.2 GB) opened with ``np.load(path, mmap_mode='r')``.

- Checks over the whole array (finite values) run chunk by chunk, never on a full-size temporary.
- Pages of a memory-mapped file that a batch touched stay counted in the process's resident memory until the
  kernel needs them back; :class:`PageReleaser` tells the kernel they may go (``madvise(MADV_DONTNEED)``) every
  ``release_bytes`` read, so resident memory stays bounded. The data is unchanged: a page read again is reloaded
  from the file (or the page cache).
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np

#: Rows checked at once by :func:`chunked_all_finite` (a 30-feature float32 chunk is ~30 MB).
CHECK_ROWS = 262_144


def chunked_all_finite(array: np.ndarray) -> tuple[bool, tuple[int, ...] | None]:
    """(True, None) when every entry is finite, else (False, index of the first non-finite entry)."""
    releaser = PageReleaser(array)
    rows = array.shape[0] if array.ndim else 1
    for start in range(0, max(rows, 1), CHECK_ROWS):
        chunk = array[start:start + CHECK_ROWS] if array.ndim else array
        finite = np.isfinite(chunk)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            if array.ndim:
                bad[0] += start
            return False, tuple(int(i) for i in bad)
        releaser.touched(chunk.nbytes)
    releaser.release()
    return True, None


def underlying_mmap(array: Any) -> mmap.mmap | None:
    """The mmap behind ``array`` (a np.memmap or a view of one), or None for ordinary memory."""
    seen = 0
    while array is not None and seen < 16:  # views of views: follow .base a few steps
        mapped = getattr(array, "_mmap", None)
        if isinstance(mapped, mmap.mmap):
            return mapped
        if isinstance(array, mmap.mmap):
            return array
        array = getattr(array, "base", None)
        seen += 1
    return None


class PageReleaser:
    """Counts bytes read from a memory-mapped array and releases its resident pages every ``release_bytes``."""

    def __init__(self, array: Any, release_bytes: int = 32 * 2**20):
        self.mapping = underlying_mmap(array)
        self.release_bytes = release_bytes
        self.pending = 0

    def touched(self, nbytes: int) -> None:
        if self.mapping is None:
            return
        self.pending += nbytes
        if self.pending >= self.release_bytes:
            self.release()

    def touched_rows(self, rows: int, row_bytes: int, scattered: bool) -> None:
        """A batch of ``rows`` rows: scattered rows each touch at least one whole page."""
        self.touched(rows * max(row_bytes, mmap.PAGESIZE if scattered else 0))

    def release(self) -> None:
        if self.mapping is None:
            return
        self.pending = 0
        try:
            self.mapping.madvise(mmap.MADV_DONTNEED)
        except (AttributeError, OSError, ValueError):  # no madvise on this platform, or a closed mapping
            self.mapping = None
