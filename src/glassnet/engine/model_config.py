"""``Sequential.get_config`` / ``Sequential.from_config`` (Keras's): a model's architecture as a dict, and a new
model from it.

The dict holds ``name``, ``layers`` — one ``{"class_name": ..., "config": layer.get_config()}`` per layer —
``build_input_shape`` ((None, features) or None) and glassnet's ``dtype`` and ``seed``. Layer configs keep nested
glassnet objects (activations, regularizers, …) as objects: this is the in-memory description Keras's
``clone_model`` pattern uses; :mod:`glassnet.saving` is what writes a model to a file. ``from_config`` makes layers
only of glassnet's own classes, and of the classes named in ``custom_objects``: a config never names code.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .. import layers as layers_module
from .._validation import describe
from ..layers import Layer

if TYPE_CHECKING:
    from .model import Sequential

#: The layer classes ``from_config`` makes by name.
LAYER_CLASSES: dict[str, type[Layer]] = {
    name: cls for name in layers_module.__all__ if isinstance(cls := getattr(layers_module, name), type)
    and issubclass(cls, Layer) and cls is not Layer}
_KEYS = {"name", "layers", "build_input_shape", "dtype", "seed"}


def model_config(model: Sequential) -> dict[str, Any]:
    """The architecture of ``model`` (module docstring); a deep copy, so changing it changes no layer."""
    return copy.deepcopy({
        "name": model.name, "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                                       for layer in model.layers],
        "build_input_shape": model.input_shape, "dtype": None if model.dtype is None else model.dtype.name,
        "seed": model.seed})


def model_from_config(cls: type[Sequential], config: Any,
                      custom_objects: dict[str, type[Layer]] | None) -> Sequential:
    """A new model of class ``cls`` from ``config``; everything checked before anything is made."""
    if not isinstance(config, dict) or not set(config) <= _KEYS or "layers" not in config:
        raise ValueError(f"Argument `config` must be what Sequential.get_config() returns: a dict with `layers` and "
                         f"at most the keys {sorted(_KEYS)}. Received: config={describe(config)}")
    if custom_objects is not None and not (isinstance(custom_objects, dict) and all(
            isinstance(v, type) and issubclass(v, Layer) for v in custom_objects.values())):
        raise TypeError("Argument `custom_objects` must be a dict {class name: Layer subclass}. "
                        f"Received: custom_objects={describe(custom_objects)}")
    classes: dict[str, type[Layer]] = {**LAYER_CLASSES, **(custom_objects or {})}
    items = config["layers"]
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"Argument `config['layers']` must be a list. Received: {describe(items)}")
    layers = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {"class_name", "config"} or \
                not isinstance(item["config"], dict):
            raise ValueError(f"Argument `config['layers'][{index}]` must be a dict with `class_name` and `config`. "
                             f"Received: {describe(item)}")
        if item["class_name"] not in classes:
            raise ValueError(f"Argument `config['layers'][{index}]` names an unknown layer class: one of "
                             f"{sorted(LAYER_CLASSES)}, or pass the class in `custom_objects`. "
                             f"Received: class_name={item['class_name']!r}")
        layers.append(classes[item["class_name"]].from_config(copy.deepcopy(item["config"])))
    model = cls(layers, name=config.get("name"), dtype=config.get("dtype"), seed=config.get("seed"))
    if config.get("build_input_shape") is not None and not model.built:
        model.build(config["build_input_shape"])
    return model
