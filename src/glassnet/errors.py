"""Exceptions glassnet raises beyond the built-in ValueError/TypeError."""

from __future__ import annotations


class ModelFileError(ValueError):
    """A model or weights file that cannot be loaded safely: truncated, corrupted, oversized, of another format
    version, or naming anything outside glassnet's allow-list. Loading never runs code from a file."""


class NonFiniteError(FloatingPointError):
    """NaN or inf appeared during training. ``epoch``, ``batch`` (both from 0), ``layer``, ``weight`` and ``part``
    (e.g. 'data gradient', 'penalty', 'weight') say where it first appeared; the model keeps the weights from
    before that step."""

    def __init__(self, message: str, *, layer: str | None = None, weight: str | None = None,
                 part: str | None = None, epoch: int | None = None, batch: int | None = None):
        super().__init__(message)
        self.detail, self.layer, self.weight, self.part = message, layer, weight, part
        self.epoch, self.batch = epoch, batch

    def located(self, epoch: int, batch: int) -> NonFiniteError:
        """The same error with the epoch and batch filled in (and said in the message)."""
        return NonFiniteError(f"NaN/inf in epoch {epoch}, batch {batch}, layer {self.layer!r}, weight "
                              f"{self.weight!r}: {self.detail}. The model keeps its weights from before this step.",
                              layer=self.layer, weight=self.weight, part=self.part, epoch=epoch, batch=batch)


class NotCompiledError(ValueError, RuntimeError):
    """``fit``/``evaluate`` before ``compile``. A ValueError (bad use of the API) and a RuntimeError, which is
    what Keras raises in the same case, so either ``except`` works."""
