"""A compact line chart as inline SVG, drawn in Python: the loss curves of a History and a sweep's curve.

No matplotlib and no image file: the chart is a few kilobytes of ``<svg>`` inside the display, its text in the
page's colour (``currentColor``), so it reads on light and dark themes. The legend is HTML *below* the chart, so
it never covers a curve. Epoch axes get integer ticks; a λ axis is logarithmic, with a swept λ = 0 drawn one
sweep step left of the smallest λ > 0 (:func:`log_positions`), as :func:`glassnet.plots.validation_curve` does.

>>> svg = line_chart([Line("loss", [1, 2, 3], [0.9, 0.5, 0.4], "#1f77b4")], x_ticks=integer_ticks(1, 3))
>>> svg.count("<path"), "stroke-dasharray" in svg
(1, False)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .elements import MAX_POINTS, escape

#: Train curves blue, validation curves orange (matplotlib's C0 and C1, as glassnet.plots draws them).
TRAIN, VALIDATION, BEST, ONE_SE = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"
#: How a loss part is drawn: the total solid, the data part dashed, the penalty dotted (as glassnet.plots).
DASHES = {"loss": "", "data_loss": "5 3", "penalty_loss": "1.5 2.5"}

_WIDTH, _HEIGHT = 440, 190
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 10, 8, 34  # the margins around the plot area, in SVG units


@dataclass(frozen=True)
class Line:
    """One curve: ``x`` (already on the axis' scale) against ``y``; NaN/inf break the line."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    color: str
    dash: str = ""
    markers: bool = False


def integer_ticks(first: int, last: int, most: int = 8) -> list[tuple[float, str]]:
    """At most ``most`` integer ticks from ``first`` to ``last``, every 1, 2, 5, 10, 20, ... (epochs)."""
    span = max(last - first, 1)
    step = next(s * 10 ** k for k in range(12) for s in (1, 2, 5) if span / (s * 10 ** k) < most)
    start = math.ceil(first / step) * step
    ticks = [t for t in range(start, last + 1, step)]
    return [(float(t), str(t)) for t in (ticks or [first])]


def log_positions(values: Sequence[float]) -> tuple[list[float], float | None]:
    """Where each λ sits on a log axis, and where λ = 0 is drawn (None when 0 is not swept).

    A log axis cannot show 0 (log 0 = −∞), so 0 stands one sweep step left of the smallest λ > 0: the median
    ratio between neighbouring λs, at least one decade (clearly apart from the real values) and at most two.
    """
    positive = sorted(float(v) for v in values if v > 0)
    if len(positive) == len(values):
        return [float(v) for v in values], None
    if not positive:
        zero_at = 1.0  # only λ = 0 was swept: any position will do
    else:
        steps = [math.log10(b) - math.log10(a) for a, b in zip(positive, positive[1:])]
        decades = min(2.0, max(1.0, statistics.median(steps))) if steps else 1.0
        zero_at = positive[0] / 10.0 ** decades
    return [zero_at if v == 0 else float(v) for v in values], zero_at


def _nice_ticks(low: float, high: float, most: int = 5) -> list[tuple[float, str]]:
    """Round values (1, 2, 5 × 10^k apart) covering [low, high], at most ``most`` + 1 of them, each with a label
    that has just the decimals the step needs (so neighbouring ticks never read the same)."""
    span = high - low
    step = 10 ** math.floor(math.log10(span / most))
    step = next(s * step for s in (1, 2, 5, 10) if span / (s * step) <= most)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    plain = 1e-4 <= max(abs(low), abs(high)) < 1e5 and decimals <= 6
    ticks = [k * step for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]
    return [(t, f"{t:.{decimals}f}" if plain else f"{t:.3g}") for t in ticks]


def _thin(xs: Sequence[float], ys: Sequence[float]) -> list[tuple[float, float]]:
    """At most MAX_POINTS evenly spaced points, the first and the last kept."""
    n = len(xs)
    if n <= MAX_POINTS:
        return list(zip(xs, ys))
    picks = sorted({round(i * (n - 1) / (MAX_POINTS - 1)) for i in range(MAX_POINTS)})
    return [(xs[i], ys[i]) for i in picks]


def line_chart(lines: Sequence[Line], *, x_ticks: Sequence[tuple[float, str]], x_label: str = "",
               y_label: str = "", log_x: bool = False, marks: Sequence[Line] = (), title: str = "") -> str:
    """An SVG chart of ``lines`` with the given x ticks (positions on the data's scale and their labels), then an
    HTML legend below it. ``marks`` are vertical lines (their ``x[0]``) such as the best λ; ``log_x`` puts x on
    a log10 scale (every x must then be > 0)."""
    scale = (lambda v: math.log10(v)) if log_x else float
    points = [[(scale(x), float(y)) for x, y in _thin(line.x, line.y)] for line in lines]
    xs = [x for line in points for x, _ in line] + [scale(t) for t, _ in x_ticks] + [scale(m.x[0]) for m in marks]
    ys = [y for line in points for _, y in line if math.isfinite(y)]
    x_low, x_high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    x_pad = (x_high - x_low) * 0.03  # a point at either end stays off the frame
    x_low, x_high = x_low - x_pad, x_high + x_pad
    y_low, y_high = (min(ys), max(ys)) if ys else (0.0, 1.0)
    pad = (y_high - y_low) * 0.06 or max(abs(y_high) * 0.1, 1e-3)
    y_low, y_high = y_low - pad, y_high + pad
    width, height = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x_low) / (x_high - x_low) * width

    def py(y: float) -> float:
        return _TOP + (y_high - y) / (y_high - y_low) * height

    out = [f"<svg viewBox=\"0 0 {_WIDTH} {_HEIGHT}\" width=\"{_WIDTH}\" "
           f"height=\"{_HEIGHT}\" role=\"img\" aria-label=\"{escape(title or y_label)}\" font-size=\"10\" "
           "fill=\"currentColor\">",
           f"<rect x=\"{_LEFT}\" y=\"{_TOP}\" width=\"{width}\" height=\"{height}\" fill=\"none\" "
           "stroke=\"currentColor\" stroke-opacity=\".35\"/>"]
    for tick, label in _nice_ticks(y_low, y_high):
        y = py(tick)
        out.append(f"<line x1=\"{_LEFT}\" x2=\"{_LEFT + width}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" "
                   "stroke=\"currentColor\" stroke-opacity=\".12\"/>"
                   f"<text x=\"{_LEFT - 4}\" y=\"{y + 3:.1f}\" text-anchor=\"end\">{label}</text>")
    for position, label in x_ticks:
        x = px(scale(position))
        out.append(f"<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{_TOP + height}\" y2=\"{_TOP + height + 4}\" "
                   "stroke=\"currentColor\" stroke-opacity=\".5\"/>"
                   f"<text x=\"{x:.1f}\" y=\"{_TOP + height + 14}\" text-anchor=\"middle\">{escape(label)}</text>")
    for mark in marks:
        x = px(scale(mark.x[0]))
        out.append(f"<line x1=\"{x:.1f}\" x2=\"{x:.1f}\" y1=\"{_TOP}\" y2=\"{_TOP + height}\" stroke=\"{mark.color}\" "
                   f"stroke-width=\"1.3\"{_dash(mark.dash)}/>")
    for line, pts in zip(lines, points):
        path, pen_down = [], False
        for x, y in pts:
            if not math.isfinite(y):
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{px(x):.1f} {py(y):.1f}")
            pen_down = True
        out.append(f"<path d=\"{' '.join(path)}\" fill=\"none\" stroke=\"{line.color}\" stroke-width=\"1.6\""
                   f"{_dash(line.dash)}/>")
        if line.markers:
            out += [f"<circle cx=\"{px(x):.1f}\" cy=\"{py(y):.1f}\" r=\"2.4\" fill=\"{line.color}\"/>"
                    for x, y in pts if math.isfinite(y)]
    out.append(f"<text x=\"{_LEFT + width / 2:.1f}\" y=\"{_HEIGHT - 4}\" text-anchor=\"middle\">{escape(x_label)}"
               f"</text><text transform=\"translate(11 {_TOP + height / 2:.1f}) rotate(-90)\" "
               f"text-anchor=\"middle\">{escape(y_label)}</text></svg>")
    return "".join(out) + legend([*lines, *marks])


def _dash(dash: str) -> str:
    return f" stroke-dasharray=\"{dash}\"" if dash else ""


def legend(lines: Sequence[Line]) -> str:
    """The legend as one HTML line below the chart: a short sample of each line's stroke and its label."""
    items = [f"<span><svg width=\"22\" height=\"8\" style=\"display:inline;vertical-align:middle\">"
             f"<line x1=\"1\" x2=\"21\" y1=\"4\" y2=\"4\" stroke=\"{line.color}\" stroke-width=\"1.8\""
             f"{_dash(line.dash)}/></svg> {escape(line.label)}</span>" for line in lines]
    return f"<div class=\"gn-legend\">{''.join(items)}</div>"
