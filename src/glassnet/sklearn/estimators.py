"""GlassNetClassifier and GlassNetRegressor (see :mod:`glassnet.sklearn`), and :func:`explain_pipeline`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .base import _GlassNetEstimator
from .params import check_class_weight, class_weights, combined

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
    warm_start : bool, default=False
        When True, ``fit`` on a fitted estimator starts from its network's weights (a new optimizer; same
        architecture and classes) instead of new ones; ``n_iter_`` and the loss curves add up.
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
        Epochs run, over every fit that trained this network (warm start, partial_fit: one per call).
    loss_curve_, data_loss_curve_, penalty_loss_curve_ : list of float
        Per epoch of those fits: the loss glassnet minimizes (Keras's convention, above), and its data and
        penalty parts; ``loss_curve_[i] == data_loss_curve_[i] + penalty_loss_curve_[i]``.
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
""" + _PARAMETERS_DOC.replace("""    random_state : None""", """\
    class_weight : None, 'balanced' or dict, default=None
        Weights per class, multiplying the sample weights (see :mod:`glassnet.sklearn`); 'balanced' gives
        class k the weight n/(K·n_k). Not 'balanced' with ``partial_fit``.
    random_state : None""") + """    classes_ : ndarray of shape (n_classes,)

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
    >>> round(clf.loss_curve_[-1] - clf.data_loss_curve_[-1] - clf.penalty_loss_curve_[-1], 12)
    0.0
    """

    def __init__(self, hidden_layer_sizes: Any = (25, 15), *, activation: str = "relu", l2: float = 0.0,
                 l1: float = 0.0, convention: str = "keras", optimizer: str = "adam",
                 learning_rate: float = 0.001, epochs: int = 200, batch_size: int = 32,
                 early_stopping: bool = False, validation_fraction: float = 0.1, patience: int = 10,
                 class_weight: Any = None, warm_start: bool = False, random_state: Any = None, verbose: int = 0):
        super().__init__(hidden_layer_sizes, activation=activation, l2=l2, l1=l1, convention=convention,
                         optimizer=optimizer, learning_rate=learning_rate, epochs=epochs, batch_size=batch_size,
                         early_stopping=early_stopping, validation_fraction=validation_fraction,
                         patience=patience, warm_start=warm_start, random_state=random_state, verbose=verbose)
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassNetClassifier:
        """Train on ``X`` (n, features) and labels ``y`` (n,); ``sample_weight`` (n,) ≥ 0."""
        return self._fit_labels(X, y, sample_weight, None, partial=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None) -> GlassNetClassifier:
        """One epoch over ``X`` and ``y``, continuing the network (and its optimizer) of earlier calls or of
        ``fit``. The first call needs ``classes``: every label the stream may hold."""
        return self._fit_labels(X, y, sample_weight, classes, partial=True)

    def _fit_labels(self, X: Any, y: Any, sample_weight: Any, classes: Any, partial: bool) -> GlassNetClassifier:
        seed = self._check_params()
        check_class_weight(self.class_weight, partial)
        continuing = self._continues(partial)
        if continuing and partial:
            seed = self.seed_  # the stream keeps the seed of its first call
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], reset=not continuing)
        check_classification_targets(y)
        known = self._classes(y, classes, partial, continuing)
        codes = np.searchsorted(known, y)
        weights = self._validate_weights(sample_weight, X)
        if not partial and weights is not None and len(np.unique(codes[weights > 0])) < 2:
            raise ValueError("Argument `sample_weight` gives positive weight to samples of only one class; "
                             "a classifier needs at least 2 classes. "
                             "Received: sample_weight > 0 only for label "
                             f"{known.tolist()[codes[weights > 0][0]]!r}")
        weights = combined(weights, class_weights(self.class_weight, known, codes))
        if len(known) == 2:
            n_outputs, activation, loss = 1, "sigmoid", "binary_crossentropy"
        else:
            n_outputs, activation, loss = len(known), "softmax", "sparse_categorical_crossentropy"
        if continuing:
            self._check_same_network(n_outputs, f"{len(known)} classes")
        self._train(seed, X, codes.astype(X.dtype), weights, n_outputs, activation, loss, partial)
        self.classes_ = known
        return self

    def _classes(self, y: np.ndarray, classes: Any, partial: bool, continuing: bool) -> np.ndarray:
        """The sorted labels the network's outputs stand for, checked against ``y`` and earlier calls."""
        if partial:
            if classes is None and not continuing:
                raise ValueError("Argument `classes` must be given on the first call to partial_fit: every label "
                                 "the stream may hold. Received: classes=None")
            known = self.classes_ if classes is None else np.unique(np.asarray(classes))
            if continuing and not np.array_equal(known, self.classes_):
                raise ValueError(f"Argument `classes` must be the classes of the earlier calls "
                                 f"{self.classes_.tolist()!r} (or None). Received: classes={known.tolist()!r}")
        else:
            target_type = type_of_target(y, input_name="y")
            if target_type not in ("binary", "multiclass"):
                raise ValueError("GlassNetClassifier needs binary or multiclass labels `y`. "
                                 f"Received: y of type {target_type!r}")
            known = np.unique(y)
            if continuing and not np.array_equal(known, self.classes_):
                raise ValueError(f"warm_start trains the fitted network further: `y` must hold its classes "
                                 f"{self.classes_.tolist()!r}. Received: y with the classes {known.tolist()!r}")
        if len(known) < 2:
            raise ValueError("GlassNetClassifier needs samples of at least 2 classes, but the data contains "
                             "only one class. "
                             f"Received: {'classes' if partial else 'y'} with the single label {known.tolist()[0]!r}")
        unknown = np.setdiff1d(y, known)
        if len(unknown):
            raise ValueError(f"Argument `y` must hold labels of the classes {known.tolist()!r}. Received: y with "
                             f"the labels {unknown.tolist()[:5]!r}")
        return known

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

    def explain(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> Any:
        """``model_.explain`` (:func:`glassnet.explain.explain`) of ``X`` and labels ``y`` as ``fit`` took them
        (strings too), with the sample and class weights fit would use; ``kwargs`` go to ``model_.explain``."""
        X = self._checked_x(X)
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim != 1:
            raise ValueError(f"Argument `y` must be labels of shape (n,). Received: y with shape {y.shape}")
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(f"Argument `y` must hold labels of the classes {self.classes_.tolist()!r} the "
                             f"classifier was fitted on. Received: y with the labels {unknown.tolist()[:5]!r}")
        codes = np.searchsorted(self.classes_, y)
        weights = combined(self._validate_weights(sample_weight, X), class_weights(self.class_weight,
                                                                                   self.classes_, codes))
        return self._explain(X, codes.astype(self.model_.dtype), weights, kwargs)


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
        return self._fit_values(X, y, sample_weight, partial=False)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> GlassNetRegressor:
        """One epoch over ``X`` and ``y``, continuing the network (and its optimizer) of earlier calls or of
        ``fit``; ``y`` must have the same number of targets."""
        return self._fit_values(X, y, sample_weight, partial=True)

    def _fit_values(self, X: Any, y: Any, sample_weight: Any, partial: bool) -> GlassNetRegressor:
        seed = self._check_params()
        continuing = self._continues(partial)
        if continuing and partial:
            seed = self.seed_
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True,
                             reset=not continuing)
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        if continuing:
            self._check_same_network(targets.shape[1], f"targets with {targets.shape[1]} column(s)")
        sample_weight = self._validate_weights(sample_weight, X)
        self._train(seed, X, targets, sample_weight, targets.shape[1], "linear", "mean_squared_error", partial)
        self.n_outputs_ = targets.shape[1]
        self._target_is_1d = y.ndim == 1
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, (n,) if ``y`` was 1-D at fit, else (n, K)."""
        output = self._network_output(X)
        return output[:, 0] if self._target_is_1d else output

    def explain(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> Any:
        """``model_.explain`` (:func:`glassnet.explain.explain`) of ``X`` and targets ``y`` as ``fit`` took them,
        with the sample weights fit would use; ``kwargs`` go to ``model_.explain``."""
        X = self._checked_x(X)
        y = check_array(y, ensure_2d=False, dtype=[np.float64, np.float32], input_name="y")
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        if targets.ndim != 2 or targets.shape[1] != self.n_outputs_:
            raise ValueError(f"Argument `y` must have the {self.n_outputs_} target column(s) the regressor was "
                             f"fitted on. Received: y with shape {y.shape}")
        return self._explain(X, targets.astype(self.model_.dtype), self._validate_weights(sample_weight, X), kwargs)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, K) trains K linear outputs
        return tags


def explain_pipeline(pipeline: Any, X: Any, y: Any, **kwargs: Any) -> Any:
    """``explain`` of a fitted scikit-learn ``Pipeline`` whose last step is a glassnet estimator, from the
    pipeline's raw input: ``X`` goes through every step but the last (``transform``), then
    ``pipeline[-1].explain(X_transformed, y, **kwargs)``.

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from glassnet.sklearn import GlassNetClassifier, explain_pipeline
    >>> X, y = np.array([[0.0, 10.0], [1.0, 30.0], [2.0, 20.0], [3.0, 40.0]]), ["a", "a", "b", "b"]
    >>> pipeline = make_pipeline(StandardScaler(), GlassNetClassifier((3,), l2=0.01, epochs=5, random_state=0))
    >>> explanation = explain_pipeline(pipeline.fit(X, y), X, y)
    >>> explanation.n_rows, [p.layer for p in explanation.penalties]
    (4, ['hidden_1', 'output'])
    """
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise TypeError("Argument `pipeline` must be a fitted sklearn.pipeline.Pipeline. Received: "
                        f"pipeline={type(pipeline).__name__}")
    final = pipeline.steps[-1][1]
    if not isinstance(final, _GlassNetEstimator):
        raise TypeError("Argument `pipeline` must end in a GlassNetClassifier or GlassNetRegressor. Received: a "
                        f"pipeline ending in {type(final).__name__}")
    check_is_fitted(final)
    transformed = pipeline[:-1].transform(X) if len(pipeline.steps) > 1 else X
    return final.explain(transformed, y, **kwargs)
