"""Callbacks that write files (Keras: ``keras.callbacks``): ``ModelCheckpoint`` and ``BackupAndRestore``.

Both write through :mod:`glassnet.saving`, whose writes are atomic, so a crash never leaves a half-written file,
and both check at the start of training what could otherwise fail only after the first epoch.

``BackupAndRestore(backup_dir)`` makes a killed run resumable. At the end of every epoch — after every other
callback has seen it (``runs_last``) — it writes the whole state of the run to a new folder ``epoch-<k>/``: the
model (weights, optimizer state, random generators) and the other callbacks' states (ModelCheckpoint's best value,
EarlyStopping's wait count, best value and best weights). Then it atomically replaces ``latest.json``, which
names that epoch and holds the state of fit's shuffling generator, and removes the previous folder. Killed at
any moment, the folder holds the previous complete backup or the new one. Started again with the same command,
``fit`` checks the whole backup, restores it and continues with epoch k + 1, drawing the same shuffles and
dropout masks — so the weights, the files ModelCheckpoint writes and where EarlyStopping stops are those of the
uninterrupted run. A backup that is damaged, foreign or of another model is refused with a
:class:`~glassnet.errors.ModelFileError` naming the file, before anything changes. When training completes, the
files BackupAndRestore wrote are deleted, and the folder if nothing else is in it. The folder's names and its
lock: :mod:`glassnet.backup_folder`; the backup's content: :mod:`glassnet.backup_state`.
"""

from __future__ import annotations

import contextlib
import math
import os
import string
import warnings
from pathlib import Path
from typing import Any

from ..saving import backup_folder, backup_state
from ..saving.api import check_savable
from ..saving.backup_folder import locked
from .base import Callback


class BackupAndRestore(Callback):
    """Resume a killed ``fit`` from the last completed epoch, callbacks' states included; see the module docstring.

    Parameters
    ----------
    backup_dir : str or Path
        Folder for the backups (created if missing). Use one folder per training run. Only the names
        BackupAndRestore writes (``latest.json``, ``epoch-<k>/``, ``.lock`` and temporary files) are read,
        written or deleted; an ``epoch-<k>`` entry that is not its own makes it refuse the folder.
    delete_checkpoint : bool
        Delete the backup once training completes (Keras's default, True). With False, the last backup stays,
        and the same command run again does not train further (it restores the final state and ends).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from glassnet import Sequential, Dense, BackupAndRestore
    >>> x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    >>> y = (x[:, 0] > 0).astype("float32")
    >>> model = Sequential([Dense(1, "sigmoid")], seed=0)
    >>> model.compile("adam", "binary_crossentropy")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     backup = os.path.join(folder, "backup")
    ...     history = model.fit(x, y, epochs=3, verbose=0, seed=1, callbacks=[BackupAndRestore(backup)])
    ...     os.path.exists(backup)   # training completed: the backup is gone (a killed run would keep it)
    False
    """

    runs_last = True

    def __init__(self, backup_dir: str | os.PathLike, delete_checkpoint: bool = True):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not str(backup_dir):
            raise TypeError(f"Argument `backup_dir` must be a folder path. Received: backup_dir={backup_dir!r}")
        if not isinstance(delete_checkpoint, bool):
            raise TypeError("Argument `delete_checkpoint` must be a bool. Received: "
                            f"delete_checkpoint={delete_checkpoint!r}")
        self.backup_dir = Path(backup_dir)
        self.delete_checkpoint = delete_checkpoint
        self._callbacks: list[Callback] = []
        self._pointed: str | None = None  # the epoch folder latest.json names, as this process last wrote or read it

    def set_callbacks(self, callbacks: list[Callback]) -> None:
        self._callbacks = [c for c in callbacks if c is not self and c.state_spec]

    def on_train_begin(self, logs=None):
        check_savable(self.model)  # a model that cannot be saved is refused now, not after the first epoch
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        self._pointed = None
        with locked(self.backup_dir):
            found = backup_folder.scan(self.backup_dir)
            if found.has_pointer:  # everything is checked before anything changes
                backup = backup_state.read_backup(self.backup_dir, found, self.model, self._callbacks,
                                                  self.params["epochs"])
                backup_state.apply(backup, self.model, self._callbacks, self.params["epochs"])
                self._pointed = backup_folder.epoch_folder(backup.epoch)
            backup_folder.remove_stale(found, keep=self._pointed)

    def on_epoch_end(self, epoch, logs=None):
        name = backup_folder.epoch_folder(epoch)
        with locked(self.backup_dir):
            target = self.backup_dir / name
            if os.path.lexists(target):  # a leftover that appeared since the start: only ever ours to replace
                backup_folder.scan(self.backup_dir)
                backup_folder.remove_epoch_folder(target)
            target.mkdir()
            backup_state.write_backup(self.backup_dir, self.model, self._callbacks, epoch)
            if self._pointed is not None and self._pointed != name:  # the pointer moved on: the old one is stale
                backup_folder.remove_epoch_folder(self.backup_dir / self._pointed)
            self._pointed = name

    def on_train_end(self, logs=None):
        # Reached only when fit returns normally: an exception (a kill, Ctrl-C, a NonFiniteError) keeps the backup.
        if not self.delete_checkpoint:
            return
        with locked(self.backup_dir):
            backup_folder.remove_all(self.backup_dir)
        self._pointed = None
        with contextlib.suppress(OSError):  # only if nothing else is in it
            self.backup_dir.rmdir()


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) at the end of epochs (Keras semantics).

    ``filepath`` may hold format fields from the epoch's logs, e.g. ``'model-{epoch:02d}-{val_loss:.3f}.glassnet'``
    (``epoch`` counts from 1, as in Keras). With ``save_best_only`` a file is written only when ``monitor``
    improved (mode 'auto': 'max' for accuracy/AUC-like names, else 'min'). The fields are checked when training
    begins, before anything changes; ``best`` (a float) is backed up by :class:`BackupAndRestore`, so a resumed run
    saves the same files.
    """

    state_spec = {"best": "number"}

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False, mode: str = "auto",
                 initial_value_threshold: float | None = None):
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)) or not str(filepath):
            raise TypeError(f"Argument `filepath` must be a file path. Received: filepath={filepath!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Argument `mode` must be one of ['auto', 'max', 'min']. Received: mode={mode!r}")
        if initial_value_threshold is not None and (isinstance(initial_value_threshold, bool) or not isinstance(
                initial_value_threshold, (int, float))):
            raise TypeError("Argument `initial_value_threshold` must be a number or None. Received: "
                            f"initial_value_threshold={initial_value_threshold!r}")
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self._fields = _format_fields(self.filepath)
        self.save_best_only, self.save_weights_only = bool(save_best_only), bool(save_weights_only)
        if mode == "auto":
            mode = "max" if ("acc" in monitor or "auc" in monitor) else "min"
        self.mode = mode
        self.best = float(initial_value_threshold) if initial_value_threshold is not None else (
            math.inf if mode == "min" else -math.inf)

    @property
    def state_key(self) -> str:
        return f"ModelCheckpoint(monitor={self.monitor!r}, mode={self.mode!r})"  # not the path: folders move

    def _improved(self, current: float) -> bool:
        return current < self.best if self.mode == "min" else current > self.best

    def on_train_begin(self, logs=None):
        # Everything that could fail at the first epoch's end fails now, before anything changes.
        check_savable(self.model, weights_only=self.save_weights_only)
        names = ["loss", "data_loss", "penalty_loss", *(m.name for m in self.model.make_metrics(1))]
        validating = self.params.get("do_validation", True)
        available = ["epoch", *names, *(f"val_{name}" for name in names if validating)]
        unknown = [field for field in self._fields if field not in available]
        if unknown:
            raise ValueError(f"Argument `filepath` names {_quoted(unknown)}, which the epoch's logs will not hold. "
                             f"Available: {', '.join(available)}. Received: filepath={self.filepath!r}")
        self._format({"epoch": 1, **dict.fromkeys(names, 0.0), **{f"val_{name}": 0.0 for name in names}})

    def _format(self, values: dict[str, Any]) -> Path:
        missing = [field for field in self._fields if field not in values]
        if missing:  # e.g. val_loss without validation data: said before anything is written
            raise ValueError(f"Argument `filepath` names {_quoted(missing)}, which this epoch's logs do not hold. "
                             f"Available: {', '.join(values)}. Received: filepath={self.filepath!r}")
        try:
            return Path(self.filepath.format(**values))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise ValueError(f"Argument `filepath` must format with the epoch (an int) and the logs (floats): "
                             f"{exc}. Received: filepath={self.filepath!r}") from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self._format({"epoch": epoch + 1, **{k: v for k, v in logs.items() if "/" not in k}})
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint conditioned on `{self.monitor}`, which is not available. "
                              f"Available: {', '.join(logs)}", stacklevel=2)
                return
            if not self._improved(current):
                return
            self.best = float(current)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {path}")


def _format_fields(filepath: str) -> list[str]:
    """The log keys a ``filepath`` format uses (``'{val_loss:.3f}'`` → ``'val_loss'``); '' for ``'{}'``."""
    try:
        parsed = list(string.Formatter().parse(filepath))
    except ValueError as exc:
        raise ValueError(f"Argument `filepath` must be a valid format string ({exc}; write {{{{ and }}}} for "
                         f"literal braces). Received: filepath={filepath!r}") from None
    fields = []
    for _, field, _, _ in parsed:
        if field is not None:
            key = field.split(".", 1)[0].split("[", 1)[0]
            if key not in fields:
                fields.append(key)
    return fields


def _quoted(keys: list[str]) -> str:
    return ", ".join(f"{{{key}}}" for key in keys)
