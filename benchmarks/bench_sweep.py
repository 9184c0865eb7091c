"""The demo's λ sweep end to end — ``validation_curve`` of the lecture's 25-15-1 network on the breast-cancer data,
5 folds × 9 values of λ, 60 epochs of batches of 32 (``glassnet demo``'s step 2) — on the compiled engine and on
the NumPy path, and whether the two give the same records bit for bit.

Each repetition runs the whole sweep once per engine, alternating, in one process (the engine loaded and
self-checked by a warm-up sweep, as in any process that has trained once); medians are compared. ``--jobs 2``
runs the tasks in joblib's worker processes instead (their engine is loaded in each worker's first task, and the
pool is reused across repetitions).

The models are the demo's ``ModelSpec`` with seed 0 (the demo's one seed), their ``jit_compile`` set per engine.

Run:  .venv/bin/python benchmarks/bench_sweep.py [--repeats 3] [--jobs 1] [--epochs 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from glassnet.demo import LAMBDAS, comparison
from glassnet.experiments import ModelSpec, validation_curve


class DemoModel:
    """``build_model(lam)`` for validation_curve: the demo's network for λ, on one engine (a picklable callable,
    so joblib's workers can build it)."""

    def __init__(self, jit_compile: bool):
        self.jit_compile = jit_compile
        self.spec = ModelSpec(hidden=(25, 15), activation="relu", output_activation="sigmoid",
                              loss="binary_crossentropy", optimizer="adam", learning_rate=comparison.LEARNING_RATE)

    def __call__(self, lam: float):
        model = self.spec(lam, seed=0)
        model.jit_compile = self.jit_compile
        return model


def sweep(jit_compile: bool, data: tuple, epochs: int, jobs: int) -> tuple[float, dict]:
    x, y = data
    start = time.perf_counter()
    results = validation_curve(DemoModel(jit_compile), x, y, LAMBDAS, cv=5, epochs=epochs,
                               batch_size=comparison.BATCH_SIZE, seeds=(0,), n_jobs=jobs, progress=False)
    return time.perf_counter() - start, results.to_dict()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--docs", action="store_true", help="append the result to docs/benchmarks.md")
    args = parser.parse_args(argv)
    x_train, y_train, _, _ = comparison.load_data(0)
    data = (x_train, y_train)
    sweep(True, data, 1, args.jobs)  # warm-up: the engine loaded and self-checked (in every worker)
    times: dict[bool, list[float]] = {False: [], True: []}
    records: dict[bool, dict] = {}
    for _ in range(args.repeats):
        for jit in (False, True):
            seconds, records[jit] = sweep(jit, data, args.epochs, args.jobs)
            times[jit].append(seconds)
    numpy_s, compiled_s = statistics.median(times[False]), statistics.median(times[True])
    payload = {"tasks": 5 * len(LAMBDAS), "epochs": args.epochs, "jobs": args.jobs, "repeats": args.repeats,
               "numpy_seconds": numpy_s, "compiled_seconds": compiled_s, "speedup": numpy_s / compiled_s,
               "identical_records": records[False] == records[True], "all_seconds": {
                   "numpy": times[False], "compiled": times[True]}}
    print(f"demo sweep, 5 folds × {len(LAMBDAS)} λ, {args.epochs} epochs, n_jobs={args.jobs}: NumPy path "
          f"{numpy_s:.2f} s, compiled {compiled_s:.2f} s — {payload['speedup']:.1f}× faster, "
          f"same records: {payload['identical_records']}")
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        with open(docs, "a", encoding="utf-8") as handle:
            handle.write(f"\n## A λ sweep on the compiled engine (issue 15)\n\n`benchmarks/bench_sweep.py`: the demo's "
                         f"sweep (5 folds × {len(LAMBDAS)} λ, {args.epochs} epochs, batch {comparison.BATCH_SIZE}, "
                         f"n_jobs={args.jobs}, median of {args.repeats}, alternated): NumPy path {numpy_s:.2f} s, "
                         f"compiled engine {compiled_s:.2f} s — **{payload['speedup']:.1f}×** faster end to end "
                         f"(target ≥ 5×); the records bit for bit the same: {payload['identical_records']}.\n")
    return payload


if __name__ == "__main__":
    main()
