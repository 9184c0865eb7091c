"""``Sequential`` (Keras: ``keras.Sequential``): a stack of layers — structure, compile, build, forward.

``build`` makes the model's :class:`~glassnet.engine.state.TrainState`, the one owner of a training step's
numbers; the step itself is written out in :mod:`glassnet.engine.step` and the fit/evaluate/predict loops live in
:mod:`glassnet.engine.loops`. docs/architecture.md follows one step through them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .._validation import as_float_array, check_seed, describe
from ..backend import floatx, standardize_dtype
from ..errors import NotCompiledError
from ..layers.base import Layer, Weight, unique_name
from ..layers.core import Input
from ..layers.flatten import flat_input
from ..regularizers.placement import CompileRegularization, install
from . import compile_options, loops, step
from .backward import backward as backward_pass
from .backward import last_logits
from .engines import EngineChoice
from .logs import LossParts, PenaltyTerm
from .state import TrainState
from .summary import summary_text


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
        seed = check_seed("seed", seed)
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
        # Called as observe(state, optimizer) in every training step, after backward, before the update
        # (glassnet.engine.step): the layer study adds up the penalty part of each update this way.
        self.step_observers: list[Callable[[TrainState, Any], None]] = []
        # compile(jit_compile=...): 'auto', True or False; and which engine trained the last fit, and why.
        self.jit_compile: str | bool = "auto"
        self.engine: EngineChoice | None = None
        self._state: TrainState | None = None  # the training step's numbers, made by build()
        self._trainable: list[Weight] | None = None  # cached model.trainable_weights
        self._from_logits: tuple[Any, bool] | None = None  # cached loss_from_logits, keyed by what decides it
        for layer in layers or []:
            self.add(layer)

    # --- structure ---------------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    @property
    def input_shape(self) -> tuple[int | None, ...] | None:
        """``(None, features)`` once known (from an ``Input``, a first layer's ``input_shape=``, build or fit)."""
        return self._input_shape

    @property
    def rng(self) -> np.random.Generator:
        """The model's generator: initial weights and, unless ``fit`` gets its own seed, shuffling and dropout."""
        return self._rng

    def get_rng_state(self) -> dict[str, Any]:
        """The state of every generator training draws from: the model's and each layer's own (a ``Dropout``
        with a seed; None for the others) — what saving and ``BackupAndRestore`` keep so a resumed run draws the
        same numbers."""
        return {"model": self._rng.bit_generator.state,
                "layers": [None if layer.rng is None else layer.rng.bit_generator.state for layer in self._layers]}

    def set_rng_state(self, state: dict[str, Any]) -> None:
        """Put back generator states from :meth:`get_rng_state` (checked first: the same layers with their own
        generators; a state numpy refuses leaves every generator as it was)."""
        layers = state.get("layers") if isinstance(state, dict) else None
        if not isinstance(layers, list) or len(layers) != len(self._layers) or any(
                (layer.rng is None) != (saved is None) for layer, saved in zip(self._layers, layers)):
            raise ValueError("Argument `state` must be what get_rng_state() returns for this model: a state for "
                             "the model and one per layer (None for layers without their own generator). "
                             f"Received: state={describe(state)}")
        generators = [self._rng] + [layer.rng for layer in self._layers if layer.rng is not None]
        states = [state["model"]] + [saved for saved in layers if saved is not None]
        trial = [type(g.bit_generator)() for g in generators]
        try:
            for bit_generator, saved in zip(trial, states):
                bit_generator.state = saved
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"Argument `state` holds a generator state numpy refuses ({exc}). "
                             f"Received: state={describe(state)}") from None
        for generator, saved in zip(generators, states):
            generator.bit_generator.state = saved

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
        if not self._layers and self._input_shape is None and layer.declared_input_shape:
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

    def output_width(self, n_features: int) -> int:
        """K, the width of the output ``(batch, K)`` for inputs ``(batch, n_features)``."""
        shape = self.output_shape_for((None, n_features))
        if shape[-1] is None:  # every glassnet layer knows its width; a custom compute_output_shape may not
            raise ValueError(f"The model {self.name!r} must have an output of known width for {n_features} input "
                             f"features. Received: output shape {shape}")
        return shape[-1]

    # --- Keras's model API: output_shape, metrics_names, pop, get_config / from_config (glassnet.engine.model_config)
    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        """``(None, K)`` once the input shape is known (None before, as :attr:`input_shape`)."""
        return None if self._input_shape is None else self.output_shape_for(self._input_shape)

    @property
    def metrics_names(self) -> list[str]:
        """``['loss', <each compiled metric's name>]``, the order ``evaluate`` returns them in (tf.keras's list;
        Keras 3 says ``['loss', 'compile_metrics']``); ``[]`` before ``compile``."""
        if self.loss is None:
            return []
        return ["loss", *(metrics_module.get(spec, self.loss, None).name for spec in self._metric_specs)]

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer (Keras's). The others keep their weights; the model is built again
        for them when its input shape is known (unless ``rebuild=False``: then at the next build or fit)."""
        if not isinstance(rebuild, bool):
            raise TypeError(f"Argument `rebuild` must be a bool. Received: rebuild={rebuild!r}")
        if not self._layers:
            raise ValueError("There are no layers in the model to pop. Received: a Sequential with 0 layers")
        layer = self._layers.pop()
        self._layer_set.discard(layer)
        self.built, self._trainable, self._state = False, None, None
        if rebuild and self._layers and self._input_shape is not None:
            self.build(self._input_shape)
        return layer

    def get_config(self) -> dict[str, Any]:
        """The architecture as Keras describes a Sequential: ``name``, ``layers`` (``class_name`` and the layer's
        ``get_config()``), ``build_input_shape``, plus glassnet's ``dtype`` and ``seed``. No weights."""
        from .model_config import model_config

        return model_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, type[Layer]] | None = None) -> Sequential:
        """A new, unbuilt-weights model from :meth:`get_config` (glassnet's layer classes, and those named in
        ``custom_objects``), built when the config has a ``build_input_shape``."""
        from .model_config import model_from_config

        return model_from_config(cls, config, custom_objects)

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
        self._state = TrainState(self._layers)
        install(self._layers, self.compile_regularization)

    @property
    def state(self) -> TrainState:
        """The :class:`~glassnet.engine.state.TrainState` of the built model: θ (which every trainable weight is a
        view of), the data/penalty/total gradient buffers, the activity caches and the last step's loss parts.
        Made anew if a layer was rebuilt or re-used elsewhere since."""
        if not self.built:
            raise ValueError(f"The model {self.name!r} has no training state before it is built: call build() or "
                             "fit(). Received: built=False")
        if self._state is None or not self._state.valid_for(self._layers):
            self._state = TrainState(self._layers)
        return self._state

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
        activity = self._state.activity_terms if self._state is not None else []
        return [term.value for term in activity + self.weight_penalties()]

    def weight_penalties(self) -> list[PenaltyTerm]:
        return [PenaltyTerm(layer.name, w.name, w.regularizer, w.regularizer(w.value))
                for layer in self._layers for w in layer.weights if w.trainable and w.regularizer is not None]

    # --- compile, forward, the training step -------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Sequence[Any] | None = None, *,
                regularizer: Any = None, regularize_bias: bool = False, lam: float | None = None,
                n_samples: int | None = None, jit_compile: Any = "auto") -> None:
        """Choose the optimizer (name or object, Keras defaults), the loss and the metrics — and, optionally, one
        regularizer for the whole model (see :mod:`glassnet.regularizers.placement`).

        ``regularizer`` (an object or a name such as ``'l2'``) goes to every Dense kernel without a regularizer of
        its own (biases too with ``regularize_bias=True``); a layer's own regularizer wins. ``lam`` gives an L2
        strength as the lecture's λ in J = (1/m)·ΣL + (λ/2m)·Σw²; m is ``n_samples`` or, if not given, the number
        of rows ``fit`` trains on.

        ``jit_compile`` (Keras's name) picks the training engine (:mod:`glassnet.engine.engines`): ``'auto'`` the
        compiled epoch (``glassnet[fast]``) when it can train the fit, else the NumPy path; ``True`` the compiled
        epoch or, at ``fit``, an error naming what it does not support; ``False`` the NumPy path. Both give the
        same bits; ``model.engine`` says which trained the last fit, and why.
        """
        width = self.output_shape_for(self._input_shape)[-1] if self._input_shape is not None else None
        options = compile_options.resolve(optimizer, loss, metrics, regularizer, regularize_bias, lam, n_samples,
                                          jit_compile, width)  # every argument checked before anything changes
        self.optimizer, self.loss, self._metric_specs = options.optimizer, options.loss, options.metrics
        self.jit_compile = options.jit_compile
        self.set_compile_regularization(options.regularization)

    def set_compile_regularization(self, plan: CompileRegularization) -> None:
        """Install a compile-level regularization plan on every weight (done by compile and, for λ, by fit)."""
        self.compile_regularization = plan
        install(self._layers, plan)
        if self._state is not None:  # weights that lost their penalty must not keep an old penalty gradient
            self._state.penalty.fill(0)

    @property
    def compiled(self) -> bool:
        return self.loss is not None

    @property
    def compiled_loss(self) -> losses_module.Loss:
        """``loss``, for code that needs a compiled model (a :class:`NotCompiledError` before ``compile``)."""
        if self.loss is None:
            raise self._not_compiled("reading `compiled_loss`")
        return self.loss

    @property
    def compiled_optimizer(self) -> optimizers_module.Optimizer:
        """``optimizer``, for code that needs a compiled model (a :class:`NotCompiledError` before ``compile``)."""
        if self.optimizer is None:
            raise self._not_compiled("reading `compiled_optimizer`")
        return self.optimizer

    def _not_compiled(self, use: str) -> NotCompiledError:
        return NotCompiledError(f"You must call `compile()` before {use}. Received: an uncompiled model {self.name!r}")

    def get_compile_config(self) -> dict[str, Any] | None:
        """What ``compile`` was given, resolved (Keras's name): ``optimizer`` and ``loss`` objects, ``metrics`` as
        given (names or callables) and the compile-level ``regularization`` plan; None before ``compile``."""
        if not self.compiled:
            return None
        return {"optimizer": self.optimizer, "loss": self.loss, "metrics": list(self._metric_specs),
                "regularization": self.compile_regularization}

    def require_compiled(self, method: str, needs_strength: bool = True) -> None:
        if not self.compiled:
            raise self._not_compiled(f"`{method}()`")
        if needs_strength and self.compile_regularization.pending:
            raise ValueError(f"`{method}()` needs the training-set size m to turn compile(lam=...) into a penalty "
                             "(λ/2m)·Σw²: fit the model first or pass n_samples=m to compile(). "
                             f"Received: lam={self.compile_regularization.lam}, n_samples=None")

    def make_metrics(self, n_outputs: int | None, y: np.ndarray | None = None) -> list[metrics_module.Metric]:
        """The compiled metrics for an output of width ``n_outputs`` (None: not known yet), each checked against
        the loss's targets (and, for a callable, run once on the first rows of the prepared targets ``y``)."""
        made = [metrics_module.get(spec, self.compiled_loss, n_outputs) for spec in self._metric_specs]
        for metric in made:
            metric.check(self.compiled_loss, n_outputs, y)
        return made

    def metric_names(self, n_features: int) -> list[str]:
        return [m.name for m in self.make_metrics(self.output_width(n_features))]

    def forward(self, x: np.ndarray, training: bool = False, rng: np.random.Generator | None = None, *,
                need_gradients: bool | None = None) -> np.ndarray:
        """Run all layers; record activity penalties of this call and, when gradients will be needed (in training,
        or with ``need_gradients=True``), their gradients."""
        need_gradients = training if need_gradients is None else need_gradients
        state = self.state
        state.activity_terms, state.activity_grads = [], {}
        batch = x.shape[0]
        for index, layer in enumerate(self._layers):
            x = layer.forward(x, training, rng)
            regularizer = layer.activity_regularizer
            if regularizer is not None:
                value = regularizer(x) / x.dtype.type(batch)
                state.activity_terms.append(PenaltyTerm(layer.name, "activity", regularizer, value))
                if need_gradients:
                    state.activity_grads[index] = regularizer.gradient(x) / x.dtype.type(batch)
        return x

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """Predict on one batch, like calling a Keras model eagerly. Builds the model if needed."""
        x = flat_input(self._layers, as_float_array("x", x, self.dtype or np.dtype(floatx())))
        if not self.built:
            self.build((None, *x.shape[1:]))
        return self.forward(x.astype(self.dtype, copy=False), training=training, rng=self._rng)

    @property
    def loss_from_logits(self) -> bool:
        """True when the loss is computed from the last layer's logits: a sigmoid (softmax) output meeting binary
        (categorical or sparse categorical) cross-entropy, as TensorFlow-Keras does (:mod:`glassnet.losses`)."""
        last = self._layers[-1] if self._layers else None
        key = (self.loss, last, getattr(last, "activation", None))
        if self._from_logits is None or self._from_logits[0] != key:  # asked twice per step: remember the answer
            link = getattr(key[2], "link", None)
            self._from_logits = (key, self.loss is not None and self.loss.link is not None and link == self.loss.link)
        return self._from_logits[1]

    def loss_parts(self, output: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> LossParts:
        """Split the loss of the last forward pass (which produced ``output``): the data loss
        (1/B)·Σᵢ sᵢ·ℓᵢ and one term per penalty (that pass's activity penalties, then each weight's)."""
        if self.loss_from_logits:
            sample = self.compiled_loss.sample_losses_from_logits(y, last_logits(self._layers))
        else:
            sample = self.compiled_loss.sample_losses(y, output)
        if sample_weight is not None:
            sample = sample * sample_weight
        data = float(sample.sum()) / output.shape[0]
        activity = self._state.activity_terms if self._state is not None else []  # of the forward just run
        return LossParts(data, activity + self.weight_penalties())

    def backward(self, output: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        """Fill the state's gradient buffers and ``layer.grads`` for the last forward pass (run with
        ``need_gradients``): see :func:`glassnet.engine.backward.backward`."""
        backward_pass(self.state, self.compiled_loss, self.loss_from_logits, output, y, sample_weight)

    def train_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                   rng: np.random.Generator, check_finite: bool = False) -> tuple[LossParts, np.ndarray]:
        """One optimizer step on a checked batch; returns the loss parts (before the update) and the output
        (:func:`glassnet.engine.step.train_step`)."""
        return step.train_step(self, x, y, sample_weight, rng, check_finite)

    # --- the loops (glassnet.engine.loops), saving, explain and the summary -------------------------------------
    fit = loops.fit
    evaluate = loops.evaluate
    predict = loops.predict

    def save(self, path: Any, *, max_bytes: int | None = None) -> None:
        """Write architecture, compile settings, weights and optimizer state to one file: see
        :mod:`glassnet.saving`. The write is atomic: a crash leaves any previous file intact. A file larger than
        ``max_bytes`` (default 2 GiB, what ``load_model`` reads by default) is refused before anything is written.
        A ``.keras`` path writes a Keras 3 archive (:mod:`glassnet.saving.keras_writer`); ``.h5`` is refused."""
        from ..saving import save_model

        save_model(self, path) if max_bytes is None else save_model(self, path, max_bytes=max_bytes)

    def save_weights(self, path: Any, *, max_bytes: int | None = None) -> None:
        """Write only the weights (safetensors), in :meth:`get_weights` order; ``max_bytes`` as in :meth:`save`."""
        from ..saving import save_weights

        save_weights(self, path) if max_bytes is None else save_weights(self, path, max_bytes=max_bytes)

    def load_weights(self, path: Any) -> None:
        """Read weights written by :meth:`save_weights` (shapes checked before anything changes)."""
        from ..saving import load_weights

        load_weights(self, path)

    def explain(self, x: Any, y: Any, **kwargs: Any) -> Any:
        """Split loss, gradients and next update into data and penalty parts: :func:`glassnet.explain.explain`."""
        from ..explain import explain

        return explain(self, x, y, **kwargs)

    def __repr__(self) -> str:
        from ..display.model import model_repr

        return model_repr(self)

    def _repr_html_(self) -> str:
        from ..display.model import model_html

        return model_html(self)

    def summary(self, print_fn: Any = print) -> None:
        """Print layers, output shapes, parameter counts and each layer's regularizers (before build too)."""
        print_fn(summary_text(self))
