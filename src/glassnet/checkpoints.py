"""Callbacks that write files (Keras: ``keras.callbacks``): ``ModelCheckpoint`` and ``BackupAndRestore``.

Both write through :mod:`glassnet.saving`, whose writes are atomic, so a crash never leaves a half-written file.

``BackupAndRestore(backup_dir)`` makes a killed run resumable: at the end of every epoch it writes the whole model
(weights, optimizer state, random generators) to a new folder ``epoch-<k>/`` and then atomically replaces
``latest.json``, which names that folder, the epoch and the state of fit's shuffling generator. Killed at any
moment, the directory holds either the previous complete backup or the new one. Started again with the same
command, ``fit`` restores the model and continues with epoch k + 1, drawing the same shuffles and dropout masks as
the uninterrupted run — so the final weights are bitwise equal. The backup is deleted when training completes.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from .callbacks import Callback


def _write_json_atomically(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BackupAndRestore(Callback):
    """Resume a killed ``fit`` from the last completed epoch; see the module docstring.

    Parameters
    ----------
    backup_dir : str or Path
        Folder for the backups (created if missing). Use one folder per training run.
    delete_checkpoint : bool
        Delete the backups once training completes (Keras's default, True).
    """

    def __init__(self, backup_dir: str | os.PathLike, delete_checkpoint: bool = True):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not str(backup_dir):
            raise TypeError(f"Argument `backup_dir` must be a folder path. Received: backup_dir={backup_dir!r}")
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = bool(delete_checkpoint)

    @property
    def pointer(self) -> Path:
        return self.backup_dir / "latest.json"

    def on_train_begin(self, logs=None):
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        if not self.pointer.exists():
            return
        state = json.loads(self.pointer.read_text(encoding="utf-8"))
        restore_into(self.model, self.backup_dir / state["folder"] / "model.glassnet")
        self.model.fit_rng.bit_generator.state = state["fit_rng"]
        self.model.initial_epoch = state["epoch"] + 1

    def on_epoch_end(self, epoch, logs=None):
        folder = f"epoch-{epoch}"
        target = self.backup_dir / folder
        target.mkdir(parents=True, exist_ok=True)
        self.model.save(target / "model.glassnet")
        previous = json.loads(self.pointer.read_text(encoding="utf-8"))["folder"] if self.pointer.exists() else None
        _write_json_atomically(self.pointer, {"folder": folder, "epoch": epoch,
                                              "fit_rng": self.model.fit_rng.bit_generator.state})
        if previous and previous != folder:  # only after the pointer moved on: the old backup is no longer needed
            shutil.rmtree(self.backup_dir / previous, ignore_errors=True)

    def on_train_end(self, logs=None):
        # Reached only when fit returns normally: an exception (a kill, a NonFiniteError) keeps the backup.
        if self.delete_checkpoint:
            shutil.rmtree(self.backup_dir, ignore_errors=True)


def restore_into(model: Any, path: Path) -> None:
    """Put the state saved in ``path`` (weights, optimizer state, random generators) into the running ``model``,
    which must have the same architecture and optimizer (the same training command)."""
    from . import load_model

    saved = load_model(path)
    model.set_weights(saved.get_weights())
    optimizer, saved_optimizer = model.optimizer, saved.optimizer
    if type(optimizer) is not type(saved_optimizer):
        raise ValueError(f"The backup in {path} was made with {type(saved_optimizer).__name__}, this model uses "
                         f"{type(optimizer).__name__}. Received: a different training command")
    optimizer.build(model.state.weights, model.state)
    for slots, saved_slots in zip(optimizer.slots, saved_optimizer.slots):
        for name, value in saved_slots.items():
            slots[name][...] = value
    optimizer.iterations = saved_optimizer.iterations
    model._rng.bit_generator.state = saved._rng.bit_generator.state
    for layer, saved_layer in zip(model.layers, saved.layers):
        if getattr(layer, "_own_rng", None) is not None:
            layer._own_rng.bit_generator.state = saved_layer._own_rng.bit_generator.state


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) at the end of epochs (Keras semantics).

    ``filepath`` may hold format fields from the epoch's logs, e.g. ``'model-{epoch:02d}-{val_loss:.3f}.glassnet'``
    (``epoch`` counts from 1, as in Keras). With ``save_best_only`` a file is written only when ``monitor``
    improved (mode 'auto': 'max' for accuracy/AUC-like names, else 'min').
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 initial_value_threshold: float | None = None):
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)) or not str(filepath):
            raise TypeError(f"Argument `filepath` must be a file path. Received: filepath={filepath!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Argument `mode` must be one of ['auto', 'max', 'min']. Received: mode={mode!r}")
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = bool(save_best_only), bool(save_weights_only)
        if mode == "auto":
            mode = "max" if ("acc" in monitor or "auc" in monitor) else "min"
        self.mode = mode
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            math.inf if mode == "min" else -math.inf)

    def _improved(self, current: float) -> bool:
        return current < self.best if self.mode == "min" else current > self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = Path(self.filepath.format(epoch=epoch + 1, **{k: v for k, v in logs.items() if "/" not in k}))
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint conditioned on `{self.monitor}`, which is not available. "
                              f"Available: {', '.join(logs)}", stacklevel=2)
                return
            if not self._improved(current):
                return
            self.best = current
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {path}")
