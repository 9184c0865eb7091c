"""The compiled-engine benchmark runs and trains both sides to the same weights (no timing assertions: speed is
judged in benchmarks/, not here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numba  # noqa: F401 - the benchmark needs the engine's optional dependency

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_compiled_benchmark_runs_both_workloads(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    sys.modules.pop("peers", None)
    spec = importlib.util.spec_from_file_location("bench_compiled", BENCHMARKS / "bench_compiled.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "compiled.json"
    payload = bench.main(["--repeats", "1", "--scale", "0.02", "--json", str(out)])
    assert [r["workload"] for r in payload["results"]] == ["S", "T"]
    for result in payload["results"]:
        assert result["identical_weights"] is True
        assert result["numpy_samples_per_second"] > 0 and result["compiled_samples_per_second"] > 0
    assert out.read_text().startswith("{")
