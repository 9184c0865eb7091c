"""Atomic file writes with unique temporary names, and removal of the temporaries a killed writer left behind.

:func:`write_atomically` writes the new content to a temporary file beside the target, flushes and fsyncs it,
then ``os.replace``\\ s it over the target: a crash at any moment leaves either the old file or the new one, never
a mix. The temporary's name says who wrote it::

    .<target name>.<writer>.<pid>.<16 random hex digits>.tmp

``<writer>`` is this machine's host name (letters, digits, ``_`` and ``-`` only) and, on Linux, the process-ID
namespace, so two writers that could see the same pid never share a name. Before each write,
:func:`remove_stale_temporaries` deletes the temporaries of the same target that this machine and namespace
wrote from a process that no longer exists: they are provably left over from a killed write, and nothing else
is touched (another host's, a live process's, an older glassnet's or a foreign file stays).

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> target = os.path.join(folder, "model.glassnet")
>>> write_atomically(target, [b"new ", b"content"])
>>> open(target, "rb").read(), os.listdir(folder)
(b'new content', ['model.glassnet'])
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import socket
import stat
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._validation import describe

Chunk = bytes | bytearray | memoryview | np.ndarray


def check_path(path: Any) -> str:
    """``path`` as a ``str`` (TypeError for another type, ValueError for an empty path)."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={describe(path)}")
    text = os.fsdecode(os.fspath(path))
    if not text:
        raise ValueError("Argument `path` must be a file path. Received: path=''")
    return text


@functools.cache
def _writer() -> str:
    """This machine and pid namespace, as a name part: a pid means one process only within both."""
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:64] or "host"
    with contextlib.suppress(OSError):  # Linux: 'pid:[4026531836]'; elsewhere the host alone
        host += "-" + re.sub(r"\D", "", os.readlink("/proc/self/ns/pid"))
    return host


def _temporary_pattern(base: str) -> re.Pattern[str]:
    # At most 9 digits: below 2**31, so os.kill can be asked about any pid the name holds.
    return re.compile(re.escape(f".{base}.{_writer()}.") + r"(?P<pid>[1-9]\d{0,8})\.[0-9a-f]{16}\.tmp")


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists (POSIX)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists under another user; anything else: do not guess
        return True
    return True


def remove_stale_temporaries(target: str) -> list[str]:
    """Delete the temporaries of ``target`` that a process of this machine left when it was killed mid-write
    (its pid no longer exists); return their paths. Only on POSIX, where a pid can be asked about safely."""
    if os.name != "posix":
        return []
    folder, base = os.path.split(os.path.realpath(target))
    pattern, removed = _temporary_pattern(base), []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if found and not _process_exists(int(found["pid"])):
                with contextlib.suppress(OSError):  # e.g. another writer removed it first
                    os.unlink(entry.path)
                    removed.append(entry.path)
    return removed


def _as_bytes(chunk: Chunk) -> bytes | bytearray | memoryview:
    if isinstance(chunk, np.ndarray):  # written as it lies in memory, little-endian and C order, no copy
        return np.ascontiguousarray(chunk, dtype=chunk.dtype.newbyteorder("<")).reshape(-1).view(np.uint8).data
    return chunk


def write_atomically(path: Any, chunks: Iterable[Chunk]) -> None:
    """Write the concatenated ``chunks`` (bytes, or arrays written as their little-endian bytes) to ``path``
    atomically: a new file beside it, flushed and fsynced, then ``os.replace``. An existing file keeps its
    mode and a symlink keeps pointing where it did (the file it points to is replaced). On any error the
    temporary file is removed and the previous file is untouched."""
    target = os.path.realpath(check_path(path))
    folder, base = os.path.split(target)
    remove_stale_temporaries(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base}.{_writer()}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temporary, flags, 0o666)  # 0o666 minus the umask, as open(path, "wb") would give
            break
        except FileExistsError:
            continue
    try:
        with open(fd, "wb") as handle:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))  # keep an existing file's mode
            for chunk in chunks:
                handle.write(_as_bytes(chunk))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename durable; directories cannot be opened on Windows
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
