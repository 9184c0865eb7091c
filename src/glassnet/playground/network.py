"""The network a playground run trains, built from :class:`~glassnet.playground.settings.Settings` with glassnet's
public API, and the changes a running network takes between two epochs (learning rate and penalties).

Layers are named ``hidden_1`` … ``hidden_k`` (each followed by ``dropout_i`` when its rate is > 0) and
``output``, so History's keys read ``penalty/hidden_1/kernel``. The global regularization is the compile-level
one (``compile(regularizer=...)``: every kernel without a penalty of its own); a per-layer entry is that layer's
``kernel_regularizer``, which wins. Both are changed on a running model by setting the layer's
``kernel_regularizer`` and installing the plan again with ``model.set_compile_regularization``; nothing else
changes, so the weights go on from where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import L1, L2, SGD, Adam, Dense, Dropout, Sequential
from ..regularizers.placement import CompileRegularization
from .data import Table
from .settings import Settings


@dataclass(frozen=True)
class Output:
    """The output layer, loss and metrics for a problem; ``targets`` says how labels become targets:
    ``'labels'`` as they are, ``'signs'`` as 2·y − 1 (±1 for a tanh output), ``'values'`` for regression."""

    units: int
    activation: str
    loss: str
    metrics: tuple[str, ...]
    targets: str

    @property
    def kind(self) -> str:
        """How the page colours the output: 'softmax' (classes), 'probability' (sigmoid) or 'signed'."""
        return {"softmax": "softmax", "sigmoid": "probability"}.get(self.activation, "signed")


def output_for(settings: Settings, table: Table) -> Output:
    """Cross-entropy: one sigmoid unit for 2 classes, K softmax units for K > 2. Squared error: the TF
    Playground's tanh unit with targets ±1 (2 classes only). Regression: one linear unit and squared error."""
    if not table.n_classes:
        return Output(1, "linear", "mse", (), "values")
    if settings.loss == "squared_error":
        if table.n_classes > 2:
            raise ValueError("Squared error is the TF Playground's loss for two classes (a tanh output and targets "
                             f"±1); with {table.n_classes} classes use cross-entropy. Received: loss='squared_error'")
        return Output(1, "tanh", "mse", (), "signs")
    if table.n_classes == 2:
        return Output(1, "sigmoid", "binary_crossentropy", ("accuracy",), "labels")
    return Output(table.n_classes, "softmax", "sparse_categorical_crossentropy", ("accuracy",), "labels")


def targets(y: np.ndarray, output: Output) -> np.ndarray:
    """The training targets for labels/values ``y`` (float32)."""
    return (2 * y - 1).astype(np.float32) if output.targets == "signs" else y


def regularizer(kind: str, strength: float) -> Any:
    """``None``, ``L1(strength)`` or ``L2(strength)`` for kind 'none', 'l1', 'l2'."""
    return None if kind == "none" else L1(strength) if kind == "l1" else L2(strength)


def penalties(settings: Settings, twin: str | None = None) -> tuple[Any, list[Any]]:
    """(compile-level regularizer, one own ``kernel_regularizer`` per Dense layer or None) for the network
    (``twin=None``) or for its twin: ``'no-penalty'`` has none, ``'hidden-only'``, ``'output-only'`` and
    ``'first-only'`` put the *global* penalty on those kernels only (per-layer entries are the network's alone)."""
    shared = regularizer(settings.regularization, settings.lam)
    count = len(settings.hidden) + 1
    if twin is None:
        own = [None if spec == "global" else regularizer(*_split(spec)) for spec in settings.layer_specs()]
        return shared, own
    chosen = {"no-penalty": set(), "hidden-only": set(range(count - 1)), "output-only": {count - 1},
              "first-only": {0}}[twin]
    return None, [shared if index in chosen else None for index in range(count)]


def _split(spec: str) -> tuple[str, float]:
    kind, strength = spec.split(":")
    return kind, float(strength)


def dense_layers(model: Sequential) -> list[Dense]:
    return [layer for layer in model.layers if isinstance(layer, Dense)]


def optimizer(settings: Settings) -> Any:
    """SGD (the Playground's), SGD with momentum 0.9, or Adam, at the settings' learning rate."""
    if settings.optimizer == "adam":
        return Adam(learning_rate=settings.learning_rate)
    return SGD(learning_rate=settings.learning_rate, momentum=0.9 if settings.optimizer == "momentum" else 0.0)


def build(settings: Settings, n_features: int, output: Output, twin: str | None = None) -> Sequential:
    """A compiled, built network: ``Sequential(layers, seed=settings.seed)``, so the same settings give the same
    initial weights (and, with ``fit``'s default generator, the same shuffling and dropout masks)."""
    layers: list[Any] = []
    for index, (units, rate) in enumerate(zip(settings.hidden, settings.dropout_rates()), start=1):
        layers.append(Dense(units, activation=settings.activation, name=f"hidden_{index}"))
        if rate:
            layers.append(Dropout(rate, name=f"dropout_{index}"))
    layers.append(Dense(output.units, activation=output.activation, name="output"))
    model = Sequential(layers, name="playground", seed=settings.seed)
    model.compile(optimizer=optimizer(settings), loss=output.loss, metrics=list(output.metrics))
    apply_live(model, settings, twin)
    model.build((None, n_features))
    return model


def apply_live(model: Sequential, settings: Settings, twin: str | None = None) -> None:
    """Give a (running) network the learning rate and penalties of ``settings``; the weights stay as they are."""
    shared, own = penalties(settings, twin)
    for layer, kernel_regularizer in zip(dense_layers(model), own):
        layer.kernel_regularizer = kernel_regularizer
    model.set_compile_regularization(CompileRegularization.from_arguments(shared, False, None, None))
    model.compiled_optimizer.learning_rate = settings.learning_rate
