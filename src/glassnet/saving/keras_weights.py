"""``model.weights.h5`` of a ``.keras`` archive: Keras's variables, read through h5py in a bounded child
process, and written.

Keras 3 (``H5IOStore`` in ``keras/src/saving/saving_lib.py``) keeps each object's variables as the datasets
``<object path>/vars/0``, ``/vars/1``, ... of an HDF5 file: ``layers/dense/vars/0`` is the first Dense layer's
kernel, ``optimizer/vars/0`` the optimizer's step count. The caller names the datasets the config builds
(:class:`Variable`) and the groups that hold them; :mod:`~glassnet.saving.hdf5_reader` reads exactly those, in a
process of its own whose memory, CPU time and file writes the operating system bounds (HDF5 can run away on a
damaged file: see there). Its answer is checked here as untrusted too: every array must be one that was asked
for, in the dtype and shape asked for, the bytes adding up exactly. A child that dies or runs out of time is a
refusal, not a crash of the caller. A file glassnet has just written is read in the calling process.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelFileError
from . import hdf5_reader
from .container import _json
from .messages import _bad, _Said

WEIGHTS_ENTRY = "model.weights.h5"
CHILD_MEMORY = 1024**3  #: the child's address space beyond 4 × the bytes of the file and its variables
CHILD_SECONDS = 30  #: the child's CPU seconds beyond one per 20 MB of the file and its variables
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Variable:
    """A dataset the config builds: where, its shape, 'float' (float32 or float64) or 'int' (a count ≥ 0), and
    whether a file may leave it out."""

    path: str
    shape: tuple[int, ...]
    kind: str = "float"
    required: bool = True


def h5py_module() -> Any:
    """h5py, or an ImportError that says how to get it (``pip install glassnet[keras]``)."""
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is in the test set
        raise ImportError("Reading and writing Keras .keras files needs h5py: pip install 'glassnet[keras]' (or "
                          "h5py). Received: no module named 'h5py'") from exc
    return h5py


def _child(request: dict[str, Any], blob: bytes, seconds: int) -> bytes:
    """Run hdf5_reader as a child process on ``blob``; its stdout, or a ModelFileError if it did not finish."""
    payload = json.dumps(request).encode("utf-8")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:  # -I: isolated (no PYTHON* variables, no user site, not the current folder)
        done = subprocess.run([sys.executable, "-I", hdf5_reader.__file__], input=len(payload).to_bytes(8, "little")
                              + payload + blob, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                              timeout=10 * seconds, check=False)
    except subprocess.TimeoutExpired:
        _bad(WEIGHTS_ENTRY, f"an HDF5 file h5py reads within {10 * seconds} s", _Said("reading it did not end"))
    if done.returncode != 0:
        _bad(WEIGHTS_ENTRY, f"an HDF5 file h5py reads within {request['memory']} bytes of memory and {seconds} s "
             "of CPU time", _Said(f"reading it stopped with exit status {done.returncode}"))
    return done.stdout


def _arrays(out: bytes, variables: dict[str, Variable]) -> dict[str, np.ndarray]:
    """The child's answer, checked: only arrays asked for, as asked for, the bytes adding up exactly."""
    length = int.from_bytes(out[:8], "little") if len(out) >= 8 else -1
    if not 0 <= length <= min(len(out) - 8, 1 << 20):
        _bad(WEIGHTS_ENTRY, "an HDF5 file the reader answers for", _Said(f"an answer of {len(out)} bytes"))
    header = _json(out[8:8 + length].decode("utf-8", "replace"), "The reader's answer")
    if isinstance(header, dict) and isinstance(header.get("error"), str):
        raise ModelFileError(_UNPRINTABLE.sub("?", header["error"][:2000]))
    entries = header.get("arrays") if isinstance(header, dict) else None
    unasked = _Said("an answer not asked for")
    if not isinstance(entries, list):
        _bad(WEIGHTS_ENTRY, "an HDF5 file the reader answers for", unasked)
    found: dict[str, np.ndarray] = {}
    position = 8 + length
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        variable = variables.get(path) if isinstance(path, str) else None
        if variable is None or variable.path in found or entry.get("dtype") not in hdf5_reader.DTYPES[
                variable.kind] or entry.get("shape") != list(variable.shape):
            _bad(WEIGHTS_ENTRY, "an HDF5 file the reader answers for", unasked)
        count = math.prod(variable.shape)
        size = count * np.dtype(entry["dtype"]).itemsize
        if position + size > len(out):
            _bad(WEIGHTS_ENTRY, "an HDF5 file the reader answers for", _Said("an answer cut short"))
        found[variable.path] = np.frombuffer(out, entry["dtype"], count, position).reshape(variable.shape)
        position += size
    missing = [v.path for v in variables.values() if v.required and v.path not in found]
    if position != len(out) or missing:
        _bad(WEIGHTS_ENTRY, "an HDF5 file the reader answers for", _Said("an answer of the wrong length"))
    return found


def read_variables(blob: bytes, variables: list[Variable], groups: set[str], *,
                   trusted: bool = False) -> dict[str, np.ndarray]:
    """The datasets of ``variables`` (by path) from the HDF5 file ``blob``; ``groups`` are the group paths that
    may hold them. Anything else in the file, and a required variable missing, is refused
    (:class:`~glassnet.errors.ModelFileError`). ``trusted``: glassnet wrote ``blob`` itself just now, so it is
    read in this process."""
    listed = [(v.path, v.shape, v.kind, v.required) for v in variables]
    if trusted:
        try:
            return hdf5_reader.read(blob, listed, groups)
        except hdf5_reader.Refused as exc:
            raise ModelFileError(str(exc)) from None
    need = len(blob) + sum(math.prod(v.shape) * 8 for v in variables)
    seconds = CHILD_SECONDS + need // 20_000_000
    request = {"variables": listed, "groups": sorted(groups), "memory": CHILD_MEMORY + 4 * need, "seconds": seconds}
    return _arrays(_child(request, bytes(blob), seconds), {v.path: v for v in variables})


def variables_bytes(groups: dict[str, str], arrays: dict[str, np.ndarray]) -> bytes:
    """An HDF5 file as Keras writes one: each group of ``groups`` with its object's name as the attribute
    ``name``, and each array of ``arrays`` as a plain dataset at its path."""
    h5py = h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        for path, name in groups.items():
            file.require_group(path).attrs["name"] = name
        for path, array in arrays.items():
            file.create_dataset(path, data=array)
    return buffer.getvalue()
