"""Activation functions with their derivatives side by side (Keras: ``keras.activations``).

Each activation is an object with ``forward(z) -> a`` and ``backward(z, a, grad_a) -> grad_z``; calling the object
is ``forward``. ``backward`` gets both the input ``z`` and the output ``a`` so each derivative uses whichever is
cheaper (sigmoid′ = a·(1−a), relu′ = [z > 0]).

Shapes: ``z``, ``a`` and the gradients are ``(batch, units)``.

``link`` marks the two activations whose output a cross-entropy can undo: when the model's last operation is
``sigmoid`` (``softmax``) and the loss is binary (categorical) cross-entropy, glassnet computes the loss from the
logits ``z`` as TensorFlow does — stable, no clipping.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_nonnegative_float
from .config import Configurable

# np.sum and np.max on an ndarray call these ufunc reductions through a Python wrapper (~1 µs a call, several
# times per training step): the same reductions, called directly.
_add_reduce, _max_reduce = np.add.reduce, np.maximum.reduce


class Activation(Configurable):
    """Base class: ``a = forward(z)``; ``grad_z = backward(z, a, grad_a)``."""

    name = "activation"
    link: str | None = None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(z))

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.name}({args})" if args else self.name


class Linear(Activation):
    """a = z."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, z, a, grad_a):
        return grad_a


class ReLU(Activation):
    """a = max(z, 0); a′ = 1 where z > 0, else 0 (0 at z = 0, as TensorFlow and PyTorch)."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def backward(self, z, a, grad_a):
        return grad_a * (z > 0)


class Sigmoid(Activation):
    """a = 1 / (1 + e^(−z)), evaluated without overflow; a′ = a·(1 − a)."""

    name = "sigmoid"
    link = "sigmoid"

    def forward(self, z):
        return sigmoid(z)

    def backward(self, z, a, grad_a):
        return grad_a * a * (1 - a)


class Tanh(Activation):
    """a = tanh(z); a′ = 1 − a²."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, z, a, grad_a):
        return grad_a * (1 - a * a)


class Softmax(Activation):
    """a_k = e^(z_k) / Σ_j e^(z_j) over the last axis; grad_z = a ⊙ (grad_a − Σ_k grad_a,k·a_k)."""

    name = "softmax"
    link = "softmax"

    def forward(self, z):
        return softmax(z)

    def backward(self, z, a, grad_a):
        return a * (grad_a - _add_reduce(grad_a * a, axis=-1, keepdims=True))


class LeakyReLU(Activation):
    """a = z if z > 0 else negative_slope·z. Keras's default slope is 0.2 (PyTorch's is 0.01)."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = check_nonnegative_float("negative_slope", negative_slope)

    def forward(self, z):
        return np.where(z > 0, z, z * z.dtype.type(self.negative_slope))

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * grad_a.dtype.type(self.negative_slope))

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class ELU(Activation):
    """a = z if z > 0 else alpha·(e^z − 1); a′ = 1 or alpha·e^z = a + alpha."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = check_nonnegative_float("alpha", alpha)

    def forward(self, z):
        alpha = z.dtype.type(self.alpha)
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))

    def backward(self, z, a, grad_a):
        return np.where(z > 0, grad_a, grad_a * (a + a.dtype.type(self.alpha)))

    def get_config(self):
        return {"alpha": self.alpha}


class Softplus(Activation):
    """a = log(1 + e^z), computed as logaddexp(0, z); a′ = sigmoid(z)."""

    name = "softplus"

    def forward(self, z):
        return np.logaddexp(z.dtype.type(0), z)

    def backward(self, z, a, grad_a):
        return grad_a * sigmoid(z)


# NOTE: NumPy has no vectorized erf; math.erf is exact to double precision. GELU is rare in the small
# networks glassnet targets, so exactness wins over speed here.
_erf = np.frompyfunc(math.erf, 1, 1)


class GELU(Activation):
    """Exact: a = z·Φ(z) = ½·z·(1 + erf(z/√2)); a′ = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π).

    ``approximate=True`` uses the tanh form ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))). Keras's default is exact.
    """

    name = "gelu"

    def __init__(self, approximate: bool = False):
        if not isinstance(approximate, bool):
            raise TypeError(f"Argument `approximate` must be a bool. Received: approximate={approximate!r}")
        self.approximate = approximate

    def forward(self, z):
        if self.approximate:
            return 0.5 * z * (1 + np.tanh(self._inner(z)))
        return (0.5 * z * (1 + _erf(z / math.sqrt(2)).astype(z.dtype))).astype(z.dtype)

    def backward(self, z, a, grad_a):
        if self.approximate:
            t = np.tanh(self._inner(z))
            d_inner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * z * z)
            return grad_a * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * d_inner)
        cdf = 0.5 * (1 + _erf(z / math.sqrt(2)).astype(z.dtype))
        pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return (grad_a * (cdf + z * pdf)).astype(z.dtype)

    @staticmethod
    def _inner(z):
        return math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)

    def get_config(self):
        return {"approximate": self.approximate}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1/(1+e^(−z)) without overflow: e^(−|z|) never exceeds 1."""
    e = np.exp(-np.abs(z))
    one_plus_e = 1 + e  # made once, used by both branches
    return np.where(z >= 0, 1 / one_plus_e, e / one_plus_e)


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the row maximum so e^z cannot overflow."""
    e = np.exp(z - _max_reduce(z, axis=-1, keepdims=True))
    return e / _add_reduce(e, axis=-1, keepdims=True)


_BY_NAME = {cls.name: cls for cls in (Linear, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, ELU, Softplus, GELU)}

# Module-level instances, so ``glassnet.activations.relu(x)`` works as in Keras.
linear, relu, sigmoid_activation, tanh = Linear(), ReLU(), Sigmoid(), Tanh()
softmax_activation, leaky_relu, elu, softplus, gelu = Softmax(), LeakyReLU(), ELU(), Softplus(), GELU()


def get(identifier: str | Activation | None) -> Activation:
    """Resolve ``None`` (linear), a name, or an :class:`Activation` instance.

    >>> get("relu")
    relu
    >>> get(None)
    linear
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, str):
        raise ValueError(f"Unknown activation. Expected one of {sorted(_BY_NAME)}. "
                         f"Received: activation={identifier!r}")
    raise TypeError("Argument `activation` must be a name, None or a glassnet.activations.Activation "
                    "(a plain function has no derivative glassnet could use). "
                    f"Received: activation={identifier!r}")
