"""What a layer study costs next to a plain λ sweep with the same number of fits — and that it finds the pattern.

Workload (issue 13): the lecture's 25-15-1 network (relu, relu, sigmoid; Adam 1e-3; batch 32) on the breast-cancer
data of ``glassnet demo`` (455 standardized training rows, 114 validation rows), L2(0.05), 200 epochs, seeds 0, 1, 2.

- the study: ``layer_study(spec, x, y, 0.05, validation_data=(x_val, y_val), seeds=(0, 1, 2))`` — 5 placements
  × 3 seeds = 15 fits, of which the 4 penalized placements' first seed also add up the penalty part of every step;
- the sweep: ``validation_curve(spec, x, y, [0, 0.0125, 0.025, 0.05, 0.1], …)`` — 5 λ × 3 seeds = 15 fits.

Both run serially (``n_jobs=1``: the cost, not the scheduling) and alternate; the cost is the CPU time of this
process (``time.process_time``: what other programs on a shared machine do does not count), and the ratio of the
medians is printed. With ``--cv 5`` both use 5 folds instead of the validation set.
Then the pattern is checked on the study: the penalized layer shrinks, its unpenalized neighbours grow, a penalty on
every layer balances the norms, the direct part is exactly 0 on unpenalized layers, and the cosines.

Run:  .venv/bin/python benchmarks/bench_layer_study.py [--repeats 3] [--epochs 200] [--cv 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from glassnet.demo.comparison import load_data
from glassnet.experiments import ModelSpec, layer_study, validation_curve

LAMBDAS = (0.0, 0.0125, 0.025, 0.05, 0.1)


def _run(kind: str, epochs: int, cv: int | None, data: tuple) -> tuple[float, object]:
    x, y, x_val, y_val = data
    spec = ModelSpec(hidden=(25, 15))
    where = {"cv": cv} if cv else {"validation_data": (x_val, y_val)}
    if cv:  # folds of all rows
        x, y = np.concatenate([x, x_val]), np.concatenate([y, y_val])
    start = time.process_time()
    if kind == "study":
        result = layer_study(spec, x, y, 0.05, epochs=epochs, seeds=(0, 1, 2), n_jobs=1, progress=False, **where)
    else:
        result = validation_curve(spec, x, y, LAMBDAS, epochs=epochs, seeds=(0, 1, 2), n_jobs=1, progress=False,
                                  **where)
    return time.process_time() - start, result


def check_pattern(study: object) -> list[str]:
    """The issue's pattern, as lines 'ok …' or 'FAILED …'."""
    norms, none = study.kernel_norms, study.kernel_norms["none"]
    lines = []
    for j, layer in enumerate(study.layers):
        own = norms[layer]
        neighbours = [k for k in (j - 1, j + 1) if 0 <= k < len(study.layers)]
        shrinks = own[j] < none[j]
        grow = all(own[k] > none[k] for k in neighbours)
        lines.append(f"{'ok' if shrinks and grow else 'FAILED'}  {layer} alone: ‖W{j + 1}‖ {none[j]:.2f} → "
                     f"{own[j]:.2f}; neighbours " + ", ".join(f"‖W{k + 1}‖ {none[k]:.2f} → {own[k]:.2f}"
                                                              for k in neighbours))
    spread, spread_none = max(norms["all"]) / min(norms["all"]), max(none) / min(none)
    lines.append(f"{'ok' if spread < spread_none else 'FAILED'}  all: norms {[round(n, 2) for n in norms['all']]}, "
                 f"largest/smallest {spread:.2f} (none: {spread_none:.2f})")
    zero = all(float(np.abs(part.direct).max()) == 0.0 for name in study.names for part, s in
               zip(study.attribution(name), study.placements[name]) if s == 0)
    lines.append(f"{'ok' if zero else 'FAILED'}  direct part exactly 0 on every unpenalized layer")
    cosines = {name: [round(c, 2) for c, s in zip(study.gradient_cosine[name], study.placements[name]) if s > 0]
               for name in study.names if name != "none"}
    negative = all(c < 0 for values in cosines.values() for c in values)
    lines.append(f"{'ok' if negative else 'FAILED'}  cosines of the penalized kernels at the end: {cosines}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--cv", type=int, default=None)
    args = parser.parse_args()
    data = load_data(0)
    times: dict[str, list[float]] = {"study": [], "sweep": []}
    study = None
    for _ in range(args.repeats):
        for kind in ("study", "sweep"):
            seconds, result = _run(kind, args.epochs, args.cv, data)
            times[kind].append(seconds)
            study = result if kind == "study" else study
    study_time, sweep_time = statistics.median(times["study"]), statistics.median(times["sweep"])
    print(f"layer study (15 fits): median {study_time:.2f} s CPU   plain sweep (15 fits): median "
          f"{sweep_time:.2f} s CPU   ratio {study_time / sweep_time:.3f}  (target ≤ 1.2; {args.repeats} alternating "
          f"repeats, {args.epochs} epochs, {'cv ' + str(args.cv) if args.cv else 'the validation set'})")
    print(study.table())
    print("\n".join(check_pattern(study)))


if __name__ == "__main__":
    main()
