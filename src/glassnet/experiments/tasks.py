"""Sweep tasks: one fit per (value, fold, seed), run anywhere (serial, joblib, Dask) with identical results.

A *task* is one (value, fold, seed):

1. **split** — a permutation of the n rows from ``np.random.default_rng(seed)``, cut into ``cv`` contiguous
   folds (the first n mod cv folds get one row more, as scikit-learn's ``KFold``); fold k validates, the
   others train. With ``validation_data=(x_val, y_val)`` there is one "fold" (fold 0): train on all of ``x``,
   validate on it.
2. **build** — a :class:`ModelSpec` builds ``Sequential(..., seed=seed)``; a callable ``build_model(lam)``
   builds the model itself, so *its* seed decides the initial weights (``fit``'s seed only if the model has
   none).
3. **fit** — ``fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs, batch_size, verbose=0, seed=seed)``.
4. **record** — train and validation ``loss``, ``data_loss``, ``penalty_loss``, the metric (accuracy, or MSE
   for regression) and ``error`` = 1 − accuracy, all computed on the **final** weights in inference mode (the
   lecture's J_train and J_cv; the epoch averages of the last epoch are in ``history``), each kernel's norm,
   and the per-epoch history.

Layer names such as ``dense_7`` depend on how many layers a process has made, so records name the layers with
a kernel by position: ``layer_1`` is the model's first Dense layer, in ``norms`` and in the history keys
(``norm/layer_1/kernel``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .. import metrics as metrics_module
from .._validation import describe
from ..engine.data import check_xy, evaluate_arrays
from ..engine.logs import kernel_norms
from ..engine.model import Sequential
from .parallel import require
from .spec import ModelSpec


@dataclasses.dataclass(frozen=True)
class SweepTask:
    """One fit: the swept ``value``, ``fold`` and ``seed``, the strength ``lam`` it trains with, and the row
    indices ``train`` (m,) and ``val`` (rows of x; None = the separate validation data)."""

    value: float | int
    fold: int
    seed: int
    lam: float
    train: np.ndarray = dataclasses.field(repr=False)  # row indices: long, and not what names a task
    val: np.ndarray | None = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class FitSettings:
    """What every task fits with: ``epochs``, ``batch_size``, the ``metric`` to add when the model does not
    report it (a name or callable, or None), and the float type ``dtype`` of models without one."""

    epochs: int
    batch_size: int
    metric: Any
    dtype: str


def kfold_splits(n: int, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, val) row indices of ``cv`` folds: a permutation from ``default_rng(seed)``, cut contiguously.

    >>> [(t.tolist(), v.tolist()) for t, v in kfold_splits(5, 2, seed=0)]
    [([0, 1], [2, 4, 3]), ([2, 4, 3], [0, 1])]
    """
    order = np.random.default_rng(seed).permutation(n)
    sizes = np.full(cv, n // cv)
    sizes[: n % cv] += 1  # the first n mod cv folds get one row more, as KFold
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(np.concatenate([order[: bounds[k]], order[bounds[k + 1]:]]), order[bounds[k]: bounds[k + 1]])
            for k in range(cv)]


def build(build_model: Any, lam: float, n_samples: int, settings: FitSettings, seed: int,
          x_train: np.ndarray | None = None) -> Sequential:
    """Build a compiled model for ``lam``: a ModelSpec with ``seed`` (standardizing with ``x_train``'s statistics
    when it asks to), or ``build_model(lam)``."""
    if isinstance(build_model, ModelSpec):
        return build_model(lam, n_samples=n_samples, batch_size=settings.batch_size, seed=seed, x=x_train)
    model = build_model(lam)
    if not isinstance(model, Sequential) or not model.compiled:
        raise TypeError("Argument `build_model` must return a compiled glassnet Sequential. "
                        f"Received: build_model({lam!r}) returned {describe(model)}")
    if model.dtype is None and not model.built:
        # Pin the caller's float type: a worker process has its own floatx(), which set_floatx never reached.
        model.dtype = np.dtype(settings.dtype)
    return model


def positional_names(model: Sequential) -> dict[str, str]:
    """{layer name: 'layer_k'} for the layers with a kernel, counted from 1 in order (a Normalization in front
    keeps its own name): the names records and studies use whatever a process named the layers."""
    kernels = [layer for layer in model.layers if "kernel" in layer.weight_names]
    return {layer.name: f"layer_{i}" for i, layer in enumerate(kernels, start=1)}


def _positional(key: str, names: dict[str, str]) -> str:
    """'norm/dense_7/kernel' → 'norm/layer_1/kernel' (also 'penalty/...' and 'val_penalty/...')."""
    parts = key.split("/")
    if len(parts) == 3 and parts[1] in names:
        parts[1] = names[parts[1]]
    return "/".join(parts)


def _scores(model: Sequential, x: np.ndarray, y: np.ndarray, settings: FitSettings) -> dict[str, float]:
    """Loss parts, metrics and error on the current weights, inference mode (no dropout, no update)."""
    x, y, _ = check_xy(model, x, y, None)
    logs = evaluate_arrays(model, x, y, None, settings.batch_size)
    scores = {key: logs[key] for key in ("loss", "data_loss", "penalty_loss")}
    scores.update({name: logs[name] for name in model.metric_names(x.shape[1])})
    if settings.metric is not None:
        metric = metrics_module.get(settings.metric, model.compiled_loss, model.output_width(x.shape[1]))
        if metric.name not in scores:
            metric.update(y, model.predict(x, batch_size=settings.batch_size))
            scores[metric.name] = metric.result()
    for name in ("accuracy", "acc"):
        if name in scores:
            scores["error"] = 1.0 - scores[name]
    return scores


def run_task(task: SweepTask, *, build_model: Any, x: np.ndarray, y: np.ndarray, x_val: np.ndarray | None,
             y_val: np.ndarray | None, settings: FitSettings) -> dict[str, Any]:
    """Fit one task and return its record (see :class:`~glassnet.experiments.results.SweepResults`)."""
    threadpoolctl = require("threadpoolctl", "experiments")
    # NOTE: one BLAS thread. A multi-threaded matrix product may split its sums differently depending on how
    # many threads the process has (a laptop, a loky worker, a Dask worker), which changes the last bits of
    # float results. With the thread count fixed, every backend runs the very same arithmetic: this is why
    # serial, joblib and Dask sweeps give bitwise-identical records. Parallelism comes from running tasks side
    # by side.
    with threadpoolctl.threadpool_limits(limits=1):
        x_tr, y_tr = x[task.train], y[task.train]
        if task.val is not None:
            x_va, y_va = x[task.val], y[task.val]
        elif x_val is not None and y_val is not None:
            x_va, y_va = x_val, y_val
        else:
            raise ValueError("Arguments `x_val` and `y_val` must be arrays for a task without validation rows of "
                             f"x (task.val=None). Received: x_val={describe(x_val)}, y_val={describe(y_val)}")
        model = build(build_model, task.lam, len(task.train), settings, task.seed, x_tr)
        history = model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=settings.epochs,
                            batch_size=settings.batch_size, verbose=0, seed=task.seed)
        train, val = _scores(model, x_tr, y_tr, settings), _scores(model, x_va, y_va, settings)
    names = positional_names(model)
    record: dict[str, Any] = {"value": task.value, "fold": task.fold, "seed": task.seed,
                              "n_train": len(task.train), "n_val": len(x_va)}
    record.update({f"train_{key}": float(value) for key, value in train.items()})
    record.update({f"val_{key}": float(value) for key, value in val.items()})
    # kernel_norms keys are 'norm/<layer>/kernel'; records keep {positional layer name: ‖W‖_F}.
    record["norms"] = {names[key.split("/")[1]]: norm for key, norm in kernel_norms(model.weights).items()}
    record["history"] = {_positional(key, names): [float(v) for v in values]
                         for key, values in history.history.items()}
    return record


def make_tasks(param: str, pairs: list[tuple[Any, float]], seeds: list[int], n: int,
               cv: int | None) -> list[SweepTask]:
    """One task per (value, seed, fold), sorted by (value, fold, seed); ``cv=None``: a separate val set."""
    tasks = []
    for value, lam in pairs:
        for seed in seeds:
            splits = [(np.arange(n), None)] if cv is None else kfold_splits(n, cv, seed)
            for fold, (train, val) in enumerate(splits):
                if param == "train_size":
                    # Nested subsets: the first m rows of a random order. A k-fold training part is already in
                    # permuted order; all of x (with validation data) gets a permutation from the seed.
                    order = np.random.default_rng(seed).permutation(train) if cv is None else train
                    train = order[:value]
                tasks.append(SweepTask(value, fold, seed, lam, train, val))
    return sorted(tasks, key=lambda task: (task.value, task.fold, task.seed))


# Public names for the layer study (glassnet.experiments.study_tasks), which scores and names its fits the same way.
scores, positional_key = _scores, _positional
