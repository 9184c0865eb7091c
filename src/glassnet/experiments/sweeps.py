"""Validation and learning curves: one fit per (value, fold, seed), run anywhere, with identical results.

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

Layer names such as ``dense_7`` depend on how many layers a process has made, so records name layers by
position: ``layer_1`` is the model's first layer, in ``norms`` and in the history keys
(``norm/layer_1/kernel``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import activations as activations_module
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import training
from .._validation import as_float_array, check_positive_float, check_positive_int, describe
from ..backend import floatx, standardize_dtype
from ..conventions import COUPLED, convert
from ..layers import Dense
from ..model import Sequential
from ..regularizers import L2
from .parallel import check_backend_arguments, require, run_tasks
from .results import SweepResults

_CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A picklable recipe for the lecture's kind of network: Dense layers, one L2 strength on every kernel.

    ``spec(lam, n_samples=m, batch_size=B, seed=s)`` returns ``Sequential([Dense(h, activation) for h in
    hidden] + [Dense(n_outputs, output_activation)], seed=s)`` compiled with ``optimizer(learning_rate)``,
    ``loss``, ``metrics`` and ``regularizer=L2(l2)``, where
    l2 = ``convert(lam, convention, 'keras', n_samples=m, batch_size=B)`` — e.g. the lecture's λ gives
    l2 = λ/(2m). ``lam=0`` compiles no regularizer at all.

    Parameters
    ----------
    hidden : tuple of int
        Units of the hidden Dense layers, input side first.
    activation, output_activation : str
        Activation names (glassnet.activations).
    loss, optimizer : str
        Loss and optimizer names; each build gets a fresh optimizer.
    learning_rate : float
        The optimizer's learning rate, > 0.
    convention : str
        How ``lam`` is read: one of 'keras', 'lecture', 'torch', 'sklearn', 'playground', 'kappa'
        (see :mod:`glassnet.conventions`).
    metrics : tuple of str
        Compiled metrics. 'accuracy' needs a cross-entropy loss; for regression pass ``()`` (sweeps then
        record the MSE).
    n_outputs : int or None
        Units of the last layer. None: the sweep infers it from ``y`` (:meth:`for_targets`).
    dtype : str or None
        'float32' or 'float64'. None: the sweep fixes it to the caller's :func:`glassnet.floatx`, so workers
        in other processes compute in the same precision.

    >>> spec = ModelSpec(hidden=(4,), n_outputs=1)
    >>> model = spec(0.01, seed=0)
    >>> [layer.units for layer in model.layers], model.layers[0].name
    ([4, 1], 'layer_1')
    """

    hidden: tuple[int, ...] = (25, 15)
    activation: str = "relu"
    output_activation: str = "sigmoid"
    loss: str = "binary_crossentropy"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    convention: str = "keras"
    metrics: tuple[str, ...] = ("accuracy",)
    n_outputs: int | None = None
    dtype: str | None = None

    def __post_init__(self) -> None:
        # Validate (and turn lists into tuples, so the spec stays hashable) before it can travel to workers.
        if not isinstance(self.hidden, (list, tuple)):
            raise TypeError("Argument `hidden` must be a tuple of layer sizes. "
                            f"Received: hidden={self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(check_positive_int("hidden", h) for h in self.hidden))
        for name in ("activation", "output_activation", "loss", "optimizer", "convention"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Argument `{name}` must be a name (str), so the spec stays picklable. "
                                f"Received: {name}={getattr(self, name)!r}")
        activations_module.get(self.activation)
        activations_module.get(self.output_activation)
        losses_module.get(self.loss)
        optimizers_module.get(self.optimizer)
        object.__setattr__(self, "learning_rate", check_positive_float("learning_rate", self.learning_rate))
        if self.convention not in COUPLED:
            raise ValueError(f"Argument `convention` must be one of {list(COUPLED)}. "
                             f"Received: convention={self.convention!r}")
        if isinstance(self.metrics, str) or not isinstance(self.metrics, (list, tuple)):
            raise TypeError("Argument `metrics` must be a tuple of names. "
                            f"Received: metrics={self.metrics!r}")
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if any(m in ("accuracy", "acc") for m in self.metrics) and self.loss not in _CROSS_ENTROPIES:
            raise ValueError(f"'accuracy' needs a classification loss ({', '.join(_CROSS_ENTROPIES)}); for "
                             f"regression pass metrics=() or ('mae',). Received: loss={self.loss!r}, "
                             f"metrics={self.metrics!r}")
        if self.n_outputs is not None:
            object.__setattr__(self, "n_outputs", check_positive_int("n_outputs", self.n_outputs))
        if self.dtype is not None:
            object.__setattr__(self, "dtype", standardize_dtype(self.dtype).name)

    def for_targets(self, y: np.ndarray) -> ModelSpec:
        """This spec with ``n_outputs`` inferred from the targets ``y`` (if unset) and ``dtype`` fixed.

        ``y`` of shape (n, K), K > 1 → K outputs; a sigmoid output → 1; a cross-entropy with class labels →
        max(y) + 1 classes; otherwise (regression on (n,) or (n, 1)) → 1.
        """
        n_outputs = self.n_outputs
        if n_outputs is None:
            if y.ndim == 2 and y.shape[1] > 1:
                n_outputs = int(y.shape[1])
            elif self.output_activation != "sigmoid" and self.loss in _CROSS_ENTROPIES:
                n_outputs = int(np.max(y)) + 1
            else:
                n_outputs = 1
        return dataclasses.replace(self, n_outputs=n_outputs, dtype=self.dtype or floatx())

    def __call__(self, lam: float, n_samples: int | None = None, batch_size: int | None = None, *,
                 seed: int | None = None) -> Sequential:
        """Build and compile the network for strength ``lam`` (in ``convention``); see the class docstring."""
        if self.n_outputs is None and self.output_activation != "sigmoid":
            raise ValueError("ModelSpec needs `n_outputs` for a non-sigmoid output: pass n_outputs= or let "
                             "the sweep infer it from y. Received: n_outputs=None")
        units = [*self.hidden, self.n_outputs or 1]
        layers = [Dense(u, activation=self.activation if i < len(self.hidden) else self.output_activation,
                        name=f"layer_{i + 1}") for i, u in enumerate(units)]
        model = Sequential(layers, seed=seed, dtype=self.dtype)
        l2 = convert(lam, self.convention, "keras", n_samples=n_samples, batch_size=batch_size)
        optimizer = type(optimizers_module.get(self.optimizer))(learning_rate=self.learning_rate)
        model.compile(optimizer=optimizer, loss=self.loss, metrics=list(self.metrics),
                      regularizer=L2(l2) if l2 > 0 else None)
        return model


@dataclasses.dataclass(frozen=True)
class SweepTask:
    """One fit: the swept ``value``, ``fold`` and ``seed``, the strength ``lam`` it trains with, and the row
    indices ``train`` (m,) and ``val`` (rows of x; None = the separate validation data)."""

    value: float | int
    fold: int
    seed: int
    lam: float
    train: np.ndarray
    val: np.ndarray | None


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


def build(build_model: Any, lam: float, n_samples: int, settings: FitSettings, seed: int) -> Sequential:
    """Build a compiled model for ``lam``: a ModelSpec with ``seed``, or ``build_model(lam)``."""
    if isinstance(build_model, ModelSpec):
        return build_model(lam, n_samples=n_samples, batch_size=settings.batch_size, seed=seed)
    model = build_model(lam)
    if not isinstance(model, Sequential) or not model.compiled:
        raise TypeError("Argument `build_model` must return a compiled glassnet Sequential. "
                        f"Received: build_model({lam!r}) returned {describe(model)}")
    if model.dtype is None and not model.built:
        # Pin the caller's float type: a worker process has its own floatx(), which set_floatx never reached.
        model.dtype = np.dtype(settings.dtype)
    return model


def _positional(key: str, names: dict[str, str]) -> str:
    """'norm/dense_7/kernel' → 'norm/layer_1/kernel' (also 'penalty/...' and 'val_penalty/...')."""
    parts = key.split("/")
    if len(parts) == 3 and parts[1] in names:
        parts[1] = names[parts[1]]
    return "/".join(parts)


def _scores(model: Sequential, x: np.ndarray, y: np.ndarray, settings: FitSettings) -> dict[str, float]:
    """Loss parts, metrics and error on the current weights, inference mode (no dropout, no update)."""
    x, y, _ = training._check_xy(model, x, y, None)
    logs = training._evaluate_arrays(model, x, y, None, settings.batch_size)
    scores = {key: logs[key] for key in ("loss", "data_loss", "penalty_loss")}
    scores.update({name: logs[name] for name in model.metric_names(x.shape[1])})
    if settings.metric is not None:
        metric = metrics_module.get(settings.metric, model.loss, y.shape[-1])
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
        x_va, y_va = (x_val, y_val) if task.val is None else (x[task.val], y[task.val])
        model = build(build_model, task.lam, len(task.train), settings, task.seed)
        history = model.fit(x_tr, y_tr, validation_data=(x_va, y_va), epochs=settings.epochs,
                            batch_size=settings.batch_size, verbose=0, seed=task.seed)
        train, val = _scores(model, x_tr, y_tr, settings), _scores(model, x_va, y_va, settings)
    names = {layer.name: f"layer_{i}" for i, layer in enumerate(model.layers, start=1)}
    record: dict[str, Any] = {"value": task.value, "fold": task.fold, "seed": task.seed,
                              "n_train": len(task.train), "n_val": len(x_va)}
    record.update({f"train_{key}": float(value) for key, value in train.items()})
    record.update({f"val_{key}": float(value) for key, value in val.items()})
    # kernel_norms keys are 'norm/<layer>/kernel'; records keep {positional layer name: ‖W‖_F}.
    record["norms"] = {names[key.split("/")[1]]: norm for key, norm in training.kernel_norms(model).items()}
    record["history"] = {_positional(key, names): [float(v) for v in values]
                         for key, values in history.history.items()}
    return record


# --- the public sweeps --------------------------------------------------------------------------------------
def validation_curve(build_model: Any, x: Any, y: Any, lambdas: Sequence[float], *, cv: int = 5,
                     validation_data: tuple[Any, Any] | None = None, epochs: int = 20, batch_size: int = 32,
                     seeds: Sequence[int] | int = (0,), n_jobs: int = -1, scheduler: Any = None,
                     progress: bool = True, metric: Any = None) -> SweepResults:
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
        Show a progress bar of finished fits (only on a terminal).
    metric : str, callable or None
        The headline metric. None: 'accuracy' if the model reports it, else 'mse' (computed from the
        predictions). A name from glassnet.metrics or ``fn(y_true, y_pred) -> (batch,)``.

    Returns
    -------
    SweepResults
        ``param='lambda'``; ``best_lambda`` and ``best_lambda_1se`` pick λ from the mean validation data loss.
    """
    values = _check_lambdas(lambdas)
    return _sweep("lambda", build_model, x, y, values, cv, validation_data, epochs, batch_size, seeds, n_jobs,
                  scheduler, progress, metric, lam=None)


def learning_curve(build_model: Any, x: Any, y: Any, train_sizes: Sequence[float | int], *, lam: float = 0.0,
                   cv: int = 5, validation_data: tuple[Any, Any] | None = None, epochs: int = 20,
                   batch_size: int = 32, seeds: Sequence[int] | int = (0,), n_jobs: int = -1,
                   scheduler: Any = None, progress: bool = True, metric: Any = None) -> SweepResults:
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
                  seeds, n_jobs, scheduler, progress, metric, lam=lam)


def _sweep(param: str, build_model: Any, x: Any, y: Any, values: list[Any], cv: Any, validation_data: Any,
           epochs: Any, batch_size: Any, seeds: Any, n_jobs: Any, scheduler: Any, progress: Any, metric: Any,
           lam: float | None) -> SweepResults:
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
        x_val, y_val = _check_data(*validation_data, "validation_data[0]", "validation_data[1]")
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

    if isinstance(build_model, ModelSpec):
        build_model = build_model.for_targets(y)
    settings = FitSettings(epochs, batch_size, None, floatx())
    # Build one model here, before any worker starts, so a bad build_model fails with its own message.
    probe = build(build_model, pairs[0][1], len(x), settings, seeds[0])
    metric, headline = _resolve_metric(metric, probe, x.shape[1])
    settings = dataclasses.replace(settings, metric=metric)
    tasks = _make_tasks(param, pairs, seeds, len(x), None if x_val is not None else cv)
    desc = "validation curve" if param == "lambda" else "learning curve"
    records = run_tasks(run_task, tasks, {"build_model": build_model, "x": x, "y": y, "x_val": x_val,
                                          "y_val": y_val, "settings": settings},
                        n_jobs=n_jobs, scheduler=scheduler, progress=progress, desc=desc)
    records.sort(key=lambda record: (record["value"], record["fold"], record["seed"]))
    config = {"cv": None if x_val is not None else int(cv), "epochs": epochs, "batch_size": batch_size,
              "seeds": list(seeds), "n_samples": int(len(x)), "n_features": int(x.shape[1]),
              "validation_data": x_val is not None, "lam": lam, "model": _describe_model(build_model)}
    return SweepResults(param=param, values=list(values), records=records, metric=headline, config=config)


def _resolve_metric(metric: Any, probe: Sequential, n_features: int) -> tuple[Any, str]:
    """(what each task computes, the headline metric's name): by default accuracy if the model reports it,
    else the MSE."""
    if metric is None:
        reported = probe.metric_names(n_features)
        metric = next((name for name in reported if name in ("accuracy", "acc")), "mse")
    elif not isinstance(metric, str) and not callable(metric):
        raise TypeError("Argument `metric` must be None, a metric name or a callable fn(y_true, y_pred). "
                        f"Received: metric={describe(metric)}")
    try:
        name = metrics_module.get(metric, probe.loss, probe.output_shape_for((None, n_features))[-1]).name
    except ValueError as exc:  # glassnet.metrics names the compile argument `metrics`; here it is `metric`
        known = str(exc).split(". Received")[0]
        raise ValueError("Argument `metric` must be a metric name or a callable fn(y_true, y_pred) -> "
                         f"(batch,) ({known}). Received: metric={metric!r}") from None
    return metric, name


def _make_tasks(param: str, pairs: list[tuple[Any, float]], seeds: list[int], n: int,
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
