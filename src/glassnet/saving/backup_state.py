"""What a :class:`~glassnet.BackupAndRestore` backup holds, how it is written, and how it is checked and restored.

After epoch k the backup is the folder ``epoch-<k>/`` (the model file, and a weights file per array-valued
callback state, e.g. EarlyStopping's best weights) and then the pointer ``latest.json``, written atomically::

    {"format": "glassnet-backup", "format_version": 1,
     "epoch": k, "folder": "epoch-<k>",          the folder is always named after the epoch, nothing else
     "stopped": false,                           whether a callback stopped training at epoch k
     "fit_rng": {PCG64 state},                   fit's shuffling and dropout generator
     "callbacks": [{"key": "EarlyStopping(monitor='val_loss', mode='min')",
                    "state": {"wait": 1, "best": 0.41, "best_epoch": 2, "stopped_epoch": 0,
                              "best_weights": true}}, ...],   one entry per callback with a state_spec
     "sha256": {"model.glassnet": "<64 hex digits>", "callback-0-best_weights.glassnet": ...}}

A number that is not finite is written as the string ``"inf"``, ``"-inf"`` or ``"nan"``; a ``weights?`` state
is ``true`` when its arrays are in ``epoch-<k>/callback-<i>-<name>.glassnet``. ``sha256`` holds the digest of
every file of the epoch's folder, so a file changed after it was written (a flipped bit in a weight is still a
valid file) is refused too.

Restoring is all-or-nothing. :func:`read_backup` checks everything before anything changes — the pointer's schema
(:class:`~glassnet.errors.ModelFileError` naming the file), its folder, the files' digests, the model file (read
with a size bound
computed from the running model, so whatever BackupAndRestore wrote it can read, and nothing bigger), that the
backup was made by the same architecture, optimizer and loss, the generator state, and each callback's state
against the callback's ``state_spec``. Only then does :func:`apply` put it all in place, which cannot fail.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelFileError

# NOTE: saving's internal seams (strict JSON, the file container, the model's config, the checks' messages):
# a backup is read with the same rules as a model file.
from .api import load_model, load_weights
from .atomic import _as_bytes, write_atomically
from .backup_folder import MODEL, POINTER, Contents, callback_file, epoch_folder
from .container import MAX_HEADER_BYTES, _encode_header, _file_errors, _json, _read
from .messages import _bad, _int, _keys
from .model_file import _model_config, _rng_state

FORMAT, FORMAT_VERSION = "glassnet-backup", 1
MAX_POINTER_BYTES = 1024**2  #: latest.json holds a few numbers per callback: larger ones are refused unread
STATE_KINDS = ("count", "epoch", "number", "weights?")  #: the kinds a callback's ``state_spec`` may declare
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- writing -------------------------------------------------------------------------------------------------
def _encode_number(value: Any) -> float | str:
    value = float(value)
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))


def _write(path: Path, kind: str, config: dict[str, Any], tensors: list[tuple[str, np.ndarray]],
           digests: dict[str, str]) -> None:
    """Write a glassnet file (what ``model.save`` / ``save_weights`` write) atomically, and record its SHA-256."""
    chunks: list[bytes | np.ndarray] = [_encode_header(kind, config, tensors), *(array for _, array in tensors)]
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(_as_bytes(chunk))
    write_atomically(path, chunks)
    digests[path.name] = digest.hexdigest()


def write_backup(folder: Path, model: Any, callbacks: list[Any], epoch: int) -> None:
    """Write the backup after ``epoch`` into the new, empty ``folder/epoch-<epoch>`` (which must exist), then
    replace the pointer atomically. Killed at any moment, the old pointer and its folder stay intact."""
    target, digests = folder / epoch_folder(epoch), dict[str, str]()
    _write(target / MODEL, "model", *_model_config(model), digests)  # what model.save writes
    paths = [w.path for w in model.weights]
    entries = []
    for index, callback in enumerate(callbacks):
        state = callback.get_state()
        encoded: dict[str, bool | float | str | int] = {}
        for name, kind in callback.state_spec.items():
            value = state[name]
            if kind == "weights?":
                if value is not None:  # a weights file: model.load_weights reads it too
                    _write(target / callback_file(index, name), "weights", {"weights": paths},
                           list(zip(paths, value)), digests)
                encoded[name] = value is not None
            else:
                encoded[name] = _encode_number(value) if kind == "number" else int(value)
        entries.append({"key": callback.state_key, "state": encoded})
    pointer = folder / POINTER
    if os.path.islink(pointer):  # the atomic write would replace the file the link points to, anywhere
        raise ModelFileError(f"Cannot write the backup pointer {str(pointer)!r}: it must be a regular file. "
                             "Received: a symbolic link")
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "epoch": epoch, "folder": target.name,
               "stopped": bool(model.stop_training), "fit_rng": model.fit_rng.bit_generator.state,
               "callbacks": entries, "sha256": digests}
    write_atomically(pointer, [json.dumps(payload, allow_nan=False).encode("utf-8")])


# --- reading and checking ------------------------------------------------------------------------------------
@dataclass
class Backup:
    """A backup checked against the running fit, ready for :func:`apply`."""

    epoch: int
    stopped: bool
    fit_rng: dict[str, Any]
    saved: Any  # the model read from the backup's model file (a new Sequential, not the running one)
    weights: list[np.ndarray]
    callback_states: list[dict[str, Any]]


def _decode_state(kind: str, value: Any, where: str, epoch: int) -> Any:
    if kind == "count":
        return _int(value, where, 0, 2**63)
    if kind == "epoch":  # an epoch the backup has seen
        return _int(value, where, 0, epoch + 1)
    if kind == "weights?":
        if not isinstance(value, bool):
            _bad(where, "true or false (whether the arrays are in the epoch's folder)", value)
        return value
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _bad(where, "a number, or 'inf', '-inf' or 'nan'", value)
    return float(value)


def _decode_pointer(data: Any, epochs: int, callbacks: list[Any]) -> tuple[int, bool, dict[str, Any],
                                                                           list[dict[str, Any]], dict[str, str]]:
    """The pointer's epoch, stopped flag, fit generator state, callbacks' states and file digests, all checked."""
    data = _keys(data, {"format", "format_version", "epoch", "folder", "stopped", "fit_rng", "callbacks",
                        "sha256"}, "the pointer")
    if data["format"] != FORMAT:
        _bad("format", f"{FORMAT!r} (this is not a glassnet backup pointer)", data["format"])
    if data["format_version"] != FORMAT_VERSION or isinstance(data["format_version"], bool):
        _bad("format_version", f"{FORMAT_VERSION}, the version this glassnet reads", data["format_version"])
    epoch = _int(data["epoch"], "epoch", 0, epochs)
    if data["folder"] != epoch_folder(epoch):  # never a path from the file: the name follows from the epoch
        _bad("folder", f"{epoch_folder(epoch)!r}, the folder of epoch {epoch}", data["folder"])
    if not isinstance(data["stopped"], bool):
        _bad("stopped", "true or false", data["stopped"])
    fit_rng = _rng_state(data["fit_rng"], "fit_rng")  # every in-range state is one numpy's PCG64 accepts
    keys = [callback.state_key for callback in callbacks]
    entries = data["callbacks"]
    if not isinstance(entries, list) or len(entries) != len(keys) or any(
            not isinstance(entry, dict) or entry.get("key") != key for entry, key in zip(entries, keys)):
        found = [e.get("key") if isinstance(e, dict) else e for e in entries] if isinstance(entries, list) else (
            entries)
        _bad("callbacks", f"the states of this fit's callbacks {keys} (a fit with other callbacks wrote it)",
             found)
    states = []
    for index, (callback, entry) in enumerate(zip(callbacks, entries)):
        where = f"callbacks[{index}]"
        entry = _keys(entry, {"key", "state"}, where)
        state = _keys(entry["state"], set(callback.state_spec), f"{where}.state")
        states.append({name: _decode_state(kind, state[name], f"{where}.state.{name}", epoch)
                       for name, kind in callback.state_spec.items()})
    files = [MODEL] + [callback_file(i, name) for i, (callback, state) in enumerate(zip(callbacks, states))
                       for name, kind in callback.state_spec.items() if kind == "weights?" and state[name]]
    digests = _keys(data["sha256"], set(files), "sha256")
    for name in files:
        if not isinstance(digests[name], str) or not _HEX64.fullmatch(digests[name]):
            _bad(f"sha256.{name}", "64 hexadecimal digits", digests[name])
    return epoch, data["stopped"], fit_rng, states, digests


def _size_bound(model: Any, copies: int) -> int:
    """The largest file BackupAndRestore writes for ``copies`` arrays per weight of ``model``: the 8-byte length,
    the longest header the loader accepts, and the arrays' bytes."""
    floats = sum(int(np.prod(w.shape)) for w in model.weights)
    return 8 + MAX_HEADER_BYTES + copies * floats * max((w.value.dtype.itemsize for w in model.weights), default=8)


def _signature(model: Any) -> dict[str, Any]:
    """What must be the same for a backup to fit this training run: the layers (names aside: a rerun in the
    same process numbers them on), the dtype, the input width and the compile settings."""
    config, _ = _model_config(model)
    spec = config["model"]
    layers = [{"class_name": layer["class_name"],
               "config": {key: value for key, value in layer["config"].items() if key != "name"}}
              for layer in spec["layers"]]
    compiled = config["compile"]
    if compiled is not None and not isinstance(compiled["optimizer"]["config"]["learning_rate"], dict):
        # A number: callbacks (ReduceLROnPlateau, LearningRateScheduler) change it in training; as in Keras, the
        # backup's rate is restored (apply) rather than compared.
        optimizer = compiled["optimizer"]
        compiled = {**compiled, "optimizer": {**optimizer, "config": {**optimizer["config"], "learning_rate": None}}}
    return {"dtype": spec["dtype"], "input_features": spec["input_features"], "layers": layers,
            "compile": compiled}


def _first_difference(mine: Any, theirs: Any, where: str) -> tuple[str, Any, Any] | None:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(set(mine) | set(theirs)):
            if key not in mine or key not in theirs:
                return f"{where}.{key}", mine.get(key, "(missing)"), theirs.get(key, "(missing)")
            found = _first_difference(mine[key], theirs[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        for index, (a, b) in enumerate(zip(mine, theirs)):
            found = _first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if (type(mine) is type(theirs) and mine == theirs) else (where, mine, theirs)


def _read_pointer(path: Path) -> Any:
    if stat.S_ISLNK(os.stat(path, follow_symlinks=False).st_mode):
        raise ModelFileError(f"Cannot load {str(path)!r}: the backup pointer must be a regular file in the backup "
                             "folder. Received: a symbolic link")
    blob = _read(str(path), MAX_POINTER_BYTES)
    with _file_errors(str(path)):
        return _json(blob.decode("utf-8"), "The backup pointer")


def _check_file(path: Path, digest: str, max_bytes: int) -> None:
    """``path`` exists, holds at most ``max_bytes`` bytes and has the SHA-256 the pointer recorded."""
    if not path.is_file():  # the folder was scanned: what exists there is a regular file
        raise ModelFileError(f"Cannot load {str(path)!r}: the backup pointer names it, so it must exist. "
                             "Received: no such file")
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise ModelFileError(f"Cannot load {str(path)!r}: a backup of this model is at most {max_bytes} bytes. "
                                 f"Received: {size} bytes")
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    if hasher.hexdigest() != digest:
        raise ModelFileError(f"Cannot load {str(path)!r}: its SHA-256 must be the one latest.json recorded when it "
                             f"was written, {digest} (the file changed since). Received: {hasher.hexdigest()}")


def read_backup(folder: Path, found: Contents, model: Any, callbacks: list[Any], epochs: int) -> Backup:
    """Check the backup in ``folder`` against the running ``model`` and ``callbacks`` (those with a
    ``state_spec``, in order) for a fit of ``epochs`` epochs; change nothing. Raises ModelFileError."""
    pointer = folder / POINTER
    data = _read_pointer(pointer)
    with _file_errors(str(pointer)):
        epoch, stopped, fit_rng, states, digests = _decode_pointer(data, epochs, callbacks)
        target = found.epochs.get(epoch)
        if target is None or os.path.realpath(target) != os.path.join(os.path.realpath(folder), target.name):
            _bad("folder", f"an existing folder inside {str(folder)!r}", epoch_folder(epoch))
    source, bound = target / MODEL, _size_bound(model, 1 + len(model.compiled_optimizer.init_slots(np.zeros(0))))
    _check_file(source, digests[MODEL], bound)
    saved = load_model(source, max_bytes=bound)
    with _file_errors(str(source)):
        difference = _first_difference(_signature(model), _signature(saved), "model")
        if difference:
            where, mine, theirs = difference
            _bad(where, f"{mine!r}, as in this fit (the backup is of another model or training command)", theirs)
    weights = saved.get_weights()
    for index, (callback, state) in enumerate(zip(callbacks, states)):
        for name, kind in callback.state_spec.items():
            if kind == "weights?":
                arrays = None
                if state[name]:
                    path, bound = target / callback_file(index, name), _size_bound(model, 1)
                    _check_file(path, digests[path.name], bound)
                    load_weights(saved, path, max_bytes=bound)
                    arrays = saved.get_weights()
                state[name] = arrays
    return Backup(epoch, stopped, fit_rng, saved, weights, states)


# --- restoring -----------------------------------------------------------------------------------------------
def apply(backup: Backup, model: Any, callbacks: list[Any], epochs: int) -> None:
    """Put a checked backup into the running fit: weights, optimizer state, every generator, the first epoch to
    run and the callbacks' states. Nothing here can refuse: :func:`read_backup` checked it all."""
    saved = backup.saved
    model.set_weights(backup.weights)
    optimizer, saved_optimizer = model.compiled_optimizer, saved.compiled_optimizer
    optimizer.build(model.state.weights, model.state)
    for slots, saved_slots in zip(optimizer.slots, saved_optimizer.slots):
        for name, value in saved_slots.items():
            slots[name][...] = value
    optimizer.iterations = saved_optimizer.iterations
    if not callable(saved_optimizer.get_config()["learning_rate"]):  # a rate a callback may have changed
        optimizer.learning_rate = saved_optimizer.learning_rate
    model.set_rng_state(saved.get_rng_state())
    model.fit_rng.bit_generator.state = backup.fit_rng
    model.initial_epoch = epochs if backup.stopped else backup.epoch + 1
    for callback, state in zip(callbacks, backup.callback_states):
        callback.set_state(state)
