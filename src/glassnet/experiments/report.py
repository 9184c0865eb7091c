"""A λ sweep as one self-contained HTML page: the summary table, the chosen λ and the curves.

The page needs nothing but itself: images are PNGs embedded as ``data:image/png;base64,…`` URIs, the CSS is
inline, and there are no scripts, fonts or links to other files or sites, so it opens offline, in a mail
attachment or in a CI artifact viewer. Every text that comes from the caller (title, labels, notes, the
explanation) is escaped with ``html.escape``. It reads on any screen: a viewport meta tag, images that shrink to
the width, and tables in boxes that scroll sideways instead of widening the page on a phone. The summary table and
the chosen λ come from :mod:`glassnet.display.sweep`, as in a notebook's display of the results.

>>> import tempfile
>>> from glassnet.experiments.results import SweepResults
>>> records = [{"value": v, "fold": f, "seed": 0, "train_data_loss": 0.1, "val_data_loss": loss, "norms": {},
...             "history": {}} for v, f, loss in [(0.0, 0, 0.9), (0.0, 1, 0.7), (0.1, 0, 0.5), (0.1, 1, 0.7)]]
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_report(SweepResults("lambda", [0.0, 0.1], records), folder)
...     (path.name, "Best λ: Keras l2 = 0.1" in path.read_text(encoding="utf-8"))
('report.html', True)
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import plots
from .._validation import describe
from ..display.sweep import choice_sentences, summary_table
from ..saving.atomic import write_atomically
from .results import SweepResults

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr.best td { background: #e6f4e6; } tr.one-se td { background: #fbeee6; }
tr.best.one-se td { background: #eef0d8; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
nav ul { columns: 2; } .choice { font-size: 1.05em; }
@media (max-width: 40em) { body { margin: 1em auto; padding: 0 0.6em; } nav ul { columns: 1; }
                           h1 { font-size: 1.3em; } }
"""


class _Page:
    """The page's anchored items (tables, images, text blocks) in order; each one becomes a contents entry."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []  # (anchor id, heading, HTML)

    def _anchor(self, base: str) -> str:
        taken = {anchor for anchor, _, _ in self.items}
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        return anchor

    def table(self, base: str, heading: str, header: list[str], rows: list[list[str]],
              row_classes: list[str] | None = None) -> None:
        anchor = self._anchor(base)
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        classes = row_classes or [""] * len(rows)
        body = "".join(f"<tr{f' class={_attr(cls)}' if cls else ''}>"
                       + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                       for row, cls in zip(rows, classes, strict=True))
        # In a box that scrolls sideways, so a wide table never widens the page on a phone.
        table = (f"<div class=\"scroll\"><table id={_attr(anchor)}><thead><tr>{head}</tr></thead>"
                 f"<tbody>{body}</tbody></table></div>")
        self.items.append((anchor, heading, table))

    def figure(self, base: str, heading: str, fig: Any, caption: str) -> None:
        anchor = self._anchor(base)
        data = base64.b64encode(plots.to_png(fig)).decode("ascii")
        image = f"<img id={_attr(anchor)} alt={_attr(heading)} src=\"data:image/png;base64,{data}\">"
        self.items.append((anchor, heading,
                           f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>"))

    def pre(self, base: str, heading: str, text: str) -> None:
        anchor = self._anchor(base)
        self.items.append((anchor, heading, f"<pre id={_attr(anchor)}>{html.escape(text)}</pre>"))

    def paragraphs(self, base: str, heading: str, texts: Sequence[str]) -> None:
        anchor = self._anchor(base)
        body = "".join(f"<p>{html.escape(text)}</p>" for text in texts)
        self.items.append((anchor, heading, f"<div id={_attr(anchor)}>{body}</div>"))

    def render(self, title: str, intro: str) -> str:
        contents = "".join(f"<li><a href=\"#{html.escape(anchor)}\">{html.escape(heading)}</a></li>"
                           for anchor, heading, _ in self.items)
        sections = "".join(f"<section><h2>{html.escape(heading)}</h2>{body}</section>"
                           for _, heading, body in self.items)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
                f"<h1>{html.escape(title)}</h1>{intro}"
                f"<nav><h2>Contents</h2><ul>{contents}</ul></nav>{sections}</body></html>\n")


def _attr(value: str) -> str:
    return f"\"{html.escape(value, quote=True)}\""


def _summary_table(page: _Page, results: SweepResults, base: str, heading: str) -> None:
    """Per swept value: mean ± std over folds × seeds of data losses, metric, penalty and kernel norms."""
    header, rows, classes = summary_table(results)
    page.table(base, heading, header, rows, classes)


def _choice_paragraph(results: SweepResults) -> str:
    """The best λ and the one-standard-error λ, with the numbers that pick them."""
    return "".join(f"<p class=\"choice\">{html.escape(sentence)}</p>" for sentence in choice_sentences(results))


def _history_map(histories: Any) -> dict[str, Any]:
    """{label: History or dict}: a single History / dict of per-epoch lists becomes {'training': it}."""
    if hasattr(histories, "history") or (isinstance(histories, Mapping) and histories
                                         and all(isinstance(v, Sequence) for v in histories.values())):
        return {"training": histories}
    if isinstance(histories, Mapping) and histories and all(
            hasattr(v, "history") or isinstance(v, Mapping) for v in histories.values()):
        return {str(label): history for label, history in histories.items()}
    raise TypeError("Argument `histories` must be a History, a dict {key: per-epoch list}, or a non-empty "
                    f"dict {{label: History}}. Received: histories={describe(histories)}")


def _resolve_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or pathlib.Path. Received: path={describe(path)}")
    target = Path(path)
    if target.is_dir() or str(path).endswith(("/", os.sep)):
        target = target / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def write_report(results: SweepResults, path: str | os.PathLike[str], *, title: str = "glassnet λ sweep",
                 models: Mapping[str, Any] | None = None, histories: Any = None, explanation: Any = None,
                 notes: str | Sequence[str] | None = None, learning: SweepResults | None = None) -> Path:
    """Write a self-contained HTML report of a sweep and return its path.

    Parameters
    ----------
    results : SweepResults
        A validation curve (``param='lambda'``), or a learning curve (``param='train_size'``).
    path : str or PathLike
        The HTML file, or an existing directory (or a path ending in '/') to write ``report.html`` into.
        Parent directories are created; the file is replaced atomically (temporary file + ``os.replace``).
    title : str
        Page title and heading (escaped).
    models : dict {label: Sequential} or None
        Adds the kernel histograms of these models (:func:`glassnet.plots.weight_histograms`).
    histories : History, dict of per-epoch lists, dict {label: History} or None
        Adds, per history, the loss curves split into data and penalty, and the kernel norms over epochs.
    explanation : Explanation or None
        ``model.explain(x, y)``; its ``str()`` is included as preformatted text.
    notes : str, list of str or None
        Free text, one paragraph each.
    learning : SweepResults or None
        A learning curve (``param='train_size'``) to add, with its own table.

    Returns
    -------
    pathlib.Path
        The file written. The page holds: a contents list linking every table, image and text block; the
        best λ and the 1-SE λ; the summary table (per value, mean ± std over folds × seeds of train/val data
        loss, the validation error or metric, the penalty and each kernel norm); the settings; the curves.
    """
    if not isinstance(results, SweepResults):
        raise TypeError(f"Argument `results` must be a SweepResults. Received: results={describe(results)}")
    if not isinstance(title, str):
        raise TypeError(f"Argument `title` must be a str. Received: title={describe(title)}")
    if learning is not None and (not isinstance(learning, SweepResults) or learning.param != "train_size"):
        raise TypeError("Argument `learning` must be a SweepResults with param='train_size' (a learning "
                        f"curve). Received: learning={describe(learning)}")
    if isinstance(notes, str):
        notes = [notes]
    if notes is not None and (not isinstance(notes, Sequence) or not all(isinstance(n, str) for n in notes)):
        raise TypeError(f"Argument `notes` must be a str or a list of str. Received: notes={describe(notes)}")
    history_map = _history_map(histories) if histories is not None else {}
    target = _resolve_path(path)

    page = _Page()
    is_lambda = results.param == "lambda"
    _summary_table(page, results, "summary", "Summary: mean ± std over folds × seeds")
    if is_lambda:
        page.figure("validation-curve", "Validation curve: data loss", plots.validation_curve(results),
                    "Mean train and validation data loss (no penalty) against λ, ±1 std over folds × seeds; "
                    "the solid line marks the best λ, the dashed line the 1-SE λ.")
        if "val_error" in results.metric_keys():
            page.figure("validation-error", "Validation curve: error",
                        plots.validation_curve(results, "error"),
                        "Mean train and validation error (1 − accuracy) against λ.")
    else:
        page.figure("learning-curve", "Learning curve: data loss", plots.learning_curve(results),
                    "Mean train and validation data loss against the training-set size, ±1 std.")
    if learning is not None:
        _summary_table(page, learning, "learning-summary", "Learning curve: mean ± std per training-set size")
        page.figure("learning-curve", "Learning curve: data loss", plots.learning_curve(learning),
                    "Mean train and validation data loss against the training-set size, ±1 std.")
    for label, history in history_map.items():
        page.figure("loss-curves", f"Loss curves: {label}", plots.loss_curves(history),
                    f"{label}: loss (solid) = data loss (dashed) + penalty (dotted), per epoch.")
        logs = getattr(history, "history", history)
        if any(key.startswith("norm/") and key.endswith("/kernel") for key in logs):
            page.figure("weight-norms", f"Weight norms: {label}", plots.weight_norms(history),
                        f"{label}: ‖W‖_F of every kernel at the end of each epoch.")
    if models is not None:
        page.figure("weight-histograms", "Weight histograms", plots.weight_histograms(models),
                    "Kernel values per Dense layer, one colour per model: L2 pulls them toward 0.")
    if results.config:
        page.table("settings", "Sweep settings", ["setting", "value"],
                   [[str(key), str(value)] for key, value in results.config.items()])
    if explanation is not None:
        page.pre("explanation", "Explanation (model.explain)", str(explanation))
    if notes:
        page.paragraphs("notes", "Notes", notes)

    swept = "λ (validation curve)" if is_lambda else "the training-set size (learning curve)"
    size = f"{len(results.values)} values, {len(results.records)} fits (folds × seeds) in all"
    intro = f"<p>{html.escape(f'Sweep of {swept}: {size}.')}</p>{_choice_paragraph(results)}"
    write_atomically(target, [page.render(title, intro).encode("utf-8")])
    return target


__all__ = ["write_report"]

# The page builder and the path rule, for the layer study's report (glassnet.experiments.study_report): the same
# kind of page, written the same way.
Page = _Page
resolve_path = _resolve_path
