"""The numbers History records: a batch's loss split into its data part and one term per penalty, their
batch-size-weighted averages over an epoch, and each kernel's norm.

An epoch's ``loss`` is Σ_b n_b·L_b / Σ_b n_b over its batches (Keras), each L_b on the weights *before* that
batch's update; ``data_loss``, ``penalty_loss`` and one ``penalty/<layer>/<weight>`` per penalty term are averaged
the same way, with ``loss = data_loss + penalty_loss`` summed in that order, so the equality is exact.
``norm/<layer>/kernel`` is each kernel's Frobenius norm at the end of the epoch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np


class PenaltyTerm(NamedTuple):
    """One penalty in the training loss: ``layer``/``weight`` ('kernel', 'bias' or 'activity'), its regularizer
    and its ``value`` (activity penalties already divided by the batch size). A NamedTuple: one is made for every
    term on every step, so it must be cheap."""

    layer: str
    weight: str
    regularizer: Any
    value: float

    @property
    def key(self) -> str:
        return f"{self.layer}/{self.weight}"


@dataclass
class LossParts:
    """A batch's training loss, split: ``data`` + Σ ``penalties`` = ``total``."""

    data: float
    penalties: list[PenaltyTerm]

    @property
    def penalty(self) -> float:
        return sum([float(term.value) for term in self.penalties], 0.0)  # a list: cheaper than a generator

    @property
    def total(self) -> float:
        return self.data + self.penalty


class LossTotals:
    """Running batch-size-weighted sums of the data loss and of each penalty term."""

    def __init__(self) -> None:
        self.data, self.seen = 0.0, 0
        self.terms: dict[str, float] = {}

    def add(self, parts: LossParts, n: int) -> None:
        self.data += parts.data * n
        terms = self.terms
        for term in parts.penalties:
            key = term.key  # made once per term (a property: a new string each time)
            terms[key] = terms.get(key, 0.0) + float(term.value) * n
        self.seen += n

    def running_loss(self) -> float:
        return (self.data + sum(self.terms.values(), 0.0)) / self.seen

    def logs(self) -> dict[str, float]:
        data = self.data / self.seen
        terms = {f"penalty/{key}": total / self.seen for key, total in self.terms.items()}
        penalty = sum(terms.values(), 0.0)
        return {"loss": data + penalty, "data_loss": data, "penalty_loss": penalty, **terms}


def kernel_norms(weights: Iterable[Any]) -> dict[str, float]:
    """‖W‖_F of every kernel among ``weights``, keyed ``norm/<layer>/kernel``."""
    return {f"norm/{w.path}": float(np.sqrt(np.sum(np.square(w.value, dtype=np.float64))))
            for w in weights if w.name == "kernel"}
