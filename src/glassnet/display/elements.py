"""What every rich display shares: the inline CSS, tables that scroll, numbers as text, size limits, short reprs.

A display is one ``<div class="glassnet">`` holding its own ``<style>``: Jupyter, JupyterLab, VS Code and Colab
render each output on its own, so nothing can rely on another output's CSS, and nothing is loaded from elsewhere
(no script, font, image file or link). Colours are translucent greys and inherit the text colour, so a display
reads on a light and on a dark theme alike. Every text from the caller (names, regularizer reprs, notes) is
escaped with :func:`html.escape`.

Sizes are bounded whatever the object holds: a table shows at most :data:`MAX_ROWS` rows (and says how many it
left out), a plot at most :data:`MAX_POINTS` points per line, and a ``__repr__`` is one line of at most
:data:`MAX_REPR` characters.

>>> table(["weight", "norm"], [["dense/kernel", "1.5"]])[:41]
'<div class="gn-scroll"><table><thead><tr>'
>>> one_line("Sequential\\nname", limit=12)
'Sequential …'
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

#: A ``__repr__`` is one line of at most this many characters (Python's own reprs of big objects are longer).
MAX_REPR = 2000
#: A table shows at most this many rows; a last row says how many more the object holds and where to find them.
MAX_ROWS = 40
#: A line of a plot has at most this many points (long histories are thinned evenly, the last epoch kept).
MAX_POINTS = 300

CSS = (
    ".glassnet{font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:inherit;max-width:100%}"
    ".glassnet h3{font-size:1.08em;margin:.2em 0 .45em;font-weight:600}"
    ".glassnet h4{font-size:.98em;margin:1em 0 .3em;font-weight:600}"
    ".glassnet .gn-scroll{overflow-x:auto;max-width:100%}"
    ".glassnet table{border-collapse:collapse;font-size:.93em;margin:.2em 0;width:auto}"
    ".glassnet th,.glassnet td{border:1px solid rgba(128,128,128,.38);padding:.18em .55em;text-align:right;"
    "white-space:nowrap;vertical-align:top}"
    ".glassnet th{background:rgba(128,128,128,.14);font-weight:600}"
    ".glassnet td:first-child,.glassnet th:first-child{text-align:left}"
    ".glassnet td.gn-text{text-align:left}"
    ".glassnet tr.gn-best td{background:rgba(46,160,67,.16)}.glassnet tr.gn-one-se td{background:rgba(230,126,34,.16)}"
    ".glassnet tr.gn-best.gn-one-se td{background:rgba(180,170,60,.2)}"
    ".glassnet .gn-note{opacity:.82;font-size:.92em;margin:.35em 0}"
    ".glassnet ul{margin:.3em 0;padding-left:1.3em}.glassnet li{margin:.15em 0}"
    ".glassnet svg{max-width:100%;height:auto;display:block}"
    ".glassnet .gn-legend{font-size:.88em;margin:.1em 0 .4em}.glassnet .gn-legend span{margin-right:1em;"
    "white-space:nowrap}"
)


def escape(text: Any) -> str:
    """``html.escape(str(text))``: every caller-given text goes through here before it reaches the page."""
    return html.escape(str(text), quote=True)


def number(value: Any, digits: int = 6) -> str:
    """``value`` with ``digits`` significant digits ('0.0123457'), 'n/a' for None, 'nan'/'inf' as Python writes
    them; an int stays an int."""
    if value is None:
        return "n/a"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    value = float(value)
    return repr(value) if not math.isfinite(value) else f"{value:.{digits}g}"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, row_classes: Sequence[str] | None = None,
          text_columns: Sequence[int] = (), more: str = "", table_id: str | None = None) -> str:
    """A table in a box that scrolls sideways instead of overflowing a narrow screen.

    Cells are escaped. At most :data:`MAX_ROWS` rows are shown; when there are more, a last row says how many
    were left out, followed by ``more`` (where the rest can be read). ``text_columns`` are left-aligned (the
    first column always is); ``row_classes`` are CSS classes per row ('gn-best', ...).
    """
    shown = list(rows[:MAX_ROWS])
    classes = list(row_classes or [""] * len(rows))[:MAX_ROWS]
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = []
    for row, cls in zip(shown, classes):
        cells = "".join(f"<td class=\"gn-text\">{escape(cell)}</td>" if i in text_columns and i
                        else f"<td>{escape(cell)}</td>" for i, cell in enumerate(row))
        body.append(f"<tr class=\"{escape(cls)}\">{cells}</tr>" if cls else f"<tr>{cells}</tr>")
    if len(rows) > MAX_ROWS:
        left = f"… {len(rows) - MAX_ROWS} more rows not shown" + (f": {more}" if more else "")
        body.append(f"<tr><td class=\"gn-text\" colspan=\"{len(header)}\">{escape(left)}</td></tr>")
    identity = f" id=\"{escape(table_id)}\"" if table_id else ""
    return (f"<div class=\"gn-scroll\"><table{identity}><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def note(text: str) -> str:
    """A small paragraph of secondary text (escaped)."""
    return f"<p class=\"gn-note\">{escape(text)}</p>"


def bullets(items: Sequence[str]) -> str:
    """An unordered list of escaped texts, at most :data:`MAX_ROWS` of them."""
    shown = [f"<li>{escape(item)}</li>" for item in items[:MAX_ROWS]]
    if len(items) > MAX_ROWS:
        shown.append(f"<li>… {len(items) - MAX_ROWS} more</li>")
    return f"<ul>{''.join(shown)}</ul>"


def card(kind: str, title: str, *parts: str) -> str:
    """The whole display: its CSS, a heading (escaped) and the already-built ``parts``."""
    return (f"<div class=\"glassnet glassnet-{escape(kind)}\"><style>{CSS}</style>"
            f"<h3>{escape(title)}</h3>{''.join(parts)}</div>")


def one_line(text: str, limit: int = MAX_REPR) -> str:
    """``text`` on one line (line breaks and tabs become spaces), cut to ``limit`` characters with '…'."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:max(0, limit - 2)].rstrip() + " …"


def listed(names: Sequence[str], limit: int = 6) -> str:
    """'a, b, c' — at most ``limit`` names, then '… (12 more)'."""
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")
