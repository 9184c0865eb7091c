"""Kill-and-resume stress (``make stress``): SIGKILL and SIGINT at random moments, then the same command again.

    python stress/stress_resume.py [--interruptions 120] [--seed 0] [--keep DIR]

Two jobs, each a fresh Python process, so a resumed run starts from what is on disk:

- **fit**: a 10-32-16-1 network with Dropout, L2 and Adam on 1,500 rows (a fifth for validation), up to 40
  epochs, with ``BackupAndRestore``, ``EarlyStopping(patience=3, restore_best_weights=True)``,
  ``ModelCheckpoint(save_best_only=True)`` and a ``ModelCheckpoint`` per epoch; then ``model.save`` of the final
  model and a line with EarlyStopping's and ModelCheckpoint's decisions. Each trial interrupts it 1-3 times, then
  runs it to the end; the outcome — the final model file, every ModelCheckpoint file, the decisions — must be
  byte for byte that of an uninterrupted run, and the trial's folder must hold exactly the files that run left.
- **save**: ``model.save`` of a 64-256-256-1 model (1 MB with Adam's slots) 100 times over a file that holds an
  older model. After each interruption the file must be the old model or the new one, whole; after the run
  completes, the new one; and no temporary file may be left.

Interruptions land uniformly in each job's run time after Python and glassnet are imported (both measured
first, the run time again whenever a job ends before its signal), so some hit ``model.save`` or the backup's
writes; those that left a temporary file behind are counted as "inside a write" (the next write
cleans it up, or the check for stray files fails). Prints one line per 20 interruptions and a summary; exits
with 1 on any difference or stray file.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

FIT_JOB = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from glassnet import (Sequential, Dense, Dropout, L2, BackupAndRestore, EarlyStopping, ModelCheckpoint)

    out = Path(sys.argv[1])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 10)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    model = Sequential([Dense(32, "relu", kernel_regularizer=L2(1e-3), name="a"), Dropout(0.2, name="d"),
                        Dense(16, "tanh", name="b"), Dense(1, "sigmoid", name="c")], name="net", seed=1)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    stopping = EarlyStopping(patience=3, restore_best_weights=True)
    best = ModelCheckpoint(out / "files" / "best.glassnet", save_best_only=True)
    every = ModelCheckpoint(out / "files" / "e{epoch:02d}-{val_loss:.4f}.glassnet")
    model.fit(x, y, batch_size=8, epochs=40, verbose=0, seed=2, validation_split=0.2,
              callbacks=[BackupAndRestore(out / "backup"), stopping, best, every])
    model.save(out / "final.glassnet")
    decisions = (stopping.stopped_epoch, stopping.best_epoch, repr(stopping.best), stopping.wait, repr(best.best))
    (out / "decisions.txt").write_text(repr(decisions))
    print("done")
""")

SAVE_JOB = textwrap.dedent("""
    import sys
    from glassnet import Sequential, Dense

    model = Sequential([Dense(256, "relu"), Dense(256, "relu"), Dense(1)], name="new", seed=7)
    model.compile("adam", "mse")
    model.build((None, 64))
    model.optimizer.build(model.state.weights, model.state)
    for _ in range(100):
        model.save(sys.argv[1])
    print("done")
""")


def listing(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


def start(script: Path, argument: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(script), str(argument)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def complete(script: Path, argument: Path) -> float:
    """Run the job to its end; its run time."""
    began = time.perf_counter()
    process = start(script, argument)
    out, err = process.communicate(timeout=300)
    if process.returncode != 0 or b"done" not in out:
        raise RuntimeError(f"{script.name} failed (exit {process.returncode}):\n{err.decode()[-3000:]}")
    return time.perf_counter() - began


def interrupt(script: Path, argument: Path, after: float, sig: signal.Signals) -> float | None:
    """Start the job, send ``sig`` after ``after`` seconds. None if that interrupted it, else (it had ended) its
    run time."""
    began = time.perf_counter()
    process = start(script, argument)
    time.sleep(after)
    running = process.poll() is None
    if running:
        process.send_signal(sig)
    out, _ = process.communicate(timeout=120)
    ended = process.returncode == 0 and b"done" in out  # perhaps between the poll and the signal
    return time.perf_counter() - began if ended else None


#: A temporary file of glassnet.saving's atomic write (``.<name>.<16 hex digits>.tmp``) outside the backup folder:
#: a killed ModelCheckpoint or model.save left it; saving's stale-temporary cleanup is what removes it.
SAVING_TEMP = re.compile(r"(?!backup/)(.*/)?\.[^/]+\.[0-9a-f]{16}\.tmp")


def stray(folder: Path, expected: set[str]) -> list[str]:
    return sorted(set(listing(folder)) - expected)


class Stress:
    def __init__(self, root: Path, seed: int):
        self.root, self.rng = root, random.Random(seed)
        self.fit_job, self.save_job = root / "fit_job.py", root / "save_job.py"
        self.fit_job.write_text(FIT_JOB)
        self.save_job.write_text(SAVE_JOB)
        self.counts: Counter = Counter()
        self.failures: list[str] = []

    # --- the references -------------------------------------------------------------------------------------
    def references(self) -> None:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import glassnet"], check=True)
        self.import_seconds = time.perf_counter() - began
        reference = self.root / "reference"
        self.fit_seconds = complete(self.fit_job, reference)
        self.fit_reference = listing(reference)
        assert "backup" not in self.fit_reference, "the uninterrupted run left its backup"
        self.fit_decisions = self.fit_reference["decisions.txt"].decode()
        import glassnet  # the old model of the save trials: another architecture, so its bytes differ

        old = glassnet.Sequential([glassnet.Dense(3)], name="old", seed=1)
        old.build((None, 64))
        old.save(self.root / "old.glassnet")
        self.old_model = (self.root / "old.glassnet").read_bytes()
        target = self.root / "new.glassnet"
        self.save_seconds = complete(self.save_job, target)
        self.new_model = target.read_bytes()

    def _signal(self) -> signal.Signals:
        sig = self.rng.choice([signal.SIGKILL, signal.SIGINT])
        return sig

    def _note(self, sig: signal.Signals, folder: Path) -> None:
        self.counts["interruptions"] += 1
        self.counts[sig.name] += 1
        if any(name.endswith(".tmp") for name in listing(folder)):
            self.counts["inside a write"] += 1
        if self.counts["interruptions"] % 20 == 0:
            print(f"  {self.counts['interruptions']} interruptions ({self.counts['SIGKILL']} SIGKILL, "
                  f"{self.counts['SIGINT']} SIGINT), {self.counts['inside a write']} inside a write, "
                  f"{len(self.failures)} failures", flush=True)

    # --- one trial of each job -------------------------------------------------------------------------------
    def fit_trial(self, index: int) -> None:
        folder = self.root / f"fit-{index}"
        for _ in range(self.rng.randint(1, 3)):
            sig, from_scratch = self._signal(), not (folder / "backup").exists()
            ended = interrupt(self.fit_job, folder, self.rng.uniform(self.import_seconds, self.fit_seconds), sig)
            if ended is None:
                self._note(sig, folder)
            elif from_scratch:  # a whole run, uninterrupted: the machine's pace now (other loads come and go)
                self.fit_seconds = ended
        from_scratch = not (folder / "backup").exists()
        seconds = complete(self.fit_job, folder)
        if from_scratch:
            self.fit_seconds = seconds
        self.counts["fit trials"] += 1
        found = listing(folder)
        self._strays(f"fit trial {index}", stray(folder, set(self.fit_reference)))
        differ = sorted(name for name, data in self.fit_reference.items() if found.get(name, b"missing") != data)
        if differ:
            self.failures.append(f"fit trial {index}: differs from the uninterrupted run in {differ}")

    def save_trial(self, index: int) -> None:
        folder = self.root / f"save-{index}"
        folder.mkdir()
        target = folder / "model.glassnet"
        target.write_bytes(self.old_model)
        for _ in range(self.rng.randint(1, 3)):
            sig = self._signal()
            ended = interrupt(self.save_job, target, self.rng.uniform(self.import_seconds, self.save_seconds), sig)
            if ended is not None:
                self.save_seconds = ended
            else:
                self._note(sig, folder)
                if target.read_bytes() not in (self.old_model, self.new_model):
                    self.failures.append(f"save trial {index}: after {sig.name} the file is neither model")
        self.save_seconds = complete(self.save_job, target)
        self.counts["save trials"] += 1
        if target.read_bytes() != self.new_model:
            self.failures.append(f"save trial {index}: the completed save differs")
        self._strays(f"save trial {index}", stray(folder, {"model.glassnet"}))

    def _strays(self, trial: str, extra: list[str]) -> None:
        saving = [name for name in extra if SAVING_TEMP.fullmatch(name)]
        self.counts["saving temporaries left"] += len(saving)
        self.counts["other stray files"] += len(extra) - len(saving)
        if extra:
            self.failures.append(f"{trial}: stray files {extra}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interruptions", type=int, default=120, help="at least this many (default 120)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the moments and signals (default 0)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    if args.interruptions < 1:
        parser.error(f"--interruptions must be ≥ 1. Received: --interruptions {args.interruptions}")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glassnet-stress-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        stress = Stress(root, args.seed)
        stress.references()
        print(f"kill-and-resume stress: the fit job takes {stress.fit_seconds:.2f} s, the save job "
              f"{stress.save_seconds:.2f} s uninterrupted ({stress.import_seconds:.2f} s of it importing); "
              "EarlyStopping/ModelCheckpoint decisions "
              f"{stress.fit_decisions}", flush=True)
        trial = 0
        while stress.counts["interruptions"] < args.interruptions:
            # three fit trials for one save trial: the fit job is where the backups are
            (stress.save_trial if trial % 4 == 3 else stress.fit_trial)(trial)
            trial += 1
    counts = stress.counts
    print(f"kill-and-resume stress: {counts['interruptions']} interruptions ({counts['SIGKILL']} SIGKILL, "
          f"{counts['SIGINT']} SIGINT; {counts['inside a write']} inside a write) in {counts['fit trials']} fit "
          f"and {counts['save trials']} save trials, {time.perf_counter() - began:.0f} s: "
          + ("every resumed run byte for byte equal to the uninterrupted one, no stray file" if not stress.failures
             else f"{len(stress.failures)} FAILURES ({counts['saving temporaries left']} temporary files of killed "
                  f"saves left beside ModelCheckpoint's or save's target, {counts['other stray files']} other stray "
                  "files)"))
    for failure in stress.failures[:20]:
        print("  " + failure)
    return 1 if stress.failures else 0


if __name__ == "__main__":
    sys.exit(main())
