"""One fit of the layer study: a placement of the penalty, a fold and a seed — and what it records.

A study task is a sweep task (:mod:`glassnet.experiments.tasks`: split, build, fit, score) whose model gets the
penalty of one placement (:mod:`glassnet.experiments.placements`) before it trains. The fits of one (fold, seed)
are **twins**: the same training rows, the same initial weights (the seed's; checked through a checksum of θ
before the first update) and the same batch order (``fit(seed=seed)``), so they differ only in the penalty.

Besides the sweep's scores, norms and history, a record holds, per layer (``layer_1`` … ``layer_k``):

- ``spectral``: the largest singular value of the final kernel, ‖W‖₂;
- ``cosine`` and ``ratio``: on the training rows with the final weights, the cosine between the data gradient and
  the penalty gradient of the kernel, cos = ⟨g_data, g_penalty⟩ / (‖g_data‖·‖g_penalty‖), and ‖g_penalty‖ /
  ‖g_data‖ — from ``model.explain(x_train, y_train)``; NaN for a kernel without a penalty;
- for the *attributed* fits only (the first fold and seed of every placement): ``kernels``, the final kernels,
  and ``direct``, Σ over all steps of the penalty part of each kernel's update, Δ(data + penalty) − Δ(data), as
  the optimizer computes it (:mod:`glassnet.experiments.attribution`). The placement ``'none'`` has no penalty, so
  its direct part is 0 without asking.

Only the attributed fits pay for the attribution (a preview of the data step per step), which keeps a study's cost
close to a plain sweep's (benchmarks/bench_layer_study.py).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, cast

import numpy as np

from .._validation import describe
from ..engine.model import Sequential
from .attribution import PenaltySum
from .parallel import require
from .placements import NONE, check_unregularized, install, kernel_layers
from .spec import ModelSpec
from .tasks import FitSettings, build, positional_key, positional_names, scores


@dataclasses.dataclass(frozen=True)
class StudyTask:
    """One fit: ``placement`` with Keras ``factors`` per layer (0 = no penalty), ``fold``, ``seed``, whether it is
    ``attributed`` (records kernels and direct parts), and the row indices ``train`` and ``val`` (None = the
    separate validation data)."""

    placement: str
    factors: tuple[float, ...]
    fold: int
    seed: int
    attributed: bool
    train: np.ndarray = dataclasses.field(repr=False)
    val: np.ndarray | None = dataclasses.field(repr=False)


def build_unregularized(build_model: Any, n_samples: int, settings: FitSettings, seed: int,
                        x_train: np.ndarray | None = None) -> Sequential:
    """A compiled model without penalties: a ModelSpec at λ = 0 (seeded with ``seed``), or ``build_model()``."""
    if isinstance(build_model, ModelSpec):
        model = build(build_model, 0.0, n_samples, settings, seed, x_train)
    else:
        model = build_model()
        if not isinstance(model, Sequential) or not model.compiled:
            raise TypeError("Argument `build` must return a compiled glassnet Sequential. "
                            f"Received: build() returned {describe(model)}")
        if model.dtype is None and not model.built:
            model.dtype = np.dtype(settings.dtype)  # a worker's floatx() never saw the caller's set_floatx
    check_unregularized(model)
    return model


def _cosine(data: np.ndarray, penalty: np.ndarray) -> tuple[float, float]:
    """(cos∠(data, penalty), ‖penalty‖/‖data‖) in float64; NaN where either gradient is zero."""
    d, p = data.astype(np.float64).ravel(), penalty.astype(np.float64).ravel()
    nd, np_ = float(np.linalg.norm(d)), float(np.linalg.norm(p))
    if nd == 0 or np_ == 0:
        return math.nan, (math.nan if nd == 0 else 0.0)
    return float(np.dot(d, p) / (nd * np_)), np_ / nd


def run_study_task(task: StudyTask, *, build_model: Any, x: np.ndarray, y: np.ndarray, x_val: np.ndarray | None,
                   y_val: np.ndarray | None, settings: FitSettings, regularizer: str) -> dict[str, Any]:
    """Fit one placement on one fold and seed; return its record (module docstring)."""
    threadpoolctl = require("threadpoolctl", "experiments")
    with threadpoolctl.threadpool_limits(limits=1):  # one BLAS thread: the same bits on every backend (tasks.py)
        x_tr, y_tr = x[task.train], y[task.train]
        # A task without validation rows of x comes from a study given validation_data: x_val, y_val are set.
        x_va, y_va = (x[task.val], y[task.val]) if task.val is not None else (cast(np.ndarray, x_val),
                                                                             cast(np.ndarray, y_val))
        model = build_unregularized(build_model, len(task.train), settings, task.seed, x_tr)
        install(model, task.factors, regularizer)
        observer = PenaltySum(task.attributed and task.placement != NONE, tuple(f > 0 for f in task.factors))
        model.step_observers.append(observer)
        history = model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=settings.epochs,
                            batch_size=settings.batch_size, verbose=0, seed=task.seed)
        model.step_observers.remove(observer)
        train, val = scores(model, x_tr, y_tr, settings), scores(model, x_va, y_va, settings)
        gradients = model.explain(x_tr, y_tr, batch_size=settings.batch_size).gradients
    layers, names = kernel_layers(model), positional_names(model)
    record: dict[str, Any] = {"placement": task.placement, "fold": task.fold, "seed": task.seed,
                              "n_train": len(task.train), "n_val": len(x_va), "factors": list(task.factors),
                              "initial": observer.initial}
    record.update({f"train_{key}": float(value) for key, value in train.items()})
    record.update({f"val_{key}": float(value) for key, value in val.items()})
    kernels = {names[layer.name]: layer.kernel.numpy().astype(np.float64) for layer in layers}
    record["norms"] = {name: float(np.linalg.norm(w)) for name, w in kernels.items()}
    record["spectral"] = {name: float(np.linalg.norm(w, 2)) for name, w in kernels.items()}
    pairs = {names[layer.name]: _cosine(gradients[(layer.name, "kernel")].data,
                                        gradients[(layer.name, "kernel")].penalty) if factor > 0 else (math.nan,) * 2
             for layer, factor in zip(layers, task.factors)}
    record["cosine"] = {name: pair[0] for name, pair in pairs.items()}
    record["ratio"] = {name: pair[1] for name, pair in pairs.items()}
    record["history"] = {positional_key(key, names): [float(v) for v in values]
                         for key, values in history.history.items()}
    if task.attributed:
        record["kernels"] = {name: w.tolist() for name, w in kernels.items()}
        record["direct"] = {name: total.tolist() for name, total in zip(kernels, observer.sums(model.state))}
    return record
