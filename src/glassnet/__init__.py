"""glassnet: a NumPy neural-network library with the Keras API that makes regularization see-through.

The lecture's model runs with only the import changed::

    from glassnet import Sequential, Dense, L2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import (
    activations,
    backend,
    callbacks,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
    utils,
)
from .backend import floatx, set_floatx
from .callbacks import (
    BackupAndRestore,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .constraints import MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from .engine.model import Sequential
from .errors import ModelFileError, NonFiniteError, NotCompiledError
from .layers import (
    Activation,
    ActivityRegularization,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    Input,
    Normalization,
)
from .optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .regularizers import L1, L1L2, L2

if TYPE_CHECKING:
    import os

__version__ = "0.1.0"


def load_model(path: str | os.PathLike, *, max_bytes: int | None = None) -> Sequential:
    """Load a model saved with ``model.save(path)``, or a Keras 3 ``.keras`` archive of a Sequential (see
    glassnet.saving.keras_file); never runs code from the file (see glassnet.saving). Files larger than
    ``max_bytes`` (default 2 GiB) are refused before they are read."""
    from .saving import load_model as _load_model

    return _load_model(path) if max_bytes is None else _load_model(path, max_bytes=max_bytes)


__all__ = [
    "Sequential", "Dense", "Dropout", "Activation", "ActivityRegularization", "Input", "Normalization",
    "BatchNormalization", "GaussianNoise", "Flatten",
    "L1", "L2", "L1L2", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax",
    "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm",
    "EarlyStopping", "TerminateOnNaN", "LambdaCallback", "History", "ModelCheckpoint", "BackupAndRestore",
    "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
    "NotCompiledError", "ModelFileError", "NonFiniteError",
    "load_model",
    "floatx", "set_floatx",
    "activations", "backend", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
    "optimizers", "regularizers", "utils",
]
