"""``glassnet demo`` (and ``make demo``): the main job, end to end, in under two minutes on two cores.

1. The lecture's 25-15-1 network on the breast-cancer data, without and with ``L2(0.01)``
   (:mod:`glassnet.demo.comparison`).
2. What a penalty on one layer does: L2(0.05) on no layer, every layer and each layer alone, as twin fits
   (:mod:`glassnet.demo.layer_study`; its own page, ``layer-study.html``).
3. A 5-fold λ sweep over a log grid (:func:`glassnet.experiments.validation_curve`), in parallel, with the
   lecture's bias/variance verdict.
4. The best λ by lowest mean validation data loss, and by the one-standard-error rule.
5. The chosen model retrained on all training rows and explained (:meth:`Sequential.explain`).
6. A self-contained HTML report, written to a folder named at the end.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import comparison, layer_study

#: The λ grid (Keras's L2 factor): 0 and a log grid from 1e-4 to 0.3.
LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3)


def run(out_dir: str | Path = "glassnet-demo-report", *, jobs: int = -1, epochs: int = 60, cv: int = 5,
        compare_epochs: int = 200, progress: bool = True, seed: int = 0) -> dict[str, Any]:
    """Run the whole demo; return the numbers and the report's path (also printed at the end)."""
    from .. import L2, Adam, Dense, Sequential
    from ..experiments import ModelSpec, validation_curve, write_report

    started = time.perf_counter()
    print("== 1. The lecture's network, without and with L2(0.01) ==\n")
    twins = comparison.main(epochs=compare_epochs, seed=seed)

    x_train, y_train, x_val, y_val = comparison.load_data(seed)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\n== 2. What a penalty on one layer does: L2({layer_study.L2_FACTOR}) on no layer, every layer, each "
          f"layer alone ({compare_epochs} epochs, twin fits) ==\n")
    study = layer_study.main((x_train, y_train, x_val, y_val), folder, epochs=compare_epochs, jobs=jobs, seed=seed,
                             progress=progress, learning_rate=comparison.LEARNING_RATE,
                             batch_size=comparison.BATCH_SIZE)

    print(f"\n== 3. Choosing λ: {cv}-fold validation curve over {len(LAMBDAS)} values, {epochs} epochs each ==")
    spec = ModelSpec(hidden=(25, 15), activation="relu", output_activation="sigmoid",
                     loss="binary_crossentropy", optimizer="adam", learning_rate=comparison.LEARNING_RATE)
    results = validation_curve(spec, x_train, y_train, LAMBDAS, cv=cv, epochs=epochs,
                               batch_size=comparison.BATCH_SIZE, seeds=(seed,), n_jobs=jobs, progress=progress)
    print(results.table())
    best, one_se = results.best_lambda, results.best_lambda_1se
    print(f"\nbest λ (lowest mean validation data loss): {results.strength_text(best)}")
    print(f"one-standard-error choice (the largest λ within one SE of the best): {results.strength_text(one_se)}"
          "  ← used below")
    print(f"bias or variance at that λ: {results.verdict()[one_se].text()}")

    print(f"\n== 4. The chosen model: L2({one_se:g}), retrained on all {len(y_train)} training rows ==\n")
    chosen = Sequential([Dense(25, "relu"), Dense(15, "relu"), Dense(1, "sigmoid")], seed=seed)
    chosen.compile(optimizer=Adam(comparison.LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"],
                   regularizer=L2(one_se) if one_se > 0 else None)
    history = chosen.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=compare_epochs,
                         batch_size=comparison.BATCH_SIZE, verbose=0, seed=seed)
    val = chosen.evaluate(x_val, y_val, return_dict=True)
    print(f"held-out validation accuracy {val['accuracy']:.4f}, loss {val['loss']:.4f}\n")
    explanation = chosen.explain(x_train, y_train)
    print(explanation)

    path = write_report(results, folder / "report.html",
                        title="glassnet demo: choosing λ for the lecture's network on breast cancer",
                  models={"chosen": chosen}, histories={f"L2({one_se:g})": history.history},
                  explanation=explanation,
                  notes=[f"Twins table (no L2 vs L2(0.01)) after {compare_epochs} epochs: validation accuracy "
                         f"{twins[comparison.NO_L2]['val_accuracy']:.4f} vs "
                         f"{twins[comparison.WITH_L2]['val_accuracy']:.4f}.",
                         f"The layer study (L2({layer_study.L2_FACTOR}) on no layer, every layer, each layer "
                         f"alone) is on its own page: {study['report'].name}."])
    elapsed = time.perf_counter() - started
    print(f"\nReport written to {Path(path).resolve()}, the layer study to {study['report'].resolve()}  (open them "
          f"in a browser; {elapsed:.0f} s in all)")
    return {"twins": twins, "study": study["study"], "results": results, "best_lambda": best, "best_lambda_1se": one_se,
            "val_accuracy": val["accuracy"], "report": Path(path), "seconds": elapsed}


__all__ = ["run", "LAMBDAS", "comparison", "layer_study"]
