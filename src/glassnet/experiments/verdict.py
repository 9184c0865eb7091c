"""High bias or high variance? The lecture's diagnosis, read from the numbers of a sweep or a layer study.

The lecture compares three levels: a **baseline** (what is achievable: human-level error, a competing model; 0 by
default), the training error J_train and the cross-validation error J_cv:

- **high bias** (underfitting): J_train − baseline > tolerance — the model does not even fit the training rows.
  Try: decrease λ, a bigger network (more units or layers), more or better features, training longer.
- **high variance** (overfitting): J_cv − J_train > tolerance, **and** the gap exceeds twice its standard error
  over the folds × seeds (a gap inside the fold-to-fold noise is not evidence). Try: increase λ, more training data,
  a smaller network or fewer features.
- **both**, or **fine** (neither).

The quantity is the error, 1 − accuracy, when the records have it (classifiers); else the data loss (the loss
without the penalty; regression). The default tolerance is 0.02 for the error (2 percentage points: the lecture's
examples call 0.2 and 0.5 points small and 4 points large) and, for the data loss, 10 % of that row's mean J_cv
(a data loss has units, so only a relative threshold means the same everywhere). The gaps are means over the fits
of each fit's own J_cv − J_train.

>>> records = [{"train_error": 0.15, "val_error": 0.155}, {"train_error": 0.15, "val_error": 0.157}]
>>> diagnose([("λ = 1", records)], baseline=0.106).rows[0].verdict
'high bias'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_nonnegative_float, describe

#: Default tolerance on the error (1 − accuracy), and the relative tolerance on the data loss.
ERROR_TOLERANCE = 0.02
RELATIVE_TOLERANCE = 0.10

ADVICE = {
    "high bias": "decrease λ, or try a bigger network (more units or layers) or more features",
    "high variance": "increase λ, or get more training data, or try a smaller network or fewer features",
    "fine": "J_train is near the baseline and J_cv near J_train: neither fix is called for",
}


@dataclass(frozen=True)
class Diagnosis:
    """The verdict for one λ or one placement: ``train`` and ``val`` (means of the quantity), the gaps and
    whether each is high."""

    label: Any
    quantity: str
    baseline: float
    train: float
    val: float
    variance_gap: float
    variance_sem: float
    tolerance: float

    @property
    def bias_gap(self) -> float:
        """J_train − baseline."""
        return self.train - self.baseline

    @property
    def high_bias(self) -> bool:
        return self.bias_gap > self.tolerance

    @property
    def high_variance(self) -> bool:
        return self.variance_gap > self.tolerance and self.variance_gap > 2 * self.variance_sem

    @property
    def verdict(self) -> str:
        """'high bias', 'high variance', 'high bias and high variance' or 'fine'."""
        found = [name for name, high in (("high bias", self.high_bias), ("high variance", self.high_variance)) if high]
        return " and ".join(found) or "fine"

    @property
    def advice(self) -> str:
        """What the lecture suggests next, for this verdict."""
        if self.high_bias and self.high_variance:
            return f"{ADVICE['high bias']}; and {ADVICE['high variance']}"
        return ADVICE[self.verdict]

    def text(self) -> str:
        name = "error" if self.quantity == "error" else "data loss"
        return (f"{self.label}: {self.verdict} — {name} J_train {self.train:.4g} (baseline {self.baseline:.4g}, "
                f"gap {self.bias_gap:+.4g}), J_cv {self.val:.4g} (gap {self.variance_gap:+.4g} ± "
                f"{self.variance_sem:.2g}; tolerance {self.tolerance:.3g}). Next: {self.advice}.")

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "quantity": self.quantity, "baseline": self.baseline, "train": self.train,
                "val": self.val, "bias_gap": self.bias_gap, "variance_gap": self.variance_gap,
                "variance_sem": self.variance_sem, "tolerance": self.tolerance, "verdict": self.verdict,
                "advice": self.advice}


@dataclass(frozen=True)
class Verdict:
    """One :class:`Diagnosis` per λ or placement, in order."""

    rows: list[Diagnosis]

    def __getitem__(self, label: Any) -> Diagnosis:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(f"No diagnosis for {label!r}. Received: label={label!r}")

    def text(self) -> str:
        return "\n".join(row.text() for row in self.rows)

    __str__ = text

    def to_dict(self) -> list[dict[str, Any]]:
        return [row.to_dict() for row in self.rows]


def diagnose(groups: Sequence[tuple[Any, Sequence[dict[str, Any]]]], *, baseline: float = 0.0,
             tolerance: float | None = None) -> Verdict:
    """The verdict for each (label, records) group; thresholds as the module docstring writes them.

    Each record needs ``train_error`` and ``val_error`` (classifiers) or ``train_data_loss`` and
    ``val_data_loss``.
    """
    baseline = check_nonnegative_float("baseline", baseline)
    if tolerance is not None:
        tolerance = check_nonnegative_float("tolerance", tolerance)
    records = [record for _, group in groups for record in group]
    if not records:
        raise ValueError(f"A verdict needs fits to read. Received: groups={describe(groups)}")
    quantity = "error" if all("train_error" in r and "val_error" in r for r in records) else "data_loss"
    if not all(f"train_{quantity}" in r and f"val_{quantity}" in r for r in records):
        raise ValueError("A verdict needs train_error/val_error or train_data_loss/val_data_loss in every record. "
                         f"Received: records with keys {sorted(records[0])}")
    rows = []
    for label, group in groups:
        train = np.array([r[f"train_{quantity}"] for r in group], dtype=np.float64)
        val = np.array([r[f"val_{quantity}"] for r in group], dtype=np.float64)
        gaps = val - train
        sem = float(np.std(gaps, ddof=1) / math.sqrt(len(gaps))) if len(gaps) > 1 else 0.0
        limit = tolerance if tolerance is not None else (
            ERROR_TOLERANCE if quantity == "error" else RELATIVE_TOLERANCE * float(np.mean(val)))
        rows.append(Diagnosis(label, quantity, baseline, float(np.mean(train)), float(np.mean(val)),
                              float(np.mean(gaps)), sem, limit))
    return Verdict(rows)
