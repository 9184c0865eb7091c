"""The four entry points: :func:`save_model`, :func:`save_weights`, :func:`load_model`, :func:`load_weights`
(``model.save`` / ``model.save_weights`` / ``glassnet.load_model`` / ``model.load_weights`` call them), and
:func:`load_model_and_preparation` for a file ``glassnet train`` wrote with its data-preparation record."""

from __future__ import annotations

import os
from typing import Any

from .._validation import check_positive_int, describe
from ..model import Sequential
from .container import MAX_BYTES, _check_path, _encode_file, _file_errors, _parse, _read, _write_atomically
from .messages import _bad, _keys, _Said, _short, _strings
from .model_file import _decode_model, _model_config, _savable_structure
from .preparation_section import SECTION, decode_section, encode_section, split_section


def save_model(model: Sequential, path: str | os.PathLike, *, preparation: Any = None) -> None:
    """Write ``model`` (architecture, compile settings, weights, optimizer and generator states) to ``path``.

    Raises ``ValueError`` before writing anything when the model holds something a file cannot hold without
    code: a callable learning rate, metric or regularizer, or a class outside
    :data:`~glassnet.saving.ALLOW_LIST`. ``preparation`` (a :class:`~glassnet.datasets.Preparation`, as
    ``glassnet train`` passes) is saved too, as the config's ``"preparation"`` section.
    """
    config, tensors = _model_config(model)
    if preparation is not None:
        config[SECTION] = encode_section(preparation, model, config["model"]["input_features"])
    _write_atomically(path, _encode_file("model", config, tensors))


def save_weights(model: Sequential, path: str | os.PathLike) -> None:
    """Write only the weights of a built ``model``, in :meth:`~glassnet.Sequential.get_weights` order."""
    _, weights = _savable_structure(model)
    if not model.built:
        raise ValueError(f"Cannot save the weights of a model that is not built: it has none. Received: "
                         f"model {model.name!r} with built=False")
    _write_atomically(path, _encode_file("weights", {"weights": [w.path for w in weights]},
                                         [(w.path, w.value) for w in weights]))


def load_model(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> Sequential:
    """Read a model written by :meth:`~glassnet.Sequential.save`, compiled as it was, ready to train on.

    Parameters
    ----------
    path : str or os.PathLike
        The file. ``OSError`` if it cannot be opened; :class:`~glassnet.errors.ModelFileError` for anything
        wrong with its content.
    max_bytes : int
        Refuse larger files before reading them (default 2 GiB).
    """
    return load_model_and_preparation(path, max_bytes=max_bytes)[0]


def load_model_and_preparation(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> tuple[Sequential, Any]:
    """:func:`load_model`, and the file's checked :class:`~glassnet.datasets.Preparation` record (None for a
    file without one, such as any ``model.save``)."""
    source, max_bytes = _check_path(path), check_positive_int("max_bytes", max_bytes)
    blob = _read(source, max_bytes)
    with _file_errors(source):
        kind, config, tensors = _parse(blob)
        if kind != "model":
            _bad("the file's kind", "'model' (this file holds only weights: load it into a model of the same "
                 "architecture with model.load_weights(path))", kind)
        config, section, present = split_section(config)
        model = _decode_model(config, tensors)
        features = config["model"]["input_features"]
        return model, decode_section(section, model, features) if present else None


def load_weights(model: Sequential, path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> None:
    """Put the weights of a file from :meth:`~glassnet.Sequential.save_weights` (or ``save``) into a built
    ``model``, in order. Count and shapes are checked before any weight changes; layer names may differ."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Argument `model` must be a glassnet Sequential. Received: model={describe(model)}")
    if not model.built:
        raise ValueError("load_weights() needs a built model: call model.build((None, features)) first. "
                         f"Received: model {model.name!r} with built=False")
    source, max_bytes = _check_path(path), check_positive_int("max_bytes", max_bytes)
    blob = _read(source, max_bytes)
    with _file_errors(source):
        kind, config, tensors = _parse(blob)
        if kind == "weights":
            _keys(config, {"weights"}, "config")
        elif not isinstance(config, dict) or "weights" not in config:
            _bad("config", "an object with the key 'weights'", config)
        names = _strings(config["weights"], "config.weights")
        if len(set(names)) != len(names) or not set(names) <= set(tensors) or (
                kind == "weights" and set(names) != set(tensors)):
            _bad("config.weights", "the distinct names of the file's weight tensors", names)
        own = model.weights
        theirs = [tensors[n].shape for n in names]
        if theirs != [w.shape for w in own]:
            _bad("the file's weights", f"{len(own)} arrays of shapes {[w.shape for w in own]} to fit model "
                 f"{model.name!r}", _Said(f"{len(theirs)} arrays of shapes {_short(theirs)}"))
        model.set_weights([tensors[n] for n in names])
