"""What the compiled epoch needs to know about a model, read from glassnet's public state only.

:func:`plan_for` turns a built, compiled :class:`~glassnet.Sequential` into an :class:`EpochPlan`: small integer
and constant tables (:mod:`.epoch` documents their columns). A model using anything the engine does not compute
exactly is refused with :class:`Unsupported` naming it (:mod:`.support` lists what it computes), so the caller
keeps the NumPy path for it.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import dense, epoch, losses, optimizers, regularizers, support
from .support import Unsupported

__all__ = ["EpochPlan", "PenaltyEntry", "Unsupported", "learning_rates", "plan_for"]

_REGULARIZER_KIND = {"L2": regularizers.L2, "LectureL2": regularizers.L2, "L1": regularizers.L1L2,
                     "L1L2": regularizers.L1L2}
_OPTIMIZER_KIND = {"SGD": optimizers.SGD, "Adam": optimizers.ADAM, "AdamW": optimizers.ADAM,
                   "RMSprop": optimizers.RMSPROP, "Adagrad": optimizers.ADAGRAD}


@dataclass(frozen=True)
class PenaltyEntry:
    """One penalty term of the loss parts: ``layer``/``weight`` names, its regularizer and its index in θ order."""

    layer: str
    weight: str
    regularizer: Any
    index: int


@dataclass(frozen=True)
class EpochPlan:
    """The tables :func:`glassnet.compiled.epoch.run` reads, for one model (see :mod:`.epoch` for columns).

    ``first_layer`` counts the leading input transforms (:func:`.support.leading_inputs`), which the caller
    applies to the data; the tables describe the Dense layers after them. ``slot_rows`` names the rows of the
    optimizer's slot block (``optimizer.init_slots`` order, as its flat block holds them) and ``slot_index``
    gives, for each row the algorithm reads (:data:`.optimizers.SLOT_ROWS`), its row in that block or −1.
    """

    dtype: np.dtype
    first_layer: int
    layer_table: np.ndarray        # (layers, LAYER_COLUMNS) int64
    weight_table: np.ndarray       # (weights, WEIGHT_COLUMNS) int64, θ order
    weight_constants: np.ndarray   # (weights, 3) dtype: l1, l2, 2·l2
    loss_settings: np.ndarray      # (4,) int64
    loss_constants: np.ndarray     # (LOSS_CONSTANTS,) dtype
    optimizer_settings: np.ndarray  # (8,) int64
    optimizer_constants: np.ndarray  # (CONSTANTS,) dtype
    clip_setting: float
    slot_rows: tuple[str, ...]
    slot_index: np.ndarray         # (3,) int64
    penalties: tuple[PenaltyEntry, ...]
    n_parameters: int
    n_outputs: int

    @functools.cached_property
    def penalty_columns(self) -> np.ndarray:
        """The θ-order index of each penalty term's weight (the columns of the run's penalty values)."""
        return np.array([entry.index for entry in self.penalties], np.int64)


def _layers(model: Any, first: int) -> tuple[list[list[int]], list[Any], list[str]]:
    """Per Dense layer: [in, units, kernel index, bias index, activation]; the trainable weights in θ order and
    the name of the layer owning each."""
    rows: list[list[int]] = []
    weights: list[Any] = []
    owners: list[str] = []
    for layer in model.layers[first:]:
        kernel, bias = len(weights), -1
        weights.append(layer.weights[0])
        if layer.use_bias:
            bias = len(weights)
            weights.append(layer.weights[1])
        owners += [layer.name] * (len(weights) - kernel)
        rows.append([layer.weights[0].shape[0], layer.units, kernel, bias, dense.ACTIVATIONS[layer.activation.name]])
    return rows, weights, owners


def _weights(weights: list[Any], owners: list[str], optimizer: Any,
             dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, list[PenaltyEntry]]:
    table = np.zeros((len(weights), epoch.WEIGHT_COLUMNS), np.int64)
    constants = np.zeros((len(weights), 3), dtype)
    entries, offset = [], 0
    # The decay flags the optimizer resolved when it was built for these weights (its exclusions matched once).
    decays = optimizer.decays if optimizer.is_built_for(weights) else [optimizer.uses_weight_decay(w) for w in weights]
    for index, weight in enumerate(weights):
        regularizer = weight.regularizer
        kind = regularizers.NONE
        if regularizer is not None:
            kind = _REGULARIZER_KIND[type(regularizer).__name__]
            l1, l2 = float(getattr(regularizer, "l1", 0.0)), float(getattr(regularizer, "l2", 0.0))
            constants[index] = (dtype.type(l1), dtype.type(l2), dtype.type(2 * l2))
            entries.append(PenaltyEntry(owners[index], weight.name, regularizer, index))
            table[index, epoch.HAS_L1], table[index, epoch.HAS_L2] = bool(l1), bool(l2)
        table[index, epoch.OFFSET], table[index, epoch.SIZE] = offset, weight.value.size
        table[index, epoch.REGULARIZER] = kind
        table[index, epoch.DECAYS] = bool(decays[index])
        offset += weight.value.size
    return table, constants, entries


def _optimizer(optimizer: Any, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, float]:
    kind = _OPTIMIZER_KIND[type(optimizer).__name__]
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
    return settings, constants, setting


def _loss(model: Any, n_outputs: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The loss's int64 settings and its constants in the dtype (Huber's δ and ½δ², formed in Python floats and
    cast, as NumPy casts the Python scalars of ``d * e − 0.5 * d * d``)."""
    loss = model.loss
    constants = np.zeros(losses.LOSS_CONSTANTS, dtype)
    delta = getattr(loss, "delta", None)
    if delta is not None:
        constants[losses.DELTA] = dtype.type(delta)
        constants[losses.HALF_DELTA_SQUARED] = dtype.type(0.5 * delta * delta)
    settings = np.array([losses.LOSSES[loss.name], bool(model.loss_from_logits), bool(loss.from_logits), n_outputs],
                        np.int64)
    return settings, constants


def plan_for(model: Any) -> EpochPlan:
    """The :class:`EpochPlan` of a built, compiled model, or :class:`Unsupported` naming what is not computed."""
    if not getattr(model, "built", False) or not getattr(model, "compiled", False):
        raise Unsupported("The compiled engine needs a built and compiled model (call compile() and build() or "
                          f"fit() first). Received: built={getattr(model, 'built', None)}, "
                          f"compiled={getattr(model, 'compiled', None)}")
    found = support.refusal(model)
    if found is not None:
        raise support.refuse(found)
    dtype = np.dtype(model.dtype)
    first = support.leading_inputs(model)
    rows, weights, owners = _layers(model, first)
    optimizer = model.optimizer
    table, constants, entries = _weights(weights, owners, optimizer, dtype)
    n_outputs = rows[-1][1]
    loss_settings, loss_constants = _loss(model, n_outputs, dtype)
    settings, opt_constants, clip = _optimizer(optimizer, dtype)
    slot_rows = tuple(optimizer.init_slots(np.zeros(1, dtype)))
    slot_index = np.array([slot_rows.index(name) if name in slot_rows else -1
                           for name in optimizers.SLOT_ROWS[int(settings[optimizers.KIND])]], np.int64)
    return EpochPlan(dtype, first, np.array(rows, np.int64), table, constants, loss_settings, loss_constants,
                     settings, opt_constants, clip, slot_rows, slot_index, tuple(entries),
                     int(table[:, epoch.SIZE].sum()), n_outputs)


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
        except Exception:  # noqa: BLE001 - the NumPy path raises it (or its ValueError) at this very step
            return rates[:s], s
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                math.isfinite(float(value)) and float(value) > 0):
            return rates[:s], s
        rates[s] = float(value)
    return rates, steps
