"""What the compiled epoch needs to know about a model, read from glassnet's public state only.

:func:`plan_for` turns a built, compiled :class:`~glassnet.Sequential` into an :class:`EpochPlan`: small integer
and constant tables (:mod:`.epoch` documents their columns). A model using anything the engine does not compute
exactly is refused with :class:`Unsupported` naming it, so the caller keeps the NumPy path for it.

Computed: ``Dense`` layers (linear, relu, sigmoid, tanh, softmax), all weights trainable, no constraints and no
activity regularizers; ``L2`` (incl. ``L2.from_lecture``), ``L1``, ``L1L2`` on any weight; binary, categorical
and sparse categorical cross-entropy (from probabilities, from logits, or fused with a sigmoid/softmax output);
``SGD`` (momentum, Nesterov), ``Adam``/``AdamW`` (amsgrad), ``RMSprop`` (momentum, centered), ``Adagrad``;
``clipnorm``, ``global_clipnorm``, ``clipvalue``; decoupled weight decay with its exclusions; learning-rate
schedules and callables (evaluated per step in Python).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import activations
from .. import losses as glassnet_losses
from .. import optimizers as glassnet_optimizers
from .. import regularizers as glassnet_regularizers
from ..layers import Dense
from . import dense, epoch, losses, optimizers, regularizers

_ACTIVATION_TYPES = {activations.Linear: dense.LINEAR, activations.ReLU: dense.RELU,
                     activations.Sigmoid: dense.SIGMOID, activations.Tanh: dense.TANH,
                     activations.Softmax: dense.SOFTMAX}
_LOSS_TYPES = {glassnet_losses.BinaryCrossentropy: losses.BINARY,
               glassnet_losses.CategoricalCrossentropy: losses.CATEGORICAL,
               glassnet_losses.SparseCategoricalCrossentropy: losses.SPARSE}
_OPTIMIZER_TYPES = {glassnet_optimizers.SGD: optimizers.SGD, glassnet_optimizers.Adam: optimizers.ADAM,
                    glassnet_optimizers.AdamW: optimizers.ADAM, glassnet_optimizers.RMSprop: optimizers.RMSPROP,
                    glassnet_optimizers.Adagrad: optimizers.ADAGRAD}
_REGULARIZER_TYPES = {glassnet_regularizers.L2: regularizers.L2, glassnet_regularizers.LectureL2: regularizers.L2,
                      glassnet_regularizers.L1: regularizers.L1L2, glassnet_regularizers.L1L2: regularizers.L1L2}


class Unsupported(ValueError):
    """The model uses something the compiled engine does not compute; the NumPy path trains it as always."""


@dataclass(frozen=True)
class PenaltyEntry:
    """One penalty term of the loss parts: ``layer``/``weight`` names, its regularizer and its index in θ order."""

    layer: str
    weight: str
    regularizer: Any
    index: int


@dataclass(frozen=True)
class EpochPlan:
    """The tables :func:`glassnet.compiled.epoch.run` reads, for one model (see :mod:`.epoch` for columns)."""

    dtype: np.dtype
    layer_table: np.ndarray        # (layers, LAYER_COLUMNS) int64
    weight_table: np.ndarray       # (weights, WEIGHT_COLUMNS) int64, θ order
    weight_constants: np.ndarray   # (weights, 3) dtype: l1, l2, 2·l2
    loss_settings: np.ndarray      # (4,) int64
    optimizer_settings: np.ndarray  # (8,) int64
    optimizer_constants: np.ndarray  # (CONSTANTS,) dtype
    clip_setting: float
    slot_rows: tuple[str, ...]     # the slot names held by rows 0, 1, … of the (3, P) slot block
    penalties: tuple[PenaltyEntry, ...]
    n_parameters: int
    n_outputs: int


def _refuse(what: str) -> Unsupported:
    return Unsupported(f"The compiled engine does not compute {what}; the NumPy path trains this model.")


def _layers(model: Any) -> tuple[list[list[int]], list[Any]]:
    """Per layer: [in, units, kernel index, bias index, activation]; and the trainable weights in θ order."""
    rows: list[list[int]] = []
    weights: list[Any] = []
    if not model.layers:
        raise _refuse("an empty model")
    for layer in model.layers:
        if type(layer) is not Dense:
            raise _refuse(f"layers of type {type(layer).__name__} (layer {layer.name!r}); only Dense")
        if layer.activity_regularizer is not None:
            raise _refuse(f"activity regularizers (layer {layer.name!r})")
        code = _ACTIVATION_TYPES.get(type(layer.activation))
        if code is None:
            raise _refuse(f"the activation {layer.activation!r} (layer {layer.name!r})")
        for weight in layer.weights:
            if not weight.trainable or weight.constraint is not None:
                raise _refuse(f"non-trainable or constrained weights ({weight.path})")
        kernel = len(weights)
        weights.append(layer.weights[0])
        bias = -1
        if layer.use_bias:
            bias = len(weights)
            weights.append(layer.weights[1])
        rows.append([layer.weights[0].shape[0], layer.units, kernel, bias, code])
    return rows, weights


def _weights(weights: list[Any], model: Any, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, list]:
    table = np.zeros((len(weights), epoch.WEIGHT_COLUMNS), np.int64)
    constants = np.zeros((len(weights), 3), dtype)
    entries, offset = [], 0
    owners = {id(w): layer.name for layer in model.layers for w in layer.weights}
    optimizer = model.optimizer
    for index, weight in enumerate(weights):
        regularizer = weight.regularizer
        kind = regularizers.NONE
        if regularizer is not None:
            found = _REGULARIZER_TYPES.get(type(regularizer))
            if found is None:
                raise _refuse(f"the regularizer {regularizer!r} on {weight.path}")
            kind = found
            l1 = float(getattr(regularizer, "l1", 0.0))
            l2 = float(getattr(regularizer, "l2", 0.0))
            constants[index] = (dtype.type(l1), dtype.type(l2), dtype.type(2 * l2))
            entries.append(PenaltyEntry(owners[id(weight)], weight.name, regularizer, index))
            table[index, epoch.HAS_L1], table[index, epoch.HAS_L2] = bool(l1), bool(l2)
        table[index, epoch.OFFSET], table[index, epoch.SIZE] = offset, weight.value.size
        table[index, epoch.REGULARIZER] = kind
        table[index, epoch.DECAYS] = bool(optimizer.uses_weight_decay(weight))
        offset += weight.value.size
    return table, constants, entries


def _optimizer(optimizer: Any, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, float, tuple[str, ...]]:
    kind = _OPTIMIZER_TYPES.get(type(optimizer))
    if kind is None:
        raise _refuse(f"the optimizer {type(optimizer).__name__}")
    f = dtype.type
    settings = np.zeros(8, np.int64)
    constants = np.zeros(optimizers.CONSTANTS, dtype)
    settings[optimizers.KIND] = kind
    if kind == optimizers.ADAM:
        settings[optimizers.AMSGRAD] = bool(optimizer.amsgrad)
        constants[[optimizers.BETA_1, optimizers.BETA_2]] = f(optimizer.beta_1), f(optimizer.beta_2)
        constants[optimizers.ONE_MINUS_BETA_1] = f(1 - optimizer.beta_1)
        constants[optimizers.ONE_MINUS_BETA_2] = f(1 - optimizer.beta_2)
    if kind in (optimizers.SGD, optimizers.RMSPROP):
        settings[optimizers.MOMENTUM] = bool(optimizer.momentum)
        constants[optimizers.MU] = f(optimizer.momentum)
    if kind == optimizers.SGD:
        settings[optimizers.NESTEROV] = bool(optimizer.nesterov)
    if kind == optimizers.RMSPROP:
        settings[optimizers.CENTERED] = bool(optimizer.centered)
        constants[optimizers.RHO], constants[optimizers.ONE_MINUS_RHO] = f(optimizer.rho), f(1 - optimizer.rho)
    if kind != optimizers.SGD:
        constants[optimizers.EPS] = f(optimizer.epsilon)
    clip, setting = optimizers.NO_CLIP, 0.0
    for name, code in (("clipnorm", optimizers.CLIPNORM), ("global_clipnorm", optimizers.GLOBAL_CLIPNORM),
                       ("clipvalue", optimizers.CLIPVALUE)):
        if getattr(optimizer, name):  # Optimizer.apply's order: clipnorm, else global_clipnorm, else clipvalue
            clip, setting = code, float(getattr(optimizer, name))
            break
    settings[optimizers.CLIP] = clip
    settings[optimizers.FLUSH] = dtype == np.float32
    settings[optimizers.DECAY] = bool(optimizer.weight_decay)
    constants[optimizers.WEIGHT_DECAY] = f(optimizer.weight_decay or 0.0)
    rows = tuple(name for name in optimizers.SLOT_ROWS[kind] if name in optimizer.init_slots(np.zeros(1, dtype)))
    return settings, constants, setting, rows


def plan_for(model: Any) -> EpochPlan:
    """The :class:`EpochPlan` of a built, compiled model, or :class:`Unsupported` naming what is not computed."""
    if not getattr(model, "built", False) or not getattr(model, "compiled", False):
        raise Unsupported("The compiled engine needs a built and compiled model (call compile() and build() or "
                          f"fit() first). Received: built={getattr(model, 'built', None)}, "
                          f"compiled={getattr(model, 'compiled', None)}")
    dtype = np.dtype(model.dtype)
    rows, weights = _layers(model)
    table, constants, entries = _weights(weights, model, dtype)
    loss = model.loss
    kind = _LOSS_TYPES.get(type(loss))
    if kind is None:
        raise _refuse(f"the loss {loss!r}")
    last = model.layers[-1].activation
    fused = loss.link is not None and getattr(last, "link", None) == loss.link
    n_outputs = rows[-1][1]
    settings, opt_constants, clip, slot_rows = _optimizer(model.optimizer, dtype)
    return EpochPlan(dtype, np.array(rows, np.int64), table, constants,
                     np.array([kind, fused, bool(loss.from_logits), n_outputs], np.int64), settings, opt_constants,
                     clip, slot_rows, tuple(entries), int(table[:, epoch.SIZE].sum()), n_outputs)


def learning_rates(optimizer: Any, iterations: int, steps: int) -> tuple[np.ndarray, int]:
    """The learning rates of the next ``steps`` steps from ``iterations`` (float64), evaluated as the optimizer
    does (a schedule or callable at each step count), and how many of them are usable: the first rate that is not
    a finite number > 0 ends the list there (the NumPy path then raises its error at that step)."""
    rate = optimizer.get_config()["learning_rate"]
    if not callable(rate):
        return np.full(steps, float(rate)), steps
    rates = np.empty(steps)
    for s in range(steps):
        try:
            value = rate(iterations + s)
        except ArithmeticError:
            return rates[:s], s
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                math.isfinite(float(value)) and float(value) > 0):
            return rates[:s], s
        rates[s] = float(value)
    return rates, steps
