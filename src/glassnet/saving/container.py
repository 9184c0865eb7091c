"""The safetensors container: the bytes of a file and its header's bounds (format: see :mod:`glassnet.saving`).

Writing turns a config (JSON) and named arrays into the file's header; the arrays' bytes follow it as they are.
Reading checks the size, the header and every tensor's dtype, shape and offsets before anything is allocated,
and returns the file's kind, its config (parsed JSON, not yet checked) and read-only views of its tensors.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
from collections import Counter
from collections.abc import Iterator
from typing import Any, NoReturn

import numpy as np

from ..errors import ModelFileError
from .messages import _bad, _int, _Said, _short

FORMAT, FORMAT_VERSION, SUPPORTED_VERSIONS = "glassnet", "1", ("1",)
MAX_BYTES = 2 * 1024**3  #: default ``max_bytes`` of the loaders: bigger files are refused before being read
MAX_HEADER_BYTES = 16 * 1024**2  #: the header (config and tensor table) may not be longer
_DTYPES: dict[str, np.dtype] = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_CODES = {"float32": "F32", "float64": "F64"}
_MAX_RANK, _MAX_DIM, _MAX_INT_DIGITS = 8, 2**40, 40


# --- writing -----------------------------------------------------------------------------------------------
def _encode_header(kind: str, config: dict[str, Any], tensors: list[tuple[str, np.ndarray]]) -> bytes:
    """The first part of the file: 8 bytes of header length, then the header. The tensors' bytes follow it,
    in the order of ``tensors`` (:func:`glassnet.saving.atomic.write_atomically` writes arrays as they are)."""
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
                "config": json.dumps(config, separators=(",", ":"), allow_nan=False)}
    header: dict[str, Any] = {"__metadata__": metadata}
    offset = 0
    for name, array in tensors:
        header[name] = {"dtype": _CODES[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # safetensors pads the header so the data starts 8-byte aligned
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(f"Cannot save: the header would exceed {MAX_HEADER_BYTES} bytes, more than "
                         f"load_model reads. Received: a header of {len(text)} bytes")
    return len(text).to_bytes(8, "little") + text


# --- reading and checking a file ------------------------------------------------------------------------
def _read(source: str, max_bytes: int) -> bytearray:
    """The file's bytes, once it is known to be a regular file of at most ``max_bytes`` bytes. Memory is
    asked for the file's size, not for ``max_bytes``."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused as not a regular file.
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"Cannot load {source!r}: it must be a regular file. Received: a file of "
                                 f"mode {stat.filemode(info.st_mode)}")
        if info.st_size > max_bytes:
            raise ModelFileError(f"Cannot load {source!r}: the file must be at most max_bytes={max_bytes} "
                                 "bytes (pass a larger max_bytes= if you trust it). Received: "
                                 f"{info.st_size} bytes")
        blob, filled = bytearray(info.st_size), 0
        with open(fd, "rb", buffering=0, closefd=False) as handle:
            view = memoryview(blob)
            while filled < len(blob):  # one read returns at most about 2 GiB (Linux)
                count = handle.readinto(view[filled:])
                if not count:
                    break
                filled += count
            view.release()
            more = handle.read(1)
    finally:
        os.close(fd)
    if more:
        raise ModelFileError(f"Cannot load {source!r}: the file must keep its size while it is read. "
                             f"Received: more than the {info.st_size} bytes it had when opened")
    del blob[filled:]  # it shrank while being read: what is there is checked as it is
    return blob


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        _bad("every JSON object", "free of repeated keys", sorted(k for k, n in counts.items() if n > 1))
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _bad("every JSON number", "finite", text)
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        _bad("every JSON integer", f"at most {_MAX_INT_DIGITS} digits long", text)
    return int(text)


def _not_a_number(text: str) -> NoReturn:
    _bad("every JSON number", "finite (NaN and Infinity are not JSON)", text)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_float=_finite_float,
                          parse_int=_bounded_int, parse_constant=_not_a_number)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{what} must be valid JSON. Received: text that fails at {exc.msg} (character "
                             f"{exc.pos})") from exc
    except RecursionError as exc:
        raise ModelFileError(f"{what} must be JSON nested a few levels deep. Received: deeper "
                             "nesting") from exc


def _parse_header(blob: bytes | bytearray, size: int) -> tuple[str, Any, dict[str, tuple[Any, tuple, int]], int]:
    """Check the header of a file of ``size`` bytes whose first bytes are ``blob``: return its kind, its config
    (parsed JSON, not yet checked), each tensor's (dtype, shape, begin) and where the data starts. Saving runs
    it on the header it is about to write, so a file that load_model would refuse is never written."""
    if size < 8:
        _bad("the file", "a safetensors file: 8 bytes of header length, then the header", _Said(f"{size} bytes"))
    length = int.from_bytes(blob[:8], "little")
    if length > min(size - 8, MAX_HEADER_BYTES):
        _bad("the header length (the first 8 bytes)", f"at most {min(size - 8, MAX_HEADER_BYTES)} (the "
             f"rest of the file, and at most {MAX_HEADER_BYTES})", length)
    try:
        text = str(memoryview(blob)[8:8 + length], "utf-8")  # decoded in place: no copy of the header
    except UnicodeDecodeError as exc:
        raise ModelFileError("The header must be UTF-8 text. Received: an invalid byte at "
                             f"{exc.start}") from exc
    header = _json(text, "The header")
    if not isinstance(header, dict):
        _bad("the header", "a JSON object", _Said(f"a JSON {type(header).__name__}"))
    metadata = header.pop("__metadata__", None)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        _bad("the header's __metadata__.format", f"{FORMAT!r} (this is not a glassnet file)",
             metadata.get("format") if isinstance(metadata, dict) else metadata)
    if metadata.get("format_version") not in SUPPORTED_VERSIONS:
        _bad("format_version", f"one of {list(SUPPORTED_VERSIONS)}, the versions this glassnet reads (a "
             "newer glassnet may have written the file)", metadata.get("format_version"))
    if set(metadata) != {"format", "format_version", "kind", "config"} or metadata["kind"] not in (
            "model", "weights") or not isinstance(metadata["config"], str):
        _bad("__metadata__", "{format, format_version, kind: 'model' or 'weights', config: JSON text}",
             metadata)
    data_start = 8 + length
    spans, tensors = [], {}
    for name, entry in header.items():
        where = f"tensor {name!r}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            _bad(where, "an object with exactly dtype, shape and data_offsets", entry)
        dtype = _DTYPES.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
        if dtype is None:
            _bad(f"{where}.dtype", f"one of {sorted(_DTYPES)}", entry["dtype"])
        shape, offsets = entry["shape"], entry["data_offsets"]
        if not isinstance(shape, list) or len(shape) > _MAX_RANK:
            _bad(f"{where}.shape", f"a list of at most {_MAX_RANK} sizes", shape)
        shape = tuple(_int(d, f"{where}.shape", 0, _MAX_DIM) for d in shape)
        if not isinstance(offsets, list) or len(offsets) != 2:
            _bad(f"{where}.data_offsets", "[begin, end]", offsets)
        begin, end = (_int(offset, f"{where}.data_offsets", 0, size - data_start + 1) for offset in offsets)
        if end - begin != math.prod(shape) * dtype.itemsize:
            _bad(f"{where}.data_offsets", f"{math.prod(shape) * dtype.itemsize} bytes apart for {shape} "
                 f"{entry['dtype']}", offsets)
        spans.append((begin, end, name))
        tensors[name] = (dtype, shape, begin)
    position = 0
    for begin, end, name in sorted(spans):  # safetensors: tensors tile the data exactly, no gap, no overlap
        if begin != position:
            _bad(f"tensor {name!r}.data_offsets", f"to start at byte {position}, where the previous tensor "
                 "ends", [begin, end])
        position = end
    if data_start + position != size:
        _bad("the file", f"{data_start + position} bytes long, where its last tensor ends",
             _Said(f"{size} bytes"))
    return metadata["kind"], _json(metadata["config"], "The config"), tensors, data_start


def _parse(blob: bytearray) -> tuple[str, Any, dict[str, np.ndarray]]:
    """Check the container; return its kind, its config (parsed JSON) and read-only views of its tensors."""
    kind, config, table, data_start = _parse_header(blob, len(blob))
    views = {}
    for name, (dtype, shape, begin) in table.items():
        views[name] = np.frombuffer(blob, dtype, math.prod(shape), data_start + begin).reshape(shape)
        views[name].flags.writeable = False
    return kind, config, views


@contextlib.contextmanager
def _file_errors(source: str) -> Iterator[None]:
    """Say which file failed; turn any other exception a damaged file provokes into ModelFileError."""
    try:
        yield
    except ModelFileError as exc:
        exc.args = (f"Cannot load {source!r}: {exc}",)
        raise
    except Exception as exc:  # noqa: BLE001 - by contract nothing but ModelFileError leaves a load
        raise ModelFileError(f"Cannot load {source!r}: the file is damaged ({type(exc).__name__}: "
                             f"{_short(str(exc))}). Received: a damaged file") from exc
