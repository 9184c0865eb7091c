"""Models frozen at chosen epochs, one training per placement or per λ: the tiles of a decision-boundary grid.

:func:`boundary_snapshots` trains the network once per row — a placement of the penalty at strength ``lam``
(:mod:`glassnet.experiments.placements`), or the penalty on every kernel at each of ``lambdas`` — with the same
seed, so the rows are twins, and keeps the weights at the end of each epoch in ``snapshot_epochs`` (0 = before
the first step). Each snapshot becomes a compiled model of its own, so ``model.predict`` of a tile *is* that
snapshot's prediction: :func:`glassnet.plots.boundary_grid` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_positive_float, check_positive_int, describe
from ..backend import floatx
from ..callbacks import Callback
from ..engine.model import Sequential
from ..regularizers.conventions import LABELS
from .placements import check_regularizer, install, keras_factors, kernel_layers, resolve, standard_strengths
from .spec import ModelSpec
from .study_tasks import build_unregularized
from .sweeps import check_convention, check_data, is_int
from .tasks import FitSettings

#: At most this many snapshots per row (each one is a model).
MAX_SNAPSHOTS = 50


class _Keep(Callback):
    """Copies of the model's weights at the end of the chosen epochs (epoch numbers from 1; 0 = the start)."""

    def __init__(self, epochs: set[int]):
        super().__init__()
        self.epochs = epochs
        self.weights: dict[int, list[np.ndarray]] = {}

    def on_train_begin(self, logs: Any = None) -> None:
        if 0 in self.epochs:
            self.weights[0] = self.model.get_weights()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if epoch + 1 in self.epochs:
            self.weights[epoch + 1] = self.model.get_weights()


def _check_epochs(snapshot_epochs: Any) -> list[int]:
    expected = (f"a non-empty list of at most {MAX_SNAPSHOTS} distinct epoch numbers ≥ 0 (0 = before training, "
                "k = after epoch k), at least one of them ≥ 1")
    if isinstance(snapshot_epochs, (str, bytes)) or not isinstance(snapshot_epochs, Sequence) or not (
            0 < len(snapshot_epochs) <= MAX_SNAPSHOTS) or not all(is_int(e) and e >= 0 for e in snapshot_epochs) \
            or len(set(snapshot_epochs)) != len(snapshot_epochs) or max(snapshot_epochs) < 1:
        raise ValueError(f"Argument `snapshot_epochs` must be {expected}. "
                         f"Received: snapshot_epochs={snapshot_epochs!r}")
    return sorted(int(e) for e in snapshot_epochs)


def boundary_snapshots(build: Any, x: Any, y: Any, *, snapshot_epochs: Sequence[int], lam: float | None = None,
                       placements: Any = None, lambdas: Sequence[float] | None = None, regularizer: str = "l2",
                       convention: str | None = None, batch_size: int = 32,
                       seed: int = 0) -> dict[str, dict[int, Sequential]]:
    """Train one model per row on all of ``x`` and return ``{row label: {epoch: model at that epoch}}``.

    Parameters
    ----------
    build : ModelSpec or callable
        As in :func:`~glassnet.experiments.layer_study`: ``build()`` returns a compiled model without penalties.
    x : array, shape (n, features)
    y : array, shape (n,) or (n, outputs)
    snapshot_epochs : sequence of int
        Epochs to keep (0 = the initial weights); the models train for max(snapshot_epochs) epochs.
    lam, placements :
        Rows = placements (as in ``layer_study``; None: all the standard ones) at strength ``lam`` > 0.
    lambdas : sequence of float
        Or rows = these strengths ≥ 0 on every kernel (labelled ``'<convention label> = value'``); give either
        ``lam`` or ``lambdas``.
    regularizer, convention, batch_size, seed :
        As in ``layer_study``; ``seed`` gives every row the same initial weights and batches.
    """
    if not callable(build):
        raise TypeError("Argument `build` must be a ModelSpec or a callable build() returning a compiled glassnet "
                        f"Sequential without regularizers. Received: build={describe(build)}")
    x, y = check_data(x, y, "x", "y")
    epochs = _check_epochs(snapshot_epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    if (lam is None) == (lambdas is None):
        raise ValueError("Give exactly one of `lam` (rows = placements) and `lambdas` (rows = strengths on every "
                         f"kernel). Received: lam={lam!r}, lambdas={lambdas!r}")
    convention = check_convention(convention, build)
    regularizer = check_regularizer(regularizer, convention)
    if isinstance(build, ModelSpec):
        build = build.for_targets(y)
    settings = FitSettings(max(epochs), batch_size, None, floatx())
    probe = build_unregularized(build, len(x), settings, seed)
    k = len(kernel_layers(probe))
    if lam is not None:
        rows = resolve(placements, check_positive_float("lam", lam), k)
    else:
        if isinstance(lambdas, (str, bytes)) or not isinstance(lambdas, Sequence) or not lambdas:
            raise ValueError("Argument `lambdas` must be a non-empty list of strengths ≥ 0. "
                             f"Received: lambdas={lambdas!r}")
        label = LABELS.get(convention, convention)
        rows = {f"{label} = {value:g}": standard_strengths("all", value, k)
                for value in (check_positive_float("lambdas", v) if v else 0.0 for v in lambdas)}
    loss, width = probe.compiled_loss, probe.output_width(x.shape[1])
    result: dict[str, dict[int, Sequential]] = {}
    for name, strengths in rows.items():
        factors = keras_factors(strengths, regularizer, convention, n_samples=len(x), batch_size=batch_size,
                                loss=loss, n_outputs=width)
        keep = _Keep(set(epochs))
        model = _placed(build, settings, seed, x, factors, regularizer)
        model.fit(x, y, epochs=settings.epochs, batch_size=batch_size, verbose=0, seed=seed, callbacks=[keep])
        result[name] = {}
        for epoch in epochs:
            frozen = _placed(build, settings, seed, x, factors, regularizer)
            frozen.build((None, x.shape[1]))
            frozen.set_weights(keep.weights[epoch])
            result[name][epoch] = frozen
    return result


def _placed(build: Any, settings: FitSettings, seed: int, x: np.ndarray, factors: list[float],
            regularizer: str) -> Sequential:
    model = build_unregularized(build, len(x), settings, seed, x)
    install(model, factors, regularizer)
    return model

