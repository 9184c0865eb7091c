"""One L2 strength in every framework's convention, converted exactly through one yardstick, κ.

κ is the coefficient of W that the penalty adds to the gradient of the **mean mini-batch data loss**:
∂J/∂W = ∂(mean data loss)/∂W + κ·W. Every coupled L2 convention is a fixed multiple of κ:

===========  ==============================================  ==================  ===============
convention   penalty added to the reported loss               κ                   needs
===========  ==============================================  ==================  ===============
lecture      (λ/2m)·Σw², m = training-set size                κ = λ/m             n_samples (m)
keras        l2·Σw²  (no ½, not divided by batch or m)         κ = 2·l2
torch        none; SGD/Adam(weight_decay=wd) adds wd·W        κ = wd
sklearn      α·Σw²/(2B), B = rows in the current batch         κ = α/B             batch_size (B)
playground   none shown; the update adds rate·W                κ = rate
kappa        —                                                 κ
===========  ==============================================  ==================  ===============

So Keras's ``L2(0.01)`` on m training rows is the lecture's λ = 2·m·0.01.

Decoupled weight decay (PyTorch ``AdamW``, Keras ``weight_decay=``: w ← w − lr·wd·w outside the gradient) is *not*
an L2 penalty: it has no κ, because with momentum or Adam the decay bypasses the optimizer's scaling. Only for plain
SGD without momentum does it coincide with κ = wd. Such conversions are refused rather than approximated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ._validation import check_nonnegative_float, check_positive_int

COUPLED = ("lecture", "keras", "torch", "sklearn", "playground", "kappa")
DECOUPLED = ("adamw", "decoupled")

_DESCRIPTIONS = {
    "lecture": ("λ", "(λ/2m)·Σw², κ = λ/m"),
    "keras": ("l2", "l2·Σw², κ = 2·l2"),
    "torch": ("weight_decay", "coupled weight_decay, κ = wd"),
    "sklearn": ("alpha", "α·Σw²/(2B), κ = α/B"),
    "playground": ("L2 rate", "update adds rate·W, κ = rate"),
    "kappa": ("κ", "coefficient of W in ∂J/∂W"),
}


def _check_convention(name: str, value: Any) -> str:
    if value in DECOUPLED:
        raise ValueError(
            f"Decoupled weight decay ({value!r}: PyTorch AdamW, Keras weight_decay=) has no exact L2 equivalent: "
            "it shrinks w by lr·wd·w outside the gradient, so momentum and Adam never rescale it, while an L2 "
            "penalty's gradient is rescaled with the data gradient. Only plain SGD without momentum makes the two "
            "equal (decay wd ≡ κ = wd, i.e. convert(wd, 'torch', ...)). "
            f"Received: {name}={value!r}")
    if value not in COUPLED:
        raise ValueError(f"Argument `{name}` must be one of {list(COUPLED)}. Received: {name}={value!r}")
    return value


def _scale(convention: str, n_samples: int | None, batch_size: int | None, role: str) -> float:
    """κ = scale · value for ``convention``."""
    if convention == "lecture":
        if n_samples is None:
            raise ValueError(f"Converting {role} the 'lecture' convention needs the training-set size m, because "
                             "κ = λ/m. Received: n_samples=None")
        return 1.0 / n_samples
    if convention == "sklearn":
        if batch_size is None:
            raise ValueError(f"Converting {role} the 'sklearn' convention needs the batch size B, because "
                             "scikit-learn's MLP divides α by the rows of each batch (κ = α/B; B = min(200, n) by "
                             "default, n for lbfgs). Received: batch_size=None")
        return 1.0 / batch_size
    return 2.0 if convention == "keras" else 1.0


def convert(value: float, from_: str, to: str, *, n_samples: int | None = None,
            batch_size: int | None = None) -> float:
    """Convert an L2 strength ``value`` from one convention to another (see the module table).

    >>> convert(0.01, "keras", "lecture", n_samples=455)   # λ = 2·m·l2
    9.1
    >>> convert(0.01, "keras", "torch")                    # weight_decay = 2·l2
    0.02
    >>> convert(1e-4, "sklearn", "keras", batch_size=200)  # l2 = α/(2B)
    2.5e-07
    """
    value = check_nonnegative_float("value", value)
    from_ = _check_convention("from_", from_)
    to = _check_convention("to", to)
    if n_samples is not None:
        n_samples = check_positive_int("n_samples", n_samples)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    if from_ == to:
        return value  # the identity, bit for bit (no rounding below)
    kappa = value * _scale(from_, n_samples, batch_size, "from")
    result = kappa / _scale(to, n_samples, batch_size, "to")
    # NOTE: round to 15 significant digits so exact decimal conversions print as such (2·455·0.01 = 9.1, not
    # 9.100000000000001); the relative change is < 1e-15, far below any framework's float32 arithmetic.
    return float(f"{result:.15g}") if result and math.isfinite(result) else result


@dataclass(frozen=True)
class StrengthTable:
    """One strength in every coupled convention; ``str()`` prints it as a table."""

    kappa: float
    values: dict[str, float | None]
    n_samples: int | None
    batch_size: int | None

    def __str__(self) -> str:
        rows = [("convention", "parameter", "value", "penalty and κ")]
        for convention, value in self.values.items():
            shown = "needs " + ("n_samples" if convention == "lecture" else "batch_size") if value is None \
                else f"{value:.6g}"
            parameter, formula = _DESCRIPTIONS[convention]
            rows.append((convention, parameter, shown, formula))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        context = f"m = {self.n_samples}" if self.n_samples else "m unknown"
        context += f", B = {self.batch_size}" if self.batch_size else ", B unknown"
        return "\n".join([f"L2 strength κ = {self.kappa:.6g} ({context})", *lines])

    def to_dict(self) -> dict[str, Any]:
        return {"kappa": self.kappa, "values": dict(self.values), "n_samples": self.n_samples,
                "batch_size": self.batch_size}


def strength_table(value: float, from_: str, *, n_samples: int | None = None,
                   batch_size: int | None = None) -> StrengthTable:
    """The same L2 strength in every coupled convention; conventions that need m or B show None without them.

    >>> print(strength_table(0.01, "keras", n_samples=455, batch_size=32))
    L2 strength κ = 0.02 (m = 455, B = 32)
    convention  parameter     value  penalty and κ
    lecture     λ             9.1    (λ/2m)·Σw², κ = λ/m
    keras       l2            0.01   l2·Σw², κ = 2·l2
    torch       weight_decay  0.02   coupled weight_decay, κ = wd
    sklearn     alpha         0.64   α·Σw²/(2B), κ = α/B
    playground  L2 rate       0.02   update adds rate·W, κ = rate
    kappa       κ             0.02   coefficient of W in ∂J/∂W
    """
    kappa = convert(value, from_, "kappa", n_samples=n_samples, batch_size=batch_size)
    values: dict[str, float | None] = {}
    for convention in COUPLED:
        needs_missing = (convention == "lecture" and n_samples is None) or (
            convention == "sklearn" and batch_size is None)
        values[convention] = None if needs_missing else convert(kappa, "kappa", convention, n_samples=n_samples,
                                                                batch_size=batch_size)
    return StrengthTable(kappa, values, n_samples, batch_size)
