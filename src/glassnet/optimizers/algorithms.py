"""The update rules, with Keras's formulas and defaults. g is the (clipped) total gradient, t the step from 1.

All arithmetic is done in the weight's dtype, as Keras does, so float32 training matches Keras to rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_nonnegative_float, check_positive_float, check_unit_interval
from .base import LearningRate, Optimizer


class SGD(Optimizer):
    """Keras defaults learning_rate=0.01, momentum=0.0, nesterov=False.

    - no momentum:  Δ = −g·lr
    - momentum μ:   m ← μ·m − g·lr;  Δ = m            (nesterov: Δ = μ·m − g·lr, with the new m)
    """

    name = "SGD"

    def __init__(self, learning_rate: LearningRate = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_unit_interval("momentum", momentum, closed_right=True)
        self.nesterov = bool(nesterov)

    def init_slots(self, value):
        return {"momentum": np.zeros_like(value)} if self.momentum else {}

    def update_step(self, g, w, slots, lr, step):
        lr_g = g * w.dtype.type(lr)
        if not self.momentum:
            return -lr_g
        mu = w.dtype.type(self.momentum)
        m = slots["momentum"]
        m *= mu
        m -= lr_g
        return m * mu - lr_g if self.nesterov else m.copy()

    def penalty_step(self, penalty, weight, lr, difference):
        """SGD's step is linear in g, so without clipping the penalty part is exactly SGD's step for the penalty
        gradient alone from empty momentum: −lr·p (Nesterov: −(1 + μ)·lr·p) — for an L2 kernel −lr·2·l2·W as SGD
        computes it. Momentum carries it on into later steps."""
        if self.clipnorm or self.clipvalue or self.global_clipnorm:
            return difference
        value = weight.value
        return self.update_step(penalty.astype(value.dtype), value, self.init_slots(value), lr, self.iterations + 1)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Keras defaults learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7.

    m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);  α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  Δ = −α·m/(√v + ε).

    NOTE: ε is added to the *uncorrected* √v (Keras). PyTorch adds ε to √v̂ = √(v/(1 − β₂ᵗ)); the two agree when
    Keras's ε equals PyTorch's ε·√(1 − β₂ᵗ).
    """

    name = "Adam"

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_unit_interval("beta_1", beta_1)
        self.beta_2 = check_unit_interval("beta_2", beta_2)
        self.epsilon = check_positive_float("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        # What _constants made last, and for which (dtype, β₁, β₂, ε): made on the first step.
        self._constants_key: tuple[Any, ...] | None = None
        self._constants_value: tuple[Any, ...] = ()

    def init_slots(self, value):
        slots = {"m": np.zeros_like(value), "v": np.zeros_like(value)}
        if self.amsgrad:
            slots["v_hat"] = np.zeros_like(value)
        return slots

    def update_step(self, g, w, slots, lr, step):
        f = w.dtype.type
        b1, b2, one_minus_b1, one_minus_b2, eps = self._constants(w.dtype)
        alpha = f(lr) * np.sqrt(f(1) - b2 ** f(step)) / (f(1) - b1 ** f(step))
        m, v = slots["m"], slots["v"]
        # m += (g − m)·(1 − β₁);  v += (g² − v)·(1 − β₂) — each operation in place in one scratch array rather than
        # a new array per operation (~3 µs of a step on 17k weights): the same operations in the same order.
        scratch = g - m
        scratch *= one_minus_b1
        m += scratch
        np.square(g, out=scratch)
        scratch -= v
        scratch *= one_minus_b2
        v += scratch
        if self.amsgrad:
            np.maximum(slots["v_hat"], v, out=slots["v_hat"])
            v = slots["v_hat"]
        # Δ = −((m·α) / (√v + ε)), formed in place in the scratch array (a new array: the caller's to keep).
        denominator = np.sqrt(v)
        denominator += eps
        np.multiply(m, alpha, out=scratch)
        scratch /= denominator
        return np.negative(scratch, out=scratch)

    def _constants(self, dtype: np.dtype) -> tuple:
        """β₁, β₂, 1 − β₁, 1 − β₂, ε in the weights' dtype, made once per dtype.

        NOTE: 1 − β is formed in Python floats, then cast, as Keras does (f(1) − f(β) rounds differently).
        """
        key = (dtype, self.beta_1, self.beta_2, self.epsilon)
        if self._constants_key != key:
            f = dtype.type
            self._constants_key = key
            self._constants_value = (f(self.beta_1), f(self.beta_2), f(1 - self.beta_1), f(1 - self.beta_2),
                                     f(self.epsilon))
        return self._constants_value

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay, Keras default weight_decay=0.004: w ← w − (w·wd)·lr before the Adam step.

    (PyTorch's AdamW defaults to weight_decay=0.01 and writes the same decay as w ← w·(1 − lr·wd).)
    """

    name = "AdamW"

    def __init__(self, learning_rate: LearningRate = 0.001, weight_decay: float = 0.004, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """Keras defaults learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False.

    v ← ρ·v + (1 − ρ)·g²;  d = v + ε  (centered: a ← ρ·a + (1 − ρ)·g, d = v − a² + ε);  step = lr·g/√d;
    Δ = −step (momentum μ: m ← μ·m + step, Δ = −m).   NOTE: ε sits *inside* the square root here.
    """

    name = "RMSprop"

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_unit_interval("rho", rho)
        self.momentum = check_unit_interval("momentum", momentum, closed_right=True)
        self.epsilon = check_positive_float("epsilon", epsilon)
        self.centered = bool(centered)

    def init_slots(self, value):
        slots = {"velocity": np.zeros_like(value)}
        if self.momentum:
            slots["momentum"] = np.zeros_like(value)
        if self.centered:
            slots["average_gradient"] = np.zeros_like(value)
        return slots

    def update_step(self, g, w, slots, lr, step):
        f = w.dtype.type
        rho, one_minus_rho = f(self.rho), f(1 - self.rho)
        v = slots["velocity"]
        v[...] = rho * v + one_minus_rho * np.square(g)
        if self.centered:
            a = slots["average_gradient"]
            a[...] = rho * a + one_minus_rho * g
            denominator = v - np.square(a) + f(self.epsilon)
        else:
            denominator = v + f(self.epsilon)
        increment = (f(lr) * g) / np.sqrt(denominator)
        if not self.momentum:
            return -increment
        m = slots["momentum"]
        m[...] = f(self.momentum) * m + increment
        return -m

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adagrad(Optimizer):
    """Keras defaults learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7.

    s ← s + g²  (s starts at initial_accumulator_value);  Δ = −lr·g/√(s + ε).
    """

    name = "Adagrad"

    def __init__(self, learning_rate: LearningRate = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_nonnegative_float("initial_accumulator_value",
                                                                 initial_accumulator_value)
        self.epsilon = check_positive_float("epsilon", epsilon)

    def init_slots(self, value):
        return {"accumulator": np.full_like(value, self.initial_accumulator_value)}

    def update_step(self, g, w, slots, lr, step):
        f = w.dtype.type
        s = slots["accumulator"]
        s += np.square(g)
        return -((f(lr) * g) / np.sqrt(s + f(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
