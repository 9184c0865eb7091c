"""Hostile model files and faults around them (issue 10): every case is counted by how it ended.

- refused cleanly: a constraint or a schedule that would make a later step fail is refused where it enters (at
  construction, at build) with a message that names it, and nothing changed.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import Dense, MaxNorm, MinMaxNorm, Sequential, UnitNorm
from glassnet.optimizers import ExponentialDecay


# --- refused cleanly: constraints and schedules, where they are made or built -----------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: UnitNorm(axis="x"), TypeError, r"`axis` must be an integer or a non-empty tuple of integers. "
                                            r"Received: axis='x'"),
    (lambda: MaxNorm(axis=True), TypeError, r"Received: axis=True"),
    (lambda: MinMaxNorm(axis=()), TypeError, r"Received: axis=\(\)"),
    (lambda: MaxNorm(axis=[0, 1.5]), TypeError, r"Received: axis=\[0, 1.5\]"),
    (lambda: ExponentialDecay(0.1, 10, 1e308), ValueError,
     r"`decay_rate` must be in \(0, 1\]: a rate above 1 makes the learning rate grow without bound.*"
     r"Received: decay_rate=1e\+308"),
    (lambda: ExponentialDecay(0.1, 10, 1.01), ValueError, r"Received: decay_rate=1.01"),
    (lambda: ExponentialDecay(0.1, 10, 0.5, staircase="yes"), TypeError,
     r"`staircase` must be a bool. Received: staircase='yes'"),
])
def test_bad_constraint_and_schedule_arguments_are_refused_when_made(outcome, make, error, message):
    with pytest.raises(error, match=message):
        make()
    outcome("refused cleanly")


@pytest.mark.parametrize("argument, constraint, message", [
    ("kernel_constraint", MaxNorm(axis=5), r"`axis` of MaxNorm \(the kernel_constraint of layer 'd'\) must name "
                                           r"axes of its weight of shape \(2, 3\): integers in \[-2, 2\), each "
                                           r"axis once. Received: axis=5"),
    ("kernel_constraint", UnitNorm(axis=-3), r"Received: axis=-3"),
    ("kernel_constraint", MinMaxNorm(axis=(0, -2)), r"each axis once. Received: axis=\(0, -2\)"),
    ("bias_constraint", MaxNorm(axis=1), r"the bias_constraint of layer 'd'\) must name axes of its weight of "
                                         r"shape \(3,\): integers in \[-1, 1\)"),
])
def test_a_constraint_axis_beyond_its_weight_is_refused_at_build(outcome, argument, constraint, message):
    """Before: accepted, then an AxisError inside fit, after the first update had changed the weights."""
    model = Sequential([Dense(3, name="d", **{argument: constraint})])
    with pytest.raises(ValueError, match=message):
        model.build((None, 2))
    assert not model.built and not model.layers[0].built
    with pytest.raises(ValueError, match=message):  # added to a model with an input shape: not added at all
        Sequential([glassnet.Input((2,)), Dense(3, name="d", **{argument: constraint})])
    outcome("refused cleanly")


def test_valid_axes_still_work():
    model = Sequential([Dense(3, kernel_constraint=MaxNorm(1.0, axis=-1), bias_constraint=UnitNorm(axis=[0])),
                        Dense(1, kernel_constraint=MinMaxNorm(axis=(0, 1)))], seed=0)
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones(4), verbose=0)
    assert np.all(np.linalg.norm(model.layers[0].kernel.value, axis=-1) <= 1.0 + 1e-6)
    assert model.layers[0].bias_constraint.axis == (0,)
