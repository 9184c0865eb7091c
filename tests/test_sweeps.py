"""Validation and learning curves (glassnet.experiments): identical results on every backend, λ chosen where
it matters, learning curves, exports, argument errors."""

from __future__ import annotations

import csv
import json
import math
import pickle

import numpy as np
import pytest
from distributed import Client, LocalCluster

from glassnet import Dense, Sequential
from glassnet.experiments import ModelSpec, SweepResults, learning_curve, validation_curve
from glassnet.experiments.sweeps import kfold_splits


def noisy_circle(seed: int = 0, n: int = 200, flip: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [−1.5, 1.5]², labelled 1 inside the circle r = 1.2 (about half of them), then a
    fraction ``flip`` of the labels flipped: the best possible data loss is H(0.3) ≈ 0.61, a constant guess
    gives ln 2 ≈ 0.69."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2))
    y = (np.sum(x ** 2, axis=1) < 1.44).astype(float)
    flipped = rng.random(n) < flip
    y[flipped] = 1.0 - y[flipped]
    return x, y


TINY = {"cv": 2, "epochs": 3, "seeds": (0, 1), "progress": False}
TINY_SPEC = ModelSpec(hidden=(8,), learning_rate=0.01)


@pytest.fixture(scope="module")
def tiny_data() -> tuple[np.ndarray, np.ndarray]:
    return noisy_circle(seed=3, n=60)


@pytest.fixture(scope="module")
def cluster():
    """One real Dask cluster for the module: two worker processes with one thread each, on loopback."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as local_cluster, Client(local_cluster) as client:
        yield local_cluster, client


# --- same results everywhere --------------------------------------------------------------------------------
def test_validation_curve_is_bitwise_identical_serial_joblib_and_dask(tiny_data, cluster):
    x, y = tiny_data
    local_cluster, client = cluster
    lambdas = [0.0, 0.01, 0.1]
    serial = validation_curve(TINY_SPEC, x, y, lambdas, n_jobs=1, **TINY).to_dict()
    joblib = validation_curve(TINY_SPEC, x, y, lambdas, n_jobs=2, **TINY).to_dict()
    dask_client = validation_curve(TINY_SPEC, x, y, lambdas, scheduler=client, **TINY).to_dict()
    dask_address = validation_curve(TINY_SPEC, x, y, lambdas, scheduler=local_cluster.scheduler_address,
                                    **TINY).to_dict()
    assert serial == joblib
    assert serial == dask_client
    assert serial == dask_address
    # Not trivially equal: 3 λ × 2 folds × 2 seeds distinct fits, sorted by (value, fold, seed).
    keys = [(r["value"], r["fold"], r["seed"]) for r in serial["records"]]
    assert keys == sorted((v, f, s) for v in lambdas for f in (0, 1) for s in (0, 1))
    assert len({r["val_data_loss"] for r in serial["records"]}) == 12
    assert json.dumps(serial)  # plain data


def test_learning_curve_and_user_callable_identical_across_backends(tiny_data, cluster):
    x, y = tiny_data
    _, client = cluster

    def build(lam):  # a closure: cloudpickle sends it by value to the workers
        model = Sequential([Dense(6, activation="tanh"), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], lam=lam)
        return model

    runs = [learning_curve(build, x, y, [0.5, 1.0], lam=0.1, n_jobs=n_jobs, scheduler=scheduler, **TINY)
            for n_jobs, scheduler in [(1, None), (2, None), (1, client)]]
    assert runs[0].to_dict() == runs[1].to_dict() == runs[2].to_dict()
    assert runs[0].config["model"].endswith("build")


def test_same_seed_reproduces_and_seeds_differ(tiny_data):
    x, y = tiny_data
    first = validation_curve(TINY_SPEC, x, y, [0.01], n_jobs=1, **TINY)
    again = validation_curve(TINY_SPEC, x, y, [0.01], n_jobs=1, **TINY)
    assert first.to_dict() == again.to_dict()
    by_seed = {r["seed"]: r for r in first.records if r["fold"] == 0}
    assert by_seed[0]["norms"] != by_seed[1]["norms"]


def test_each_fit_runs_with_one_blas_thread(tiny_data):
    import threadpoolctl

    x, y = tiny_data
    seen = []

    def build(lam):  # called by the probe in the caller, then inside each task, where the limit is in force
        seen.append([info["num_threads"] for info in threadpoolctl.threadpool_info()])
        model = Sequential([Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        return model

    validation_curve(build, x, y, [0.0], cv=2, epochs=1, n_jobs=1, progress=False)
    assert len(seen) == 1 + 2 and seen[1] and seen[2]
    assert all(threads == 1 for call in seen[1:] for threads in call)


# --- choosing λ where it matters ----------------------------------------------------------------------------
def test_validation_curve_prefers_regularization_on_an_overfitting_network():
    # 200 noisy points, a 2-128-128-1 network and Adam(0.01) for 150 epochs: without a penalty it memorizes
    # the flipped labels (train data loss far below the best possible 0.61, validation loss far above it).
    x, y = noisy_circle(seed=0)
    spec = ModelSpec(hidden=(128, 128), learning_rate=0.01)
    lambdas = [0.0, 1e-3, 3e-3, 1e-2]
    results = validation_curve(spec, x, y, lambdas, cv=3, epochs=150, batch_size=32, n_jobs=2, progress=False)
    val_means = results.column("val_data_loss")
    val_sems = results.column("val_data_loss", "sem")
    best = int(np.argmin(val_means))
    assert results.best_lambda == lambdas[best] > 0.0
    # λ = 0 is worse than the best by more than the noise of the estimate, not by a fluke.
    assert val_means[0] > val_means[best] + val_sems[0] + val_sems[best]
    assert results.best_lambda_1se >= results.best_lambda
    # The other side of the trade-off: the training data loss rises with λ.
    train_means = results.column("train_data_loss")
    assert train_means == sorted(train_means)
    assert train_means[0] < 0.61 < val_means[0]


def test_best_lambda_and_one_standard_error_rule_by_hand():
    # Mean val data loss per λ over two folds: 0.9, 0.5 (sem 0.1), 0.55, 0.58, 0.8.
    losses = {0.0: (0.9, 0.9), 0.01: (0.4, 0.6), 0.1: (0.55, 0.55), 0.3: (0.58, 0.58), 1.0: (0.8, 0.8)}
    records = [{"value": lam, "fold": fold, "seed": 0, "val_data_loss": loss, "norms": {}, "history": {}}
               for lam, pair in losses.items() for fold, loss in enumerate(pair)]
    results = SweepResults("lambda", sorted(losses), records)
    assert results.best_lambda == 0.01
    assert results.column("val_data_loss", "sem")[1] == pytest.approx(0.1)
    assert results.best_lambda_1se == 0.3  # 0.58 ≤ 0.5 + 0.1; 0.8 is not
    row = results.summary()[1]
    assert row["n"] == 2
    assert row["val_data_loss_std"] == pytest.approx(math.sqrt(0.02))
    with pytest.raises(ValueError, match="needs a validation curve.*Received: param='train_size'"):
        _ = SweepResults("train_size", [1], records[:1]).best_lambda


# --- learning curves ----------------------------------------------------------------------------------------
def test_learning_curve_sizes_shapes_and_trend():
    x, y = noisy_circle(seed=1)
    spec = ModelSpec(hidden=(32,), learning_rate=0.01)
    results = learning_curve(spec, x, y, [0.1, 0.3, 1.0], cv=3, epochs=60, seeds=(0, 1), n_jobs=2,
                             progress=False)
    m_max = 200 - math.ceil(200 / 3)  # the smallest training fold: 133 rows
    assert results.param == "train_size"
    assert results.values == [13, 39, m_max]
    assert all(r["n_train"] == r["value"] for r in results.records)
    assert sorted({r["n_val"] for r in results.records}) == [66, 67]
    summary = results.summary()
    assert [row["value"] for row in summary] == results.values
    assert all(row["n"] == 3 * 2 for row in summary)
    expected = {"train_data_loss_mean", "val_data_loss_std", "val_accuracy_sem", "norm/layer_1_mean"}
    assert expected <= set(summary[0])
    train, val = results.column("train_data_loss"), results.column("val_data_loss")
    assert train == sorted(train)  # harder to fit more rows
    assert val == sorted(val, reverse=True)  # better to generalize from more rows
    assert len(results.history_mean(13, "val_data_loss")) == 60


def test_learning_curve_absolute_counts_with_validation_data():
    x, y = noisy_circle(seed=2, n=80)
    x_val, y_val = noisy_circle(seed=3, n=30)
    results = learning_curve(TINY_SPEC, x, y, [10, 40, 80, 40], validation_data=(x_val, y_val), epochs=2,
                             seeds=(0, 1), n_jobs=1, progress=False)
    assert results.values == [10, 40, 80]
    assert {(r["value"], r["n_train"], r["n_val"], r["fold"]) for r in results.records} == {
        (10, 10, 30, 0), (40, 40, 30, 0), (80, 80, 30, 0)}
    assert results.config["validation_data"] is True and results.config["cv"] is None


def test_kfold_splits_partition_the_rows():
    splits = kfold_splits(11, 3, seed=5)
    vals = [v for _, v in splits]
    assert [len(v) for v in vals] == [4, 4, 3]
    assert sorted(np.concatenate(vals).tolist()) == list(range(11))
    for train, val in splits:
        assert sorted(np.concatenate([train, val]).tolist()) == list(range(11))


# --- what a record holds ------------------------------------------------------------------------------------
def test_record_contents_classifier(tiny_data):
    x, y = tiny_data
    record = validation_curve(TINY_SPEC, x, y, [0.01], n_jobs=1, **TINY).records[0]
    assert record["train_error"] == pytest.approx(1 - record["train_accuracy"])
    assert record["val_loss"] == pytest.approx(record["val_data_loss"] + record["val_penalty_loss"])
    assert record["val_penalty_loss"] > 0
    assert set(record["norms"]) == {"layer_1", "layer_2"}
    history = record["history"]
    assert len(history["val_data_loss"]) == 3
    assert history["norm/layer_1/kernel"][-1] == record["norms"]["layer_1"]
    assert "penalty/layer_2/kernel" in history
    # The final-epoch validation numbers are those of the final weights.
    assert history["val_data_loss"][-1] == record["val_data_loss"]


def test_regression_records_mse():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=40)
    spec = ModelSpec(hidden=(4,), output_activation="linear", loss="mse", metrics=())
    results = validation_curve(spec, x, y, [0.0, 0.1], cv=2, epochs=2, n_jobs=1, progress=False)
    assert results.metric == "mse"
    record = results.records[0]
    assert "val_error" not in record and "val_accuracy" not in record
    assert record["val_mse"] == pytest.approx(record["val_data_loss"], rel=1e-5)


def test_validation_data_gives_one_fold(tiny_data):
    x, y = tiny_data
    x_val, y_val = noisy_circle(seed=9, n=20)
    results = validation_curve(TINY_SPEC, x, y, [0.0, 0.1], validation_data=(x_val, y_val), cv=99, epochs=2,
                               n_jobs=1, progress=True)
    assert [(r["fold"], r["n_train"], r["n_val"]) for r in results.records] == [(0, 60, 20)] * 2


# --- export -------------------------------------------------------------------------------------------------
def test_export_round_trip(tiny_data, tmp_path):
    x, y = tiny_data
    results = validation_curve(TINY_SPEC, x, y, [0.0, 0.01, 0.1], n_jobs=1, **TINY)
    results.to_json(tmp_path / "sweep.json")
    loaded = SweepResults.from_dict(json.loads((tmp_path / "sweep.json").read_text()))
    assert loaded.to_dict() == results.to_dict()
    assert loaded == SweepResults.from_json(tmp_path / "sweep.json")
    assert loaded.best_lambda == results.best_lambda and loaded.summary() == results.summary()

    results.to_csv(tmp_path / "summary.csv")
    with open(tmp_path / "summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert {"value", "n", "val_data_loss_mean", "val_data_loss_std", "train_loss_mean"} <= set(rows[0])
    assert [float(row["val_data_loss_mean"]) for row in rows] == results.column("val_data_loss")

    frame = results.to_frame()
    assert frame.shape[0] == 3
    assert list(frame["value"]) == [0.0, 0.01, 0.1]
    assert frame["val_data_loss_mean"].tolist() == results.column("val_data_loss")


def test_from_dict_errors():
    with pytest.raises(ValueError, match="must have the keys .*Received: data without \\['records'\\]"):
        SweepResults.from_dict({"param": "lambda", "values": []})
    with pytest.raises(TypeError, match="must be a dict"):
        SweepResults.from_dict([1, 2])
    with pytest.raises(ValueError, match=r"Received: data\['param'\]='alpha'"):
        SweepResults.from_dict({"param": "alpha", "values": [], "records": []})


MALFORMED = [  # (the data, where the message points)
    ({"param": "lambda", "values": "abc", "records": []}, r"data\['values'\]"),
    ({"param": "lambda", "values": [0.1, float("inf")], "records": []}, r"data\['values'\]\[1\]"),
    ({"param": "lambda", "values": [0.1], "records": {"value": 0.1}}, r"data\['records'\]"),
    ({"param": "lambda", "values": [0.1], "records": [[0.1]]}, r"data\['records'\]\[0\]"),
    ({"param": "lambda", "values": [0.1], "records": [{"value": 0.1}]}, r"data\['records'\]\[0\]\['fold'\]"),
    ({"param": "lambda", "values": [0.1], "records": [{"value": 0.2, "fold": 0, "seed": 0}]},
     r"data\['records'\]\[0\]\['value'\]` must be one of data\['values'\]"),
    ({"param": "lambda", "values": [0.1], "records": [{"value": 0.1, "fold": 0, "seed": 0, "val_data_loss": "x"}]},
     r"\['val_data_loss'\]` must be a finite number"),
    ({"param": "lambda", "values": [0.1], "records": [{"value": 0.1, "fold": 0, "seed": 0, "norms": [1]}]},
     r"\['norms'\]` must be a dict"),
    ({"param": "lambda", "values": [0.1], "records": [{"value": 0.1, "fold": 0, "seed": 0, "history": {"a": 5}}]},
     r"\['history'\]\['a'\]` must be a list"),
    ({"param": "lambda", "values": [0.1], "records": [], "config": []}, r"data\['config'\]"),
    ({"param": "lambda", "values": [0.1], "records": [], "metric": 5}, r"data\['metric'\]"),
]


@pytest.mark.hostile("results files")
@pytest.mark.parametrize("data, where", MALFORMED)
def test_from_dict_refuses_malformed_data_naming_the_place(data, where, outcome):
    with pytest.raises(ValueError, match=rf"{where}.*Received: "):
        SweepResults.from_dict(data)
    outcome("refused cleanly")


@pytest.mark.hostile("results files")
def test_from_json_refuses_what_is_not_a_results_file(tmp_path, outcome):
    path = tmp_path / "results.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(ValueError, match="not a JSON results file"):
        SweepResults.from_json(path)
    outcome("refused cleanly")


# --- ModelSpec ----------------------------------------------------------------------------------------------
def test_model_spec_pickles_and_builds():
    spec = ModelSpec(hidden=[25, 15], convention="lecture")
    assert spec.hidden == (25, 15)
    assert pickle.loads(pickle.dumps(spec)) == spec
    model = spec.for_targets(np.zeros(10))(0.7, n_samples=400, seed=0)
    assert [layer.units for layer in model.layers] == [25, 15, 1]
    assert model.compile_regularization.regularizer.l2 == pytest.approx(0.7 / 800)  # λ/(2m)
    assert spec(0.0, n_samples=400).compile_regularization.regularizer is None
    softmax = ModelSpec(output_activation="softmax", loss="sparse_categorical_crossentropy")
    assert softmax.for_targets(np.array([0, 2, 1, 2])).n_outputs == 3
    assert softmax.for_targets(np.zeros((4, 5))).n_outputs == 5


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hidden": (0,)}, ValueError, "Received: hidden=0"),
    ({"hidden": 5}, TypeError, "Received: hidden=5"),
    ({"convention": "adamw"}, ValueError, "Received: convention='adamw'"),
    ({"loss": "mse"}, ValueError, "'accuracy' needs a classification loss.*Received: loss='mse'"),
    ({"learning_rate": -1.0}, ValueError, "Received: learning_rate=-1.0"),
    ({"optimizer": "adamx"}, ValueError, "Received: optimizer='adamx'"),
    ({"metrics": "accuracy"}, TypeError, "Received: metrics='accuracy'"),
])
def test_model_spec_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ModelSpec(**kwargs)


def test_model_spec_lecture_convention_needs_m():
    with pytest.raises(ValueError, match="needs the training-set size m.*Received: n_samples=None"):
        ModelSpec(convention="lecture")(0.7)


# --- argument errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    ({"lambdas": []}, ValueError, "`lambdas` must be a non-empty sequence.*Received: lambdas=\\[\\]"),
    ({"lambdas": [0.1, -1.0]}, ValueError, "finite numbers ≥ 0. Received: lambdas=\\[0.1, -1.0\\]"),
    ({"lambdas": [float("nan")]}, ValueError, "Received: lambdas=\\[nan\\]"),
    ({"lambdas": [True]}, ValueError, "Received: lambdas=\\[True\\]"),
    ({"lambdas": [0.1, 0.1]}, ValueError, "must not repeat.*Received: lambdas=\\[0.1, 0.1\\]"),
    ({"lambdas": 0.1}, ValueError, "Received: lambdas=0.1"),
    ({"cv": 1}, ValueError, "2 ≤ cv ≤ n = 60.*Received: cv=1"),
    ({"cv": 61}, ValueError, "Received: cv=61"),
    ({"cv": 2.0}, TypeError, "Received: cv=2.0"),
    ({"seeds": ["a"]}, TypeError, "`seeds` must be an int ≥ 0.*Received: seeds=\\['a'\\]"),
    ({"seeds": [-1]}, ValueError, "Received: seeds=\\[-1\\]"),
    ({"seeds": []}, ValueError, "Received: seeds=\\[\\]"),
    ({"seeds": (1, 1)}, ValueError, "must not repeat.*Received: seeds=\\[1, 1\\]"),
    ({"n_jobs": 0}, ValueError, "other than 0.*Received: n_jobs=0"),
    ({"n_jobs": 1.5}, TypeError, "Received: n_jobs=1.5"),
    ({"scheduler": 42}, TypeError, "Received: scheduler=42"),
    ({"scheduler": "localhost"}, ValueError, "Received: scheduler='localhost'"),
    ({"progress": "yes"}, TypeError, "Received: progress='yes'"),
    ({"epochs": 0}, ValueError, "Received: epochs=0"),
    ({"batch_size": None}, TypeError, "Received: batch_size=None"),
    ({"build_model": "mlp"}, TypeError,
     "`build_model` must be a ModelSpec or a callable.*Received: build_model='mlp'"),
    ({"build_model": lambda lam: "no model"}, TypeError,
     "must return a compiled glassnet Sequential. Received: build_model\\(0.0\\) returned 'no model'"),
    ({"y": np.zeros(59)}, ValueError,
     "same number of samples. Received: x with shape \\(60, 2\\), y with shape"),
    ({"x": np.zeros(60)}, ValueError, "2-D array.*Received: x with shape \\(60,\\)"),
    ({"x": np.full((60, 2), "a")}, TypeError, "`x` must be a numeric array. Received: x with dtype <U1"),
    ({"y": np.full(60, np.inf)}, ValueError, "`y` must contain only finite numbers. Received: y with inf"),
    ({"validation_data": (np.zeros((5, 2)),)}, ValueError,
     "tuple \\(x_val, y_val\\). Received: validation_data"),
    ({"metric": "f1"}, ValueError, "`metric` must be a metric name.*Unknown metric.*Received: metric='f1'"),
    ({"metric": 3}, TypeError, "Received: metric=3"),
])
def test_validation_curve_argument_errors(tiny_data, kwargs, error, message):
    x, y = tiny_data
    arguments = {"build_model": TINY_SPEC, "x": x, "y": y, "lambdas": [0.0, 0.1], "cv": 2, "epochs": 1,
                 "n_jobs": 1, "progress": False, **kwargs}
    with pytest.raises(error, match=message):
        validation_curve(**arguments)


@pytest.mark.parametrize("train_sizes, error, message", [
    ([], TypeError, "non-empty sequence.*Received: train_sizes=\\[\\]"),
    ([0.5, 10], ValueError, "not a mix. Received: train_sizes=\\[0.5, 10\\]"),
    ([0.0, 0.5], ValueError, "fractions in \\(0, 1\\].*Received: train_sizes=\\[0.0, 0.5\\]"),
    ([1.5], ValueError, "Received: train_sizes=\\[1.5\\]"),
    ([31], ValueError, "row counts in \\[1, 30\\].*Received: train_sizes=\\[31\\]"),
])
def test_learning_curve_argument_errors(tiny_data, train_sizes, error, message):
    x, y = tiny_data
    with pytest.raises(error, match=message):
        learning_curve(TINY_SPEC, x, y, train_sizes, cv=2, epochs=1, n_jobs=1, progress=False)


def test_learning_curve_lam_error(tiny_data):
    x, y = tiny_data
    with pytest.raises(ValueError, match="Received: lam=-0.5"):
        learning_curve(TINY_SPEC, x, y, [1.0], lam=-0.5, n_jobs=1, progress=False)


def test_a_standardizing_spec_adapts_on_each_fits_own_training_rows(tiny_data):
    x, y = tiny_data
    x = x * 100 + 7  # far from unit scale
    spec = ModelSpec(hidden=(4,), standardize=True).for_targets(y)
    train, _ = kfold_splits(len(x), 3, seed=0)[1]
    model = spec(0.01, n_samples=len(train), batch_size=32, seed=0, x=x[train])
    normalization = model.layers[0]
    np.testing.assert_allclose(normalization.mean.value, x[train].mean(axis=0), rtol=1e-6)
    assert not np.allclose(normalization.mean.value, x.mean(axis=0), rtol=1e-6)  # not all rows' statistics
    results = validation_curve(spec, x, y, [0.0], n_jobs=1, **TINY)
    assert set(results.records[0]["norms"]) == {"layer_1", "layer_2"}  # Dense layers by position
    assert math.isfinite(results.summary()[0]["val_data_loss_mean"])
