"""Save and load models (Keras: ``model.save`` / ``keras.saving.load_model``): one file, no code in it.

``model.save(path)`` writes the architecture, the compile settings, the weights, the optimizer state and the
random generators' states, so that ``glassnet.load_model(path)`` predicts bitwise the same and training
continues bitwise as if the model had never been saved. ``model.save_weights(path)`` writes the weights alone.

The file is a safetensors file (https://github.com/huggingface/safetensors); any safetensors reader opens it::

    8 bytes   N = the header's length, unsigned little-endian
    N bytes   the header: a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes
                "__metadata__": {"format": "glassnet", "format_version": "1", "kind": "model" or "weights",
                                 "config": the JSON text below}
                one entry per tensor: {"dtype": "F32" or "F64", "shape": [...], "data_offsets": [begin, end]}
    the tensors' bytes, little-endian, C order, back to back (offsets count from the end of the header)

Tensors: every weight under its path (``'dense_1/kernel'``), and in a model file every optimizer slot as
``'optimizer/<weight index>/<slot>'`` (Adam's ``m`` and ``v``, SGD's ``momentum``, ...). The config is
``{"weights": [paths in get_weights order]}``, plus for a model file ``"model"`` (name, dtype, seed, input
features, layers), ``"compile"`` (optimizer, loss, metric names, compile-level regularization) and
``"state"`` (``last_fit``, optimizer iterations and weight-decay exclusions, the model's and each seeded
Dropout's generator state). Every object is ``{"class_name": ..., "config": {constructor argument: value}}``.

Loading never runs code from the file: no pickle, no eval, no import. A class name must be a key of
:data:`ALLOW_LIST`, which maps names to glassnet's own classes; every value has a declared type and goes
through the class's validating constructor. The size, the header and every tensor's dtype, shape and offsets
are checked before anything is allocated. A truncated, corrupted, oversized, hostile or other-version file
raises :class:`~glassnet.errors.ModelFileError` (a ``ValueError``); only a path that cannot be opened raises
``OSError``. Writes are atomic: a temporary file in the same folder, flushed and fsynced, then ``os.replace``;
a crash leaves the previous file as it was.

>>> import os, tempfile
>>> from glassnet import Sequential, Dense, load_model
>>> model = Sequential([Dense(2, name="hidden"), Dense(1, name="out")], seed=0)
>>> model.build((None, 3))
>>> with tempfile.TemporaryDirectory() as folder:
...     model.save(os.path.join(folder, "model.glassnet"))
...     loaded = load_model(os.path.join(folder, "model.glassnet"))
>>> [w.path for w in loaded.weights]
['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
import numbers
import os
import reprlib
import secrets
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from . import activations as act
from . import constraints as con
from . import initializers as init
from . import losses as los
from . import regularizers as reg
from ._validation import check_positive_int, describe
from .errors import ModelFileError
from .layers import Activation, ActivityRegularization, Dense, Dropout, Input
from .model import Sequential
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop
from .optimizers.schedules import ExponentialDecay
from .regularization import CompileRegularization

FORMAT, FORMAT_VERSION, SUPPORTED_VERSIONS = "glassnet", "1", ("1",)
MAX_BYTES = 2 * 1024**3  #: default ``max_bytes`` of the loaders: bigger files are refused before being read
MAX_HEADER_BYTES = 16 * 1024**2  #: the header (config and tensor table) may not be longer
_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_CODES = {"float32": "F32", "float64": "F64"}
_MAX_RANK, _MAX_DIM, _MAX_INT_DIGITS, _MAX_PATTERN = 8, 2**40, 40, 10_000
_KINDS = {"float": (numbers.Real, "a number"), "int": (numbers.Integral, "an integer"),
          "bool": (bool, "true or false"), "str": (str, "a string")}


def _make_short() -> Any:
    """reprlib with small limits: file content in a message stays short, however large or deep it is."""
    shortener = reprlib.Repr()  # Python 3.11 has no keyword arguments here
    shortener.maxstring = shortener.maxother = 60
    shortener.maxlist = shortener.maxdict = 6
    shortener.maxlevel = 3
    return shortener.repr


_short = _make_short()


# --- the allow-list: every class a file may name, with the type of each constructor argument ---------------
@dataclass(frozen=True)
class _Spec:
    """One allow-listed class and its constructor arguments → kind ('float', 'int?', 'activation', ...;
    '?' allows null, a family name means a nested object of that family)."""

    cls: type
    fields: dict[str, str]


def _table(*entries: tuple[type, dict[str, str]]) -> dict[str, _Spec]:
    return {cls.__name__: _Spec(cls, fields) for cls, fields in entries}


_SEED = {"seed": "int?"}
_OPTIMIZER = {"learning_rate": "learning_rate", "weight_decay": "float?", "clipnorm": "float?",
              "clipvalue": "float?", "global_clipnorm": "float?", "name": "str"}
_ADAM = {**_OPTIMIZER, "beta_1": "float", "beta_2": "float", "epsilon": "float", "amsgrad": "bool"}
_DENSE = {"name": "str", "units": "int", "activation": "activation", "use_bias": "bool",
          "kernel_initializer": "initializer", "bias_initializer": "initializer",
          "kernel_regularizer": "regularizer?", "bias_regularizer": "regularizer?",
          "activity_regularizer": "regularizer?", "kernel_constraint": "constraint?",
          "bias_constraint": "constraint?"}

#: family → class name → class and constructor arguments. Loading looks names up here and nowhere else.
ALLOW_LIST: dict[str, dict[str, _Spec]] = {
    "layer": _table((Dense, _DENSE), (Dropout, {"name": "str", "rate": "float", "seed": "int?"}),
                    (Activation, {"name": "str", "activation": "activation",
                                  "activity_regularizer": "regularizer?"}),
                    (ActivityRegularization, {"name": "str", "l1": "float", "l2": "float"})),
    "activation": _table(*((cls, {}) for cls in (act.Linear, act.ReLU, act.Sigmoid, act.Tanh, act.Softmax,
                                                 act.Softplus)),
                         (act.LeakyReLU, {"negative_slope": "float"}), (act.ELU, {"alpha": "float"}),
                         (act.GELU, {"approximate": "bool"})),
    "initializer": _table(*((cls, _SEED) for cls in (init.GlorotUniform, init.GlorotNormal, init.HeUniform,
                                                      init.HeNormal, init.LecunUniform, init.LecunNormal)),
                          (init.VarianceScaling, {"scale": "float", "mode": "str", "distribution": "str",
                                                  **_SEED}),
                          (init.RandomNormal, {"mean": "float", "stddev": "float", **_SEED}),
                          (init.RandomUniform, {"minval": "float", "maxval": "float", **_SEED}),
                          (init.Constant, {"value": "float"}), (init.Zeros, {}), (init.Ones, {})),
    "regularizer": _table((reg.L1, {"l1": "float"}), (reg.L2, {"l2": "float"}),
                          (reg.L1L2, {"l1": "float", "l2": "float"}),
                          (reg.LectureL2, {"lam": "float", "m": "int"})),
    "constraint": _table((con.MaxNorm, {"max_value": "float", "axis": "int"}), (con.NonNeg, {}),
                         (con.UnitNorm, {"axis": "int"}),
                         (con.MinMaxNorm, {"min_value": "float", "max_value": "float", "rate": "float",
                                           "axis": "int"})),
    "loss": _table(*((cls, {"from_logits": "bool"}) for cls in (
        los.BinaryCrossentropy, los.CategoricalCrossentropy, los.SparseCategoricalCrossentropy,
        los.MeanSquaredError, los.MeanAbsoluteError)), (los.Huber, {"delta": "float"})),
    "schedule": _table((ExponentialDecay, {"initial_learning_rate": "float", "decay_steps": "int",
                                           "decay_rate": "float", "staircase": "bool"})),
    "optimizer": _table((SGD, {**_OPTIMIZER, "momentum": "float", "nesterov": "bool"}), (Adam, _ADAM),
                        (AdamW, _ADAM),
                        (RMSprop, {**_OPTIMIZER, "rho": "float", "momentum": "float", "epsilon": "float",
                                   "centered": "bool"}),
                        (Adagrad, {**_OPTIMIZER, "initial_accumulator_value": "float", "epsilon": "float"})),
}
_BY_CLASS = {spec.cls: (family, name) for family, table in ALLOW_LIST.items() for name, spec in table.items()}


# --- saving -----------------------------------------------------------------------------------------------
def _unsavable(where: str, reason: str, value: Any) -> NoReturn:
    name = where.rsplit(".", 1)[-1]
    raise ValueError(f"Cannot save `{where}`: {reason}. Received: {name}={describe(value)}")


def _encode(family: str, obj: Any, where: str) -> dict[str, Any]:
    """``{"class_name", "config"}`` for an allow-listed object; anything else cannot be saved (ValueError)."""
    found = _BY_CLASS.get(type(obj))  # the exact class: a subclass may hold state or code the file cannot
    if found is None or found[0] != family:
        code = " A plain function is code, which a model file never holds." if (
            inspect.isroutine(obj) or isinstance(obj, reg.FunctionRegularizer)) else ""
        names = ", ".join(ALLOW_LIST[family])
        _unsavable(where, f"only glassnet's own {family} classes can be saved ({names}).{code}", obj)
    spec = ALLOW_LIST[family][found[1]]
    config = {}
    for field, kind in spec.fields.items():
        # An optimizer's `learning_rate` attribute evaluates its schedule; get_config() has what it was given.
        value = obj.get_config()["learning_rate"] if field == "learning_rate" else getattr(obj, field)
        config[field] = _encode_value(kind, value, f"{where}.{field}")
    return {"class_name": found[1], "config": config}


def _encode_value(kind: str, value: Any, where: str) -> Any:
    base = kind.rstrip("?")
    if value is None and kind.endswith("?"):
        return None
    if base == "learning_rate":
        base = "float" if isinstance(value, numbers.Real) else "schedule"
    if base in ALLOW_LIST:
        return _encode(base, value, where)
    expected, said = _KINDS[base]
    if not isinstance(value, expected) or (isinstance(value, bool) and base != "bool"):
        _unsavable(where, f"the file format stores {said} here", value)
    if base == "float" and not math.isfinite(value):
        _unsavable(where, "a model file holds finite numbers only", value)
    return float(value) if base == "float" else int(value) if base == "int" else value


def _savable_structure(model: Sequential) -> tuple[int | None, list[Any]]:
    """The input width and the weights, after the checks that do not depend on a class."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Argument `model` must be a glassnet Sequential. Received: model={describe(model)}")
    shape = model._input_shape  # NOTE: saving reads the private state it must restore exactly
    features = None if shape is None else int(shape[-1])
    if model.built != bool(features is not None and model.layers) or (
            not model.built and any(layer.built for layer in model.layers)):
        raise ValueError("Cannot save a model that is half built (some layers built, the model not). Build "
                         f"it with model.build((None, features)). Received: model.built={model.built}")
    weights = model.weights
    repeated = sorted(path for path, n in Counter(w.path for w in weights).items() if n > 1)
    if repeated:
        raise ValueError("Cannot save a model whose layers share a name: the file keys weights by '<layer "
                         f"name>/<weight>'. Give each layer its own name. Received: repeated {repeated}")
    frozen = [w.path for w in weights if not w.trainable]
    if frozen:
        raise ValueError(f"Cannot save weights with trainable=False (not supported yet). Received: {frozen}")
    return features, weights


def _model_config(model: Sequential) -> tuple[dict[str, Any], list[tuple[str, np.ndarray]]]:
    features, weights = _savable_structure(model)
    layers = model.layers
    config: dict[str, Any] = {
        "weights": [w.path for w in weights],
        "model": {"name": _encode_value("str", model.name, "model.name"),
                  "dtype": None if model.dtype is None else model.dtype.name,
                  "seed": _encode_value("int?", model.seed, "model.seed"), "input_features": features,
                  "layers": [_encode("layer", layer, f"layers[{i}] ({layer.name})") for i, layer in
                             enumerate(layers)]},
        "compile": None,
        "state": {"last_fit": None if model.last_fit is None else dict(model.last_fit),
                  "rng": model._rng.bit_generator.state,
                  "layer_rngs": [None if getattr(layer, "_own_rng", None) is None else
                                 layer._own_rng.bit_generator.state for layer in layers],
                  "optimizer": None}}
    tensors = [(w.path, w.value) for w in weights]
    if not model.compiled:
        return config, tensors
    optimizer, plan = model.optimizer, model.compile_regularization
    for index, metric in enumerate(model._metric_specs):
        if not isinstance(metric, str):
            _unsavable(f"compile.metrics[{index}]", "only metric names can be saved; a callable metric is "
                                                    "code, which a model file never holds", metric)
    config["compile"] = {
        "optimizer": _encode("optimizer", optimizer, "optimizer"),
        "loss": _encode("loss", model.loss, "loss"),
        "metrics": list(model._metric_specs),
        "regularization": {
            "regularizer": _encode_value("regularizer?", plan.regularizer, "compile.regularizer"),
            "regularize_bias": plan.regularize_bias, "lam": plan.lam, "n_samples": plan.n_samples}}
    trainable = model.trainable_weights
    # Slots built for other weights would be rebuilt by the next step anyway: then there is nothing to keep.
    built = optimizer._weights is not None and len(optimizer._weights) == len(trainable) and all(
        a is b for a, b in zip(optimizer._weights, trainable))
    pattern = optimizer._exclude_pattern
    config["state"]["optimizer"] = {
        "iterations": int(optimizer.iterations), "built": built,
        "exclude_weight_paths": [w.path for w in weights if id(w) in optimizer._exclude_ids],
        "exclude_pattern": None if pattern is None else pattern.pattern}
    if built:
        tensors += [(f"optimizer/{i}/{name}", array) for i, slots in enumerate(optimizer.slots)
                    for name, array in slots.items()]
    return config, tensors


def _encode_file(kind: str, config: dict[str, Any], tensors: list[tuple[str, np.ndarray]]) -> bytes:
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
                "config": json.dumps(config, separators=(",", ":"), allow_nan=False)}
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks, offset = [], 0
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _CODES[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # safetensors pads the header so the data starts 8-byte aligned
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(f"Cannot save: the header would exceed {MAX_HEADER_BYTES} bytes, more than "
                         f"load_model reads. Received: a header of {len(text)} bytes")
    return b"".join([len(text).to_bytes(8, "little"), text, *chunks])


def _check_path(path: Any) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={describe(path)}")
    text = os.fsdecode(os.fspath(path))
    if not text:
        raise ValueError("Argument `path` must be a file path. Received: path=''")
    return text


def _write_atomically(path: Any, blob: bytes) -> None:
    """Write ``blob`` to a new file beside ``path``, flush and fsync it, then ``os.replace`` it over ``path``:
    a crash at any moment leaves either the old file or the new one, never a mix. The temporary file is
    removed on any error."""
    target = os.path.realpath(_check_path(path))  # through a symlink: replace the file it points to
    folder, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(temporary, flags, 0o666)  # 0o666 minus the umask, as open(path, "wb") would give
            break
        except FileExistsError:
            continue
    try:
        with open(fd, "wb") as handle:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))  # keep an existing file's mode
            handle.write(blob)
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


def save_model(model: Sequential, path: str | os.PathLike) -> None:
    """Write ``model`` (architecture, compile settings, weights, optimizer and generator states) to ``path``.

    Raises ``ValueError`` before writing anything when the model holds something a file cannot hold without
    code: a callable learning rate, metric or regularizer, or a class outside :data:`ALLOW_LIST`.
    """
    config, tensors = _model_config(model)
    _write_atomically(path, _encode_file("model", config, tensors))


def save_weights(model: Sequential, path: str | os.PathLike) -> None:
    """Write only the weights of a built ``model``, in :meth:`~glassnet.Sequential.get_weights` order."""
    _, weights = _savable_structure(model)
    if not model.built:
        raise ValueError(f"Cannot save the weights of a model that is not built: it has none. Received: "
                         f"model {model.name!r} with built=False")
    _write_atomically(path, _encode_file("weights", {"weights": [w.path for w in weights]},
                                         [(w.path, w.value) for w in weights]))


# --- reading and checking a file ------------------------------------------------------------------------
class _Said(str):
    """A description written by the loader itself, shown as it is (file content is shown through reprlib)."""


def _bad(where: str, expected: str, received: Any) -> NoReturn:
    text = received if isinstance(received, _Said) else _short(received)
    raise ModelFileError(f"`{where}` must be {expected}. Received: {text}")


def _read(source: str, max_bytes: int) -> bytes:
    """The file's bytes, once it is known to be a regular file of at most ``max_bytes`` bytes."""
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
        with open(fd, "rb", closefd=False) as handle:
            blob = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(blob) > max_bytes:
        raise ModelFileError(f"Cannot load {source!r}: the file grew past max_bytes={max_bytes} while being "
                             f"read. Received: more than {max_bytes} bytes")
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


def _int(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value >= high):
        _bad(where, f"an integer in [{low}, {'∞' if high is None else high})", value)
    return value


def _parse(blob: bytes) -> tuple[str, Any, dict[str, np.ndarray]]:
    """Check the container; return its kind, its config (parsed JSON) and read-only views of its tensors."""
    if len(blob) < 8:
        _bad("the file", "a safetensors file: 8 bytes of header length, then the header",
             _Said(f"{len(blob)} bytes"))
    length = int.from_bytes(blob[:8], "little")
    if length > min(len(blob) - 8, MAX_HEADER_BYTES):
        _bad("the header length (the first 8 bytes)", f"at most {min(len(blob) - 8, MAX_HEADER_BYTES)} (the "
             f"rest of the file, and at most {MAX_HEADER_BYTES})", length)
    try:
        text = blob[8:8 + length].decode("utf-8")
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
    data_start, size = 8 + length, len(blob) - 8 - length
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
        begin, end = (_int(offset, f"{where}.data_offsets", 0, size + 1) for offset in offsets)
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
    if position != size:
        _bad("the file", f"{data_start + position} bytes long, where its last tensor ends",
             _Said(f"{len(blob)} bytes"))
    views = {name: np.frombuffer(blob, dtype, math.prod(shape), data_start + begin).reshape(shape)
             for name, (dtype, shape, begin) in tensors.items()}
    return metadata["kind"], _json(metadata["config"], "The config"), views


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


# --- rebuilding ------------------------------------------------------------------------------------------
def _keys(data: Any, expected: set[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        _bad(where, "a JSON object", data)
    if set(data) != expected:
        missing, unexpected = sorted(expected - set(data)), sorted(set(data) - expected)
        _bad(where, f"an object with exactly the keys {sorted(expected)}",
             _Said(f"missing {_short(missing)}, unexpected {_short(unexpected)}"))
    return data


def _decode(family: str, data: Any, where: str) -> Any:
    """An allow-listed object from ``{"class_name", "config"}``; nothing outside ALLOW_LIST is looked up."""
    _keys(data, {"class_name", "config"}, where)
    table, name = ALLOW_LIST[family], data["class_name"]
    if not isinstance(name, str) or name not in table:
        _bad(f"{where}.class_name", f"one of glassnet's {family} classes {sorted(table)}", name)
    spec = table[name]
    config = _keys(data["config"], set(spec.fields), f"{where}.config")
    kwargs = {field: _decode_value(kind, config[field], f"{where}.config.{field}")
              for field, kind in spec.fields.items()}
    try:
        return spec.cls(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"`{where}` ({name}) was refused by its constructor: {exc}") from exc


def _decode_value(kind: str, value: Any, where: str) -> Any:
    base = kind.rstrip("?")
    if value is None and kind.endswith("?"):
        return None
    if base == "learning_rate":
        base = "schedule" if isinstance(value, dict) else "float"
    if base in ALLOW_LIST:
        return _decode(base, value, where)
    types, said = _KINDS[base]  # JSON gives int, float, bool and str only
    if isinstance(value, bool) != (base == "bool") or not isinstance(value, types):
        _bad(where, said + (" or null" if kind.endswith("?") else ""), value)
    return float(value) if base == "float" else value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _bad(where, "a list of strings", value)
    return value


def _rng_state(data: Any, where: str) -> dict[str, Any]:
    """A PCG64 state (numpy's ``bit_generator.state``), every number in range."""
    _keys(data, {"bit_generator", "state", "has_uint32", "uinteger"}, where)
    if data["bit_generator"] != "PCG64":
        _bad(f"{where}.bit_generator", "'PCG64'", data["bit_generator"])
    inner = _keys(data["state"], {"state", "inc"}, f"{where}.state")
    for key, value, high in (("state.state", inner["state"], 2**128), ("state.inc", inner["inc"], 2**128),
                             ("has_uint32", data["has_uint32"], 2), ("uinteger", data["uinteger"], 2**32)):
        _int(value, f"{where}.{key}", 0, high)
    return data


def _expected_weights(layers: list[Any], features: int | None) -> list[tuple[str, tuple[int, ...]]]:
    """(path, shape) of each weight these layers build for ``features`` inputs, in get_weights order —
    from the configuration alone, so a file's tensors are checked before anything is allocated. Mirrors
    Dense.build; the other allow-listed layers have no weights and keep the width."""
    expected = []
    for layer in layers if features is not None else []:
        if isinstance(layer, Dense):
            expected.append((f"{layer.name}/kernel", (features, layer.units)))
            if layer.use_bias:
                expected.append((f"{layer.name}/bias", (layer.units,)))
            features = layer.units
    return expected


def _compile_regularization(data: Any, where: str) -> CompileRegularization:
    data = _keys(data, {"regularizer", "regularize_bias", "lam", "n_samples"}, where)
    regularizer = _decode_value("regularizer?", data["regularizer"], f"{where}.regularizer")
    bias = _decode_value("bool", data["regularize_bias"], f"{where}.regularize_bias")
    lam = _decode_value("float?", data["lam"], f"{where}.lam")
    n_samples = _decode_value("int?", data["n_samples"], f"{where}.n_samples")
    try:
        if lam is None:
            return CompileRegularization.from_arguments(regularizer, bias, None, n_samples)
        plan = CompileRegularization.from_arguments(None, bias, lam, n_samples)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"`{where}` was refused by compile(): {exc}") from exc
    if regularizer is None:  # λ waiting for m, unless compile(n_samples=m) gave it
        return plan if n_samples is None else plan.with_training_size(n_samples)
    if type(regularizer) is not reg.LectureL2 or regularizer.lam != lam or (
            n_samples not in (None, regularizer.m)):
        _bad(f"{where}.regularizer", f"L2.from_lecture(lam={lam}, m={n_samples or 'm'}), what lam resolves "
             "to", regularizer)
    return CompileRegularization(regularizer, bias, lam, n_samples)


@dataclass
class _Training:
    """What ``compile`` and the optimizer state of a model file say, decoded and checked."""

    optimizer: Any
    loss: Any
    metrics: list[str]
    plan: CompileRegularization
    iterations: int
    slots_built: bool
    excluded: set[str]
    pattern: str | None


def _decode_training(compiled: Any, state: Any, paths: list[str], built: bool) -> _Training | None:
    if (compiled is None) != (state is None):
        _bad("config.state.optimizer", "present exactly when config.compile is", state)
    if compiled is None:
        return None
    where = "config.state.optimizer"
    compiled = _keys(compiled, {"optimizer", "loss", "metrics", "regularization"}, "config.compile")
    state = _keys(state, {"iterations", "built", "exclude_weight_paths", "exclude_pattern"}, where)
    training = _Training(
        _decode("optimizer", compiled["optimizer"], "config.compile.optimizer"),
        _decode("loss", compiled["loss"], "config.compile.loss"),
        _strings(compiled["metrics"], "config.compile.metrics"),
        _compile_regularization(compiled["regularization"], "config.compile.regularization"),
        _int(state["iterations"], f"{where}.iterations", 0, 2**63),
        _decode_value("bool", state["built"], f"{where}.built"),
        set(_strings(state["exclude_weight_paths"], f"{where}.exclude_weight_paths")),
        _decode_value("str?", state["exclude_pattern"], f"{where}.exclude_pattern"))
    if not training.excluded <= set(paths):
        _bad(f"{where}.exclude_weight_paths", "paths of the model's weights", sorted(training.excluded))
    if training.pattern is not None and len(training.pattern) > _MAX_PATTERN:
        _bad(f"{where}.exclude_pattern", f"at most {_MAX_PATTERN} characters", training.pattern)
    if training.slots_built and not built:
        _bad(f"{where}.built", "false for a model that is not built", True)
    return training


def _decode_rngs(state: Any, layers: list[Any]) -> tuple[dict[str, Any], list[dict[str, Any] | None]]:
    """The model's generator state and one state (or null) per layer: exactly the Dropouts with a seed."""
    model_rng = _rng_state(state["rng"], "config.state.rng")
    layer_rngs = state["layer_rngs"]
    if not isinstance(layer_rngs, list) or len(layer_rngs) != len(layers):
        _bad("config.state.layer_rngs", f"a list of {len(layers)} generator states or nulls", layer_rngs)
    for index, (layer, data) in enumerate(zip(layers, layer_rngs)):
        where = f"config.state.layer_rngs[{index}]"
        if (getattr(layer, "_own_rng", None) is None) != (data is None):
            _bad(where, "a generator state for a Dropout with a seed, else null", data)
        if data is not None:
            _rng_state(data, where)
    return model_rng, layer_rngs


def _check_tensors(tensors: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]], dtype: Any) -> None:
    missing = [n for n in expected if n not in tensors]
    unexpected = [n for n in tensors if n not in expected]
    if missing or unexpected:
        _bad("the file's tensors", f"exactly the {len(expected)} weights and optimizer slots of the model",
             _Said(f"missing {_short(missing)}, unexpected {_short(unexpected)}"))
    for name, shape in expected.items():
        found = tensors[name]
        if found.shape != shape or found.dtype.name != dtype:
            _bad(f"tensor {name!r}", f"{dtype} of shape {shape}",
                 _Said(f"{found.dtype.name} of shape {found.shape}"))


def _decode_model(config: Any, tensors: dict[str, np.ndarray]) -> Sequential:
    """Check the whole config and the tensors against each other, then build the model (module docstring)."""
    _keys(config, {"weights", "model", "compile", "state"}, "config")
    spec = _keys(config["model"], {"name", "dtype", "seed", "input_features", "layers"}, "config.model")
    name = _decode_value("str", spec["name"], "config.model.name")
    dtype = _decode_value("str?", spec["dtype"], "config.model.dtype")
    seed = _decode_value("int?", spec["seed"], "config.model.seed")
    features = spec["input_features"]
    if features is not None:
        _int(features, "config.model.input_features", 1, _MAX_DIM)
    if not isinstance(spec["layers"], list):
        _bad("config.model.layers", "a list", spec["layers"])
    layers = [_decode("layer", item, f"config.model.layers[{i}]") for i, item in enumerate(spec["layers"])]
    built = features is not None and bool(layers)
    if dtype not in ("float32", "float64") and (built or dtype is not None):
        _bad("config.model.dtype", "'float32' or 'float64'" + ("" if built else " or null"), dtype)
    expected = _expected_weights(layers, features)
    paths = [path for path, _ in expected]
    if _strings(config["weights"], "config.weights") != paths or len(set(paths)) != len(paths):
        _bad("config.weights", f"the {len(paths)} distinct weight paths the layers build", config["weights"])
    state = _keys(config["state"], {"last_fit", "rng", "layer_rngs", "optimizer"}, "config.state")
    last_fit = state["last_fit"]
    if last_fit is not None and not isinstance(last_fit, dict):
        _bad("config.state.last_fit", "null or an object of integers", last_fit)
    for key, value in (last_fit or {}).items():
        _int(value, f"config.state.last_fit.{key}")
    model_rng, layer_rngs = _decode_rngs(state, layers)
    training = _decode_training(config["compile"], state["optimizer"], paths, built)
    expected_tensors = dict(expected)
    if training is not None and training.slots_built:
        slot_names = list(training.optimizer.init_slots(np.zeros(0)))
        expected_tensors.update({f"optimizer/{i}/{slot}": shape for i, (_, shape) in enumerate(expected)
                                 for slot in slot_names})
    _check_tensors(tensors, expected_tensors, dtype)

    # Everything is checked: build. The allocations are the sizes of the file's own tensors. The initial
    # values are overwritten by the file's, so an initializer's overflow warning would only be noise.
    try:
        with np.errstate(all="ignore"):
            model = Sequential(([Input((features,))] if features is not None else []) + layers, name=name,
                               dtype=dtype, seed=seed)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"`config.model` was refused by Sequential(): {exc}") from exc
    model.set_weights([tensors[path] for path in paths])
    if training is not None:
        _restore_training(model, training, tensors)
    model.last_fit = None if last_fit is None else dict(last_fit)
    model._rng.bit_generator.state = model_rng  # after building, which drew from it
    for layer, data in zip(model.layers, layer_rngs):
        if data is not None:
            layer._own_rng.bit_generator.state = data
    return model


def _restore_training(model: Sequential, training: _Training, tensors: dict[str, np.ndarray]) -> None:
    optimizer = training.optimizer
    try:
        model.compile(optimizer=optimizer, loss=training.loss, metrics=training.metrics)
        optimizer.exclude_from_weight_decay([w for w in model.weights if w.path in training.excluded],
                                            None if training.pattern is None else [training.pattern])
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"`config.compile` was refused by compile(): {exc}") from exc
    model.set_compile_regularization(training.plan)
    if training.slots_built:
        optimizer.build(model.trainable_weights)
        for index, slots in enumerate(optimizer.slots):
            for slot, array in slots.items():
                array[...] = tensors[f"optimizer/{index}/{slot}"]
    optimizer.iterations = training.iterations


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
    source, max_bytes = _check_path(path), check_positive_int("max_bytes", max_bytes)
    blob = _read(source, max_bytes)
    with _file_errors(source):
        kind, config, tensors = _parse(blob)
        if kind != "model":
            _bad("the file's kind", "'model' (this file holds only weights: load it into a model of the same "
                 "architecture with model.load_weights(path))", kind)
        return _decode_model(config, tensors)


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
