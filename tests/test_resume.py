"""Checkpoints and resume: a run killed with SIGKILL at random moments and started again with the same command
ends as an uninterrupted run does — the same weights, bit for bit, the same ModelCheckpoint file, the same
EarlyStopping decisions. Two kill trials here; ``make stress`` runs 100+ SIGKILL/SIGINT interruptions. Also
ModelCheckpoint's files and the checks made when training begins."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import BackupAndRestore, Dense, Dropout, ModelCheckpoint, Sequential
from glassnet.saving.backup_folder import locked

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
import backup_runs  # noqa: E402 - the training command shared with test_hostile_backups and the fuzz

# The training command: shuffling, dropout and Adam, so a resume must restore weights, optimizer moments and
# both random streams to match. ~40 ms per epoch, so kills land in the middle of training.
JOB = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from glassnet import Sequential, Dense, Dropout, L2, BackupAndRestore, EarlyStopping, ModelCheckpoint

    out, backup = Path(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 10)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    model = Sequential([Dense(32, "relu", kernel_regularizer=L2(1e-3)), Dropout(0.2), Dense(16, "tanh"),
                        Dense(1, "sigmoid")], seed=1)
    model.compile("adam", "binary_crossentropy")
    stopping = EarlyStopping(patience=3, restore_best_weights=True)
    best = ModelCheckpoint(out / "best.glassnet", save_best_only=True)
    callbacks = [stopping, best] + ([BackupAndRestore(backup)] if backup != "-" else [])
    model.fit(x, y, batch_size=8, epochs=EPOCHS, verbose=0, seed=2, validation_split=0.2, callbacks=callbacks)
    for i, w in enumerate(model.get_weights()):
        np.save(out / f"w{i}.npy", w)
    (out / "stopping.txt").write_text(repr((stopping.stopped_epoch, stopping.best_epoch, stopping.best, best.best)))
    print("done")
""")
EPOCHS = 40
SAVING_TEMP = re.compile(r"\.best\.glassnet\.[0-9a-f]+\.tmp")


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


def _outcome(folder: Path) -> tuple[list[np.ndarray], str, bytes]:
    """The final weights, EarlyStopping's and ModelCheckpoint's decisions, and ModelCheckpoint's best file."""
    return ([np.load(folder / f"w{i}.npy", allow_pickle=False) for i in range(6)],
            (folder / "stopping.txt").read_text(), (folder / "best.glassnet").read_bytes())


def test_sigkill_at_random_moments_then_resume_is_bitwise_equal(tmp_path):
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    started = time.perf_counter()
    _run(reference_dir, "-")
    duration = time.perf_counter() - started
    weights, decisions, best_file = _outcome(reference_dir / "out")
    assert decisions.startswith("(") and not decisions.startswith("(0,")  # EarlyStopping did stop the run early

    rng = np.random.default_rng(12345)
    trials, kills, saving_temps = 2, 0, 0
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
        mine = _outcome(work / "out")
        for a, b in zip(mine[0], weights):
            np.testing.assert_array_equal(a, b)
        assert mine[1:] == (decisions, best_file)
        assert not Path(backup).exists()  # deleted on completion
        # No stray files. A kill inside ModelCheckpoint's save leaves saving's temporary file (removed by the
        # stale-temp cleanup of glassnet.saving, not by BackupAndRestore): those are counted apart.
        left = {p.name for p in (work / "out").iterdir()} - {p.name for p in (reference_dir / "out").iterdir()}
        assert all(SAVING_TEMP.fullmatch(name) for name in left), left
        saving_temps += len(left)
    assert kills >= trials  # the kills really interrupted training
    print(f"\n{trials} trials, {kills} SIGKILLs, every resumed run bitwise equal to the uninterrupted one "
          f"({saving_temps} temporary files of killed saves left for saving's cleanup)")


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
    # BackupAndRestore backs up after every other callback has seen the epoch: the crash at the end of epoch 2
    # came first, so epoch 2 was not backed up and runs again.
    assert history.epoch == [2, 3, 4, 5]
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


# --- the callbacks' state is backed up with the epoch (issue 10, item 5) -------------------------------------
@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    run = backup_runs.fit(tmp_path_factory.mktemp("reference"), backup=None)
    assert run.stopping.stopped_epoch == 14 and run.stopping.best_epoch == 11  # the decisions to get right
    return run


@pytest.mark.parametrize("hook", ["on_epoch_end", "on_epoch_begin"])
def test_resumed_callbacks_decide_as_the_uninterrupted_run(tmp_path, reference, hook):
    """Interrupted at every epoch (before, or just after, that epoch's backup), then resumed: the same weights,
    the same ModelCheckpoint files, EarlyStopping stops at the same epoch and restores the same best weights."""
    for epoch in range(1, 15):
        folder = tmp_path / f"{hook}-{epoch}"
        with pytest.raises(KeyboardInterrupt):
            backup_runs.fit(folder, extra=(backup_runs.Crash(hook, epoch),))
        resumed = backup_runs.fit(folder)
        assert resumed.history.epoch[0] == epoch  # the last backup is of epoch - 1
        backup_runs.assert_same_outcome(resumed, reference)
        assert not (folder / "backup").exists()


@pytest.mark.parametrize("forgetful", ["stopping_class", "checkpoint_class"])
def test_without_the_callback_state_the_resumed_outcome_differs(tmp_path, reference, forgetful):
    """The control: the test above can fail. A callback whose state is not backed up decides differently."""
    kind = backup_runs.ForgetfulStopping if forgetful == "stopping_class" else backup_runs.ForgetfulCheckpoint
    with pytest.raises(KeyboardInterrupt):
        backup_runs.fit(tmp_path, extra=(backup_runs.Crash("on_epoch_end", 13),), **{forgetful: kind})
    resumed = backup_runs.fit(tmp_path, **{forgetful: kind})
    with pytest.raises(AssertionError):
        backup_runs.assert_same_outcome(resumed, reference)


def test_stopped_then_killed_before_the_backup_is_deleted_does_not_train_on(tmp_path, reference):
    with pytest.raises(KeyboardInterrupt):  # after EarlyStopping stopped, before BackupAndRestore deleted
        backup_runs.fit(tmp_path, extra=(backup_runs.Crash("on_train_end"),))
    assert json.loads((tmp_path / "backup" / "latest.json").read_text())["stopped"] is True
    resumed = backup_runs.fit(tmp_path)
    assert resumed.history.epoch == []
    backup_runs.assert_same_outcome(resumed, reference)
    assert not (tmp_path / "backup").exists()


def test_kept_backup_reruns_to_the_same_end(tmp_path, reference):
    first = backup_runs.fit(tmp_path, delete_checkpoint=False)
    backup_runs.assert_same_outcome(first, reference)
    assert sorted(p.name for p in (tmp_path / "backup").iterdir()) == ["epoch-14", "latest.json"]
    again = backup_runs.fit(tmp_path, delete_checkpoint=False)
    assert again.history.epoch == []
    backup_runs.assert_same_outcome(again, reference)
    with pytest.raises(TypeError, match=r"`delete_checkpoint` must be a bool. Received: delete_checkpoint='no'"):
        BackupAndRestore(tmp_path, delete_checkpoint="no")


def test_restore_reads_what_it_wrote_whatever_load_models_default_limit(tmp_path, reference, monkeypatch):
    """Item 6: the model file is read with a bound computed from the running model, not load_model's default."""
    import glassnet.saving.api

    monkeypatch.setitem(glassnet.saving.api.load_model.__kwdefaults__, "max_bytes", 1024)
    with pytest.raises(KeyboardInterrupt):
        backup_runs.fit(tmp_path, extra=(backup_runs.Crash("on_epoch_end", 12),))
    with pytest.raises(glassnet.ModelFileError, match="at most max_bytes=1024"):  # the default would refuse it
        glassnet.load_model(tmp_path / "backup" / "epoch-11" / "model.glassnet")
    backup_runs.assert_same_outcome(backup_runs.fit(tmp_path), reference)


def test_two_writers_take_turns_on_the_folder_lock(tmp_path):
    """Every read and write of a backup folder holds its lock; a second one waits, and the lock file goes."""
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with locked(tmp_path):
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second():
        inside.wait(5)
        with locked(tmp_path):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert order == ["first in"]  # the second is waiting
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first in", "first out", "second in"]
    assert list(tmp_path.iterdir()) == []


# --- checked when training begins, before anything changes ---------------------------------------------------
def _built_model():
    model = backup_runs.fresh_model()
    model.build((None, 4))
    return model, model.get_weights()


@pytest.mark.parametrize("filepath, message", [
    ("m-{epoch}-{val_los:.2f}.glassnet", r"names \{val_los\}, which the epoch's logs will not hold. Available: "
                                         r"epoch, loss, data_loss, penalty_loss, val_loss, val_data_loss, "
                                         r"val_penalty_loss. Received: filepath='.*m-\{epoch\}-\{val_los:.2f\}"),
    ("m-{}.glassnet", r"names \{\}, which the epoch's logs will not hold"),
    ("m-{loss:d}.glassnet", r"must format with the epoch \(an int\) and the logs \(floats\): Unknown format code "
                            r"'d'.*Received: filepath="),
])
def test_model_checkpoint_path_is_checked_when_training_begins(tmp_path, filepath, message):
    model, before = _built_model()
    x, y = backup_runs.data()
    with pytest.raises(ValueError, match=message):
        model.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                  callbacks=[BackupAndRestore(tmp_path / "backup"), ModelCheckpoint(tmp_path / filepath)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert list(tmp_path.iterdir()) == []  # no file, no backup folder


def test_model_checkpoint_path_errors_said_plainly(tmp_path):
    with pytest.raises(ValueError, match=r"`filepath` must be a valid format string \(Single '\}' encountered"):
        ModelCheckpoint(tmp_path / "m}.glassnet")
    with pytest.raises(TypeError, match=r"`initial_value_threshold` must be a number or None. Received: "
                                        r"initial_value_threshold='0.5'"):
        ModelCheckpoint(tmp_path / "m.glassnet", initial_value_threshold="0.5")
    model, _ = _built_model()
    x, y = backup_runs.data()
    # Without validation data val_loss appears in no log: fit's params say so, so it is refused when training
    # begins, before any step.
    with pytest.raises(ValueError, match=r"names \{val_loss\}, which the epoch's logs will not hold. Available: "
                                         r"epoch, loss, data_loss, penalty_loss. Received"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "m-{val_loss}.glassnet")])
    assert list(tmp_path.iterdir()) == [] and model.optimizer.iterations == 0


def test_a_model_that_cannot_be_saved_is_refused_when_training_begins(tmp_path):
    x, y = backup_runs.data()
    for callback in (BackupAndRestore(tmp_path / "backup"), ModelCheckpoint(tmp_path / "m.glassnet")):
        model = Sequential([Dense(1, "sigmoid")], seed=0)
        model.compile("adam", "binary_crossentropy",
                      metrics=[lambda y_true, y_pred: np.abs(y_true[:, 0] - y_pred[:, 0])])
        with pytest.raises(ValueError, match=r"Cannot save `compile.metrics\[0\]`: only metric names can be saved"):
            model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
        assert model.optimizer.iterations == 0
    assert list(tmp_path.iterdir()) == []
