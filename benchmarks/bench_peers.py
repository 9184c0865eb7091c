"""glassnet vs PyTorch eager, Keras 3 (TensorFlow) and scikit-learn's MLP on issue 5's workloads, in one run.

Each repetition times every framework once per workload, in turn, so a change in machine load hits all of them
alike; the table reports medians of samples per second and glassnet's ratio to each peer. The thread count is the
same for all (BLAS via threadpoolctl, torch.set_num_threads, TensorFlow's intra-op pool).

Run:  .venv/bin/python benchmarks/bench_peers.py [--repeats 5] [--workloads S,B,D,P] [--json out.json] [--docs]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from peers import RUNNERS, workloads

#: Issue 5's targets: glassnet's samples/s divided by the peer's, at least.
TARGETS = {("S", "pytorch"): 4.0, ("S", "scikit-learn"): 2.0, ("S", "keras"): 6.0, ("B", "pytorch"): 0.9,
           ("D", "pytorch"): 3.0}


def set_threads(n: int) -> object:
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
        rows = w.predict_rows or len(w.x)
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


def table(results: dict) -> str:
    lines = ["| workload | framework | samples/s (median) | glassnet ÷ framework | target | met |",
             "|---|---|---:|---:|---:|---|"]
    for name, by_fw in results.items():
        mine = by_fw.get("glassnet", {}).get("samples_per_second")
        for fw, numbers in by_fw.items():
            ratio = mine / numbers["samples_per_second"] if mine else float("nan")
            target = TARGETS.get((name, fw))
            met = "" if target is None else ("yes" if ratio >= target else "**no**")
            lines.append(f"| {name} | {fw} | {numbers['samples_per_second']:,.0f} | "
                         f"{'—' if fw == 'glassnet' else f'{ratio:.2f}×'} | "
                         f"{'' if target is None else f'≥ {target}×'} | {met} |")
    return "\n".join(lines)


def machine() -> str:
    import numpy

    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {numpy.__version__}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="S,B,D,P")
    parser.add_argument("--frameworks", default=",".join(RUNNERS))
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

Measured with `make bench` (benchmarks/bench_peers.py): glassnet against PyTorch eager, Keras 3 on TensorFlow
and scikit-learn's MLPClassifier on the same data, architecture, L2 and Adam (lr 1e-3), float32, one epoch after a
warm-up epoch, {payload['repeats']} alternated repetitions, medians. Ratios matter, not absolute numbers: the
machine is shared.

Machine: {payload['machine']}; {payload['threads']} threads for every framework.

Workloads: **S** the lecture's network 25-15-1 on 20,000×30 synthetic binary data, L2(0.01) on every kernel,
batch 32; **B** the same data with hidden 512-512, batch 256; **D** scikit-learn's digits (1,797×64, 10 classes),
64-128-64-10 softmax, batch 64; **P** prediction with the S model on 1,000,000 rows.

{text}
"""


if __name__ == "__main__":
    main()
