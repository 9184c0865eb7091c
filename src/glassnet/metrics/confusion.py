"""Metrics from confusion counts (Keras: ``Precision``, ``Recall``, ``AUC``), accumulated over an epoch.

Every target entry is a binary label (nonzero = positive) and every output entry a score in [0, 1], all entries of
a (batch, K) output flattened together (Keras's ``multi_label=False``). At a threshold t an entry is predicted
positive when p > t (strictly). Counts are summed over the epoch; the result is computed from the sums:

- Precision = TP / (TP + FP),  Recall = TP / (TP + FN)   at t = 0.5 (0 when the denominator is 0);
- AUC: the counts at T thresholds (``num_thresholds=200``): −ε, 1/(T−1), 2/(T−1), …, (T−2)/(T−1), 1 + ε with
  ε = 1e-7. Evenly spaced thresholds are counted as Keras counts them, by bucketing: entry p lands in bucket
  b = max(⌈p·(T−1)⌉ − 1, 0) (p clipped to [0, 1], float32) and counts as positive at every threshold i ≤ b.
  ROC curve: x = FPR = FP/(FP + TN), y = TPR = TP/(TP + FN); PR curve: x = recall, y = precision.
  ``summation_method='interpolation'`` (default): AUC = Σᵢ (xᵢ − xᵢ₊₁)·(yᵢ + yᵢ₊₁)/2 (trapezoids; for PR
  Keras's closed form of Davis & Goadrich's interpolation, below); ``'minoring'`` / ``'majoring'`` use
  min(yᵢ, yᵢ₊₁) / max(yᵢ, yᵢ₊₁) as the heights.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..activations import sigmoid
from ..backend import EPSILON
from ..config import Configurable
from .base import Metric, auto_name


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, 0 where b is 0 (Keras's ``divide_no_nan``)."""
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)


def _threshold(value: Any, expected: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) <= 1:
        raise ValueError(f"Argument `thresholds` must be {expected}. Received: thresholds={value!r}")
    return float(value)


def _check_name(name: Any) -> None:
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"Argument `name` must be a non-empty string or None. Received: name={name!r}")


def _no_sample_values(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The per-sample function of a metric that keeps counts instead (never called: ``update`` is its own)."""
    raise NotImplementedError


def _labels(y: np.ndarray, p: np.ndarray, class_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(positive labels, scores) as flat float32 arrays (Keras computes in float32)."""
    if class_id is not None:
        if p.ndim != 2 or class_id >= p.shape[1]:
            raise ValueError(f"Argument `class_id` must index a column of the output ({p.shape[-1]} columns). "
                             f"Received: class_id={class_id}")
        y, p = y[:, class_id], p[:, class_id]
    return (np.reshape(y, -1) != 0).astype(np.float32), np.reshape(p, -1).astype(np.float32, copy=False)


class _Counts(Metric, Configurable):
    """Precision and Recall: counts at one threshold (``thresholds``, default 0.5), optionally of one column."""

    def __init__(self, thresholds: float | None = None, class_id: int | None = None, name: str | None = None):
        threshold = 0.5 if thresholds is None else _threshold(thresholds, "one number in [0, 1] or None")
        if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, numbers.Integral)
                                     or class_id < 0):
            raise ValueError(f"Argument `class_id` must be an integer ≥ 0 or None. Received: class_id={class_id!r}")
        _check_name(name)
        self.thresholds, self.threshold = None if thresholds is None else threshold, threshold
        self.class_id = None if class_id is None else int(class_id)
        super().__init__(name or auto_name(type(self)), _no_sample_values, "like_output", 1, "up")

    def reset(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = 0.0
        self.count = 0

    def update(self, y: np.ndarray, p: np.ndarray) -> None:
        positive, scores = _labels(y, p, self.class_id)
        predicted = scores > np.float32(self.threshold)
        self.true_positives += float(np.sum(predicted * positive))
        self.false_positives += float(np.sum(predicted * (1 - positive)))
        self.false_negatives += float(np.sum(~predicted * positive))
        self.count += len(y)

    def get_config(self) -> dict[str, Any]:
        return {"thresholds": self.thresholds, "class_id": self.class_id, "name": self.name}

    __repr__ = Configurable.__repr__


class Precision(_Counts):
    """``Precision(thresholds=None, class_id=None, name=None)`` (Keras's; ``top_k`` is not supported):
    TP / (TP + FP) over the epoch, an entry predicted positive when p > 0.5.

    >>> import numpy as np
    >>> metric = Precision(name="precision")
    >>> metric.update(np.array([[1], [0], [1]]), np.array([[0.9], [0.8], [0.2]]))
    >>> metric.result()
    0.5
    """

    def result(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0


class Recall(_Counts):
    """``Recall(thresholds=None, class_id=None, name=None)`` (Keras's; ``top_k`` is not supported):
    TP / (TP + FN) over the epoch, an entry predicted positive when p > 0.5."""

    def result(self) -> float:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 0.0


#: More thresholds than this would only cost memory and time (a glassnet bound; Keras has none).
MAX_THRESHOLDS = 100_000
_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric, Configurable):
    """``AUC(num_thresholds=200, curve='ROC', summation_method='interpolation', name=None, thresholds=None,
    multi_label=False, from_logits=False)`` — Keras's approximation (module docstring). With ``multi_label``
    each output column gets its own curve and the AUCs are averaged; ``from_logits`` applies σ to the outputs.

    >>> import numpy as np
    >>> metric = AUC(name="auc")
    >>> metric.update(np.array([[0], [0], [1], [1]]), np.array([[0.1], [0.4], [0.35], [0.8]]))
    >>> round(metric.result(), 4)
    0.75
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, thresholds: Any = None, multi_label: bool = False,
                 from_logits: bool = False):
        if thresholds is not None:
            if not isinstance(thresholds, (list, tuple, np.ndarray)):
                raise TypeError(f"Argument `thresholds` must be a list of numbers in [0, 1] or None. Received: "
                                f"thresholds={thresholds!r}")
            if len(thresholds) > MAX_THRESHOLDS - 2:
                raise ValueError(f"Argument `thresholds` must hold at most {MAX_THRESHOLDS - 2} numbers. "
                                 f"Received: {len(thresholds)} thresholds")
            given = sorted(_threshold(t, "a list of numbers in [0, 1]") for t in thresholds)
            num_thresholds = len(given) + 2
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, numbers.Integral) or \
                    not 1 < num_thresholds <= MAX_THRESHOLDS:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1 (at most {MAX_THRESHOLDS}). "
                                 f"Received: num_thresholds={num_thresholds!r}")
            num_thresholds = int(num_thresholds)
            given = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        curve = curve.upper() if isinstance(curve, str) else curve
        if curve not in _CURVES:
            raise ValueError(f"Argument `curve` must be one of {list(_CURVES)}. Received: curve={curve!r}")
        method = summation_method.lower() if isinstance(summation_method, str) else summation_method
        if method not in _SUMMATIONS:
            raise ValueError(f"Argument `summation_method` must be one of {list(_SUMMATIONS)}. "
                             f"Received: summation_method={summation_method!r}")
        for flag, value in (("multi_label", multi_label), ("from_logits", from_logits)):
            if not isinstance(value, bool):
                raise TypeError(f"Argument `{flag}` must be a bool. Received: {flag}={value!r}")
        _check_name(name)
        self.num_thresholds, self.curve, self.summation_method = num_thresholds, curve, method
        self.init_thresholds = None if thresholds is None else given
        self.multi_label, self.from_logits = multi_label, from_logits
        self.thresholds = np.array([0.0 - EPSILON] + given + [1.0 + EPSILON])
        even = np.arange(num_thresholds, dtype=np.float32) / (num_thresholds - 1)
        self.evenly_spaced = num_thresholds >= 3 and bool(np.allclose([0.0] + given + [1.0], even, atol=EPSILON))
        super().__init__(name or auto_name(AUC), _no_sample_values, "like_output", 1, "up")

    def reset(self) -> None:
        # TP, FP, TN, FN at each threshold, (thresholds, labels): made on the first update, when the width is known
        self.confusion: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.count = 0

    def _positives(self, positive: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(TP, FP) at every threshold for one column of labels and scores."""
        if self.evenly_spaced:
            # NaN (a diverged model under on_nonfinite='ignore') lands in bucket 0, where Keras's cast puts it
            scores = np.nan_to_num(scores, nan=0.0)
            buckets = np.ceil(np.clip(scores, 0, 1) * np.float32(self.num_thresholds - 1)) - 1
            buckets = np.maximum(buckets, 0).astype(np.int64)
            true = np.bincount(buckets, weights=positive, minlength=self.num_thresholds)
            false = np.bincount(buckets, weights=1 - positive, minlength=self.num_thresholds)
            return np.cumsum(true[::-1])[::-1], np.cumsum(false[::-1])[::-1]
        above = scores[None, :] > self.thresholds.astype(np.float32)[:, None]
        return above @ positive.astype(np.float64), above @ (1 - positive).astype(np.float64)

    def update(self, y: np.ndarray, p: np.ndarray) -> None:
        p = sigmoid(p) if self.from_logits else p
        if self.multi_label:
            columns = [_labels(y[:, k], p[:, k], None) for k in range(p.shape[1])]
        else:
            columns = [_labels(y, p, None)]
        counts = [(*self._positives(positive, scores), positive.sum(), len(positive) - positive.sum())
                  for positive, scores in columns]
        tp, fp = (np.stack([c[i] for c in counts], axis=-1) for i in (0, 1))
        batch = (tp, fp, np.array([c[3] for c in counts]) - fp, np.array([c[2] for c in counts]) - tp)
        if self.confusion is None or self.confusion[0].shape != tp.shape:
            self.confusion = batch
        else:
            self.confusion = (self.confusion[0] + batch[0], self.confusion[1] + batch[1],
                              self.confusion[2] + batch[2], self.confusion[3] + batch[3])
        self.count += len(y)

    def result(self) -> float:
        if self.confusion is None:
            return 0.0
        tp, fp, tn, fn = self.confusion
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = self._interpolated_pr(tp, fp, fn)
        else:
            recall = _divide(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide(fp, fp + tn), recall
            else:
                x, y = recall, _divide(tp, tp + fp)
            heights = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
                       "majoring": np.maximum(y[:-1], y[1:])}[self.summation_method]
            by_label = np.sum((x[:-1] - x[1:]) * heights, axis=0)
        return float(np.mean(by_label))

    @staticmethod
    def _interpolated_pr(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        """Keras's ``interpolate_pr_auc``: between neighbouring thresholds A, B, with P = TP + FP varying
        linearly, precision = (TP_A + slope·(P − P_A))/P with slope = ΔTP/ΔP; its integral over recall is
        slope·(ΔTP + intercept·ln(P_A/P_B)) / (TP_B + FN_B), intercept = TP_B − slope·P_B (ln term 0 where
        P_A or P_B is 0)."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        slope = _divide(dtp, np.maximum(p[:-1] - p[1:], 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return np.sum(increments, axis=0)

    def get_config(self) -> dict[str, Any]:
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "name": self.name, "thresholds": self.init_thresholds,
                "multi_label": self.multi_label, "from_logits": self.from_logits}

    __repr__ = Configurable.__repr__
