"""Losses (Keras: ``keras.losses``): per-sample values and their gradients, written out.

Every loss works on one row per sample. For a batch of B rows with sample weights sᵢ (1 if not given) the reported
loss is Keras's "sum over batch size":

    L = (1/B) · Σᵢ sᵢ · ℓᵢ            (divided by B, **not** by Σ sᵢ)

``sample_losses(y, p) -> ℓ`` has shape ``(B,)`` and ``sample_gradients(y, p) -> ∂ℓᵢ/∂pᵢ`` has the shape of ``p``;
the model multiplies by sᵢ/B. Row losses average over the last axis (K outputs) where Keras does: MSE, MAE, Huber
and binary cross-entropy divide by K; categorical cross-entropies sum over classes.

Cross-entropies also have ``*_from_logits`` versions. When the model's last operation is a sigmoid (softmax) and the
loss is binary (categorical/sparse categorical) cross-entropy, the model calls those on the pre-activation z, as
TensorFlow-Keras does: stable, no clipping, and ∂ℓ/∂z = σ(z) − y (softmax(z)·Σy − y) directly.
Otherwise probabilities are clipped to [ε, 1 − ε], ε = 1e-7.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_positive_float
from .activations import sigmoid, softmax
from .backend import EPSILON
from .config import Configurable

# np.sum/np.max/ndarray.mean on an ndarray call these ufunc reductions through a Python wrapper (~1 µs a call, on
# every training step): the same reductions, called directly.
_add_reduce, _max_reduce = np.add.reduce, np.maximum.reduce
_MEAN_IN_PLACE = (np.dtype(np.float32), np.dtype(np.float64))  # the dtypes ndarray.mean sums without promoting


class Loss(Configurable):
    """Base class. ``loss(y_true, y_pred, sample_weight=None)`` returns the mean loss L above."""

    name = "loss"
    link: str | None = None  # 'sigmoid'/'softmax' when the loss can be computed from those logits

    def __init__(self, from_logits: bool = False):
        if not isinstance(from_logits, bool):
            raise TypeError(f"Argument `from_logits` must be a bool. Received: from_logits={from_logits!r}")
        self.from_logits = from_logits

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        y_pred = np.asarray(y_pred)
        y_true = self.prepare_targets(np.asarray(y_true), y_pred.shape[-1], y_pred.dtype)
        losses = self.sample_losses(y_true, y_pred)
        if sample_weight is not None:
            losses = losses * np.asarray(sample_weight, dtype=losses.dtype).reshape(-1)
        return losses.dtype.type(np.sum(losses) / losses.shape[0])

    # --- what subclasses define -------------------------------------------------------------------------------
    def sample_losses(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def sample_gradients(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # Only the losses with a ``link`` (the cross-entropies) are computed from logits z.
    def sample_losses_from_logits(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def sample_gradients_from_logits(self, y: np.ndarray, z: np.ndarray, output: np.ndarray | None = None
                                     ) -> np.ndarray:
        raise NotImplementedError

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype, name: str = "y") -> np.ndarray:
        """Check targets for this loss and shape them like the output ``(B, K)``; errors name ``name``."""
        shaped = y.astype(dtype, copy=False)
        if shaped.ndim == 1 and n_outputs == 1:
            shaped = shaped.reshape(-1, 1)
        if shaped.ndim != 2 or shaped.shape[1] != n_outputs:
            hint = " (integer class labels need sparse_categorical_crossentropy)" if y.ndim == 1 else ""
            raise ValueError(f"Targets `{name}` must have shape (n, {n_outputs}) to match the model's output "
                             f"(or (n,) when it has one output){hint}. Received: {name} with shape {y.shape}")
        return shaped

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits}

    def _repr_arguments(self) -> dict[str, Any]:
        # from_logits only changes a cross-entropy: left out of the others' repr.
        return super()._repr_arguments() if self.link else {}


class BinaryCrossentropy(Loss):
    """ℓ = −(1/K)·Σₖ [y·log p + (1−y)·log(1−p)], p clipped to [ε, 1−ε]; targets must lie in [0, 1].

    From logits z: ℓ = (1/K)·Σₖ [log(1 + e^z) − z·y], with log(1 + e^z) = max(z, 0) + log(1 + e^(−|z|)) computed
    stably by ``np.logaddexp(0, z)``; ∂ℓ/∂z = (σ(z) − y)/K.
    """

    name = "binary_crossentropy"
    link = "sigmoid"

    def sample_losses(self, y, p):
        if self.from_logits:
            return self.sample_losses_from_logits(y, p)
        p = np.clip(p, EPSILON, 1 - EPSILON)
        return -row_mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def sample_gradients(self, y, p):
        if self.from_logits:
            return self.sample_gradients_from_logits(y, p)
        inside = (p > EPSILON) & (p < 1 - EPSILON)  # clipping stops the gradient outside
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        return np.where(inside, (pc - y) / (pc * (1 - pc)), 0).astype(p.dtype) / p.shape[-1]

    def sample_losses_from_logits(self, y, z):
        return row_mean(np.logaddexp(z.dtype.type(0), z) - z * y)

    def sample_gradients_from_logits(self, y, z, output=None):
        """(σ(z) − y)/K; ``output`` may pass σ(z) already computed by the forward pass."""
        grad = (sigmoid(z) if output is None else output) - y
        return grad if z.shape[-1] == 1 else grad / z.shape[-1]  # ÷1 is exact: skipped, same bits

    def prepare_targets(self, y, n_outputs, dtype, name="y"):
        if np.any((y < 0) | (y > 1)):
            bad = y[(y < 0) | (y > 1)].reshape(-1)[0]
            raise ValueError(f"binary_crossentropy needs targets `{name}` in [0, 1] (class labels 0 and 1). "
                             f"Received: {name} containing {float(bad)!r}")
        return super().prepare_targets(y, n_outputs, dtype, name)


class CategoricalCrossentropy(Loss):
    """One-hot (or soft) targets y of shape (B, K). ℓ = −Σₖ yₖ·log qₖ, q = p/Σp clipped to [ε, 1−ε].

    From logits z: ℓ = logsumexp(z)·Σₖyₖ − Σₖ yₖ·zₖ, ∂ℓ/∂z = softmax(z)·Σₖyₖ − y.
    """

    name = "categorical_crossentropy"
    link = "softmax"

    def sample_losses(self, y, p):
        if self.from_logits:
            return self.sample_losses_from_logits(y, p)
        q = np.clip(p / np.sum(p, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
        return -np.sum(y * np.log(q), axis=-1)

    def sample_gradients(self, y, p):
        if self.from_logits:
            return self.sample_gradients_from_logits(y, p)
        total = np.sum(p, axis=-1, keepdims=True)
        q = p / total
        inside = (q > EPSILON) & (q < 1 - EPSILON)
        r = np.where(inside, y / np.clip(q, EPSILON, 1 - EPSILON), 0).astype(p.dtype)
        return -(r - np.sum(r * q, axis=-1, keepdims=True)) / total

    def sample_losses_from_logits(self, y, z):
        return _logsumexp(z) * np.sum(y, axis=-1) - np.sum(y * z, axis=-1)

    def sample_gradients_from_logits(self, y, z, output=None):
        """softmax(z)·Σy − y; ``output`` may pass softmax(z) already computed by the forward pass."""
        return (softmax(z) if output is None else output) * np.sum(y, axis=-1, keepdims=True) - y


class SparseCategoricalCrossentropy(Loss):
    """Integer targets c ∈ {0, …, K−1} of shape (B,) or (B, 1). ℓ = −log(p_c / Σp), p clipped to [ε, 1−ε].

    From logits z: ℓ = logsumexp(z) − z_c, ∂ℓ/∂z = softmax(z) − onehot(c).
    """

    name = "sparse_categorical_crossentropy"
    link = "softmax"

    def sample_losses(self, y, p):
        if self.from_logits:
            return self.sample_losses_from_logits(y, p)
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        return np.log(np.sum(pc, axis=-1)) - np.log(pc[np.arange(len(y)), y])

    def sample_gradients(self, y, p):
        if self.from_logits:
            return self.sample_gradients_from_logits(y, p)
        inside = (p > EPSILON) & (p < 1 - EPSILON)
        pc = np.clip(p, EPSILON, 1 - EPSILON)
        grad = np.broadcast_to(1 / np.sum(pc, axis=-1, keepdims=True), p.shape).copy()
        rows = np.arange(len(y))
        grad[rows, y] -= 1 / pc[rows, y]
        return np.where(inside, grad, 0).astype(p.dtype)

    def sample_losses_from_logits(self, y, z):
        return _logsumexp(z) - z[np.arange(len(y)), y]

    def sample_gradients_from_logits(self, y, z, output=None):
        """softmax(z) − onehot(c); ``output`` may pass softmax(z) already computed by the forward pass."""
        grad = softmax(z) if output is None else output.copy()
        grad[np.arange(len(y)), y] -= 1
        return grad

    def prepare_targets(self, y, n_outputs, dtype, name="y"):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.reshape(-1)
        if y.ndim != 1:
            raise ValueError(f"sparse_categorical_crossentropy needs integer class labels `{name}` of shape (n,) "
                             f"or (n, 1). Received: {name} with shape {y.shape}")
        labels = y.astype(np.int64)
        if np.any(labels != y) or np.any(labels < 0) or np.any(labels >= n_outputs):
            bad = y[(labels != y) | (labels < 0) | (labels >= n_outputs)][0]
            raise ValueError(f"sparse_categorical_crossentropy needs integer labels `{name}` in "
                             f"[0, {n_outputs - 1}] for a model with {n_outputs} outputs. "
                             f"Received: {name} containing {float(bad)!r}")
        return labels


class MeanSquaredError(Loss):
    """ℓ = (1/K)·Σₖ (p − y)²; ∂ℓ/∂p = 2·(p − y)/K."""

    name = "mean_squared_error"

    def sample_losses(self, y, p):
        return row_mean(np.square(p - y))

    def sample_gradients(self, y, p):
        return (2 / p.shape[-1]) * (p - y)


class MeanAbsoluteError(Loss):
    """ℓ = (1/K)·Σₖ |p − y|; ∂ℓ/∂p = sign(p − y)/K (0 where p = y)."""

    name = "mean_absolute_error"

    def sample_losses(self, y, p):
        return row_mean(np.abs(p - y))

    def sample_gradients(self, y, p):
        return np.sign(p - y) / p.shape[-1]


class Huber(Loss):
    """e = p − y; ℓ = (1/K)·Σₖ (½e² if |e| ≤ δ else δ·|e| − ½δ²); ∂ℓ/∂p = clip(e, −δ, δ)/K. Keras δ = 1.0."""

    name = "huber"

    def __init__(self, delta: float = 1.0):
        super().__init__()
        self.delta = check_positive_float("delta", delta)

    def sample_losses(self, y, p):
        e = np.abs(p - y)
        d = self.delta
        return np.mean(np.where(e <= d, 0.5 * e * e, d * e - 0.5 * d * d), axis=-1).astype(p.dtype)

    def sample_gradients(self, y, p):
        return np.clip(p - y, -self.delta, self.delta) / p.shape[-1]

    def get_config(self):
        return {"delta": self.delta}


def row_mean(values: np.ndarray) -> np.ndarray:
    """``values.mean(axis=-1)``, by the same two NumPy calls ``ndarray.mean`` makes — the sum over the last axis,
    then a division by the count (an ``intp``) in place — without its Python wrapper (~2 µs, on every training
    step). Only float32/float64 rows of a 2-D (or more) array: other dtypes ``ndarray.mean`` promotes first, and
    a 1-D array's mean is a scalar, so those are left to ``ndarray.mean`` itself.

    >>> row_mean(np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32))
    array([1.5, 4. ], dtype=float32)
    """
    if values.dtype not in _MEAN_IN_PLACE or values.ndim < 2:
        return values.mean(axis=-1)
    total = _add_reduce(values, axis=-1)
    return np.true_divide(total, np.intp(values.shape[-1]), out=total, casting="unsafe")


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top = _max_reduce(z, axis=-1, keepdims=True)
    return (top + np.log(_add_reduce(np.exp(z - top), axis=-1, keepdims=True)))[..., 0]


_BY_NAME: dict[str, type[Loss]] = {
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy, "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "huber": Huber,
    # Keras also takes the class names: compile(loss='SparseCategoricalCrossentropy')
    **{cls.__name__: cls for cls in (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
                                     MeanSquaredError, MeanAbsoluteError, Huber)},
}


def get(identifier: str | Loss) -> Loss:
    """Resolve a Keras loss name (``'mse'`` and class names such as ``'SparseCategoricalCrossentropy'`` too) or a
    :class:`Loss` instance.

    >>> get("binary_crossentropy")
    BinaryCrossentropy(from_logits=False)
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, str):
        raise ValueError(f"Unknown loss. Expected one of {sorted(_BY_NAME)}. Received: loss={identifier!r}")
    raise TypeError(f"Argument `loss` must be a name or a glassnet.losses.Loss. Received: loss={identifier!r}")
