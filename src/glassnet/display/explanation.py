"""How an :class:`~glassnet.explain.Explanation` shows itself: a one-line ``repr`` (never its arrays), and, in a
notebook, every section of the text report (``str(explanation)``) as a headed, styled table — the loss split, the
gradients' and the next update's parts, decoupled decay next to L2, each strength in every convention, and what
it all means.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..regularizers.conventions import LABELS
from .elements import bullets, card, escape, note, number, one_line, table

if TYPE_CHECKING:
    from ..explain import Explanation

#: The conventions of the strengths table, in its column order (κ last: the yardstick they are converted through).
CONVENTIONS = ("keras", "lecture", "torch", "sklearn", "playground", "kappa")
_MORE = "str(explanation) and explanation.to_dict() have them all"


def _key(key: tuple[str, str]) -> str:
    return "/".join(key)


def _norm(array: Any) -> float:
    return math.sqrt(float(np.sum(np.square(np.asarray(array, dtype=np.float64)))))


def parts_repr(obj: Any, parts: tuple[str, ...]) -> str:
    """``GradientParts(data=<(30, 25) float32, ‖·‖ = 0.0314>, penalty=<…>)``: each array part by its shape, dtype
    and norm rather than its values (a 30×25 kernel's values would run to ~10,000 characters)."""
    shown = []
    for name in parts:
        array = np.asarray(getattr(obj, name))
        shown.append(f"{name}=<{array.shape} {array.dtype.name}, ‖·‖ = {number(_norm(array))}>")
    return one_line(f"{type(obj).__name__}({', '.join(shown)})")


def explanation_repr(e: Explanation) -> str:
    """``<Explanation of 'model' on 400 rows: total loss … = data loss … + penalties … (3 terms); …>``."""
    return one_line(f"<Explanation of {e.model_name!r} on {e.n_rows} rows: total loss {number(e.total_loss)} = "
                    f"data loss {number(e.data_loss)} + penalties {number(e.penalty_loss)} "
                    f"({len(e.penalties)} term{'s' if len(e.penalties) != 1 else ''}); {len(e.gradients)} weights, "
                    f"next step {e.step} of {e.optimizer.split('(')[0]}; str() is the report, to_dict() the numbers>")


def _section(heading: str, body: str) -> str:
    return f"<h4>{escape(heading)}</h4>{body}"


def _loss(e: Explanation) -> str:
    rows = [["data loss", "", number(e.data_loss)]]
    rows += [[f"penalty {p.layer}/{p.weight}", repr(p.regularizer), number(p.value)] for p in e.penalties]
    rows.append(["total loss = data + penalties", "", number(e.total_loss)])
    return _section("Loss (what evaluate() reports, split)",
                    table(["term", "regularizer", "value"], rows, text_columns=(1,), more=_MORE))


def _gradients(e: Explanation) -> str:
    rows = [[_key(k), number(g.data_norm), number(g.penalty_norm), number(g.ratio)] for k, g in e.gradients.items()]
    return _section(f"Gradients of the loss on all {e.n_rows} rows (‖·‖ = Frobenius norm)",
                    table(["weight", "‖data‖", "‖penalty‖", "penalty/data"], rows, more=_MORE))


def _updates(e: Explanation) -> str:
    rows = []
    for key, update in e.updates.items():
        norms = update.norms()
        rows.append([_key(key), number(norms["data"]), number(norms["penalty"]), number(norms["decay"]),
                     "-" if update.shrink_factor is None else number(update.shrink_factor)])
    return _section("Next update Δw = data part + penalty part + decay part",
                    table(["weight", "‖data‖", "‖penalty‖", "‖decay‖", "shrink factor"], rows, more=_MORE))


def _decay_vs_l2(e: Explanation) -> str:
    rows = [[_key(k), number(_norm(c.decay_step)), number(_norm(c.l2_step)), number(c.ratio),
             "yes" if c.identical else "no"] for k, c in e.decay_vs_l2.items()]
    return _section("Decoupled weight decay vs an L2 penalty with the same coefficient (κ = wd)",
                    table(["weight", "‖decay step‖", "‖L2 step‖", "ratio", "same next step?"], rows, more=_MORE))


def _strengths(e: Explanation) -> str:
    rows = []
    for key, strengths in e.strengths.items():
        cells = []
        for convention in CONVENTIONS:
            value = strengths.kappa if convention == "kappa" else strengths.values.get(convention)
            cells.append(number(value) if value is not None else (strengths.missing or {}).get(convention, "n/a"))
        rows.append([_key(key), *cells])
    heading = (f"The same strength in other conventions (m = {e.n_samples} training rows, batch size "
               f"B = {e.batch_size}, same objective up to a constant factor)")
    return _section(heading, table(["weight", *(LABELS[c] for c in CONVENTIONS)], rows, more=_MORE)
                    + note("Keras l2: l2·Σw²; lecture λ: (λ/2m)·Σw²; PyTorch: coupled weight_decay adds wd·W to "
                           "the gradient; scikit-learn α: α·Σw²/(2B); κ: the coefficient of W in ∂J/∂W."))


def explanation_html(e: Explanation) -> str:
    """Every section of the text report, each under its heading (for Jupyter's ``_repr_html_``)."""
    facts = (f"optimizer {e.optimizer}, next step {e.step}, lr = {number(e.learning_rate)}; "
             f"m = {e.n_samples} training rows, batch size B = {e.batch_size}")
    parts = [note(facts), _loss(e), _gradients(e), _updates(e)]
    if e.decay_vs_l2:
        parts.append(_decay_vs_l2(e))
    if e.strengths:
        parts.append(_strengths(e))
    if e.notes:
        parts.append(_section("What this means", bullets(e.notes)))
    return card("explanation", f"Explanation of {e.model_name!r} on {e.n_rows} rows", *parts)
