"""The lecture's network with and without L2(0.01), trained side by side on real data, every number shown.

The first part of ``glassnet demo`` (``make demo``); ``examples/demo.py`` runs it alone. It takes a few seconds and
needs no network: the breast-cancer data (569 tumours, 30 features, benign/malignant) ships inside scikit-learn.

Both models start from the same initial weights and see the same batches in the same order, so every difference
in the table comes from the penalty alone.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from .. import L2, Adam, Dense, Sequential

L2_FACTOR = 0.01  # the lecture's L2(0.01)
LEARNING_RATE = 1e-3
BATCH_SIZE = 32
VALIDATION_FRACTION = 0.2
NO_L2, WITH_L2 = "no L2", "L2(0.01)"  # the table's column titles, and the keys of main()'s result


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``x_train (455, 30), y_train (455,), x_val (114, 30), y_val (114,)``, standardized."""
    from sklearn.datasets import load_breast_cancer  # bundled with scikit-learn: no download

    features, labels = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_val = round(len(labels) * VALIDATION_FRACTION)
    val_rows, train_rows = order[:n_val], order[n_val:]
    # Mean and std of the training rows only: the validation rows must not influence training in any way.
    mean = features[train_rows].mean(axis=0)
    std = features[train_rows].std(axis=0)
    standardized = ((features - mean) / std).astype(np.float32)  # float32, what the models compute in
    return standardized[train_rows], labels[train_rows], standardized[val_rows], labels[val_rows]


def lecture_model() -> Sequential:
    """The lecture's network, verbatim."""
    layer_1 = Dense(units=25, activation='relu', kernel_regularizer=L2(0.01))
    layer_2 = Dense(units=15, activation='relu', kernel_regularizer=L2(0.01))
    layer_3 = Dense(units=1, activation='sigmoid', kernel_regularizer=L2(0.01))
    model = Sequential([layer_1, layer_2, layer_3])
    return model


def unregularized_model() -> Sequential:
    """The same network without ``kernel_regularizer``: the baseline."""
    layer_1 = Dense(units=25, activation='relu')
    layer_2 = Dense(units=15, activation='relu')
    layer_3 = Dense(units=1, activation='sigmoid')
    model = Sequential([layer_1, layer_2, layer_3])
    return model


def build_twins(n_features: int, seed: int) -> dict[str, Sequential]:
    """Both models, built with identical initial weights (drawn once from ``seed``, then copied)."""
    plain, regularized = unregularized_model(), lecture_model()
    plain.build((None, n_features), rng=np.random.default_rng(seed))
    regularized.build((None, n_features))  # its own random draws are replaced by the copy on the next line
    regularized.set_weights(plain.get_weights())
    return {NO_L2: plain, WITH_L2: regularized}


def data_loss(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy alone, without any penalty.

    ``loss_parts`` splits the loss of the last forward pass exactly as training does (computed from the sigmoid's
    logits, no clipping); ``.data`` is its penalty-free part.
    """
    output = model(x)  # inference mode, as Keras's model(x)
    return model.loss_parts(output, y.reshape(-1, 1).astype(model.dtype), sample_weight=None).data


def measure(model: Sequential, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
            y_val: np.ndarray) -> dict[str, Any]:
    """Everything the table shows for one trained model."""
    # Accuracies from the final weights; History's per-epoch accuracy averages over weights that kept changing.
    train = model.evaluate(x_train, y_train, return_dict=True)  # its loss includes every penalty, as in fit
    val = model.evaluate(x_val, y_val, return_dict=True)
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, Dense)]
    # What L2(0.01) charges for each kernel -- charged for real only where the kernel has that regularizer.
    would_charge = L2(L2_FACTOR)
    return {
        "train_accuracy": train["accuracy"],
        "val_accuracy": val["accuracy"],
        "train_data_loss": data_loss(model, x_train, y_train),
        "val_data_loss": data_loss(model, x_val, y_val),
        "train_loss": train["loss"],
        "penalties": [float(would_charge(kernel.value)) for kernel in kernels],
        "penalties_charged": [kernel.regularizer is not None for kernel in kernels],
        "kernel_norms": [float(np.linalg.norm(kernel.value)) for kernel in kernels],
        "kernel_shapes": [kernel.shape for kernel in kernels],
        "model_losses": [float(value) for value in model.losses],  # the library's own list of penalties
    }


def format_table(results: dict[str, dict[str, Any]]) -> str:
    """A plain-text table, one column per model; penalties a model does not pay are shown in parentheses."""
    def cell(value: float, charged: bool = True) -> str:
        return f"{value:.4f}" if charged else f"({value:.4f})"

    rows = [
        ("train accuracy", [cell(r["train_accuracy"]) for r in results.values()]),
        ("validation accuracy", [cell(r["val_accuracy"]) for r in results.values()]),
        ("train data loss (no penalties)", [cell(r["train_data_loss"]) for r in results.values()]),
        ("validation data loss", [cell(r["val_data_loss"]) for r in results.values()]),
        ("train loss = data + penalties", [cell(r["train_loss"]) for r in results.values()]),
    ]
    shapes = next(iter(results.values()))["kernel_shapes"]
    for i in range(len(shapes)):
        rows.append((f"layer {i + 1} penalty 0.01*sum(W**2)",
                     [cell(r["penalties"][i], r["penalties_charged"][i]) for r in results.values()]))
    for i, (n_in, n_out) in enumerate(shapes):
        rows.append((f"layer {i + 1} kernel norm ||W|| ({n_in}x{n_out})",
                     [cell(r["kernel_norms"][i]) for r in results.values()]))
    label_width = max(len(label) for label, _ in rows)
    header = " " * label_width + "".join(f"{title:>12}" for title in results)
    lines = [header, "-" * len(header)]
    lines += [label.ljust(label_width) + "".join(f"{c:>12}" for c in cells) for label, cells in rows]
    lines.append("(...) = not charged: what L2(0.01) would add to this model's loss.")
    return "\n".join(lines)


def explain(results: dict[str, dict[str, Any]], n_train: int, n_val: int, steps: int) -> str:
    """The plain-words reading of the table; every number in it is computed from this run, not assumed."""
    plain, regularized = results[NO_L2], results[WITH_L2]
    ratios = ", ".join(f"{r:.2f}" for r in np.divide(regularized["kernel_norms"], plain["kernel_norms"]))
    if regularized["train_data_loss"] > plain["train_data_loss"]:
        fit_change = "higher: the penalty trades fit for small weights"
    else:
        fit_change = "not higher: in this run the smaller weights cost no fit"
    right = [round(r["val_accuracy"] * n_val) for r in (plain, regularized)]
    paragraphs = [
        f"L2(0.01) adds 0.01*sum(W**2) per kernel to the loss of every batch ({steps} batches here), not "
        "divided by the batch size. Its gradient, 2*0.01*W, reaches only the kernel it is computed from. "
        f"With plain SGD each update would shrink every regularized kernel by the factor 1 - 2*lr*0.01 = "
        f"{1 - 2 * LEARNING_RATE * L2_FACTOR:g} (lr={LEARNING_RATE:g}) besides taking the data step. Adam "
        "divides the summed gradient by its running scale, so its pull towards zero is not a fixed factor, "
        "but it acts on every step.",
        f"Result: the L2 kernels' norms are {ratios} times the unregularized ones (layers 1, 2, 3), and the "
        f"train data loss is {fit_change}. In the lecture's notation, "
        f"(lambda/2m)*sum(W**2) with m = {n_train} training rows, L2(0.01) is lambda = 2*m*0.01 = "
        f"{2 * n_train * L2_FACTOR:g}.",
        f"Validation rows classified right: {right[0]} of {n_val} without L2, {right[1]} with it. On a data "
        "set this easy the two stay within a few rows of each other; what L2 changes for certain is the size "
        "of the weights.",
    ]
    return "\n\n".join(textwrap.fill(paragraph, width=100) for paragraph in paragraphs)


def main(epochs: int = 200, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Train both models for ``epochs`` epochs, print the table and the explanation, return the numbers.

    Returns ``{"no L2": {...}, "L2(0.01)": {...}}``; each holds ``train_accuracy``, ``val_accuracy``,
    ``train_data_loss``, ``val_data_loss``, ``train_loss`` (data + penalties), and per layer ``penalties``,
    ``penalties_charged``, ``kernel_norms`` and ``kernel_shapes``, and ``model_losses`` (``model.losses``).
    """
    x_train, y_train, x_val, y_val = load_data(seed)
    models = build_twins(x_train.shape[1], seed)
    for model in models.values():
        model.compile(optimizer=Adam(learning_rate=LEARNING_RATE), loss='binary_crossentropy',
                      metrics=['accuracy'])
        # The same seed gives both models the same shuffling, batch for batch.
        model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, verbose=0, seed=seed)
    results = {title: measure(model, x_train, y_train, x_val, y_val) for title, model in models.items()}
    steps = epochs * math.ceil(len(y_train) / BATCH_SIZE)  # fit keeps the last, partial batch
    print(f"Breast cancer: {len(y_train)} training rows, {len(y_val)} validation rows; "
          f"Adam(lr={LEARNING_RATE}), {epochs} epochs of batches of {BATCH_SIZE}, seed {seed}.\n")
    print(format_table(results))
    print()
    print(explain(results, len(y_train), len(y_val), steps))
    return results

