"""glassnet's two engines against each other: ``fit`` on the compiled epoch (``jit_compile=True``) and on the NumPy
path (``jit_compile=False``), samples per second, and whether they end with the same bits.

Workloads, float32 (benchmarks/peers.py's data), after a warm-up epoch (which also loads or compiles the engine and
runs its self-check):
- S: the lecture's network, 30 → 25 relu → 15 relu → 1 sigmoid, L2(0.01) on every kernel, Adam(1e-3), batch 32,
  20,000 rows, one epoch per call;
- T: the Playground's size, 2 → 8 tanh → 8 tanh → 1 sigmoid, L2(0.01), Adam(1e-3), batch 10, 500 rows, 20 epochs
  per call.

The two alternate, ``--repeats`` times; medians and their ratio are printed. Both train the same model from the
same seeds; their weights, optimizer state and History are compared bit for bit at the end.

Run:  .venv/bin/python benchmarks/bench_compiled.py [--repeats 7] [--workloads S,T] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import playground, synthetic

from glassnet import L2, Adam, Dense, Sequential


def workloads(scale: float = 1.0) -> dict[str, tuple]:
    """name → (make_model(jit_compile), x, y, batch size, epochs per call); ``scale`` < 1 shrinks the rows."""
    def maker(hidden: tuple[int, int], activation: str):
        """Two hidden layers and a sigmoid output, L2(0.01) on every kernel, Adam(1e-3)."""
        def make(jit: bool) -> Sequential:
            model = Sequential([*(Dense(units, activation, kernel_regularizer=L2(0.01)) for units in hidden),
                                Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=0)
            model.compile(Adam(1e-3), "binary_crossentropy", jit_compile=jit)
            return model
        return make

    s_model, t_model = maker((25, 15), "relu"), maker((8, 8), "tanh")

    x, y = synthetic(max(320, int(20_000 * scale)))
    xt, yt = playground(max(50, int(500 * scale)))
    return {"S": (s_model, x, y, 32, 1), "T": (t_model, xt, yt, 10, max(1, int(20 * scale)))}


def run(name: str, workload: tuple, repeats: int) -> dict:
    make, x, y, batch_size, epochs = workload
    models = {"numpy": make(False), "compiled": make(True)}
    histories = {}
    for model in models.values():
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, seed=0)  # warm-up
    times: dict[str, list[float]] = {"numpy": [], "compiled": []}
    for repeat in range(repeats):  # alternate, so drifts in machine load hit both alike
        for engine, model in models.items():
            start = time.perf_counter()
            histories[engine] = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, seed=repeat + 1)
            times[engine].append(time.perf_counter() - start)
    a, b = models["numpy"], models["compiled"]
    identical = all(u.tobytes() == v.tobytes() for u, v in zip(a.get_weights(), b.get_weights())) and all(
        u.tobytes() == v.tobytes() for u, v in zip(a.optimizer.state_arrays(), b.optimizer.state_arrays())) and \
        list(histories["numpy"].history.values()) == list(histories["compiled"].history.values())
    medians = {k: statistics.median(v) for k, v in times.items()}
    rows = x.shape[0] * epochs
    return {"workload": name, "rows": rows, "batch_size": batch_size, "epochs_per_call": epochs,
            "numpy_samples_per_second": rows / medians["numpy"],
            "compiled_samples_per_second": rows / medians["compiled"],
            "ratio": medians["numpy"] / medians["compiled"], "identical_weights": identical,
            "engine": str(b.engine)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workloads", default="S,T")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the data (smoke test)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    chosen = workloads(args.scale)
    results = [run(name, chosen[name], args.repeats) for name in args.workloads.split(",")]
    for r in results:
        print(f"{r['workload']}: NumPy path {r['numpy_samples_per_second']:,.0f} samples/s, compiled "
              f"{r['compiled_samples_per_second']:,.0f} samples/s, ratio {r['ratio']:.1f}x, "
              f"same bits: {r['identical_weights']}")
    payload = {"repeats": args.repeats, "results": results}
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return payload


if __name__ == "__main__":
    main()
