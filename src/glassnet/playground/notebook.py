"""``glassnet.playground.show()``: the playground inside a Jupyter notebook, optionally from your model and data.

The page is the same as ``glassnet playground``'s, served by one background server per kernel (loopback, a free
port) and embedded as an iframe. Your model is copied (``model.save`` / ``load_model``), never trained in place:
its architecture, activation, loss, optimizer, penalties and current weights become the playground's starting
point, and *reset* goes back to those weights.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from .. import L1, L2, SGD, Adam, Dense, Dropout, Sequential, load_model
from .data import Table, user_table
from .problem import Preset
from .settings import ACTIVATIONS, MAX_HIDDEN_LAYERS, MAX_NEURONS, USER, Settings, parse
from .uploads import MAX_ROWS

_server: Any = None


def _copy(model: Sequential) -> Sequential:
    with tempfile.TemporaryDirectory(prefix="glassnet-show-") as folder:
        path = Path(folder) / "model.glassnet"
        model.save(path)
        return load_model(path)


def _spec(regularizer: Any, where: str) -> str:
    if regularizer is None:
        return "global"
    if type(regularizer) in (L1, L2):
        kind = "l1" if isinstance(regularizer, L1) else "l2"
        return f"{kind}:{getattr(regularizer, kind)!r}"
    raise ValueError(f"The playground shows L1 or L2 penalties only. Received: {where}={regularizer!r}")


def settings_from_model(model: Any, table: Table | None) -> tuple[Settings, list[Any] | None]:
    """The playground settings that rebuild ``model`` (2 inputs, Dense and Dropout layers, one activation for the
    hidden layers, L1/L2 penalties), and its weights if it is built; ValueError naming what does not fit."""
    if not isinstance(model, Sequential):
        raise TypeError(f"Argument `model` must be a glassnet Sequential. Received: model={type(model).__name__}")
    layers = model.layers
    denses = [layer for layer in layers if isinstance(layer, Dense)]
    if any(not isinstance(layer, (Dense, Dropout)) for layer in layers) or not denses or \
            not isinstance(layers[-1], Dense):
        raise ValueError("The playground draws Dense layers (each optionally followed by Dropout) ending in a Dense "
                         f"output. Received: layers {[type(layer).__name__ for layer in layers]}")
    hidden = denses[:-1]
    activations = {layer.activation.name for layer in hidden}
    if len(hidden) > MAX_HIDDEN_LAYERS or any(layer.units > MAX_NEURONS for layer in hidden) or \
            len(activations) > 1 or not activations <= set(ACTIVATIONS):
        raise ValueError(f"The playground draws at most {MAX_HIDDEN_LAYERS} hidden layers of at most {MAX_NEURONS} "
                         f"units with one activation of {list(ACTIVATIONS)}. Received: hidden layers "
                         f"{[(layer.units, layer.activation.name) for layer in hidden]}")
    following = {id(layer): layers[i + 1] if i + 1 < len(layers) else None for i, layer in enumerate(layers)}
    rates = [after.rate if isinstance(after := following[id(layer)], Dropout) else 0.0 for layer in hidden]
    values: dict[str, Any] = {"hidden": [layer.units for layer in hidden], "features": ["x1", "x2"],
                              "activation": activations.pop() if activations else "tanh", "dropout": rates,
                              "dataset": USER if table is not None else "spiral",
                              "layer_regularization": [
                                  _spec(layer.kernel_regularizer, f"{layer.name}.kernel_regularizer")
                                  for layer in denses]}
    output = denses[-1].activation.name
    values["loss"] = "squared_error" if output == "tanh" else "cross_entropy"
    if model.seed is not None:
        values["seed"] = model.seed
    if model.optimizer is not None:
        optimizer = model.optimizer
        if isinstance(optimizer, Adam):
            values["optimizer"] = "adam"
        elif isinstance(optimizer, SGD) and optimizer.momentum in (0.0, 0.9):
            values["optimizer"] = "momentum" if optimizer.momentum else "sgd"
        values["learning_rate"] = optimizer.learning_rate  # a schedule's current rate
    shared = model.compile_regularization.regularizer
    if shared is not None:
        kind, strength = _spec(shared, "compile(regularizer=)").split(":")
        values["regularization"], values["lambda"] = kind, strength
    settings = parse(values)
    inputs = denses[0].kernel.shape[0] if model.built else None
    built = inputs == 2
    if model.built and not built:
        raise ValueError(f"The playground's inputs are the 2 coordinates x1, x2. Received: a model with "
                         f"{inputs} inputs")
    return settings, model.get_weights() if built else None


def show(model: Any = None, x: Any = None, y: Any = None, *, height: int = 800) -> Any:
    """Embed the playground in a notebook: an ``IPython.display.IFrame`` (the page's URL without IPython).

    ``model`` (a glassnet ``Sequential``) is the starting network; ``x`` (rows, 2) and ``y`` (labels 0..K−1 or
    regression targets) the data. Everything is checked before the server starts; the server (one per kernel,
    loopback only) keeps running for later calls.
    """
    if (x is None) != (y is None):
        raise ValueError("Arguments `x` and `y` go together. Received: only one of them")
    if isinstance(height, bool) or not isinstance(height, int) or height < 200:
        raise ValueError(f"Argument `height` must be an integer ≥ 200 (pixels). Received: height={height!r}")
    table = None if x is None else user_table(x, y, "your data", MAX_ROWS)
    settings, weights = settings_from_model(model, table) if model is not None else \
        (Settings(dataset=USER if table is not None else "spiral", features=("x1", "x2")), None)
    server = _background()
    key = secrets.token_urlsafe(12)
    server.add_preset(key, Preset(settings, table, weights))
    url = f"{server.url}?preset={key}"
    try:
        from IPython.display import IFrame
    except ImportError:
        return url
    return IFrame(url, width="100%", height=height)


def _background() -> Any:
    global _server
    if _server is None or not _server.thread.is_alive():
        from .server import BackgroundServer

        _server = BackgroundServer().start()
    return _server


def stop() -> None:
    """Stop the notebook's background server (a later :func:`show` starts a new one); pages it served go blank."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None
