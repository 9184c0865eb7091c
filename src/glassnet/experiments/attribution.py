"""The direct part of a kernel's change: Σ over all steps of the penalty part of its updates, added up during fit.

The penalty part of one update is what :meth:`~glassnet.optimizers.Optimizer.step_parts` calls ``penalty``:
Δ(data + penalty) − Δ(data), the step the optimizer takes minus the step the data gradient alone would take
(for plain SGD exactly −lr·penalty; for Adam not proportional to W). :class:`PenaltySum` is a step observer
(``model.step_observers``: called after backward, before each update) that adds these up, in float64, in one of two
ways that differ only in float rounding:

- **exact** — ``optimizer.step_parts(state)`` every step: two previews of the step on copies of the optimizer's
  state (data alone; data + penalty), about as much work again as the training step itself;
- **fast** (the default where it is valid) — one preview, of the data step, per step; the data + penalty step is
  the update the optimizer really applies, read from θ: Σ_t Δ(data + penalty)_t = θ_end − θ_start. So
  direct = (θ_end − θ_start) − Σ_t Δ(data)_t, both in float64. It differs from the exact sum only by the rounding
  of each applied update to the weights' float type (float32: about 1e-7 of |w| per step). Valid when the update is
  Δ(data + penalty) and nothing else: no decoupled weight decay, no constraint; otherwise the observer is exact.

A kernel without a penalty has a penalty gradient of exactly 0, so its penalty part Δ(data + 0) − Δ(data) is
exactly 0 at every step (``step_parts`` computes both terms with the same arithmetic on the same numbers): the fast
way records 0 for it without computing anything, the exact way adds up the zeros.

Either way the optimizer's own arithmetic computes every step; nothing here re-implements an update rule.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import numpy as np


def _checksum(theta: np.ndarray) -> str:
    return hashlib.sha256(theta.tobytes()).hexdigest()[:16]


class PenaltySum:
    """Step observer that adds up each kernel's penalty parts (module docstring).

    Parameters
    ----------
    parts : bool
        False: only the checksum of θ before the first update (``initial``), which every study fit records so
        twins can be checked to start alike; nothing per step.
    penalized : sequence of bool
        Per kernel (layer order), whether it carries a penalty.
    exact : bool or None
        True: ``step_parts`` every step; None: the fast way when it is valid for the optimizer and weights.
    """

    def __init__(self, parts: bool, penalized: tuple[bool, ...] = (), exact: bool | None = None):
        self.parts, self.penalized, self.exact = parts, tuple(penalized), exact
        self.initial: str | None = None
        self._kernels: list[int] = []          # indices of the kernels among state.weights
        self._sums: list[np.ndarray] = []      # exact: Σ penalty parts; fast: Σ data steps (float64)
        self._start: np.ndarray | None = None  # fast: θ before the first update, float64

    def __call__(self, state: Any, optimizer: Any) -> None:
        if self.initial is None:
            self.initial = _checksum(state.theta)
            if self.parts:
                self._begin(state, optimizer)
        if not self.parts:
            return
        if self.exact:
            steps = [part.penalty for part in optimizer.step_parts(state)]
        else:
            steps = optimizer.preview(state.data_views, state.weights)  # the data step alone, on copies
        for total, index in zip(self._sums, self._kernels):
            total += steps[index]

    def _begin(self, state: Any, optimizer: Any) -> None:
        self._kernels = [i for i, weight in enumerate(state.weights) if weight.name == "kernel"]
        if len(self.penalized) != len(self._kernels):
            raise ValueError(f"Argument `penalized` must hold one flag per kernel ({len(self._kernels)}). "
                             f"Received: penalized={self.penalized!r}")
        fast_is_valid = not optimizer.weight_decay and all(w.constraint is None for w in state.weights)
        self.exact = bool(self.exact) or not fast_is_valid
        self._sums = [np.zeros(state.weights[i].value.shape, np.float64) for i in self._kernels]
        if not self.exact:
            self._start = state.theta.astype(np.float64)

    def sums(self, state: Any) -> list[np.ndarray]:
        """The direct part of each kernel (layer order, float64) after the fit; zeros when nothing was added up."""
        if not self.parts or not self._kernels:
            return [np.zeros(w.value.shape, np.float64) for w in state.weights if w.name == "kernel"]
        if self.exact:
            return [total.copy() for total in self._sums]
        applied = state.theta.astype(np.float64) - cast(np.ndarray, self._start)  # set by _begin for the fast way
        return [(state.view(applied, i) - data) if penalized else np.zeros_like(data)
                for i, data, penalized in zip(self._kernels, self._sums, self.penalized)]
