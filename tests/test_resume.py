"""Checkpoints and resume: a run killed with SIGKILL at random moments and started again with the same command
ends with weights bitwise equal to an uninterrupted run. Also ModelCheckpoint's files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import BackupAndRestore, Dense, Dropout, ModelCheckpoint, Sequential

# The training command: shuffling, dropout and Adam, so a resume must restore weights, optimizer moments and
# both random streams to match. ~40 ms per epoch, so kills land in the middle of training.
JOB = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from glassnet import Sequential, Dense, Dropout, L2, BackupAndRestore

    out, backup = Path(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 10)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    model = Sequential([Dense(32, "relu", kernel_regularizer=L2(1e-3)), Dropout(0.2), Dense(16, "tanh"),
                        Dense(1, "sigmoid")], seed=1)
    model.compile("adam", "binary_crossentropy")
    callbacks = [BackupAndRestore(backup)] if backup != "-" else []
    model.fit(x, y, batch_size=8, epochs=EPOCHS, verbose=0, seed=2, callbacks=callbacks)
    out.mkdir(parents=True, exist_ok=True)
    for i, w in enumerate(model.get_weights()):
        np.save(out / f"w{i}.npy", w)
    print("done")
""")
EPOCHS = 40


def _run(tmp: Path, backup: str, kill_after: float | None = None) -> int | None:
    script = tmp / "job.py"
    script.write_text(JOB.replace("EPOCHS", str(EPOCHS)))
    process = subprocess.Popen([sys.executable, str(script), str(tmp / "out"), backup],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        return 0
    time.sleep(kill_after)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    return process.returncode


def _weights(folder: Path) -> list[np.ndarray]:
    return [np.load(folder / f"w{i}.npy", allow_pickle=False) for i in range(6)]


def test_sigkill_at_random_moments_then_resume_is_bitwise_equal(tmp_path):
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    started = time.perf_counter()
    _run(reference_dir, "-")
    duration = time.perf_counter() - started
    reference = _weights(reference_dir / "out")

    rng = np.random.default_rng(12345)
    trials, kills = 6, 0
    for trial in range(trials):
        work = tmp_path / f"trial{trial}"
        work.mkdir()
        backup = str(work / "backup")
        for _ in range(2):  # two kills per trial, at random moments of the run
            code = _run(work, backup, kill_after=float(rng.uniform(0.3, duration)))
            if code == 0:
                break
            assert code == -signal.SIGKILL
            kills += 1
        _run(work, backup)  # the same command, until it completes
        for mine, theirs in zip(_weights(work / "out"), reference):
            np.testing.assert_array_equal(mine, theirs)
        assert not Path(backup).exists()  # deleted on completion
    assert kills >= trials  # the kills really interrupted training
    print(f"\n{trials} trials, {kills} SIGKILLs, every resumed run bitwise equal to the uninterrupted one")


def test_backup_survives_an_exception_and_resumes_in_process(tmp_path):
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")

    def fresh():
        model = Sequential([Dense(4, "relu"), Dropout(0.3), Dense(1, "sigmoid")], seed=0)
        model.compile("adam", "binary_crossentropy")
        return model

    reference = fresh()
    reference.fit(x, y, epochs=6, batch_size=16, seed=5, verbose=0)

    class Crash(glassnet.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    interrupted = fresh()
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(x, y, epochs=6, batch_size=16, seed=5, verbose=0,
                        callbacks=[BackupAndRestore(tmp_path / "b"), Crash()])
    assert (tmp_path / "b" / "latest.json").exists()
    resumed = fresh()
    history = resumed.fit(x, y, epochs=6, batch_size=16, seed=5, verbose=0,
                          callbacks=[BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [3, 4, 5]
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_best_only_and_formatted_names(tmp_path):
    x = np.random.default_rng(1).normal(size=(80, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    every = ModelCheckpoint(tmp_path / "all" / "m-{epoch:02d}.glassnet", save_best_only=False)
    best = ModelCheckpoint(tmp_path / "best.glassnet", monitor="val_loss", save_best_only=True)
    history = model.fit(x, y, epochs=4, validation_split=0.25, verbose=0, seed=0, callbacks=[every, best])
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [f"m-{e:02d}.glassnet" for e in (1, 2, 3, 4)]
    best_epoch = int(np.argmin(history.history["val_loss"]))
    saved = glassnet.load_model(tmp_path / "best.glassnet")
    reloaded_last = glassnet.load_model(tmp_path / "all" / f"m-{best_epoch + 1:02d}.glassnet")
    for a, b in zip(saved.get_weights(), reloaded_last.get_weights()):
        np.testing.assert_array_equal(a, b)
    weights_only = ModelCheckpoint(tmp_path / "w.safetensors", save_weights_only=True)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[weights_only])
    other = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], seed=9)
    other.build((None, 3))
    other.load_weights(tmp_path / "w.safetensors")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"`mode`.*Received: mode='up'"):
        ModelCheckpoint(tmp_path / "x", mode="up")
