"""The four entry points: :func:`save_model`, :func:`save_weights`, :func:`load_model`, :func:`load_weights`
(``model.save`` / ``model.save_weights`` / ``glassnet.load_model`` / ``model.load_weights`` call them), and
:func:`load_model_and_preparation` for a file ``glassnet train`` wrote with its data-preparation record.

The suffix chooses the format of a save: ``.keras`` writes a Keras 3 archive
(:mod:`~glassnet.saving.keras_writer`), ``.h5``/``.hdf5`` is refused (Keras 3's legacy format: glassnet never
writes its own format under a Keras name), anything else writes glassnet's safetensors file. Loading reads a
``.keras`` name as a Keras 3 archive (:mod:`~glassnet.saving.keras_file`), anything else as a glassnet file;
a legacy Keras HDF5 file is refused with what to do instead.

Whatever saving writes, loading reads: before writing anything, a save runs the loader's own checks on the
header and tensors it is about to write, with the same ``max_bytes``, and refuses with ``ValueError`` what a
load would refuse.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_positive_int, describe
from ..engine.model import Sequential
from ..errors import ModelFileError
from .atomic import check_path, write_atomically
from .bounds import _check_finite
from .container import MAX_BYTES, _encode_header, _file_errors, _parse, _parse_header, _read
from .keras_file import read_keras
from .keras_weights import h5py_module
from .keras_writer import keras_archive
from .messages import _bad, _keys, _Said, _short, _strings
from .model_file import _check_model, _decode_model, _model_config, _savable_structure
from .preparation_section import SECTION, decode_section, encode_section, split_section

_KERAS_SUFFIXES, _LEGACY_SUFFIXES = (".keras",), (".h5", ".hdf5")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _suffix(path: str) -> str:
    return os.path.splitext(path)[1].lower()


def _refuse_legacy_suffix(target: str, what: str) -> None:
    """.h5 is Keras's legacy HDF5 format: never write glassnet's own format under that name."""
    if _suffix(target) in _LEGACY_SUFFIXES:
        raise ValueError(f"Cannot save {what} to {target!r}: Keras 3 reads .h5 files as its legacy HDF5 format, "
                         "which glassnet does not write. Use a .keras name (a Keras 3 archive) or .glassnet "
                         f"(glassnet's own file). Received: path={target!r}")


def _refuse_foreign(blob: bytes | bytearray) -> None:
    """A legacy Keras HDF5 file is not a glassnet file: say what it is."""
    if bytes(blob[:8]) == _HDF5_SIGNATURE:
        raise ModelFileError("the file must be a glassnet file or a Keras 3 .keras archive. Received: an HDF5 "
                             "file (Keras's legacy .h5 model or its .weights.h5): load the model in Keras and save "
                             "it as .keras")


def _save(path: Any, kind: str, config: dict[str, Any], tensors: list[tuple[str, np.ndarray]],
          max_bytes: int, check: Callable[[Any, dict[str, np.ndarray]], Any]) -> None:
    """Refuse (ValueError, nothing written) a file that loading with ``max_bytes`` would refuse; else write it
    atomically. ``check(config, tensors)`` is the loader's check of the parsed config."""
    target = check_path(path)
    header = _encode_header(kind, config, tensors)
    size = len(header) + sum(array.nbytes for _, array in tensors)
    if size > max_bytes:
        raise ValueError(f"Cannot save to {target!r}: the file would be {size} bytes, more than max_bytes="
                         f"{max_bytes} (what loading reads unless told otherwise). Pass max_bytes={size} or "
                         f"more to the save and to the load. Received: max_bytes={max_bytes}")
    try:
        _, parsed, _, _ = _parse_header(header, size)
        check(parsed, dict(tensors))
    except ModelFileError as exc:
        raise ValueError(f"Cannot save to {target!r}: loading would refuse the file, because {exc}") from exc
    write_atomically(target, [header, *(array for _, array in tensors)])


def check_savable(model: Sequential, *, weights_only: bool = False) -> None:
    """Raise what :func:`save_model` (``weights_only``: :func:`save_weights`) would raise about ``model`` itself — a
    callable, a class outside the allow-list, a half-built model — without writing anything: callbacks that save
    at the end of an epoch check it when training begins."""
    if weights_only:
        _savable_structure(model)
    else:
        _model_config(model)


def save_model(model: Sequential, path: str | os.PathLike, *, max_bytes: int = MAX_BYTES,
               preparation: Any = None) -> None:
    """Write ``model`` (architecture, compile settings, weights, optimizer and generator states) to ``path``.

    Raises ``ValueError`` before writing anything when the model holds something a file cannot hold without
    code (a callable learning rate, metric or regularizer, or a class outside
    :data:`~glassnet.saving.ALLOW_LIST`), or anything :func:`load_model` with the same ``max_bytes`` would
    refuse: a file larger than ``max_bytes`` (default 2 GiB; the message says what to pass), a NaN or inf
    weight or optimizer slot, a name with control characters, an integer beyond the file's bounds.
    ``preparation`` (a :class:`~glassnet.datasets.Preparation`, as ``glassnet train`` passes) is saved too, as the
    config's ``"preparation"`` section.

    A ``.keras`` path writes a Keras 3 archive instead (:mod:`~glassnet.saving.keras_writer` says what it
    carries); a ``.h5``/``.hdf5`` path is refused (Keras 3's legacy format).
    """
    max_bytes = check_positive_int("max_bytes", max_bytes)
    target = check_path(path)
    _refuse_legacy_suffix(target, "a model")
    if _suffix(target) in _KERAS_SUFFIXES:
        if preparation is not None:
            raise ValueError("A .keras file cannot carry glassnet's data-preparation record: save to a .glassnet "
                             f"file. Received: preparation={describe(preparation)} with path={target!r}")
        return _save_keras(model, target, max_bytes)
    config, tensors = _model_config(model)
    if preparation is not None:
        config[SECTION] = encode_section(preparation, model, config["model"]["input_features"])
    _save(path, "model", config, tensors, max_bytes,
          lambda parsed, arrays: _check_model(split_section(parsed)[0], arrays, max_bytes))


def _save_keras(model: Sequential, target: str, max_bytes: int) -> None:
    """Write the Keras 3 archive of ``model`` (:mod:`~glassnet.saving.keras_writer`) atomically, after the same
    checks loading it would make (ValueError, nothing written, for what a load would refuse)."""
    h5py_module()
    blob = keras_archive(model)
    if len(blob) > max_bytes:
        raise ValueError(f"Cannot save to {target!r}: the file would be {len(blob)} bytes, more than max_bytes="
                         f"{max_bytes} (what loading reads unless told otherwise). Pass max_bytes={len(blob)} or "
                         f"more to the save and to the load. Received: max_bytes={max_bytes}")
    try:
        _check_model(*read_keras(blob, max_bytes, trusted=True), max_bytes)
    except ModelFileError as exc:
        raise ValueError(f"Cannot save to {target!r}: loading would refuse the file, because {exc}") from exc
    write_atomically(target, [blob])


def _weight_names(kind: str, config: Any, tensors: dict[str, np.ndarray]) -> list[str]:
    """The weight tensors of a weights or model file, in get_weights order."""
    if kind == "weights":
        _keys(config, {"weights"}, "config")
    elif not isinstance(config, dict) or "weights" not in config:
        _bad("config", "an object with the key 'weights'", config)
    names = _strings(config["weights"], "config.weights")
    if len(set(names)) != len(names) or not set(names) <= set(tensors) or (
            kind == "weights" and set(names) != set(tensors)):
        _bad("config.weights", "the distinct names of the file's weight tensors", names)
    return names


def _check_weights_file(config: Any, tensors: dict[str, np.ndarray]) -> None:
    for name in _weight_names("weights", config, tensors):
        _check_finite(tensors[name], f"tensor {name!r}")


def save_weights(model: Sequential, path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> None:
    """Write only the weights of a built ``model``, in :meth:`~glassnet.Sequential.get_weights` order. Refused
    (``ValueError``, nothing written) like :func:`save_model` when :func:`load_weights` would refuse the file."""
    max_bytes = check_positive_int("max_bytes", max_bytes)
    target = check_path(path)
    _refuse_legacy_suffix(target, "weights")
    if _suffix(target) in _KERAS_SUFFIXES:
        raise ValueError(f"Cannot save weights alone to {target!r}: a .keras file holds a whole model. Use "
                         "model.save(path) for a .keras file, or another name for glassnet's weights file. "
                         f"Received: path={target!r}")
    _, weights = _savable_structure(model)
    if not model.built:
        raise ValueError(f"Cannot save the weights of a model that is not built: it has none. Received: "
                         f"model {model.name!r} with built=False")
    _save(path, "weights", {"weights": [w.path for w in weights]}, [(w.path, w.value) for w in weights],
          max_bytes, _check_weights_file)


def load_model(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> Sequential:
    """Read a model written by :meth:`~glassnet.Sequential.save`, compiled as it was, ready to train on.

    Parameters
    ----------
    path : str or os.PathLike
        The file. ``OSError`` if it cannot be opened; :class:`~glassnet.errors.ModelFileError` for anything
        wrong with its content.
    max_bytes : int
        Refuse larger files before reading them (default 2 GiB), and unbuilt models whose layers would build
        more bytes of weights than this.
    """
    return load_model_and_preparation(path, max_bytes=max_bytes)[0]


def load_model_and_preparation(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> tuple[Sequential, Any]:
    """:func:`load_model`, and the file's checked :class:`~glassnet.datasets.Preparation` record (None for a
    file without one, such as any ``model.save``)."""
    source, max_bytes = check_path(path), check_positive_int("max_bytes", max_bytes)
    keras = _suffix(source) in _KERAS_SUFFIXES
    if keras:
        h5py_module()  # a missing h5py is an ImportError that says how to install it, not a damaged file
    blob = _read(source, max_bytes)
    with _file_errors(source):
        if keras:
            return _decode_model(*read_keras(blob, max_bytes), max_bytes), None
        _refuse_foreign(blob)
        kind, config, tensors = _parse(blob)
        if kind != "model":
            _bad("the file's kind", "'model' (this file holds only weights: load it into a model of the same "
                 "architecture with model.load_weights(path))", kind)
        config, section, present = split_section(config)
        model = _decode_model(config, tensors, max_bytes)
        features = config["model"]["input_features"]
        return model, decode_section(section, model, features) if present else None


def load_weights(model: Sequential, path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> None:
    """Put the weights of a file from :meth:`~glassnet.Sequential.save_weights` (or ``save``) into a built
    ``model``, in order. Count, shapes and values (finite in the model's dtype) are checked before any weight
    changes; layer names may differ."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Argument `model` must be a glassnet Sequential. Received: model={describe(model)}")
    if not model.built:
        raise ValueError("load_weights() needs a built model: call model.build((None, features)) first. "
                         f"Received: model {model.name!r} with built=False")
    source, max_bytes = check_path(path), check_positive_int("max_bytes", max_bytes)
    blob = _read(source, max_bytes)
    with _file_errors(source):
        _refuse_foreign(blob)
        kind, config, tensors = _parse(blob)
        names = _weight_names(kind, config, tensors)
        own = model.weights
        theirs = [tensors[n].shape for n in names]
        if theirs != [w.shape for w in own]:
            _bad("the file's weights", f"{len(own)} arrays of shapes {[w.shape for w in own]} to fit model "
                 f"{model.name!r}", _Said(f"{len(theirs)} arrays of shapes {_short(theirs)}"))
        for name, weight in zip(names, own):
            _check_finite(tensors[name], f"tensor {name!r} (for weight {weight.path!r})", weight.dtype)
        model.set_weights([tensors[n] for n in names])
