"""The estimators' parameter checks and the per-row weights a fit trains with (sample and class weights)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..regularizers import L1, L1L2, L2, Regularizer


def check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    """An int (one hidden layer) or a sequence of positive ints; () means no hidden layer."""
    sizes = (value,) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    expected = "a sequence of positive integers, the units of each hidden layer"
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"Argument `hidden_layer_sizes` must be {expected}. "
                        f"Received: hidden_layer_sizes={value!r}")
    sizes = tuple(sizes)
    for units in sizes:
        if isinstance(units, bool) or not isinstance(units, numbers.Integral):
            raise TypeError(f"Argument `hidden_layer_sizes` must be {expected}. "
                            f"Received: hidden_layer_sizes={value!r}")
        if units <= 0:
            raise ValueError(f"Argument `hidden_layer_sizes` must be {expected}. "
                             f"Received: hidden_layer_sizes={value!r}")
    return tuple(int(units) for units in sizes)


def check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"Argument `{name}` must be one of {list(allowed)}. Received: {name}={value!r}")
    return value


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


def resolve_seed(random_state: Any) -> int:
    """The int seed behind ``random_state``: the int itself, a draw from a RandomState or fresh OS entropy."""
    if random_state is None:
        # Fresh entropy from the operating system; NumPy's global random state is never touched.
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))  # scikit-learn's way of deriving a seed
    expected = "None, an int in [0, 2**32) or a numpy.random.RandomState"
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if 0 <= int(random_state) < 2**32:
            return int(random_state)
        raise ValueError(f"Argument `random_state` must be {expected}. "
                         f"Received: random_state={random_state!r}")
    raise TypeError(f"Argument `random_state` must be {expected}. Received: random_state={random_state!r}")


def weight_regularizer(l1: float, l2: float) -> Regularizer | None:
    """The simplest glassnet regularizer for the two Keras factors (None when both are 0)."""
    if l1 and l2:
        return L1L2(l1=l1, l2=l2)
    if l1:
        return L1(l1)
    return L2(l2) if l2 else None


def check_class_weight(class_weight: Any, partial: bool) -> None:
    """None, 'balanced' (not with partial_fit: a stream's class counts are not known) or a dict; checked
    against the classes in :func:`class_weights`."""
    if class_weight is None or isinstance(class_weight, dict):
        return
    if not isinstance(class_weight, str):
        raise TypeError("Argument `class_weight` must be None, 'balanced' or a dict {label: weight}. Received: "
                        f"class_weight={class_weight!r}")
    if class_weight != "balanced":
        raise ValueError(f"Argument `class_weight` must be None, 'balanced' or a dict {{label: weight}}. Received: "
                         f"class_weight={class_weight!r}")
    if partial:
        raise ValueError("class_weight='balanced' needs the counts of every class, which partial_fit does not "
                         "see: give a dict, e.g. from sklearn.utils.class_weight.compute_class_weight('balanced', "
                         "classes=classes, y=y). Received: class_weight='balanced'")


def class_weights(class_weight: Any, classes: np.ndarray, codes: np.ndarray) -> np.ndarray | None:
    """One weight per row from ``class_weight`` (scikit-learn's meaning): a dict's weight for the row's class
    (1 for a class it leaves out), or for 'balanced' n / (K · n_k), n_k the rows of class k among the n given,
    K the number of classes. None without class weights."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):  # 'balanced' (checked before); a class without rows weighs nothing here
        counts = np.bincount(codes, minlength=len(classes))
        return np.divide(len(codes), len(classes) * counts, out=np.zeros(len(classes)), where=counts > 0)[codes]
    known = classes.tolist()
    unknown = [label for label in class_weight if label not in known]
    if unknown:
        raise ValueError(f"Argument `class_weight` must weigh labels of the classes {known}. Received: "
                         f"class_weight with the labels {unknown[:5]!r}")
    vector = np.ones(len(classes))
    for index, label in enumerate(known):
        if label in class_weight:
            value = class_weight[label]
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                    math.isfinite(value) and float(value) >= 0):
                raise ValueError(f"Argument `class_weight` must map each label to a finite weight ≥ 0. Received: "
                                 f"class_weight[{label!r}]={value!r}")
            vector[index] = float(value)
    return vector[codes]


def combined(sample_weight: np.ndarray | None, per_class: np.ndarray | None) -> np.ndarray | None:
    """Sample weights times class weights (either may be None); refused if every row ends up weighing 0."""
    if per_class is None:
        return sample_weight
    weights = per_class if sample_weight is None else sample_weight * per_class
    if not np.any(weights > 0):
        raise ValueError("Arguments `class_weight` and `sample_weight` together must give some row a weight > 0. "
                         "Received: every row weighs 0")
    return weights
