"""The shape of ``SweepResults.to_dict()``, checked when plain data comes back in (``from_dict``/``from_json``).

Results files travel (a colleague's sweep, a CI artifact), so ``from_dict`` treats them as untrusted: every field
is checked for its type before anything uses it, and a bad one is a ValueError (TypeError for a non-dict) that names
its place, e.g. ``data['records'][3]['norms']``. Bounds keep a small file from asking for a huge computation.
"""

from __future__ import annotations

import math
from typing import Any

#: At most this many records and swept values are read back (a sweep of 1,000 λs × 100 folds × 10 seeds fits),
#: and a results file of at most this many bytes.
MAX_RECORDS = 1_000_000
MAX_FILE_BYTES = 512 * 2**20
PARAMS = ("lambda", "train_size")
TASK_KEYS = ("value", "fold", "seed")


def _bad(where: str, expected: str, received: Any) -> ValueError:
    shown = repr(received)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return ValueError(f"`{where}` must be {expected}. Received: {where}={shown}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite_or_nan_number(value: Any, where: str) -> float:
    if not _is_number(value) or math.isinf(value):
        raise _bad(where, "a finite number (or NaN)", value)
    return value


def _numbers(values: Any, where: str, bound: int = MAX_RECORDS) -> list[float]:
    if not isinstance(values, list) or len(values) > bound:
        raise _bad(where, f"a list of at most {bound} numbers", values)
    return [_finite_or_nan_number(v, f"{where}[{i}]") for i, v in enumerate(values)]


def _record(record: Any, where: str, values: set[float]) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise _bad(where, "a dict", record)
    for key in TASK_KEYS:
        if key not in record or not _is_number(record[key]):
            raise _bad(f"{where}['{key}']", "a number", record.get(key, "<missing>"))
    if record["value"] not in values:
        raise _bad(f"{where}['value']", "one of data['values']", record["value"])
    for key, value in record.items():
        if not isinstance(key, str):
            raise _bad(f"{where} key", "a string", key)
        if key == "norms":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise _bad(f"{where}['norms']", "a dict {layer name: number}", value)
            for layer, norm in value.items():
                _finite_or_nan_number(norm, f"{where}['norms'][{layer!r}]")
        elif key == "history":
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise _bad(f"{where}['history']", "a dict {History key: list of numbers}", value)
            for name, curve in value.items():
                _numbers(curve, f"{where}['history'][{name!r}]")
        elif value is not None:
            _finite_or_nan_number(value, f"{where}[{key!r}]")
    return record


def check(data: Any) -> dict[str, Any]:
    """``data`` checked to be what :meth:`SweepResults.to_dict` writes; returns it (no copy)."""
    if not isinstance(data, dict):
        raise TypeError("Argument `data` must be a dict from SweepResults.to_dict(). "
                        f"Received: data of type {type(data).__name__}")
    missing = [key for key in ("param", "values", "records") if key not in data]
    if missing:
        raise ValueError("Argument `data` must have the keys 'param', 'values' and 'records'. "
                         f"Received: data without {missing}")
    if data["param"] not in PARAMS:
        raise _bad("data['param']", f"one of {list(PARAMS)}", data["param"])
    values = _numbers(data["values"], "data['values']")
    if any(math.isnan(v) for v in values):
        raise _bad("data['values']", "numbers, not NaN", values)
    records = data["records"]
    if not isinstance(records, list) or len(records) > MAX_RECORDS:
        raise _bad("data['records']", f"a list of at most {MAX_RECORDS} dicts", records)
    for index, record in enumerate(records):
        _record(record, f"data['records'][{index}]", set(values))
    if data.get("metric") is not None and not isinstance(data["metric"], str):
        raise _bad("data['metric']", "a metric name or null", data["metric"])
    if data.get("config") is not None and not isinstance(data["config"], dict):
        raise _bad("data['config']", "a dict of settings or null", data["config"])
    return data
