"""What the data and the network's units say that changes how to read an explanation.

- **Input scale**: the data gradient of the first kernel is ∂L/∂W₁ = xᵀ·δ/B, proportional to the inputs, while its L2
  gradient 2·l2·W₁ is not. On raw features of scale 10³ the penalty looks negligible next to the data term (and the
  training is badly conditioned) — a learner concludes that L2 does nothing. Features are "far from unit scale"
  when a feature's standard deviation lies outside [0.1, 10] or its mean is more than 3 of its standard deviations
  away from 0 (a constant feature counts when its value is outside [−3, 3]). The input checked is the one the first
  layer with a kernel receives, so a model that starts with ``Normalization`` is judged after it.
- **Dead ReLU units**: a ReLU unit whose output is 0 on every row gets no data gradient at all; its incoming weights
  then only feel the penalty, which shrinks them toward 0 unopposed.
- **Target scale**: for a regression loss, targets of scale 10³ make the data loss ~10⁶ and its gradient huge, so
  the same penalty is negligible; the same unit-scale rule applies to each target column.
- **One class**: for a cross-entropy, rows of a single class cannot show how well classes are separated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..regularizers.conventions import loss_kind

if TYPE_CHECKING:
    from ..engine.model import Sequential

#: A feature is at unit scale when LOW ≤ std ≤ HIGH and |mean| ≤ SHIFT·std (see the module docstring).
SCALE_LOW, SCALE_HIGH, SHIFT = 0.1, 10.0, 3.0


@dataclass(frozen=True)
class InputScale:
    """The feature of the first kernel's input that is farthest from unit scale."""

    feature: int
    mean: float
    std: float


@dataclass
class Diagnostics:
    """``input_scale`` (None when every feature is at unit scale), ``dead_units`` {layer: (dead, units)} for ReLU
    layers with dead units, ``classes``: the distinct labels of a cross-entropy's targets (None otherwise)."""

    input_scale: InputScale | None = None
    target_scale: InputScale | None = None
    dead_units: dict[str, tuple[int, int]] = field(default_factory=dict)
    classes: list[float] | None = None


def diagnose(model: Sequential, x: np.ndarray, y: np.ndarray) -> Diagnostics:
    """Run ``x`` through the layers in inference mode and collect the diagnostics. The caller restores what the
    forward pass caches (explain runs it inside ``model_untouched``)."""
    result = Diagnostics()
    out, scale_checked = x, False
    for layer in model.layers:
        if not scale_checked and "kernel" in layer.weight_names:
            result.input_scale, scale_checked = _farthest_feature(out), True
        out = layer.forward(out, training=False)
        if getattr(getattr(layer, "activation", None), "name", None) == "relu":
            dead = int(np.sum(~np.any(out > 0, axis=0)))
            if dead:
                result.dead_units[layer.name] = (dead, int(out.shape[1]))
    if loss_kind(model.loss) == "cross_entropy":
        labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
        result.classes = [float(v) for v in np.unique(labels)]
    else:
        result.target_scale = _farthest_feature(y.reshape(len(y), -1))
    return result


def _farthest_feature(inputs: np.ndarray) -> InputScale | None:
    """The feature farthest from unit scale, or None when all are at unit scale."""
    mean = inputs.mean(axis=0, dtype=np.float64)  # (features,); np.mean's stub would add a scalar result
    std = inputs.std(axis=0, dtype=np.float64)
    spread = np.where(std > 0, std, 1.0)
    # How far from unit scale, on a log scale: 0 inside [LOW, HIGH]; the mean counts in units of the spread.
    badness = np.maximum(np.abs(np.log10(spread)) - 1.0, 0) * (std > 0)
    badness = badness + np.maximum(np.abs(mean) / spread - SHIFT, 0)
    worst = int(np.argmax(badness))
    if badness[worst] <= 0:
        return None
    return InputScale(worst, float(mean[worst]), float(std[worst]))


def notes(diagnostics: Diagnostics, model: Any) -> list[str]:
    """Sentences for the explanation's "What this means" section."""
    out = []
    scale = diagnostics.input_scale
    if scale is not None:
        out.append(f"The inputs of the first kernel are far from unit scale (feature {scale.feature}: mean "
                   f"{scale.mean:.3g}, std {scale.std:.3g}). Its data gradient xᵀ·δ/B grows with the inputs while "
                   "the L2 gradient 2·l2·W does not, so the penalty looks negligible here and training is badly "
                   "conditioned: standardize the features (e.g. a Normalization layer adapted on the training "
                   "rows) before judging what L2 does.")
    target = diagnostics.target_scale
    if target is not None:
        out.append(f"The targets are far from unit scale (column {target.feature}: mean {target.mean:.3g}, std "
                   f"{target.std:.3g}), so the data loss and its gradient are measured in those units and a penalty "
                   "of the usual size looks negligible: standardize the targets for training (and undo it on the "
                   "predictions), or expect to need a much larger λ.")
    for layer, (dead, units) in diagnostics.dead_units.items():
        out.append(f"Layer {layer}: {dead} of {units} ReLU units output 0 on every row (dead). They get no data "
                   "gradient, so a penalty on their incoming weights shrinks those weights toward 0 unopposed.")
    if diagnostics.classes is not None and len(diagnostics.classes) == 1:
        out.append(f"The rows explained hold only one class (label {diagnostics.classes[0]:g}): their loss and "
                   "accuracy cannot show how well the classes are separated. Explain on rows of every class "
                   "(e.g. a stratified validation set).")
    return out
