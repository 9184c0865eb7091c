"""Memory and scale (issue 5.3): fit and predict on a memory-mapped 10M×30 float32 .npy (1.2 GB) with bounded peak
RSS, and samples per second that stay flat from 10k to 1M rows.

Run:  .venv/bin/python benchmarks/bench_memory.py [--rows 10000000] [--scaling 10000,100000,1000000]
                                                 [--mmap-mode r]

The memory run happens in a fresh subprocess, so its peak RSS (ru_maxrss) counts only that run: Python, NumPy,
glassnet, y, the shuffle order and the resident part of the mapped file.

``--mmap-mode c`` measures a copy-on-write mapping instead: its pages are never released (they may hold the
user's edits) and shuffled rows are read through the mapping, so its peak RSS grows with the file — the price
of never losing an edit (glassnet.engine.mapped_io).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
import numpy as np
from glassnet import L2, Dense, Sequential

x = np.load(sys.argv[1], mmap_mode=sys.argv[4])
y = np.load(sys.argv[2], mmap_mode=sys.argv[4])
model = Sequential([Dense(25, "relu", kernel_regularizer=L2(0.01)), Dense(15, "relu", kernel_regularizer=L2(0.01)),
                    Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=0)
model.compile("adam", "binary_crossentropy")
start = time.perf_counter()
history = model.fit(x, y, batch_size=int(sys.argv[3]), epochs=1, validation_split=0.1, verbose=0, seed=0)
fit_seconds = time.perf_counter() - start
start = time.perf_counter()
predictions = model.predict(x, batch_size=8192)
predict_seconds = time.perf_counter() - start
# VmHWM: this process's own peak resident memory. (ru_maxrss is carried across fork+exec on Linux, so it would
# report the parent's resident pages at the fork instead.)
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"rows": int(x.shape[0]), "fit_seconds": fit_seconds, "predict_seconds": predict_seconds,
                  "peak_rss_mb": hwm_kb / 1024,
                  "loss": history.history["loss"][-1], "predictions": int(predictions.shape[0])}))
"""


def write_npy(path: Path, rows: int, features: int, seed: int = 0) -> tuple[Path, Path]:
    """x (rows, features) float32 and y (rows,) written chunk by chunk: never all in memory."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=features).astype("float32")
    x_path, y_path = path / "x.npy", path / "y.npy"
    x = np.lib.format.open_memmap(x_path, mode="w+", dtype="float32", shape=(rows, features))
    y = np.lib.format.open_memmap(y_path, mode="w+", dtype="float32", shape=(rows,))
    for start in range(0, rows, 1_000_000):
        chunk = rng.normal(size=(min(1_000_000, rows - start), features)).astype("float32")
        x[start:start + len(chunk)] = chunk
        y[start:start + len(chunk)] = (chunk @ w > 0).astype("float32")
    x.flush()
    y.flush()
    del x, y
    return x_path, y_path


def memory_run(rows: int, batch_size: int = 32, mmap_mode: str = "r") -> dict:
    with tempfile.TemporaryDirectory() as folder:
        x_path, y_path = write_npy(Path(folder), rows, 30)
        out = subprocess.run([sys.executable, "-c", CHILD, str(x_path), str(y_path), str(batch_size), mmap_mode],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    result["file_mb"] = rows * 30 * 4 / 2**20
    result["mmap_mode"] = mmap_mode
    result["fit_samples_per_second"] = rows * 0.9 / result["fit_seconds"]
    return result


def scaling_run(sizes: list[int], repeats: int = 3) -> dict:
    from glassnet import L2, Dense, Sequential

    rng = np.random.default_rng(0)
    x_all = rng.normal(size=(max(sizes), 30)).astype("float32")
    y_all = (x_all[:, 0] > 0).astype("float32")
    models = {}
    for n in sizes:
        model = Sequential([Dense(25, "relu", kernel_regularizer=L2(0.01)),
                            Dense(15, "relu", kernel_regularizer=L2(0.01)),
                            Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=0)
        model.compile("adam", "binary_crossentropy")
        model.fit(x_all[: min(n, 10_000)], y_all[: min(n, 10_000)], epochs=1, verbose=0, seed=0)  # warm-up
        models[n] = model
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(repeats):  # sizes alternate, so a change in machine load hits all of them alike
        for n in sizes:
            start = time.perf_counter()
            models[n].fit(x_all[:n], y_all[:n], epochs=1, verbose=0, seed=1)
            times[n].append((time.perf_counter() - start) / n)
    speeds = {n: 1 / statistics.median(t) for n, t in times.items()}
    spread = max(speeds.values()) / min(speeds.values())
    return {"samples_per_second": speeds, "max_over_min": spread}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--scaling", default="10000,100000,1000000")
    parser.add_argument("--mmap-mode", choices=["r", "c"], default="r",
                        help="'r' shared read-only (the target), 'c' copy-on-write")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--docs", action="store_true", help="append the result to docs/benchmarks.md")
    args = parser.parse_args(argv)
    memory = memory_run(args.rows, mmap_mode=args.mmap_mode)
    print(f"memory-mapped x (mmap_mode={args.mmap_mode!r}): {memory['rows']:,}×30 float32 "
          f"({memory['file_mb']:,.0f} MB); fit 1 epoch "
          f"(validation_split=0.1) {memory['fit_samples_per_second']:,.0f} samples/s, predict "
          f"{memory['rows'] / memory['predict_seconds']:,.0f} rows/s; peak RSS {memory['peak_rss_mb']:.0f} MB "
          f"(target ≤ 300 MB)")
    scaling = scaling_run([int(s) for s in args.scaling.split(",")])
    line = ", ".join(f"{n:,} rows: {v:,.0f}/s" for n, v in scaling["samples_per_second"].items())
    print(f"in-memory fit, samples/s by size: {line}; max/min = {scaling['max_over_min']:.2f} (target ≤ 1.2)")
    result = {"memory": memory, "scaling": scaling}
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        with open(docs, "a", encoding="utf-8") as handle:
            handle.write(
                f"\n## Memory and scale (issue 5.3)\n\n`benchmarks/bench_memory.py`: `fit` (1 epoch, "
                f"`validation_split=0.1`) and `predict` on a memory-mapped {memory['rows']:,}×30 float32 `.npy` "
                f"({memory['file_mb']:,.0f} MB): peak RSS **{memory['peak_rss_mb']:.0f} MB** (target ≤ 300 MB), "
                f"{memory['fit_samples_per_second']:,.0f} samples/s (shuffled rows are read from the file), "
                f"predict {memory['rows'] / memory['predict_seconds']:,.0f} rows/s.\n\n"
                f"In-memory fit, samples/s by size: {line}; max/min = **{scaling['max_over_min']:.2f}** "
                f"(target ≤ 1.2).\n")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
