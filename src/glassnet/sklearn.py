"""scikit-learn estimators that train a glassnet ``Sequential``: GlassNetClassifier and GlassNetRegressor.

They work wherever scikit-learn estimators do (``Pipeline``, ``GridSearchCV``, ``validation_curve``,
``clone``) and pass ``sklearn.utils.estimator_checks``. After ``fit`` the network itself is ``model_``, so
every glassnet view of the regularization stays one attribute away: ``model_.summary()``,
``model_.explain(X, y)``, and ``history_`` with ``data_loss``, ``penalty_loss``, ``penalty/<layer>/<weight>``
and ``norm/<layer>/kernel`` per epoch.

The network: ``Dense(units, activation)`` for each entry of ``hidden_layer_sizes`` (named ``hidden_1``,
``hidden_2``, ...), then an ``output`` layer. What one mini-batch of B rows minimizes:

    J_B = (1/B)·Σᵢ sᵢ·ℓᵢ  +  l1·Σ|W|  +  l2_keras·ΣW²      (Σ over every kernel W; biases are not penalized)

ℓᵢ is binary cross-entropy (one sigmoid unit, two classes), sparse categorical cross-entropy (softmax, three
or more classes) or the squared error averaged over the K outputs (regressor, linear output). sᵢ is
``sample_weight`` rescaled to mean 1 over the n rows given to ``fit`` (sᵢ = wᵢ·n/Σw; 1 without weights), so
only the ratios between weights matter, as in scikit-learn's MLP, whose loss is Σwᵢ·ℓᵢ/Σw. ``l2_keras`` is
``l2`` read in the convention ``convention`` (:func:`glassnet.regularizers.convert`, for the estimator's loss; m = the
rows trained on, after the early-stopping hold-out, as ``compile(lam=)`` counts them; B = the batch size; K = the
number of outputs). The lecture, scikit-learn's ``MLPRegressor`` and the TF Playground write the squared error with
a ½, glassnet's ``mse`` has none, so the regressor's factors differ:

==============  ========================================  ===================  ======================
convention      what ``l2`` is                            classifier l2_keras  regressor l2_keras
==============  ========================================  ===================  ======================
``keras``       Keras's factor, penalty l2·ΣW²            l2 (used as given)   l2 (used as given)
``lecture``     λ in (λ/2m)·ΣW²                           λ/(2m)               λ/m
``torch``       PyTorch's coupled weight_decay            wd/2                 wd/2
``sklearn``     MLP's α in α·ΣW²/(2B)                     α/(2B)               α/(K·B)
``playground``  TensorFlow Playground's L2 rate           refused (no log      rate
                                                          loss there)
``kappa``       κ, the coefficient of W in ∂J/∂W         κ/2                  κ/2
==============  ========================================  ===================  ======================

With ``sample_weight`` and convention 'sklearn', scikit-learn (≥ 1.6) divides the penalty by the batch's sum of
weights: exact here when all rows form one batch (l2_keras is then divided by the mean weight), refused otherwise.

``l1`` is always Keras's factor (penalty l1·Σ|W|): the conventions are defined for L2 only.

Integer sample weights equal repeated rows only when all rows form one batch (``batch_size`` ≥ n): with
smaller batches, n and the batches themselves differ between the two fits.

float32 or float64: the network computes in the dtype of the validated ``X``. float32 input trains a float32
network (glassnet's default); anything else (float64, integers, lists, pandas) is converted to float64 and
trains a float64 network, as scikit-learn's MLP does. Predictions come in the network's dtype.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target

# _check_sample_weight is private, but it is what scikit-learn's estimators use (shape, ≥ 0, not all 0).
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._validation import check_nonnegative_float, check_positive_float, check_positive_int, check_unit_interval
from .callbacks import EarlyStopping
from .engine.model import Sequential
from .layers import Dense
from .optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop
from .regularizers import L1, L1L2, L2, Regularizer, convert
from .regularizers.conventions import COUPLED

# AdamW is left out on purpose: its decoupled weight decay (0.004 by default) would regularize outside `l2`.
_OPTIMIZERS: dict[str, type[Optimizer]] = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop,
                                           "adagrad": Adagrad}
_HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "elu", "softplus", "gelu")
# Rows per forward pass in predict: large enough to be fast, small enough to bound memory.
_PREDICT_BATCH = 4096


def _check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
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


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"Argument `{name}` must be one of {list(allowed)}. Received: {name}={value!r}")
    return value


def _resolve_seed(random_state: Any) -> int:
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


def _weight_regularizer(l1: float, l2: float) -> Regularizer | None:
    """The simplest glassnet regularizer for the two Keras factors (None when both are 0)."""
    if l1 and l2:
        return L1L2(l1=l1, l2=l2)
    if l1:
        return L1(l1)
    return L2(l2) if l2 else None


class _GlassNetEstimator(BaseEstimator):
    """Parameters, fitting and prediction shared by the classifier and the regressor (module docstring)."""

    def __init__(self, hidden_layer_sizes: Any = (25, 15), *, activation: str = "relu", l2: float = 0.0,
                 l1: float = 0.0, convention: str = "keras", optimizer: str = "adam",
                 learning_rate: float = 0.001, epochs: int = 200, batch_size: int = 32,
                 early_stopping: bool = False, validation_fraction: float = 0.1, patience: int = 10,
                 random_state: Any = None, verbose: int = 0):
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
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> int:
        """Check every parameter before the data (errors name the parameter); return the seed to use."""
        _check_hidden_layer_sizes(self.hidden_layer_sizes)
        _check_choice("activation", self.activation, _HIDDEN_ACTIVATIONS)
        check_nonnegative_float("l2", self.l2)
        check_nonnegative_float("l1", self.l1)
        _check_choice("convention", self.convention, COUPLED)
        _check_choice("optimizer", self.optimizer, tuple(_OPTIMIZERS))
        check_positive_float("learning_rate", self.learning_rate)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise TypeError("Argument `early_stopping` must be a bool. "
                            f"Received: early_stopping={self.early_stopping!r}")
        fraction = check_unit_interval("validation_fraction", self.validation_fraction)
        if self.early_stopping and fraction == 0:
            raise ValueError("Argument `validation_fraction` must be in (0, 1) with early_stopping=True. "
                             f"Received: validation_fraction={self.validation_fraction!r}")
        for name, allowed in (("patience", None), ("verbose", (0, 1, 2))):
            value = getattr(self, name)
            expected = "an integer ≥ 0" if allowed is None else "0, 1 or 2"
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
            if value < 0 or (allowed is not None and value not in allowed):
                raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
        return _resolve_seed(self.random_state)

    def _fit_network(self, seed: int, X: np.ndarray, targets: np.ndarray, sample_weight: np.ndarray | None,
                     n_outputs: int, output_activation: str, loss: str) -> None:
        """Build, compile and fit the network on validated data; set ``model_``, ``history_``, ``n_iter_`` and
        ``seed_``. ``X`` is (n, features) float32/float64; ``targets`` (n,) or (n, K) as the loss expects."""
        n = X.shape[0]
        weight_mean = None if sample_weight is None else float(np.sum(sample_weight)) / n
        if sample_weight is not None:
            sample_weight = sample_weight * (n / np.sum(sample_weight))  # mean 1: only the ratios matter
        n_train, validation_split, callbacks = n, 0.0, []
        if self.early_stopping:
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
        l2 = self._keras_l2(loss, n_outputs, n_train, batch_size, weight_mean)
        layers = [Dense(units, activation=self.activation, name=f"hidden_{index}")
                  for index, units in enumerate(_check_hidden_layer_sizes(self.hidden_layer_sizes), start=1)]
        layers.append(Dense(n_outputs, activation=output_activation, name="output"))
        model = Sequential(layers, name=type(self).__name__, dtype=X.dtype, seed=seed)
        # compile(regularizer=) puts the penalty on every kernel, none on the biases.
        model.compile(optimizer=_OPTIMIZERS[self.optimizer](learning_rate=float(self.learning_rate)),
                      loss=loss, regularizer=_weight_regularizer(float(self.l1), l2))
        history = model.fit(X, targets, batch_size=batch_size, epochs=int(self.epochs),
                            verbose=int(self.verbose), callbacks=callbacks, validation_split=validation_split,
                            shuffle=True, sample_weight=sample_weight, seed=seed)
        self.model_ = model
        self.history_ = history.history
        self.n_iter_ = len(history.epoch)
        self.seed_ = seed

    def _keras_l2(self, loss: str, n_outputs: int, n_train: int, batch_size: int,
                  weight_mean: float | None) -> float:
        """``l2`` as Keras's factor for a network trained with ``loss`` (see the module docstring);
        ``weight_mean`` is the mean of the sample weights as given to ``fit`` (None without weights)."""
        if self.convention == "keras":
            # NOTE: used exactly as given; convert() rounds to 15 significant digits, which would make l2=x
            # differ in the last bits from a hand-built L2(x).
            return float(self.l2)
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

    def _network_output(self, X: Any) -> np.ndarray:
        """The network's output for ``X``, (n, outputs), after scikit-learn's checks against the fit."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.model_.predict(X, batch_size=_PREDICT_BATCH, verbose=0)


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(25, 15)
        Units of each hidden ``Dense`` layer; ``()`` fits a model with no hidden layer.
    activation : str, default='relu'
        Activation of the hidden layers: 'relu', 'tanh', 'sigmoid', 'linear', 'leaky_relu', 'elu', 'softplus'
        or 'gelu'.
    l2 : float, default=0.0
        L2 strength on every kernel, read in the convention ``convention`` (see :mod:`glassnet.sklearn`).
    l1 : float, default=0.0
        L1 strength on every kernel, always Keras's factor: the penalty is l1·Σ|W|, whatever ``convention``.
    convention : str, default='keras'
        How to read ``l2``: 'keras', 'lecture', 'torch', 'sklearn', 'playground' or 'kappa'. m is the
        number of rows trained on (after the early-stopping hold-out), B the batch size.
    optimizer : str, default='adam'
        'adam', 'sgd', 'rmsprop' or 'adagrad', with Keras's defaults apart from ``learning_rate``.
    learning_rate : float, default=0.001
    epochs : int, default=200
        Passes over the training rows (fewer with early stopping).
    batch_size : int, default=32
        Rows per mini-batch, capped at the number of training rows.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (after shuffling them with ``random_state``), stop once
        the validation loss (data loss + penalties) has not improved for ``patience`` epochs, and keep the
        weights of the best epoch (``glassnet.EarlyStopping(restore_best_weights=True)``).
    validation_fraction : float, default=0.1
    patience : int, default=10
    random_state : None, int or numpy.random.RandomState, default=None
        An int is passed to ``Sequential(seed=)`` and ``fit(seed=)``: the same int gives bitwise-identical
        training. None draws a fresh seed each fit (kept in ``seed_``, so that run can be repeated).
    verbose : int, default=0
        glassnet's progress output: 0 silent, 1 progress bar, 2 one line per epoch.

    Attributes
    ----------
    model_ : glassnet.Sequential
        The trained network: ``model_.summary()``, ``model_.explain(X, y)``, ``model_.get_weights()``.
    history_ : dict of str to list of float
        ``History.history`` of the fit: ``loss``, ``data_loss``, ``penalty_loss``,
        ``penalty/<layer>/kernel``, ``norm/<layer>/kernel`` per epoch, and ``val_*`` with early stopping.
    n_iter_ : int
        Epochs run.
    seed_ : int
        The seed the network and the shuffling used.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names (e.g. a pandas DataFrame).
"""


class GlassNetClassifier(ClassifierMixin, _GlassNetEstimator):
    __doc__ = """A glassnet network as a scikit-learn classifier, for any labels (strings too).

    Two classes: one sigmoid output and binary cross-entropy; three or more: a softmax output and sparse
    categorical cross-entropy on the label codes 0..K−1 (``classes_`` in sorted order).
""" + _PARAMETERS_DOC + """    classes_ : ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.sklearn import GlassNetClassifier
    >>> X = np.array([[0.0], [0.2], [0.8], [1.0]])
    >>> clf = GlassNetClassifier(hidden_layer_sizes=(4,), l2=0.01, learning_rate=0.1, epochs=50,
    ...                          random_state=0)
    >>> clf.fit(X, ["no", "no", "yes", "yes"]).predict([[0.1], [0.9]]).tolist()
    ['no', 'yes']
    >>> clf.predict_proba([[0.9]]).shape
    (1, 2)
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassNetClassifier:
        """Train on ``X`` (n, features) and labels ``y`` (n,); ``sample_weight`` (n,) ≥ 0."""
        seed = self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError("GlassNetClassifier needs binary or multiclass labels `y`. "
                             f"Received: y of type {target_type!r}")
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError("GlassNetClassifier needs samples of at least 2 classes, but the data contains "
                             "only one class. "
                             f"Received: y with the single label {encoder.classes_.tolist()[0]!r}")
        codes = encoder.transform(y)
        sample_weight = self._validate_weights(sample_weight, X)
        if sample_weight is not None and len(np.unique(codes[sample_weight > 0])) < 2:
            raise ValueError("Argument `sample_weight` gives positive weight to samples of only one class; "
                             "a classifier needs at least 2 classes. "
                             "Received: sample_weight > 0 only for label "
                             f"{encoder.classes_.tolist()[codes[sample_weight > 0][0]]!r}")
        if len(encoder.classes_) == 2:
            n_outputs, activation, loss = 1, "sigmoid", "binary_crossentropy"
        else:
            n_outputs, activation, loss = len(encoder.classes_), "softmax", "sparse_categorical_crossentropy"
        self._fit_network(seed, X, codes.astype(X.dtype), sample_weight, n_outputs, activation, loss)
        self.classes_ = encoder.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n, n_classes), columns in the order of ``classes_``; two columns for binary
        problems: [1 − p, p] with p the sigmoid output."""
        output = self._network_output(X)
        if len(self.classes_) == 2:
            return np.hstack([1 - output, output])
        return output

    def predict(self, X: Any) -> np.ndarray:
        """The most probable label per row, (n,): ``classes_[argmax(predict_proba(X))]``."""
        probabilities = self.predict_proba(X)  # checks that the estimator is fitted before classes_ is read
        return self.classes_[np.argmax(probabilities, axis=1)]


class GlassNetRegressor(RegressorMixin, _GlassNetEstimator):
    __doc__ = """A glassnet network as a scikit-learn regressor: linear outputs and the mean squared error.

    ``y`` may be (n,) or (n, K); ``predict`` returns the same shape: (n,) for 1-D ``y``, (n, K) otherwise.
""" + _PARAMETERS_DOC + """    n_outputs_ : int
        K, the number of targets.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.sklearn import GlassNetRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> reg = GlassNetRegressor(hidden_layer_sizes=(), learning_rate=0.1, epochs=100, random_state=0)
    >>> round(reg.fit(X, 3 * X[:, 0]).score(X, 3 * X[:, 0]), 2)
    1.0
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassNetRegressor:
        """Train on ``X`` (n, features) and targets ``y`` (n,) or (n, K); ``sample_weight`` (n,) ≥ 0."""
        seed = self._check_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True,
                             y_numeric=True)
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        sample_weight = self._validate_weights(sample_weight, X)
        self._fit_network(seed, X, targets, sample_weight, n_outputs=targets.shape[1],
                          output_activation="linear", loss="mean_squared_error")
        self.n_outputs_ = targets.shape[1]
        self._target_is_1d = y.ndim == 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, (n,) if ``y`` was 1-D at fit, else (n, K)."""
        output = self._network_output(X)
        return output[:, 0] if self._target_is_1d else output

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, K) trains K linear outputs
        return tags
