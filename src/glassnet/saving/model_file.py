"""What a model file says about a model: the config and tensors of a model (saving), and the model rebuilt
from a checked config and tensors (loading), weights, compile settings, optimizer and generator states
included. The keys of the config are described in :mod:`glassnet.saving`.

Loading is two steps. :func:`_check_model` checks the whole config and the tensors against each other and
returns a :class:`_Plan`, allocating nothing but the small configuration objects; saving runs it too, on what
it is about to write. :func:`_build_model` then builds the model once (not layer by layer: that rebuilt the
flat parameters after every layer, quadratic in the depth) and writes the file's values into its arrays in
place (weights and optimizer slots are views of flat arrays).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import regularizers as reg
from .._validation import describe
from ..constraints import Constraint
from ..engine.model import Sequential
from ..errors import ModelFileError
from ..layers import BatchNormalization, Dense, Input, Normalization
from ..optimizers.base import is_plain_names
from ..regularizers.placement import CompileRegularization
from .allow_list import ALLOW_LIST, _decode, _decode_value, _encode, _encode_value
from .bounds import _check_declared_bytes, _check_distinct, _check_finite
from .container import _MAX_DIM
from .messages import _bad, _int, _keys, _Said, _short, _strings, _unsavable

_MAX_PATTERN = 10_000  # characters of an optimizer's exclude_from_weight_decay pattern


# --- saving -----------------------------------------------------------------------------------------------
def _savable_structure(model: Sequential) -> tuple[int | None, list[Any]]:
    """The input width and the weights, after the checks that do not depend on a class."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Argument `model` must be a glassnet Sequential. Received: model={describe(model)}")
    shape = model.input_shape
    features = None if shape is None or shape[-1] is None else int(shape[-1])
    if model.built != bool(features is not None and model.layers) or (
            not model.built and any(layer.built for layer in model.layers)):
        raise ValueError("Cannot save a model that is half built (some layers built, the model not). Build "
                         f"it with model.build((None, features)). Received: model.built={model.built}")
    weights = model.weights
    repeated = sorted(name for name, n in Counter(layer.name for layer in model.layers).items() if n > 1)
    if repeated:
        raise ValueError("Cannot save a model whose layers share a name: the file keys weights by '<layer "
                         "name>/<weight>' and History by layer name. Give each layer its own name. Received: "
                         f"repeated {repeated}")
    # A Normalization's mean and variance and a BatchNormalization's moving statistics are non-trainable by
    # design; other frozen weights are not saved yet.
    frozen = [w.path for layer in model.layers if not isinstance(layer, (Normalization, BatchNormalization))
              for w in layer.weights if not w.trainable]
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
                  "rng": model.get_rng_state()["model"],
                  "layer_rngs": model.get_rng_state()["layers"],
                  "optimizer": None}}
    tensors = [(w.path, w.value) for w in weights]
    compiled = model.get_compile_config()
    if compiled is None:  # not compiled: architecture and weights only
        return config, tensors
    optimizer, plan, metrics = compiled["optimizer"], compiled["regularization"], compiled["metrics"]
    for index, metric in enumerate(metrics):
        if not isinstance(metric, str) and type(metric) not in _METRIC_CLASSES:
            _unsavable(f"compile.metrics[{index}]", "only metric names can be saved; a callable metric is code, "
                       "which a model file never holds (glassnet's metric objects, AUC() and the others, can be "
                       "saved too)", metric)
    config["compile"] = {
        "optimizer": _encode("optimizer", optimizer, "optimizer"),
        "loss": _encode("loss", model.loss, "loss"),
        "metrics": [m if isinstance(m, str) else _encode("metric", m, f"compile.metrics[{i}]")
                    for i, m in enumerate(metrics)],
        "regularization": {
            "regularizer": _encode_value("regularizer?", plan.regularizer, "compile.regularizer"),
            "regularize_bias": plan.regularize_bias, "lam": plan.lam, "n_samples": plan.n_samples}}
    trainable = model.trainable_weights
    # Slots built for other weights would be rebuilt by the next step anyway: then there is nothing to keep.
    built = optimizer.is_built_for(trainable)
    config["state"]["optimizer"] = {"iterations": int(optimizer.iterations), "built": built,
                                    **_exclusions(optimizer, weights, model.built)}
    if built:
        tensors += [(f"optimizer/{i}/{name}", array) for i, slots in enumerate(optimizer.slots)
                    for name, array in slots.items()]
    return config, tensors


def _exclusions(optimizer: Any, weights: list[Any], built: bool) -> dict[str, Any]:
    """``exclude_from_weight_decay`` as a file holds it: the exact paths of the exempt weights, and the pattern
    only when it is plain names (:func:`glassnet.optimizers.base.is_plain_names`), which the loader accepts; a
    file never carries a regular expression that could backtrack (issue 10.8). Only an unbuilt model has no
    paths to resolve a regular expression to: it must be built first."""
    names = optimizer.exclude_var_names
    pattern = "|".join(names) if names else None
    plain = pattern is None or is_plain_names(pattern)
    if not plain and not built:
        _unsavable("optimizer.exclude_from_weight_decay.var_names", "a model file carries plain weight names "
                   "(letters, digits, '_', '.', '-', '/') or the exact paths of the weights a regular "
                   "expression matches; build the model first, so its weights are known", names)
    return {"exclude_weight_paths": [w.path for w in weights if optimizer.is_excluded(w)],
            "exclude_pattern": pattern if plain else None}


# --- loading ----------------------------------------------------------------------------------------------
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


def _declared_weights(layers: list[Any], features: int, *,
                      trainable_only: bool = False) -> list[tuple[str, tuple[int, ...]]]:
    """(path, shape) of each weight these layers build for ``features`` inputs, in get_weights order — from the
    configuration alone, so a file's tensors are checked before anything is allocated. Mirrors Dense.build,
    with its check of each constraint against its weight, and Normalization.build (whose non-trainable mean and
    variance ``trainable_only`` leaves out); the other allow-listed layers have no weights and keep the width."""
    declared: list[tuple[str, tuple[int, ...]]] = []
    for index, layer in enumerate(layers):
        if isinstance(layer, BatchNormalization):  # mirrors BatchNormalization.build
            for name in layer.weight_names:
                constraint = getattr(layer, f"{name}_constraint", None)
                if constraint is not None:
                    try:
                        constraint.check_weight((features,), f"{name}_constraint of layer {layer.name!r}")
                    except ValueError as exc:
                        raise ModelFileError(f"`config.model.layers[{index}]` (BatchNormalization) cannot be built: "
                                             f"{exc}") from exc
                if not (trainable_only and name.startswith("moving_")):
                    declared.append((f"{layer.name}/{name}", (features,)))
            continue
        if isinstance(layer, Normalization):
            if not trainable_only:
                shape: tuple[int, ...] = () if layer.axis is None else (features,)
                declared += [(f"{layer.name}/mean", shape), (f"{layer.name}/variance", shape)]
            continue
        if not isinstance(layer, Dense):
            continue
        weights: list[tuple[str, tuple[int, ...], Constraint | None]] = [
            ("kernel", (features, layer.units), layer.kernel_constraint)]
        if layer.use_bias:
            weights.append(("bias", (layer.units,), layer.bias_constraint))
        for name, shape, constraint in weights:
            if constraint is not None:
                try:
                    constraint.check_weight(shape, f"{name}_constraint of layer {layer.name!r}")
                except ValueError as exc:
                    raise ModelFileError(f"`config.model.layers[{index}]` (Dense) cannot be built: {exc}") from exc
            declared.append((f"{layer.name}/{name}", shape))
        features = layer.units
    return declared


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
    metrics: list[Any]  # names, and glassnet metric objects
    plan: CompileRegularization
    iterations: int
    slots_built: bool
    excluded: set[str]
    pattern: str | None


#: The metric classes a file may hold as objects (ALLOW_LIST's "metric" family).
_METRIC_CLASSES = {spec.cls for spec in ALLOW_LIST["metric"].values()}


def _metrics(data: Any, where: str) -> list[Any]:
    """compile's metrics: each a name (a string) or an allow-listed metric object."""
    if not isinstance(data, list):
        _bad(where, "a list of metric names and metric objects", data)
    return [_decode_value("str", item, f"{where}[{index}]") if isinstance(item, str) else
            _decode("metric", item, f"{where}[{index}]") for index, item in enumerate(data)]


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
        _metrics(compiled["metrics"], "config.compile.metrics"),
        _compile_regularization(compiled["regularization"], "config.compile.regularization"),
        _int(state["iterations"], f"{where}.iterations", 0, 2**63),
        _decode_value("bool", state["built"], f"{where}.built"),
        set(_strings(state["exclude_weight_paths"], f"{where}.exclude_weight_paths")),
        _decode_value("str?", state["exclude_pattern"], f"{where}.exclude_pattern"))
    if not training.excluded <= set(paths):
        _bad(f"{where}.exclude_weight_paths", "paths of the model's weights", sorted(training.excluded))
    if training.pattern is not None and (len(training.pattern) > _MAX_PATTERN or
                                         not is_plain_names(training.pattern)):
        _bad(f"{where}.exclude_pattern", "plain weight names (letters, digits, '_', '.', '-', '/') joined by '|', "
             f"at most {_MAX_PATTERN} characters, or null", training.pattern)
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
        if (layer.rng is None) != (data is None):
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
        _check_finite(found, f"tensor {name!r}")


def _check_last_fit(last_fit: Any) -> dict[str, int] | None:
    """null, or what fit records: ``{"n_samples": m, "batch_size": B}``, both ≥ 1."""
    if last_fit is None:
        return None
    _keys(last_fit, {"n_samples", "batch_size"}, "config.state.last_fit")
    return {key: _int(value, f"config.state.last_fit.{key}", 1) for key, value in last_fit.items()}


@dataclass
class _Plan:
    """A model file's config, checked against its tensors: everything :func:`_build_model` needs."""

    name: str
    dtype: str | None
    seed: int | None
    features: int | None
    layers: list[Any]
    paths: list[str]
    last_fit: dict[str, int] | None
    model_rng: dict[str, Any]
    layer_rngs: list[dict[str, Any] | None]
    training: _Training | None


def _check_model(config: Any, tensors: dict[str, np.ndarray], max_bytes: int) -> _Plan:
    """Check the whole config and the tensors against each other (module docstring); build nothing."""
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
    _check_distinct((layer.name for layer in layers), "config.model.layers")
    built = features is not None and bool(layers)
    if dtype not in ("float32", "float64") and (built or dtype is not None):
        _bad("config.model.dtype", "'float32' or 'float64'" + ("" if built else " or null"), dtype)
    declared = _declared_weights(layers, features or 1)
    if not built:  # NOTE: null dtype builds as floatx() later; count 8 bytes, the widest it can be
        _check_declared_bytes([shape for _, shape in declared], 8 if dtype is None else np.dtype(dtype).itemsize,
                              max_bytes)
    expected = declared if built else []
    paths = [path for path, _ in expected]
    if _strings(config["weights"], "config.weights") != paths:
        _bad("config.weights", f"the {len(paths)} weight paths the layers build", config["weights"])
    state = _keys(config["state"], {"last_fit", "rng", "layer_rngs", "optimizer"}, "config.state")
    last_fit = _check_last_fit(state["last_fit"])
    model_rng, layer_rngs = _decode_rngs(state, layers)
    training = _decode_training(config["compile"], state["optimizer"], paths, built)
    expected_tensors = dict(expected)
    if training is not None and training.slots_built:
        slot_names = list(training.optimizer.init_slots(np.zeros(0)))
        trainable = _declared_weights(layers, features or 1, trainable_only=True)  # the optimizer's weights
        expected_tensors.update({f"optimizer/{i}/{slot}": shape for i, (_, shape) in enumerate(trainable)
                                 for slot in slot_names})
    _check_tensors(tensors, expected_tensors, dtype)
    for layer in layers:  # a variance below 0 would make every prediction NaN (√ of it)
        path = f"{layer.name}/{'variance' if isinstance(layer, Normalization) else 'moving_variance'}"
        if isinstance(layer, (Normalization, BatchNormalization)) and path in tensors and np.any(tensors[path] < 0):
            _bad(f"tensor '{path}'", "variances ≥ 0", _Said("a negative variance"))
    return _Plan(name, dtype, seed, features, layers, paths, last_fit, model_rng, layer_rngs, training)


def _build_model(plan: _Plan, tensors: dict[str, np.ndarray]) -> Sequential:
    """The model of a checked plan, built once; the allocations are the sizes of the file's own tensors."""
    first = plan.layers or ([Input((plan.features,))] if plan.features is not None else [])
    try:
        # The initial values are overwritten by the file's: an initializer's overflow warning is only noise.
        with np.errstate(all="ignore"):
            model = Sequential(first, name=plan.name, dtype=plan.dtype, seed=plan.seed)
            if plan.layers and plan.features is not None:
                model.build((None, plan.features))
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"`config.model` was refused by Sequential(): {exc}") from exc
    model.set_weights([tensors[path] for path in plan.paths])
    if plan.training is not None:
        _restore_training(model, plan.training, tensors)
    model.last_fit = plan.last_fit
    model.set_rng_state({"model": plan.model_rng, "layers": plan.layer_rngs})  # after building, which drew from it
    return model


def _decode_model(config: Any, tensors: dict[str, np.ndarray], max_bytes: int) -> Sequential:
    """The model a file describes: checked whole first, then built."""
    return _build_model(_check_model(config, tensors, max_bytes), tensors)


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
        optimizer.build(model.state.weights, model.state)
        for index, slots in enumerate(optimizer.slots):
            for slot, array in slots.items():
                array[...] = tensors[f"optimizer/{index}/{slot}"]
    optimizer.iterations = training.iterations
