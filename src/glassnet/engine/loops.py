"""The loops behind ``Sequential.fit``, ``evaluate`` and ``predict`` (Keras semantics, see REGULARIZATION_FACTS).

- Batches of ``batch_size`` rows in order, the last partial batch kept; with ``shuffle`` a new permutation of
  the training rows each epoch.
- ``validation_split=f`` holds out the **last** n − floor(n·(1 − f)) rows, before any shuffling.
- History's numbers (the loss split into data and penalty parts, metrics, kernel norms) are described in
  :mod:`glassnet.engine.logs`; validation logs repeat them with a ``val_`` prefix.
- Every argument is checked before anything changes, so a rejected call leaves the model as it was; a step is
  all or nothing (:mod:`glassnet.engine.guard`).
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import callbacks as callbacks_module
from .._validation import check_positive_int, check_seed, check_unit_interval, describe
from ..errors import NonFiniteError
from . import engines, fit_options, guard, label_warnings, mapped_io
from .compiled_epochs import CompiledEpochs
from .data import CheckedArrays, batches, check_x, check_xy, evaluate_arrays, permutation
from .logs import LossTotals, kernel_norms
from .step import train_step

if TYPE_CHECKING:
    from .model import Sequential


def _check_verbose(verbose: Any) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"Argument `verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def _check_callbacks(callbacks: Any) -> list[callbacks_module.Callback]:
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError("Argument `callbacks` must be a list of glassnet.callbacks.Callback. "
                        f"Received: callbacks={describe(callbacks)}")
    callback_list = list(callbacks or [])
    for callback in callback_list:
        if not isinstance(callback, callbacks_module.Callback):
            raise TypeError(f"Each callback must be a glassnet.callbacks.Callback. Received: {describe(callback)}")
    return callback_list


def _split(model: Sequential, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
           validation_split: float, validation_data: Any) -> tuple[CheckedArrays, CheckedArrays | None]:
    """(training arrays, validation arrays or None): ``validation_data`` checked, or the last rows held out."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("Argument `validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                             f"sample_weight_val). Received: validation_data={describe(validation_data)}")
        x_val, y_val, w_val = validation_data if len(validation_data) == 3 else (*validation_data, None)
        val = check_xy(model, x_val, y_val, w_val,
                       names=("validation_data[0]", "validation_data[1]", "validation_data[2]"))
        return (x, y, sample_weight), val
    if not validation_split:
        return (x, y, sample_weight), None
    split_at = int(math.floor(x.shape[0] * (1.0 - validation_split)))
    if split_at == 0 or split_at == x.shape[0]:
        raise ValueError(f"Argument `validation_split` leaves no training or no validation rows for "
                         f"{x.shape[0]} samples. Received: validation_split={validation_split}")
    w_train, w_val = (None, None) if sample_weight is None else (sample_weight[:split_at], sample_weight[split_at:])
    label_warnings.check_split(model.compiled_loss, y[:split_at], y[split_at:])
    return (x[:split_at], y[:split_at], w_train), (x[split_at:], y[split_at:], w_val)


def fit(model: Sequential, x: Any = None, y: Any = None, batch_size: int = 32, epochs: int = 1,
        verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
        validation_data: Any = None, shuffle: bool = True, sample_weight: Any = None,
        seed: int | None = None, on_nonfinite: str = "raise", *, class_weight: Any = None, initial_epoch: int = 0,
        validation_batch_size: int | None = None, validation_freq: Any = 1) -> callbacks_module.History:
    """Train for ``epochs`` passes over ``x``/``y``; returns a :class:`~glassnet.callbacks.History`.

    Keras's ``class_weight`` ({class: weight}, turned into sample weights of the training rows),
    ``initial_epoch`` (the first epoch's index: epochs before it count as done), ``validation_freq`` (validate
    after every k-th epoch, or after the listed epochs, counted from 1) and ``validation_batch_size`` (default
    ``batch_size``) are checked with the rest (:mod:`glassnet.engine.fit_options`).

    ``seed`` (a glassnet addition) fixes shuffling and dropout masks, and — if the model is not built yet and has
    no seed of its own — its initial weights: the same seeds give bitwise-identical training.

    ``on_nonfinite`` (glassnet): when NaN/inf first appears in the loss, a gradient, a weight or an optimizer
    slot, training stops with the weights and optimizer state from before that step, and a
    :class:`~glassnet.errors.NonFiniteError` naming the epoch, batch, layer and weight is raised (``'raise'``)
    or given as a warning (``'warn'``). ``'ignore'`` is Keras's behaviour: no checks, NaN flows on to the
    callbacks (e.g. ``TerminateOnNaN``). With any setting, a step stopped by an exception or Ctrl-C is undone.

    A memory-mapped ``x`` (``np.load(path, mmap_mode=...)``) is read with bounded resident memory, and always
    as mapped: a copy-on-write mapping's edits included, whatever the file's name points to now; a file
    truncated since it was mapped is refused (:mod:`glassnet.engine.mapped_io`).
    """
    model.require_compiled("fit", needs_strength=False)
    if not model.layers:
        raise ValueError("Cannot fit an empty Sequential: add layers first. Received: 0 layers")
    batch_size = check_positive_int("batch_size", batch_size)
    epochs = check_positive_int("epochs", epochs)
    verbose = _check_verbose(verbose)
    validation_split = check_unit_interval("validation_split", validation_split)
    if on_nonfinite not in guard.ON_NONFINITE:
        raise ValueError(f"Argument `on_nonfinite` must be one of {list(guard.ON_NONFINITE)}. "
                         f"Received: on_nonfinite={on_nonfinite!r}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"Argument `shuffle` must be a bool. Received: shuffle={shuffle!r}")
    seed = check_seed("seed", seed)
    class_weight = fit_options.check_class_weight(class_weight, sample_weight)
    initial_epoch = fit_options.check_initial_epoch(initial_epoch)
    validation_freq = fit_options.check_validation_freq(validation_freq)
    validation_batch_size = batch_size if validation_batch_size is None else check_positive_int(
        "validation_batch_size", validation_batch_size)
    callback_list = _check_callbacks(callbacks)
    x, y, sample_weight = check_xy(model, x, y, sample_weight)
    (x, y, sample_weight), val = _split(model, x, y, sample_weight, validation_split, validation_data)
    if class_weight is not None:  # Keras: the training rows only, after the validation split
        sample_weight = fit_options.class_sample_weights(y, class_weight, x.dtype)
    n_outputs = model.output_width(x.shape[1])
    label_warnings.check_labels(model.compiled_loss, y, n_outputs)
    # Metrics are checked against the targets now: a metric that cannot be computed must fail before any update.
    metrics = model.make_metrics(n_outputs, y)
    engine = engines.choose(model, x, callback_list, metrics)  # jit_compile=True refuses here, before any change

    # Everything is valid: from here on the model may change.
    if model.compile_regularization.lam is not None:  # the lecture's λ: m is the number of training rows
        model.set_compile_regularization(model.compile_regularization.with_training_size(x.shape[0], model.loss))
    rng = np.random.default_rng(seed) if seed is not None else model.rng
    model.last_fit = {"n_samples": int(x.shape[0]), "batch_size": batch_size}  # m and B, for explanations
    # Shuffling/dropout generator and first epoch, exposed so BackupAndRestore can resume a killed run exactly.
    model.fit_rng, model.initial_epoch = rng, initial_epoch
    if not model.built:  # the model's own seed decides its initial weights; fit's seed only if it has none
        model.build((None, x.shape[1]), rng=model.rng if model.seed is not None else rng)
    history = callbacks_module.History()
    all_callbacks = callback_list + [history]
    if verbose:
        all_callbacks.append(callbacks_module.ProgbarLogger(verbose))
    hooks = callbacks_module.CallbackList(all_callbacks, model, {
        "epochs": epochs, "steps": math.ceil(x.shape[0] / batch_size), "verbose": verbose,
        "do_validation": val is not None})
    model.stop_training = False
    # Like Keras, every hook gets a logs dict, so callbacks written as lambda epoch, logs: ... work. A callback may
    # refuse here (BackupAndRestore with a damaged backup) before the optimizer has changed.
    hooks.on_train_begin({})
    state = model.state
    optimizer = model.compiled_optimizer
    optimizer.ensure_built(state)  # its slots exist before the first step: backed up too
    backup = guard.StepBackup(state, optimizer)
    model.engine = engine
    if verbose:
        engines.announce(engine, sys.stdout)
    # NaN/inf are reported precisely by NonFiniteError; NumPy's own overflow warnings would only pre-empt it.
    # A memory-mapped x: bounded resident memory, always the mapped data (glassnet.engine.mapped_io).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), mapped_io.RowGatherer(x) as gather:
        compiled = CompiledEpochs(model, (x, y, sample_weight), val, batch_size, hooks) if engine.compiled else None
        logs = _epochs(model, hooks, metrics, backup, (x, y, sample_weight), val, rng, epochs, batch_size,
                       shuffle, on_nonfinite, gather, (validation_freq, validation_batch_size), compiled)
    hooks.on_train_end(logs)
    return history


def _epochs(model: Sequential, hooks: Any, metrics: list, backup: guard.StepBackup,
            train: CheckedArrays, val: CheckedArrays | None, rng: np.random.Generator,
            epochs: int, batch_size: int, shuffle: bool, on_nonfinite: str,
            gather: mapped_io.RowGatherer, validation: tuple[Any, int | None] = (1, None),
            compiled: CompiledEpochs | None = None) -> dict[str, float]:
    """The epoch loop of :func:`fit`; returns the last epoch's logs. ``validation`` is (validation_freq,
    validation_batch_size or None for ``batch_size``). With ``compiled``, the compiled engine
    trains each epoch's batches (:mod:`glassnet.engine.compiled_epochs`): whole epochs at once, or the steps the
    loop below runs, which it leaves to the NumPy step when it refuses one.

    A step is all or nothing: whatever stops it — NaN/inf found by the checks, a refused learning rate, Ctrl-C,
    an error in a layer — puts back the weights, the optimizer's slots and its step count from before it.
    """
    x, y, sample_weight = train
    n = x.shape[0]
    logs: dict[str, float] = {}
    batch_hooks = hooks.uses_batch_hooks()  # building per-batch logs for nobody costs ~5% of a small step
    checking = on_nonfinite != "ignore"
    for epoch in range(model.initial_epoch, epochs):
        hooks.on_epoch_begin(epoch, {})
        for metric in metrics:
            metric.reset()
        totals = LossTotals()
        order = permutation(rng, n) if shuffle else None
        done = compiled.train(epoch, order, totals, metrics) if compiled is not None else 0
        for step, rows in enumerate(batches(n, batch_size, order, done), done):
            if batch_hooks:
                hooks.on_train_batch_begin(step, {})
            xb, yb = gather.take(rows), y[rows]
            wb = None if sample_weight is None else sample_weight[rows]
            backup.save()  # an interrupt in here leaves the model as it was: the step has not started
            try:
                stepped = compiled.step(xb, yb, wb) if compiled is not None else None  # None: the NumPy step
                parts, output = stepped or train_step(model, xb, yb, wb, rng, check_finite=checking)
                if checking:
                    backup.check_updated()
            except NonFiniteError as error:
                backup.restore()
                located = error.located(epoch, step)
                if on_nonfinite == "raise":
                    raise located from None
                warnings.warn(str(located), RuntimeWarning, stacklevel=2)
                model.stop_training = True
                break
            except BaseException:  # noqa: B036 - Ctrl-C mid-step too: no weight or slot one step ahead
                backup.restore()
                raise
            totals.add(parts, xb.shape[0])
            for metric in metrics:
                metric.update(yb, output)
            if batch_hooks:
                hooks.on_train_batch_end(step, {"loss": totals.running_loss(),
                                                **{m.name: m.result() for m in metrics}})
            if model.stop_training:
                break
        if not totals.seen:  # stopped by NaN/inf in the epoch's first batch: nothing to log
            break
        logs = {**totals.logs(), **{m.name: m.result() for m in metrics}, **kernel_norms(model.weights)}
        if val is not None and fit_options.should_validate(epoch, validation[0]):
            val_batch = validation[1] or batch_size
            val_logs = compiled.validate(evaluate_arrays, val_batch) if compiled is not None else \
                evaluate_arrays(model, *val, val_batch)
            logs.update({f"val_{key}": value for key, value in val_logs.items()})
        hooks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return logs


def evaluate(model: Sequential, x: Any = None, y: Any = None, batch_size: int = 32, verbose: Any = 0,
             sample_weight: Any = None, return_dict: bool = False) -> Any:
    """Loss (data + every penalty, batch-size weighted as in fit) and metrics on ``x``/``y``.

    Returns the loss alone when there are no metrics, else ``[loss, *metrics]``; a dict with ``return_dict``.
    """
    model.require_compiled("evaluate")
    batch_size = check_positive_int("batch_size", batch_size)
    verbose = _check_verbose(verbose)
    x, y, sample_weight = check_xy(model, x, y, sample_weight)
    model.make_metrics(model.output_width(x.shape[1]), y)  # checked before the model is built
    if not model.built:
        model.build((None, x.shape[1]))
    started = time.perf_counter()
    parts = evaluate_arrays(model, x, y, sample_weight, batch_size)
    # Keras's evaluate reports the loss and the metrics; the split is in History and in model.explain().
    logs = {"loss": parts["loss"], **{m: parts[m] for m in model.metric_names(x.shape[1])}}
    if verbose:  # Keras's line; the printed loss is also shown split into its data and penalty parts
        callbacks_module.print_evaluation(math.ceil(x.shape[0] / batch_size), time.perf_counter() - started,
                                          {"loss": parts["loss"], "data_loss": parts["data_loss"],
                                           "penalty_loss": parts["penalty_loss"], **logs}, verbose)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model: Sequential, x: Any, batch_size: int = 32, verbose: Any = 0) -> np.ndarray:
    """Outputs for ``x`` in batches of ``batch_size`` (inference mode: dropout off)."""
    batch_size = check_positive_int("batch_size", batch_size)
    _check_verbose(verbose)
    x = check_x(model, x)
    if not model.built:
        model.build((None, x.shape[1]))
    out = np.empty((x.shape[0], *model.output_shape_for((None, x.shape[1]))[1:]), dtype=model.dtype)
    releaser = mapped_io.PageReleaser(x)  # streams: only the batch being predicted needs to be resident
    for rows in batches(x.shape[0], batch_size, None):
        out[rows] = model.forward(x[rows], training=False)
        releaser.touched(out[rows].shape[0] * x.strides[0])
    releaser.release()
    return out
