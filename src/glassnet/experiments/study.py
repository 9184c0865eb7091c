"""The layer study: what a penalty on *this* layer does, measured on twin fits that differ only in the penalty.

:func:`layer_study` trains the same network once per placement of the penalty — none, on every Dense kernel, on
each kernel alone (:mod:`glassnet.experiments.placements`) — over the same folds and seeds, with the same initial
weights and batch order for every placement, and returns a :class:`~glassnet.experiments.study_results.LayerStudy`:
the kernel norms, the data losses, the balance of data and penalty gradients at the end, and how each layer's
change splits into the penalty's direct part and the indirect rest. One fit is one task of the sweep machinery
(:mod:`glassnet.experiments.study_tasks`), so serial, joblib and Dask runs give bitwise-identical results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_positive_float, check_positive_int, describe
from ..backend import floatx
from .parallel import check_backend_arguments, run_tasks
from .placements import check_regularizer, keras_factors, kernel_layers, resolve
from .spec import ModelSpec
from .study_results import LayerStudy
from .study_tasks import StudyTask, build_unregularized, run_study_task
from .sweeps import check_convention, check_data, check_seeds, describe_model, is_int, resolve_metric
from .tasks import FitSettings, kfold_splits


def layer_study(build: Any, x: Any, y: Any, lam: float, *, placements: Any = None, regularizer: str = "l2",
                cv: int = 5, validation_data: tuple[Any, Any] | None = None, epochs: int = 20,
                batch_size: int = 32, seeds: Sequence[int] | int = (0,), n_jobs: int = -1, scheduler: Any = None,
                progress: bool = True, convention: str | None = None) -> LayerStudy:
    """Train one twin fit per (placement, fold, seed) and report what the penalty did to each layer.

    Parameters
    ----------
    build : ModelSpec or callable
        ``build()`` (no arguments) returns a compiled glassnet ``Sequential`` **without** any regularizer; a
        :class:`ModelSpec` is built at λ = 0 with ``Sequential(seed=seed)``. The study puts the penalty on the
        kernels of its Dense layers itself (``kernel_regularizer``). A callable's model should have no seed (then
        ``fit(seed=seed)`` draws its initial weights) or a fixed one; twins that start from different weights are
        refused. With ``n_jobs != 1`` or a scheduler it must be picklable (cloudpickle: closures work).
    x : array, shape (n, features)
    y : array, shape (n,) or (n, outputs)
    lam : float
        The strength, > 0, in ``convention``: the placement ``'all'`` puts it on every kernel, ``'layer_j'`` on
        layer j's kernel alone.
    placements : None, sequence of str, or dict
        None: ``'none'``, ``'all'``, ``'layer_1'`` … ``'layer_k'``. A list of these names: a subset. A dict
        {name: None (a standard name) or k strengths ≥ 0 in ``convention``, one per Dense layer}: custom ones.
        ``'none'`` is always run (added first when missing): every attribution compares with it.
    regularizer : {'l2', 'l1'}
        L2 (any convention) or L1 (``convention='keras'``: the factor of ``L1(l1)``).
    cv, validation_data, epochs, batch_size, seeds, n_jobs, scheduler, progress :
        As in :func:`~glassnet.experiments.validation_curve`: ``cv`` folds (or one fixed validation set), the
        seeds (each changes the folds, the initial weights and the batch order — the same for every placement),
        the backend.
    convention : str or None
        How ``lam`` and custom strengths are read: 'keras', 'lecture', 'torch', 'sklearn', 'playground' or
        'kappa'. None: a ModelSpec's own, else 'keras'. The lecture's λ becomes l2 = λ/(2m) for each fold's m.

    Returns
    -------
    LayerStudy
        Records sorted by (placement, fold, seed). The attribution arrays (``direct``, ``indirect``) are those of
        the first fold and the first seed (the *attributed* twins); every other number is the mean (± sd) over
        all folds × seeds.
    """
    if not callable(build):
        raise TypeError("Argument `build` must be a ModelSpec or a callable build() that returns a compiled glassnet "
                        f"Sequential without regularizers. Received: build={describe(build)}")
    x, y = check_data(x, y, "x", "y")
    lam = check_positive_float("lam", lam)
    x_val = y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("Argument `validation_data` must be a tuple (x_val, y_val). "
                             f"Received: validation_data={describe(validation_data)}")
        x_val, y_val = check_data(validation_data[0], validation_data[1], "validation_data[0]", "validation_data[1]")
    elif not is_int(cv) or not 2 <= cv <= len(x):
        raise (ValueError if is_int(cv) else TypeError)(
            f"Argument `cv` must be an int with 2 ≤ cv ≤ n = {len(x)} (the number of rows). Received: cv={cv!r}")
    epochs, batch_size = check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size)
    seeds = check_seeds(seeds)
    check_backend_arguments(n_jobs, scheduler, progress)
    convention = check_convention(convention, build)
    regularizer = check_regularizer(regularizer, convention)
    if isinstance(build, ModelSpec):
        build = build.for_targets(y)
    settings = FitSettings(epochs, batch_size, None, floatx())
    probe = build_unregularized(build, len(x), settings, seeds[0])  # a bad builder fails here, before any fit
    _check_twins(probe, build, settings, seeds[0])
    names = kernel_layers(probe)
    if not names:
        raise ValueError(f"Argument `build` must return a model with Dense layers to penalize. Received: {probe!r}")
    chosen = resolve(placements, lam, len(names))
    metric, headline = resolve_metric(None, probe, x.shape[1], y)
    settings = dataclasses.replace(settings, metric=metric)
    loss, width = probe.compiled_loss, probe.output_width(x.shape[1])

    tasks = []
    for placement, strengths in chosen.items():
        for seed in seeds:
            splits = [(None, None)] if x_val is not None else kfold_splits(len(x), cv, seed)
            for fold, (train, val) in enumerate(splits):
                m = len(x) if train is None else len(train)
                factors = keras_factors(strengths, regularizer, convention, n_samples=m, batch_size=batch_size,
                                        loss=loss, n_outputs=width)
                tasks.append(StudyTask(placement, tuple(factors), fold, seed, fold == 0 and seed == seeds[0],
                                       np.arange(len(x)) if train is None else train, val))
    records = run_tasks(run_study_task, tasks, {"build_model": build, "x": x, "y": y, "x_val": x_val,
                                                "y_val": y_val, "settings": settings, "regularizer": regularizer},
                        n_jobs=n_jobs, scheduler=scheduler, progress=progress, desc="layer study")
    order = {name: i for i, name in enumerate(chosen)}
    records.sort(key=lambda record: (order[record["placement"]], record["fold"], record["seed"]))
    _check_started_alike(records)
    config = {"lam": lam, "regularizer": regularizer, "convention": convention,
              "cv": None if x_val is not None else int(cv), "epochs": epochs, "batch_size": batch_size,
              "seeds": list(seeds), "n_samples": int(len(x)), "n_features": int(x.shape[1]),
              "validation_data": x_val is not None, "model": describe_model(build), "loss": loss.name,
              "n_outputs": width, "optimizer": type(probe.compiled_optimizer).__name__}
    return LayerStudy(placements=chosen, layers=[f"layer_{j}" for j in range(1, len(names) + 1)], records=records,
                      metric=headline, config=config)


def _check_twins(probe: Any, build: Any, settings: FitSettings, seed: int) -> None:
    """A builder whose models come built must build the same initial weights each time (else no twins)."""
    if not probe.built:
        return  # fit(seed=...) or the model's own seed draws the weights: the same for every placement
    again = build_unregularized(build, 2, settings, seed)
    if not again.built or any(a.shape != b.shape or (a != b).any() for a, b in
                              zip(probe.get_weights(), again.get_weights())):
        raise ValueError("Argument `build` must return models with the same initial weights on every call (give "
                         "its Sequential a fixed seed, or none and let fit's seed decide), so the placements train "
                         "as twins. Received: two calls built different weights")


def _check_started_alike(records: list[dict[str, Any]]) -> None:
    """Every placement of one (fold, seed) must have started from the same θ (the records' checksums)."""
    first: dict[tuple[int, int], dict[str, Any]] = {}
    for record in records:
        twin = first.setdefault((record["fold"], record["seed"]), record)
        if record["initial"] != twin["initial"]:
            raise ValueError("Argument `build` must give every placement the same initial weights for a fold and "
                             "seed (no randomness besides the model's or fit's seed), so the fits are twins. "
                             f"Received: placements {twin['placement']!r} and {record['placement']!r} of fold "
                             f"{record['fold']}, seed {record['seed']} started from different weights")
