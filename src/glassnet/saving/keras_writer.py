"""``model.save('model.keras')``: a glassnet ``Sequential`` as a Keras 3 ``.keras`` archive that
``keras.saving.load_model`` loads and predicts the same with.

What is written: the architecture (an ``InputLayer`` when the model is built — of a first ``Flatten``'s
``input_shape``, e.g. (28, 28) images, when it was given one —, then each layer in Keras's serialized form, in
the model's dtype policy: ``Dense``, ``Dropout``, ``Activation``, ``ActivityRegularization``, ``Normalization``,
``BatchNormalization``, ``GaussianNoise``, ``Flatten``), every weight's effective regularizer (a compile-level
``regularizer=`` or resolved ``lam=`` is written on each kernel it applies to, as the Keras L2 it is: Keras has no
model-wide penalty), constraints, initializers, the variables (a BatchNormalization's gamma, beta and moving
statistics in Keras's order), the compile settings (optimizer with its learning rate or schedule, loss, metric
names and metric objects such as ``AUC()``) and the optimizer's state (step count, learning rate, slots in
Keras's order, Nadam's momentum product Πₜ; fresh slots if it has not stepped yet, so Keras loads them without
a warning).

What a ``.keras`` file cannot carry, and so is not written: the model's ``seed`` and generator states, the last
fit's m and B (``last_fit``, which the conventions of ``explain`` read), how a penalty was given (``compile(lam=)``
or ``L2.from_lecture``: written as the L2 factor they amount to), ``exclude_from_weight_decay`` (Keras does not
save it either; a warning says so), and a ``glassnet train`` data-preparation record. Refused (``ValueError``,
nothing written): what Keras cannot express — an activation with other than Keras's default arguments
(``LeakyReLU(0.1)``), a loss argument Keras lacks, a name with ``/``, a ``compile(lam=)`` still waiting for m —
and everything :meth:`~glassnet.Sequential.save` refuses (callables, frozen weights, non-finite numbers).
"""

from __future__ import annotations

import copy
import datetime
import json
import warnings
from typing import Any

import numpy as np

from ..backend import floatx
from ..engine.model import Sequential
from ..layers import BatchNormalization, Dense, Flatten, Normalization
from ..optimizers import Nadam
from ..regularizers.placement import effective_regularizer
from .allow_list import _encode_value
from .keras_archive import CONFIG, METADATA, WEIGHTS, archive_bytes
from .keras_config import to_keras
from .keras_file import AFTER_SLOTS, KERAS_VERSION, has_rate_variable, layer_variables, optimizer_variables
from .keras_model import SNAKE
from .keras_weights import variables_bytes
from .messages import _unsavable
from .model_file import _model_config


def _policy(dtype: str) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": None}


def _check_names(model: Sequential) -> None:
    for where, name in [("model.name", model.name)] + [(f"layers[{i}].name", layer.name)
                                                         for i, layer in enumerate(model.layers)]:
        if "/" in name:
            _unsavable(where, "Keras refuses names with '/'", name)
    if model.compile_regularization.pending:
        _unsavable("compile.lam", "the lecture's λ is an L2 factor only once m is known: fit the model or pass "
                   "n_samples=m to compile() first", model.compile_regularization.lam)


def _layer(layer: Any, form: dict[str, Any], index: int, model: Sequential, dtype: str,
           shape: list[int] | None) -> dict[str, Any]:
    """A layer's Keras object, with its weights' effective regularizers and, once built, its build config."""
    where = f"layers[{index}] ({layer.name})"
    form = copy.deepcopy(form)
    if isinstance(layer, Dense):
        for weight in layer.weight_names:
            regularizer = effective_regularizer(layer, weight, model.compile_regularization)[0]
            form["config"][f"{weight}_regularizer"] = _encode_value("regularizer?", regularizer,
                                                                    f"{where}.{weight}_regularizer")
    keras = to_keras("layer", form, where)
    keras["config"]["dtype"] = _policy(dtype)
    if keras["config"].get("activity_regularizer", "") is None:  # Keras writes it only when there is one
        del keras["config"]["activity_regularizer"]
    if isinstance(layer, Normalization):  # Keras's form of the axis; the statistics are variables
        keras["config"].update(axis=[] if layer.axis is None else [layer.axis], mean=None, variance=None)
    if shape is not None and isinstance(layer, (Dense, Normalization, BatchNormalization, Flatten)):
        keras["build_config"] = {"input_shape": [None, *shape]}
    return keras


def _input_shape(model: Sequential, features: int) -> list[int]:
    """One example's shape: a first Flatten's ``input_shape`` (images, e.g. [28, 28]), else [features]."""
    first = model.layers[0] if model.layers else None
    example = first.example_shape if isinstance(first, Flatten) else None
    return [features] if example is None else list(example)


def _compile_config(config: dict[str, Any]) -> dict[str, Any]:
    compiled = config["compile"]
    if compiled is None:
        return {}
    metrics = [m if isinstance(m, str) else to_keras("metric", m, f"compile.metrics[{i}]")
               for i, m in enumerate(compiled["metrics"])]
    return {"optimizer": to_keras("optimizer", compiled["optimizer"], "optimizer"),
            "loss": to_keras("loss", compiled["loss"], "loss"), "loss_weights": None,
            "metrics": metrics or None, "weighted_metrics": None, "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}


def _optimizer_arrays(model: Sequential, tensors: dict[str, np.ndarray], built: bool) -> dict[str, np.ndarray]:
    """Keras's optimizer variables: iterations, the learning rate if a number, the slots (fresh if none yet)."""
    optimizer = model.compiled_optimizer
    trainable = model.trainable_weights
    base, slots = optimizer_variables(optimizer, [(w.path, w.shape) for w in trainable])
    arrays = {base[0][0]: np.array(optimizer.iterations, np.int64)}
    if has_rate_variable(optimizer):  # Keras keeps it as a float32 variable (floatx)
        arrays[base[1][0]] = np.array(optimizer.get_config()["learning_rate"], np.float32)
    if not model.built:
        return arrays
    fresh = None if built else [optimizer.init_slots(w.value) for w in trainable]
    for path, _, name in slots:
        if isinstance(optimizer, Nadam) and name == AFTER_SLOTS["Nadam"]:  # Πₜ of the step count, Keras's dtype
            dtype = trainable[0].value.dtype if trainable else np.dtype(floatx())
            arrays[path] = np.array(optimizer.u_product(optimizer.iterations, dtype), dtype)
            continue
        _, index, slot = name.split("/")
        arrays[path] = tensors[name] if fresh is None else fresh[int(index)][slot]
    return arrays


def keras_content(model: Sequential) -> tuple[dict[str, Any], dict[str, str], dict[str, np.ndarray]]:
    """config.json, and the groups and datasets of model.weights.h5, of ``model`` (ValueError for what Keras
    cannot hold, before anything is written)."""
    config, listed = _model_config(model)  # glassnet's own checks of what a file can hold
    tensors = dict(listed)
    _check_names(model)
    features = config["model"]["input_features"]
    dtype = config["model"]["dtype"] or floatx()
    layers: list[dict[str, Any]] = []
    example = None if features is None else _input_shape(model, features)
    if example is not None:
        layers.append({"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                       "config": {"batch_shape": [None, *example], "dtype": dtype, "sparse": False,
                                  "ragged": False, "name": "input_layer", "optional": False}})
    groups, arrays, width = {"vars": model.name}, {}, features
    counts: dict[str, int] = {}
    for index, (layer, form) in enumerate(zip(model.layers, config["model"]["layers"])):
        layers.append(_layer(layer, form, index, model, dtype, None if width is None else
                             example if index == 0 else [width]))
        snake = SNAKE[layers[-1]["class_name"]]
        path = f"layers/{snake}" + (f"_{counts[snake]}" if snake in counts else "")
        counts[snake] = counts.get(snake, 0) + 1
        groups[f"{path}/vars"] = layer.name
        if width is not None:
            for variable, _, name in layer_variables(layer, path, width, False):
                # Keras's Normalization count (kept for its old files) is the rows adapted on: not known here
                arrays[variable] = tensors[name] if name else np.array(0, np.int64)
            width = layer.compute_output_shape((None, width))[-1]
    top: dict[str, Any] = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                           "config": {"name": model.name, "trainable": True, "dtype": _policy(dtype), "layers": layers}}
    if example is not None:
        top["config"]["build_input_shape"] = [None, *example]
        top["build_config"] = {"input_shape": [None, *example]}
    top["compile_config"] = _compile_config(config)
    if config["compile"] is not None:
        state = config["state"]["optimizer"]
        if state["exclude_weight_paths"]:
            warnings.warn("A .keras file does not carry exclude_from_weight_decay (Keras does not save it): Keras "
                          f"will decay {state['exclude_weight_paths']} too.", UserWarning, stacklevel=3)
        groups["optimizer/vars"] = model.compiled_optimizer.name
        arrays.update(_optimizer_arrays(model, tensors, state["built"]))
    return top, groups, arrays


def metadata() -> dict[str, str]:
    """metadata.json: the Keras format version written, and when (Keras ignores it when loading)."""
    from .. import __version__

    return {"keras_version": KERAS_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "saved_by": f"glassnet {__version__}"}


def config_text(top: dict[str, Any]) -> bytes:
    return json.dumps(top, allow_nan=False).encode("utf-8")

def keras_archive(model: Sequential) -> bytes:
    """The bytes of the ``.keras`` archive of ``model`` (:func:`keras_content`, zipped as Keras does)."""
    top, groups, arrays = keras_content(model)
    return archive_bytes({METADATA: json.dumps(metadata()).encode("utf-8"), CONFIG: config_text(top),
                          WEIGHTS: variables_bytes(groups, arrays)})
