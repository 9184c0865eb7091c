"""Two of Adam's relatives, with Keras's formulas, defaults and order of float32 operations: ``Nadam`` (Nesterov
momentum in Adam) and ``Adamax`` (Adam with the infinity norm). g is the (clipped) total gradient, t the step
from 1; every constant is cast to the weight's dtype as Keras casts it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_positive_float, check_unit_interval
from .base import LearningRate, Optimizer


class _TwoMoments(Optimizer):
    """What Nadam and Adamax share with Adam: β₁, β₂ in [0, 1) and ε > 0 (Keras's defaults 0.9, 0.999, 1e-7)."""

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_unit_interval("beta_1", beta_1)
        self.beta_2 = check_unit_interval("beta_2", beta_2)
        self.epsilon = check_positive_float("epsilon", epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(_TwoMoments):
    """Keras defaults learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7.

    uₜ = β₁·(1 − ½·0.96ᵗ) (the momentum schedule);  Πₜ = u₁·u₂·…·uₜ;
    m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);
    m̂ = uₜ₊₁·m/(1 − Πₜ·uₜ₊₁) + (1 − uₜ)·g/(1 − Πₜ);  v̂ = v/(1 − β₂ᵗ);  Δ = −m̂·lr/(√v̂ + ε).

    NOTE: Keras keeps Πₜ in a variable updated once per step, Πₜ = (Πₜ₋₁·β₁)·(1 − 0.5·0.96ᵗ) in float32; here
    it is the same product recomputed from the step count (kept for the last step asked), so it needs no state of
    its own: a saved, restored or previewed optimizer has exactly the Πₜ of its ``iterations``. Past
    :attr:`EXACT_STEPS` it is Π_E·β₁^(t − E) with E = ``EXACT_STEPS``: from t ≈ 900 on, 1 − ½·0.96ᵗ is exactly 1 in
    float32 and float64, so each factor is β₁ and only the last bits differ from multiplying step by step — and
    Πₜ stays a function of t alone, so a step count read from a file costs the same as one reached by training.
    """

    name = "Nadam"
    #: Πₜ is multiplied step by step up to this step (~0.15 s the first time), in closed form beyond it.
    EXACT_STEPS = 100_000

    def __init__(self, learning_rate: LearningRate = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self._product: tuple[Any, int, Any] | None = None  # (key, t, Πₜ) of the last step asked

    def init_slots(self, value):
        return {"momentum": np.zeros_like(value), "velocity": np.zeros_like(value)}

    def u_product(self, step: int, dtype: np.dtype) -> Any:
        """Πₜ = Π_{i=1..t} β₁·(1 − 0.5·0.96ⁱ), multiplied in ``dtype`` in Keras's order (closed form past
        :attr:`EXACT_STEPS`, see the class's note)."""
        f = dtype.type
        key, exact = (dtype, self.beta_1), min(step, self.EXACT_STEPS)
        if self._product is not None and self._product[0] == key and self._product[1] <= exact:
            start, value = self._product[1], self._product[2]
        else:
            start, value = 0, f(1.0)
        for i in range(start + 1, exact + 1):
            value = (value * f(self.beta_1)) * (f(1.0) - f(0.5) * f(0.96) ** f(i))
        self._product = (key, exact, value)
        return value if step == exact else value * f(self.beta_1 ** (step - exact))

    def update_step(self, g, w, slots, lr, step):
        f = w.dtype.type
        b1, b2, decay = f(self.beta_1), f(self.beta_2), f(0.96)
        u_t = b1 * (f(1.0) - f(0.5) * decay ** f(step))
        u_next = b1 * (f(1.0) - f(0.5) * decay ** f(step + 1))
        product = self.u_product(step, w.dtype)
        product_next = product * u_next
        m, v = slots["momentum"], slots["velocity"]
        m += (g - m) * (f(1) - b1)
        v += (np.square(g) - v) * (f(1) - b2)
        m_hat = (u_next * m) / (f(1) - product_next) + ((f(1) - u_t) * g) / (f(1) - product)
        v_hat = v / (f(1) - b2 ** f(step))
        return -((m_hat * f(lr)) / (np.sqrt(v_hat) + f(self.epsilon)))


class Adamax(_TwoMoments):
    """Keras defaults learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7.

    m ← m + (g − m)(1 − β₁);  u ← max(β₂·u, |g|);  Δ = −lr·m / ((1 − β₁ᵗ)·(u + ε)).
    """

    name = "Adamax"

    def init_slots(self, value):
        return {"momentum": np.zeros_like(value), "norm": np.zeros_like(value)}

    def update_step(self, g, w, slots, lr, step):
        f = w.dtype.type
        m, u = slots["momentum"], slots["norm"]
        m += (g - m) * f(1 - self.beta_1)  # NOTE: 1 − β₁ in Python floats, then cast, as Keras does here
        np.maximum(f(self.beta_2) * u, np.abs(g), out=u)
        return -((f(lr) * m) / ((f(1) - f(self.beta_1) ** f(step)) * (u + f(self.epsilon))))
