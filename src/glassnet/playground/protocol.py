"""The messages between the page and the server: JSON text over one WebSocket per page, bounded and checked.

Page → server (each a JSON object with a ``type``):

- ``settings``: ``{"settings": {...}, "preset": id?}`` — the whole state (the keys of the URL hash). Live changes
  (learning rate, penalties, speed) reach the running network at the next epoch boundary; any other change builds a
  new network, as on the TF Playground.
- ``control``: ``{"action": "play" | "pause" | "step" | "reset" | "regenerate"}``.
- ``ack``: ``{"frame": n}`` — the page has drawn frame n; the server sends the next one only after that (flow
  control: at most one frame is ever on its way, however slow the page).
- ``export``: ``{"what": "model" | "code"}``; ``upload``: ``{"name": ..., "csv": ..., "target": ...}``.

Server → page: ``hello`` (limits, defaults), ``settings`` (normalized settings, the data when it changed, the
strength in every convention), ``frame`` (per network: the epochs' logs since the last frame — History's values as
JSON numbers, i.e. the floats' repr, bit for bit — and the newest picture), ``export``, ``error`` (one message).

Every message is at most :data:`MAX_MESSAGE` bytes (an upload :data:`MAX_UPLOAD`), and a page may send
:data:`RATE` messages per second on average (bursts of :data:`BURST`); the rest are dropped.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

MAX_MESSAGE = 64 * 1024
MAX_UPLOAD = 1024 * 1024
#: The largest WebSocket message the server reads at all: an upload in JSON, whose escapes (\n for each line end)
#: can nearly double a CSV of short lines, plus the framing.
MAX_FRAME_IN = 2 * MAX_UPLOAD + 64 * 1024
RATE, BURST = 100.0, 200.0
TYPES = {"settings", "control", "ack", "export", "upload"}
ACTIONS = {"play", "pause", "step", "reset", "regenerate"}
EXPORTS = {"model", "code"}


class ProtocolError(ValueError):
    """A message the server will not act on; its text goes to the page."""


def _no_constants(name: str) -> Any:
    raise ProtocolError(f"Messages must be plain JSON (no NaN or Infinity). Received: {name}")


def parse(text: Any) -> dict[str, Any]:
    """Decode one message from the page; ProtocolError if it is not a known, well-formed message."""
    if not isinstance(text, str):
        raise ProtocolError("Messages must be JSON text. Received: a binary message")
    if len(text) > MAX_FRAME_IN:
        raise ProtocolError(f"A message must be at most {MAX_FRAME_IN} characters. Received: {len(text)} characters")
    try:
        message = json.loads(text, parse_constant=_no_constants)
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"Messages must be JSON. Received: text that is not ({str(exc)[:80]})") from None
    if not isinstance(message, dict) or message.get("type") not in TYPES:
        kind = message.get("type") if isinstance(message, dict) else type(message).__name__
        raise ProtocolError(f"A message must be an object whose `type` is one of {sorted(TYPES)}. "
                            f"Received: type={str(kind)[:40]!r}")
    kind = message["type"]
    if kind != "upload" and len(text) > MAX_MESSAGE:
        raise ProtocolError(f"A {kind} message must be at most {MAX_MESSAGE} characters. "
                            f"Received: {len(text)} characters")
    if kind == "control" and message.get("action") not in ACTIONS:
        raise ProtocolError(f"Argument `action` must be one of {sorted(ACTIONS)}. "
                            f"Received: action={str(message.get('action'))[:40]!r}")
    if kind == "export" and message.get("what") not in EXPORTS:
        raise ProtocolError(f"Argument `what` must be one of {sorted(EXPORTS)}. "
                            f"Received: what={str(message.get('what'))[:40]!r}")
    if kind == "upload":
        csv, target, name = message.get("csv"), message.get("target"), message.get("name", "upload.csv")
        if not isinstance(csv, str) or not csv:
            raise ProtocolError("Argument `csv` must be the text of a CSV file. Received: an empty or missing csv")
        if len(csv.encode("utf-8")) > MAX_UPLOAD:
            raise ProtocolError(f"An uploaded file must be at most {MAX_UPLOAD // 1024} KiB. "
                                f"Received: {len(csv.encode('utf-8')) // 1024} KiB")
        if target is not None and not (isinstance(target, str) and 0 < len(target) <= 200):
            raise ProtocolError(f"Argument `target` must be a column name. Received: target={str(target)[:40]!r}")
        if not isinstance(name, str) or len(name) > 200:
            raise ProtocolError(f"Argument `name` must be a file name. Received: name={str(name)[:40]!r}")
    if kind == "settings" and not isinstance(message.get("settings"), dict):
        raise ProtocolError("Argument `settings` must be an object. Received: settings="
                            f"{type(message.get('settings')).__name__}")
    return message


class RateLimit:
    """A token bucket: ``RATE`` messages per second on average, ``BURST`` at once."""

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()
        self.dropped = 0

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.dropped += 1
        return False


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def blocks(rows: list[tuple[int, dict[str, float]]]) -> list[dict[str, Any]]:
    """Epoch logs as compact blocks: one list of keys, then one list of values per epoch, a new block whenever the
    keys change (a penalty switched on or off). Values are the floats themselves (JSON writes their repr)."""
    out: list[dict[str, Any]] = []
    for epoch, logs in rows:
        keys = list(logs)
        if not out or out[-1]["keys"] != keys:
            out.append({"keys": keys, "epochs": [], "values": []})
        out[-1]["epochs"].append(epoch)
        out[-1]["values"].append([_number(float(logs[key])) for key in keys])
    return out


def history(rows: list[tuple[int, dict[str, float]]]) -> dict[str, list[float]]:
    """Epoch logs as History's dict (one list per key, in epoch order): what a page's frames add up to.

    >>> history([(1, {"loss": 0.5}), (2, {"loss": 0.25})])
    {'loss': [0.5, 0.25]}
    """
    out: dict[str, list[float]] = {}
    for _, logs in rows:
        for key, value in logs.items():
            out.setdefault(key, []).append(value)
    return out


def _finite_only(value: Any) -> Any:
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {key: _finite_only(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(item) for item in value]
    return value


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON (no spaces) that a browser can parse: NaN and ±inf, which JSON lacks, become null."""
    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite_only(message), separators=(",", ":"), allow_nan=False)
