"""Targets that are valid but almost certainly not what the user meant: ``fit`` warns before it trains.

Keras trains on both without a word, and the result is a silently wrong number:

- **1-based labels**: sparse labels 1..K−1 on K outputs (class 0 never appears) usually mean labels 1..k given to a
  model sized k + 1 — the network learns an empty class 0 and every per-class number is off by one.
- **A validation split that holds classes the training rows lack** (or only one class): ``validation_split`` takes
  the *last* rows before shuffling, as Keras does, so data sorted by class (scikit-learn's bundled sets, many CSVs)
  validates on classes the model never saw — validation accuracy 0 every epoch.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import losses


def _classes(loss: losses.Loss, y: np.ndarray) -> np.ndarray | None:
    """The class labels in prepared targets ``y`` for a cross-entropy, else None."""
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return np.unique(y)
    if isinstance(loss, losses.CategoricalCrossentropy):
        return np.unique(np.argmax(y, axis=1))
    if isinstance(loss, losses.BinaryCrossentropy) and y.shape[1] == 1:
        return np.unique(np.round(y))
    return None


def check_labels(loss: losses.Loss, y: np.ndarray, n_outputs: int) -> None:
    """Warn when sparse labels look 1-based (every class but 0 present)."""
    if not isinstance(loss, losses.SparseCategoricalCrossentropy) or n_outputs < 2:
        return
    present = set(np.unique(y).tolist())
    if 0 not in present and present == set(range(1, n_outputs)):
        warnings.warn(f"The labels are 1..{n_outputs - 1} and class 0 never appears: the model's {n_outputs} "
                      f"outputs include an empty class 0. Labels must be 0..K−1 — subtract 1 and use "
                      f"{n_outputs - 1} outputs.", UserWarning, stacklevel=3)


def check_split(loss: losses.Loss, y_train: np.ndarray, y_val: np.ndarray) -> None:
    """Warn when the rows ``validation_split`` held out contain classes the training rows do not, or just one."""
    train, val = _classes(loss, y_train), _classes(loss, y_val)
    if train is None or val is None:
        return
    unseen = sorted(set(val.tolist()) - set(train.tolist()))
    if unseen or (len(val) == 1 and len(train) > 1):
        what = f"classes {unseen} that the training rows lack" if unseen else f"only class {val[0]:g}"
        warnings.warn(f"validation_split holds out the last {len(y_val)} rows (before any shuffling, as Keras does) "
                      f"and they contain {what}: the data looks sorted by class. Shuffle the rows first, or pass "
                      "validation_data= with a stratified split.", UserWarning, stacklevel=3)
