"""Reading a :class:`~glassnet.datasets.preparation.Preparation` record back from a model file, which is untrusted:
exactly the expected keys, every value of its declared type and within the bounds of
:mod:`~glassnet.datasets.limits`, and the parts consistent with each other. Anything else raises
:class:`~glassnet.errors.ModelFileError` naming where in the record the problem is, what was expected and what
was received.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any, NoReturn

from ..errors import ModelFileError
from . import limits

_KEYS = {"target", "task", "missing", "features", "classes", "target_mean", "target_std"}
_FEATURE_KEYS = {"name", "categories", "fill"}
_TASKS = ("binary", "multiclass", "regression")
_POLICIES = ("error", "drop", "mean")


def _short(value: Any) -> str:
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = 60
    shortener.maxlist = shortener.maxdict = 6
    shortener.maxlevel = 3
    return shortener.repr(value)


def _bad(where: str, expected: str, received: Any) -> NoReturn:
    raise ModelFileError(f"`{where}` must be {expected}. Received: {_short(received)}")


def _object(data: Any, keys: set[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) != keys:
        _bad(where, f"an object with exactly the keys {sorted(keys)}",
             sorted(data) if isinstance(data, dict) else data)
    return data


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > limits.MAX_TEXT_CHARS:
        _bad(where, f"a string of at most {limits.MAX_TEXT_CHARS} characters", value)
    return value


def _texts(value: Any, where: str, *, low: int, high: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not low <= len(value) <= high:
        _bad(where, f"a list of {low} to {high:,} strings", value)
    texts = tuple(_text(item, f"{where}[{k}]") for k, item in enumerate(value))
    if len(set(texts)) != len(texts):
        _bad(where, "a list of distinct strings", value)
    return texts


def _number(value: Any, where: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or (
            positive and value <= 0):
        _bad(where, "a finite number" + (" > 0" if positive else ""), value)
    return float(value)


def decode(cls: type, feature_cls: type, data: Any, where: str) -> Any:
    """A ``cls`` (Preparation) with ``feature_cls`` (FeatureColumn) features from the JSON ``data``."""
    data = _object(data, _KEYS, where)
    target = _text(data["target"], f"{where}.target")
    task, missing = data["task"], data["missing"]
    if task not in _TASKS:
        _bad(f"{where}.task", f"one of {list(_TASKS)}", task)
    if missing not in _POLICIES:
        _bad(f"{where}.missing", f"one of {list(_POLICIES)}", missing)
    features = data["features"]
    if not isinstance(features, list) or not 1 <= len(features) <= limits.MAX_COLUMNS:
        _bad(f"{where}.features", f"a list of 1 to {limits.MAX_COLUMNS:,} columns", features)
    decoded = []
    for k, item in enumerate(features):
        here = f"{where}.features[{k}]"
        item = _object(item, _FEATURE_KEYS, here)
        name = _text(item["name"], f"{here}.name")
        categories = None if item["categories"] is None else _texts(
            item["categories"], f"{here}.categories", low=1, high=limits.MAX_CATEGORIES)
        fill = item["fill"]
        if fill is not None:
            if missing != "mean":
                _bad(f"{here}.fill", "null unless missing is 'mean'", fill)
            fill = _number(fill, f"{here}.fill") if categories is None else fill
            if categories is not None and fill not in categories:
                _bad(f"{here}.fill", "one of the column's categories", fill)
        decoded.append(feature_cls(name, categories, fill))
    names = [feature.name for feature in decoded] + [target]
    if len(set(names)) != len(names):
        _bad(f"{where}.features", "columns with distinct names, none of them the target", names)
    width = sum(feature.width for feature in decoded)
    if width > limits.MAX_COLUMNS * limits.MAX_CATEGORIES:
        _bad(f"{where}.features", "at most as wide as a table glassnet reads", width)
    classes = data["classes"]
    if (classes is None) != (task == "regression"):
        _bad(f"{where}.classes", "null exactly when the task is regression", classes)
    if classes is not None:
        classes = _texts(classes, f"{where}.classes", low=2, high=2 if task == "binary" else limits.MAX_CATEGORIES)
    mean, std = data["target_mean"], data["target_std"]
    if (mean is None) != (std is None) or (mean is not None and task != "regression"):
        _bad(f"{where}.target_mean", "null with target_std null, or both numbers for a regression", [mean, std])
    if mean is not None:
        mean, std = _number(mean, f"{where}.target_mean"), _number(std, f"{where}.target_std", positive=True)
    return cls(target=target, task=task, features=tuple(decoded), classes=classes, target_mean=mean,
               target_std=std, missing=missing)
