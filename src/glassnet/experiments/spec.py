"""ModelSpec: a picklable recipe for the lecture's kind of network, built anew for each λ, seed and worker.

A sweep sends its model recipe to other processes, so the recipe is plain data (names and numbers, no
callables) that builds ``Sequential([Dense, ..., Dense], seed=seed)`` compiled with one L2 strength on every
kernel.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import activations as activations_module
from .. import losses as losses_module
from .. import optimizers as optimizers_module
from .._validation import check_positive_float, check_positive_int
from ..backend import floatx, standardize_dtype
from ..engine.model import Sequential
from ..layers import Dense, Normalization
from ..regularizers import L2
from ..regularizers.conventions import COUPLED, convert, data_loss_scale

_CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A picklable recipe for the lecture's kind of network: Dense layers, one L2 strength on every kernel.

    ``spec(lam, n_samples=m, batch_size=B, seed=s)`` returns ``Sequential([Dense(h, activation) for h in
    hidden] + [Dense(n_outputs, output_activation)], seed=s)`` compiled with ``optimizer(learning_rate)``,
    ``loss``, ``metrics`` and ``regularizer=L2(l2)``, where
    l2 = ``convert(lam, convention, 'keras', n_samples=m, batch_size=B, loss=loss, n_outputs=K)`` — e.g. the
    lecture's λ gives l2 = λ/(2m) with a cross-entropy and λ/m with ``mse`` (the lecture's squared error has a
    ½). ``lam=0`` compiles no regularizer at all.

    Parameters
    ----------
    hidden : tuple of int
        Units of the hidden Dense layers, input side first.
    activation, output_activation : str
        Activation names (glassnet.activations).
    loss, optimizer : str
        Loss and optimizer names; each build gets a fresh optimizer.
    learning_rate : float
        The optimizer's learning rate, > 0.
    convention : str
        How ``lam`` is read: one of 'keras', 'lecture', 'torch', 'sklearn', 'playground', 'kappa'
        (see :mod:`glassnet.regularizers.conventions`).
    metrics : tuple of str
        Compiled metrics. 'accuracy' needs a cross-entropy loss; for regression pass ``()`` (sweeps then
        record the MSE).
    n_outputs : int or None
        Units of the last layer. None: the sweep infers it from ``y`` (:meth:`for_targets`).
    dtype : str or None
        'float32' or 'float64'. None: the sweep fixes it to the caller's :func:`glassnet.floatx`, so workers
        in other processes compute in the same precision.
    standardize : bool
        Put a ``Normalization`` layer first, adapted on each fit's own training rows (Keras's way of
        standardizing features; no statistics leak from a fold's validation rows).

    >>> spec = ModelSpec(hidden=(4,), n_outputs=1)
    >>> model = spec(0.01, seed=0)
    >>> [layer.units for layer in model.layers], model.layers[0].name
    ([4, 1], 'layer_1')
    """

    hidden: tuple[int, ...] = (25, 15)
    activation: str = "relu"
    output_activation: str = "sigmoid"
    loss: str = "binary_crossentropy"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    convention: str = "keras"
    metrics: tuple[str, ...] = ("accuracy",)
    n_outputs: int | None = None
    dtype: str | None = None
    standardize: bool = False

    def __post_init__(self) -> None:
        # Validate (and turn lists into tuples, so the spec stays hashable) before it can travel to workers.
        if not isinstance(self.hidden, (list, tuple)):
            raise TypeError("Argument `hidden` must be a tuple of layer sizes. "
                            f"Received: hidden={self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(check_positive_int("hidden", h) for h in self.hidden))
        for name in ("activation", "output_activation", "loss", "optimizer", "convention"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Argument `{name}` must be a name (str), so the spec stays picklable. "
                                f"Received: {name}={getattr(self, name)!r}")
        activations_module.get(self.activation)
        activations_module.get(self.output_activation)
        losses_module.get(self.loss)
        optimizers_module.get(self.optimizer)
        object.__setattr__(self, "learning_rate", check_positive_float("learning_rate", self.learning_rate))
        if self.convention not in COUPLED:
            raise ValueError(f"Argument `convention` must be one of {list(COUPLED)}. "
                             f"Received: convention={self.convention!r}")
        data_loss_scale(self.convention, self.loss)  # refuses a convention that has no such loss
        if isinstance(self.metrics, str) or not isinstance(self.metrics, (list, tuple)):
            raise TypeError("Argument `metrics` must be a tuple of names. "
                            f"Received: metrics={self.metrics!r}")
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if any(m in ("accuracy", "acc") for m in self.metrics) and self.loss not in _CROSS_ENTROPIES:
            raise ValueError(f"'accuracy' needs a classification loss ({', '.join(_CROSS_ENTROPIES)}); for "
                             f"regression pass metrics=() or ('mae',). Received: loss={self.loss!r}, "
                             f"metrics={self.metrics!r}")
        if self.n_outputs is not None:
            object.__setattr__(self, "n_outputs", check_positive_int("n_outputs", self.n_outputs))
        if self.dtype is not None:
            object.__setattr__(self, "dtype", standardize_dtype(self.dtype).name)
        if not isinstance(self.standardize, bool):
            raise TypeError(f"Argument `standardize` must be a bool. Received: standardize={self.standardize!r}")

    def for_targets(self, y: np.ndarray) -> ModelSpec:
        """This spec with ``n_outputs`` inferred from the targets ``y`` (if unset) and ``dtype`` fixed.

        ``y`` of shape (n, K), K > 1 → K outputs; a sigmoid output → 1; a cross-entropy with class labels →
        max(y) + 1 classes; otherwise (regression on (n,) or (n, 1)) → 1.
        """
        n_outputs = self.n_outputs
        if n_outputs is None:
            if y.ndim == 2 and y.shape[1] > 1:
                n_outputs = int(y.shape[1])
            elif self.output_activation != "sigmoid" and self.loss in _CROSS_ENTROPIES:
                n_outputs = int(np.max(y)) + 1
            else:
                n_outputs = 1
        return dataclasses.replace(self, n_outputs=n_outputs, dtype=self.dtype or floatx())

    def __call__(self, lam: float, n_samples: int | None = None, batch_size: int | None = None, *,
                 seed: int | None = None, x: np.ndarray | None = None) -> Sequential:
        """Build and compile the network for strength ``lam`` (in ``convention``); see the class docstring.

        With ``standardize``, a ``Normalization`` layer comes first, adapted on ``x`` — the rows this model trains
        on, so a fold's validation rows never leak into the statistics (unadapted: mean 0, variance 1)."""
        if self.n_outputs is None and self.output_activation != "sigmoid":
            raise ValueError("ModelSpec needs `n_outputs` for a non-sigmoid output: pass n_outputs= or let "
                             "the sweep infer it from y. Received: n_outputs=None")
        units = [*self.hidden, self.n_outputs or 1]
        layers = [Dense(u, activation=self.activation if i < len(self.hidden) else self.output_activation,
                        name=f"layer_{i + 1}") for i, u in enumerate(units)]
        normalization = Normalization(name="standardize") if self.standardize else None
        model = Sequential(([normalization] if normalization else []) + layers, seed=seed, dtype=self.dtype)
        if normalization is not None and x is not None:
            model.build((None, np.asarray(x).shape[1]))
            normalization.adapt(x)
            # NOTE: Keras divides a column that is constant on the training rows by ε = 1e-7; like scikit-learn's
            # StandardScaler, scale such a column by 1 instead, so a different value in new rows stays moderate.
            normalization.variance.value[normalization.variance.value == 0] = 1.0
        l2 = convert(lam, self.convention, "keras", n_samples=n_samples, batch_size=batch_size, loss=self.loss,
                     n_outputs=self.n_outputs or 1)
        optimizer = type(optimizers_module.get(self.optimizer))(learning_rate=self.learning_rate)
        model.compile(optimizer=optimizer, loss=self.loss, metrics=list(self.metrics),
                      regularizer=L2(l2) if l2 > 0 else None)
        return model
