"""The datasets of an untrusted HDF5 file, read with h5py — run as a process of its own by
:func:`glassnet.saving.keras_weights.read_variables`.

Why a process: the HDF5 library trusts the sizes a file states. A 20 kB ``model.weights.h5`` with a few bytes
changed (found by fuzzing) makes it allocate and touch 12 GB and spin for minutes before it gives up, whatever
glassnet checks around it: nothing in h5py bounds it. So the file is parsed in a child process whose address
space (1 GiB + 4 × the bytes it may legitimately need), CPU time and file writes (none) are limited by the
operating system (POSIX ``setrlimit``; on Windows only the caller's wall-clock timeout applies); a runaway ends
the child, never the caller. The child imports nothing of glassnet (only the
standard library, NumPy and h5py) and answers on stdout in a plain format the parent checks field by field —
never a pickle::

    8 bytes   N, little-endian; then N bytes of JSON: {"error": message} or
              {"arrays": [{"path", "dtype": "<f4" | "<f8" | "<i8", "shape"}, ...]}
    then the arrays' bytes, back to back, in that order

What is read (also when glassnet reads a file it has just written, in the calling process): the caller names
each dataset (path, shape, 'float' or 'int', required or not) and the groups that may hold them. Every object
visited must be a hard link inside the file at one of those paths (a soft or external link could point at
another file); a dataset must have the named shape, a float32/float64 dtype (an integer one for counts), its
data in the file itself (not virtual, not external) and no filter beyond deflate, shuffle and Fletcher-32 (any
other is a plugin library HDF5 would load: code). Attributes are never read.
"""

from __future__ import annotations

import io
import json
import reprlib
import sys
from typing import Any

import numpy as np

WHERE = "model.weights.h5"
FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}  # HDF5's built-in H5Z filters that need no plugin
DTYPES = {"float": ("<f4", "<f8"), "int": ("<i8",)}
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


class Refused(Exception):
    """What is wrong with the file, worded as glassnet's ModelFileError: where, what was expected, what was not."""


def refuse(where: str, expected: str, received: str) -> None:
    raise Refused(f"`{WHERE}:{where}` must be {expected}. Received: {received}")


def _dataset(h5py: Any, dataset: Any, path: str, shape: tuple[int, ...], kind: str) -> np.ndarray:
    if dataset.shape != shape:
        refuse(path, f"a dataset of shape {shape}, what config.json builds", f"shape {dataset.shape}")
    dtype = dataset.dtype
    good = dtype.kind == "f" and dtype.itemsize in (4, 8) if kind == "float" else (
        dtype.kind in "iu" and dtype.itemsize <= 8)
    if not good:
        refuse(path, "a dataset of " + ("float32 or float64" if kind == "float" else "an integer type"),
               f"dtype {_SHORT.repr(str(dtype))[1:-1]}")
    if dataset.is_virtual or dataset.external:
        refuse(path, "a dataset stored in this file", "data stored in other files")
    plist = dataset.id.get_create_plist()
    for index in range(plist.get_nfilters()):
        code = plist.get_filter(index)[0]
        if code not in FILTERS:
            refuse(path, f"a dataset without filters or with {sorted(FILTERS.values())} (any other is a plugin "
                   "library HDF5 would load: code)", f"filter {code}")
    array = np.asarray(dataset[()])
    if kind == "int":
        if (array.dtype.kind == "u" and array > np.iinfo(np.int64).max) or array < 0:
            refuse(path, "a count ≥ 0 (at most 2**63 − 1)", _SHORT.repr(int(array)))
        return array.astype("<i8")
    return array.astype(array.dtype.newbyteorder("<"))


def _walk(h5py: Any, group: Any, prefix: str, variables: dict[str, tuple[tuple[int, ...], str]],
          groups: set[str], found: dict[str, np.ndarray]) -> None:
    for name in group:  # one name at a time: the first unexpected one stops the walk
        path = prefix + name
        link = group.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            refuse(path, "an object of the file itself", f"a {type(link).__name__} (it points elsewhere)")
        item = group[name]
        if path in variables and isinstance(item, h5py.Dataset):
            found[path] = _dataset(h5py, item, path, *variables[path])
        elif path in groups and isinstance(item, h5py.Group):
            _walk(h5py, item, path + "/", variables, groups, found)
        else:
            refuse(_SHORT.repr(path)[1:-1], "absent: glassnet reads only the variables of the layers and optimizer "
                   "config.json describes", f"a {type(item).__name__} there")


def read(blob: bytes, variables: list[tuple[str, tuple[int, ...], str, bool]],
         groups: set[str]) -> dict[str, np.ndarray]:
    """The datasets ``variables`` — (path, shape, 'float' or 'int', required) — of the HDF5 file ``blob``, by
    path, little-endian; :class:`Refused` for anything else in the file or a required one missing."""
    import h5py

    wanted = {path: (tuple(shape), kind) for path, shape, kind, _ in variables}
    found: dict[str, np.ndarray] = {}
    with h5py.File(io.BytesIO(blob), "r") as file:
        _walk(h5py, file, "", wanted, groups, found)
    missing = [path for path, _, _, required in variables if required and path not in found]
    if missing:
        raise Refused(f"`{WHERE}` must be the variables of the layers config.json describes. Received: missing "
                      f"{missing[:6]}")
    return found


def _limit(memory: int, seconds: int) -> None:
    """The operating system's bounds on this process: address space, CPU time, no file written."""
    import resource

    for name, value in (("RLIMIT_AS", memory), ("RLIMIT_CPU", seconds), ("RLIMIT_FSIZE", 0)):
        if hasattr(resource, name):
            resource.setrlimit(getattr(resource, name), (value, value))


def error_reply(message: str) -> bytes:
    header = json.dumps({"error": message}).encode("utf-8")
    return len(header).to_bytes(8, "little") + header


def arrays_reply(found: dict[str, np.ndarray]) -> bytes:
    arrays = [{"path": path, "dtype": array.dtype.str, "shape": list(array.shape)} for path, array in found.items()]
    header = json.dumps({"arrays": arrays}).encode("utf-8")
    return b"".join([len(header).to_bytes(8, "little"), header, *(np.ascontiguousarray(a).tobytes()
                                                                  for a in found.values())])


def main() -> None:
    """The child: stdin holds 8 bytes of request length, the JSON request {variables, groups, memory, seconds},
    then the HDF5 file; stdout gets the reply (module docstring)."""
    data = sys.stdin.buffer.read()
    length = int.from_bytes(data[:8], "little")
    request = json.loads(data[8:8 + length])
    blob = data[8 + length:]
    del data
    if sys.platform != "win32":
        _limit(request["memory"], request["seconds"])
    try:
        out = arrays_reply(read(blob, [tuple(v) for v in request["variables"]], set(request["groups"])))
    except Refused as exc:
        out = error_reply(str(exc))
    except MemoryError:
        out = error_reply(f"`{WHERE}` must be an HDF5 file HDF5 reads within memory bounds. Received: a file that "
                    f"needs more than {request['memory']} bytes to open")
    except Exception as exc:  # noqa: BLE001 - h5py raises many kinds on a damaged file; each is a refusal
        out = error_reply(f"`{WHERE}` must be an intact HDF5 file. Received: a damaged file ({type(exc).__name__}: "
                    f"{_SHORT.repr(str(exc))})")
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main()
