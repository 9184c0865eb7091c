"""A layer study told in plain words, generated from its numbers (the lecture's vocabulary: J_train, J_cv, λ).

Each sentence is a reading of the numbers with the rule written here:

- a norm **grows** or **shrinks** when it moves by more than 5 % from the placement ``'none'``; else it is
  **about the same**;
- **balanced** kernels: the largest mean norm is at most 1.5× the smallest (and the ratio without a penalty is
  larger);
- a validation data loss is **lower** or **higher** than without a penalty when the mean of the twins' paired
  differences (same fold and seed) is more than one standard error of that mean from 0; else **the same within
  the noise**;
- a penalized kernel's gradients are **balanced** at the end when their mean cosine is below −0.8.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .placements import NONE

if TYPE_CHECKING:
    from .study_results import LayerStudy

#: A norm that moves by less than this fraction is "about the same".
SAME_NORM = 0.05
#: Kernels whose largest mean norm is at most this many times the smallest are "balanced".
BALANCED_SPREAD = 1.5
#: Mean cosines below this are "balanced": the data gradient pushes back on the penalty's pull.
BALANCED_COSINE = -0.8


def _layer(name: str) -> str:
    return "W" + name.removeprefix("layer_")


def _move(before: float, after: float) -> str:
    change = after / before - 1 if before else math.inf
    verb = "grows" if change > SAME_NORM else "shrinks" if change < -SAME_NORM else "stays about the same"
    return f"{verb} ({before:.2f} → {after:.2f}, {change:+.0%})"


def _paired(study: LayerStudy, placement: str, key: str) -> tuple[float, float]:
    """Mean and standard error of record[key] − its 'none' twin's, over the twins (same fold and seed)."""
    reference = {(r["fold"], r["seed"]): r[key] for r in study.runs(NONE)}
    gaps = np.array([r[key] - reference[(r["fold"], r["seed"])] for r in study.runs(placement)], dtype=np.float64)
    sem = float(np.std(gaps, ddof=1) / math.sqrt(len(gaps))) if len(gaps) > 1 else 0.0
    return float(np.mean(gaps)), sem


def _norms_paragraph(study: LayerStudy, name: str) -> str:
    norms, none = study.kernel_norms[name], study.kernel_norms[NONE]
    strengths = study.placements[name]
    hit = [layer for layer, s in zip(study.layers, strengths) if s > 0]
    if not hit:
        return f"{name}: no layer carries a penalty, so this is 'none' again."
    moves = {layer: _move(before, after) for layer, before, after in zip(study.layers, none, norms)}
    text = f"Penalty on {'every layer' if len(hit) == len(study.layers) else ', '.join(hit)}: "
    text += "; ".join(f"‖{_layer(layer)}‖" + ("" if layer in hit else " (no penalty)") + f" {moves[layer]}"
                      for layer in study.layers) + "."
    if len(study.layers) > 1:
        spread, spread_none = max(norms) / min(norms), max(none) / min(none)
        text += f" The largest kernel norm is {spread:.2f}× the smallest (without a penalty: {spread_none:.2f}×)"
        text += ": the layers are balanced." if spread <= BALANCED_SPREAD < spread_none else "."
    return text


def _loss_paragraph(study: LayerStudy) -> str:
    mean, sd = study.score(NONE, "val_data_loss")
    parts = [f"The validation data loss J_cv (without the penalty) is {mean:.4f} ± {sd:.4f} with no penalty"]
    single = len(study.runs(NONE)) == 1
    if single:
        parts[0] = f"The validation data loss J_cv (without the penalty) is {mean:.4f} with no penalty"
    for name in study.names:
        if name == NONE:
            continue
        value, value_sd = study.score(name, "val_data_loss")
        gap, sem = _paired(study, name, "val_data_loss")
        if single:
            parts.append(f"{name}: {value:.4f} ({gap:+.4f})")
            continue
        verdict = "lower" if gap < -sem else "higher" if gap > sem else "the same within the noise"
        parts.append(f"{name}: {value:.4f} ± {value_sd:.4f} ({verdict}: {gap:+.4f} ± {sem:.4f} against its twins)")
    text = "; ".join(parts) + "."
    return text + (" One fit per placement gives no estimate of the noise: run more seeds or folds before reading "
                   "a difference as real." if single else "")


def _balance_paragraph(study: LayerStudy) -> str | None:
    """Which penalized kernels end balanced (mean cosine < BALANCED_COSINE), and which do not."""
    entries = [(name, layer, c, r) for name in study.names
               for layer, c, r, s in zip(study.layers, study.gradient_cosine[name], study.gradient_ratio[name],
                                         study.placements[name]) if s > 0 and math.isfinite(c)]
    if not entries:
        return None
    balanced = [entry for entry in entries if entry[2] < BALANCED_COSINE]
    rest = [entry for entry in entries if entry[2] >= BALANCED_COSINE]
    text = "At the end of training, "
    if balanced:
        cosines, ratios = [entry[2] for entry in balanced], [entry[3] for entry in balanced]
        text += (f"the data gradient and the penalty gradient of {len(balanced)} of the {len(entries)} penalized "
                 f"kernels point in nearly opposite directions (cosine {max(cosines):.2f} … {min(cosines):.2f}, "
                 f"‖penalty‖/‖data‖ {min(ratios):.2f} … {max(ratios):.2f}): the penalty's pull towards 0 is held by "
                 "the data's push. That balance is what L2 does at the end of training: it decides where the "
                 "weights stop.")
    if rest:
        text += (" Not balanced: " if balanced else "no penalized kernel is balanced yet: ") + ", ".join(
            f"{layer} under {name!r} (cosine {c:.2f}, ratio {r:.2f})" for name, layer, c, r in rest)
        text += (" — with a penalty on one layer alone the network can keep drifting (the penalized kernel shrinks "
                 "while its neighbours keep growing), or the training has not reached its end state.")
    return text


def _attribution_paragraph(study: LayerStudy) -> str:
    lines = []
    for name in study.names:
        if name == NONE:
            continue
        parts = study.attribution(name)
        words = ", ".join(f"‖{_layer(p.layer)}‖ direct {p.direct_norm:.2f}, indirect {p.indirect_norm:.2f}"
                          for p in parts)
        lines.append(f"{name}: {words}")
    return ("How each kernel's change W − W_none splits (first fold and seed): the direct part is the sum of the "
            "penalty's own steps, the indirect part the rest — the data gradient steering elsewhere because the "
            "weights are elsewhere. A layer without a penalty has a direct part of exactly 0: its change is all "
            "indirect. " + "; ".join(lines) + ".")


def paragraphs(study: LayerStudy) -> list[str]:
    """The summary: norms per placement, why neighbours grow, J_cv, the balance, the attribution, the verdict."""
    found: list[Any] = [f"Layer study: {study.strength_text} ({study.config.get('regularizer', 'l2').upper()}) "
                        f"on each placement, {len(study.runs(NONE))} fit(s) per placement (folds × seeds), the "
                        "same initial weights and batches for every placement."]
    found += [_norms_paragraph(study, name) for name in study.names if name != NONE]
    singles = [name for name in study.names if name.startswith("layer_")]
    grew = any(after > before * (1 + SAME_NORM)
               for name in singles for after, before, s in zip(study.kernel_norms[name], study.kernel_norms[NONE],
                                                               study.placements[name]) if s == 0)
    if grew:
        found.append("Why the unpenalized neighbours grow: a ReLU layer is positively homogeneous, relu(c·z) = "
                     "c·relu(z) for c > 0, so scaling one layer's weights by c and the next layer's kernel by 1/c "
                     "computes the same function. A penalty on one layer is partly escaped by moving scale to the "
                     "layers next to it; a penalty on every layer cannot be escaped that way and balances them.")
    found += [_loss_paragraph(study), _balance_paragraph(study), _attribution_paragraph(study)]
    verdict = study.verdict()
    found.append("Bias/variance: " + "; ".join(f"{row.label}: {row.verdict}" for row in verdict.rows) + ".")
    return [text for text in found if text]
