"""The Python code that recreates a playground run: same data, network, seed and live changes, so running it gives
the page's numbers bit for bit. It is Keras-style code (``Sequential``, ``Dense``, ``compile``, ``fit``): with the
imports changed and glassnet's additions dropped (``seed=``, ``compile(regularizer=)``) it reads as Keras.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .data import FEATURE_CODE, N_CLASSIFY, N_REGRESS, Table
from .network import penalties
from .problem import Problem
from .settings import CLASSIFICATION, USER, Settings

_LOCAL_GENERATORS = {"spiral3", "reg-plane", "reg-gauss"}


def _regularizer(value: Any) -> str:
    return "None" if value is None else repr(value).replace("l1=", "").replace("l2=", "")


def _data_lines(settings: Settings, problem: Problem, user: Table | None) -> list[str]:
    if settings.dataset == USER:
        name = user.name if user is not None else "your_data.csv"
        return [f"# Your data: two coordinate columns and the target ({name}; for data given to show(), use",
                "# your own x (rows, 2) and y instead).",
                f"points, labels = load_csv({name!r}, target=-1)",
                f"order = np.random.default_rng({settings.data_seed}).permutation(len(points))",
                "points, labels = points[order], labels[order]"]
    function = settings.dataset.replace("-", "_")
    size = N_CLASSIFY if settings.dataset in CLASSIFICATION else N_REGRESS
    return [f"points, labels = {function}({size}, noise={settings.noise / 100!r}, seed={settings.data_seed})"]


def _imports(settings: Settings, changes: bool, weights: bool) -> list[str]:
    names = ["Sequential", "Dense"] + (["Dropout"] if settings.dropout else []) + \
        ["Adam" if settings.optimizer == "adam" else "SGD", "L1", "L2"]
    lines = ["import numpy as np", "", f"from glassnet import {', '.join(names)}"]
    if settings.dataset == USER:
        lines.append("from glassnet.datasets import load_csv")
    elif settings.dataset in _LOCAL_GENERATORS:
        lines.append(f"from glassnet.playground.data import {settings.dataset.replace('-', '_')}")
    else:
        lines.append(f"from glassnet.datasets import {settings.dataset}")
    if changes:
        lines += ["from glassnet.callbacks import LambdaCallback",
                  "from glassnet.regularizers.placement import CompileRegularization"]
    return lines


def _layers(settings: Settings, problem: Problem) -> list[str]:
    _, own = penalties(settings)
    lines = []
    for index, (units, rate) in enumerate(zip(settings.hidden, settings.dropout_rates()), start=1):
        extra = "" if own[index - 1] is None else f", kernel_regularizer={_regularizer(own[index - 1])}"
        lines.append(f"    Dense({units}, activation={settings.activation!r}, name='hidden_{index}'{extra}),")
        if rate:
            lines.append(f"    Dropout({rate!r}, name='dropout_{index}'),")
    output = problem.output
    extra = "" if own[-1] is None else f", kernel_regularizer={_regularizer(own[-1])}"
    lines.append(f"    Dense({output.units}, activation={output.activation!r}, name='output'{extra}),")
    return lines


def _optimizer(settings: Settings) -> str:
    if settings.optimizer == "adam":
        return f"Adam(learning_rate={settings.learning_rate!r})"
    momentum = ", momentum=0.9" if settings.optimizer == "momentum" else ""
    return f"SGD(learning_rate={settings.learning_rate!r}{momentum})"


def _change_lines(changes: list[tuple[int, Settings]]) -> list[str]:
    by_epoch: dict[int, Settings] = {}
    for epoch, settings in changes:
        by_epoch[epoch] = settings  # several changes before one epoch: the last one is what trained
    lines = ["", "# What you changed while it trained, applied before these epochs (0-based), as the playground did:",
             "changes = {"]
    for epoch, settings in sorted(by_epoch.items()):
        shared, own = penalties(settings)
        lines.append(f"    {epoch}: ({settings.learning_rate!r}, {_regularizer(shared)}, "
                     f"[{', '.join(_regularizer(r) for r in own)}]),")
    lines += ["}", "", "", "def change(epoch, logs):",
              "    if epoch in changes:",
              "        learning_rate, shared, own = changes[epoch]",
              "        for layer, regularizer in zip([l for l in model.layers if isinstance(l, Dense)], own):",
              "            layer.kernel_regularizer = regularizer",
              "        model.set_compile_regularization(CompileRegularization(regularizer=shared))",
              "        model.optimizer.learning_rate = learning_rate", ""]
    return lines


def python_code(settings: Settings, problem: Problem, epochs: int, changes: list[tuple[int, Settings]],
                user: Table | None = None, weights: list[np.ndarray] | None = None) -> str:
    """The code of the run: ``settings`` as the network was built, trained ``epochs`` epochs, with the live
    ``changes`` (epoch, settings) at their epochs; ``weights`` are a preset's initial weights, if any."""
    changes = _effective(settings, changes)
    shared, _ = penalties(settings)
    cut = problem.n_train
    target = "2 * labels - 1  # the Playground's ±1 targets for a tanh output" \
        if problem.output.targets == "signs" else "labels"
    lines = ['"""A glassnet playground run, written out: running it gives the same numbers, bit for bit.',
             "",
             "Keras-style: with the imports changed to Keras's, drop seed= (use keras.utils.set_random_seed) and give",
             "each Dense kernel_regularizer= instead of compile(regularizer=), which is glassnet's (the same numbers).",
             '"""', ""]
    lines += _imports(settings, bool(changes), weights is not None) + [""]
    lines += _data_lines(settings, problem, user)
    lines += ["p = points", (f"x = np.column_stack([{', '.join(FEATURE_CODE[f] for f in settings.features)}])"
              ".astype(np.float32)"), f"y = {target}",
              f"x_train, y_train, x_test, y_test = x[:{cut}], y[:{cut}], x[{cut}:], y[{cut}:]", "",
              "model = Sequential(["] + _layers(settings, problem) + [f"], name='playground', seed={settings.seed})"]
    metrics = f", metrics={list(problem.output.metrics)!r}" if problem.output.metrics else ""
    regularizer = "" if shared is None else f",\n              regularizer={_regularizer(shared)}"
    lines.append(f"model.compile(optimizer={_optimizer(settings)}, loss={problem.output.loss!r}{metrics}{regularizer})")
    if weights is not None:
        arrays = ", ".join(f"np.array({w.astype(np.float64).tolist()!r}, dtype=np.float32)" for w in weights)
        lines += ["model.build((None, x.shape[1]))", f"model.set_weights([{arrays}])"]
    callbacks = ""
    if changes:
        lines += _change_lines(changes)
        callbacks = ",\n                    callbacks=[LambdaCallback(on_epoch_begin=change)]"
    lines += [(f"history = model.fit(x_train, y_train, epochs={max(epochs, 1)}, batch_size={settings.batch_size}, "
              f"validation_data=(x_test, y_test), verbose=0{callbacks})"),
              "print({key: values[-1] for key, values in history.history.items() if '/' not in key})", ""]
    return "\n".join(lines)


def _trained_part(settings: Settings) -> tuple[Any, ...]:
    return settings.learning_rate, settings.regularization, settings.lam, settings.layer_specs()


def _effective(settings: Settings, changes: list[tuple[int, Settings]]) -> list[tuple[int, Settings]]:
    """The changes that changed what trains (not e.g. the speed)."""
    kept, last = [], _trained_part(settings)
    for epoch, changed in changes:
        if _trained_part(changed) != last:
            kept.append((epoch, changed))
            last = _trained_part(changed)
    return kept


def model_file(model: Any) -> bytes:
    """The model as a glassnet file (``model.save``: architecture, weights, optimizer state), as bytes."""
    with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as folder:
        path = Path(folder) / "playground.glassnet"
        model.save(path)
        return path.read_bytes()
