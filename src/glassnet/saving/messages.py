"""How saving and loading say no: short quotes of file content and the small checks of JSON values.

Every refusal of a file's content is a :class:`~glassnet.errors.ModelFileError` that names where in the file
the problem is, what was expected and what was received; a model that cannot be saved is a ``ValueError``.
"""

from __future__ import annotations

import reprlib
from typing import Any, NoReturn

from .._validation import describe
from ..errors import ModelFileError


def _make_short() -> Any:
    """reprlib with small limits: file content in a message stays short, however large or deep it is."""
    shortener = reprlib.Repr()  # Python 3.11 has no keyword arguments here
    shortener.maxstring = shortener.maxother = 60
    shortener.maxlist = shortener.maxdict = 6
    shortener.maxlevel = 3
    return shortener.repr


_short = _make_short()


class _Said(str):
    """A description written by the loader itself, shown as it is (file content is shown through reprlib)."""


def _bad(where: str, expected: str, received: Any) -> NoReturn:
    text = received if isinstance(received, _Said) else _short(received)
    raise ModelFileError(f"`{where}` must be {expected}. Received: {text}")


def _unsavable(where: str, reason: str, value: Any) -> NoReturn:
    name = where.rsplit(".", 1)[-1]
    raise ValueError(f"Cannot save `{where}`: {reason}. Received: {name}={describe(value)}")


def _int(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
            high is not None and value >= high):
        _bad(where, f"an integer in [{low}, {'∞' if high is None else high})", value)
    return value


def _keys(data: Any, expected: set[str], where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        _bad(where, "a JSON object", data)
    if set(data) != expected:
        missing, unexpected = sorted(expected - set(data)), sorted(set(data) - expected)
        _bad(where, f"an object with exactly the keys {sorted(expected)}",
             _Said(f"missing {_short(missing)}, unexpected {_short(unexpected)}"))
    return data


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _bad(where, "a list of strings", value)
    return value
