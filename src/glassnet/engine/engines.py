"""Which engine trains a fit — the compiled epoch (:mod:`glassnet.compiled`, numba) or the NumPy path
(:mod:`glassnet.engine.step`) — and where that is said.

``compile(jit_compile=...)`` (Keras's name) decides:

- ``False``: the NumPy path, always;
- ``True``: the compiled engine, or an :class:`~glassnet.compiled.support.Unsupported` error (a ValueError) raised
  by ``fit`` before anything changes, naming what stands in the way;
- ``'auto'`` (the default): the compiled engine when numba is installed, its self-check passes in this process
  and the model is one it computes (:mod:`glassnet.compiled.support`); else the NumPy path.

The compiled engine trains whole epochs in one call (:class:`glassnet.engine.compiled_epochs.CompiledEpochs`), or
one step at a time when something needs Python inside an epoch: step observers (``model.step_observers``),
callbacks acting on every batch (glassnet's progress bar excepted: it is drawn between runs of batches), a metric
of your own (called batch by batch, as on the NumPy path), a memory-mapped ``x`` with ``jit_compile=True`` (read in
batches of bounded memory; ``'auto'`` leaves it to the NumPy path, whose memory bound numba's ~140 MB of compiler
libraries would spoil). Both engines give the same bits (docs/compiled.md), so the
choice changes speed only. ``model.engine`` says which engine trained the last fit and why; ``summary()`` and the
first line of ``fit(verbose=1 or 2)`` say it too.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import callbacks as callbacks_module
from .. import metrics as metrics_module
from ..compiled.support import Unsupported, refusal
from . import mapped_io

JIT_COMPILE = ("auto", True, False)
#: The built-in per-row metrics: their values for all rows of an epoch at once equal those of each batch.
ROW_METRICS = (metrics_module.binary_accuracy, metrics_module.categorical_accuracy,
               metrics_module.sparse_categorical_accuracy, metrics_module.mean_squared_error,
               metrics_module.mean_absolute_error)

#: glassnet's metric objects: their updates only read each batch's targets and outputs, so the compiled epoch
#: gives them its batches after a run (:func:`glassnet.engine.compiled_epochs.add_batches`), in fit's order.
METRIC_OBJECTS = (metrics_module.AUC, metrics_module.Precision, metrics_module.Recall,
                  metrics_module.RootMeanSquaredError, metrics_module.TopKCategoricalAccuracy)


class CompiledEngineWarning(UserWarning):
    """``jit_compile='auto'`` found the compiled engine unusable in this process (the message says why)."""


def check_jit_compile(value: Any) -> str | bool:
    """``compile``'s ``jit_compile``: 'auto', True or False."""
    if isinstance(value, bool) or value == "auto":
        return value
    raise ValueError(f"Argument `jit_compile` must be 'auto', True or False. Received: jit_compile={value!r}")


@dataclass(frozen=True)
class EngineChoice:
    """Which engine trains (``engine``: ``'compiled'`` or ``'numpy'``) and why (``reason``)."""

    engine: str
    reason: str

    @property
    def compiled(self) -> bool:
        return self.engine == "compiled"

    def __str__(self) -> str:
        return f"{'compiled engine (glassnet.compiled)' if self.compiled else 'NumPy path'} — {self.reason}"


def _acts_per_batch(callback: Any) -> bool:
    """Whether ``callback`` does something per batch (an override of a batch hook, or a function set on it);
    glassnet's progress bar only draws, which the compiled epoch does between its runs of batches."""
    if isinstance(callback, callbacks_module.ProgbarLogger):
        return False
    base = callbacks_module.Callback
    return any(getattr(getattr(callback, hook), "__func__", None) is not getattr(base, hook)
               for hook in ("on_train_batch_begin", "on_train_batch_end"))


def one_step_at_a_time(model: Any, x: np.ndarray, callbacks: list[Any], metrics: list[Any]) -> str | None:
    """Why the compiled engine must train ``model`` one step at a time (Python runs between its steps), or None
    when it can train whole epochs in one call."""
    if model.step_observers:
        return f"step observers are attached (model.step_observers: {len(model.step_observers)})"
    for callback in callbacks:
        if _acts_per_batch(callback):
            return f"the callback {type(callback).__name__} acts on every batch"
    for metric in metrics:
        if metric.fn not in ROW_METRICS and type(metric) not in METRIC_OBJECTS:
            return f"the metric {metric.name!r} is a function of your own, called batch by batch"
    if mapped_io.mapped_file(x) is not None:
        return "x is memory-mapped (read in batches of bounded memory)"
    return None


#: Why ``'auto'`` leaves a memory-mapped x to the NumPy path.
MAPPED = ("x is memory-mapped: the NumPy path reads it in batches of bounded memory, without the compiled engine's "
          "~140 MB of compiler libraries")


@functools.cache
def _warn_once(reason: str) -> None:
    warnings.warn(f"The compiled engine is not used (jit_compile='auto'): {reason}. Training takes the NumPy path.",
                  CompiledEngineWarning, stacklevel=4)


def unavailable() -> str | None:
    """Why the compiled engine cannot run in this process — numba missing, or its self-check failed — or None.
    The first call loads numba and runs the self-check (:func:`glassnet.compiled.self_check`)."""
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed (pip install 'glassnet[fast]')"
    from ..compiled.selfcheck import self_check

    status = self_check()
    return None if status.ok else f"its self-check failed: {status.reason}"


def _why_not(model: Any) -> tuple[str | None, bool]:
    """(why the compiled engine cannot train ``model``, or None; whether to warn: a failed self-check is news, a
    core install without numba is not)."""
    found = refusal(model)
    if found is not None:
        return f"the compiled engine does not compute {found}", False
    reason = unavailable()
    return reason, reason is not None and not reason.startswith("numba is not installed")


def choose(model: Any, x: np.ndarray, callbacks: list[Any], metrics: list[Any]) -> EngineChoice:
    """The engine for a fit of ``model`` on ``x`` with the user's ``callbacks`` and the compiled ``metrics``; for
    ``jit_compile=True`` an :class:`Unsupported` error when the compiled engine cannot train it."""
    setting = model.jit_compile
    if setting is False:
        return EngineChoice("numpy", "jit_compile=False")
    if setting == "auto" and mapped_io.mapped_file(x) is not None:  # before numba is loaded: it costs memory
        return EngineChoice("numpy", f"jit_compile='auto', and {MAPPED}; jit_compile=True trains it on the compiled "
                                     "engine, one step at a time")
    why, process = _why_not(model)
    if why is None:
        steps = one_step_at_a_time(model, x, callbacks, metrics)
        return EngineChoice("compiled", f"jit_compile={setting!r}" + (f"; one step at a time: {steps}" if steps
                                                                       else ""))
    if setting is True:
        raise Unsupported(f"compile(jit_compile=True) asks for the compiled engine, but {why}. Compile with "
                          "jit_compile='auto' to train on the NumPy path instead. Received: jit_compile=True")
    if process:
        _warn_once(why)
    return EngineChoice("numpy", f"jit_compile='auto', and {why}")


def predicted(model: Any) -> str:
    """What ``summary()`` says about the engine: the last fit's, or what a fit would choose (without loading
    numba or running the self-check)."""
    if model.engine is not None:
        return f"{model.engine} (last fit)"
    if model.jit_compile is False:
        return "NumPy path — jit_compile=False"
    found = refusal(model) if model.compiled else "an uncompiled model"
    if found is not None:
        return f"NumPy path — the compiled engine does not compute {found}"
    if importlib.util.find_spec("numba") is None:
        return "NumPy path — numba is not installed (pip install 'glassnet[fast]')"
    return f"compiled engine at fit (jit_compile={model.jit_compile!r}, after its self-check)"


def announce(choice: EngineChoice, stream: Any) -> None:
    """The first line of ``fit(verbose=1 or 2)``."""
    stream.write(f"Training engine: {choice}\n")


__all__ = ["JIT_COMPILE", "ROW_METRICS", "CompiledEngineWarning", "EngineChoice", "Unsupported", "announce",
           "check_jit_compile", "choose", "one_step_at_a_time", "predicted", "unavailable"]
