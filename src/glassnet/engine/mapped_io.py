"""Reading data in batches without holding it all: for arrays far larger than memory, e.g. a memory-mapped
``.npy`` of 10M×30 float32 (1.2 GB) opened with ``np.load(path, mmap_mode='r')``.

- Checks over the whole array (finite values) run chunk by chunk, never on a full-size temporary.
- A file truncated after it was mapped kills the process with SIGBUS at the first read past its new end.
  :func:`check_file_length` compares the current length of the mapped file itself (whatever its name points to
  now) with the bytes the array needs, so fit/evaluate/predict refuse it before anything changes.
- Pages of a memory-mapped file that a pass touched stay counted in the process's resident memory until the
  kernel needs them back. For a *shared* mapping (``mmap_mode`` 'r', 'r+' or 'w+') they are the file's page
  cache: :class:`PageReleaser` tells the kernel they may go (``madvise(MADV_DONTNEED)``) every ``release_bytes``
  read, and a later read refills them from the up-to-date file (written pages of 'r+'/'w+' are the page cache's
  dirty pages, kept and written back), so resident memory stays bounded. A *private* (copy-on-write, 'c')
  mapping's written pages hold the user's edits and exist nowhere else: they are never released (releasing
  would silently put back the file's old contents). Its resident memory grows with the pages a pass touches;
  the unwritten ones the kernel can still reclaim.
- Shuffled batches are different: with large page-cache folios a single random row maps ~140 KB around it, so
  a few thousand random rows make the whole file resident. For a shared mapping, :class:`RowGatherer` therefore
  reads a shuffled batch's rows with ``os.preadv`` into a reused buffer, through a file descriptor opened once
  and checked to be the mapped file (its device and inode against the mapping's line in ``/proc/self/maps``) —
  the same rows in the same order, so the same numbers as in memory, at ~0.7 µs per row and no resident growth.
  Everything else — a private mapping (the edits are only in the mapping), a file whose name now points to
  another file or to none, a system without ``/proc`` — is read through the mapping itself: always the mapped
  data, at some cost in resident memory (released every ``release_bytes`` for a shared mapping, counting
  :data:`FAULT_AROUND_BYTES` per random row).
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

#: Rows checked at once by :func:`chunked_all_finite` (a 30-feature float32 chunk is ~30 MB).
CHECK_ROWS = 262_144

#: Resident bytes counted per random row read through a mapping: Linux maps 64 KiB around a faulting address
#: (``fault_around_bytes``), and large page-cache folios more; ~140 KB was measured.
FAULT_AROUND_BYTES = 128 * 1024


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


@dataclass(frozen=True)
class MappedFile:
    """Where the bytes of a memory-mapped array live.

    ``start``/``end``: the file offsets of the array's first byte and one past its last; ``address``: the
    array's lowest byte in this process's memory; ``shared``: False for a copy-on-write (``mmap_mode='c'``)
    mapping, whose written pages are the only copy of the user's edits.
    """

    mapping: mmap.mmap
    path: str | None
    shared: bool
    start: int
    end: int
    address: int


def mapped_file(array: Any) -> MappedFile | None:
    """The file behind ``array`` (a np.memmap or a view of one, e.g. ``np.asarray(memmap)[:n]``), else None."""
    top, seen = array, 0
    while top is not None and not isinstance(top, np.memmap) and seen < 32:  # views of views: follow .base
        top, seen = getattr(top, "base", None), seen + 1
    if not isinstance(top, np.memmap):
        return None
    while isinstance(top.base, np.memmap):  # the outermost memmap's first byte sits at file offset `offset`
        top = top.base
    mapping = getattr(top, "_mmap", None)
    if not isinstance(mapping, mmap.mmap) or not isinstance(array, np.ndarray):
        return None
    low, high = byte_bounds(array)
    origin = byte_bounds(top)[0]
    return MappedFile(mapping, top.filename, top.mode != "c", int(top.offset) + low - origin,
                      int(top.offset) + high - origin, low)


def check_file_length(name: str, value: Any) -> None:
    """Raise ValueError when ``value`` is memory-mapped from a file now shorter than the bytes it needs."""
    mapped = mapped_file(value) if isinstance(value, np.ndarray) else None
    if mapped is None:
        return
    try:
        length = mapped.mapping.size()  # fstat of the mapping's own descriptor: the mapped file, not the name
    except (OSError, ValueError):  # a closed mapping: numpy refuses to read it by itself
        return
    if length < mapped.end:
        raise ValueError(f"Argument `{name}` is memory-mapped from {mapped.path!r}, which is now {length} bytes "
                         f"long, shorter than the {mapped.end} bytes the array needs (the file was truncated "
                         "after it was opened; reading past its end would kill the process). Open the file "
                         f"again. Received: {name} with shape {value.shape}")


class PageReleaser:
    """Counts bytes read from a *shared* memory-mapped array and releases its resident pages every
    ``release_bytes`` (see the module docstring); does nothing for other arrays."""

    def __init__(self, array: Any, release_bytes: int = 32 * 2**20):
        mapped = mapped_file(array)
        self.mapping = mapped.mapping if mapped is not None and mapped.shared else None
        self.release_bytes = release_bytes
        self.pending = 0

    def touched(self, nbytes: int) -> None:
        if self.mapping is None:
            return
        self.pending += nbytes
        if self.pending >= self.release_bytes:
            self.release()

    def release(self) -> None:
        if self.mapping is None:
            return
        self.pending = 0
        try:
            self.mapping.madvise(mmap.MADV_DONTNEED)
        except (AttributeError, OSError, ValueError):  # no madvise on this platform, or a closed mapping
            self.mapping = None


def _mapped_inode(address: int) -> tuple[int, int, int] | None:
    """(device major, minor, inode) of the file mapped at ``address``, from ``/proc/self/maps``; None where
    that file does not exist (not Linux) or says nothing."""
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                low, _, high = fields[0].partition("-")
                if int(low, 16) <= address < int(high, 16) and len(fields) >= 5:
                    major, _, minor = fields[3].partition(":")
                    return int(major, 16), int(minor, 16), int(fields[4])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _open_mapped_file(mapped: MappedFile) -> int | None:
    """A read-only descriptor of the very file behind ``mapped``, at least as long as the array needs; None
    when its name now points to another file, or to none."""
    if mapped.path is None:
        return None
    try:
        fd = os.open(mapped.path, os.O_RDONLY)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        found = (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)
        if found == _mapped_inode(mapped.address) and info.st_size >= mapped.end:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


class RowGatherer:
    """``x[rows]`` for a batch, and the page accounting that keeps a shared mapping's resident memory bounded.

    Shuffled rows of a shared memory-mapped ``x`` are read with ``os.preadv`` from the mapped file into a reused
    buffer; everything else is read through ``x`` itself (see the module docstring). Use as a context manager
    (closes the file).
    """

    def __init__(self, x: np.ndarray):
        self.x = x
        mapped = mapped_file(x)
        shared = mapped is not None and mapped.shared and x.ndim >= 1 and x.flags.c_contiguous
        self.fd = _open_mapped_file(mapped) if mapped is not None and shared else None
        self.row0 = mapped.start if mapped is not None else 0
        self.row_bytes = x.strides[0] if x.ndim else 0
        self.random_row_bytes = max(self.row_bytes, FAULT_AROUND_BYTES)  # what a random row makes resident
        self.releaser = PageReleaser(x)
        self.buffers: dict[int, np.ndarray] = {}

    def take(self, rows: slice | np.ndarray) -> np.ndarray:
        if not isinstance(rows, np.ndarray):  # rows in order: read through the mapping, a page at a time
            batch = self.x[rows]
            self.releaser.touched(batch.shape[0] * self.row_bytes)
            return batch
        if self.fd is None:
            self.releaser.touched(len(rows) * self.random_row_bytes)
            return self.x[rows]
        buffer = self.buffers.get(len(rows))
        if buffer is None:  # one buffer per batch length: the last, partial batch gets its own
            buffer = self.buffers[len(rows)] = np.empty((len(rows), *self.x.shape[1:]), self.x.dtype)
        view = buffer.data.cast("B")  # .data is memoryview(buffer)
        size = self.row_bytes
        for i, row in enumerate(rows.tolist()):
            if os.preadv(self.fd, [view[i * size:(i + 1) * size]], self.row0 + row * size) != size:
                raise OSError(f"short read from the memory-mapped input at row {row}")
        return buffer

    def __enter__(self) -> RowGatherer:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
