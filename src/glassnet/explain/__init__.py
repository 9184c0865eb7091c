"""``model.explain(x, y)``: the loss, gradient and next update of your model, split into data and penalty parts.

See :mod:`glassnet.explain.compute` for what is computed and :mod:`glassnet.explain.report` for how it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..regularizers.conventions import StrengthTable
from . import report
from .compute import DecayComparison, GradientParts, Key, PenaltyRecord, UpdateParts, compute, model_untouched
from .diagnostics import diagnose
from .diagnostics import notes as diagnostics_notes

if TYPE_CHECKING:
    from ..engine.model import Sequential


@dataclass
class Explanation:
    """What regularization does to this model right now. ``str()`` reads as a report; ``to_dict()`` is JSON.

    - ``data_loss`` + Σ ``penalties[i].value`` = ``total_loss`` (what ``evaluate`` reports for the same data);
    - ``gradients[(layer, weight)]``: ``.data``, ``.penalty`` and their norms and ``ratio``;
    - ``updates[(layer, weight)]``: ``.data``, ``.penalty``, ``.decay`` parts of the next optimizer step, and
      ``shrink_factor`` where the penalty is exactly a shrink of w by a factor (plain SGD);
    - ``strengths[(layer, weight)]``: each L2 strength in the other conventions (lecture λ for this m, PyTorch
      weight_decay, scikit-learn α for this batch size, ...);
    - ``decay_vs_l2``: for decoupled weight decay, its step next to the step of the L2 with the same coefficient.
    """

    model_name: str
    optimizer: str
    n_rows: int
    n_samples: int
    batch_size: int
    learning_rate: float
    step: int
    data_loss: float
    penalties: list[PenaltyRecord]
    total_loss: float
    gradients: dict[Key, GradientParts]
    updates: dict[Key, UpdateParts]
    strengths: dict[Key, StrengthTable]
    decay_vs_l2: dict[Key, DecayComparison]
    notes: list[str] = field(default_factory=list)

    @property
    def penalty_loss(self) -> float:
        return sum(p.value for p in self.penalties)

    def __str__(self) -> str:
        return report.as_text(self)

    def __repr__(self) -> str:
        from ..display.explanation import explanation_repr

        return explanation_repr(self)

    def _repr_html_(self) -> str:
        return report.as_html(self)

    def to_dict(self) -> dict[str, Any]:
        return report.as_dict(self)


def explain(model: Sequential, x: Any, y: Any, *, sample_weight: Any = None, batch_size: int = 32,
            n_samples: int | None = None, train_batch_size: int | None = None) -> Explanation:
    """Explain ``model`` on ``x``/``y``; see :class:`Explanation`. Changes neither the model nor the optimizer.

    ``n_samples`` (m, for the lecture's λ) and ``train_batch_size`` (B, for scikit-learn's α) default to those of
    the last ``fit``, else to ``len(x)`` and 32. ``batch_size`` is the evaluation batch size, as in ``evaluate``.
    """
    from .._validation import check_positive_int
    from ..engine.data import check_xy

    model.require_compiled("explain")
    batch_size = check_positive_int("batch_size", batch_size)
    x, y, sample_weight = check_xy(model, x, y, sample_weight)
    last = model.last_fit or {}
    m = check_positive_int("n_samples", n_samples) if n_samples is not None else last.get("n_samples", len(x))
    b = check_positive_int("train_batch_size", train_batch_size) if train_batch_size is not None \
        else last.get("batch_size", 32)
    if not model.built:
        model.build((None, x.shape[1]))
    parts = compute(model, x, y, sample_weight, batch_size, m, b)
    with model_untouched(model):
        found = diagnose(model, x, y)
    notes = report.notes(model, parts) + diagnostics_notes(found, model)
    return Explanation(model.name, repr(model.optimizer), len(x), m, b, parts["learning_rate"], parts["step"],
                       parts["data_loss"], parts["penalties"], parts["total_loss"], parts["gradients"],
                       parts["updates"], parts["strengths"], parts["decay_vs_l2"], notes)


__all__ = ["Explanation", "explain", "GradientParts", "UpdateParts", "PenaltyRecord", "DecayComparison"]
