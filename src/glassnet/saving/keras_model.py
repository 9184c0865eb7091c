"""A Keras 3 ``Sequential``'s ``config.json`` read into glassnet's terms: its layers, input width, dtype and
compile settings (:class:`KerasModel`), each object through :mod:`~glassnet.saving.keras_config` and glassnet's
allow-list.

What a ``.keras`` config may hold: a ``Sequential`` (module ``keras``) whose layers are an optional first
``InputLayer`` of 2-D inputs ``[null, features]`` (or ``[null, d₁, …, dₖ]`` when the first layer is a
``Flatten``: images, read as rows of d₁·…·dₖ features), then ``Dense``, ``Dropout``, ``Activation``,
``ActivityRegularization``, ``Normalization``, ``BatchNormalization``, ``GaussianNoise`` and ``Flatten``, all in
one dtype policy (float32 or float64), trainable; and optionally the ``compile_config`` Keras writes (optimizer,
loss, metrics). Refused, by name: any other model type (a functional or subclassed model), any other layer (a
``Lambda`` is code), a setting glassnet's layer has not (``BatchNormalization``'s ``renorm``, ``synchronized``; a
``Flatten`` with ``data_format='channels_first'`` where it may see images: on 2-D inputs it is read, being the
same), anything with a ``registered_name`` or a module outside Keras (custom objects), mixed precision, multiple
losses, loss weights, weighted metrics. Every field is checked before anything is built; a refusal names the
field as ``config.json:config.layers[1].config.units``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .. import losses as los
from .. import metrics as met
from .. import optimizers as opt
from ..errors import ModelFileError
from .allow_list import _decode, _decode_value, _encode
from .container import _MAX_DIM, _MAX_RANK
from .keras_config import _CODE, KERAS, SharedObjects, check_object, from_keras
from .messages import _bad, _int, _Said

CONFIG_WHERE = "config.json:"
#: Keras's own names of its float policies; glassnet computes in one float type.
_POLICIES = ("DTypePolicy", "FloatDTypePolicy")
_FLOATS = ("float32", "float64")
#: Keras's path of each layer's variables is its class name in snake case, numbered when repeated
#: (``_get_unique_name`` in keras/src/saving/saving_lib.py): dense, dense_1, dropout, ...
SNAKE = {"Dense": "dense", "Dropout": "dropout", "Activation": "activation",
         "ActivityRegularization": "activity_regularization", "Normalization": "normalization",
         "BatchNormalization": "batch_normalization", "GaussianNoise": "gaussian_noise", "Flatten": "flatten"}
#: Keras metric classes glassnet has, by glassnet's metric name, with the only settings glassnet computes.
_METRICS = {"BinaryAccuracy": ("binary_accuracy", {"threshold": 0.5}),
            "CategoricalAccuracy": ("categorical_accuracy", {}),
            "SparseCategoricalAccuracy": ("sparse_categorical_accuracy", {}),
            "MeanSquaredError": ("mean_squared_error", {}), "MeanAbsoluteError": ("mean_absolute_error", {})}
_OPTIMIZER_NAMES = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "adamax")
_COMPILE_KEYS = {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
                 "steps_per_execution", "jit_compile"}


@dataclass
class KerasModel:
    """What a Keras config says, in glassnet's terms (glassnet's forms are what a glassnet file's config holds)."""

    name: str
    dtype: str
    features: int | None
    forms: list[dict[str, Any]]  # each layer's glassnet form {"class_name", "config"}
    layers: list[Any]  # the same layers built as glassnet objects (unbuilt): their shapes and generators
    paths: list[str]  # each layer's Keras variable path, 'layers/dense'
    compile: dict[str, Any] | None  # glassnet's "compile" section
    optimizer: Any  # the compiled optimizer (glassnet object) or None
    offset: int  # 1 when config.layers starts with an InputLayer: layers[i] is config.layers[i + offset]


def _keys_within(data: Any, required: set[str], allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not required <= set(data) <= allowed:
        received = _Said(f"missing {sorted(required - set(data))}, unexpected {sorted(set(data) - allowed)}") \
            if isinstance(data, dict) else data
        _bad(where, f"an object with the keys {sorted(required)}" + (
            f" (and optionally {sorted(allowed - required)})" if allowed != required else ""), received)
    return data


def _fixed(config: dict[str, Any], values: dict[str, Any], where: str, why: str) -> None:
    for key, value in values.items():
        if key in config and config[key] != value:
            _bad(f"{where}.{key}", f"{value!r} ({why})", config[key])


def policy(value: Any, where: str, shared: SharedObjects) -> str:
    """The float type of a Keras dtype policy (``"float32"`` or a ``DTypePolicy`` object)."""
    name = value
    if isinstance(value, dict):
        check_object(value, where, shared)
        if value["class_name"] not in _POLICIES or value["module"] != "keras":
            _bad(f"{where}.class_name", f"one of Keras's float policies {list(_POLICIES)}", value["class_name"])
        name = _keys_within(value["config"], {"name"}, {"name"}, f"{where}.config")["name"]
    if name not in _FLOATS:
        _bad(where, "the dtype policy 'float32' or 'float64' (glassnet computes in one float type: no mixed "
             "precision, no float16)", name)
    return name


def _example_shape(value: Any, where: str, images: bool = False, any_batch: bool = False) -> tuple[int, ...]:
    """One example's shape in ``[null, features]`` (``images``: or ``[null, d₁, …, dₖ]``, the input of a first
    ``Flatten``; ``any_batch``: ``[rows, ...]`` too, what a layer's build config keeps after ``adapt``)."""
    if not isinstance(value, list) or not 2 <= len(value) <= (_MAX_RANK + 1 if images else 2) or not (
            value[0] is None or (any_batch and isinstance(value[0], int) and not isinstance(value[0], bool))):
        _bad(where, "[null, features]: glassnet's models take 2-D inputs (batch, features)" + (
            f", or [null, d₁, …, dₖ] (k ≤ {_MAX_RANK}) into a first Flatten" if images else ""), value)
    dims = tuple(_int(d, where, 1, _MAX_DIM) for d in value[1:])
    if math.prod(dims) >= _MAX_DIM:
        _bad(where, f"examples of fewer than {_MAX_DIM} numbers", value)
    return dims


def _shown(dims: tuple[int, ...]) -> str:
    return f"[null, {', '.join(map(str, dims))}]"


def _input_layer(data: dict[str, Any], where: str, shared: SharedObjects, images: bool) -> tuple[int, ...]:
    if data["module"] != "keras.layers":
        _bad(f"{where}.module", "'keras.layers'", data["module"])
    config = _keys_within(data["config"], {"batch_shape"}, {"batch_shape", "dtype", "sparse", "ragged", "name",
                                                           "optional"}, f"{where}.config")
    _fixed(config, {"sparse": False, "ragged": False, "optional": False}, f"{where}.config", "dense inputs only")
    _decode_value("str?", config.get("name"), f"{where}.config.name")
    policy(config.get("dtype", "float32"), f"{where}.config.dtype", shared)
    return _example_shape(config["batch_shape"], f"{where}.config.batch_shape", images)


def _layer(data: dict[str, Any], where: str, shared: SharedObjects,
           flat_input: bool) -> tuple[dict[str, Any], Any, str]:
    """A layer's glassnet form, the glassnet layer and its dtype (``flat_input``: its input is known 2-D)."""
    config = data["config"]
    if not isinstance(config, dict):
        _bad(f"{where}.config", "a JSON object", config)
    dtype = policy(config.get("dtype", "float32"), f"{where}.config.dtype", shared)
    config = {key: value for key, value in config.items() if key != "dtype"}
    if data["class_name"] == "Normalization" and isinstance(config.get("axis"), list):
        axis = config["axis"]  # Keras writes its tuple of kept axes: [-1] (one statistic per feature) or [] (None)
        config["axis"] = axis[0] if len(axis) == 1 else None if not axis else axis
    if data["class_name"] == "Flatten" and config.get("data_format") == "channels_first" and flat_input:
        config["data_format"] = "channels_last"  # on (batch, features) both are the identity: nothing to reorder
    form = from_keras("layer", {**data, "config": config}, where, shared, frozenset({"build_config"}))
    return form, _decode("layer", form, where), dtype


def _input_shape(model_config: dict[str, Any], top: dict[str, Any], first: tuple[int, ...] | None,
                 images: bool) -> tuple[int, ...] | None:
    """One example's shape, from the InputLayer, build_input_shape and build_config (all given must agree)."""
    found = {} if first is None else {"config.layers[0].config.batch_shape": first}
    if "build_input_shape" in model_config and model_config["build_input_shape"] is not None:
        found["config.build_input_shape"] = _example_shape(model_config["build_input_shape"],
                                                           f"{CONFIG_WHERE}config.build_input_shape", images)
    build = top.get("build_config")
    if build is not None:
        build = _keys_within(build, {"input_shape"}, {"input_shape"}, f"{CONFIG_WHERE}build_config")
        found["build_config.input_shape"] = _example_shape(build["input_shape"],
                                                           f"{CONFIG_WHERE}build_config.input_shape", images)
    if len(set(found.values())) > 1:
        _bad(CONFIG_WHERE + " and ".join(found), "one input shape",
             _Said(", ".join(f"{k}: {_shown(v)}" for k, v in found.items())))
    return next(iter(found.values()), None)


def _check_build_configs(datas: list[dict[str, Any]], layers: list[Any], example: tuple[int, ...] | None,
                         start: int) -> None:
    """A layer's build_config, where Keras wrote one, must be the input it gets in this model."""
    shape = example
    for offset, (data, layer) in enumerate(zip(datas, layers)):
        where = f"{CONFIG_WHERE}config.layers[{start + offset}].build_config"
        build = data.get("build_config")
        if build is not None:
            build = _keys_within(build, {"input_shape"}, {"input_shape"}, where)
            if shape is None:
                _bad(where, "absent: the model has no input shape to build this layer for", build)
            if _example_shape(build["input_shape"], f"{where}.input_shape", len(shape) > 1, True) != shape:
                _bad(f"{where}.input_shape", f"{_shown(shape)}, the input this layer gets in the model",
                     build["input_shape"])
        if shape is not None:
            shape = (layer.compute_output_shape((None, *shape))[-1],)


def read_model(top: Any, shared: SharedObjects) -> KerasModel:
    """The checked meaning of a whole ``config.json`` (nothing is built but the small configuration objects)."""
    where = CONFIG_WHERE.rstrip(":")
    data = check_object(top, where, shared, frozenset({"build_config", "compile_config"}))
    if data["class_name"] != "Sequential" or data["module"] != "keras":
        name = data["class_name"]
        _bad(f"{CONFIG_WHERE}class_name", "'Sequential' of the module 'keras' (glassnet reads Keras Sequential "
             "models)", _Said(f"{_CODE[name]}: {name!r}") if isinstance(name, str) and name in _CODE else name)
    config = _keys_within(data["config"], {"name", "layers"}, {"name", "layers", "trainable", "dtype",
                                                               "build_input_shape"}, f"{CONFIG_WHERE}config")
    _fixed(config, {"trainable": True}, f"{CONFIG_WHERE}config", "glassnet trains every weight")
    name = _decode_value("str", config["name"], f"{CONFIG_WHERE}config.name")
    if "dtype" in config:
        policy(config["dtype"], f"{CONFIG_WHERE}config.dtype", shared)
    items = config["layers"]
    if not isinstance(items, list):
        _bad(f"{CONFIG_WHERE}config.layers", "a list of layers", items)
    items = [check_object(item, f"{CONFIG_WHERE}config.layers[{i}]", shared, frozenset({"build_config"}))
             for i, item in enumerate(items)]
    dtypes: dict[str, str] = {}
    start = 1 if items and items[0]["class_name"] == "InputLayer" else 0
    images = len(items) > start and items[start]["class_name"] == "Flatten"  # a first Flatten takes images
    # NOTE: Keras's Input is float32 unless told otherwise, also before float64 layers (which then see inputs
    # rounded to float32); glassnet casts inputs to the model's dtype, so only the layers' dtypes must agree.
    first = _input_layer(items[0], f"{CONFIG_WHERE}config.layers[0]", shared, images) if start else None
    example = _input_shape(config, data, first, images)
    flat = example is not None and len(example) == 1  # the first layer's input is known to be 2-D
    forms, layers, paths = [], [], []
    counts: dict[str, int] = {}
    for index, item in enumerate(items[start:], start=start):
        form, layer, dtypes[f"config.layers[{index}]"] = _layer(item, f"{CONFIG_WHERE}config.layers[{index}]",
                                                                shared, index > start or flat)
        forms.append(form)
        layers.append(layer)
        snake = SNAKE[item["class_name"]]
        paths.append(f"layers/{snake}" + (f"_{counts[snake]}" if snake in counts else ""))
        counts[snake] = counts.get(snake, 0) + 1
    if len(set(dtypes.values())) > 1:
        _bad(CONFIG_WHERE + "config.layers", "layers of one dtype (glassnet computes in one float type)",
             _Said(", ".join(f"{k}: {v}" for k, v in dtypes.items())))
    _check_build_configs(items[start:], layers, example, start)
    features = None if example is None else math.prod(example)
    dtype = next(iter(dtypes.values()), "float32")
    compiled = data.get("compile_config")
    training = None if not compiled else _compile(compiled, layers, features, shared)
    return KerasModel(name, dtype, features, forms, layers, paths, None if training is None else training[0],
                      None if training is None else training[1], start)


def _loss(value: Any, where: str, shared: SharedObjects) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            return _encode("loss", los.get(value), where)
        except ValueError:
            _bad(where, "the name of a loss glassnet has (or a Keras loss object)", value)
    if isinstance(value, dict):
        return from_keras("loss", value, where, shared)
    return _bad(where, "one loss: a name or a Keras loss object (glassnet's models have one output)", value)


def _metric(value: Any, where: str, shared: SharedObjects) -> str | dict[str, Any]:
    """A metric name, or the glassnet form of a metric object (AUC(), Precision(), ...)."""
    if isinstance(value, str):
        return value
    data = check_object(value, where, shared)
    if data["class_name"] in KERAS["metric"]:
        return from_keras("metric", data, where, shared)
    if data["class_name"] not in _METRICS or data["module"] != "keras.metrics":
        _bad(f"{where}.class_name", f"a metric name or one of the Keras metric classes glassnet has "
             f"{sorted([*_METRICS, *KERAS['metric']])}", data["class_name"])
    name, fixed = _METRICS[data["class_name"]]
    config = _keys_within(data["config"], set(), {"name", "dtype", *fixed}, f"{where}.config")
    _fixed(config, fixed, f"{where}.config", f"glassnet's {name}")
    return name


def _compile(data: Any, layers: list[Any], features: int | None, shared: SharedObjects) -> tuple[dict[str, Any], Any]:
    """glassnet's compile section of a Keras compile_config, every part checked as glassnet's compile would."""
    where = f"{CONFIG_WHERE}compile_config"
    data = _keys_within(data, {"optimizer", "loss"}, _COMPILE_KEYS, where)
    _fixed(data, {"loss_weights": None}, where, "glassnet's models have one output")
    if data.get("weighted_metrics") not in (None, []):
        _bad(f"{where}.weighted_metrics", "null (glassnet has no weighted metrics)", data["weighted_metrics"])
    optimizer = data["optimizer"]
    if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZER_NAMES:
        optimizer_form = _encode("optimizer", opt.get(optimizer.lower()), f"{where}.optimizer")
    else:
        optimizer_form = from_keras("optimizer", optimizer, f"{where}.optimizer", shared)
    optimizer_object = _decode("optimizer", optimizer_form, f"{where}.optimizer")
    loss_form = _loss(data["loss"], f"{where}.loss", shared)
    loss = _decode("loss", loss_form, f"{where}.loss")
    metrics = data.get("metrics") or []
    if not isinstance(metrics, list):
        _bad(f"{where}.metrics", "a list of metrics (glassnet's models have one output) or null", metrics)
    names = [_metric(metric, f"{where}.metrics[{i}]", shared) for i, metric in enumerate(metrics)]
    width = None
    if features is not None:
        width = features
        for layer in layers:
            width = layer.compute_output_shape((None, width))[-1]
    for index, metric in enumerate(names):
        if isinstance(metric, dict):
            metric = _decode("metric", metric, f"{where}.metrics[{index}]")
        try:
            met.get(metric, loss, width).check(loss, width)
        except (ValueError, TypeError) as exc:
            raise ModelFileError(f"`{where}.metrics[{index}]` was refused by compile(): {exc}") from exc
    regularization = {"regularizer": None, "regularize_bias": False, "lam": None, "n_samples": None}
    return {"optimizer": optimizer_form, "loss": loss_form, "metrics": names,
            "regularization": regularization}, optimizer_object
