"""``glassnet.load_model('model.keras')``: a Keras 3 ``.keras`` archive of a ``Sequential`` read safely, as the
glassnet model it describes.

The archive is checked (:mod:`~glassnet.saving.keras_archive`), its ``config.json`` translated entry by entry
(:mod:`~glassnet.saving.keras_model`), and the variables that config builds read from ``model.weights.h5``
(:mod:`~glassnet.saving.keras_weights`) at the paths Keras gives them::

    layers/<layer>/vars/0, 1      a Dense layer's kernel (features, units) and bias (units,)
    layers/<layer>/vars/0, 1, 2   a Normalization's mean, variance (features,) or () and Keras's count
    layers/<layer>/vars/0 ... 3   a BatchNormalization's gamma (if scale), beta (if center), moving_mean and
                                  moving_variance (features,)
    optimizer/vars/0              the optimizer's step count (iterations)
    optimizer/vars/1              its learning rate, when it is a number (glassnet takes config.json's)
    optimizer/vars/2, ...         its slots, in Keras's order (Adam: m and v of each weight in turn)
    optimizer/vars/<last>         Nadam's momentum product Πₜ (glassnet recomputes it from the step count; a file
                                  whose Πₜ is not that one, to rounding, is refused)

``<layer>`` is the layer's class in snake case, numbered when repeated (``dense``, ``dense_1``). Before anything
is read, the weights the config declares must fit in ``max_bytes``. The result is what a glassnet model file
holds — the config and the tensors — and goes through the very checks and build of
:func:`~glassnet.saving.model_file._decode_model` (finite numbers, distinct printable names, ...). A loaded Keras
model has no seed: its generator is seeded from the operating system, and a seeded ``Dropout`` starts where a
new one would.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..layers import BatchNormalization, Dense, Normalization
from ..optimizers import Nadam
from .bounds import _check_finite
from .container import _json
from .keras_archive import CONFIG, METADATA, WEIGHTS, read_archive
from .keras_config import SharedObjects
from .keras_model import KerasModel, read_model
from .keras_weights import Variable, read_variables
from .messages import _bad, _Said
from .model_file import _declared_weights

#: The slots of each optimizer in Keras's order: within a group, every slot of a weight before the next weight
#: (Adam's m and v interleaved: ``add_optimizer_variables``), then the next group (RMSprop's velocities of all
#: weights, then its momentums).
SLOT_GROUPS: dict[str, tuple[tuple[str, ...], ...]] = {
    "SGD": (("momentum",),), "Adam": (("m", "v"), ("v_hat",)), "AdamW": (("m", "v"), ("v_hat",)),
    "RMSprop": (("velocity",), ("momentum",), ("average_gradient",)), "Adagrad": (("accumulator",),),
    "Nadam": (("momentum", "velocity"),), "Adamax": (("momentum", "norm"),)}
#: What an optimizer keeps after its slots, as glassnet's name (a scalar): Keras's Nadam keeps its momentum
#: product Πₜ in a variable built after the slots (``_u_product`` in keras/src/optimizers/nadam.py).
AFTER_SLOTS: dict[str, str] = {"Nadam": "optimizer/u_product"}
#: The rounding within which a file's Nadam Πₜ must be glassnet's Πₜ of its step count (relative: float32's ulp
#: is 6e-8; absolute: the dtype's smallest normal number, as TensorFlow flushes smaller ones to 0), checked up to
#: the steps glassnet multiplies one by one; beyond, where its closed form and Keras's product may differ in more
#: than rounding, only that Πₜ ∈ [0, 1].
U_PRODUCT_RTOL, U_PRODUCT_STEPS = 1e-6, Nadam.EXACT_STEPS
#: The Keras version whose format is read and written (Keras ignores metadata.json when loading).
KERAS_VERSION = "3.15.1"
Mapping = list[tuple[str, tuple[int, ...], str]]  # (Keras variable path, shape, glassnet tensor name)


def layer_variables(layer: Any, path: str, width: int, in_config: bool) -> Mapping:
    """The variables of one layer with ``width`` inputs (glassnet name '' for Keras's Normalization count);
    ``in_config``: a Normalization whose statistics are in its config has none."""
    named: list[tuple[str, tuple[int, ...]]]
    if isinstance(layer, Dense):
        named = [("kernel", (width, layer.units))] + ([("bias", (layer.units,))] if layer.use_bias else [])
    elif isinstance(layer, BatchNormalization):  # gamma, beta (when there), moving_mean, moving_variance
        named = [(name, (width,)) for name in layer.weight_names]
    elif isinstance(layer, Normalization) and not in_config:
        shape: tuple[int, ...] = () if layer.axis is None else (width,)
        named = [("mean", shape), ("variance", shape), ("", ())]
    else:
        return []
    return [(f"{path}/vars/{i}", shape, name and f"{layer.name}/{name}") for i, (name, shape) in enumerate(named)]


def has_rate_variable(optimizer: Any) -> bool:
    """Whether Keras keeps the learning rate as a variable: when it is a number, not a schedule."""
    return isinstance(optimizer.get_config()["learning_rate"], numbers.Real)


def optimizer_variables(optimizer: Any, trainable: list[tuple[str, tuple[int, ...]]]) -> tuple[Mapping, Mapping]:
    """The optimizer's variables before it is built (iterations, and the learning rate if it is a number), and
    its slots for the ``trainable`` (path, shape) weights in Keras's order (and what it keeps after them:
    :data:`AFTER_SLOTS`)."""
    base: Mapping = [("optimizer/vars/0", (), "iterations")]
    if has_rate_variable(optimizer):
        base.append(("optimizer/vars/1", (), "learning_rate"))
    names = list(optimizer.init_slots(np.zeros(0)))
    kind = type(optimizer).__name__
    slots = [(f"optimizer/{i}/{slot}", shape) for group in SLOT_GROUPS[kind]
             for i, (_, shape) in enumerate(trainable) for slot in group if slot in names]
    slots += [(AFTER_SLOTS[kind], ())] if kind in AFTER_SLOTS else []
    return base, [(f"optimizer/vars/{len(base) + k}", shape, name) for k, (name, shape) in enumerate(slots)]


def _layout(model: KerasModel) -> tuple[Mapping, Mapping, Mapping, set[str]]:
    """The layers' variables, the optimizer's (before build, and its slots) and the groups that hold them."""
    groups = {"vars", "layers"} | {p for path in model.paths for p in (path, f"{path}/vars")}
    layers: Mapping = []
    width = model.features
    if width is not None:
        for form, layer, path in zip(model.forms, model.layers, model.paths):
            layers += layer_variables(layer, path, width, form["config"].get("mean") is not None)
            width = layer.compute_output_shape((None, width))[-1]
    base: Mapping = []
    slots: Mapping = []
    if model.optimizer is not None:
        groups |= {"optimizer", "optimizer/vars"}
        base, slots = optimizer_variables(model.optimizer, _declared_weights(model.layers, model.features or 1,
                                                                              trainable_only=True))
        slots = slots if model.features is not None else []
    return layers, base, slots, groups


def _optimizer_state(found: dict[str, np.ndarray], base: Mapping, slots: Mapping) -> tuple[int, bool]:
    """(iterations, whether the slots are there): the file holds none, the unbuilt or the built variables."""
    present = sum(path in found for path, _, _ in base + slots)
    if present not in (0, len(base), len(base) + len(slots)) or not all(path in found for path, _, _ in
                                                                       (base + slots)[:present]):
        _bad("model.weights.h5:optimizer/vars", f"{len(base)} variables (an optimizer not yet built) or "
             f"{len(base) + len(slots)} (built for this model's weights)", _Said(f"{present} of them"))
    return (int(found[base[0][0]]) if present else 0), present == len(base) + len(slots) and bool(slots)


def _check_after_slots(model: KerasModel, tensors: dict[str, np.ndarray], slots: Mapping, iterations: int) -> None:
    """Take out what an optimizer keeps after its slots: Nadam's Πₜ, which must be a product of factors in
    [0, 1) and the Πₜ glassnet recomputes from the step count (:data:`U_PRODUCT_STEPS`)."""
    value = tensors.pop(AFTER_SLOTS["Nadam"], None)
    if value is None or not isinstance(model.optimizer, Nadam):
        return
    where, product = f"model.weights.h5:{slots[-1][0]}", float(value)
    if not 0 <= product <= 1:
        _bad(where, "Nadam's momentum product Πₜ, a number in [0, 1]", product)
    if iterations <= U_PRODUCT_STEPS:
        dtype = np.dtype(model.dtype)
        expected = float(model.optimizer.u_product(iterations, dtype))
        if abs(product - expected) > U_PRODUCT_RTOL * expected + float(np.finfo(dtype).tiny):
            _bad(where, f"Nadam's momentum product Πₜ after {iterations} steps, {expected!r} (glassnet recomputes "
                 "it from the step count: another Πₜ would train on differently)", product)


def _statistics_in_config(model: KerasModel, declared: list[tuple[str, tuple[int, ...]]],
                          tensors: dict[str, np.ndarray]) -> None:
    """The weights of a Normalization whose mean and variance are in its config: those, broadcast."""
    shapes = dict(declared)
    for index, layer in enumerate(model.layers):
        if not isinstance(layer, Normalization) or layer.input_mean is None or f"{layer.name}/mean" not in shapes:
            continue
        shape = shapes[f"{layer.name}/mean"]
        for name, value in (("mean", layer.input_mean), ("variance", layer.input_variance)):
            try:
                tensors[f"{layer.name}/{name}"] = np.broadcast_to(value, shape).astype(model.dtype)
            except ValueError:
                _bad(f"config.json:config.layers[{index + model.offset}].config.{name}", f"statistics of shape "
                     f"{shape} (or one number), one per input feature", value.tolist())


def glassnet_content(contents: dict[str, bytes], max_bytes: int,
                     trusted: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The config and tensors of the glassnet model file a checked Keras archive amounts to (``trusted``: one
    glassnet has just written, whose HDF5 file is read in this process)."""
    if METADATA in contents:
        metadata = _json(contents[METADATA].decode("utf-8", "replace"), "metadata.json")
        version = metadata.get("keras_version") if isinstance(metadata, dict) else None
        if not isinstance(version, str) or not version.startswith("3."):
            _bad("metadata.json:keras_version", "a Keras 3 version ('3.x.y'; files of Keras 2 differ)", version)
    shared = SharedObjects()
    model = read_model(_json(contents[CONFIG].decode("utf-8", "replace"), "config.json"), shared)
    layers, base, slots, groups = _layout(model)
    # What the layers build (for one input feature, if the model is not built yet) and the optimizer's slots
    shapes = [shape for _, shape in _declared_weights(model.layers, model.features or 1)]
    size = sum(math.prod(shape) for shape in shapes + [shape for _, shape, _ in slots]) * 8
    if size > max_bytes:
        _bad("config.json:config.layers", f"layers whose weights fit in max_bytes={max_bytes} (pass a larger "
             "max_bytes= if you trust the file)", _Said(f"{size} bytes of weights and optimizer slots"))
    variables = [Variable(path, shape, "float" if name else "int") for path, shape, name in layers]
    variables += [Variable(path, shape, "int" if name == "iterations" else "float", required=False)
                  for path, shape, name in base + slots]
    found = read_variables(contents[WEIGHTS], variables, groups, trusted=trusted)
    tensors = {}
    for path, _, name in layers + slots + base[1:]:
        if name and path in found:
            _check_finite(found[path], f"model.weights.h5:{path}", model.dtype)
            tensors[name] = found[path].astype(model.dtype)
    tensors.pop("learning_rate", None)  # checked finite; config.json's learning rate is the one used
    for path, _, name in layers:  # a variance below 0 would make every prediction NaN (√ of it)
        if name.rsplit("/", 1)[-1] in ("variance", "moving_variance") and np.any(found[path] < 0):
            _bad(f"model.weights.h5:{path}", f"variances ≥ 0 (the {name.rsplit('/', 1)[-1]} of layer "
                 f"{name.rsplit('/', 1)[0]!r})", _Said("a negative variance"))
    iterations, built = _optimizer_state(found, base, slots)
    _check_after_slots(model, tensors, slots, iterations)
    if not built:
        tensors = {name: array for name, array in tensors.items() if not name.startswith("optimizer/")}
    declared = _declared_weights(model.layers, model.features or 1) if model.features is not None else []
    _statistics_in_config(model, declared, tensors)
    state: dict[str, Any] = {"last_fit": None, "rng": np.random.default_rng().bit_generator.state,
             "layer_rngs": [None if layer.rng is None else layer.rng.bit_generator.state for layer in model.layers],
             "optimizer": None if model.compile is None else {"iterations": iterations, "built": built,
                                                             "exclude_weight_paths": [], "exclude_pattern": None}}
    config = {"weights": [name for name, _ in declared],
              "model": {"name": model.name, "dtype": model.dtype, "seed": None, "input_features": model.features,
                        "layers": model.forms},
              "compile": model.compile, "state": state}
    return config, tensors


def read_keras(blob: bytes | bytearray, max_bytes: int,
               trusted: bool = False) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """:func:`glassnet_content` of the bytes of a ``.keras`` file."""
    return glassnet_content(read_archive(blob, max_bytes), max_bytes, trusted)

