"""``model.weights.h5`` of a ``.keras`` archive: Keras's variables, read with bounds through h5py, and written.

Keras 3 (``H5IOStore`` in ``keras/src/saving/saving_lib.py``) keeps each object's variables as the datasets
``<object path>/vars/0``, ``/vars/1``, ... of an HDF5 file: ``layers/dense/vars/0`` is the first Dense layer's
kernel, ``optimizer/vars/0`` the optimizer's step count. The caller says which datasets (path, shape, float or
integer) and which groups the config builds (:class:`Variable`); :func:`read_variables` reads exactly those:

- every object of the file it visits is a hard link inside the file (a soft or external link could point at
  another file) and sits at a path the config builds — anything else is refused by its path;
- a dataset has the shape the config builds (so what is read is bounded by the config, whatever its
  compression), a float32/float64 dtype (an integer one for step counts), its data in the file itself (not
  virtual, not external) and no filter beyond deflate, shuffle and Fletcher-32: any other filter is a plugin
  library HDF5 would load, which is code;
- attributes are never read.

The HDF5 file is opened in memory (h5py's file-object driver); nothing touches the disk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .messages import _bad, _Said

WEIGHTS_ENTRY = "model.weights.h5"
_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}  # HDF5's built-in H5Z filters that need no plugin


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


def _where(path: str) -> str:
    return f"{WEIGHTS_ENTRY}:{path}"


def _dataset(h5py: Any, dataset: Any, variable: Variable) -> np.ndarray:
    where = _where(variable.path)
    if dataset.shape != variable.shape:
        _bad(where, f"a dataset of shape {variable.shape}, what config.json builds", _Said(f"shape {dataset.shape}"))
    dtype = dataset.dtype
    good = dtype.kind == "f" and dtype.itemsize in (4, 8) if variable.kind == "float" else (
        dtype.kind in "iu" and dtype.itemsize <= 8)
    if not good:
        expected = "float32 or float64" if variable.kind == "float" else "an integer type"
        _bad(where, f"a dataset of {expected}", _Said(f"dtype {dtype}"))
    if dataset.is_virtual or dataset.external:
        _bad(where, "a dataset stored in this file", _Said("data stored in other files"))
    plist = dataset.id.get_create_plist()
    for index in range(plist.get_nfilters()):
        code = plist.get_filter(index)[0]
        if code not in _FILTERS:
            _bad(where, f"a dataset without filters or with {sorted(_FILTERS.values())} (any other is a plugin "
                 "library HDF5 would load: code)", _Said(f"filter {code}"))
    array = np.asarray(dataset[()])
    array = array.astype(array.dtype.newbyteorder("="), copy=False)
    if variable.kind == "int" and array < 0:
        _bad(where, "a count ≥ 0", int(array))
    return array


def _walk(h5py: Any, group: Any, prefix: str, variables: dict[str, Variable], groups: set[str],
          found: dict[str, np.ndarray]) -> None:
    for name in group:  # lazily, one name at a time: the first unexpected one stops the walk
        path = prefix + name
        link = group.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            _bad(_where(path), "an object of the file itself", _Said(f"a {type(link).__name__} (it points elsewhere)"))
        item = group[name]
        if path in variables and isinstance(item, h5py.Dataset):
            found[path] = _dataset(h5py, item, variables[path])
        elif path in groups and isinstance(item, h5py.Group):
            _walk(h5py, item, path + "/", variables, groups, found)
        else:
            _bad(_where(path), "absent: glassnet reads only the variables of the layers and optimizer config.json "
                 "describes", _Said(f"a {type(item).__name__} there"))


def read_variables(blob: bytes, variables: list[Variable], groups: set[str]) -> dict[str, np.ndarray]:
    """The datasets of ``variables`` (by path) from the HDF5 file ``blob``; ``groups`` are the group paths that
    may hold them. Anything else in the file, and a required variable missing, is refused
    (:class:`~glassnet.errors.ModelFileError`)."""
    h5py = h5py_module()
    wanted = {variable.path: variable for variable in variables}
    found: dict[str, np.ndarray] = {}
    with h5py.File(io.BytesIO(blob), "r") as file:
        _walk(h5py, file, "", wanted, groups, found)
    missing = [variable.path for variable in variables if variable.required and variable.path not in found]
    if missing:
        _bad(WEIGHTS_ENTRY, "the variables of the layers config.json describes", _Said(f"missing {missing[:6]}"))
    return found


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
