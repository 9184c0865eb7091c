"""What every plot shares: write a Figure to PNG or SVG, get a Figure and Axes to draw into, read a History.

- :func:`save` writes PNG or SVG (the extension chooses); :func:`to_png` gives PNG bytes (HTML report);
- ``_figure_and_axes`` and ``_history_dict`` are the helpers every plot function starts with.

Only the non-interactive Agg (PNG) and SVG canvases are used; pyplot is never imported.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._validation import describe

_FORMATS = {".png": "png", ".svg": "svg"}


def save(fig: Figure, path: str | Path, *, dpi: int = 100) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG, chosen by the extension (.png / .svg, any case).

    Parent directories are created. SVG files carry no date, so the same figure gives the same file.
    Returns the path written.
    """
    if not isinstance(fig, Figure):  # a SubFigure cannot be saved on its own
        raise TypeError(f"Argument `fig` must be a matplotlib Figure. Received: fig={describe(fig)}")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"Argument `path` must be a str or pathlib.Path. Received: path={describe(path)}")
    target = Path(path)
    fmt = _FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError("Argument `path` must end in .png or .svg (the extension chooses the format). "
                         f"Received: path={str(path)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return target


def to_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """The PNG bytes of ``fig`` (what :func:`save` would write to a .png file)."""
    if not isinstance(fig, Figure):  # a SubFigure cannot be saved on its own
        raise TypeError(f"Argument `fig` must be a matplotlib Figure. Received: fig={describe(fig)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _finish(ax: Axes, xlabel: str, ylabel: str, title: str, *, own: bool) -> None:
    """The labels, light grid and legend every epoch plot ends with; epochs are whole numbers, so are the ticks."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax, own=own)


def _legend(ax: Axes, *, own: bool, title: str | None = None) -> None:
    """The legend outside the plot area, so it never covers a curve: below the axes when the plot made its own
    figure (constrained layout makes room for it), else to the right of the caller's axes."""
    if own:
        handles, labels = ax.get_legend_handles_labels()
        ax.figure.legend(handles, labels, loc="outside lower center", ncols=_columns(labels, ax.figure),
                         fontsize="small", frameon=False, title=title)
    else:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, title=title)


def _columns(labels: list[str], fig: Any) -> int:
    """2 legend columns when they fit the figure's width, else 1. Estimated without drawing: a character of the
    small font (8.33 pt) is about 0.6 × 8.33 ≈ 5 pt wide, and each entry adds about 40 pt of handle and padding.
    Entries fill the columns top to bottom, so column 1 holds the first ⌈n/2⌉ labels."""
    half = (len(labels) + 1) // 2
    needed = sum(5.0 * max(map(len, column), default=0) + 40.0 for column in (labels[:half], labels[half:]))
    return 2 if needed <= fig.get_figwidth() * 72.0 else 1


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.0)) -> tuple[Figure, Axes]:
    """A new Figure with one Axes, or the root Figure of the Axes the caller passed."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"Argument `ax` must be a matplotlib Axes or None. Received: ax={describe(ax)}")
    owner = ax.figure
    while not isinstance(owner, Figure):  # an Axes in a SubFigure: climb to the Figure that owns the canvas
        owner = owner.figure
    return owner, ax


def _history_dict(history: Any) -> Mapping[str, Any]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError("Argument `history` must be a History (returned by fit) or a dict "
                        f"{{key: per-epoch list}}. Received: history={describe(history)}")
    return data
