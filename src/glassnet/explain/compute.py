"""What ``model.explain(x, y)`` computes: the loss, the gradient and the next update, each split into its data
part and its penalty part, for the current weights and optimizer state — without changing either.

- Loss: exactly what ``evaluate(x, y, batch_size)`` computes, reported as data loss + one value per penalty term.
- Gradients: of the training loss on all of ``x`` as one batch (mean over its rows), inference mode (dropout off).
- Updates: the optimizer's next step, computed by the optimizer itself on *copies* of its state
  (:meth:`glassnet.optimizers.Optimizer.step_parts`). ``data`` is the step the data gradient alone would take;
  ``penalty`` is what the penalty gradient adds (step(data + penalty) − step(data)); ``decay`` is the decoupled
  weight decay −(w·wd)·lr. For SGD the step is linear in the gradient, so the penalty part is SGD's step for the
  penalty gradient alone, −lr·penalty (Nesterov: −(1 + μ)·lr·penalty) — for an L2 kernel exactly −lr·2·l2·W; for
  Adam and RMSprop it is not proportional to W, because the step divides by the running gradient scale. The three
  parts add up to the real step up to float rounding (ulps).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.data import evaluate_arrays
from ..optimizers import SGD
from ..regularizers import L1L2
from ..regularizers.conventions import StrengthTable, strength_table

if TYPE_CHECKING:
    from ..engine.model import Sequential

Key = tuple[str, str]  # (layer name, weight name)


def _key(path: str) -> Key:
    """(layer name, weight name) from ``'<layer name>/<weight name>'``."""
    layer, weight = path.rsplit("/", 1)
    return layer, weight


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


@dataclass(frozen=True)
class PenaltyRecord:
    layer: str
    weight: str  # 'kernel', 'bias' or 'activity'
    regularizer: Any
    value: float


@dataclass(frozen=True)
class GradientParts:
    """∂J/∂w = ``data`` + ``penalty``."""

    data: np.ndarray
    penalty: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.data + self.penalty

    @property
    def data_norm(self) -> float:
        return _norm(self.data)

    @property
    def penalty_norm(self) -> float:
        return _norm(self.penalty)

    @property
    def ratio(self) -> float:
        """‖penalty‖ / ‖data‖ (inf when the data gradient is zero)."""
        return self.penalty_norm / self.data_norm if self.data_norm else float("inf")

    def __repr__(self) -> str:
        from ..display.explanation import parts_repr

        return parts_repr(self, ("data", "penalty"))


@dataclass(frozen=True)
class UpdateParts:
    """The next change of w, Δw = ``data`` + ``penalty`` + ``decay`` (before any constraint projects w)."""

    data: np.ndarray
    penalty: np.ndarray
    decay: np.ndarray
    shrink_factor: float | None = None  # w ← factor·w from the penalty/decay alone, where that is exact

    @property
    def total(self) -> np.ndarray:
        return self.data + self.penalty + self.decay

    def norms(self) -> dict[str, float]:
        return {"data": _norm(self.data), "penalty": _norm(self.penalty), "decay": _norm(self.decay)}

    def __repr__(self) -> str:
        from ..display.explanation import parts_repr

        return parts_repr(self, ("data", "penalty", "decay"))[:-1] + f", shrink_factor={self.shrink_factor!r})"


@dataclass(frozen=True)
class DecayComparison:
    """Decoupled decay of one weight next to the coupled L2 with the same coefficient (κ = wd)."""

    decay_step: np.ndarray   # −(w·wd)·lr, what the optimizer does
    l2_step: np.ndarray      # step(g + wd·w) − step(g): what an L2 penalty with κ = wd adds to the *next* step

    @property
    def identical(self) -> bool:
        """Whether the *next* steps agree. With momentum they do, yet the L2 gradient also stays in the momentum
        buffer and acts again later (1/(1 − μ) times in all), which decoupled decay never does."""
        return bool(np.allclose(self.decay_step, self.l2_step, rtol=1e-6, atol=0))

    @property
    def ratio(self) -> float:
        """‖decay step‖ / ‖L2 step‖."""
        l2 = _norm(self.l2_step)
        return _norm(self.decay_step) / l2 if l2 else float("inf")

    def __repr__(self) -> str:
        from ..display.explanation import parts_repr

        return parts_repr(self, ("decay_step", "l2_step"))


def l2_factor(regularizer: Any) -> float | None:
    """The Keras l2 factor of an L2-type regularizer (L2, L2.from_lecture, L1L2 without l1), else None."""
    if isinstance(regularizer, L1L2) and not regularizer.l1 and regularizer.l2:
        return regularizer.l2
    return None


@contextlib.contextmanager
def model_untouched(model: Sequential) -> Iterator[None]:
    """Put back everything a forward/backward pass writes: the state's gradient buffers' *contents*
    (``layer.grads`` holds views of them) and caches, and each layer's caches and ``layer.grads``. Weights,
    optimizer state and generators are only read by explain."""
    state = model.state
    saved_state = state.snapshot()
    saved_layers = [(layer, layer.save_caches()) for layer in model.layers]
    try:
        yield
    finally:
        state.restore(saved_state)
        for layer, saved in saved_layers:
            layer.restore_caches(saved)


def compute(model: Sequential, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None, batch_size: int,
            n_samples: int, train_batch_size: int) -> dict[str, Any]:
    optimizer = model.compiled_optimizer
    with model_untouched(model):
        logs = evaluate_arrays(model, x, y, sample_weight, batch_size)
        output = model.forward(x, training=False, need_gradients=True)
        model.backward(output, y, sample_weight)
        state = model.state
        keys = [_key(w.path) for w in state.weights]
        gradients = {key: GradientParts(data.copy(), penalty.copy())
                     for key, data, penalty in zip(keys, state.data_views, state.penalty_views)}
        steps = optimizer.step_parts(state)  # the optimizer's own arithmetic, on copies of its state

    regularizers = {(layer.name, "activity"): layer.activity_regularizer for layer in model.layers}
    regularizers.update({(layer.name, w.name): w.regularizer for layer in model.layers for w in layer.weights})
    penalty_keys = [(_key(key.removeprefix("penalty/")), value) for key, value in logs.items()
                    if key.startswith("penalty/")]
    penalties = [PenaltyRecord(*key, regularizers[key], value) for key, value in penalty_keys]

    weights = list(state.weights)
    lr, step = optimizer.learning_rate, optimizer.iterations + 1
    wd = optimizer.weight_decay or 0.0  # applied only to the weights it decays
    clips = any(getattr(optimizer, name) for name in ("clipnorm", "clipvalue", "global_clipnorm"))
    # Only a plain SGD step is linear in w, so only there is "shrinks by a factor" exact.
    plain_sgd = isinstance(optimizer, SGD) and not optimizer.momentum and not clips
    totals = [gradients[key].total.astype(w.dtype) for key, w in zip(keys, weights)]

    updates, comparisons = {}, {}
    for index, (key, w, parts) in enumerate(zip(keys, weights, steps)):
        decayed = optimizer.uses_weight_decay(w)
        factor = None
        l2 = l2_factor(w.regularizer)
        if plain_sgd and (l2 or decayed):
            factor = 1 - 2 * lr * (l2 or 0.0) - lr * (wd if decayed else 0.0)
        updates[key] = UpdateParts(parts.data, parts.penalty, parts.decay, factor)
        if decayed:
            # What an L2 penalty with κ = wd would add to the next step: Δ(g + wd·w) − Δ(g) for this weight.
            shifted = [g + (w.dtype.type(wd) * w.value if i == index else 0)
                       for i, g in enumerate(totals)]
            l2_step = optimizer.preview(shifted, weights)[index] - optimizer.preview(totals, weights)[index]
            comparisons[key] = DecayComparison(parts.decay, l2_step)

    strengths: dict[Key, StrengthTable] = {}
    for layer in model.layers:
        for w in layer.weights:
            l2 = l2_factor(w.regularizer)
            if l2 is not None:
                strengths[(layer.name, w.name)] = strength_table(
                    l2, "keras", n_samples=n_samples, batch_size=train_batch_size, loss=model.loss,
                    n_outputs=model.output_width(x.shape[1]))
    return {"data_loss": logs["data_loss"], "penalties": penalties, "total_loss": logs["loss"],
            "gradients": gradients, "updates": updates, "strengths": strengths, "decay_vs_l2": comparisons,
            "learning_rate": lr, "step": step, "plain_sgd": plain_sgd}
