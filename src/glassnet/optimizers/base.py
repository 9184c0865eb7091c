"""The optimizer contract shared by SGD, Adam, AdamW, RMSprop and Adagrad (Keras: ``keras.optimizers.Optimizer``).

One call of :meth:`Optimizer.apply` is one training step on the model's TrainState, in Keras's order:

1. sum each weight's gradient parts: g = data + penalty (they stay separate until here);
2. clip: ``clipnorm`` (each g to norm ≤ c), else ``global_clipnorm`` (all g together), else ``clipvalue``;
3. decoupled weight decay, for weights not excluded: w ← w − (w · weight_decay) · lr;
4. the algorithm's step Δ, computed as a value by :meth:`update_step`, then applied: w ← w + Δ;
5. ``iterations`` += 1, then each weight's constraint: w ← constraint(w).

NOTE: every 16 steps, float32 weights and optimizer state below 1.2e-38 (subnormal numbers) are set to 0, as
TensorFlow's CPU kernels do (flush-to-zero). L2 drives the weights of dead units, and Adam the moments of their
zero gradients, into that range, where x86 arithmetic is ~100× slower: without the flush a long epoch slows down
2-3×. float64 is left alone (its subnormals lie below 2.2e-308).

``update_step`` mutates only the slot arrays it is given (momentum, moments), so :meth:`Optimizer.preview` and
:meth:`Optimizer.step_parts` compute the next step on copies of the slots without touching the real state — the
optimizer is the only code that does update arithmetic; ``explain`` and the layer study ask it.

The learning rate of each step is checked before the step changes anything: a schedule or callable must give a
finite number > 0 (a ValueError or TypeError names the step and the value otherwise — e.g. an
``ExponentialDecay`` whose ``decay_rate ** (step / decay_steps)`` has left float's range).

Weight-decay exclusions are resolved once per weight, when the optimizer is built for its weights: a step costs
nothing per pattern. A model file carries the exact paths of the excluded weights, and a pattern only when it is
plain names (:func:`is_plain_names`), which ``re`` matches in linear time; so a file cannot bring a pattern
like ``(a+)+$`` that backtracks exponentially.

Speed: given the model's TrainState (:mod:`glassnet.engine.state`), every step is done once on the flat θ,
gradient and slot arrays instead of weight by weight — the same elementwise operations, so the same bits as the
per-weight path :meth:`Optimizer.apply_gradients`. ``slots[i]`` are then views of the flat slot arrays.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_nonnegative_float, check_optional_clip, check_positive_float
from ..config import Configurable
from .schedules import LearningRateSchedule

LearningRate = float | LearningRateSchedule | Callable[[int], float]

FLUSH_EVERY = 16  # steps between flushes of float32 subnormals to zero (see the module docstring)
_FLOAT32_TINY = np.finfo(np.float32).tiny

#: Plain weight names — letters, digits, '_', '.', '-', '/' — joined by '|': the only exclusion patterns a model
#: file may carry. Without quantifiers, groups or look-arounds, ``re`` matches one in time linear in the path's
#: length (times the pattern's), and this check itself is linear too.
_PLAIN_NAMES = re.compile(r"[\w./-]+(?:\|[\w./-]+)*", re.ASCII)


def is_plain_names(pattern: str) -> bool:
    """True when ``pattern`` is weight names joined by '|' (``'bias|dense_1/kernel'``), nothing that backtracks.

    >>> is_plain_names("bias|dense_1/kernel"), is_plain_names("(a+)+$")
    (True, False)
    """
    return _PLAIN_NAMES.fullmatch(pattern) is not None


def _checked_rate(schedule: Callable[[int], Any], iterations: int) -> float:
    """``schedule(iterations)`` as a float, if it is a finite number > 0 (the learning rate of step
    ``iterations + 1``); else a ValueError (a bad value, or an ArithmeticError such as OverflowError inside the
    schedule) or a TypeError (not a number) naming the step and the value."""
    expected = (f"The learning rate of step {iterations + 1} (the schedule at iterations={iterations}) must be a "
                "finite number > 0")
    try:
        value = schedule(iterations)
    except ArithmeticError as exc:
        raise ValueError(f"{expected}. Received: learning_rate={type(exc).__name__} raised by the schedule "
                         f"({exc})") from exc
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{expected}. Received: learning_rate={value!r}")
    rate = float(value)
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"{expected}. Received: learning_rate={rate!r}")
    return rate


@dataclass(frozen=True)
class StepParts:
    """One weight's next update split: Δw = ``data`` + ``penalty`` + ``decay`` (before constraints)."""

    data: np.ndarray
    penalty: np.ndarray
    decay: np.ndarray


class Optimizer(Configurable):
    """Base class; subclasses define ``init_slots(value)`` and ``update_step(g, w, slots, lr, step) -> Δ``."""

    name = "optimizer"

    def __init__(self, learning_rate: LearningRate = 0.001, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None):
        if isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool):
            learning_rate = check_positive_float("learning_rate", learning_rate)
        elif not callable(learning_rate):
            raise TypeError("Argument `learning_rate` must be a number > 0, a LearningRateSchedule or a callable "
                            f"of the step. Received: learning_rate={learning_rate!r}")
        self._learning_rate: LearningRate = learning_rate
        self.weight_decay = None if weight_decay is None else check_nonnegative_float("weight_decay", weight_decay)
        self.clipnorm = check_optional_clip("clipnorm", clipnorm)
        self.clipvalue = check_optional_clip("clipvalue", clipvalue)
        self.global_clipnorm = check_optional_clip("global_clipnorm", global_clipnorm)
        given = [n for n in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: {', '.join(f'{n}={getattr(self, n)}' for n in given)}")
        if name is not None:
            self.name = name
        self.iterations = 0
        self._exclude_ids: set[int] = set()
        self._exclude_names: list[str] = []  # var_names as given, for saving
        self._exclude_pattern: re.Pattern[str] | None = None
        self._weights: list[Any] | None = None
        self._decays: list[bool] = []  # per weight of _weights: does decoupled decay apply (resolved at build)
        self._slots: list[dict[str, np.ndarray]] = []
        self._flat: Any = None  # the model's TrainState when stepping flat
        self._built_from: Any = None  # the sequence of weights build() was given (identity: ensure_built's fast path)
        self._flat_slots: dict[str, np.ndarray] = {}  # rows of one (slots, θ size) block; {} weight by weight
        self._state_arrays: list[np.ndarray] = []

    # --- configuration -----------------------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step (a schedule is evaluated at ``iterations`` and checked: a finite
        number > 0, else ValueError or TypeError naming the step)."""
        if callable(self._learning_rate):
            return _checked_rate(self._learning_rate, self.iterations)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        self._learning_rate = check_positive_float("learning_rate", value) if not callable(value) else value

    def exclude_from_weight_decay(self, var_list: Sequence[Any] | None = None,
                                  var_names: Sequence[str] | None = None) -> None:
        """Exempt weights from decoupled decay: given objects, or those whose path (``'dense_1/bias'``) matches
        any of ``var_names`` as a regular expression (``['bias']`` exempts every bias). Call before training.

        The patterns are matched once per weight when the optimizer is built for its weights, never per step."""
        if self.iterations:
            raise ValueError("`exclude_from_weight_decay()` can only be called before the optimizer's first step. "
                             f"Received: a call after {self.iterations} step(s)")
        if var_names is not None and (not isinstance(var_names, (list, tuple)) or
                                      not all(isinstance(n, str) for n in var_names)):
            raise TypeError(f"Argument `var_names` must be a list of strings. Received: var_names={var_names!r}")
        try:
            pattern = re.compile("|".join(var_names)) if var_names else None
        except re.error as exc:
            raise ValueError(f"Argument `var_names` must hold valid regular expressions ({exc}). "
                             f"Received: var_names={list(var_names or [])!r}") from None
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_names = list(var_names or [])
        self._exclude_pattern = pattern
        self._decays = [self.uses_weight_decay(w) for w in self._weights or []]

    @property
    def exclude_var_names(self) -> list[str]:
        """The ``var_names`` given to :meth:`exclude_from_weight_decay` (patterns of weight paths), as given."""
        return list(self._exclude_names)

    def is_excluded(self, weight: Any) -> bool:
        """Whether ``exclude_from_weight_decay`` exempts ``weight`` (by object, or by a pattern of its path)."""
        if id(weight) in self._exclude_ids:
            return True
        return bool(self._exclude_pattern and self._exclude_pattern.search(weight.path))

    def uses_weight_decay(self, weight: Any) -> bool:
        """Whether decoupled decay applies to ``weight`` (a :class:`glassnet.layers.Weight`)."""
        return bool(self.weight_decay) and not self.is_excluded(weight)

    # --- the step ----------------------------------------------------------------------------------------------
    def is_built_for(self, weights: Sequence[Any]) -> bool:
        """Whether the optimizer has slots for exactly ``weights``, in this order (flat or weight by weight)."""
        if self._weights is None or len(self._weights) != len(weights):
            return False
        return all(a is b for a, b in zip(self._weights, weights))

    def build(self, weights: Sequence[Any], state: Any = None) -> None:
        """Create the slots (moments, accumulators) for ``weights``: one flat block laid out like the TrainState's
        θ when ``state`` is given, else one set per weight. A weight the optimizer already had keeps its state."""
        previous = {id(w): slots for w, slots in zip(self._weights or [], self._slots)}
        self._weights = list(weights)
        self._built_from = weights
        self._flat = state
        if state is not None:
            # One block, a row per slot: a backup or a finiteness check of all slots is one call.
            initial = self.init_slots(state.theta)
            block = np.empty((len(initial), state.theta.size), state.theta.dtype)
            self._flat_slots = {}
            for row, (name, value) in zip(block, initial.items()):
                row[...] = value
                self._flat_slots[name] = row
            self._slots = [{name: state.view(array, i) for name, array in self._flat_slots.items()}
                           for i in range(len(self._weights))]
            self._state_arrays = [block]
        else:
            self._flat_slots = {}
            self._slots = [self.init_slots(w.value) for w in self._weights]
            self._state_arrays = [array for slots in self._slots for array in slots.values()]
        for weight, slots in zip(self._weights, self._slots):
            for name, value in previous.get(id(weight), {}).items():
                if name in slots and slots[name].shape == value.shape:
                    slots[name][...] = value
        self._decays = [self.uses_weight_decay(w) for w in self._weights]

    def ensure_built(self, state: Any) -> None:
        """:meth:`build` for the TrainState ``state`` unless the slots are already its (``fit`` calls it before
        the first step, so that step's backup holds the slots too)."""
        if state is self._flat and self._built_from is state.weights:  # every step: built from this very tuple
            return
        if state is not self._flat or not self.is_built_for(state.weights):
            self.build(state.weights, state)

    def apply(self, state: Any) -> None:
        """One training step for the model's :class:`~glassnet.engine.state.TrainState` (module docstring): done
        once on the flat θ, gradient and slot arrays. ``state.total`` is scratch: it receives data + penalty here
        and is clipped in place."""
        self.ensure_built(state)
        lr = self.learning_rate  # checked before anything of the step changes
        np.add(state.data, state.penalty, out=state.total)  # the one place the two parts are added
        self._clip(state.total_views, state.total)
        self._decay(state.weights, lr)
        state.theta += self.update_step(state.total, state.theta, self._flat_slots, lr, self.iterations + 1)
        self._finish(state.weights)

    def apply_gradients(self, grads_and_vars: Any) -> None:
        """Keras's per-weight step: ``grads_and_vars`` pairs (gradient, :class:`~glassnet.layers.Weight`), the
        gradient an array or a :class:`~glassnet.layers.Gradient` (its ``total`` is used). The same arithmetic
        as :meth:`apply`, weight by weight; the gradients given are not changed."""
        pairs = list(grads_and_vars)
        weights = [weight for _, weight in pairs]
        if not self.is_built_for(weights):
            self.build(weights)
        lr = self.learning_rate
        grads = [np.array(g.total if hasattr(g, "total") else g, dtype=w.value.dtype) for g, w in pairs]
        self._clip(grads)
        self._decay(weights, lr)
        for g, weight, slots in zip(grads, weights, self._slots):
            weight.value += self.update_step(g, weight.value, slots, lr, self.iterations + 1)
        self._finish(weights)

    def _finish(self, weights: Sequence[Any]) -> None:
        """After the update: count the step, flush float32 subnormals every FLUSH_EVERY steps, apply constraints."""
        self.iterations += 1
        if self.iterations % FLUSH_EVERY == 0:
            arrays = ([self._flat.theta] if self._flat is not None else [w.value for w in weights]) + \
                self._state_arrays
            for array in arrays:
                if array.dtype == np.float32:
                    np.copyto(array, 0, where=np.abs(array) < _FLOAT32_TINY)
        for weight in weights:
            if weight.constraint is not None:
                weight.value[...] = weight.constraint(weight.value)

    def _decay(self, weights: Sequence[Any], lr: float) -> None:
        """Decoupled weight decay, in place: w ← w − (w·weight_decay)·lr for each weight it applies to (the
        weights, not a list of their values: without decay, a step builds no list)."""
        if not self.weight_decay:
            return
        for weight, decays in zip(weights, self._decays):
            if decays:
                value = weight.value
                value -= (value * value.dtype.type(self.weight_decay)) * value.dtype.type(lr)

    def decay_step(self, value: np.ndarray, lr: float) -> np.ndarray:
        """What :meth:`_decay` subtracts from one weight, as a new array: −(w·weight_decay)·lr."""
        return -((value * value.dtype.type(self.weight_decay)) * value.dtype.type(lr))

    def _clip(self, grads: Sequence[np.ndarray], whole: np.ndarray | None = None) -> None:
        """Keras's clipping, in place: each gradient to norm ≤ ``clipnorm``, else all together to global norm ≤
        ``global_clipnorm``, else each entry to [−clipvalue, clipvalue]. ``whole`` (the flat buffer the ``grads``
        are views of) lets the global and by-value cases work in one call — the same arithmetic per entry."""
        if self.clipnorm:
            c = self.clipnorm
            for g in grads:
                norm = math.sqrt(float(np.sum(np.square(g))))
                g *= g.dtype.type(c)
                g /= max(norm, c)
        elif self.global_clipnorm:
            norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
            scale = self.global_clipnorm * min(1.0 / norm if norm else math.inf, 1.0 / self.global_clipnorm)
            for g in [whole] if whole is not None else grads:
                g *= g.dtype.type(scale)
        elif self.clipvalue:
            for g in [whole] if whole is not None else grads:
                np.clip(g, -self.clipvalue, self.clipvalue, out=g)

    # --- previews: the next step computed on copies, nothing changed -------------------------------------------
    def _preview_slots(self, weights: Sequence[Any]) -> list[dict[str, np.ndarray]]:
        """Copies of the slots of ``weights``: the optimizer's own if it is built for them, else fresh ones."""
        if self.is_built_for(weights):
            return [{name: array.copy() for name, array in slots.items()} for slots in self._slots]
        return [self.init_slots(w.value) for w in weights]

    def preview(self, grads: Sequence[np.ndarray], weights: Sequence[Any]) -> list[np.ndarray]:
        """The update Δ the next step would give ``weights`` for total gradients ``grads`` (clipped as the step
        clips them), computed on copies of the slots: the optimizer, the weights and ``grads`` stay as they are.
        Decay and constraints are not included."""
        lr, step = self.learning_rate, self.iterations + 1
        grads = [np.array(g, dtype=w.value.dtype) for g, w in zip(grads, weights)]
        self._clip(grads)
        return [self.update_step(g, w.value, slots, lr, step)
                for g, w, slots in zip(grads, weights, self._preview_slots(weights))]

    def step_parts(self, state: Any) -> list[StepParts]:
        """The next step of each of the state's weights split into its parts, for the gradients in the state's
        ``data`` and ``penalty`` buffers, computed on copies (nothing changes):

        - ``data`` = Δ(data alone), the step the data gradient would take;
        - ``penalty`` = what the penalty gradient adds: Δ(data + penalty) − Δ(data) (exactly −lr·penalty for
          plain SGD, see :meth:`penalty_step`);
        - ``decay`` = the decoupled weight decay −(w·weight_decay)·lr (0 where it does not apply).

        The three add up to the real step up to float rounding (the step rounds decay and update separately).
        """
        weights = list(state.weights)
        lr = self.learning_rate
        data = [view.copy() for view in state.data_views]
        totals = [d + p for d, p in zip(state.data_views, state.penalty_views)]
        data_steps, total_steps = self.preview(data, weights), self.preview(totals, weights)
        decays = [self.uses_weight_decay(w) for w in weights]
        return [StepParts(d, self.penalty_step(p, w, lr, t - d), self.decay_step(w.value, lr) if decayed
                          else np.zeros_like(w.value))
                for d, t, p, w, decayed in zip(data_steps, total_steps, state.penalty_views, weights, decays)]

    def penalty_step(self, penalty: np.ndarray, weight: Any, lr: float, difference: np.ndarray) -> np.ndarray:
        """The penalty part of a weight's next step; by default ``difference`` = Δ(data + penalty) − Δ(data).
        An optimizer whose step is linear in the gradient overrides it with the exact step of the penalty."""
        return difference

    def init_slots(self, value: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def update_step(self, g: np.ndarray, w: np.ndarray, slots: dict[str, np.ndarray], lr: float,
                    step: int) -> np.ndarray:
        """Return Δ for one weight (w ← w + Δ), updating ``slots`` in place. ``step`` counts from 1."""
        raise NotImplementedError

    # --- inspection --------------------------------------------------------------------------------------------
    @property
    def slots(self) -> list[dict[str, np.ndarray]]:
        """Per-weight state (e.g. Adam's ``m`` and ``v``), in the order of :attr:`stepped_weights`."""
        return self._slots

    @property
    def stepped_weights(self) -> list[Any]:
        """The weights the optimizer is built for (those of the last :meth:`apply`), in the order of :attr:`slots`."""
        return list(self._weights or [])

    def state_arrays(self) -> list[np.ndarray]:
        """Every array of the slots, for backups and checks: one (slots, θ size) block when stepping flat, else
        each weight's slot arrays. The same list until the optimizer is built again for other weights."""
        return self._state_arrays

    @property
    def decays(self) -> list[bool]:
        """Whether decoupled decay applies to each of :attr:`stepped_weights`, as resolved when the optimizer was
        built for them (exclusions matched then, once per weight)."""
        return list(self._decays)

    @property
    def slot_names(self) -> list[str]:
        """When stepping flat, the slot name of each row of the one block :meth:`state_arrays` holds, in row order
        (e.g. ``['m', 'v']`` for Adam); ``[]`` when stepping weight by weight. The compiled engine reads the block
        through these rows."""
        return list(self._flat_slots)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (``learning_rate`` as given: a number, a schedule or a callable)."""
        return {"learning_rate": self._learning_rate, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm, "name": self.name}
