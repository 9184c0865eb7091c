"""A layer study as a self-contained HTML page (the same kind of page as :mod:`glassnet.experiments.report`).

The page holds: the plain-language summary; per placement, the kernel norms (mean ± sd), spectral norms, the
train and validation data loss and error, and the end-of-training cosine and norm ratio of data and penalty
gradients; the bias/variance verdict; the three study plots; the settings. Every text is escaped, images are
embedded PNGs, nothing links outside the file.

>>> import tempfile, numpy as np
>>> from glassnet.experiments import ModelSpec, layer_study
>>> x = np.random.default_rng(0).normal(size=(40, 3)); y = (x[:, 0] > 0).astype(float)
>>> study = layer_study(ModelSpec(hidden=(4,)), x, y, 0.01, cv=2, epochs=2, n_jobs=1, progress=False)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = write_study_report(study, folder)
...     (path.name, "What the penalty did" in path.read_text(encoding="utf-8"))
('report.html', True)
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from pathlib import Path

from .. import plots
from .._validation import describe
from ..saving.atomic import write_atomically
from .report import Page, resolve_path
from .study_results import LayerStudy


def _cell(value: float, sd: float | None = None, digits: int = 4) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.{digits}g}" + ("" if sd is None else f" ± {sd:.2g}")


def add_study(page: Page, study: LayerStudy) -> None:
    """Append the study's sections to ``page``: summary, tables, verdict, plots."""
    page.paragraphs("study-summary", "What the penalty did", study.summary_text())
    layers = study.layers
    header = ["placement", *(f"‖W‖ {layer}" for layer in layers), *(f"‖W‖₂ {layer}" for layer in layers),
              "train data loss", "val data loss J_cv"]
    has_error = all("val_error" in run and "train_error" in run for run in study.records)
    header += ["train error", "val error"] if has_error else []
    header += [f"cos {layer}" for layer in layers] + [f"‖pen‖/‖data‖ {layer}" for layer in layers]
    rows = []
    for name in study.names:
        row = [name] + [_cell(m, s) for m, s in zip(study.kernel_norms[name], study.kernel_norm_sd[name])]
        row += [_cell(v) for v in study.spectral_norms[name]]
        keys = ["train_data_loss", "val_data_loss"] + (["train_error", "val_error"] if has_error else [])
        row += [_cell(*study.score(name, key)) for key in keys]
        row += [_cell(v, digits=3) for v in study.gradient_cosine[name] + study.gradient_ratio[name]]
        rows.append(row)
    page.table("study-table", "Per placement: mean ± sd over folds × seeds", header, rows)
    norms = study.attribution_norms()
    page.table("study-attribution", "Direct and indirect parts of W − W_none (first fold and seed)",
               ["placement", *(f"‖direct‖ {layer}" for layer in layers), *(f"‖indirect‖ {layer}" for layer in layers)],
               [[name] + [_cell(v) for v in norms[name]["direct"] + norms[name]["indirect"]] for name in study.names])
    verdict = study.verdict()
    page.table("study-verdict", "Bias or variance (the lecture's diagnosis)",
               ["placement", "verdict", "J_train", "J_cv", "J_cv − J_train", "next"],
               [[str(row.label), row.verdict, _cell(row.train), _cell(row.val),
                 _cell(row.variance_gap, row.variance_sem), row.advice] for row in verdict.rows])
    page.figure("study-norms", "Kernel norms by placement", plots.placement_norms(study),
                "Mean ‖W‖_F per layer under each placement, ± 1 sd over the fits.")
    page.figure("study-trajectories", "Kernel norms over epochs", plots.norm_trajectories(study),
                "Mean ‖W‖_F at the end of each epoch, one panel per layer, one line per placement.")
    if len(study.names) > 1:
        page.figure("study-attribution-plot", "Direct vs indirect", plots.attribution_parts(study),
                    "Per placement: ‖Σ penalty steps‖ (direct) and ‖the rest of W − W_none‖ (indirect), per layer.")
    page.table("study-settings", "Study settings", ["setting", "value"],
               [[str(key), str(value)] for key, value in study.config.items()])


def write_study_report(study: LayerStudy, path: str | os.PathLike[str], *, title: str = "glassnet layer study",
                       notes: str | Sequence[str] | None = None) -> Path:
    """Write a self-contained HTML page of ``study`` (a file, or ``report.html`` in a folder); return its path.
    The file is replaced atomically."""
    if not isinstance(study, LayerStudy):
        raise TypeError(f"Argument `study` must be a LayerStudy. Received: study={describe(study)}")
    if not isinstance(title, str):
        raise TypeError(f"Argument `title` must be a str. Received: title={describe(title)}")
    notes = [notes] if isinstance(notes, str) else notes
    if notes is not None and (not isinstance(notes, Sequence) or not all(isinstance(n, str) for n in notes)):
        raise TypeError(f"Argument `notes` must be a str or a list of str. Received: notes={describe(notes)}")
    target = resolve_path(path)
    page = Page()
    add_study(page, study)
    if notes:
        page.paragraphs("notes", "Notes", notes)
    intro = (f"<p>{html.escape(f'Layer study of {study.strength_text}: placements {study.names}, ')}"
             f"{html.escape(f'{len(study.records)} fits in all.')}</p>")
    write_atomically(target, [page.render(title, intro).encode("utf-8")])
    return target


__all__ = ["write_study_report", "add_study"]
