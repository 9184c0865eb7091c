"""``compile``'s arguments, checked and resolved before anything in the model changes: the optimizer and loss
(names or objects), the metrics (each resolved and checked against the loss and, when the model's input shape is
known, its output width), the compile-level regularization plan and ``jit_compile``.

A compile-level λ with ``n_samples`` becomes its penalty now: (λ/2m)·Σw² with m = ``n_samples``, on the data
loss's scale (:meth:`~glassnet.regularizers.placement.CompileRegularization.with_training_size`); without
``n_samples``, ``fit`` does it with the number of training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..regularizers.placement import CompileRegularization
from . import engines


@dataclass(frozen=True)
class CompileOptions:
    """What ``compile`` installs: the optimizer and loss objects, the metrics as given (names, objects or
    callables), ``jit_compile`` and the regularization plan."""

    optimizer: optimizers_module.Optimizer
    loss: losses_module.Loss
    metrics: list[Any]
    jit_compile: str | bool
    regularization: CompileRegularization


def resolve(optimizer: Any, loss: Any, metrics: Sequence[Any] | None, regularizer: Any, regularize_bias: bool,
            lam: float | None, n_samples: int | None, jit_compile: Any, width: int | None) -> CompileOptions:
    """Check and resolve ``compile``'s arguments; ``width`` is the model's output width (None: not known yet).
    Raises the error naming the first bad argument."""
    jit_compile = engines.check_jit_compile(jit_compile)
    optimizer_obj = optimizers_module.get(optimizer)
    plan = CompileRegularization.from_arguments(regularizer, regularize_bias, lam, n_samples)
    if loss is None:
        raise ValueError("Argument `loss` is required: a name such as 'binary_crossentropy' or a "
                         "glassnet.losses.Loss. Received: loss=None")
    loss_obj = losses_module.get(loss)
    if plan.lam is not None and plan.n_samples is not None:
        plan = plan.with_training_size(plan.n_samples, loss_obj)
    if metrics is not None and not isinstance(metrics, (list, tuple)):
        raise TypeError(f"Argument `metrics` must be a list. Received: metrics={metrics!r}")
    for spec in metrics or []:  # resolve and check now, so a bad metric fails here, not in fit
        metrics_module.get(spec, loss_obj, width).check(loss_obj, width)
    return CompileOptions(optimizer_obj, loss_obj, list(metrics or []), jit_compile, plan)
