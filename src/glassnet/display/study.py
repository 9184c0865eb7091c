"""How a :class:`~glassnet.experiments.LayerStudy` shows itself: a one-line ``repr`` and, in a notebook, its
plain-language summary above the table of kernel norms, validation data loss and gradient cosines per placement."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .elements import card, escape, listed, one_line, table

if TYPE_CHECKING:
    from ..experiments.study_results import LayerStudy


def study_repr(study: LayerStudy) -> str:
    """'LayerStudy(Keras l2 = 0.05, placements=[none, all, layer_1, layer_2], layers=[layer_1, layer_2], 8 fits)'."""
    return one_line(f"LayerStudy({study.strength_text}, placements=[{listed(list(study.names))}], "
                    f"layers=[{listed(list(study.layers))}], {len(study.records)} fits)")


def _table(study: LayerStudy) -> tuple[list[str], list[list[Any]]]:
    header = ["placement", *(f"‖W‖ {layer}" for layer in study.layers), "val data loss",
              *(f"cos {layer}" for layer in study.layers)]
    rows = []
    for name in study.placements:
        mean, sd = study.score(name, "val_data_loss")
        norms = (f"{n:.3f} ± {s:.2f}" for n, s in zip(study.kernel_norms[name], study.kernel_norm_sd[name]))
        cosines = ("–" if math.isnan(c) else f"{c:.3f}" for c in study.gradient_cosine[name])
        rows.append([name, *norms, f"{mean:.4f} ± {sd:.4f}", *cosines])
    return header, rows


def study_html(study: LayerStudy) -> str:
    """The summary paragraphs and the table (for Jupyter's ``_repr_html_``; every text escaped)."""
    header, rows = _table(study)
    summary = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in study.summary_text())
    return card("study", f"Layer study: {study.strength_text}, {len(study.records)} fits", summary,
                table(header, rows, more="study.summary() has them all"))
