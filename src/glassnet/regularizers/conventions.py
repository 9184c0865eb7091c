"""One L2 strength in every framework's convention, converted exactly through one yardstick, κ.

"The same strength" means **the same objective up to a constant factor**: two trainings minimize proportional
costs, so they have the same minima (and, with the learning rate scaled by that factor, the same SGD steps).

κ is the coefficient of W that the penalty adds to the gradient of **glassnet's own mean mini-batch data loss**
(the model's ``loss``): ∂J/∂W = ∂(mean data loss)/∂W + κ·W. A convention writes its penalty against *its* data
loss, which may be a multiple s of glassnet's loss of the same kind — scikit-learn's ``MLPRegressor``, the TF
Playground and the lecture's linear regression all use ½·squared error, while glassnet's (and Keras's, and
PyTorch's) ``mse`` is mean((p − y)²) with no ½. A convention's strength v therefore gives κ = scale·v / s:

===========  ==============================================  ===========  =================================
convention   penalty, next to that convention's data loss    scale        s = its data loss / glassnet's
===========  ==============================================  ===========  =================================
lecture      (λ/2m)·Σw², m = training-set size                1/m          ½ for squared error, else 1
keras        l2·Σw²  (no ½, not divided by batch or m)         2            1
torch        none; SGD/Adam(weight_decay=wd) adds wd·W         1            1
sklearn      α·Σw²/(2B), B = rows in the current batch         1/B          1 for log loss; K/2 for squared
                                                                            error on K outputs (see below)
playground   none shown; the update adds rate·W                1            ½ (it only has ½·squared error)
kappa        —                                                 1            1
===========  ==============================================  ===========  =================================

Examples: Keras's ``L2(0.01)`` on m training rows with a cross-entropy is the lecture's λ = 2·m·0.01;
``MLPRegressor(alpha=α, batch_size=B)`` (one output) is glassnet ``mse`` + ``L2(α/B)``, not ``L2(α/(2B))``; a
Playground L2 rate r on a squared-error model is ``L2(r)``.

``loss`` is glassnet's data loss (a name or a :class:`glassnet.losses.Loss`); ``None`` means a cross-entropy, the
lecture's classification setting. Where a convention has no counterpart of that loss — the Playground trains only
with ½·squared error, scikit-learn's MLP only with log loss or ½·squared error — the conversion is refused.

NOTE: scikit-learn's ``MLPRegressor`` reports ½·mean over outputs of the squared error, but its backpropagation
starts from δ = p − y, the gradient of ½·Σ over the K outputs; the trained weights follow the gradient, so for K
outputs s = K/2 (pass ``n_outputs``). Since scikit-learn 1.6 its penalty is divided by the batch's *sum of sample
weights* instead of B; :class:`glassnet.sklearn.GlassNetRegressor` handles that case (see there).

Decoupled weight decay (PyTorch ``AdamW``, Keras ``weight_decay=``: w ← w − lr·wd·w outside the gradient) is *not*
an L2 penalty: it has no κ, because with momentum or Adam the decay bypasses the optimizer's scaling. Only for plain
SGD without momentum does it coincide with κ = wd. Such conversions are refused rather than approximated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .._validation import check_nonnegative_float, check_positive_int

COUPLED = ("lecture", "keras", "torch", "sklearn", "playground", "kappa")
DECOUPLED = ("adamw", "decoupled")

_DESCRIPTIONS = {
    "lecture": ("λ", "(λ/2m)·Σw², κ = λ/m ÷ s"),
    "keras": ("l2", "l2·Σw², κ = 2·l2"),
    "torch": ("weight_decay", "coupled weight_decay, κ = wd"),
    "sklearn": ("alpha", "α·Σw²/(2B), κ = α/B ÷ s"),
    "playground": ("L2 rate", "update adds rate·W, κ = rate ÷ s"),
    "kappa": ("κ", "coefficient of W in ∂J/∂W"),
}


#: How a strength reads in each convention, for axes, tables and reports.
LABELS = {"lecture": "lecture λ", "keras": "Keras l2", "torch": "PyTorch weight_decay", "sklearn": "scikit-learn α",
          "playground": "Playground L2 rate", "kappa": "κ"}


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


def loss_kind(loss: Any) -> str:
    """'cross_entropy', 'squared_error' or the loss's own name ('mean_absolute_error', 'huber') for ``loss`` (a
    name or a :class:`~glassnet.losses.Loss`; None is a cross-entropy)."""
    from .. import losses

    if loss is None:
        return "cross_entropy"
    resolved = losses.get(loss)
    if isinstance(resolved, (losses.BinaryCrossentropy, losses.CategoricalCrossentropy,
                             losses.SparseCategoricalCrossentropy)):
        return "cross_entropy"
    if isinstance(resolved, losses.MeanSquaredError):
        return "squared_error"
    return resolved.name


def data_loss_scale(convention: str, loss: Any = None, n_outputs: int = 1) -> float:
    """s: the convention's data loss divided by glassnet's data loss of the same kind (see the module table).

    >>> data_loss_scale("sklearn", "mse"), data_loss_scale("lecture", "binary_crossentropy")
    (0.5, 1.0)

    Raises ValueError where the convention has no counterpart of ``loss``.
    """
    kind = loss_kind(loss)
    if convention in ("keras", "torch", "kappa"):
        return 1.0
    if convention == "lecture":
        return 0.5 if kind == "squared_error" else 1.0
    if convention == "sklearn":
        if kind == "cross_entropy":
            return 1.0
        if kind == "squared_error":
            return n_outputs / 2
        raise ValueError("scikit-learn's MLP trains with log loss (MLPClassifier) or ½·squared error "
                         "(MLPRegressor) only, so its α has no counterpart for a model trained with "
                         f"{kind!r}. Received: loss={_shown(loss)}")
    if kind == "squared_error":  # the Playground
        return 0.5
    raise ValueError("The TF Playground trains with ½·squared error only (also for classification, on tanh "
                     "outputs ±1), so its L2 rate equals an L2 penalty exactly only for a model trained with "
                     f"loss='mse'; use convention 'kappa' to set κ = rate directly. Received: loss={_shown(loss)}")


def _shown(loss: Any) -> str:
    return "None (a cross-entropy)" if loss is None else repr(getattr(loss, "name", loss))


def _scale(convention: str, n_samples: int | None, batch_size: int | None, role: str) -> float:
    """κ = scale · value / s for ``convention``: this is the scale."""
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


def convert(value: float, from_: str, to: str, *, n_samples: int | None = None, batch_size: int | None = None,
            loss: Any = None, n_outputs: int = 1) -> float:
    """Convert an L2 strength ``value`` from one convention to another (see the module table).

    ``loss`` is the model's data loss (name or Loss; None = a cross-entropy) and ``n_outputs`` its number of
    outputs K (only scikit-learn's squared error depends on it).

    >>> convert(0.01, "keras", "lecture", n_samples=455)   # λ = 2·m·l2
    9.1
    >>> convert(0.01, "keras", "torch")                    # weight_decay = 2·l2
    0.02
    >>> convert(1e-4, "sklearn", "keras", batch_size=200)  # l2 = α/(2B) with log loss
    2.5e-07
    >>> convert(1e-4, "sklearn", "keras", batch_size=200, loss="mse")  # l2 = α/B against ½·squared error
    5e-07
    """
    value = check_nonnegative_float("value", value)
    from_ = _check_convention("from_", from_)
    to = _check_convention("to", to)
    if n_samples is not None:
        n_samples = check_positive_int("n_samples", n_samples)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    n_outputs = check_positive_int("n_outputs", n_outputs)
    s_from, s_to = data_loss_scale(from_, loss, n_outputs), data_loss_scale(to, loss, n_outputs)
    if from_ == to:
        return value  # the identity, bit for bit (no rounding below)
    kappa = value * _scale(from_, n_samples, batch_size, "from") / s_from
    result = kappa * s_to / _scale(to, n_samples, batch_size, "to")
    # NOTE: round to 15 significant digits so exact decimal conversions print as such (2·455·0.01 = 9.1, not
    # 9.100000000000001); the relative change is < 1e-15, far below any framework's float32 arithmetic.
    return float(f"{result:.15g}") if result and math.isfinite(result) else result


@dataclass(frozen=True)
class StrengthTable:
    """One strength in every coupled convention; ``str()`` prints it as a table. A value is None where the
    convention needs m or B that were not given, or has no counterpart of the loss (``missing`` says which)."""

    kappa: float
    values: dict[str, float | None]
    n_samples: int | None
    batch_size: int | None
    loss: str = "cross_entropy"
    missing: dict[str, str] | None = None

    def __str__(self) -> str:
        rows = [("convention", "parameter", "value", "penalty and κ")]
        for convention, value in self.values.items():
            shown = (self.missing or {}).get(convention, "-") if value is None else f"{value:.6g}"
            parameter, formula = _DESCRIPTIONS[convention]
            rows.append((convention, parameter, shown, formula))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        context = f"m = {self.n_samples}" if self.n_samples else "m unknown"
        context += f", B = {self.batch_size}" if self.batch_size else ", B unknown"
        context += f", data loss: {self.loss.replace('_', ' ')}"
        return "\n".join([f"L2 strength κ = {self.kappa:.6g} ({context})", *lines])

    def to_dict(self) -> dict[str, Any]:
        return {"kappa": self.kappa, "values": dict(self.values), "n_samples": self.n_samples,
                "batch_size": self.batch_size, "loss": self.loss, "missing": dict(self.missing or {})}


def strength_table(value: float, from_: str, *, n_samples: int | None = None, batch_size: int | None = None,
                   loss: Any = None, n_outputs: int = 1) -> StrengthTable:
    """The same L2 strength in every coupled convention; None where m or B is missing or the convention has no
    counterpart of ``loss`` (see :func:`convert`).

    >>> print(strength_table(0.01, "keras", n_samples=455, batch_size=32))
    L2 strength κ = 0.02 (m = 455, B = 32, data loss: cross entropy)
    convention  parameter     value              penalty and κ
    lecture     λ             9.1                (λ/2m)·Σw², κ = λ/m ÷ s
    keras       l2            0.01               l2·Σw², κ = 2·l2
    torch       weight_decay  0.02               coupled weight_decay, κ = wd
    sklearn     alpha         0.64               α·Σw²/(2B), κ = α/B ÷ s
    playground  L2 rate       n/a for this loss  update adds rate·W, κ = rate ÷ s
    kappa       κ             0.02               coefficient of W in ∂J/∂W
    """
    kappa = convert(value, from_, "kappa", n_samples=n_samples, batch_size=batch_size, loss=loss,
                    n_outputs=n_outputs)
    values: dict[str, float | None] = {}
    missing: dict[str, str] = {}
    for convention in COUPLED:
        try:
            data_loss_scale(convention, loss, n_outputs)
        except ValueError:
            values[convention], missing[convention] = None, "n/a for this loss"
            continue
        if (convention == "lecture" and n_samples is None) or (convention == "sklearn" and batch_size is None):
            values[convention] = None
            missing[convention] = "needs " + ("n_samples" if convention == "lecture" else "batch_size")
            continue
        values[convention] = convert(kappa, "kappa", convention, n_samples=n_samples, batch_size=batch_size,
                                     loss=loss, n_outputs=n_outputs)
    return StrengthTable(kappa, values, n_samples, batch_size, loss_kind(loss), missing)
