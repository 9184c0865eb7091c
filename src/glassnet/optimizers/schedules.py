"""Learning-rate schedules (Keras: ``keras.optimizers.schedules``): ``schedule(step) -> learning rate``.

``step`` is the optimizer's ``iterations`` before the update: 0 for the first step.
"""

from __future__ import annotations

from typing import Any

from .._validation import check_positive_float, check_positive_int
from ..config import Configurable


class LearningRateSchedule(Configurable):
    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}



class ExponentialDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate · decay_rate^(step / decay_steps); with ``staircase`` the exponent is
    floored, so the rate drops every ``decay_steps`` steps.

    A ``decay_rate`` above 1 (Keras takes it too) grows the learning rate without bound: the optimizer checks
    every step's rate before the step changes anything, so an overflow (1e308 at step ``decay_steps``) stops
    training with an error naming the step, and the weights stay as they were.

    >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
    0.025
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False):
        self.initial_learning_rate = check_positive_float("initial_learning_rate", initial_learning_rate)
        self.decay_steps = check_positive_int("decay_steps", decay_steps)
        self.decay_rate = check_positive_float("decay_rate", decay_rate)
        if not isinstance(staircase, bool):
            raise TypeError(f"Argument `staircase` must be a bool. Received: staircase={staircase!r}")
        self.staircase = staircase

    def __call__(self, step: int) -> float:
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = step // self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase}
