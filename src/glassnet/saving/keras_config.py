"""Keras 3's serialized objects ↔ glassnet's allow-listed ones: the translation table of a ``.keras`` config.

Keras 3 writes every object of ``config.json`` as ``{"module": "keras.regularizers", "class_name": "L2",
"config": {"l2": 0.01}, "registered_name": null}`` (``keras/src/saving/serialization_lib.py``); a glassnet file
writes ``{"class_name": "L2", "config": {"l2": 0.01}}`` (:mod:`~glassnet.saving.allow_list`). :data:`KERAS` maps
each Keras class glassnet has to its glassnet class, and says what to do with the Keras keys glassnet has no
argument for:

- ``fixed``: a setting glassnet cannot honour otherwise (``trainable``, a loss's ``reduction``, an optimizer's
  ``use_ema``, BatchNormalization's ``renorm``): read only if it holds this value, and written so;
- ``free``: a value that changes no number (a loss's ``name``; BatchNormalization's ``renorm_momentum``, used only
  with ``renorm``): any string or number is read, this is written;
- ``tolerated``: a key newer Keras versions add only when set (``lora_rank``): read if it holds this value;
- ``optional``: a glassnet argument a Keras file may leave out (Keras writes an ``activity_regularizer`` only
  when there is one, and no Huber ``delta``): the value it then takes;
- ``absent``: a glassnet argument Keras has no key for (``from_logits`` of the squared error): the value it takes
  when read; anything else cannot be written.

Reading (:func:`from_keras`) checks the module, the class name (against this table only: a ``Lambda``, a custom
object or a registered name is refused as such), the keys and the fixed values, and returns glassnet's form,
which :func:`~glassnet.saving.allow_list._decode` then checks value by value and builds through each class's
validating constructor. Nothing is imported and nothing is called but glassnet's constructors. Writing
(:func:`to_keras`) is the same table read backwards from an object's glassnet form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from .. import regularizers as reg
from .allow_list import ALLOW_LIST, _decode
from .messages import _bad, _keys, _Said, _unsavable


@dataclass(frozen=True)
class _Keras:
    """One Keras class: its module, the glassnet class it is, and its keys glassnet has no argument for."""

    module: str
    glassnet: str
    fixed: dict[str, Any] = field(default_factory=dict)
    free: dict[str, Any] = field(default_factory=dict)
    tolerated: dict[str, Any] = field(default_factory=dict)
    optional: dict[str, Any] = field(default_factory=dict)
    absent: dict[str, Any] = field(default_factory=dict)


def _same(module: str, names: list[str], **keys: dict[str, Any]) -> dict[str, _Keras]:
    return {name: _Keras(module, name, **keys) for name in names}


_TRAINABLE, _ACTIVITY = {"trainable": True}, {"activity_regularizer": None}
_AXES = {"input_axes": None, "output_axes": None}  # Keras 3.15's fan axes; glassnet's kernels are 2-D
_SUM = {"reduction": "sum_over_batch_size"}  # Keras's mean over the batch, as glassnet's losses
_CROSSENTROPY = {**_SUM, "label_smoothing": 0.0, "axis": -1}
_METRIC_DTYPE = {"dtype": "float32"}
_OPTIMIZER: dict[str, dict[str, Any]] = dict(
    fixed={"use_ema": False, "ema_overwrite_frequency": None, "loss_scale_factor": None,
           "gradient_accumulation_steps": None}, free={"ema_momentum": 0.99})

#: family → Keras class name → how it maps to glassnet (module docstring). Reading looks names up here only.
KERAS: dict[str, dict[str, _Keras]] = {
    "layer": {
        "Dense": _Keras("keras.layers", "Dense", fixed={**_TRAINABLE, "quantization_config": None},
                        tolerated={"lora_rank": None, "lora_alpha": None}, optional=_ACTIVITY),
        "Dropout": _Keras("keras.layers", "Dropout", fixed={**_TRAINABLE, "noise_shape": None}),
        "Activation": _Keras("keras.layers", "Activation", fixed=_TRAINABLE, optional=_ACTIVITY),
        "ActivityRegularization": _Keras("keras.layers", "ActivityRegularization", fixed=_TRAINABLE),
        "Normalization": _Keras("keras.layers", "Normalization", fixed=_TRAINABLE),
        # Keras's batch renormalization and cross-replica statistics change the numbers (renorm adds variables);
        # renorm_momentum is used only with renorm, so any value is read.
        "BatchNormalization": _Keras("keras.layers", "BatchNormalization", fixed={
            **_TRAINABLE, "synchronized": False, "renorm": False, "renorm_clipping": None},
            free={"renorm_momentum": 0.99}),
        "GaussianNoise": _Keras("keras.layers", "GaussianNoise", fixed=_TRAINABLE),
        # channels_first flattens images in another order (keras_model reads it on 2-D inputs, where it is the same)
        "Flatten": _Keras("keras.layers", "Flatten", fixed={**_TRAINABLE, "data_format": "channels_last"})},
    "initializer": {
        **_same("keras.initializers", ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
                                       "LecunNormal", "VarianceScaling"], fixed=_AXES),
        **_same("keras.initializers", ["RandomNormal", "RandomUniform", "Constant", "Zeros", "Ones"])},
    "regularizer": _same("keras.regularizers", ["L1", "L2", "L1L2"]),
    "constraint": _same("keras.constraints", ["MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"]),
    "loss": {
        "BinaryCrossentropy": _Keras("keras.losses", "BinaryCrossentropy", fixed=_CROSSENTROPY,
                                     free={"name": "binary_crossentropy"}, tolerated={"dtype": None}),
        "CategoricalCrossentropy": _Keras("keras.losses", "CategoricalCrossentropy", fixed=_CROSSENTROPY,
                                          free={"name": "categorical_crossentropy"}, tolerated={"dtype": None}),
        "SparseCategoricalCrossentropy": _Keras(
            "keras.losses", "SparseCategoricalCrossentropy", fixed={**_SUM, "ignore_class": None},
            free={"name": "sparse_categorical_crossentropy"}, tolerated={"dtype": None}),
        "MeanSquaredError": _Keras("keras.losses", "MeanSquaredError", fixed=_SUM, tolerated={"dtype": None},
                                   free={"name": "mean_squared_error"}, absent={"from_logits": False}),
        "MeanAbsoluteError": _Keras("keras.losses", "MeanAbsoluteError", fixed=_SUM, tolerated={"dtype": None},
                                    free={"name": "mean_absolute_error"}, absent={"from_logits": False}),
        # Keras 3.15's Huber.get_config leaves delta out (its from_config takes it): 1.0 when absent.
        "Huber": _Keras("keras.losses", "Huber", fixed=_SUM, free={"name": "huber_loss"},
                        tolerated={"dtype": None}, optional={"delta": 1.0})},
    "schedule": _same("keras.optimizers.schedules", ["ExponentialDecay"], free={"name": "ExponentialDecay"}),
    "optimizer": _same("keras.optimizers", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax"],
                       **_OPTIMIZER),
    # compile's metric objects. A metric's dtype is where Keras accumulates (float32 by default); glassnet
    # computes its metrics its own way whatever it says, so it is read as a name and written as Keras's default.
    "metric": {
        "AUC": _Keras("keras.metrics", "AUC", fixed={"num_labels": None, "label_weights": None},
                      free=_METRIC_DTYPE, optional={"thresholds": None}),  # Keras writes thresholds when given
        **_same("keras.metrics", ["Precision", "Recall"], fixed={"top_k": None}, free=_METRIC_DTYPE),
        **_same("keras.metrics", ["RootMeanSquaredError", "TopKCategoricalAccuracy"], free=_METRIC_DTYPE)},
}
#: (family, glassnet class name) → Keras class name, for writing. glassnet's L2.from_lecture is written as the L2
#: it is (the λ and m it was given in are not Keras's; the penalty is the same).
_TO_KERAS = {(family, spec.glassnet): name for family, table in KERAS.items() for name, spec in table.items()}
#: What a Keras class name outside the table is, when glassnet can say.
_CODE = {"Lambda": "a Lambda layer, whose function is Python code (glassnet never runs code from a file)",
         "TFSMLayer": "a TensorFlow SavedModel layer (code)", "Functional": "a functional model",
         "Model": "a subclassed model (code)"}
#: Keras's activation names: glassnet's activations by their ``name``, with their default arguments (a Keras
#: name means Keras's defaults: leaky_relu's negative_slope=0.2, elu's alpha=1.0, gelu's approximate=False).
ACTIVATIONS = {cast(Any, spec.cls).name: class_name for class_name, spec in ALLOW_LIST["activation"].items()}


def _default_config(family: str, class_name: str) -> dict[str, Any]:
    return ALLOW_LIST[family][class_name].cls().get_config()


# --- reading ------------------------------------------------------------------------------------------------
class SharedObjects:
    """Keras writes an object used twice with the same ``shared_object_id`` each time, and Keras's loader builds
    the first and reuses it: a later config under the same id is ignored there. glassnet reads each config, so
    it refuses a file whose configs under one id differ."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}

    def check(self, data: dict[str, Any], where: str) -> None:
        if "shared_object_id" not in data:
            return
        key = data["shared_object_id"]
        if isinstance(key, bool) or not isinstance(key, int):
            _bad(f"{where}.shared_object_id", "an integer", key)
        content = {k: v for k, v in data.items() if k != "shared_object_id"}
        if self.seen.setdefault(key, content) != content:
            _bad(where, f"the same object as the first one with shared_object_id {key} (Keras would use that one)",
                 content)


def check_object(data: Any, where: str, shared: SharedObjects, extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A Keras object's outer keys: module, class_name, config, registered_name (null: a registered name is a
    custom object), and optionally shared_object_id and ``extra``."""
    if not isinstance(data, dict):
        _bad(where, "a Keras object {module, class_name, config, registered_name}", data)
    required = {"module", "class_name", "config", "registered_name"}
    _keys({k: v for k, v in data.items() if k not in extra | {"shared_object_id"}}, required, where)
    if data["registered_name"] is not None:
        _bad(f"{where}.registered_name", "null: a registered name is a custom object, which is code glassnet never "
             "runs", data["registered_name"])
    shared.check(data, where)
    return data


def from_keras(family: str, data: Any, where: str, shared: SharedObjects,
               extra: frozenset[str] = frozenset()) -> dict[str, Any]:
    """glassnet's form ``{"class_name", "config"}`` of a Keras object of ``family`` (not yet value-checked)."""
    data = check_object(data, where, shared, extra)
    table, name = KERAS[family], data["class_name"]
    if not isinstance(name, str) or name not in table:
        _bad(f"{where}.class_name", f"one of the Keras {family} classes glassnet has {sorted(table)}",
             _Said(f"{_CODE[name]}: {name!r}") if isinstance(name, str) and name in _CODE else name)
    spec = table[name]
    if data["module"] != spec.module:
        _bad(f"{where}.module", f"{spec.module!r}, Keras's own module of {name} (another module is a custom "
             "object: code)", data["module"])
    config = data["config"]
    fields = {f: kind for f, kind in ALLOW_LIST[family][spec.glassnet].fields.items() if f not in spec.absent}
    allowed = set(fields) | set(spec.fixed) | set(spec.free) | set(spec.tolerated)
    required = set(fields) - set(spec.optional)
    if not isinstance(config, dict) or not required <= set(config) <= allowed:
        received = _Said(f"missing {sorted(required - set(config))}, unexpected {sorted(set(config) - allowed)}") \
            if isinstance(config, dict) else config
        _bad(f"{where}.config", f"the config of Keras's {name} with the keys glassnet reads {sorted(allowed)}",
             received)
    for key, value in {**spec.fixed, **spec.tolerated}.items():
        if key in config and config[key] != value:
            _bad(f"{where}.config.{key}", f"{value!r} (glassnet's {spec.glassnet} has no other {key})", config[key])
    for key in spec.free:
        if key in config and not isinstance(config[key], (str, int, float)):
            _bad(f"{where}.config.{key}", "a string or a number", config[key])
    out = {f: _nested_from_keras(kind, config.get(f, spec.optional.get(f)), f"{where}.config.{f}", shared)
           for f, kind in fields.items()}
    return {"class_name": spec.glassnet, "config": {**out, **spec.absent}}


def _nested_from_keras(kind: str, value: Any, where: str, shared: SharedObjects) -> Any:
    base = kind.rstrip("?")
    if value is None:
        return None
    if base == "activation":
        return activation_from_keras(value, where)
    if base == "learning_rate":
        base = "schedule" if isinstance(value, dict) else "float"
    return from_keras(base, value, where, shared) if base in KERAS else value


def activation_from_keras(value: Any, where: str) -> dict[str, Any]:
    """glassnet's form of a Keras activation name ('relu'; Keras's defaults for the ones with arguments)."""
    if not isinstance(value, str) or value not in ACTIVATIONS:
        _bad(where, f"the name of an activation glassnet has {sorted(ACTIVATIONS)}", value)
    return {"class_name": ACTIVATIONS[value], "config": _default_config("activation", ACTIVATIONS[value])}


def decode_from_keras(family: str, data: Any, where: str, shared: SharedObjects) -> Any:
    """The glassnet object a Keras object of ``family`` is: translated, then checked and built by the allow-list."""
    return _decode(family, from_keras(family, data, where, shared), where)


# --- writing ------------------------------------------------------------------------------------------------
def to_keras(family: str, data: dict[str, Any], where: str) -> dict[str, Any]:
    """The Keras object of an object's glassnet form (from :func:`~glassnet.saving.allow_list._encode`);
    ValueError for what Keras has no counterpart of."""
    name = data["class_name"]
    if family == "regularizer" and name == "LectureL2":  # the L2 it is: l2 = λ/(2m) (λ/m for squared error)
        data = {"class_name": "L2", "config": {"l2": reg.LectureL2.from_config(data["config"]).l2}}
        name = "L2"
    keras_name = _TO_KERAS.get((family, name))
    if keras_name is None:
        _unsavable(where, f"Keras has no counterpart of glassnet's {name} that a .keras file can name", name)
    spec = KERAS[family][keras_name]
    kinds = ALLOW_LIST[family][name].fields
    config: dict[str, Any] = {}
    for key, value in data["config"].items():
        if key in spec.absent:
            if value != spec.absent[key]:
                _unsavable(f"{where}.{key}", f"Keras's {keras_name} has no {key}; only {spec.absent[key]!r} can be "
                           "written", value)
            continue
        config[key] = _nested_to_keras(kinds[key], value, f"{where}.{key}")
    return {"module": spec.module, "class_name": keras_name, "config": {**config, **spec.fixed, **spec.free},
            "registered_name": None}


def _nested_to_keras(kind: str, value: Any, where: str) -> Any:
    base = kind.rstrip("?")
    if value is None or not isinstance(value, dict):
        return value
    if base == "activation":
        return activation_to_keras(value, where)
    return to_keras("schedule" if base == "learning_rate" else base, value, where)


def activation_to_keras(data: dict[str, Any], where: str) -> str:
    """Keras's name of a glassnet activation; only Keras's default arguments have one."""
    name, config = data["class_name"], data["config"]
    default = _default_config("activation", name)
    keras_name: str = cast(Any, ALLOW_LIST["activation"][name].cls).name
    if config != default:
        _unsavable(where, f"Keras names activations without arguments: its {keras_name!r} is {name}"
                   f"({', '.join(f'{k}={v!r}' for k, v in default.items())})", f"{name}({config})")
    return keras_name
