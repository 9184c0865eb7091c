"""What does a penalty on *this* layer do? The layer study on the lecture's network, every number printed.

The lecture's 25-15-1 network (relu, relu, sigmoid; Adam, lr 0.001, batches of 32, 200 epochs) on the demo's
breast-cancer split (455 standardized training rows, 114 validation rows), seeds 0, 1, 2: L2(0.05) on no layer,
on every kernel, and on each kernel alone — 15 twin fits (``glassnet.experiments.layer_study``).

Run:  .venv/bin/python examples/layer_study.py        (about 15 s on 2 cores)
docs/regularization.md quotes its output; tests/test_layer_study_docs.py runs it and checks the quotes.
"""

from __future__ import annotations

import numpy as np

from glassnet.demo.comparison import load_data
from glassnet.experiments import ModelSpec, layer_study

L2_FACTOR, EPOCHS, SEEDS = 0.05, 200, (0, 1, 2)


def main(n_jobs: int = -1) -> dict:
    x, y, x_val, y_val = load_data(0)
    spec = ModelSpec(hidden=(25, 15), activation="relu", output_activation="sigmoid", loss="binary_crossentropy",
                     optimizer="adam", learning_rate=1e-3)
    study = layer_study(spec, x, y, L2_FACTOR, validation_data=(x_val, y_val), epochs=EPOCHS, batch_size=32,
                        seeds=SEEDS, n_jobs=n_jobs, progress=False)
    found: dict = {"study": study}
    steps = -(-len(x) // 32) * EPOCHS
    print(f"the lecture's 25-15-1 network, Adam(0.001), {len(x)} training rows, {len(x_val)} validation rows, "
          f"{steps} steps per fit, {len(study.records)} fits\n")

    print(f"== Kernel norms ‖W‖_F after {EPOCHS} epochs, mean over seeds {SEEDS} (L2({L2_FACTOR}) placed on) ==")
    for name, norms in study.kernel_norms.items():
        print(f"{name:8s} " + "  ".join(f"‖W{j}‖ {n:5.2f}" for j, n in enumerate(norms, start=1)))
    found["norms"] = study.kernel_norms

    print("\n== Validation data loss J_cv (no penalty), mean ± sd over the seeds ==")
    for name in study.names:
        mean, sd = study.score(name, "val_data_loss")
        print(f"{name:8s} {mean:.4f} ± {sd:.4f}")

    print("\n== At the end: cos∠(data gradient, penalty gradient) and ‖penalty‖/‖data‖ of each penalized kernel ==")
    cosines = []
    for name in study.names[1:]:
        pairs = [(layer, c, r) for layer, c, r, s in zip(study.layers, study.gradient_cosine[name],
                                                          study.gradient_ratio[name], study.placements[name]) if s]
        print(f"{name:8s} " + "   ".join(f"W{layer[6:]}: cos {c:+.2f}, ratio {r:.2f}" for layer, c, r in pairs))
        cosines += [c for _, c, _ in pairs]
    found["cosines"] = cosines
    for name in study.names[1:]:
        for layer, s in zip(study.layers, study.placements[name]):
            if s:
                print(f"{name:8s} W{layer[6:]} per seed: " + " ".join(
                    f"{run['cosine'][layer]:+.2f}" for run in study.runs(name)))
    print("layer_1 alone, mean ‖W‖ at epochs 50, 100, 150, 200: " + "   ".join(
        f"W{layer[6:]} " + " ".join(f"{curve[e - 1]:.2f}" for e in (50, 100, 150, 200))
        for layer, curve in study.norm_history("layer_1").items()))

    print("\n== W − W_none = direct + indirect, first seed: ‖direct‖ (Σ penalty steps) and ‖indirect‖ (the rest) ==")
    zero = 0.0
    for name in study.names[1:]:
        parts = study.attribution(name)
        print(f"{name:8s} " + "   ".join(f"W{p.layer[6:]}: {p.direct_norm:.2f} + {p.indirect_norm:.2f}" for p in parts))
        zero = max([zero] + [float(np.abs(p.direct).max()) for p, s in zip(parts, study.placements[name]) if s == 0])
    print(f"largest |direct| entry on a layer without a penalty: {zero}")
    found["direct_on_unpenalized"] = zero

    print("\n== In words (generated from the numbers) ==")
    for paragraph in study.summary_text():
        print(paragraph)
    return found


if __name__ == "__main__":
    main()
