"""What does regularizing a hidden layer do? The lecture's model, step by step, with numbers.

Run:  .venv/bin/python examples/regularization_walkthrough.py
docs/regularization.md explains each printed section; tests/test_walkthrough.py runs this script.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer

import glassnet
from glassnet import L2, SGD, Dense, Sequential
from glassnet.regularizers import convert


def load_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Breast-cancer data (bundled with scikit-learn), 80% of it, standardized: the training set of the demo."""
    x, y = load_breast_cancer(return_X_y=True)
    rows = np.random.default_rng(seed).permutation(len(x))[: int(0.8 * len(x))]
    x = x[rows]
    return ((x - x.mean(axis=0)) / x.std(axis=0)).astype("float32"), y[rows].astype("float32")


def lecture_model(regularizers: tuple, seed: int = 0) -> Sequential:
    """25-15-1, relu/relu/sigmoid, one kernel regularizer per layer (None for none)."""
    return Sequential([
        Dense(units=25, activation="relu", kernel_regularizer=regularizers[0]),
        Dense(units=15, activation="relu", kernel_regularizer=regularizers[1]),
        Dense(units=1, activation="sigmoid", kernel_regularizer=regularizers[2]),
    ], seed=seed)


def section(title: str) -> None:
    print(f"\n== {title} ==")


def main(epochs: int = 30) -> dict:
    x, y = load_data()
    m, lr, l2 = len(x), 0.1, 0.01
    found: dict = {"m": m}

    section("1. The cost, in the lecture's and in Keras's convention")
    lam = convert(l2, "keras", "lecture", n_samples=m)
    found["lam"] = lam
    print(f"lecture: J = (1/m)·ΣL + (λ/2m)·Σ‖W‖²      Keras L2({l2}): J = mean L + {l2}·Σ‖W‖² per layer")
    print(f"same penalty when λ/2m = {l2}, i.e. λ = 2·m·{l2} = 2·{m}·{l2} = {lam}")
    print(glassnet.regularizers.strength_table(l2, "keras", n_samples=m, batch_size=32))
    print("the same factor on a model trained with mse "
          "(the lecture, MLPRegressor and the Playground write ½·(f − y)²):")
    print(glassnet.regularizers.strength_table(l2, "keras", n_samples=m, batch_size=32, loss="mse"))

    section("2. model.losses: one penalty per regularized kernel, recomputed from the current weights")
    model = lecture_model((L2(l2), L2(l2), L2(l2)))
    model.compile(optimizer=SGD(lr), loss="binary_crossentropy", metrics=["accuracy"])
    model.build((None, x.shape[1]))
    for value, layer in zip(model.losses, model.layers):
        kernel = layer.kernel.numpy().astype(np.float64)
        print(f"{layer.name:8s} kernel {kernel.shape}: model.losses = {float(value):.6f} = "
              f"{l2}·Σw² = {l2 * np.sum(kernel ** 2):.6f}")
    found["losses"] = [float(v) for v in model.losses]

    section("3. One step, split: the penalty's gradient touches only its own layer's weights")
    explanation = model.explain(x, y)
    print(str(explanation).split("\n\nThe same strength")[0])
    found["total_loss"] = explanation.total_loss
    found["evaluate"] = model.evaluate(x, y)[0]

    section("4. The shrink factor: SGD multiplies each regularized kernel by 1 − 2·lr·l2, then takes the data step")
    before = [layer.kernel.numpy() for layer in model.layers]
    data_steps = [explanation.updates[(layer.name, "kernel")].data for layer in model.layers]
    model.fit(x, y, batch_size=m, epochs=1, shuffle=False, verbose=0)  # one full-batch step
    factor = 1 - 2 * lr * l2
    worst = max(float(np.max(np.abs(layer.kernel.numpy() - (factor * w + d))))
                for layer, w, d in zip(model.layers, before, data_steps))
    print(f"factor 1 − 2·{lr}·{l2} = {factor}; max |W_after − ({factor}·W_before + data step)| = {worst:.2e} "
          "(float32 rounding)")
    found["shrink_factor"], found["shrink_error"] = factor, worst
    lecture_factor = 1 - lr * lam / m
    print(f"the lecture's update w ← w·(1 − αλ/m) − α·dW with α = {lr}, λ = {lam:.4g}, m = {m}: "
          f"1 − αλ/m = {lecture_factor:.6g}, the same factor (2·l2 = λ/m)")
    found["lecture_factor"] = lecture_factor

    section("5. A regularizer on one hidden layer only")
    hidden_only = lecture_model((None, L2(0.05), None))
    hidden_only.compile(optimizer=SGD(lr), loss="binary_crossentropy")
    hidden_only.build((None, x.shape[1]))
    split = hidden_only.explain(x, y).gradients
    for layer in hidden_only.layers:
        g = split[(layer.name, "kernel")]
        print(f"{layer.name:8s} ‖data grad‖ = {g.data_norm:.4f}   ‖penalty grad‖ = {g.penalty_norm:.4f}")
    found["hidden_only_penalty_norms"] = [split[(layer.name, "kernel")].penalty_norm for layer in hidden_only.layers]
    print("Only the regularized layer's gradient has a penalty part; the others change only through the data "
          "gradient (their inputs/outputs move as that layer shrinks).")

    section("6. Per layer or once at compile(): the same training, bit for bit")
    per_layer = lecture_model((L2(l2), L2(l2), L2(l2)), seed=1)
    per_layer.compile(optimizer="adam", loss="binary_crossentropy")
    at_compile = lecture_model((None, None, None), seed=1)
    at_compile.compile(optimizer="adam", loss="binary_crossentropy", regularizer=L2(l2))
    for candidate in (per_layer, at_compile):
        candidate.fit(x, y, epochs=3, seed=0, verbose=0)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(per_layer.get_weights(), at_compile.get_weights()))
    print(f"max |W_per_layer − W_compile| after 3 epochs of Adam: {difference}")
    at_compile.summary()
    found["compile_vs_layer"] = difference

    section("7. With and without L2: the weights stay smaller")
    rows = {}
    for label, regs in (("no L2", (None, None, None)), (f"L2({l2})", (L2(l2),) * 3)):
        trained = lecture_model(regs, seed=2)
        trained.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        history = trained.fit(x, y, epochs=epochs, validation_split=0.25, seed=0, verbose=0).history
        rows[label] = [history[f"norm/{layer.name}/kernel"][-1] for layer in trained.layers] + [
            history["val_accuracy"][-1]]
    print(f"{'':10s}" + "".join(f"{'‖W' + str(i + 1) + '‖':>10s}" for i in range(3)) + f"{'val acc':>10s}")
    for label, values in rows.items():
        print(f"{label:10s}" + "".join(f"{v:10.3f}" for v in values))
    found["norms"] = rows

    section("8. Decoupled weight decay is not L2 (except for plain SGD)")
    found["decay_vs_l2"] = {}
    for name, make in (("SGD", lambda wd: SGD(lr, weight_decay=wd)),
                       ("SGD momentum 0.9", lambda wd: SGD(lr, momentum=0.9, weight_decay=wd)),
                       ("AdamW", lambda wd: glassnet.AdamW(1e-3, weight_decay=wd))):
        norms = []
        for decoupled in (True, False):
            wd = 0.02
            candidate = lecture_model((None, None, None), seed=3)
            optimizer = make(wd if decoupled else None)
            # The coupled twin: an L2 penalty with κ = wd on every weight (PyTorch's coupled weight_decay=wd).
            candidate.compile(optimizer=optimizer, loss="binary_crossentropy",
                              regularizer=None if decoupled else L2(convert(wd, "torch", "keras")),
                              regularize_bias=not decoupled)
            candidate.fit(x, y, epochs=5, seed=0, verbose=0)
            norms.append(float(np.linalg.norm(candidate.get_weights()[0])))
        print(f"{name:18s} ‖W1‖ with decoupled decay {norms[0]:.4f}   with L2 (κ = wd) {norms[1]:.4f}")
        found["decay_vs_l2"][name] = norms
    return found


if __name__ == "__main__":
    main()
