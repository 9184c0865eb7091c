"""Sweeps under faults: a worker that dies once is recovered from with the same bits, one that dies on every try
stops the sweep with an error naming the fit, and an unreachable scheduler is reported within seconds."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster

from glassnet import Dense, Sequential
from glassnet.experiments import ModelSpec, parallel, validation_curve

pytestmark = pytest.mark.hostile("sweeps under faults")

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(float)
SETTINGS = {"cv": 2, "epochs": 2, "seeds": (0,), "progress": False}


class DyingBuilder:
    """Builds the lecture's kind of model, but the worker running λ = 0.5 exits — the first time only when
    ``marker`` is given (its existence records that it died once), else every time."""

    def __init__(self, marker: Path | None = None):
        self.marker = marker

    def __call__(self, lam: float) -> Sequential:
        if lam == 0.5 and (self.marker is None or not self.marker.exists()):
            if self.marker is not None:
                self.marker.touch()
            os._exit(1)  # what an out-of-memory kill looks like from the scheduler's side
        model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as local_cluster, Client(local_cluster) as client:
        yield client


def test_a_dask_worker_that_dies_once_is_recovered_with_the_same_results(cluster, tmp_path, outcome):
    recovered = validation_curve(DyingBuilder(tmp_path / "died"), X, Y, [0.0, 0.5], scheduler=cluster, **SETTINGS)
    assert (tmp_path / "died").exists()  # it did die
    serial = validation_curve(DyingBuilder(tmp_path / "died"), X, Y, [0.0, 0.5], n_jobs=1, **SETTINGS)
    assert recovered.to_dict() == serial.to_dict()
    outcome("recovered")


def test_a_dask_worker_that_always_dies_stops_the_sweep_naming_the_fit(cluster, outcome):
    with pytest.raises(ChildProcessError, match=r"A Dask worker process died while running the fit "
                                                r"SweepTask\(value=0.5, fold=\d, seed=0, lam=0.5\)"):
        validation_curve(DyingBuilder(), X, Y, [0.0, 0.5], scheduler=cluster, **SETTINGS)
    outcome("refused cleanly")


def test_a_joblib_worker_that_dies_stops_the_sweep_with_a_clear_error(outcome):
    with pytest.raises(ChildProcessError, match=r"A joblib worker process died while running one of the fits"):
        validation_curve(DyingBuilder(), X, Y, [0.0, 0.5], n_jobs=2, **SETTINGS)
    outcome("refused cleanly")


def test_an_unreachable_scheduler_is_reported_within_the_connect_timeout(monkeypatch, outcome):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 2)
    started = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"Could not reach a Dask scheduler at tcp://127.0.0.1:9 within 2 s"
                                              r".*Received: scheduler='tcp://127.0.0.1:9'"):
        validation_curve(ModelSpec(hidden=(3,)), X, Y, [0.0], scheduler="tcp://127.0.0.1:9", **SETTINGS)
    assert time.perf_counter() - started < 10
    outcome("refused cleanly")
