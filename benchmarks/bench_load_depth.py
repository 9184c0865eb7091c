"""How ``load_model`` scales with depth: files of 2,500 to 20,000 one-unit Dense layers, saved and loaded.

Issue 10, item 9: loading rebuilt the flat parameters after every layer (``add`` built as it went, and ``add``
looked for a repeated layer in a list), so 20,000 layers took about 70 s. Loading now checks the file, builds
the model once and finds repeats in a set: the time per layer stays flat as the depth grows. Prints seconds
per load (median of ``--repeats``) and microseconds per layer for each depth.

Run:  .venv/bin/python benchmarks/bench_load_depth.py [--repeats 3] [--depths 2500,5000,10000,20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from glassnet import Dense, Sequential, load_model


def time_load(depth: int, repeats: int, folder: Path) -> float:
    model = Sequential([Dense(1) for _ in range(depth)], seed=0)
    model.compile("adam", "mse")
    model.build((None, 1))
    path = folder / f"deep-{depth}.glassnet"
    model.save(path)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        load_model(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--depths", default="2500,5000,10000,20000")
    args = parser.parse_args(argv)
    depths = [int(d) for d in args.depths.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for depth in depths:
            results[depth] = time_load(depth, args.repeats, Path(folder))
            print(f"{depth:7d} layers: {results[depth]:7.3f} s per load, "
                  f"{1e6 * results[depth] / depth:6.1f} µs per layer")
    first, last = depths[0], depths[-1]
    print(f"time per layer at {last} layers / at {first}: {results[last] / last / (results[first] / first):.2f} "
          "(1.0 = linear)")
    return results


if __name__ == "__main__":
    main()
