"""Weight and activity penalties (Keras: ``keras.regularizers``), each with its gradient beside its value.

================  ==========================================  =========================
regularizer       penalty(w), added to the training loss        gradient ∂penalty/∂w
================  ==========================================  =========================
``L1(l1)``        l1 · Σ|w|                                     l1 · sign(w)   (0 at w = 0)
``L2(l2)``        l2 · Σw²        (no ½, not divided by m)      2 · l2 · w
``L1L2(l1, l2)``  l1 · Σ|w| + l2 · Σw²                          l1 · sign(w) + 2 · l2 · w
================  ==========================================  =========================

These are Keras's numbers exactly: ``L2(0.01)`` adds 0.01·Σw² to the loss once per batch, whatever the batch size.
The lecture writes the same penalty as (λ/2m)·Σw², so ``L2(l2)`` is the lecture's λ = 2·m·l2 (m = training rows).

A penalty's gradient reaches only the weight it is computed from, which is why a regularizer on a hidden layer
shrinks that layer's weights and no others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_nonnegative_float
from ..config import Configurable


class Regularizer(Configurable):
    """``regularizer(w) -> penalty`` (a float) and ``regularizer.gradient(w) -> ∂penalty/∂w`` (shape of w)."""

    def __call__(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient_into(self, w: np.ndarray, out: np.ndarray) -> None:
        """Write ``gradient(w)`` into ``out`` (the model's flat buffer); subclasses may avoid the temporary."""
        np.copyto(out, self.gradient(w))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


class L1L2(Regularizer):
    """l1·Σ|w| + l2·Σw². Keras defaults l1=0.0, l2=0.0. Factors must be finite and ≥ 0."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = check_nonnegative_float("l1", l1)
        self.l2 = check_nonnegative_float("l2", l2)

    def __call__(self, w):
        w = np.asarray(w)
        penalty = w.dtype.type(0)
        if self.l1:
            penalty = penalty + w.dtype.type(self.l1) * np.sum(np.abs(w))
        if self.l2:
            penalty = penalty + w.dtype.type(self.l2) * np.sum(np.square(w))
        return penalty

    def gradient(self, w):
        w = np.asarray(w)
        grad = np.zeros_like(w)
        if self.l1:
            grad += w.dtype.type(self.l1) * np.sign(w)
        if self.l2:
            grad += w.dtype.type(2 * self.l2) * w
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1·Σ|w|, gradient l1·sign(w). Keras default l1=0.01."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2·Σw², gradient 2·l2·w. Keras default l2=0.01.

    >>> L2(0.01)(np.array([1.0, 2.0]))
    np.float64(0.05)
    >>> L2(0.01).gradient(np.array([1.0, 2.0]))
    array([0.02, 0.04])
    """

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def __call__(self, w):
        # NOTE: Σw² as one BLAS dot product: no temporary array. Its float32 rounding differs from a pairwise
        # sum's in the last bits (Keras's own reduction differs again); every glassnet number uses this one.
        w = np.asarray(w).ravel()
        return w.dtype.type(self.l2) * np.dot(w, w)

    def gradient(self, w):
        w = np.asarray(w)
        return w.dtype.type(2 * self.l2) * w

    def gradient_into(self, w, out):
        np.multiply(w.dtype.type(2 * self.l2), w, out=out)

    def get_config(self):
        return {"l2": self.l2}

    @classmethod
    def from_lecture(cls, lam: float, m: int, loss: Any = None) -> LectureL2:
        """The lecture's penalty (λ/2m)·Σw² as an L2 regularizer for a model trained with ``loss``.

        With a cross-entropy (``loss=None`` or its name) the lecture's cost is (1/m)·ΣL + (λ/2m)·Σw², so
        l2 = λ/(2m) and the penalty gradient is (λ/m)·W. With squared error the lecture's cost is
        (1/2m)·Σ(f − y)² + (λ/2m)·Σw² = ½·[mse + (λ/m)·Σw²]: against glassnet's mse (no ½) that is l2 = λ/m.

        >>> L2.from_lecture(0.7, 100)
        L2.from_lecture(lam=0.7, m=100)
        >>> L2.from_lecture(0.5, 100).l2   # λ/(2m)
        0.0025
        >>> L2.from_lecture(0.5, 100, loss="mse").l2   # λ/m: the lecture's ½ sits on the squared error
        0.005
        """
        return LectureL2(lam, m, loss)


class LectureL2(L2):
    """L2 whose strength is given as the lecture's λ for a training set of m rows: l2 = λ/(2m·s), where s is ½
    for a squared-error data loss (the lecture writes it (1/2m)·Σ(f − y)²) and 1 otherwise.

    The cost it adds is the lecture's (λ/2m)·Σw² relative to the lecture's data loss, once per batch like any
    Keras penalty; with full-batch gradient descent (batch = m rows) and a cross-entropy the update is the
    lecture's dW = (1/m)·dZ·Aᵀ + (λ/m)·W.
    """

    def __init__(self, lam: float, m: int, loss: Any = None):
        from .._validation import check_positive_int
        from .conventions import data_loss_scale, loss_kind

        self.lam = check_nonnegative_float("lam", lam)
        self.m = check_positive_int("m", m)
        if loss is not None and not isinstance(loss, str):
            loss = getattr(loss, "name", loss)
        scale = data_loss_scale("lecture", loss)  # also checks the loss name
        # Only the scale matters, so keep the loss only where it changes l2 (squared error).
        self.loss = "mean_squared_error" if loss_kind(loss) == "squared_error" else None
        super().__init__(l2=self.lam / (2 * self.m * scale))  # 2·m·½ = m exactly: λ/m with no rounding

    def get_config(self):
        return {"lam": self.lam, "m": self.m, "loss": self.loss}

    def __repr__(self):
        extra = f", loss={self.loss!r}" if self.loss is not None else ""
        return f"L2.from_lecture(lam={self.lam!r}, m={self.m}{extra})"


class FunctionRegularizer(Regularizer):
    """Wrap a plain callable ``fn(w) -> float`` as a regularizer.

    Its gradient is ``gradient(w)`` when given (or ``fn.gradient`` if the callable has one); otherwise it is
    estimated by central differences, (fn(w + h·eᵢ) − fn(w − h·eᵢ)) / 2h with h = 1e-6·max(1, |wᵢ|) in float64 —
    exact enough to train with but 2·w.size calls of ``fn`` per step, so give a gradient for large layers.
    """

    def __init__(self, fn: Callable[[np.ndarray], float],
                 gradient: Callable[[np.ndarray], np.ndarray] | None = None):
        self.fn = fn
        self._gradient = gradient if gradient is not None else getattr(fn, "gradient", None)

    def __call__(self, w):
        w = np.asarray(w)
        return w.dtype.type(self.fn(w))

    def gradient(self, w):
        w = np.asarray(w)
        if self._gradient is not None:
            return np.asarray(self._gradient(w), dtype=w.dtype).reshape(w.shape)
        base = w.astype(np.float64)
        flat = base.reshape(-1)
        grad = np.empty_like(flat)
        for i in range(flat.size):
            h = 1e-6 * max(1.0, abs(flat[i]))
            original = flat[i]
            flat[i] = original + h
            upper = float(self.fn(base))
            flat[i] = original - h
            lower = float(self.fn(base))
            flat[i] = original
            grad[i] = (upper - lower) / (2 * h)
        return grad.reshape(w.shape).astype(w.dtype)

    def __repr__(self):
        return f"FunctionRegularizer({getattr(self.fn, '__name__', repr(self.fn))})"

    def __eq__(self, other):
        return isinstance(other, FunctionRegularizer) and other.fn is self.fn

    def __hash__(self):
        return id(self.fn)


#: Keras 3's lowercase names, the classes themselves: ``l2(0.01)`` is ``L2(0.01)``, ``l1_l2(l1=1e-5, l2=1e-4)`` is
#: ``L1L2(l1=1e-5, l2=1e-4)`` — with Keras 3's defaults (``l1_l2()`` is L1L2(0, 0); tf.keras 2's ``l1_l2()``
#: function defaulted to 0.01 for both).
l1 = L1
l2 = L2
l1_l2 = L1L2

_BY_NAME: dict[str, Callable[[], Regularizer]] = {
    "l1": L1, "l2": L2, "L1": L1, "L2": L2,
    # tf.keras's ``l1_l2()`` helper used 0.01 for both factors; a named L1L2 of zeros would penalize nothing.
    "l1l2": lambda: L1L2(l1=0.01, l2=0.01), "l1_l2": lambda: L1L2(l1=0.01, l2=0.01),
}



def get(identifier: Any, argument: str = "regularizer") -> Regularizer | None:
    """Resolve ``None``, a name (``'l1'``, ``'l2'``, ``'l1l2'``), a :class:`Regularizer` or a callable.

    >>> get("l2")
    L2(l2=0.01)
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]()
        raise ValueError(f"Unknown regularizer. Expected one of {sorted(_BY_NAME)}. "
                         f"Received: {argument}={identifier!r}")
    if isinstance(identifier, type):
        raise TypeError(f"Argument `{argument}` must be a regularizer instance, not a class. "
                        f"Received: {argument}={identifier!r} (did you mean {identifier.__name__}()?)")
    if callable(identifier):
        return FunctionRegularizer(identifier)
    raise TypeError(f"Argument `{argument}` must be None, a name, a glassnet.regularizers.Regularizer or a "
                    f"callable taking the weight array. Received: {argument}={identifier!r}")
