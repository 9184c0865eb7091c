"""``Sequential`` (Keras: ``keras.Sequential``): a stack of layers, and one training step written out.

One step on a batch of B rows (see docs/architecture.md):

1. forward: each layer's output feeds the next; layers cache what their backward needs.
2. loss parts: data loss L_data = (1/B)·Σᵢ sᵢ·ℓᵢ, plus one penalty term per regularized weight
   (e.g. 0.01·ΣW² for ``L2(0.01)``, recomputed from the current weights) and per activity regularizer
   (penalty(output)/B). Training loss = L_data + Σ penalties — what Keras reports.
3. backward: the data gradient flows from the loss down through every layer; each weight's penalty gradient is
   computed from that weight alone; activity penalties flow down in a second pass. Each weight gets a
   :class:`~glassnet.layers.Gradient` with ``.data`` and ``.penalty`` in ``layer.grads[name]``.
4. the optimizer sums the parts, clips, decays, updates and applies constraints.

The fit/evaluate/predict loops live in :mod:`glassnet.training`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from . import nonfinite, training
from ._validation import as_float_array, describe
from .backend import floatx, standardize_dtype
from .errors import NotCompiledError
from .layers.base import Layer, Weight, unique_name
from .backward import backward as backward_pass
from .layers.core import Input
from .loss_parts import LossParts, PenaltyTerm
from .parameters import FlatParameters
from .regularization import CompileRegularization, install
from .regularization import describe as describe_regularization


class Sequential:
    """A linear stack of layers with Keras's API.

    ``dtype`` (default: :func:`glassnet.backend.floatx`, float32) and ``seed`` (for weight initialization and,
    unless ``fit`` gets its own, shuffling and dropout) are glassnet additions; with the same seed, training is
    bitwise reproducible.

    >>> from glassnet import Sequential, Dense, L2
    >>> model = Sequential([Dense(3, activation="relu", kernel_regularizer=L2(0.01)), Dense(1)], seed=0)
    >>> model.build((None, 4))
    >>> [w.shape for w in model.get_weights()]
    [(4, 3), (3,), (3, 1), (1,)]
    """

    def __init__(self, layers: Sequence[Any] | None = None, name: str | None = None, *, dtype: Any = None,
                 seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"Argument `seed` must be an int or None. Received: seed={seed!r}")
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"Argument `layers` must be a list of layers. Received: layers={describe(layers)}")
        self.name = name or unique_name("sequential")
        self.dtype = None if dtype is None else standardize_dtype(dtype)
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self._layers: list[Layer] = []
        self._layer_set: set[Layer] = set()  # the same layers, so add() finds a repeat in O(1), not O(depth)
        self._input_shape: tuple[int | None, ...] | None = None
        self.built = False
        self.optimizer: optimizers_module.Optimizer | None = None
        self.loss: losses_module.Loss | None = None
        self._metric_specs: list[Any] = []
        self.compile_regularization = CompileRegularization()
        self.last_fit: dict[str, int] | None = None  # rows and batch size of the last fit (m and B)
        self.fit_rng: np.random.Generator | None = None  # the generator of the current/last fit
        self.initial_epoch = 0  # where fit starts; BackupAndRestore moves it past restored epochs
        self.stop_training = False
        self._activity_terms: list[PenaltyTerm] = []
        self._activity_grads: dict[int, np.ndarray] = {}
        self._params: FlatParameters | None = None  # θ and gradient buffers, made by build()
        self._trainable: list[Weight] | None = None  # cached model.trainable_weights
        for layer in layers or []:
            self.add(layer)

    # --- structure ---------------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def add(self, layer: Layer | Input) -> None:
        """Append a layer (or, first, an :class:`Input` that fixes the input shape and builds the model)."""
        if isinstance(layer, Input):
            if self._layers or self._input_shape is not None:
                raise ValueError("An Input can only be the first item of a Sequential. "
                                 f"Received: layer={layer!r} after {len(self._layers)} layer(s)")
            self._input_shape = (None, *layer.shape)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Only glassnet layers can be added to a Sequential. Received: layer={describe(layer)}")
        if layer in self._layer_set:  # layers hash and compare by identity
            raise ValueError(f"Layer {layer.name!r} is already in this model. Received: layer={layer!r}")
        before = (self._input_shape, self.built)
        if not self._layers and self._input_shape is None and getattr(layer, "declared_input_shape", None):
            self._input_shape = layer.declared_input_shape
        self._layers.append(layer)
        self._layer_set.add(layer)
        self.built, self._trainable = False, None
        if self._input_shape is not None:
            try:
                self.build(self._input_shape)
            except (ValueError, TypeError):
                # All or nothing: a layer that cannot be built is not added.
                self._layer_set.discard(self._layers.pop())
                self._input_shape, self.built = before
                raise

    def output_shape_for(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def build(self, input_shape: Sequence[int | None] | None = None, rng: np.random.Generator | None = None) -> None:
        """Create every layer's weights for inputs of ``input_shape`` = ``(batch or None, features)``."""
        shape = self._input_shape if input_shape is None else tuple(input_shape)
        if shape is None:
            raise ValueError("The model has no input shape yet: pass `input_shape=(None, features)` to build(), "
                             "start with Input(shape=(features,)), or call fit(). Received: input_shape=None")
        if len(shape) != 2 or not isinstance(shape[-1], (int, np.integer)) or shape[-1] <= 0:
            raise ValueError("Argument `input_shape` must be (batch or None, features) with features ≥ 1. "
                             f"Received: input_shape={shape}")
        if not self._layers:
            raise ValueError("Cannot build an empty Sequential: add layers first. Received: 0 layers")
        dtype = self.dtype or np.dtype(floatx())
        rng = rng or self._rng
        shape = (None, int(shape[-1]))
        self._input_shape = shape
        for layer in self._layers:  # checked first: a refused build changes no layer
            if layer.built and layer.dtype != dtype:
                raise ValueError(f"Layer {layer.name!r} is already built in {layer.dtype.name} (e.g. by "
                                 f"Normalization.adapt, which builds in floatx()), but the model computes in "
                                 f"{dtype.name}: adapt it after adding it to the model, or make the model's dtype "
                                 f"{layer.dtype.name}. Received: dtype={dtype.name}")
        for layer in self._layers:
            if not layer.built:
                layer.build(shape, dtype, rng)
            shape = layer.compute_output_shape(shape)
        self.dtype = dtype
        self.built, self._trainable = True, None
        self._params = FlatParameters(self.trainable_weights)
        install(self._layers, self.compile_regularization)

    @property
    def weights(self) -> list[Weight]:
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[Weight]:
        if self._trainable is None:  # cached: read on every training step
            self._trainable = [w for layer in self._layers for w in layer.trainable_weights]
        return list(self._trainable)

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self._layers)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights in Keras order: ``[kernel_0 (in, units), bias_0 (units,), kernel_1, ...]``."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Replace all weights (same order and shapes as :meth:`get_weights`); checked fully before any change."""
        own = self.weights
        expected = f"a list of {len(own)} arrays with shapes {[w.shape for w in own]}"
        if not isinstance(weights, (list, tuple)):
            raise ValueError(f"Argument `weights` must be {expected}. Received: weights={describe(weights)}")
        if len(weights) != len(own):
            received = [getattr(np.asarray(w), "shape", None) for w in weights]
            raise ValueError(f"Argument `weights` must be {expected}. "
                             f"Received: {len(weights)} arrays with shapes {received}")
        arrays = []
        for index, (target, value) in enumerate(zip(own, weights)):
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"Argument `weights[{index}]` ({target.path}) must be a numeric array. "
                                f"Received: weights[{index}] with dtype {array.dtype}")
            if array.shape != target.shape:
                raise ValueError(f"Argument `weights[{index}]` ({target.path}) must have shape {target.shape}. "
                                 f"Received: weights[{index}] with shape {array.shape}")
            arrays.append(array)
        for target, array in zip(own, arrays):
            target.value[...] = array

    @property
    def losses(self) -> list[float]:
        """Current penalty values, as Keras's ``model.losses``: the activity penalties of the last call (÷ batch
        size), then one value per regularized weight, recomputed from the current weights."""
        return [term.value for term in self._activity_terms + self.weight_penalties()]

    def weight_penalties(self) -> list[PenaltyTerm]:
        return [PenaltyTerm(layer.name, w.name, w.regularizer, w.regularizer(w.value))
                for layer in self._layers for w in layer.weights if w.trainable and w.regularizer is not None]

    # --- compile, forward, the training step -------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Sequence[Any] | None = None, *,
                regularizer: Any = None, regularize_bias: bool = False, lam: float | None = None,
                n_samples: int | None = None) -> None:
        """Choose the optimizer (name or object, Keras defaults), the loss and the metrics — and, optionally, one
        regularizer for the whole model (see :mod:`glassnet.regularization`).

        ``regularizer`` (an object or a name such as ``'l2'``) goes to every Dense kernel without a regularizer of
        its own (biases too with ``regularize_bias=True``); a layer's own regularizer wins. ``lam`` gives an L2
        strength as the lecture's λ in J = (1/m)·ΣL + (λ/2m)·Σw²; m is ``n_samples`` or, if not given, the number
        of rows ``fit`` trains on.
        """
        optimizer_obj = optimizers_module.get(optimizer)
        plan = CompileRegularization.from_arguments(regularizer, regularize_bias, lam, n_samples)
        if loss is None:
            raise ValueError("Argument `loss` is required: a name such as 'binary_crossentropy' or a "
                             "glassnet.losses.Loss. Received: loss=None")
        loss_obj = losses_module.get(loss)
        if plan.lam is not None and plan.n_samples is not None:
            plan = plan.with_training_size(plan.n_samples, loss_obj)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(f"Argument `metrics` must be a list. Received: metrics={metrics!r}")
        width = self.output_shape_for(self._input_shape)[-1] if self._input_shape is not None else None
        for spec in metrics or []:  # resolve and check now, so a bad metric fails here, not in fit
            metrics_module.get(spec, loss_obj, width).check(loss_obj, width)
        self.optimizer, self.loss, self._metric_specs = optimizer_obj, loss_obj, list(metrics or [])
        self.set_compile_regularization(plan)

    def set_compile_regularization(self, plan: CompileRegularization) -> None:
        """Install a compile-level regularization plan on every weight (done by compile and, for λ, by fit)."""
        self.compile_regularization = plan
        install(self._layers, plan)
        if self._params is not None:  # weights that lost their penalty must not keep an old penalty gradient
            self._params.penalty.fill(0)

    @property
    def compiled(self) -> bool:
        return self.loss is not None

    def require_compiled(self, method: str, needs_strength: bool = True) -> None:
        if not self.compiled:
            raise NotCompiledError(f"You must call `compile()` before `{method}()`. Received: an uncompiled model "
                                   f"{self.name!r}")
        if needs_strength and self.compile_regularization.pending:
            raise ValueError(f"`{method}()` needs the training-set size m to turn compile(lam=...) into a penalty "
                             "(λ/2m)·Σw²: fit the model first or pass n_samples=m to compile(). "
                             f"Received: lam={self.compile_regularization.lam}, n_samples=None")

    def make_metrics(self, n_outputs: int, y: np.ndarray | None = None) -> list[metrics_module.Metric]:
        """The compiled metrics for an output of width ``n_outputs``, each checked against the loss's targets
        (and, for a callable, run once on the first rows of the prepared targets ``y``)."""
        made = [metrics_module.get(spec, self.loss, n_outputs) for spec in self._metric_specs]
        for metric in made:
            metric.check(self.loss, n_outputs, y)
        return made

    def metric_names(self, n_features: int) -> list[str]:
        return [m.name for m in self.make_metrics(self.output_shape_for((None, n_features))[-1])]

    def forward(self, x: np.ndarray, training: bool = False, rng: np.random.Generator | None = None, *,
                need_gradients: bool | None = None) -> np.ndarray:
        """Run all layers; record activity penalties of this call and, when gradients will be needed (in training,
        or with ``need_gradients=True``), their gradients."""
        need_gradients = training if need_gradients is None else need_gradients
        self._activity_terms, self._activity_grads = [], {}
        batch = x.shape[0]
        for index, layer in enumerate(self._layers):
            x = layer.forward(x, training, rng)
            regularizer = layer.activity_regularizer
            if regularizer is not None:
                value = regularizer(x) / x.dtype.type(batch)
                self._activity_terms.append(PenaltyTerm(layer.name, "activity", regularizer, value))
                if need_gradients:
                    self._activity_grads[index] = regularizer.gradient(x) / x.dtype.type(batch)
        return x

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """Predict on one batch, like calling a Keras model eagerly. Builds the model if needed."""
        x = as_float_array("x", x, self.dtype or np.dtype(floatx()))
        if not self.built:
            self.build((None, *x.shape[1:]))
        return self.forward(x.astype(self.dtype, copy=False), training=training, rng=self._rng)

    def _fused_logits(self) -> bool:
        """True when the loss is computed from the last layer's logits (sigmoid/softmax + cross-entropy)."""
        key = (self.loss, self._layers[-1], getattr(self._layers[-1], "activation", None))
        if getattr(self, "_fused_key", None) != key:  # asked twice per step: remember the answer
            activation = key[2]
            self._fused_key = key
            self._fused = self.loss.link is not None and getattr(activation, "link", None) == self.loss.link
        return self._fused

    def loss_parts(self, output: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> LossParts:
        """Split the loss of the last forward pass (which produced ``output``)."""
        if self._fused_logits():
            sample = self.loss.sample_losses_from_logits(y, self._layers[-1].logits)
        else:
            sample = self.loss.sample_losses(y, output)
        if sample_weight is not None:
            sample = sample * sample_weight
        data = float(sample.sum()) / output.shape[0]
        return LossParts(data, self._activity_terms + self.weight_penalties())

    def flat_parameters(self) -> FlatParameters:
        """θ and the gradient buffers (:mod:`glassnet.parameters`), rebuilt if the weights are no longer its
        views (e.g. a layer rebuilt elsewhere)."""
        weights = self.trainable_weights
        if self._params is None or not self._params.valid_for(weights):
            self._params = FlatParameters(weights)
        return self._params

    def backward(self, output: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        """Fill ``layer.grads`` for the last training forward pass: see :func:`glassnet.backward.backward`."""
        backward_pass(self, output, y, sample_weight)

    def train_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                   rng: np.random.Generator, check_finite: bool = False) -> tuple[LossParts, np.ndarray]:
        """One optimizer step on a batch; returns the loss parts (before the update) and the output.

        With ``check_finite``, NaN/inf in the loss or a gradient raises :class:`~glassnet.errors.NonFiniteError`
        before any weight changes (see :mod:`glassnet.nonfinite`).
        """
        output = self.forward(x, training=True, rng=rng)
        parts = self.loss_parts(output, y, sample_weight)
        if check_finite:
            nonfinite.check_loss(self, parts, x)
        self.backward(output, y, sample_weight)
        if check_finite:
            nonfinite.check_gradients(self)
        params = self._params
        # The flat step reads params.total; the Gradient list is there for optimizers that step weight by weight.
        self.optimizer.apply(params.gradient_list, params.weights, flat=params)
        return parts, output

    # --- the loops (glassnet.training) and the summary --------------------------------------------------------
    fit = training.fit
    evaluate = training.evaluate
    predict = training.predict

    def save(self, path: Any, *, max_bytes: int | None = None) -> None:
        """Write architecture, compile settings, weights and optimizer state to one file: see
        :mod:`glassnet.saving`. The write is atomic: a crash leaves any previous file intact. A file larger than
        ``max_bytes`` (default 2 GiB, what ``load_model`` reads by default) is refused before anything is written."""
        from .saving import save_model

        save_model(self, path) if max_bytes is None else save_model(self, path, max_bytes=max_bytes)

    def save_weights(self, path: Any, *, max_bytes: int | None = None) -> None:
        """Write only the weights (safetensors), in :meth:`get_weights` order; ``max_bytes`` as in :meth:`save`."""
        from .saving import save_weights

        save_weights(self, path) if max_bytes is None else save_weights(self, path, max_bytes=max_bytes)

    def load_weights(self, path: Any) -> None:
        """Read weights written by :meth:`save_weights` (shapes checked before anything changes)."""
        from .saving import load_weights

        load_weights(self, path)

    def explain(self, x: Any, y: Any, **kwargs: Any) -> Any:
        """Split loss, gradients and next update into data and penalty parts: :func:`glassnet.explain.explain`."""
        from .explain import explain

        return explain(self, x, y, **kwargs)

    def summary(self, print_fn: Any = print) -> None:
        """Print layers, output shapes, parameter counts and each layer's regularizers."""
        rows = [("Layer (type)", "Output Shape", "Param #", "Regularization")]
        shape = self._input_shape
        for layer in self._layers:
            shape = layer.compute_output_shape(shape) if shape is not None else None
            params = str(layer.count_params()) if layer.built else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", str(shape) if shape else "?", params,
                         describe_regularization(layer, self.compile_regularization) or "-"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        text = [f'Model: "{self.name}"', line]
        text += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows[:1]] + [line]
        text += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows[1:]] + [line]
        text.append(f"Total params: {self.count_params()}")
        plan = self.compile_regularization
        if plan.regularizer is not None or plan.pending:
            strength = repr(plan.regularizer) if plan.regularizer is not None else \
                f"L2 with the lecture's λ = {plan.lam} (m is taken from the data at fit)"
            biases = "kernels and biases" if plan.regularize_bias else "kernels"
            text.append(f"compile() regularizer: {strength}, on {biases} without a regularizer of their own")
        print_fn("\n".join(text))
