"""Where the layer study puts its penalty: named placements, each a strength per Dense layer.

The standard placements of a network with k Dense layers (named by position, as sweeps name them):

=============  ==============================================================
name           strength on layer_1 … layer_k
=============  ==============================================================
``'none'``     0 everywhere: the reference every other placement is compared with
``'all'``      λ on every kernel
``'layer_j'``  λ on layer j's kernel, 0 on every other one
=============  ==============================================================

A custom placement is a name and k strengths in the study's convention (0 = no penalty on that layer). Biases
are never penalized here. :func:`install` puts the penalties on a compiled model that has none, through the
layers' own ``kernel_regularizer`` (what Keras users write), so ``summary()`` shows them as ``[layer]``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from .. import regularizers
from .._validation import describe
from ..engine.model import Sequential
from ..regularizers.conventions import convert

NONE, ALL = "none", "all"
#: The regularizers a study can place, and the conventions each can be written in.
REGULARIZERS = {"l2": None, "l1": ("keras",)}
_MAX_NAME = 64


def standard_names(k: int) -> list[str]:
    """``['none', 'all', 'layer_1', …, 'layer_k']``.

    >>> standard_names(2)
    ['none', 'all', 'layer_1', 'layer_2']
    """
    return [NONE, ALL] + [f"layer_{j}" for j in range(1, k + 1)]


def standard_strengths(name: str, lam: float, k: int) -> list[float]:
    """The k strengths of a standard placement ``name`` at strength ``lam``.

    >>> standard_strengths("layer_2", 0.05, 3), standard_strengths("all", 0.05, 2)
    ([0.0, 0.05, 0.0], [0.05, 0.05])
    """
    if name == NONE:
        return [0.0] * k
    if name == ALL:
        return [float(lam)] * k
    j = int(name.removeprefix("layer_"))
    return [float(lam) if i == j else 0.0 for i in range(1, k + 1)]


def resolve(placements: Any, lam: float, k: int) -> dict[str, list[float]]:
    """{name: k strengths} for the ``placements`` argument of :func:`~glassnet.experiments.layer_study`, with
    ``'none'`` first (added when missing: attribution compares every placement with it).

    ``placements`` is None (every standard placement), a sequence of standard names (a subset), or a mapping
    {name: None (a standard name) or k strengths ≥ 0 (a custom placement)}.
    """
    standard = standard_names(k)
    expected = (f"None, a list of placement names from {standard}, or a dict {{name: None for a standard name, "
                f"or a list of {k} strengths ≥ 0 (one per Dense layer) for a custom one}}")
    if placements is None:
        chosen: dict[str, Any] = {name: None for name in standard}
    elif isinstance(placements, Mapping):
        chosen = dict(placements)
    elif isinstance(placements, Sequence) and not isinstance(placements, (str, bytes)):
        if not all(isinstance(name, str) for name in placements):
            raise TypeError(f"Argument `placements` must be {expected}. Received: placements={placements!r}")
        if len(set(placements)) != len(placements):
            raise ValueError(f"Argument `placements` must not repeat a name. Received: placements={placements!r}")
        chosen = {name: None for name in placements}
    else:
        raise TypeError(f"Argument `placements` must be {expected}. Received: placements={describe(placements)}")
    if not chosen:
        raise ValueError(f"Argument `placements` must name at least one placement. Received: placements={placements!r}")
    resolved: dict[str, list[float]] = {NONE: standard_strengths(NONE, lam, k)}
    for name, value in chosen.items():
        if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
            raise TypeError(f"Argument `placements` must be named by non-empty strings of at most {_MAX_NAME} "
                            f"characters. Received: a placement named {name!r}")
        if value is None:
            if name not in standard:
                raise ValueError(f"Argument `placements` must be {expected}. Received: {name!r} without strengths")
            resolved[name] = standard_strengths(name, lam, k)
        elif name in standard:
            raise ValueError(f"Argument `placements` cannot redefine the standard placement {name!r}: give the "
                             f"custom one another name. Received: placements[{name!r}]={value!r}")
        else:
            resolved[name] = _strengths(name, value, k, expected)
    return resolved


def _strengths(name: str, value: Any, k: int, expected: str) -> list[float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != k or not all(
            isinstance(s, numbers.Real) and not isinstance(s, bool) and math.isfinite(s) and float(s) >= 0
            for s in value):
        raise ValueError(f"Argument `placements` must be {expected}. Received: placements[{name!r}]={value!r}")
    return [float(s) for s in value]


def check_regularizer(regularizer: Any, convention: str) -> str:
    """``regularizer`` checked: 'l2' (any convention) or 'l1' (the Keras factor only: the conventions are L2's)."""
    if not isinstance(regularizer, str) or regularizer not in REGULARIZERS:
        raise ValueError(f"Argument `regularizer` must be one of {list(REGULARIZERS)}. "
                         f"Received: regularizer={regularizer!r}")
    allowed = REGULARIZERS[regularizer]
    if allowed is not None and convention not in allowed:
        raise ValueError(f"Argument `convention` must be {allowed[0]!r} for regularizer={regularizer!r} (the "
                         "lecture's and the other conventions are written for L2). "
                         f"Received: convention={convention!r}")
    return regularizer


def keras_factors(strengths: Sequence[float], regularizer: str, convention: str, *, n_samples: int,
                  batch_size: int, loss: Any, n_outputs: int) -> list[float]:
    """The strengths (in ``convention``) as the factors of Keras's ``L2(l2)`` / ``L1(l1)`` for a fit on
    ``n_samples`` rows in batches of ``batch_size`` (e.g. the lecture's λ → l2 = λ/(2m) with a cross-entropy)."""
    if regularizer != "l2":
        return [float(s) for s in strengths]
    return [convert(s, convention, "keras", n_samples=n_samples, batch_size=batch_size, loss=loss,
                    n_outputs=n_outputs) if s > 0 else 0.0 for s in strengths]


def kernel_layers(model: Sequential) -> list[Any]:
    """The model's layers with a kernel, in order: layer_1 … layer_k."""
    return [layer for layer in model.layers if "kernel" in layer.weight_names]


def check_unregularized(model: Sequential, argument: str = "build") -> None:
    """Refuse a model that already carries a penalty: the study decides where penalties go."""
    plan = model.compile_regularization
    if plan.regularizer is not None or plan.lam is not None:
        raise ValueError(f"Argument `{argument}` must return a model without regularizers (the study places them "
                         f"itself). Received: a model compiled with regularizer={plan.regularizer!r}, lam={plan.lam!r}")
    for layer in model.layers:
        for kind in ("kernel", "bias", "activity"):
            own = getattr(layer, f"{kind}_regularizer", None)
            if own is not None:
                raise ValueError(f"Argument `{argument}` must return a model without regularizers (the study places "
                                 f"them itself). Received: layer {layer.name!r} has {kind}_regularizer={own!r}")


def install(model: Sequential, factors: Sequence[float], regularizer: str) -> None:
    """Put ``L2(f)`` (or ``L1(f)``) on the kernel of each Dense layer whose factor f > 0, none elsewhere."""
    layers = kernel_layers(model)
    if len(layers) != len(factors):
        raise ValueError(f"Argument `factors` must hold one strength per layer with a kernel ({len(layers)}). "
                         f"Received: {len(factors)} strengths")
    make = regularizers.L2 if regularizer == "l2" else regularizers.L1
    for layer, factor in zip(layers, factors):
        layer.kernel_regularizer = make(factor) if factor > 0 else None
    model.set_compile_regularization(model.compile_regularization)  # re-installs every weight's regularizer
