"""One small training command with every stateful callback, run whole, interrupted and resumed in-process.

Shared by tests/test_resume.py, tests/test_hostile_backups.py and fuzz/fuzz_backups.py. The command: a 4-16-1
network with Dropout and Adam(0.01) on 96 noisy rows (a quarter for validation), up to 30 epochs, with
``EarlyStopping(patience=3, restore_best_weights=True)``, ``ModelCheckpoint(save_best_only=True)`` and a
ModelCheckpoint that names every epoch's file after its validation loss. Uninterrupted, EarlyStopping stops it
after epoch 14 (the best was epoch 11), so a resume in epochs 11-14 must remember the wait count, the best value
and the best weights, and ModelCheckpoint's best value, to end the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import Adam, BackupAndRestore, Dense, Dropout, EarlyStopping, ModelCheckpoint, ModelFileError, Sequential
from glassnet.callbacks import Callback

EPOCHS = 30
BACKUP = "run/backup/"
#: Names BackupAndRestore may delete (written by it, or a killed run's leftovers); the test's own, simple rule.
OWN = re.compile(r"latest\.json|\.lock|\.latest\.json\.\w+\.tmp|epoch-\d+(/(model|callback-\d+-\w+)\.glassnet|"
                 r"/\.(model|callback-\d+-\w+)\.glassnet\.\w+\.tmp)?")


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
    """The command in ``folder`` (ModelCheckpoint's files in ``folder/files``), before or after :meth:`fit`."""

    folder: Path
    model: Sequential
    stopping: EarlyStopping
    best: ModelCheckpoint
    history: Any = None

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def fit(self, backup: str | None = "backup", extra: tuple[Callback, ...] = (), **backup_options: Any) -> Run:
        """Fit; ``backup`` is the BackupAndRestore folder under ``folder`` (None: no backup)."""
        x, y = data()
        every = ModelCheckpoint(self.files / "e{epoch:02d}-{val_loss:.4f}.glassnet")
        callbacks = [self.stopping, self.best, every, *extra]
        if backup is not None:  # first in the list: it still runs last
            callbacks.insert(0, BackupAndRestore(self.folder / backup, **backup_options))
        self.history = self.model.fit(x, y, epochs=EPOCHS, batch_size=16, seed=5, verbose=0,
                                      validation_split=0.25, callbacks=callbacks)
        return self

    def outcome(self) -> tuple[list[np.ndarray], tuple, float, dict[str, bytes]]:
        """Final weights, EarlyStopping's decisions, ModelCheckpoint's best value, and its files' bytes."""
        s = self.stopping
        files = {p.name: p.read_bytes() for p in sorted(self.files.iterdir())} if self.files.exists() else {}
        return self.model.get_weights(), (s.stopped_epoch, s.best_epoch, s.best, s.wait), self.best.best, files

    def untouched_state(self) -> tuple:
        """What a refused resume must leave as it was: weights, optimizer, generators, first epoch, callbacks'
        state (as their on_train_begin sets it). Call on a built model, before and after the fit."""
        s, optimizer = self.stopping, self.model.optimizer
        return ([w.tobytes() for w in self.model.get_weights()], optimizer.iterations, len(optimizer.slots),
                str(self.model.rng.bit_generator.state), self.model.initial_epoch,
                (getattr(s, "wait", 0), getattr(s, "best", math.inf), getattr(s, "best_epoch", 0),
                 getattr(s, "stopped_epoch", 0), getattr(s, "best_weights", None)), self.best.best)


def start(folder: Path, stopping_class: type = EarlyStopping, checkpoint_class: type = ModelCheckpoint) -> Run:
    return Run(folder, fresh_model(), stopping_class(patience=3, restore_best_weights=True),
               checkpoint_class(folder / "files" / "best.glassnet", save_best_only=True))


def fit(folder: Path, backup: str | None = "backup", extra: tuple[Callback, ...] = (),
        stopping_class: type = EarlyStopping, checkpoint_class: type = ModelCheckpoint,
        **backup_options: Any) -> Run:
    """Fit the command in ``folder``; see :meth:`Run.fit`."""
    return start(folder, stopping_class, checkpoint_class).fit(backup, extra, **backup_options)


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
    """Every path under ``folder`` with its bytes (links as their target, folders as None, FIFOs as b'fifo')."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = b"-> " + str(path.readlink()).encode()
        elif path.is_dir():
            found[key] = None
        else:
            found[key] = path.read_bytes() if path.is_file() else b"fifo"
    return found


def attempt(work: Path, **run_options: Any) -> ModelFileError | None:
    """Run the command on the backup in ``work/run/backup`` (``work/outside`` beside it). Either it is refused —
    the ModelFileError is returned, and the model, the optimizer, the generators, the callbacks' states and
    every file under ``work`` are as before — or it is accepted and trains to the end, leaving nothing of
    BackupAndRestore's and nothing outside changed. Anything else fails an assertion or escapes."""
    before = tree(work)
    run = start(work / "run", **run_options)
    run.model.build((None, 4))
    untouched = run.untouched_state()
    try:
        run.fit()
    except ModelFileError as error:
        run.stopping.on_train_begin()  # what EarlyStopping itself resets at every fit (nothing of the backup)
        assert run.untouched_state() == untouched, "a refused backup changed the model or a callback"
        assert run.model.fit_rng.bit_generator.state == np.random.default_rng(5).bit_generator.state
        assert tree(work) == before, "a refused backup changed a file"
        return error
    after = tree(work)
    outside = {key: value for key, value in before.items() if key.startswith("outside")}
    assert {key: value for key, value in after.items() if key.startswith("outside")} == outside
    backup = {key: value for key, value in before.items() if key.startswith(BACKUP)}
    left = {key: value for key, value in after.items() if key.startswith(BACKUP)}
    assert all(backup.get(key, b"new") == value for key, value in left.items()), "a backup file was left"
    gone = [key for key in backup if key not in left and key != BACKUP.rstrip("/")]
    assert all(OWN.fullmatch(key[len(BACKUP):]) for key in gone), f"deleted what it did not write: {gone}"
    return None


class ForgetfulStopping(EarlyStopping):
    state_spec: dict[str, str] = {}  # what EarlyStopping was before issue 10: its state is not backed up


class ForgetfulCheckpoint(ModelCheckpoint):
    state_spec: dict[str, str] = {}


def redigest(work: Path) -> None:
    """Record the current SHA-256 of the files of ``work/run/backup/latest.json``'s folder in it, as a foreign
    but self-consistent backup would (so that the checks behind the digests are reached)."""
    path = work / "run" / "backup" / "latest.json"
    if path.is_symlink() or not path.is_file():  # a link, a folder or a FIFO (reading which would block)
        return
    try:
        data = json.loads(path.read_text())
        digests, folder = data["sha256"], path.parent / data["folder"]
        for name in digests:
            if (folder / name).is_file() and not (folder / name).is_symlink():
                digests[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    except (OSError, ValueError, TypeError, KeyError):  # not a pointer any more: nothing to record
        return
    path.write_text(json.dumps(data))
