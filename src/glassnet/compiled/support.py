"""Which models the compiled epoch computes, read from the model's structure alone — before it is built and
without importing numba, so ``fit`` can decide (and, for ``jit_compile=True``, refuse) before anything changes.

Computed: an optional leading ``Normalization`` (a fixed input transform: applied to the data once, by the
layer's own NumPy code), then ``Dense`` layers whose activation is linear, relu, sigmoid, tanh or softmax, all
weights trainable, no constraints and no activity regularizers; ``L2`` (incl. ``L2.from_lecture`` and
``compile(lam=...)``), ``L1``, ``L1L2`` on any weight, from the layer or from ``compile()``; binary, categorical
and sparse categorical cross-entropy (from probabilities, from logits, or fused with a sigmoid/softmax output),
mean squared error, mean absolute error and Huber; ``SGD`` (momentum, Nesterov), ``Adam``, ``AdamW`` (amsgrad),
``RMSprop`` (momentum, centered), ``Adagrad`` with any clipping, decoupled decay and learning-rate schedule.

>>> from glassnet import Dense, Sequential
>>> model = Sequential([Dense(4, "elu", name="hidden"), Dense(1)])
>>> model.compile("adam", "mse")
>>> refusal(model)
"the activation elu(alpha=1.0) (layer 'hidden')"
"""

from __future__ import annotations

from typing import Any

from .. import activations
from .. import losses as glassnet_losses
from .. import optimizers as glassnet_optimizers
from .. import regularizers as glassnet_regularizers
from ..layers import Dense, Normalization
from ..regularizers.placement import effective_regularizer

#: The classes the engine computes (exact types: a subclass may compute something else).
ACTIVATIONS = (activations.Linear, activations.ReLU, activations.Sigmoid, activations.Tanh, activations.Softmax)
LOSSES = (glassnet_losses.BinaryCrossentropy, glassnet_losses.CategoricalCrossentropy,
          glassnet_losses.SparseCategoricalCrossentropy, glassnet_losses.MeanSquaredError,
          glassnet_losses.MeanAbsoluteError, glassnet_losses.Huber)
OPTIMIZERS = (glassnet_optimizers.SGD, glassnet_optimizers.Adam, glassnet_optimizers.AdamW,
              glassnet_optimizers.RMSprop, glassnet_optimizers.Adagrad)
REGULARIZERS = (glassnet_regularizers.L2, glassnet_regularizers.LectureL2, glassnet_regularizers.L1,
                glassnet_regularizers.L1L2)


class Unsupported(ValueError):
    """The model uses something the compiled engine does not compute; the NumPy path trains it as always."""


def leading_inputs(model: Any) -> int:
    """How many layers at the front are fixed input transforms (``Normalization`` with only non-trainable
    weights): the engine applies them to the data once, with their own code, and trains the layers after them."""
    count = 0
    for layer in model.layers:
        if type(layer) is not Normalization or any(w.trainable for w in layer.weights):
            break
        count += 1
    return count


def _regularizer_refusal(regularizer: Any, where: str) -> str | None:
    if regularizer is None or type(regularizer) in REGULARIZERS:
        return None
    return f"the regularizer {type(regularizer).__name__} on {where}"


def _layer_refusal(layer: Any, plan: Any) -> str | None:
    """Why the engine cannot compute ``layer`` (a layer after the leading input transforms), or None."""
    if type(layer) is not Dense:
        return f"layers of type {type(layer).__name__} (layer {layer.name!r}); only Dense"
    if layer.activity_regularizer is not None:
        return f"activity regularizers (layer {layer.name!r})"
    if type(layer.activation) not in ACTIVATIONS:
        return f"the activation {layer.activation!r} (layer {layer.name!r})"
    if layer.kernel_constraint is not None or (layer.use_bias and layer.bias_constraint is not None):
        return f"constraints (layer {layer.name!r})"
    for weight in layer.weights:  # built: the weights themselves (a caller may have changed them)
        if not weight.trainable or weight.constraint is not None:
            return f"non-trainable or constrained weights ({weight.path})"
        found = _regularizer_refusal(weight.regularizer, weight.path)
        if found:
            return found
    if not layer.weights:  # not built yet: the regularizers it will get, from the layer or from compile()
        for name in layer.weight_names:
            found = _regularizer_refusal(effective_regularizer(layer, name, plan)[0], f"{layer.name}/{name}")
            if found:
                return found
    return None


def refusal(model: Any) -> str | None:
    """What the compiled engine does not compute in the compiled ``model`` — e.g. ``"layers of type Dropout
    (layer 'dropout'); only Dense"`` — or None when it computes all of it. Works before the model is built."""
    layers = model.layers[leading_inputs(model):]
    if not layers:
        return "a model without Dense layers"
    for layer in layers:
        found = _layer_refusal(layer, model.compile_regularization)
        if found:
            return found
    if type(model.loss) not in LOSSES:
        return f"the loss {model.loss!r}"
    if type(model.optimizer) not in OPTIMIZERS:
        return f"the optimizer {type(model.optimizer).__name__}"
    return None


def refuse(what: str) -> Unsupported:
    """The :class:`Unsupported` error for ``what`` (a phrase from :func:`refusal`)."""
    return Unsupported(f"The compiled engine does not compute {what}; the NumPy path trains this model.")
