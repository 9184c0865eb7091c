"""The compiled epoch (glassnet.compiled, issue 15) against glassnet's NumPy ``fit``, samples per second.

Workloads, float32, one epoch each, after a warm-up epoch (and the engine's self-check, which also loads or
compiles its code):
- S: the lecture's network, 30 → 25 relu → 15 relu → 1 sigmoid, L2(0.01) on every kernel, Adam(1e-3), batch 32,
  on benchmarks/peers.py's synthetic 20,000×30 data;
- T: TF-Playground size, 2 → 8 tanh → 8 tanh → 1 sigmoid, Adam(1e-3), batch 10, 500 rows.

Each timed epoch is what ``fit`` does for an epoch — the shuffled order from the fit's generator, every step, the
loss parts — on the NumPy path (``model.fit(..., epochs=1)``) or through the compiled epoch (the permutation,
``run_epoch`` and the epoch's loss logs from its per-batch parts). The two alternate, ``--repeats`` times; medians
and their ratio are printed. Both sides train the same model from the same seed and end with the same bits
(checked after the timing).

Run:  .venv/bin/python benchmarks/bench_compiled.py [--repeats 7] [--workloads S,T] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import synthetic

from glassnet import L2, Adam, Dense, Sequential


def workloads(scale: float = 1.0) -> dict[str, tuple]:
    """name → (make_model, x, y, batch size); ``scale`` < 1 shrinks the rows for the smoke test."""
    def s_model() -> Sequential:
        model = Sequential([Dense(25, "relu", kernel_regularizer=L2(0.01)),
                            Dense(15, "relu", kernel_regularizer=L2(0.01)),
                            Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=0)
        model.compile(Adam(1e-3), "binary_crossentropy")
        return model

    def t_model() -> Sequential:
        model = Sequential([Dense(8, "tanh"), Dense(8, "tanh"), Dense(1, "sigmoid")], seed=0)
        model.compile(Adam(1e-3), "binary_crossentropy")
        return model

    x, y = synthetic(max(320, int(20_000 * scale)))
    rng = np.random.default_rng(0)
    xt = rng.uniform(-6, 6, size=(max(50, int(500 * scale)), 2)).astype("float32")
    yt = (xt[:, 0] * xt[:, 1] > 0).astype("float32")
    return {"S": (s_model, x, y, 32), "T": (t_model, xt, yt, 10)}


class CompiledRunner:
    """One model trained epoch after epoch by the compiled engine, as phase 2's fit would drive it."""

    def __init__(self, model: Sequential, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
        from glassnet.compiled import EpochState, plan_for
        from glassnet.compiled.library import native_table

        self.model, self.x, self.batch_size = model, x, batch_size
        self.plan = plan_for(model)
        self.state = EpochState.from_model(model, self.plan)
        self.y = model.loss.prepare_targets(y, self.plan.n_outputs, self.plan.dtype)
        self.rng = np.random.default_rng(seed)
        self.native = native_table(self.plan.dtype)
        self.logs: dict[str, float] = {}

    def epoch(self) -> None:
        from glassnet.compiled import run_epoch

        order = np.arange(self.x.shape[0], dtype=np.int32)
        self.rng.shuffle(order)
        result = run_epoch(self.plan, self.state, self.model.optimizer, self.x, self.y, order, self.batch_size,
                           native=self.native)
        sizes = np.minimum(self.batch_size, self.x.shape[0] - np.arange(result.batches) * self.batch_size)
        data = float(np.dot(result.losses, sizes)) / self.x.shape[0]
        penalty = float(np.dot(sizes, result.penalties.astype(np.float64)).sum()) / self.x.shape[0]
        self.logs = {"loss": data + penalty, "data_loss": data, "penalty_loss": penalty}


def run(name: str, workload: tuple, repeats: int) -> dict:
    make, x, y, batch_size = workload
    numpy_model, compiled_model = make(), make()
    numpy_model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, seed=0)  # warm-up
    compiled_model.build((None, x.shape[1]))
    runner = CompiledRunner(compiled_model, x, y, batch_size, seed=0)
    runner.epoch()  # warm-up (the same first epoch as the NumPy side's)
    times: dict[str, list[float]] = {"numpy": [], "compiled": []}
    for repeat in range(repeats):  # alternate, so drifts in machine load hit both alike
        start = time.perf_counter()
        numpy_model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, seed=repeat + 1)
        times["numpy"].append(time.perf_counter() - start)
        runner.rng = np.random.default_rng(repeat + 1)
        start = time.perf_counter()
        runner.epoch()
        times["compiled"].append(time.perf_counter() - start)
    runner.state.to_model(compiled_model, runner.plan)
    identical = all(np.array_equal(a, b) for a, b in zip(numpy_model.get_weights(), compiled_model.get_weights()))
    medians = {k: statistics.median(v) for k, v in times.items()}
    rows = x.shape[0]
    return {"workload": name, "rows": rows, "batch_size": batch_size,
            "numpy_samples_per_second": rows / medians["numpy"],
            "compiled_samples_per_second": rows / medians["compiled"],
            "ratio": medians["numpy"] / medians["compiled"], "identical_weights": identical}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workloads", default="S,T")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the data (smoke test)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    from glassnet.compiled import self_check

    status = self_check()
    if not status.ok:
        raise SystemExit(f"the compiled engine is not available here: {status.reason}")
    chosen = workloads(args.scale)
    results = [run(name, chosen[name], args.repeats) for name in args.workloads.split(",")]
    for r in results:
        print(f"{r['workload']}: NumPy fit {r['numpy_samples_per_second']:,.0f} samples/s, compiled "
              f"{r['compiled_samples_per_second']:,.0f} samples/s, ratio {r['ratio']:.1f}x, "
              f"same weights: {r['identical_weights']}")
    payload = {"repeats": args.repeats, "results": results}
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return payload


if __name__ == "__main__":
    main()
