"""scikit-learn estimators that train a glassnet ``Sequential``: GlassNetClassifier and GlassNetRegressor.

They work wherever scikit-learn estimators do (``Pipeline``, ``GridSearchCV``, ``validation_curve``,
``clone``) and pass ``sklearn.utils.estimator_checks``. After ``fit`` the network itself is ``model_``, so
every glassnet view of the regularization stays one attribute away: ``model_.summary()``, ``history_`` with
``data_loss``, ``penalty_loss``, ``penalty/<layer>/<weight>`` and ``norm/<layer>/kernel`` per epoch, and
``loss_curve_`` (scikit-learn's MLP name) with ``data_loss_curve_`` and ``penalty_loss_curve_``: one value per
epoch of every fit that trained this network, the total being the data part plus the penalty part.
``explain(X, y)`` takes what ``fit`` took (string labels, sample weights) and returns ``model_.explain`` of the
rows as fit trains on them; :func:`explain_pipeline` does the same for a fitted ``Pipeline`` ending in one of
these estimators, from the pipeline's raw input.

Training further, as scikit-learn's MLP does: with ``warm_start=True`` a second ``fit`` starts from the fitted
network's weights (a new optimizer; the architecture and, for the classifier, the classes must be the same);
``partial_fit(X, y)`` runs one epoch over the rows given, continuing the optimizer's state (the classifier's
first call needs ``classes=``, every label the stream may hold). ``n_iter_`` and the curves add up over such
calls. ``partial_fit`` has no early stopping, and refuses ``convention='lecture'`` (it does not know m) and
``class_weight='balanced'`` (it does not see the class counts).

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

``class_weight`` (classifier; ``None``, ``'balanced'`` or ``{label: weight}``, as in scikit-learn's
``SGDClassifier``: ``MLPClassifier`` has none) multiplies each row's sample weight by its class's weight
before the rescaling to mean 1: 'balanced' gives class k the weight n/(K·n_k). Only ratios matter here too, so
``{0: 1, 1: 3}`` and ``{0: 2, 1: 6}`` train the same network.

Integer sample weights equal repeated rows only when all rows form one batch (``batch_size`` ≥ n): with
smaller batches, n and the batches themselves differ between the two fits.

float32 or float64: the network computes in the dtype of the validated ``X``. float32 input trains a float32
network (glassnet's default); anything else (float64, integers, lists, pandas) is converted to float64 and
trains a float64 network, as scikit-learn's MLP does. Predictions come in the network's dtype.
"""

from __future__ import annotations

from .estimators import GlassNetClassifier, GlassNetRegressor, explain_pipeline

__all__ = ["GlassNetClassifier", "GlassNetRegressor", "explain_pipeline"]
