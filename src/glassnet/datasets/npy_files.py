"""``.npy`` and ``.npz`` files read without trusting them: sizes checked against the file before anything is
allocated, never unpickled.

An ``.npy`` header declares a dtype and a shape; the data that follows must be exactly ``prod(shape)·itemsize``
bytes (so a 100-byte file cannot declare 2**36 rows) and at most ``MAX_DATA_BYTES``. An ``.npz`` is a zip
archive of ``.npy`` members: its directory may list at most ``MAX_MEMBERS`` arrays, and each member read is
checked the same way against the size the archive declares for it, which may exceed its compressed size at most
``MAX_EXPANSION`` times beyond the first ``EXPANSION_FREE_BYTES`` (a zip bomb expands ~1,000×). Only then is the
array read, by NumPy's own reader with ``allow_pickle=False``. Every refusal is a one-line ``ValueError`` that
starts with the file's path.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import limits
from .table import Column, Table, existing_file

MAX_MEMBERS = 1_000
_NPY_MAGIC, _ZIP_MAGIC = b"\x93NUMPY", b"PK\x03\x04"
_HEADER_BYTES = 65_536   # numpy's own max_header_size default is 10,000; arrays of a table need far less
_NOT_NUMBERS = "not a NumPy .npy/.npz file of numbers"


def _magic(file: Path) -> bytes:
    with file.open("rb") as handle:
        return handle.read(6)


def _header(handle: IO[bytes], where: str, what: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """The shape and dtype an .npy header declares, and where its data starts. The header's length is checked
    before it is read, then NumPy's literal parser reads it (nothing is evaluated)."""
    start = handle.read(8)
    if len(start) < 8 or start[:6] != _NPY_MAGIC or start[6] not in (1, 2, 3):
        raise ValueError(f"{where}: {what}: {_NOT_NUMBERS} (no .npy header of version 1, 2 or 3)")
    width = 2 if start[6] == 1 else 4
    raw = handle.read(width)
    length = int.from_bytes(raw, "little")
    if len(raw) < width or length > _HEADER_BYTES:
        raise ValueError(f"{where}: {what}: {_NOT_NUMBERS} (a header of {length:,} bytes; at most "
                         f"{_HEADER_BYTES:,})")
    buffer = io.BytesIO(start + raw + handle.read(length))
    try:
        with warnings.catch_warnings():   # a header in Python 2's style parses with a warning: not our reader's
            warnings.simplefilter("ignore")
            version = np.lib.format.read_magic(buffer)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = reader(buffer, max_header_size=_HEADER_BYTES)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - NumPy's header parser raises what Python's tokenizer raises
        raise ValueError(f"{where}: {what}: {_NOT_NUMBERS} ({_first(exc)})") from None
    if dtype.hasobject:
        raise ValueError(f"{where}: {what} holds Python objects (dtype=object), which would need unpickling; "
                         "glassnet never unpickles")
    return shape, dtype, buffer.tell()


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _check_size(shape: tuple[int, ...], dtype: np.dtype, available: int, where: str) -> None:
    declared = math.prod(shape) * dtype.itemsize
    if declared > limits.MAX_DATA_BYTES:
        raise ValueError(f"{where}: declares {shape} {dtype} = {declared:,} bytes, more than the "
                         f"{limits.MAX_DATA_BYTES:,} a data array may have")
    if declared != available:
        raise ValueError(f"{where}: declares {shape} {dtype} = {declared:,} bytes of data, but {available:,} follow "
                         "the header (a damaged or forged file)")


def read_npy(path: Any) -> np.ndarray:
    """One checked ``.npy`` array (see the module docstring)."""
    file = existing_file(path)
    magic = _magic(file)
    if magic[:4] == _ZIP_MAGIC:
        raise ValueError(f"{file}: an .npz archive, not an .npy array; use load_npz")
    if magic != _NPY_MAGIC:
        reason = "it holds pickled Python objects, which glassnet never loads" if magic[:1] == b"\x80" \
            else "no .npy header"
        raise ValueError(f"{file}: {_NOT_NUMBERS} ({reason})")
    size = file.stat().st_size
    with file.open("rb") as handle:
        shape, dtype, offset = _header(handle, str(file), "the array")
        _check_size(shape, dtype, size - offset, str(file))
        handle.seek(0)
        return _read_array(handle, str(file))


def _read_array(handle: IO[bytes], where: str) -> np.ndarray:
    """NumPy's reader on a stream whose header and size are already checked; its errors become ValueError."""
    try:
        return np.lib.format.read_array(handle, allow_pickle=False, max_header_size=_HEADER_BYTES)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged stream raises zlib, zipfile, EOF and NumPy errors
        raise ValueError(f"{where}: {_NOT_NUMBERS} ({_first(exc)})") from None


def _directory_bounds(file: Path) -> None:
    """Refuse an archive whose directory lists more than MAX_MEMBERS entries before zipfile reads them all."""
    size = file.stat().st_size
    with file.open("rb") as handle:
        handle.seek(max(0, size - 65_557))   # the end record: 22 bytes plus a comment of up to 65,535
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return   # not a zip file: zipfile says so below
    entries, directory_bytes = struct.unpack("<HI", tail[end + 10:end + 16])
    if entries > MAX_MEMBERS or directory_bytes > MAX_MEMBERS * 1_024:
        raise ValueError(f"{file}: an archive of {entries:,} entries ({directory_bytes:,} bytes of directory); an "
                         f".npz glassnet reads holds at most {MAX_MEMBERS:,} arrays")


def read_npz(path: Any, keys: tuple[str, ...], *, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The checked arrays ``keys`` of an ``.npz`` archive, by key (see the module docstring); a key of
    ``optional`` that the archive lacks is left out."""
    file = existing_file(path)
    magic = _magic(file)
    if magic == _NPY_MAGIC:
        raise ValueError(f"{file}: a single .npy array, not an .npz archive; use load_npy")
    if file.stat().st_size > limits.MAX_DATA_BYTES:
        raise ValueError(f"{file}: {file.stat().st_size:,} bytes, more than the {limits.MAX_DATA_BYTES:,} a data "
                         "file may have")
    _directory_bounds(file)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error, NotImplementedError) as exc:
        raise ValueError(f"{file}: {_NOT_NUMBERS} ({_first(exc)})") from None
    with archive:
        members = {name[:-4]: name for name in archive.namelist() if name.endswith(".npy")}
        infos = []
        for key in keys:
            if key not in members and key not in optional:
                raise ValueError(f"{file}: no array named {key!r}; available arrays: {sorted(members)[:30]}")
            infos.append(archive.getinfo(members[key]) if key in members else None)
        total = sum(info.file_size for info in infos if info is not None)
        if total > limits.MAX_DATA_BYTES:
            raise ValueError(f"{file}: arrays {list(keys)} expand to {total:,} bytes, more than the "
                             f"{limits.MAX_DATA_BYTES:,} a data file may hold")
        return {key: _read_member(archive, info, str(file), f"array {key!r}")
                for key, info in zip(keys, infos) if info is not None}


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, what: str) -> np.ndarray:
    where = f"{file}: {what}"
    if info.file_size > max(limits.EXPANSION_FREE_BYTES, limits.MAX_EXPANSION * info.compress_size):
        raise ValueError(f"{where} expands from {info.compress_size:,} to {info.file_size:,} bytes, more than "
                         f"{limits.MAX_EXPANSION}× (a zip bomb?)")
    try:
        with archive.open(info) as member:
            shape, dtype, offset = _header(member, file, what)
        _check_size(shape, dtype, info.file_size - offset, where)
        with archive.open(info) as member:
            return _read_array(member, where)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError,
            struct.error) as exc:   # a damaged member: its header or data cannot be decompressed
        raise ValueError(f"{where}: {_NOT_NUMBERS} ({_first(exc)})") from None


def _columns_of(x: np.ndarray, name: str, where: str, *, features: bool) -> list[Column]:
    """The columns of x (``features``: 2-D, one column each) or of y (1-D, or 2-D with one column)."""
    what = "x" if features else "y"
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: {what} has dtype {x.dtype}; expected numbers")
    if x.ndim == 2 and not features and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != (2 if features else 1):
        expected = "2-D (rows, features)" if features else "1-D (rows,): one target column"
        raise ValueError(f"{where}: {what} must be {expected}; found shape {x.shape}")
    values = x if x.dtype.kind == "f" else x.astype(np.float64)
    if np.isinf(values).any():
        index = tuple(int(i) for i in np.argwhere(np.isinf(values))[0])
        raise ValueError(f"{where}: {what} has the non-finite value {values[index]} at index {index}")
    if not features:
        return [Column(name, values=values, first_missing=_first_nan(values))]
    return [Column(f"x[{j}]", values=values[:, j], first_missing=_first_nan(values[:, j]))
            for j in range(values.shape[1])]


def _first_nan(values: np.ndarray) -> tuple[int, str] | None:
    missing = np.flatnonzero(np.isnan(values))
    return (int(missing[0]), "nan") if len(missing) else None


def read_npy_table(path: Any, target: Any) -> Table:
    """An ``.npz`` (arrays ``'x'`` and ``target``) or an ``.npy`` pair (x from ``path``, y from the file
    ``target``) as a table: columns ``x[0]``, ``x[1]``, ... and the target column, named ``target`` in an .npz and
    ``'y'`` for an .npy pair. Without a target: an .npz's ``'y'`` if it has one, else x alone (rows to predict).
    NaN is a missing cell; ±inf is refused."""
    file = Path(path)
    if file.suffix.lower() == ".npz":
        if target is not None and not isinstance(target, str):
            raise TypeError(f"Argument `target` must be the name of an array in {file}. Received: target={target!r}")
        name = "y" if target is None else target
        arrays = read_npz(file, ("x", name), optional=(name,) if target is None else ())
        x, y = arrays["x"], arrays.get(name)
        sources = (f"{file}['x']", f"{file}[{name!r}]")
    else:
        if target is not None and not isinstance(target, (str, Path)):
            raise ValueError(f"{file}: an .npy file holds x only; name y's .npy file as the target. Received: "
                             f"target={target!r}")
        name = "y"
        x, y = read_npy(file), None if target is None else read_npy(target)
        sources = (str(file), str(target))
    columns = _columns_of(x, "x", sources[0], features=True)
    if y is not None:
        columns += _columns_of(y, name, sources[1], features=False)
        if len(x) != len(y):
            raise ValueError(f"{sources[1]}: y has {len(y)} rows but x ({sources[0]}) has {len(x)}")
    if len(x) == 0:
        raise ValueError(f"{sources[0]}: x has no rows")
    return Table(str(file), tuple(columns), np.arange(len(x), dtype=np.int64), unit="row")
