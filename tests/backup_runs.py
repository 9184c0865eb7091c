"""One small training command with every stateful callback, run whole, interrupted and resumed in-process.

Shared by tests/test_resume.py, tests/test_hostile_backups.py and fuzz/fuzz_backups.py. The command: a 4-16-1
network with Dropout and Adam(0.01) on 96 noisy rows (a quarter for validation), up to 30 epochs, with
``EarlyStopping(patience=3, restore_best_weights=True)``, ``ModelCheckpoint(save_best_only=True)`` and a
ModelCheckpoint that names every epoch's file after its validation loss. Uninterrupted, EarlyStopping stops it
after epoch 14 (the best was epoch 11), so a resume in epochs 11-14 must remember the wait count, the best value
and the best weights, and ModelCheckpoint's best value, to end the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import Adam, BackupAndRestore, Dense, Dropout, EarlyStopping, ModelCheckpoint, Sequential
from glassnet.callbacks import Callback

EPOCHS = 30


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = ((x[:, 0] + rng.normal(scale=1.0, size=96)) > 0).astype("float32")
    return x, y


def fresh_model() -> Sequential:
    """The same model every call, names included (a saved file holds them, and the files are compared)."""
    model = Sequential([Dense(16, "relu", name="hidden"), Dropout(0.25, name="drop"),
                        Dense(1, "sigmoid", name="out")], name="net", seed=0)
    model.compile(Adam(0.01), "binary_crossentropy")
    return model


class Crash(Callback):
    """Raise KeyboardInterrupt in ``hook`` ('on_epoch_end', 'on_epoch_begin' or 'on_train_end') at ``epoch``."""

    def __init__(self, hook: str, epoch: int = 0):
        super().__init__()
        self.hook, self.epoch = hook, epoch

    def on_epoch_begin(self, epoch, logs=None):
        if self.hook == "on_epoch_begin" and epoch == self.epoch:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        if self.hook == "on_epoch_end" and epoch == self.epoch:
            raise KeyboardInterrupt

    def on_train_end(self, logs=None):
        if self.hook == "on_train_end":
            raise KeyboardInterrupt


@dataclass
class Run:
    """One fit of the command in ``folder`` (ModelCheckpoint's files in ``folder/files``)."""

    model: Sequential
    stopping: EarlyStopping
    best: ModelCheckpoint
    files: Path
    history: Any = None

    def outcome(self) -> tuple[list[np.ndarray], tuple, float, dict[str, bytes]]:
        """Final weights, EarlyStopping's decisions, ModelCheckpoint's best value, and its files' bytes."""
        s = self.stopping
        files = {p.name: p.read_bytes() for p in sorted(self.files.iterdir())} if self.files.exists() else {}
        return self.model.get_weights(), (s.stopped_epoch, s.best_epoch, s.best, s.wait), self.best.best, files


def fit(folder: Path, backup: str | None = "backup", extra: tuple[Callback, ...] = (),
        stopping_class: type = EarlyStopping, checkpoint_class: type = ModelCheckpoint,
        **backup_options: Any) -> Run:
    """Fit the command; ``backup`` is the BackupAndRestore folder under ``folder`` (None: no backup)."""
    x, y = data()
    files = folder / "files"
    run = Run(fresh_model(), stopping_class(patience=3, restore_best_weights=True),
              checkpoint_class(files / "best.glassnet", save_best_only=True), files)
    every = ModelCheckpoint(files / "e{epoch:02d}-{val_loss:.4f}.glassnet")
    callbacks = [run.stopping, run.best, every, *extra]
    if backup is not None:
        callbacks.insert(0, BackupAndRestore(folder / backup, **backup_options))  # first: it still runs last
    run.history = run.model.fit(x, y, epochs=EPOCHS, batch_size=16, seed=5, verbose=0, validation_split=0.25,
                                callbacks=callbacks)
    return run


def assert_same_outcome(mine: Run, reference: Run) -> None:
    weights, decisions, best, files = mine.outcome()
    ref_weights, ref_decisions, ref_best, ref_files = reference.outcome()
    assert len(weights) == len(ref_weights)
    for a, b in zip(weights, ref_weights):
        np.testing.assert_array_equal(a, b)
    assert (decisions, best) == (ref_decisions, ref_best)
    assert sorted(files) == sorted(ref_files)
    assert all(files[name] == ref_files[name] for name in files), "a ModelCheckpoint file differs"


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (links as their target text, folders as None) with its bytes."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"-> " + str(path.readlink()).encode()
        elif path.is_dir():
            found[key] = None
        else:
            found[key] = path.read_bytes()
    return found
