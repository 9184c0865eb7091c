"""The layer contract (Keras: ``keras.layers.Layer``), and the two small types every layer shares.

A layer goes ``__init__`` (configuration only) → ``build(input_shape, rng)`` (creates weights) →
``forward(x, training, rng)`` (caches what its backward needs) → ``backward(grad_out)``.

``backward`` takes ∂L/∂output ``(batch, units_out)`` and returns ∂L/∂input plus the gradient of each of its weights,
for whatever loss the incoming gradient came from. The model calls it once for the data loss and, when activity
regularizers exist, once more for their penalties; weight penalties never go through backward, because a weight's
penalty depends on that weight alone. The model files the results in ``layer.grads[name]`` as a :class:`Gradient`
with the data part and the penalty part kept apart — the optimizer is the first to add them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import regularizers
from .._validation import as_float_array
from ..backend import floatx
from ..config import Configurable

_name_counts: defaultdict[str, int] = defaultdict(int)


def unique_name(base: str) -> str:
    """Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, … (per process)."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Weight:
    """A named parameter array with its regularizer and constraint. ``value`` is updated in place.

    ``path`` is ``'<layer name>/<weight name>'``, e.g. ``'dense_1/kernel'``. ``regularizer_source`` says where the
    effective regularizer came from: ``'layer'`` (the layer's own argument), ``'compile'`` (the model's
    ``compile(regularizer=...)``) or ``None``.
    """

    __slots__ = ("name", "path", "value", "regularizer", "constraint", "trainable", "regularizer_source")

    def __init__(self, name: str, path: str, value: np.ndarray, regularizer: Any = None, constraint: Any = None,
                 trainable: bool = True):
        self.name, self.path, self.value = name, path, value
        self.regularizer, self.constraint, self.trainable = regularizer, constraint, trainable
        self.regularizer_source = None if regularizer is None else "layer"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    def numpy(self) -> np.ndarray:
        """A copy of the current value (Keras's ``variable.numpy()``)."""
        return self.value.copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self) -> str:
        return f"<Weight path={self.path} shape={self.shape} dtype={self.dtype.name}>"


@dataclass
class Gradient:
    """∂(training loss)/∂weight in two parts: ``data`` from the data loss, ``penalty`` from the regularizers
    (weight penalty and any activity penalties behind it; ``None`` when nothing penalizes this weight).

    ``total`` = data + penalty is what the optimizer steps with.
    """

    data: np.ndarray
    penalty: np.ndarray | None = None

    @property
    def total(self) -> np.ndarray:
        return self.data if self.penalty is None else self.data + self.penalty

    @property
    def penalty_or_zeros(self) -> np.ndarray:
        return np.zeros_like(self.data) if self.penalty is None else self.penalty


class Layer(Configurable):
    """Base class. Subclasses set ``self.weights`` in ``build`` and implement ``forward``/``backward``."""

    def __init__(self, name: str | None = None, activity_regularizer: Any = None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string or None. Received: name={name!r}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.activity_regularizer = regularizers.get(activity_regularizer, "activity_regularizer")
        self.weights: list[Weight] = []
        self.grads: dict[str, Gradient] = {}
        self.built = False
        # The layer's own generator (a Dropout with a seed), or None: it draws from the model's.
        self.rng: np.random.Generator | None = None
        self.input_shape: tuple[int | None, ...] | None = None
        # ``(None, features)`` given to a first layer's constructor (Dense's ``input_shape=``), or None.
        self.declared_input_shape: tuple[int | None, ...] | None = None
        self.dtype = np.dtype("float32")

    def build(self, input_shape: tuple[int | None, ...], dtype: np.dtype, rng: np.random.Generator) -> None:
        self.input_shape = tuple(input_shape)
        self.dtype = dtype
        self.built = True

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    @property
    def logits(self) -> np.ndarray | None:
        """The pre-activation z of the last forward pass of a layer that ends in an activation (Dense,
        Activation); None for other layers, and before the first forward pass."""
        return None

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True,
                 out: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Return (∂L/∂input or None, {weight name: ∂L/∂weight}) for the last ``forward``.

        ``out`` may give, per weight name, an array to write that gradient into (and return): the model passes
        views of its flat gradient buffer so nothing is allocated per step. A layer may ignore it.
        """
        raise NotImplementedError

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """Run the layer on ``x`` (building it first if needed), like calling a Keras layer eagerly."""
        x = as_float_array("x", x, self.dtype if self.built else np.dtype(floatx()))
        if not self.built:
            self.build((None, *x.shape[1:]), np.dtype(floatx()), np.random.default_rng())
        return self.forward(x.astype(self.dtype, copy=False), training)

    @property
    def trainable_weights(self) -> list[Weight]:
        return [w for w in self.weights if w.trainable]

    def get_weights(self) -> list[np.ndarray]:
        return [w.numpy() for w in self.weights]

    def count_params(self) -> int:
        return sum(int(w.value.size) for w in self.weights)

    def save_caches(self) -> dict[str, Any]:
        """What a forward/backward pass leaves on the layer (its caches), for :meth:`restore_caches`: ``explain``
        runs passes and puts the layers back as they were. A shallow copy: passes rebind, they don't mutate."""
        return dict(vars(self))

    def restore_caches(self, saved: dict[str, Any]) -> None:
        vars(self).clear()
        vars(self).update(saved)

    @property
    def weight_names(self) -> tuple[str, ...]:
        """Names of the weights this layer has — or, before ``build``, will have (``('kernel', 'bias')``)."""
        return tuple(w.name for w in self.weights)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (:mod:`glassnet.config`); subclasses add theirs."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
