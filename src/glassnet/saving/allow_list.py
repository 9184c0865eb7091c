"""The allow-list: every class a model file may name, with the type of each constructor argument, and the
encoding of an allow-listed object as ``{"class_name": ..., "config": {argument: value}}`` and back.

Decoding looks a class name up in :data:`ALLOW_LIST` and nowhere else, checks every value against its declared
kind and builds the object through its class's validating constructor: a file never names code to run.
"""

from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import activations as act
from .. import constraints as con
from .. import initializers as init
from .. import losses as los
from .. import metrics as met
from .. import regularizers as reg
from ..config import Configurable
from ..errors import ModelFileError
from ..layers import Activation, ActivityRegularization, Dense, Dropout, Normalization
from ..layers.batch_normalization import BatchNormalization
from ..layers.flatten import Flatten
from ..layers.gaussian_noise import GaussianNoise
from ..optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from ..optimizers.schedules import ExponentialDecay
from .bounds import _check_text
from .container import _MAX_INT_DIGITS
from .messages import _bad, _keys, _unsavable

#: At most this many numbers in a list argument (a Normalization's statistics: one per feature).
_MAX_FLOATS = 1_000_000
_KINDS: dict[str, tuple[type, str]] = {"float": (numbers.Real, "a number"), "int": (numbers.Integral, "an integer"),
          "bool": (bool, "true or false"), "str": (str, "a string")}


@dataclass(frozen=True)
class _Spec:
    """One allow-listed class and its constructor arguments → kind ('float', 'int?', 'activation', ...;
    '?' allows null, a family name means a nested object of that family)."""

    cls: type[Configurable]
    fields: dict[str, str]


def _is_kind(value: Any, base: str) -> bool:
    """Whether ``value`` is of the plain kind ``base`` ('float', 'int', 'bool', 'str'); a bool only for 'bool'."""
    return isinstance(value, _KINDS[base][0]) and isinstance(value, bool) == (base == "bool")


def _table(*entries: tuple[type[Configurable], dict[str, str]]) -> dict[str, _Spec]:
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
_BATCH_NORMALIZATION = {"name": "str", "axis": "int", "momentum": "float", "epsilon": "float", "center": "bool",
                        "scale": "bool", "beta_initializer": "initializer", "gamma_initializer": "initializer",
                        "moving_mean_initializer": "initializer", "moving_variance_initializer": "initializer",
                        "beta_regularizer": "regularizer?", "gamma_regularizer": "regularizer?",
                        "beta_constraint": "constraint?", "gamma_constraint": "constraint?"}

#: family → class name → class and constructor arguments. Loading looks names up here and nowhere else.
ALLOW_LIST: dict[str, dict[str, _Spec]] = {
    "layer": _table((Dense, _DENSE), (Dropout, {"name": "str", "rate": "float", "seed": "int?"}),
                    (Activation, {"name": "str", "activation": "activation",
                                  "activity_regularizer": "regularizer?"}),
                    (ActivityRegularization, {"name": "str", "l1": "float", "l2": "float"}),
                    # mean and variance are tensors of the file (non-trainable weights), not config values
                    (Normalization, {"name": "str", "axis": "int?", "invert": "bool", "mean": "floats?",
                                     "variance": "floats?"}),
                    # moving_mean and moving_variance are tensors of the file too (non-trainable weights)
                    (BatchNormalization, _BATCH_NORMALIZATION),
                    (GaussianNoise, {"name": "str", "stddev": "float", "seed": "int?"}), (Flatten, {"name": "str"})),
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
                          (reg.LectureL2, {"lam": "float", "m": "int", "loss": "str?"})),
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
                        (Adagrad, {**_OPTIMIZER, "initial_accumulator_value": "float", "epsilon": "float"}),
                        (Nadam, {**_OPTIMIZER, "beta_1": "float", "beta_2": "float", "epsilon": "float"}),
                        (Adamax, {**_OPTIMIZER, "beta_1": "float", "beta_2": "float", "epsilon": "float"})),
    # metric objects given to compile (names are stored as strings)
    "metric": _table((met.AUC, {"num_thresholds": "int", "curve": "str", "summation_method": "str", "name": "str",
                                "thresholds": "floats?", "multi_label": "bool", "from_logits": "bool"}),
                     *((cls, {"thresholds": "float?", "class_id": "int?", "name": "str"})
                       for cls in (met.Precision, met.Recall)),
                     (met.RootMeanSquaredError, {"name": "str"}),
                     (met.TopKCategoricalAccuracy, {"k": "int", "name": "str"})),
}
_BY_CLASS = {spec.cls: (family, name) for family, table in ALLOW_LIST.items() for name, spec in table.items()}


# --- saving -----------------------------------------------------------------------------------------------
def _encode(family: str, obj: Any, where: str) -> dict[str, Any]:
    """``{"class_name", "config"}`` for an allow-listed object; anything else cannot be saved (ValueError)."""
    found = _BY_CLASS.get(type(obj))  # the exact class: a subclass may hold state or code the file cannot
    if found is None or found[0] != family:
        code = " A plain function is code, which a model file never holds." if (
            inspect.isroutine(obj) or isinstance(obj, reg.FunctionRegularizer)) else ""
        names = ", ".join(ALLOW_LIST[family])
        _unsavable(where, f"only glassnet's own {family} classes can be saved ({names}).{code}", obj)
    spec = ALLOW_LIST[family][found[1]]
    config = obj.get_config()  # the one description of the object (glassnet.config)
    if set(config) != set(spec.fields):
        _unsavable(where, f"{found[1]}.get_config() gives {sorted(config)}, but a file stores exactly its "
                   f"constructor arguments {sorted(spec.fields)}", obj)
    return {"class_name": found[1],
            "config": {field: _encode_value(kind, config[field], f"{where}.{field}")
                       for field, kind in spec.fields.items()}}


def _encode_value(kind: str, value: Any, where: str) -> Any:
    base = kind.rstrip("?")
    if value is None and kind.endswith("?"):
        return None
    if base == "learning_rate":
        base = "float" if isinstance(value, numbers.Real) else "schedule"
    if base in ALLOW_LIST:
        return _encode(base, value, where)
    if base == "floats":  # a statistic given at construction, e.g. Normalization(mean=[...])
        values = np.asarray(value, dtype=np.float64)
        if values.ndim > 1 or values.size > _MAX_FLOATS or not np.isfinite(values).all():
            _unsavable(where, f"a number or a list of at most {_MAX_FLOATS} finite numbers", value)
        return values.tolist()
    if not _is_kind(value, base):
        _unsavable(where, f"the file format stores {_KINDS[base][1]} here", value)
    if base == "float" and not math.isfinite(value):
        _unsavable(where, "a model file holds finite numbers only", value)
    if base == "int" and abs(value) >= 10**_MAX_INT_DIGITS:
        _unsavable(where, f"a model file holds integers of at most {_MAX_INT_DIGITS} digits", value)
    return float(value) if base == "float" else int(value) if base == "int" else value


# --- loading ----------------------------------------------------------------------------------------------
def _decode(family: str, data: Any, where: str) -> Any:
    """An allow-listed object from ``{"class_name", "config"}``; nothing outside ALLOW_LIST is looked up."""
    _keys(data, {"class_name", "config"}, where)
    table, name = ALLOW_LIST[family], data["class_name"]
    if not isinstance(name, str) or name not in table:
        _bad(f"{where}.class_name", f"one of glassnet's {family} classes {sorted(table)}", name)
    spec = table[name]
    config = data["config"]
    if isinstance(config, dict):  # an optional field added in a later release may be absent from older files
        config = {**{f: None for f, kind in spec.fields.items() if kind.endswith("?") and f not in config},
                  **config}
    config = _keys(config, set(spec.fields), f"{where}.config")
    kwargs = {field: _decode_value(kind, config[field], f"{where}.config.{field}")
              for field, kind in spec.fields.items()}
    try:
        return spec.cls.from_config(kwargs)
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
    if base == "floats":
        items = value if isinstance(value, list) else [value]
        if len(items) > _MAX_FLOATS or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in items):
            _bad(where, f"a number or a list of at most {_MAX_FLOATS} finite numbers" +
                 (" or null" if kind.endswith("?") else ""), value)
        return [float(v) for v in value] if isinstance(value, list) else float(value)
    if not _is_kind(value, base):  # JSON gives int, float, bool and str only
        _bad(where, _KINDS[base][1] + (" or null" if kind.endswith("?") else ""), value)
    if base == "str":  # names reach summaries, History keys and terminals
        _check_text(value, where)
    return float(value) if base == "float" else value
