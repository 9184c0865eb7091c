"""What the split History costs: fit with the split logs vs fit logging only the total loss, in one run.

The split (``data_loss``, ``penalty_loss``, one ``penalty/<layer>/<weight>`` per term, ``norm/<layer>/kernel``) is
bookkeeping on numbers every step computes anyway; the baseline replaces that bookkeeping with what a Keras-style
loop does (one running total). Workload S of issue 5: the lecture's 25-15-1 network, 20,000×30 float32, L2(0.01)
on every kernel, Adam, batch 32, one epoch after a warm-up epoch. The two variants alternate; the ratio of medians
is printed (absolute times are noise on a shared machine).

Run:  .venv/bin/python benchmarks/bench_history_split.py [--repeats 7] [--rows 20000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from glassnet import L2, Dense, Sequential
from glassnet.engine import logs, loops


@contextmanager
def total_only_logging():
    """Swap the split bookkeeping for a single running total (the baseline)."""
    original_add, original_logs, original_norms = logs.LossTotals.add, logs.LossTotals.logs, loops.kernel_norms

    def add(self, parts, n):
        self.data += parts.total * n
        self.seen += n

    def total_only(self):
        return {"loss": self.data / self.seen}

    logs.LossTotals.add, logs.LossTotals.logs = add, total_only
    loops.kernel_norms = lambda weights: {}
    try:
        yield
    finally:
        logs.LossTotals.add, logs.LossTotals.logs = original_add, original_logs
        loops.kernel_norms = original_norms


def make_model(seed: int) -> Sequential:
    model = Sequential([Dense(25, "relu", kernel_regularizer=L2(0.01)), Dense(15, "relu", kernel_regularizer=L2(0.01)),
                        Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=seed)
    # The NumPy path, whose bookkeeping issue 3's target is about (the compiled engine adds History up in its own
    # compiled code: docs/compiled.md).
    model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=False)
    return model


def time_one_epoch(x: np.ndarray, y: np.ndarray, split: bool) -> float:
    model = make_model(0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=0)  # warm-up epoch
    start = time.perf_counter()
    if split:
        history = model.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=1)
        assert "penalty_loss" in history.history
    else:
        with total_only_logging():
            history = model.fit(x, y, epochs=1, batch_size=32, verbose=0, seed=1)
        assert set(history.history) == {"loss"}
    return time.perf_counter() - start


def main(repeats: int = 7, rows: int = 20_000) -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 30)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    times = {"split": [], "total_only": []}
    for _ in range(repeats):  # alternate, so drifts in machine load hit both alike
        times["split"].append(time_one_epoch(x, y, split=True))
        times["total_only"].append(time_one_epoch(x, y, split=False))
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratio = medians["split"] / medians["total_only"]
    result = {"workload": f"S: {rows}x30, 25-15-1, L2(0.01), Adam, batch 32", "repeats": repeats,
              "overhead_of_split_history": ratio - 1, "samples_per_second_split": rows / medians["split"],
              "samples_per_second_total_only": rows / medians["total_only"]}
    print(json.dumps(result, indent=2))
    line = f"split History costs {100 * (ratio - 1):+.1f}% of an epoch (median of {repeats}, alternated)"
    print(line)
    result["line"] = line
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--docs", action="store_true", help="append the result to docs/benchmarks.md")
    args = parser.parse_args()
    result = main(args.repeats, args.rows)
    if args.docs:
        docs = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        with open(docs, "a", encoding="utf-8") as handle:
            handle.write(f"\n## The split History (issue 3)\n\nWorkload S, `benchmarks/bench_history_split.py`: "
                         "logging the data part, every penalty term and every kernel norm vs logging only the total "
                         f"loss: "
                         f"{result['line']} — target ≤ 5%.\n")
