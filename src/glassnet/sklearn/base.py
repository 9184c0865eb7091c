"""What the classifier and the regressor share: parameters, training (fit, warm start, partial_fit), the loss
curves, prediction and ``explain``. The conventions and formulas are in :mod:`glassnet.sklearn`."""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import numpy as np
from sklearn.base import BaseEstimator

# _check_sample_weight is private, but it is what scikit-learn's estimators use (shape, ≥ 0, not all 0).
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._validation import check_nonnegative_float, check_positive_float, check_positive_int, check_unit_interval
from ..callbacks import EarlyStopping
from ..engine.model import Sequential
from ..layers import Dense
from ..optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from ..regularizers import convert
from ..regularizers.conventions import COUPLED
from ..regularizers.placement import CompileRegularization
from .params import check_bool, check_choice, check_hidden_layer_sizes, resolve_seed, weight_regularizer

# AdamW is left out on purpose: its decoupled weight decay (0.004 by default) would regularize outside `l2`.
OPTIMIZERS: dict[str, type[Optimizer]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad}
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "elu", "softplus", "gelu")
# Rows per forward pass in predict: large enough to be fast, small enough to bound memory.
_PREDICT_BATCH = 4096
#: The curves kept across fits that continue (warm_start, partial_fit): attribute → History key.
CURVES = {"loss_curve_": "loss", "data_loss_curve_": "data_loss", "penalty_loss_curve_": "penalty_loss"}


class _GlassNetEstimator(BaseEstimator):
    """Parameters, fitting and prediction shared by the classifier and the regressor (module docstring)."""

    # Set by fit (declared for the type checker; scikit-learn reads what fit sets, not these annotations).
    model_: Sequential
    history_: dict[str, list[float]]
    n_iter_: int
    seed_: int

    def __init__(self, hidden_layer_sizes: Any = (25, 15), *, activation: str = "relu", l2: float = 0.0,
                 l1: float = 0.0, convention: str = "keras", optimizer: str = "adam",
                 learning_rate: float = 0.001, epochs: int = 200, batch_size: int = 32,
                 early_stopping: bool = False, validation_fraction: float = 0.1, patience: int = 10,
                 warm_start: bool = False, random_state: Any = None, verbose: int = 0):
        # scikit-learn's rule: store the parameters as given; everything is checked in fit.
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.l2 = l2
        self.l1 = l1
        self.convention = convention
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> int:
        """Check every parameter before the data (errors name the parameter); return the seed to use."""
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_choice("activation", self.activation, HIDDEN_ACTIVATIONS)
        check_nonnegative_float("l2", self.l2)
        check_nonnegative_float("l1", self.l1)
        check_choice("convention", self.convention, COUPLED)
        check_choice("optimizer", self.optimizer, tuple(OPTIMIZERS))
        check_positive_float("learning_rate", self.learning_rate)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        early_stopping = check_bool("early_stopping", self.early_stopping)
        check_bool("warm_start", self.warm_start)
        fraction = check_unit_interval("validation_fraction", self.validation_fraction)
        if early_stopping and fraction == 0:
            raise ValueError("Argument `validation_fraction` must be in (0, 1) with early_stopping=True. "
                             f"Received: validation_fraction={self.validation_fraction!r}")
        for name, allowed in (("patience", None), ("verbose", (0, 1, 2))):
            value = getattr(self, name)
            expected = "an integer ≥ 0" if allowed is None else "0, 1 or 2"
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
            if value < 0 or (allowed is not None and value not in allowed):
                raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
        return resolve_seed(self.random_state)

    # --- training ------------------------------------------------------------------------------------------
    def _continues(self, partial: bool) -> bool:
        """Whether this call trains the fitted network further: partial_fit after a fit or partial_fit, or fit
        with ``warm_start=True`` after a fit."""
        return hasattr(self, "model_") and (partial or bool(self.warm_start))

    def _check_same_network(self, n_outputs: int, targets: str) -> None:
        """A network trained further must be the one the parameters describe, with the same outputs."""
        layers = [cast(Dense, layer) for layer in self.model_.layers]  # the estimator builds Dense layers only
        found = (tuple(layer.units for layer in layers[:-1]),
                 layers[0].activation.name if len(layers) > 1 else self.activation, layers[-1].units)
        wanted = (check_hidden_layer_sizes(self.hidden_layer_sizes), self.activation, n_outputs)
        if found != wanted:
            raise ValueError("warm_start and partial_fit train the fitted network further: hidden_layer_sizes="
                             f"{found[0]}, activation={found[1]!r}, {found[2]} output(s). Refit without warm_start "
                             f"to change it. Received: hidden_layer_sizes={wanted[0]}, activation={wanted[1]!r} "
                             f"and {targets}")

    def _train(self, seed: int, X: np.ndarray, targets: np.ndarray, sample_weight: np.ndarray | None,
               n_outputs: int, output_activation: str, loss: str, partial: bool) -> None:
        """Train on validated data: a new network, or the fitted one further (:meth:`_continues`); set
        ``model_``, ``history_``, ``n_iter_``, ``seed_`` and the loss curves. ``X`` is (n, features) float32 or
        float64; ``targets`` (n,) or (n, K) as the loss expects; ``partial``: one epoch, no early stopping."""
        continuing = self._continues(partial)
        n = X.shape[0]
        shuffle_seed = seed
        if continuing:
            X = X.astype(self.model_.dtype, copy=False)
            # A new shuffling stream for each fit that continues, reproducible from the seed and the steps so far.
            steps = self.model_.compiled_optimizer.iterations
            shuffle_seed = int(np.random.SeedSequence([seed, steps]).generate_state(1, np.uint32)[0])
        weight_mean = None if sample_weight is None else float(np.sum(sample_weight)) / n
        if sample_weight is not None:
            sample_weight = sample_weight * (n / np.sum(sample_weight))  # mean 1: only the ratios matter
        n_train, validation_split, callbacks = n, 0.0, []
        if self.early_stopping and not partial:
            n_train = math.floor(n * (1.0 - self.validation_fraction))
            if n_train in (0, n):
                raise ValueError("Argument `validation_fraction` leaves no training or no validation rows "
                                 f"for {n} samples. "
                                 f"Received: validation_fraction={self.validation_fraction!r}")
            # fit's validation_split holds out the LAST rows (Keras), so shuffle first. A stream of its own
            # (spawned from the seed) leaves the initial weights the same with and without early stopping.
            order = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]).permutation(n)
            X, targets = X[order], targets[order]
            sample_weight = None if sample_weight is None else sample_weight[order]
            validation_split = self.validation_fraction
            callbacks = [EarlyStopping(monitor="val_loss", patience=int(self.patience),
                                       restore_best_weights=True)]
        batch_size = min(int(self.batch_size), n_train)
        regularizer = weight_regularizer(float(self.l1), self._keras_l2(loss, n_outputs, n_train, batch_size,
                                                                         weight_mean, partial))
        if continuing and partial:  # the optimizer keeps its state; the penalty follows this call's B
            model = self.model_
            model.set_compile_regularization(CompileRegularization.from_arguments(regularizer, False, None, None))
        else:  # a fit starts a new optimizer, as scikit-learn's MLP does, also with warm_start
            model = self.model_ if continuing else self._network(seed, X.dtype, n_outputs, output_activation)
            # compile(regularizer=) puts the penalty on every kernel, none on the biases.
            model.compile(optimizer=OPTIMIZERS[self.optimizer](learning_rate=float(self.learning_rate)),
                          loss=loss, regularizer=regularizer)
        history = model.fit(X, targets, batch_size=batch_size, epochs=1 if partial else int(self.epochs),
                            verbose=int(self.verbose), callbacks=callbacks, validation_split=validation_split,
                            shuffle=True, sample_weight=sample_weight, seed=shuffle_seed)
        for attribute, key in CURVES.items():
            setattr(self, attribute, (getattr(self, attribute) if continuing else []) + list(history.history[key]))
        self.n_iter_ = (self.n_iter_ if continuing else 0) + len(history.epoch)
        self.model_, self.history_, self.seed_ = model, history.history, seed

    def _network(self, seed: int, dtype: np.dtype, n_outputs: int, output_activation: str) -> Sequential:
        layers = [Dense(units, activation=self.activation, name=f"hidden_{index}")
                  for index, units in enumerate(check_hidden_layer_sizes(self.hidden_layer_sizes), start=1)]
        layers.append(Dense(n_outputs, activation=output_activation, name="output"))
        return Sequential(layers, name=type(self).__name__, dtype=dtype, seed=seed)

    def _keras_l2(self, loss: str, n_outputs: int, n_train: int, batch_size: int,
                  weight_mean: float | None, partial: bool) -> float:
        """``l2`` as Keras's factor for a network trained with ``loss`` (see the module docstring);
        ``weight_mean`` is the mean of the sample weights as given to ``fit`` (None without weights)."""
        if self.convention == "keras":
            # NOTE: used exactly as given; convert() rounds to 15 significant digits, which would make l2=x
            # differ in the last bits from a hand-built L2(x).
            return float(self.l2)
        if partial and self.convention == "lecture":
            raise ValueError("The lecture's λ is divided by m, the training-set size, which partial_fit does not "
                             "know: use fit, or give l2 in another convention. Received: convention='lecture'")
        l2 = convert(self.l2, self.convention, "keras", n_samples=n_train, batch_size=batch_size, loss=loss,
                     n_outputs=n_outputs)
        if self.convention != "sklearn" or weight_mean is None:
            return l2
        # scikit-learn ≥ 1.6 divides its penalty by each batch's *sum of sample weights* w, not its row count.
        # With several batches that sum changes from batch to batch, and no single L2 factor gives
        # scikit-learn's objective.
        if batch_size < n_train:
            raise ValueError("With sample weights, scikit-learn divides the MLP penalty α·ΣW²/2 by each batch's "
                             "sum of sample weights, which differs from batch to batch, so convention='sklearn' "
                             "has no exact Keras factor unless all rows form one batch. Use batch_size ≥ the "
                             "number of training rows, or give l2 in another convention. "
                             f"Received: convention='sklearn', batch_size={self.batch_size}, "
                             f"{n_train} training rows, sample_weight given")
        # One batch: scikit-learn's cost is Σwℓ/Σw_b + α·ΣW²/(2Σw_b). glassnet trains on s = w/mean(w), whose
        # data loss is n/(n_b·Σw)·Σ_b wℓ; matching the two costs up to that factor gives l2 = (α/2B)/mean(w).
        return l2 / weight_mean

    def _validate_weights(self, sample_weight: Any, X: np.ndarray) -> np.ndarray | None:
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)

    # --- using the fitted network -------------------------------------------------------------------------
    def _checked_x(self, X: Any) -> np.ndarray:
        """``X`` after scikit-learn's checks against the fit, in the network's dtype."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X

    def _network_output(self, X: Any) -> np.ndarray:
        """The network's output for ``X``, (n, outputs), after scikit-learn's checks against the fit."""
        X = self._checked_x(X)  # first: it raises NotFittedError before model_ is read
        return self.model_.predict(X, batch_size=_PREDICT_BATCH, verbose=0)

    def _explain(self, X: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, kwargs: dict[str, Any]) -> Any:
        """``model_.explain`` on rows prepared as fit prepares them: X in the network's dtype, the weights
        rescaled to mean 1 over these rows."""
        if weights is not None:
            weights = weights * (len(weights) / np.sum(weights))
        return self.model_.explain(X.astype(self.model_.dtype, copy=False), targets, sample_weight=weights,
                                   **kwargs)
