"""The optimizer contract shared by SGD, Adam, AdamW, RMSprop and Adagrad (Keras: ``keras.optimizers.Optimizer``).

One call of :meth:`Optimizer.apply` is one training step, in Keras's order:

1. sum each weight's gradient parts: g = data + penalty (they stay separate until here);
2. clip: ``clipnorm`` (each g to norm ≤ c), else ``global_clipnorm`` (all g together), else ``clipvalue``;
3. decoupled weight decay, for weights not excluded: w ← w − (w · weight_decay) · lr;
4. the algorithm's step Δ, computed as a value by :meth:`update_step`, then applied: w ← w + Δ;
5. ``iterations`` += 1, then each weight's constraint: w ← constraint(w).

NOTE: every 16 steps, float32 weights and optimizer state below 1.2e-38 (subnormal numbers) are set to 0, as
TensorFlow's CPU kernels do (flush-to-zero). L2 drives the weights of dead units, and Adam the moments of their
zero gradients, into that range, where x86 arithmetic is ~100× slower: without the flush a long epoch slows down
2-3×. float64 is left alone (its subnormals lie below 2.2e-308).

``update_step`` mutates only the slot arrays it is given (momentum, moments), so a caller can preview a step on
copies of the slots without touching the real state.

The learning rate of each step is checked before the step changes anything: a schedule or callable must give a
finite number > 0 (a ValueError or TypeError names the step and the value otherwise — e.g. an
``ExponentialDecay`` whose ``decay_rate ** (step / decay_steps)`` has left float's range).

Weight-decay exclusions are resolved once per weight, when the optimizer is built for its weights: a step costs
nothing per pattern. A model file carries the exact paths of the excluded weights, and a pattern only when it is
plain names (:func:`is_plain_names`), which ``re`` matches in linear time; so a file cannot bring a pattern
like ``(a+)+$`` that backtracks exponentially.

Speed: given the model's flat parameters (:mod:`glassnet.parameters`), every step is done once on the flat θ,
gradient and slot arrays instead of weight by weight — the same elementwise operations, so the same bits.
``slots[i]`` are then views of the flat slot arrays.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validation import check_nonnegative_float, check_optional_clip, check_positive_float
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


class Optimizer:
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
        self._learning_rate = learning_rate
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
        self._flat: Any = None  # the model's FlatParameters when stepping flat
        self._flat_slots: dict[str, np.ndarray] | None = None  # rows of one (slots, θ size) block
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
                             f"Received: var_names={list(var_names)!r}") from None
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_names = list(var_names or [])
        self._exclude_pattern = pattern
        self._decays = [self.uses_weight_decay(w) for w in self._weights or []]

    def is_excluded(self, weight: Any) -> bool:
        """Whether ``exclude_from_weight_decay`` exempts ``weight`` (by object, or by a pattern of its path)."""
        if id(weight) in self._exclude_ids:
            return True
        return bool(self._exclude_pattern and self._exclude_pattern.search(weight.path))

    def uses_weight_decay(self, weight: Any) -> bool:
        """Whether decoupled decay applies to ``weight`` (a :class:`glassnet.layers.Weight`)."""
        return bool(self.weight_decay) and not self.is_excluded(weight)

    # --- the step ----------------------------------------------------------------------------------------------
    def build(self, weights: Sequence[Any], flat: Any = None) -> None:
        """Create the slots (moments, accumulators) for ``weights``; done by the first :meth:`apply`. A weight
        the optimizer already had keeps its state."""
        previous = {id(w): slots for w, slots in zip(self._weights or [], self._slots)}
        self._weights = list(weights)
        self._flat = flat if flat is not None and flat.valid_for(self._weights) else None
        if self._flat is not None:
            # One block, a row per slot: a backup or a finiteness check of all slots is one call.
            initial = self.init_slots(self._flat.theta)
            block = np.empty((len(initial), self._flat.theta.size), self._flat.theta.dtype)
            self._flat_slots = {}
            for row, (name, value) in zip(block, initial.items()):
                row[...] = value
                self._flat_slots[name] = row
            self._slots = [{name: self._flat.view(array, i) for name, array in self._flat_slots.items()}
                           for i in range(len(self._weights))]
            self._state_arrays = [block]
        else:
            self._flat_slots = None
            self._slots = [self.init_slots(w.value) for w in self._weights]
            self._state_arrays = [array for slots in self._slots for array in slots.values()]
        for weight, slots in zip(self._weights, self._slots):
            for name, value in previous.get(id(weight), {}).items():
                if name in slots and slots[name].shape == value.shape:
                    slots[name][...] = value
        self._decays = [self.uses_weight_decay(w) for w in self._weights]

    def ensure_built(self, weights: Sequence[Any], flat: Any = None) -> None:
        """:meth:`build` for ``weights`` unless the slots are already theirs (``fit`` calls it before the first
        step, so that step's backup holds the slots too)."""
        if flat is not None and flat is self._flat and weights is flat.weights:
            return  # the model's usual call: same flat parameters, same weight list, nothing to check
        if self._weights is None or len(self._weights) != len(weights) or any(
                a is not b for a, b in zip(self._weights, weights)) or flat is not self._flat:
            self.build(weights, flat)

    def apply(self, grads: Sequence[Any], weights: Sequence[Any], flat: Any = None) -> None:
        """One step for ``weights`` given their gradients (arrays, or parts with ``.total``); see module doc.

        ``flat``: the model's FlatParameters whose ``total`` buffer already holds data + penalty for these
        weights; the step is then done on the flat arrays (and ``flat.total`` is clipped in place).
        """
        self.ensure_built(weights, flat)
        lr = self.learning_rate  # checked before anything of the step changes
        step = self.iterations + 1
        if flat is not None:
            self._clip_in_place(flat.total, flat.views_of(flat.total) if self.clipnorm or self.global_clipnorm
                                else [])
            self._decay(weights, lr)
            flat.theta += self.update_step(flat.total, flat.theta, self._flat_slots, lr, step)
        else:
            totals = self.clip([g.total if hasattr(g, "total") else g for g in grads])
            self._decay(weights, lr)
            for g, weight, slots in zip(totals, weights, self._slots):
                weight.value += self.update_step(g, weight.value, slots, lr, step)
        self.iterations += 1
        if self.iterations % FLUSH_EVERY == 0:
            self._flush_subnormals(weights, flat)
        for weight in weights:
            if weight.constraint is not None:
                weight.value[...] = weight.constraint(weight.value)

    def _flush_subnormals(self, weights: Sequence[Any], flat: Any) -> None:
        arrays = [flat.theta, *self._flat_slots.values()] if flat is not None else [
            w.value for w in weights] + [a for slots in self._slots for a in slots.values()]
        for array in arrays:
            if array.dtype == np.float32:
                np.copyto(array, 0, where=np.abs(array) < _FLOAT32_TINY)

    def _decay(self, weights: Sequence[Any], lr: float) -> None:
        if not self.weight_decay:
            return
        for weight, decays in zip(weights, self._decays):
            if decays:
                value = weight.value
                value -= (value * value.dtype.type(self.weight_decay)) * value.dtype.type(lr)

    def _clip_in_place(self, flat: np.ndarray, views: list[np.ndarray]) -> None:
        """:meth:`clip`'s arithmetic, operation for operation, done in place on the flat total gradient."""
        if self.clipnorm:
            c = self.clipnorm
            for view in views:
                norm = math.sqrt(float(np.sum(np.square(view))))
                view *= view.dtype.type(c)
                view /= max(norm, c)
        elif self.global_clipnorm:
            norm = math.sqrt(sum(float(np.sum(np.square(view))) for view in views))
            scale = self.global_clipnorm * min(1.0 / norm if norm else math.inf, 1.0 / self.global_clipnorm)
            flat *= flat.dtype.type(scale)
        elif self.clipvalue:
            np.clip(flat, -self.clipvalue, self.clipvalue, out=flat)

    def clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        """Keras's clipping: per-gradient norm, else global norm, else by value. Returns new arrays."""
        if self.clipnorm:
            c = self.clipnorm
            return [g * g.dtype.type(c) / max(math.sqrt(float(np.sum(np.square(g)))), c) for g in grads]
        if self.global_clipnorm:
            norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))
            scale = self.global_clipnorm * min(1.0 / norm if norm else math.inf, 1.0 / self.global_clipnorm)
            return [g * g.dtype.type(scale) for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return list(grads)

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

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"learning_rate": self._learning_rate}
        for key in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
