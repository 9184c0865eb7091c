"""Where each weight's penalty comes from: its own layer, or the model's ``compile(regularizer=...)``.

Keras sets regularization per layer (``Dense(..., kernel_regularizer=L2(0.01))``). A penalty only ever touches
the weight it is computed from, so nothing forces that choice: glassnet also takes it once at ``compile()`` and
hands it to every Dense kernel (and bias, with ``regularize_bias=True``) that has no regularizer of its own.
A layer's own regularizer always wins. Training is bitwise the same either way: the very same regularizer object
ends up on the same weights.

``compile(lam=λ)`` takes the strength in the lecture's convention, J = (1/m)·ΣL + (λ/2m)·Σw², and resolves it to
``L2.from_lecture(λ, m, loss)`` = L2(λ/2m) (L2(λ/m) for squared error, whose lecture cost carries a ½) once
m, the training-set size, is known: from ``n_samples=`` or from the
rows ``fit`` trains on (after any validation split).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._validation import check_nonnegative_float, check_positive_int
from . import penalties


@dataclass(frozen=True)
class CompileRegularization:
    """The ``compile()`` arguments about regularization, validated."""

    regularizer: penalties.Regularizer | None = None
    regularize_bias: bool = False
    lam: float | None = None
    n_samples: int | None = None

    @classmethod
    def from_arguments(cls, regularizer: Any, regularize_bias: Any, lam: Any,
                       n_samples: Any) -> CompileRegularization:
        if not isinstance(regularize_bias, bool):
            raise TypeError(f"Argument `regularize_bias` must be a bool. Received: regularize_bias={regularize_bias!r}")
        if n_samples is not None:
            n_samples = check_positive_int("n_samples", n_samples)
        if lam is None:
            if n_samples is not None:
                raise ValueError("Argument `n_samples` only matters with `lam=` (the lecture's λ). "
                                 f"Received: n_samples={n_samples}, lam=None")
            return cls(penalties.get(regularizer, "regularizer"), regularize_bias)
        lam = check_nonnegative_float("lam", lam)
        if regularizer not in (None, "l2") and type(regularizer) is not penalties.L2:
            raise ValueError("Argument `lam` is the lecture's L2 strength λ; it goes with regularizer='l2' (or "
                             f"none). Received: regularizer={regularizer!r}, lam={lam}")
        if isinstance(regularizer, penalties.L2):
            raise ValueError("Give the strength once: either regularizer=L2(l2) or lam=λ. "
                             f"Received: regularizer={regularizer!r}, lam={lam}")
        return cls(None, regularize_bias, lam, n_samples)

    @property
    def pending(self) -> bool:
        """True while a lecture λ waits for m."""
        return self.lam is not None and self.regularizer is None

    def with_training_size(self, m: int, loss: Any = None) -> CompileRegularization:
        """Resolve ``lam`` with m rows (``n_samples`` from compile wins if it was given) for a model trained with
        ``loss`` (squared error carries the lecture's ½: see :meth:`glassnet.regularizers.L2.from_lecture`)."""
        if self.lam is None:
            return self
        m = self.n_samples or m
        return CompileRegularization(penalties.L2.from_lecture(self.lam, m, loss), self.regularize_bias,
                                     self.lam, self.n_samples)


def _from_compile(weight_name: str, plan: CompileRegularization) -> bool:
    """Whether the compile-level regularizer goes on weights of this name (kernels; biases on request)."""
    return weight_name == "kernel" or (weight_name == "bias" and plan.regularize_bias)


def effective_regularizer(layer: Any, weight_name: str, plan: CompileRegularization) -> tuple[Any, str | None]:
    """(regularizer, source) of ``layer``'s weight ``weight_name``: the layer's own ``<name>_regularizer`` wins
    ('layer'); else the compile-level one for kernels (and biases with ``regularize_bias``) ('compile'); else
    (None, None). Works before the layer is built."""
    own = getattr(layer, f"{weight_name}_regularizer", None)
    if own is not None:
        return own, "layer"
    if _from_compile(weight_name, plan) and plan.regularizer is not None:
        return plan.regularizer, "compile"
    return None, None


def install(layers: Iterable[Any], plan: CompileRegularization) -> None:
    """Set every weight's effective regularizer and its source ('layer', 'compile' or None)."""
    for layer in layers:
        for weight in layer.weights:
            weight.regularizer, weight.regularizer_source = effective_regularizer(layer, weight.name, plan)


def describe(layer: Any, plan: CompileRegularization) -> str:
    """The Regularization column of ``summary()`` for one layer, e.g. ``kernel: L2(l2=0.01) [layer]`` — from the
    declared arguments and the compile-level plan, so it is right before the model is built too. A compile-level
    λ that still waits for m reads ``kernel: L2 with the lecture's λ = 0.7 (m at fit) [compile]``."""
    parts = []
    for name in layer.weight_names:
        regularizer, source = effective_regularizer(layer, name, plan)
        if regularizer is not None:
            parts.append(f"{name}: {regularizer!r} [{source}]")
        elif plan.pending and _from_compile(name, plan):
            parts.append(f"{name}: L2 with the lecture's λ = {plan.lam:g} (m at fit) [compile]")
    if layer.activity_regularizer is not None:
        parts.append(f"activity: {layer.activity_regularizer!r}")
    return ", ".join(parts)
