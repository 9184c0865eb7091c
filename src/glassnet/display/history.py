"""How a :class:`~glassnet.callbacks.History` shows itself: a one-line ``repr`` with the last epoch's loss split,
and, in a notebook, a compact loss plot (total, data part and penalty part, train and validation) above a table
of the last epochs' numbers.

>>> from glassnet.callbacks import History
>>> history = History()
>>> history.on_epoch_end(0, {"loss": 0.5, "data_loss": 0.4, "penalty_loss": 0.1})
>>> history_repr(history)
'<History: 1 epoch; last: loss 0.5 = data_loss 0.4 + penalty_loss 0.1; keys: loss, data_loss, penalty_loss>'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .chart import DASHES, TRAIN, VALIDATION, Line, integer_ticks, line_chart
from .elements import card, listed, note, number, one_line, table

if TYPE_CHECKING:
    from ..callbacks.history import History

#: How many of the last epochs the table shows.
LAST_EPOCHS = 5
_PART_NAMES = {"loss": "loss (data + penalty)", "data_loss": "data loss", "penalty_loss": "penalty"}


def _as_number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _epochs(history: History) -> list[int]:
    """Epoch numbers as Keras prints them (from 1), one per recorded row."""
    rows = max((len(v) for v in history.history.values()), default=0)
    if len(history.epoch) == rows:
        return [int(e) + 1 for e in history.epoch]
    return list(range(1, rows + 1))


def _last(history: History, key: str) -> str:
    values = history.history[key]
    return number(_as_number(values[-1])) if values else "n/a"


def history_repr(history: History) -> str:
    """``<History: 20 epochs; last: loss … = data_loss … + penalty_loss …, val_loss …; keys: …>`` on one line."""
    logs = history.history
    n = len(_epochs(history))
    if not n:
        return "<History: no epoch yet>"
    split = all(key in logs for key in ("loss", "data_loss", "penalty_loss"))
    last = [f"loss {_last(history, 'loss')} = data_loss {_last(history, 'data_loss')} + penalty_loss "
            f"{_last(history, 'penalty_loss')}"] if split else []
    skip = {"loss", "data_loss", "penalty_loss"} if split else set()
    last += [f"{key} {_last(history, key)}" for key in logs if "/" not in key and key not in skip]
    shown = listed(list(logs), 8)
    return one_line(f"<History: {n} epoch{'s' if n != 1 else ''}; last: {', '.join(last[:8])}; keys: {shown}>")


def _chart(history: History, epochs: list[int]) -> str:
    logs = history.history
    lines = []
    for name, prefix, color in (("train", "", TRAIN), ("validation", "val_", VALIDATION)):
        for part, dash in DASHES.items():
            values = logs.get(prefix + part)
            if values and len(values) == len(epochs):
                lines.append(Line(f"{name} {_PART_NAMES[part]}", epochs, [_as_number(v) for v in values], color,
                                  dash, markers=len(epochs) <= 30))
    if not lines:
        return ""
    return line_chart(lines, x_ticks=integer_ticks(epochs[0], epochs[-1]), x_label="epoch",
                      y_label="loss (epoch mean)", title="loss per epoch: data part and penalty part")


def history_html(history: History) -> str:
    """The loss plot and the table of the last :data:`LAST_EPOCHS` epochs (one row per History key)."""
    logs = history.history
    epochs = _epochs(history)
    if not epochs:
        return card("history", "History: no epoch yet", note("fit() fills it, one row per epoch."))
    recent = epochs[-LAST_EPOCHS:]
    rows = []
    for key, values in logs.items():
        cells = [number(_as_number(v)) for v in values[-len(recent):]]
        rows.append([key, *(["n/a"] * (len(recent) - len(cells))), *cells])
    title = f"History: {len(epochs)} epoch{'s' if len(epochs) != 1 else ''}"
    parts = [_chart(history, epochs),
             table(["key", *(f"epoch {e}" for e in recent)], rows, more="history.history has them all")]
    if all(key in logs for key in ("loss", "data_loss", "penalty_loss")):
        parts.append(note("loss = data_loss + penalty_loss, epoch by epoch (batch-size weighted means); "
                          "penalty/<layer>/<weight> is each penalty term, norm/<layer>/kernel each kernel's ‖W‖."))
    return card("history", title, *parts)
