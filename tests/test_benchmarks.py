"""The benchmark scripts work (small sizes, no timing assertions: speed is judged in benchmarks/, not here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.peers  # the benchmarks run the peers

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_history_split_benchmark_runs_and_restores_the_split():
    bench = _load("bench_history_split")
    result = bench.main(repeats=1, rows=256)
    assert result["samples_per_second_split"] > 0 and result["samples_per_second_total_only"] > 0
    # The baseline's patch must not leak: a normal fit afterwards still logs the split.
    model = bench.make_model(0)
    import numpy as np
    history = model.fit(np.zeros((8, 30), "float32"), np.zeros(8, "float32"), verbose=0)
    assert "penalty_loss" in history.history and any(k.startswith("norm/") for k in history.history)


def test_peer_benchmark_runs_every_framework_on_every_workload(tmp_path, monkeypatch):
    import sys

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop("peers", None)
    bench = _load("bench_peers")
    out = tmp_path / "bench.json"
    # JAX is in requirements/bench.in, not in the test set: its runner is left out here.
    frameworks = ["glassnet", "glassnet-numpy", "pytorch", "keras", "scikit-learn"]
    payload = bench.main(["--repeats", "1", "--scale", "0.01", "--threads", "1", "--json", str(out),
                          "--frameworks", ",".join(frameworks)])
    assert set(payload["results"]) == {"S", "T", "B", "D", "P"}
    for by_framework in payload["results"].values():
        assert set(by_framework) == set(frameworks)
        assert all(v["samples_per_second"] > 0 for v in by_framework.values())
    assert out.read_text().startswith("{")
    rows = bench.table(payload["results"]).splitlines()
    assert rows[0].startswith("| workload | framework | samples/s (median) | compiled ÷ framework |")
    assert any(row.startswith("| S | pytorch |") and "≥ 40.0×" in row and "≥ 4.0×" in row for row in rows)


def test_memory_benchmark_runs_on_a_small_mapped_file():
    bench = _load("bench_memory")
    result = bench.main(["--rows", "20000", "--scaling", "2000,4000"])
    memory = result["memory"]
    assert memory["rows"] == 20000 and memory["predictions"] == 20000 and memory["peak_rss_mb"] > 0
    assert set(result["scaling"]["samples_per_second"]) == {2000, 4000}


def test_sweep_benchmark_runs_both_engines_to_the_same_records(tmp_path):
    bench = _load("bench_sweep")
    out = tmp_path / "sweep.json"
    payload = bench.main(["--repeats", "1", "--epochs", "1", "--json", str(out)])
    assert payload["tasks"] == 45 and payload["identical_records"] is True
    assert payload["numpy_seconds"] > 0 and payload["compiled_seconds"] > 0
    assert out.read_text().startswith("{")
