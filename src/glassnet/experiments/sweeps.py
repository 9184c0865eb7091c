"""Validation and learning curves: one fit per (value, fold, seed), run anywhere, with identical results.

:func:`validation_curve` sweeps λ, :func:`learning_curve` the training-set size. This module checks their
arguments, makes the tasks and collects the records; how one task splits, builds, fits and records is in
:mod:`glassnet.experiments.tasks` (records name layers by position: ``layer_1`` is the first layer), the
:class:`ModelSpec` recipe in :mod:`glassnet.experiments.spec`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import metrics as metrics_module
from .._validation import as_float_array, check_positive_int, describe
from ..backend import floatx
from ..engine.model import Sequential
from ..regularizers.conventions import COUPLED, loss_kind
from .parallel import check_backend_arguments, run_tasks
from .results import SweepResults
from .spec import ModelSpec
from .tasks import FitSettings, SweepTask, build, kfold_splits, make_tasks, run_task

# The public sweeps, plus the names that lived here before the split (ModelSpec, the task helpers), so
# `from glassnet.experiments.sweeps import ...` keeps working.
__all__ = ["validation_curve", "learning_curve", "ModelSpec", "SweepTask", "FitSettings", "kfold_splits",
           "build", "run_task"]


# --- the public sweeps --------------------------------------------------------------------------------------
def validation_curve(build_model: Any, x: Any, y: Any, lambdas: Sequence[float], *, cv: int = 5,
                     validation_data: tuple[Any, Any] | None = None, epochs: int = 20, batch_size: int = 32,
                     seeds: Sequence[int] | int = (0,), n_jobs: int = -1, scheduler: Any = None,
                     progress: bool = True, metric: Any = None, convention: str | None = None) -> SweepResults:
    """Train and validate one model per (λ, fold, seed): the validation curve J_train(λ), J_cv(λ).

    Parameters
    ----------
    build_model : ModelSpec or callable
        ``build_model(lam)`` returns a compiled glassnet ``Sequential``. A :class:`ModelSpec` is built with
        ``Sequential(seed=seed)``; a callable decides its own initial weights (its model's seed, or ``fit``'s
        seed if it has none), so give its Sequential no seed for the seeds to vary the initialization.
        With ``n_jobs != 1`` or a scheduler it must be picklable (cloudpickle: lambdas and closures work).
    x : array, shape (n, features)
    y : array, shape (n,) or (n, outputs)
    lambdas : sequence of float
        Distinct strengths ≥ 0 in the model's convention (a ModelSpec's ``convention``; 'keras' by default).
    cv : int
        Folds, 2 ≤ cv ≤ n (ignored with ``validation_data``).
    validation_data : (x_val, y_val) or None
        A fixed validation set instead of folds: every task trains on all of ``x``.
    epochs, batch_size : int
        Passed to ``fit``.
    seeds : sequence of int or int
        Distinct seeds ≥ 0; each changes the fold permutation and the initial weights (and shuffling).
    n_jobs : int
        1 = serial, k > 1 = k processes, −1 = all cores (joblib/loky).
    scheduler : str, distributed.Client or None
        Run on a Dask cluster instead (``'tcp://host:port'`` or a Client); ``n_jobs`` is then ignored.
    progress : bool
        Show the progress of finished fits: tqdm.auto's bar (a widget in Jupyter, a bar in a terminal), or
        plain lines every 10 s in a log or CI (:mod:`glassnet.experiments.parallel`).
    metric : str, callable or None
        The headline metric. None: it follows the loss — 'accuracy' (and ``error`` = 1 − accuracy) for any
        cross-entropy, 'mse' for a regression loss — computed from the predictions when the model does not
        report it. A name from glassnet.metrics or ``fn(y_true, y_pred) -> (batch,)``, checked against the
        targets before any fit starts.
    convention : str or None
        How ``build_model`` reads λ — 'keras' (the factor of ``L2(l2)``), 'lecture', 'torch', 'sklearn',
        'playground' or 'kappa' (:mod:`glassnet.regularizers.conventions`) — so tables, plots and reports label it
        and show
        the lecture's λ beside it. None: a ModelSpec's own ``convention``, else 'keras'.

    Returns
    -------
    SweepResults
        ``param='lambda'``; ``best_lambda`` and ``best_lambda_1se`` pick λ from the mean validation data loss.
    """
    values = _check_lambdas(lambdas)
    return _sweep("lambda", build_model, x, y, values, cv, validation_data, epochs, batch_size, seeds, n_jobs,
                  scheduler, progress, metric, lam=None, convention=convention)


def learning_curve(build_model: Any, x: Any, y: Any, train_sizes: Sequence[float | int], *, lam: float = 0.0,
                   cv: int = 5, validation_data: tuple[Any, Any] | None = None, epochs: int = 20,
                   batch_size: int = 32, seeds: Sequence[int] | int = (0,), n_jobs: int = -1,
                   scheduler: Any = None, progress: bool = True, metric: Any = None,
                   convention: str | None = None) -> SweepResults:
    """Train one model per (training-set size, fold, seed) at a fixed ``lam``: J_train(m) and J_cv(m).

    ``train_sizes`` are either all fractions (floats in (0, 1]) of the smallest training fold,
    m_max = n − ⌈n/cv⌉ (all of ``x`` with ``validation_data``), or all absolute row counts (ints in
    [1, m_max]). Fractions become counts max(1, ⌊f·m_max⌋); repeated counts are kept once. A size-m task
    trains on the first m rows of its (permuted) training fold, so the subsets of one fold and seed are
    nested. The other arguments are those of :func:`validation_curve`.

    Returns
    -------
    SweepResults
        ``param='train_size'``, ``values`` the absolute training-set sizes.
    """
    lam = _check_lambdas([lam], name="lam")[0]
    if isinstance(train_sizes, (str, bytes)) or not isinstance(train_sizes, (Sequence, np.ndarray)) \
            or len(train_sizes) == 0:
        raise TypeError("Argument `train_sizes` must be a non-empty sequence of fractions in (0, 1] or of "
                        f"row counts. Received: train_sizes={describe(train_sizes)}")
    return _sweep("train_size", build_model, x, y, list(train_sizes), cv, validation_data, epochs, batch_size,
                  seeds, n_jobs, scheduler, progress, metric, lam=lam, convention=convention)


def _sweep(param: str, build_model: Any, x: Any, y: Any, values: list[Any], cv: Any, validation_data: Any,
           epochs: Any, batch_size: Any, seeds: Any, n_jobs: Any, scheduler: Any, progress: Any, metric: Any,
           lam: float | None, convention: str | None) -> SweepResults:
    """Validate the common arguments, make the tasks, run them, collect the records sorted by task key.

    ``values`` are the checked λs (``param='lambda'``) or the raw ``train_sizes`` (``param='train_size'``,
    trained at ``lam``), resolved here once the fold sizes are known.
    """
    if not callable(build_model):
        raise TypeError("Argument `build_model` must be a ModelSpec or a callable build_model(lam) that "
                        "returns a compiled glassnet Sequential. "
                        f"Received: build_model={describe(build_model)}")
    x, y = _check_data(x, y, "x", "y")
    x_val = y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("Argument `validation_data` must be a tuple (x_val, y_val). "
                             f"Received: validation_data={describe(validation_data)}")
        x_val, y_val = _check_data(validation_data[0], validation_data[1], "validation_data[0]",
                                   "validation_data[1]")
    elif not _is_int(cv) or not 2 <= cv <= len(x):
        error = ValueError if _is_int(cv) else TypeError
        raise error(f"Argument `cv` must be an int with 2 ≤ cv ≤ n = {len(x)} (the number of rows). "
                    f"Received: cv={cv!r}")
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    seeds = _check_seeds(seeds)
    check_backend_arguments(n_jobs, scheduler, progress)
    if param == "train_size":  # relative to the smallest training fold (all of x with validation_data)
        values = _train_counts(values, len(x) if x_val is not None else len(x) - math.ceil(len(x) / cv))
    pairs = [(value, value if lam is None else lam) for value in values]  # (swept value, λ it trains with)

    convention = _check_convention(convention, build_model)
    if isinstance(build_model, ModelSpec):
        build_model = build_model.for_targets(y)
    settings = FitSettings(epochs, batch_size, None, floatx())
    # Build one model here, before any worker starts, so a bad build_model fails with its own message.
    probe = build(build_model, pairs[0][1], len(x), settings, seeds[0])
    metric, headline = _resolve_metric(metric, probe, x.shape[1], y)
    settings = dataclasses.replace(settings, metric=metric)
    tasks = make_tasks(param, pairs, seeds, len(x), None if x_val is not None else cv)
    desc = "validation curve" if param == "lambda" else "learning curve"
    records = run_tasks(run_task, tasks, {"build_model": build_model, "x": x, "y": y, "x_val": x_val,
                                          "y_val": y_val, "settings": settings},
                        n_jobs=n_jobs, scheduler=scheduler, progress=progress, desc=desc)
    records.sort(key=lambda record: (record["value"], record["fold"], record["seed"]))
    config = {"cv": None if x_val is not None else int(cv), "epochs": epochs, "batch_size": batch_size,
              "seeds": list(seeds), "n_samples": int(len(x)), "n_features": int(x.shape[1]),
              "validation_data": x_val is not None, "lam": lam, "model": _describe_model(build_model),
              "convention": convention, "loss": probe.compiled_loss.name, "n_outputs": probe.output_width(x.shape[1])}
    return SweepResults(param=param, values=list(values), records=records, metric=headline, config=config)


def _resolve_metric(metric: Any, probe: Sequential, n_features: int, y: np.ndarray) -> tuple[Any, str]:
    """(what each task computes, the headline metric's name). By default the headline follows the loss:
    accuracy (and error = 1 − accuracy) for any cross-entropy, the mean squared error for a regression loss."""
    if metric is None:
        metric = "accuracy" if loss_kind(probe.loss) == "cross_entropy" else "mse"
    elif not isinstance(metric, str) and not callable(metric):
        raise TypeError("Argument `metric` must be None, a metric name or a callable fn(y_true, y_pred). "
                        f"Received: metric={describe(metric)}")
    n_outputs, loss = probe.output_width(n_features), probe.compiled_loss
    try:
        resolved = metrics_module.get(metric, loss, n_outputs)
    except ValueError as exc:  # glassnet.metrics names the compile argument `metrics`; here it is `metric`
        known = str(exc).split(". Received")[0]
        raise ValueError("Argument `metric` must be a metric name or a callable fn(y_true, y_pred) -> "
                         f"(batch,) ({known}). Received: metric={metric!r}") from None
    prepared = loss.prepare_targets(y[:2].astype(np.float64), n_outputs, np.dtype(np.float64))
    resolved.check(loss, n_outputs, prepared, argument="metric")
    return metric, resolved.name


# --- argument checks ----------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_lambdas(lambdas: Any, name: str = "lambdas") -> list[float]:
    """Distinct finite numbers ≥ 0, sorted, as floats."""
    if isinstance(lambdas, (str, bytes)) or not isinstance(lambdas, (Sequence, np.ndarray)) \
            or len(lambdas) == 0:
        raise ValueError(f"Argument `{name}` must be a non-empty sequence of finite numbers ≥ 0. "
                         f"Received: {name}={describe(lambdas)}")
    values = []
    for value in lambdas:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                or value < 0:
            shown = lambdas if name == "lambdas" else value
            raise ValueError(f"Argument `{name}` must hold finite numbers ≥ 0. Received: {name}={shown!r}")
        values.append(float(value))
    if len(set(values)) != len(values):
        raise ValueError(f"Argument `{name}` must not repeat a value. Received: {name}={list(lambdas)!r}")
    return sorted(values)


def _check_convention(convention: Any, build_model: Any) -> str:
    """The convention λ is written in: the argument, a ModelSpec's own, or 'keras'."""
    own = build_model.convention if isinstance(build_model, ModelSpec) else None
    if convention is None:
        return own or "keras"
    if convention not in COUPLED:
        raise ValueError(f"Argument `convention` must be one of {list(COUPLED)}. Received: convention={convention!r}")
    if own is not None and convention != own:
        raise ValueError("Argument `convention` must match the ModelSpec's, which reads λ itself. "
                         f"Received: convention={convention!r}, ModelSpec(convention={own!r})")
    return convention


def _check_seeds(seeds: Any) -> list[int]:
    seeds = [seeds] if _is_int(seeds) else seeds
    message = ("Argument `seeds` must be an int ≥ 0 or a non-empty sequence of them. "
               f"Received: seeds={seeds!r}")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, np.ndarray)) \
            or not all(_is_int(s) for s in seeds):
        raise TypeError(message)
    if len(seeds) == 0 or not all(s >= 0 for s in seeds):
        raise ValueError(message)
    if len(set(int(s) for s in seeds)) != len(seeds):
        raise ValueError(f"Argument `seeds` must not repeat a seed. Received: seeds={list(seeds)!r}")
    return [int(s) for s in seeds]


def _check_data(x: Any, y: Any, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    for name, array in ((x_name, x), (y_name, y)):
        as_float_array(name, array, np.dtype(np.float64))  # numeric and finite (fit converts them itself)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"Argument `{x_name}` must be a 2-D array (samples, features) with at least 2 rows. "
                         f"Received: {x_name} with shape {x.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(f"Arguments `{x_name}` and `{y_name}` must have the same number of samples. "
                         f"Received: {x_name} with shape {x.shape}, {y_name} with shape {y.shape}")
    return x, y


def _train_counts(train_sizes: Any, m_max: int) -> list[int]:
    """Sorted distinct absolute sizes from all-fraction or all-count ``train_sizes``."""
    message = ("Argument `train_sizes` must be all fractions in (0, 1] (floats) or all row counts in "
               f"[1, {m_max}] (ints, {m_max} = rows of the smallest training fold)")
    sizes = list(train_sizes)
    if all(_is_int(s) for s in sizes):
        if not all(1 <= s <= m_max for s in sizes):
            raise ValueError(f"{message}. Received: train_sizes={sizes!r}")
        return sorted({int(s) for s in sizes})
    if all(isinstance(s, numbers.Real) and not _is_int(s) and not isinstance(s, bool) for s in sizes):
        if not all(0 < s <= 1 for s in sizes):
            raise ValueError(f"{message}. Received: train_sizes={sizes!r}")
        return sorted({max(1, int(math.floor(s * m_max))) for s in sizes})
    raise ValueError(f"{message}, not a mix. Received: train_sizes={sizes!r}")


def _describe_model(build_model: Any) -> dict[str, Any] | str:
    """A JSON-ready description: a ModelSpec's fields, or a callable's qualified name."""
    if isinstance(build_model, ModelSpec):
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in dataclasses.asdict(build_model).items()}
    module = getattr(build_model, "__module__", None) or ""
    name = getattr(build_model, "__qualname__", None) or type(build_model).__name__
    return f"{module}.{name}" if module else name


# Public names for the layer study (glassnet.experiments.study), which checks the same arguments the same way.
check_data, check_seeds, check_convention, resolve_metric, describe_model, is_int = (
    _check_data, _check_seeds, _check_convention, _resolve_metric, _describe_model, _is_int)
