"""glassnet — its compiled engine and its NumPy path — vs JAX (jit + lax.scan, optax), PyTorch eager, Keras 3
(TensorFlow) and scikit-learn's MLP on issue 5's workloads and issue 15's T, in one run.

Each repetition times every framework once per workload, in turn, so a change in machine load hits all of them
alike; the table reports medians of samples per second and the ratio of each glassnet engine to each framework.
The thread count is the same for all (BLAS via threadpoolctl, torch.set_num_threads, TensorFlow's intra-op pool)
but JAX's XLA, which runs on one thread (see set_threads). JAX is optional (requirements/bench.in, which
``make bench`` installs): without it, its rows are left out.

Run:  .venv/bin/python benchmarks/bench_peers.py [--repeats 5] [--workloads S,T,B,D,P] [--json out.json] [--docs]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import time
from pathlib import Path

from peers import RUNNERS, workloads

#: The targets: (workload, framework) → the least ratio of samples/s, for each glassnet engine. The NumPy path
#: keeps issue 5's; the compiled engine has issue 15's.
TARGETS = {"glassnet-numpy": {("S", "pytorch"): 4.0, ("S", "scikit-learn"): 2.0, ("S", "keras"): 6.0,
                              ("B", "pytorch"): 0.9, ("D", "pytorch"): 3.0},
           "glassnet": {("S", "jax"): 4.0, ("S", "glassnet-numpy"): 8.0, ("S", "pytorch"): 40.0,
                        ("T", "jax"): 4.0, ("B", "pytorch"): 1.0}}
ENGINES = ("glassnet", "glassnet-numpy")


def available_frameworks() -> list[str]:
    """Every runner whose library is installed (JAX comes with requirements/bench.in only)."""
    return [name for name in RUNNERS if name != "jax" or importlib.util.find_spec("jax") is not None]


def set_threads(n: int) -> object:
    # XLA on one thread, whatever n (set before JAX is first imported): its thread pool, spinning between calls,
    # otherwise starves the other frameworks' threads in this process (PyTorch ran 15× slower beside it), and one
    # thread was JAX's faster setting on these workloads here anyway.
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    try:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised: the setting stays as it was first set
        pass
    return threadpool_limits(n)


def run(names: list[str], frameworks: list[str], repeats: int, scale: float) -> dict:
    all_workloads = workloads(scale)
    results: dict = {}
    for name in names:
        w = all_workloads[name]
        rows = w.rows_per_call
        runners = {}
        for fw in frameworks:
            runner = RUNNERS[fw]()
            runner.prepare(w)  # includes the warm-up epoch
            runners[fw] = runner
        times: dict[str, list[float]] = {fw: [] for fw in frameworks}
        for _ in range(repeats):
            for fw, runner in runners.items():
                start = time.perf_counter()
                runner.epoch()
                times[fw].append(time.perf_counter() - start)
        results[name] = {fw: {"median_seconds": statistics.median(t), "samples_per_second": rows / statistics.median(t),
                              "all_seconds": t} for fw, t in times.items()}
    return results


def _ratio_cell(engine: str, name: str, fw: str, by_fw: dict) -> tuple[str, str]:
    """(the engine's ratio to ``fw``, and its target with whether it is met) as table cells."""
    mine = by_fw.get(engine, {}).get("samples_per_second")
    if fw == engine or not mine:
        return "—", ""
    ratio = mine / by_fw[fw]["samples_per_second"]
    target = TARGETS[engine].get((name, fw))
    met = "" if target is None else f"≥ {target}× {'yes' if ratio >= target else '**no**'}"
    return f"{ratio:.2f}×", met


def table(results: dict) -> str:
    lines = ["| workload | framework | samples/s (median) | compiled ÷ framework | target | "
             "NumPy path ÷ framework | target |", "|---|---|---:|---:|---|---:|---|"]
    for name, by_fw in results.items():
        for fw, numbers in by_fw.items():
            compiled, compiled_target = _ratio_cell("glassnet", name, fw, by_fw)
            numpy_ratio, numpy_target = _ratio_cell("glassnet-numpy", name, fw, by_fw)
            label = {"glassnet": "glassnet (compiled)", "glassnet-numpy": "glassnet (NumPy path)"}.get(fw, fw)
            lines.append(f"| {name} | {label} | {numbers['samples_per_second']:,.0f} | {compiled} | "
                         f"{compiled_target} | {numpy_ratio} | {numpy_target} |")
    return "\n".join(lines)


def machine() -> str:
    import numpy

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {numpy.__version__}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="S,T,B,D,P")
    parser.add_argument("--frameworks", default=",".join(available_frameworks()))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the workloads (smoke test)")
    parser.add_argument("--json", help="write the results as JSON here")
    parser.add_argument("--docs", action="store_true", help="rewrite docs/benchmarks.md with this table")
    args = parser.parse_args(argv)
    limits = set_threads(args.threads)
    results = run(args.workloads.split(","), args.frameworks.split(","), args.repeats, args.scale)
    del limits
    text = table(results)
    print(f"{machine()}, {args.threads} threads, {args.repeats} repetitions\n")
    print(text)
    payload = {"machine": machine(), "threads": args.threads, "repeats": args.repeats, "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=1))
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        docs.write_text(_docs_page(text, payload))
    return payload


def _docs_page(text: str, payload: dict) -> str:
    return f"""# Benchmarks

Measured with `make bench` (benchmarks/bench_peers.py): glassnet's two engines — the compiled epoch
(`jit_compile=True`, docs/compiled.md) and the NumPy path (`jit_compile=False`), which give the same bits — against
JAX (the epoch one jitted `lax.scan`, optax's Adam), PyTorch eager, Keras 3 on TensorFlow and scikit-learn's
MLPClassifier on the same data, architecture, L2 and Adam (lr 1e-3), float32, one timed call after a warm-up epoch,
{payload['repeats']} alternated repetitions, medians. Ratios matter, not absolute numbers: the machine is shared.

Machine: {payload['machine']}; {payload['threads']} thread(s) for every framework. (One, in `make bench`: with
two, the thread pool a framework leaves spinning after its turn starves the next one's on these shared 2-core
machines — PyTorch's two OpenMP threads fell from ~45,000 to ~3,000 samples/s on S after any other framework's
turn, glassnet's NumPy path included.)

Both glassnet engines give the same bits. The compiled engine's targets against JAX (≥ 4× on S and T) are out of
reach under that rule: docs/compiled.md ("Speed") has the profile that says why, and what would reach them.

Workloads: **S** the lecture's network 25-15-1 on 20,000×30 synthetic binary data, L2(0.01) on every kernel,
batch 32; **T** the TF Playground's size, 2 inputs, 8-8 tanh, L2(0.01), batch 10, 500 rows of its XOR data, 20
epochs per timed call (as the Playground trains: one long fit); **B** the S data with hidden 512-512, batch 256;
**D** scikit-learn's digits (1,797×64, 10 classes), 64-128-64-10 softmax, batch 64; **P** prediction with the S
model on 1,000,000 rows (both glassnet engines predict with the same NumPy code).

{text}
"""


if __name__ == "__main__":
    main()
