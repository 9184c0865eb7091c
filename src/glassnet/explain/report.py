"""How an :class:`~glassnet.explain.Explanation` is shown: plain text, HTML for notebooks, a JSON-able dict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..optimizers import SGD, Adam, RMSprop
from .compute import l2_factor

if TYPE_CHECKING:
    from . import Explanation


def _key(key: tuple[str, str]) -> str:
    return "/".join(key)


def _how_the_step_uses_it(optimizer: Any) -> str:
    """How an optimizer other than plain SGD turns a gradient into a step, in a clause."""
    name = type(optimizer).__name__
    if isinstance(optimizer, SGD) and optimizer.momentum:
        mu = optimizer.momentum
        return (f"SGD with momentum μ = {mu:g} accumulates it: the penalty gradient enters the velocity with the data "
                f"gradient and keeps acting on later steps, 1/(1 − μ) = {1 / (1 - mu):.4g}× in all")
    if isinstance(optimizer, SGD):
        return "SGD's gradient clipping rescales it together with the data gradient"
    return f"{name} divides it, together with the data gradient, by a running gradient scale"


def notes(model: Any, parts: dict[str, Any]) -> list[str]:
    """Sentences that say what the numbers mean for this model and optimizer."""
    out = []
    optimizer, lr = model.optimizer, parts["learning_rate"]
    for layer in model.layers:
        for w in layer.weights:
            l2 = l2_factor(w.regularizer)
            if l2 is None:
                if w.regularizer is not None:
                    out.append(f"{w.path}: {w.regularizer!r} adds its gradient (for L1: l1·sign(w), a constant-size "
                               "pull toward 0 rather than a shrink by a factor) to this weight only.")
                continue
            where = "set on the layer" if w.regularizer_source == "layer" else "set at compile()"
            if parts["plain_sgd"]:
                out.append(f"{w.path}: {w.regularizer!r} ({where}) adds 2·l2·W = {2 * l2:.4g}·W to the gradient, so "
                           f"every SGD step first shrinks the weights by the factor 1 − 2·lr·l2 = "
                           f"{1 - 2 * lr * l2:.6g}, then takes the data step. Only this weight is touched.")
            else:
                out.append(f"{w.path}: {w.regularizer!r} ({where}) adds {2 * l2:.4g}·W to this weight's gradient "
                           f"only; {_how_the_step_uses_it(optimizer)}, so the penalty's effect on the step is not "
                           "a fixed shrink factor.")
    if any(layer.activity_regularizer is not None for layer in model.layers):
        out.append("Activity penalties depend on a layer's output, so their gradient flows back through every "
                   "layer below it (included in those weights' penalty parts).")
    if optimizer.weight_decay:
        if parts["plain_sgd"]:
            kind = "equal to an L2 penalty with κ = wd (plain SGD: both shrink w by lr·wd·w per step)"
        elif isinstance(optimizer, SGD) and optimizer.momentum:
            mu = optimizer.momentum
            kind = (f"not an L2 penalty: the next step is the same, but an L2 gradient also enters the momentum "
                    f"buffer and keeps acting, 1/(1 − μ) = {1 / (1 - mu):.4g}× in all, while the decay acts once")
        else:
            kind = ("not an L2 penalty: the decay −lr·wd·w bypasses the adaptive scaling an L2 gradient goes "
                    "through (see decay_vs_l2)")
        out.append(f"Decoupled weight_decay={optimizer.weight_decay} is {kind}.")
    if isinstance(optimizer, (Adam, RMSprop)):
        out.append(f"{type(optimizer).__name__} divides each step by a running gradient scale, so the penalty part "
                   "of the update is step(data + penalty) − step(data), not a multiple of W.")
    if any(type(layer).__name__ == "Dropout" for layer in model.layers):
        out.append("Dropout is off in this explanation (inference mode), so gradients are deterministic.")
    for layer, after in zip(model.layers, model.layers[1:]):  # an L2 kernel whose scale batch norm divides out
        kernel = getattr(layer, "kernel", None)
        if type(after).__name__ == "BatchNormalization" and kernel is not None and \
                getattr(layer.activation, "name", None) == "linear" and l2_factor(kernel.regularizer) is not None:
            out.append(f"{kernel.path}: {after.name} (BatchNormalization) follows it, so in training the output "
                       "does not depend on this kernel's scale (c·W gives the same function for every c > 0): the "
                       "L2 penalty cannot constrain the function. It shrinks ‖W‖, and since the data gradient "
                       "scales like 1/‖W‖, the step on W's direction grows like lr/‖W‖² — the penalty acts as a "
                       "growing effective learning rate. (Here batch normalization uses its moving statistics: "
                       "inference mode.)")
    return out


def as_text(e: Explanation) -> str:
    lines = [f"Explanation of {e.model_name!r} on {e.n_rows} rows — optimizer {e.optimizer}, next step {e.step}, "
             f"lr = {e.learning_rate:.6g}", "", "Loss (what evaluate() reports, split)"]
    lines.append(f"  {'data loss':44s} {e.data_loss:12.6f}")
    for p in e.penalties:
        lines.append(f"  {'penalty ' + p.layer + '/' + p.weight + '  ' + repr(p.regularizer):44s} {p.value:12.6f}")
    lines.append(f"  {'total loss = data + penalties':44s} {e.total_loss:12.6f}")
    lines += ["", f"Gradients of the loss on all {e.n_rows} rows  (‖·‖ = Frobenius norm)",
              f"  {'weight':24s} {'‖data‖':>12s} {'‖penalty‖':>12s} {'penalty/data':>13s}"]
    for key, g in e.gradients.items():
        lines.append(f"  {_key(key):24s} {g.data_norm:12.5g} {g.penalty_norm:12.5g} {g.ratio:13.4g}")
    lines += ["", "Next update Δw = data part + penalty part + decay part",
              f"  {'weight':24s} {'‖data‖':>12s} {'‖penalty‖':>12s} {'‖decay‖':>12s}  shrink factor"]
    for key, u in e.updates.items():
        n = u.norms()
        factor = f"{u.shrink_factor:.6g}" if u.shrink_factor is not None else "-"
        lines.append(f"  {_key(key):24s} {n['data']:12.5g} {n['penalty']:12.5g} {n['decay']:12.5g}  {factor}")
    if e.decay_vs_l2:
        lines += ["", "Decoupled weight decay vs an L2 penalty with the same coefficient (κ = wd)",
                  f"  {'weight':24s} {'‖decay step‖':>14s} {'‖L2 step‖':>12s} {'ratio':>8s}  same next step?"]
        for key, c in e.decay_vs_l2.items():
            decay_norm = float((c.decay_step.astype(float) ** 2).sum() ** 0.5)
            l2_norm = float((c.l2_step.astype(float) ** 2).sum() ** 0.5)
            lines.append(f"  {_key(key):24s} {decay_norm:14.5g} {l2_norm:12.5g} {c.ratio:8.4g}  "
                         f"{'yes' if c.identical else 'no'}")
    if e.strengths:
        lines += ["", f"The same strength in other conventions (m = {e.n_samples} training rows, "
                      f"batch size B = {e.batch_size}, same objective up to a constant factor)"]
        for key, table in e.strengths.items():
            lines.append(f"  {_key(key):24s} " + "  ".join(_strength_cells(table)))
    if e.notes:
        lines += ["", "What this means"] + [f"  - {note}" for note in e.notes]
    return "\n".join(lines)


_PARAMETERS = {"keras": "keras l2", "lecture": "lecture λ", "torch": "torch weight_decay", "sklearn": "sklearn α",
               "playground": "playground rate"}


def _strength_cells(table: Any) -> list[str]:
    """'keras l2=0.01', 'lecture λ=9.1', ..., or why a convention has no value ('playground rate: n/a ...')."""
    cells = []
    for convention, label in _PARAMETERS.items():
        value = table.values[convention]
        cells.append(f"{label}={value:.6g}" if value is not None else
                     f"{label}: {(table.missing or {}).get(convention, 'n/a')}")
    return cells


def as_dict(e: Explanation) -> dict[str, Any]:
    return {
        "model": e.model_name, "optimizer": e.optimizer, "n_rows": e.n_rows, "n_samples": e.n_samples,
        "batch_size": e.batch_size, "learning_rate": e.learning_rate, "step": e.step,
        "data_loss": e.data_loss, "total_loss": e.total_loss, "penalty_loss": e.penalty_loss,
        "penalties": [{"layer": p.layer, "weight": p.weight, "regularizer": repr(p.regularizer), "value": p.value}
                      for p in e.penalties],
        "gradients": {_key(k): {"data": g.data.tolist(), "penalty": g.penalty.tolist(), "data_norm": g.data_norm,
                                "penalty_norm": g.penalty_norm, "ratio": g.ratio}
                      for k, g in e.gradients.items()},
        "updates": {_key(k): {"data": u.data.tolist(), "penalty": u.penalty.tolist(), "decay": u.decay.tolist(),
                              "norms": u.norms(), "shrink_factor": u.shrink_factor}
                    for k, u in e.updates.items()},
        "strengths": {_key(k): t.to_dict() for k, t in e.strengths.items()},
        "decay_vs_l2": {_key(k): {"decay_step": c.decay_step.tolist(), "l2_step": c.l2_step.tolist(),
                                  "ratio": c.ratio, "identical": c.identical} for k, c in e.decay_vs_l2.items()},
        "notes": list(e.notes),
    }


def as_html(e: Explanation) -> str:
    """Every section of the text report as headed HTML tables (Jupyter's rich display):
    :mod:`glassnet.display.explanation`."""
    from ..display.explanation import explanation_html

    return explanation_html(e)
