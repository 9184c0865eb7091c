"""Hostile, damaged and foreign backups, and crash leftovers (issue 10): a backup folder may make
BackupAndRestore refuse, never lose data, reach outside its folder or half-change a model.

Every case starts from a real backup: the command of tests/backup_runs.py interrupted as epoch 12 begins, so
the folder holds ``latest.json`` and ``epoch-11/`` with the model and EarlyStopping's best weights. A folder
``outside/`` beside it holds a canary file and a valid backup to point at. Then one thing is changed and the same
command runs again. Each case counts as

- *refused cleanly*: ModelFileError naming the file, and the model, the optimizer, the generators, the
  callbacks' states and every file (in the backup folder and outside it) exactly as before;
- *recovered*: a crash leftover is recognised as stale and removed, and the run ends as the uninterrupted one;
- *nothing lost*: files BackupAndRestore did not write survive the end of training, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet import Adam, BackupAndRestore, Dense, Dropout, ModelFileError, Sequential

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
import backup_runs  # noqa: E402 - the training command shared with test_resume and the fuzz

POINTER, EPOCH = "latest.json", "epoch-11"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A backup folder after a run interrupted as epoch 12 began (the backup is of epoch 11)."""
    folder = tmp_path_factory.mktemp("pristine")
    with pytest.raises(KeyboardInterrupt):
        backup_runs.fit(folder, extra=(backup_runs.Crash("on_epoch_begin", 12),))
    backup = folder / "backup"
    assert sorted(p.name for p in backup.iterdir()) == [EPOCH, POINTER]
    assert sorted(p.name for p in (backup / EPOCH).iterdir()) == ["callback-0-best_weights.glassnet",
                                                                  "model.glassnet"]
    return folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return backup_runs.fit(tmp_path_factory.mktemp("reference"), backup=None)


@pytest.fixture
def work(tmp_path, pristine):
    """A copy of the pristine run folder, plus ``outside/`` with a canary and a valid backup copy."""
    shutil.copytree(pristine, tmp_path / "run", symlinks=True)
    outside = tmp_path / "outside"
    shutil.copytree(pristine / "backup", outside / "backup-copy", symlinks=True)
    (outside / "canary.txt").write_text("must survive")
    return tmp_path


def pointer(work: Path) -> dict:
    return json.loads((work / "run" / "backup" / POINTER).read_text())


def write_pointer(work: Path, data: object) -> None:
    (work / "run" / "backup" / POINTER).write_text(json.dumps(data))


def assert_refused(work: Path, match: str, **run_options) -> None:
    """The same command on the changed backup: ModelFileError matching ``match``, and nothing changed."""
    error = backup_runs.attempt(work, **run_options)
    assert error is not None, "the changed backup was accepted"
    assert re.search(match, str(error)), f"{match!r} not in {str(error)!r}"


# --- refused cleanly: the pointer ------------------------------------------------------------------------------
RAW_POINTERS = [
    ("empty", b"", r"latest.json': The backup pointer must be valid JSON. Received: text that fails at "
                   r"Expecting value \(character 0\)"),
    ("truncated", None, r"latest.json': The backup pointer must be valid JSON"),
    ("a list", b"[1, 2]", r"latest.json': `the pointer` must be a JSON object. Received: \[1, 2\]"),
    ("not UTF-8", b'{"epoch": "\xff"}', r"latest.json': the file is damaged \(UnicodeDecodeError"),
    ("NaN", b'{"epoch": NaN}', r"latest.json': `every JSON number` must be finite"),
    ("repeated key", b'{"epoch": 1, "epoch": 2}', r"`every JSON object` must be free of repeated keys"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, r"latest.json': The backup pointer must be JSON nested a few levels"),
    ("huge", b" " * (1024**2 + 1), r"latest.json': the file must be at most max_bytes=1048576 bytes"),
]


@pytest.mark.parametrize("name, raw, match", RAW_POINTERS, ids=[case[0] for case in RAW_POINTERS])
def test_damaged_pointer_file_is_refused(work, outcome, name, raw, match):
    path = work / "run" / "backup" / POINTER
    path.write_bytes(path.read_bytes()[:40] if raw is None else raw)
    assert_refused(work, match)
    outcome("refused cleanly")


def _set(data: dict, place: tuple, value: object) -> dict:
    target = data
    for key in place[:-1]:
        target = target[key]
    if value is DELETE:
        del target[place[-1]]
    else:
        target[place[-1]] = value
    return data


DELETE = object()
FIELDS = [  # (what, place in latest.json, value, the message)
    ("missing epoch", ("epoch",), DELETE, r"`the pointer` must be an object with exactly the keys .* Received: "
                                          r"missing \['epoch'\], unexpected \[\]"),
    ("an extra key", ("evil",), "rm -rf /", r"`the pointer` must be .* Received: missing \[\], unexpected \[.evil.\]"),
    ("negative epoch", ("epoch",), -1, r"`epoch` must be an integer in \[0, 30\). Received: -1"),
    ("epoch as text", ("epoch",), "11", r"`epoch` must be an integer in \[0, 30\). Received: '11'"),
    ("epoch as float", ("epoch",), 11.0, r"`epoch` must be an integer in \[0, 30\). Received: 11.0"),
    ("epoch as bool", ("epoch",), True, r"`epoch` must be an integer in \[0, 30\). Received: True"),
    ("huge epoch", ("epoch",), 10**30, r"`epoch` must be an integer in \[0, 30\)"),
    ("epoch past the fit", ("epoch",), 30, r"`epoch` must be an integer in \[0, 30\). Received: 30"),
    ("folder up and out", ("folder",), "../../outside/backup-copy/epoch-11",
     r"`folder` must be 'epoch-11', the folder of epoch 11. Received: '../../outside/backup-copy/epoch-11'"),
    ("absolute folder", ("folder",), "/tmp", r"`folder` must be 'epoch-11'.* Received: '/tmp'"),
    ("folder of another epoch", ("folder",), "epoch-3", r"`folder` must be 'epoch-11'.* Received: 'epoch-3'"),
    ("dotted folder", ("folder",), "epoch-11/..", r"`folder` must be 'epoch-11'"),
    ("other format", ("format",), "keras-backup", r"`format` must be 'glassnet-backup'"),
    ("newer version", ("format_version",), 2, r"`format_version` must be 1, the version this glassnet reads. "
                                              r"Received: 2"),
    ("stopped as text", ("stopped",), "no", r"`stopped` must be true or false. Received: 'no'"),
    ("other generator", ("fit_rng", "bit_generator"), "MT19937", r"`fit_rng.bit_generator` must be 'PCG64'"),
    ("negative generator state", ("fit_rng", "state", "state"), -5,
     r"`fit_rng.state.state` must be an integer in \[0, 340282366920938463463374607431768211456\)"),
    ("generator state too big", ("fit_rng", "state", "inc"), 2**128, r"`fit_rng.state.inc` must be an integer"),
    ("generator without inc", ("fit_rng", "state", "inc"), DELETE, r"`fit_rng.state` must be an object with "
                                                                   r"exactly the keys \['inc', 'state'\]"),
    ("generator as a list", ("fit_rng",), [1, 2], r"`fit_rng` must be a JSON object"),
    ("no callbacks", ("callbacks",), [], r"`callbacks` must be the states of this fit's callbacks "
                                         r"\[\"EarlyStopping\(monitor='val_loss', mode='min'\)\", "),
    ("callbacks as text", ("callbacks",), "none", r"`callbacks` must be the states of this fit's callbacks"),
    ("a callback's other monitor", ("callbacks", 0, "key"), "EarlyStopping(monitor='loss', mode='min')",
     r"`callbacks` must be the states of this fit's callbacks"),
    ("negative wait", ("callbacks", 0, "state", "wait"), -1, r"`callbacks\[0\].state.wait` must be an integer in "
                                                             r"\[0, 9223372036854775808\). Received: -1"),
    ("best epoch ahead of the backup", ("callbacks", 0, "state", "best_epoch"), 12,
     r"`callbacks\[0\].state.best_epoch` must be an integer in \[0, 12\). Received: 12"),
    ("best as text", ("callbacks", 0, "state", "best"), "0.5", r"`callbacks\[0\].state.best` must be a number, or "
                                                               r"'inf', '-inf' or 'nan'. Received: '0.5'"),
    ("best weights as text", ("callbacks", 0, "state", "best_weights"), "yes",
     r"`callbacks\[0\].state.best_weights` must be true or false"),
    ("a state without best", ("callbacks", 1, "state", "best"), DELETE,
     r"`callbacks\[1\].state` must be an object with exactly the keys \['best'\]"),
]


@pytest.mark.parametrize("what, place, value, match", FIELDS, ids=[case[0] for case in FIELDS])
def test_foreign_pointer_content_is_refused(work, outcome, what, place, value, match):
    write_pointer(work, _set(pointer(work), place, value))
    assert_refused(work, f"latest.json': {match}")
    outcome("refused cleanly")


def test_a_fit_with_other_callbacks_is_refused(work, outcome):
    assert_refused(work, r"latest.json': `callbacks` must be the states of this fit's callbacks "
                         r"\[\"ModelCheckpoint\(.*\"\] \(a fit with other callbacks wrote it\). Received: "
                         r"\[\"EarlyStopping", stopping_class=backup_runs.ForgetfulStopping)
    outcome("refused cleanly")


# --- refused cleanly: the folder and the files it names --------------------------------------------------------
def _link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def _other_model_file(work: Path, model: Sequential) -> None:
    x, y = backup_runs.data()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(work / "run" / "backup" / EPOCH / "model.glassnet")


def _other_weights_file(work: Path) -> None:
    model = Sequential([Dense(3), Dense(1)], seed=0)
    model.build((None, 4))
    model.save_weights(work / "run" / "backup" / EPOCH / "callback-0-best_weights.glassnet")


FOLDERS = [  # (what, change(work), the message)
    ("the epoch folder a link outside", lambda w: _link(w / "run/backup" / EPOCH, w / "outside/backup-copy" / EPOCH),
     r"'epoch-11' is a name BackupAndRestore writes, so it must be a folder; .* Received: a symbolic link"),
    ("the pointer a link outside", lambda w: _link(w / "run/backup" / POINTER, w / "outside/backup-copy" / POINTER),
     r"latest.json': the backup pointer must be a regular file in the backup folder. Received: a symbolic link"),
    ("the pointer a folder", lambda w: ((w / "run/backup" / POINTER).unlink(), (w / "run/backup" / POINTER).mkdir()),
     r"latest.json': it must be a regular file. Received: a file of mode drwx"),
    ("the pointer a FIFO", lambda w: ((w / "run/backup" / POINTER).unlink(), os.mkfifo(w / "run/backup" / POINTER)),
     r"latest.json': it must be a regular file. Received: a file of mode prw"),
    ("the model file a link outside",
     lambda w: _link(w / "run/backup" / EPOCH / "model.glassnet", w / "outside/backup-copy" / EPOCH / "model.glassnet"),
     r"'epoch-11' is a name BackupAndRestore writes, so it must be a folder holding only model.glassnet.* Received: "
     r"'model.glassnet' in it"),
    ("a foreign file in the epoch folder", lambda w: (w / "run/backup" / EPOCH / "notes.txt").write_text("mine"),
     r"so it must be a folder holding only .* Received: 'notes.txt' in it"),
    ("a foreign file in a stale epoch folder",
     lambda w: ((w / "run/backup/epoch-12").mkdir(), (w / "run/backup/epoch-12/notes.txt").write_text("mine")),
     r"'epoch-12' is a name .* Received: 'notes.txt' in it"),
    ("a file named like an epoch folder", lambda w: (w / "run/backup/epoch-3").write_text("mine"),
     r"'epoch-3' is a name BackupAndRestore writes, so it must be a folder; .* Received: a file of mode -rw"),
    ("the lock a link outside", lambda w: (w / "run/backup/.lock").symlink_to(w / "outside/canary.txt"),
     r"its .lock must be a regular file. Received: a symbolic link"),
    ("the epoch folder missing", lambda w: shutil.rmtree(w / "run/backup" / EPOCH),
     r"latest.json': `folder` must be an existing folder inside .* Received: 'epoch-11'"),
    ("the model file missing", lambda w: (w / "run/backup" / EPOCH / "model.glassnet").unlink(),
     r"epoch-11/model.glassnet': the backup pointer names it, so it must exist. Received: no such file"),
    ("the model file truncated", lambda w: (w / "run/backup" / EPOCH / "model.glassnet").write_bytes(
        (w / "run/backup" / EPOCH / "model.glassnet").read_bytes()[:500]), r"epoch-11/model.glassnet': `the header "
                                                                           r"length \(the first 8 bytes\)` must be"),
    ("a model of other units", lambda w: _other_model_file(w, _compiled(Dense(8, "relu"))),
     r"epoch-11/model.glassnet': `model.layers\[0\].config.units` must be 16, as in this fit \(the backup is of "
     r"another model or training command\). Received: 8"),
    ("a model with another optimizer", lambda w: _other_model_file(w, _compiled(optimizer="sgd")),
     r"`model.compile.optimizer.class_name` must be 'Adam', as in this fit.* Received: 'SGD'"),
    ("a model with another loss", lambda w: _other_model_file(w, _compiled(loss="mse")),
     r"`model.compile.loss.class_name` must be 'BinaryCrossentropy'.* Received: 'MeanSquaredError'"),
    ("a model in float64", lambda w: _other_model_file(w, _compiled(dtype="float64")),
     r"`model.dtype` must be 'float32'.* Received: 'float64'"),
    ("the best weights missing", lambda w: (w / "run/backup" / EPOCH / "callback-0-best_weights.glassnet").unlink(),
     r"callback-0-best_weights.glassnet': the backup pointer names it, so it must exist"),
    ("the best weights damaged", lambda w: (w / "run/backup" / EPOCH / "callback-0-best_weights.glassnet").write_bytes(
        b"\x08" + bytes(15)), r"callback-0-best_weights.glassnet': The header must be valid JSON"),
    ("the best weights of another model", _other_weights_file,
     r"callback-0-best_weights.glassnet': `the file's weights` must be 4 arrays of shapes \[\(4, 16\), \(16,\), "
     r"\(16, 1\), \(1,\)\] to fit model 'net'. Received: 4 arrays of shapes \[\(4, 3\)"),
]


def _compiled(first: Dense | None = None, optimizer: object = None, loss: str = "binary_crossentropy",
              dtype: str | None = None) -> Sequential:
    """The command's model but for one thing (its layer names differ too, which a backup may)."""
    model = Sequential([first or Dense(16, "relu"), Dropout(0.25), Dense(1, "sigmoid")], dtype=dtype, seed=0)
    model.compile(optimizer or Adam(0.01), loss)
    return model


@pytest.mark.parametrize("what, change, match", FOLDERS, ids=[case[0] for case in FOLDERS])
def test_foreign_folder_content_is_refused(work, outcome, what, change, match):
    change(work)
    backup_runs.redigest(work)  # so that the checks behind the digests are reached
    assert_refused(work, match)
    outcome("refused cleanly")


def _flip_a_weight_bit(work: Path) -> None:
    path = work / "run" / "backup" / EPOCH / "model.glassnet"
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0x01  # the last tensor's data (an optimizer slot): still a valid file
    path.write_bytes(bytes(blob))


DIGESTS = [
    ("a flipped bit in the model's data", _flip_a_weight_bit,
     r"epoch-11/model.glassnet': its SHA-256 must be the one latest.json recorded when it was written, [0-9a-f]{64} "
     r"\(the file changed since\). Received: [0-9a-f]{64}"),
    ("a digest that is not hex", lambda w: write_pointer(w, _set(pointer(w), ("sha256", "model.glassnet"), "x" * 64)),
     r"latest.json': `sha256.model.glassnet` must be 64 hexadecimal digits. Received: 'xxx"),
    ("no digest of the best weights",
     lambda w: write_pointer(w, _set(pointer(w), ("sha256", "callback-0-best_weights.glassnet"), DELETE)),
     r"latest.json': `sha256` must be an object with exactly the keys \['callback-0-best_weights.glassnet', "
     r"'model.glassnet'\]. Received: missing \['callback-0-best_weights.glassnet'\]"),
    ("a model file larger than this model's backups",
     lambda w: (w / "run/backup" / EPOCH / "model.glassnet").write_bytes(bytes(17 * 1024**2)),
     r"epoch-11/model.glassnet': a backup of this model is at most 16\d{6} bytes. Received: 17825792 bytes"),
]


@pytest.mark.parametrize("what, change, match", DIGESTS, ids=[case[0] for case in DIGESTS])
def test_a_file_changed_since_it_was_written_is_refused(work, outcome, what, change, match):
    change(work)
    assert_refused(work, match)
    outcome("refused cleanly")


class LinkThePointerOutside(backup_runs.Callback):
    """Replace latest.json by a link to a file outside, at the end of an epoch, before the backup moves it."""

    def __init__(self, target: Path):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 12:
            pointer = self.target.parent.parent / "run" / "backup" / POINTER
            pointer.unlink()
            pointer.symlink_to(self.target)


def test_a_pointer_turned_into_a_link_during_training_is_not_written_through(work, outcome):
    target = work / "outside" / "canary.txt"
    with pytest.raises(ModelFileError, match=r"Cannot write the backup pointer '.*latest.json': it must be a "
                                             r"regular file. Received: a symbolic link"):
        backup_runs.start(work / "run").fit(extra=(LinkThePointerOutside(target),))
    assert target.read_text() == "must survive"
    outcome("refused cleanly")


def test_backup_dir_must_be_a_path(outcome):
    with pytest.raises(TypeError, match=r"`backup_dir` must be a folder path. Received: backup_dir=3"):
        BackupAndRestore(3)
    with pytest.raises(TypeError, match=r"`backup_dir` must be a folder path. Received: backup_dir=''"):
        BackupAndRestore("")
    outcome("refused cleanly", count=2)


# --- recovered: the leftovers of killed runs -------------------------------------------------------------------
def _stale_copy(work: Path, name: str, files: dict[str, str]) -> None:
    """A folder ``name`` with copies of epoch-11's files (under new names: {new name: epoch-11's name})."""
    folder = work / "run" / "backup" / name
    folder.mkdir()
    for new, old in files.items():
        shutil.copy(work / "run" / "backup" / EPOCH / old, folder / new)


MODEL, BEST = "model.glassnet", "callback-0-best_weights.glassnet"
LEFTOVERS = [  # (what, change(work)): each a state a kill at some moment of the previous run leaves
    ("killed writing the next model", lambda w: _stale_copy(w, "epoch-12", {".model.glassnet.0a1b2c3d.tmp": MODEL})),
    ("killed before pointing to the next epoch", lambda w: _stale_copy(w, "epoch-12", {MODEL: MODEL, BEST: BEST})),
    ("killed before removing the previous epoch", lambda w: _stale_copy(w, "epoch-10", {MODEL: MODEL})),
    ("killed after creating the next folder", lambda w: (w / "run/backup/epoch-12").mkdir()),
    ("killed writing the pointer", lambda w: (w / "run/backup/.latest.json.5f3c9a0e12b4d678.tmp").write_text('{"ep')),
    ("killed holding the lock", lambda w: (w / "run/backup/.lock").write_bytes(b"")),
]


@pytest.mark.parametrize("what, change", LEFTOVERS, ids=[case[0] for case in LEFTOVERS])
def test_crash_leftovers_are_removed_and_the_run_resumes(work, reference, outcome, what, change):
    change(work)
    resumed = backup_runs.start(work / "run").fit()
    assert resumed.history.epoch[0] == 12
    backup_runs.assert_same_outcome(resumed, reference)
    assert not (work / "run" / "backup").exists()
    outcome("recovered")


def test_killed_before_the_first_pointer_starts_over(tmp_path, reference, outcome, pristine):
    backup = tmp_path / "run" / "backup"
    shutil.copytree(pristine / "backup" / EPOCH, backup / "epoch-0")  # a first backup that was never pointed to
    started = backup_runs.start(tmp_path / "run").fit()
    assert started.history.epoch[0] == 0
    backup_runs.assert_same_outcome(started, reference)
    assert not backup.exists()
    outcome("recovered")


# --- nothing lost: what BackupAndRestore did not write stays --------------------------------------------------
def test_end_of_training_deletes_only_what_backup_and_restore_wrote(work, reference, outcome):
    backup = work / "run" / "backup"
    theirs = {"notes.txt": b"mine", "runs/old/model.glassnet": b"an old model", "latest.json.bak": b"{}",
              ".latest.json.tmp": b"the old fixed temporary name: not provably stale", "epoch-old/x": b"x",
              "epoch-07.txt": b"not an epoch folder name", ".lock.keep": b""}
    for name, content in theirs.items():
        (backup / name).parent.mkdir(parents=True, exist_ok=True)
        (backup / name).write_bytes(content)
    resumed = backup_runs.start(work / "run").fit()
    backup_runs.assert_same_outcome(resumed, reference)
    left = {str(p.relative_to(backup)): p.read_bytes() for p in backup.rglob("*") if p.is_file()}
    assert left == theirs  # theirs intact; latest.json, epoch-*/ and .lock gone
    assert backup_runs.tree(work / "outside")["canary.txt"] == b"must survive"
    outcome("nothing lost", count=len(theirs))


def test_a_folder_given_empty_is_removed_and_one_with_files_is_kept(tmp_path, outcome):
    run = tmp_path / "run"
    (run / "empty").mkdir(parents=True)
    (run / "kept").mkdir()
    (run / "kept" / "README").write_text("the user's")
    for backup in ("empty", "kept"):
        backup_runs.start(run).fit(backup=backup)
    assert sorted(p.name for p in run.iterdir()) == ["files", "kept"]  # empty: nothing of anyone's is lost
    assert [p.name for p in (run / "kept").iterdir()] == ["README"]
    assert (run / "kept" / "README").read_text() == "the user's"
    outcome("nothing lost")


# --- any value anywhere in latest.json --------------------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**130, 2**130) | st.floats(allow_nan=False) |
                    st.sampled_from(["epoch-11", "../epoch-11", "/etc", "inf", "nan", "PCG64", "EarlyStopping"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                max_size=3), max_leaves=6)


def _places(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _places(child, (*prefix, key))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.integers(0, 10**6), value=JSON)
def test_any_value_anywhere_in_the_pointer(tmp_path_factory, pristine, outcome, choice, value):
    """Replacing any value of latest.json: refused with nothing changed, or accepted (a valid backup) and
    trained to the end with nothing outside the folder touched. Nothing else may happen."""
    work = tmp_path_factory.mktemp("any")
    shutil.copytree(pristine, work / "run", symlinks=True)
    (work / "outside").mkdir()
    (work / "outside" / "canary.txt").write_text("must survive")
    data = pointer(work)
    places = [place for place in _places(data) if place]
    write_pointer(work, _set(data, places[choice % len(places)], value))
    error = backup_runs.attempt(work)
    assert error is None or "latest.json': " in str(error)
    outcome("refused cleanly" if error else "nothing lost")


def test_the_backup_fuzz_in_small(outcome):
    """fuzz/fuzz_backups.py on 60 inputs (``make fuzz`` runs 2,000): every mutation kind, nothing escapes."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "fuzz"))
    import fuzz_backups

    counts, failures = fuzz_backups.run(examples=60, seed=1, timeout=20)
    assert failures == []
    assert counts["refused"] > 0 and counts["accepted"] > 0 and counts["refused"] + counts["accepted"] == 60
    leftovers = counts["leftovers: accepted"]  # crash leftovers: recognised as stale, the run resumed
    outcome("refused cleanly", count=counts["refused"])
    outcome("recovered", count=leftovers)
    outcome("nothing lost", count=counts["accepted"] - leftovers)
