"""A batch's training loss, split into its data part and one term per penalty (what History and explain show)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


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
        return sum((float(term.value) for term in self.penalties), 0.0)

    @property
    def total(self) -> float:
        return self.data + self.penalty
