"""The long fuzz of ``BackupAndRestore``'s restore (``make fuzz``)::

    python fuzz/fuzz_backups.py --examples 2000 [--seed 0] [--timeout 20]

Every input is a real backup folder — the command of tests/backup_runs.py interrupted as epoch 12 began, so
``latest.json`` and ``epoch-11/`` with the model and EarlyStopping's best weights — with one seeded change:
any value anywhere in ``latest.json`` (random or nearby values, deletions, additions, as fuzz/fuzz_loader.py
mutates JSON), its bytes (flips, cuts, insertions), hostile folder names and epochs (``../``, absolute paths,
NUL bytes, leading zeros), the folder's files (deleted, replaced by random bytes, bit-flipped, turned into links
to a valid backup outside, into folders or FIFOs, foreign files added; half of these with the digests in
``latest.json`` updated to match, as a self-consistent foreign backup would) and crash leftovers (stale epoch
folders, temporary files, a stale lock). Beside it, ``outside/`` holds a canary and a valid backup copy.

The property is tests/backup_runs.attempt's: the same command either refuses with ModelFileError — and the
model, the optimizer, the generators, the callbacks' states and every file are as before — or accepts the
backup, trains to the end and leaves nothing of the backup and nothing outside changed. Nothing else may
escape, and no input may take longer than ``--timeout`` seconds. Prints the counts (refused, accepted, escaped)
per mutation and the most common refusals; exits with 1 if anything escaped or hung.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
import backup_runs  # noqa: E402 - the training command and the property, shared with the tests
from fuzz_loader import Hang, bit_flips, cuts_and_inserts, mutate_tree, random_text, reason  # noqa: E402

EPOCH = "epoch-11"
OWN_FILES = ["latest.json", f"{EPOCH}/model.glassnet", f"{EPOCH}/callback-0-best_weights.glassnet"]
HOSTILE_FOLDERS = ["../epoch-11", "../../outside/backup-copy/epoch-11", "/", "/etc", "/tmp", ".", "..", "",
                   "epoch-11/..", "epoch-11/", "./epoch-11", "epoch-011", "epoch-+11", "epoch- 11", "EPOCH-11",
                   "epoch-11\x00", "epoch-1e1", "epoch-٣", "epoch-11" * 1000, "outside", "~/epoch-11"]


# --- making a hostile folder from the pristine one --------------------------------------------------------------
def pointer_tree(rng: random.Random, work: Path) -> None:
    path = work / "run" / "backup" / "latest.json"
    path.write_text(json.dumps(mutate_tree(rng, json.loads(path.read_text()))))


def pointer_bytes(rng: random.Random, work: Path) -> None:
    path = work / "run" / "backup" / "latest.json"
    blob = path.read_bytes()
    path.write_bytes(rng.choice([bit_flips, cuts_and_inserts])(rng, blob, {}))


def pointer_hostile(rng: random.Random, work: Path) -> None:
    path = work / "run" / "backup" / "latest.json"
    data = json.loads(path.read_text())
    folder = rng.choice(HOSTILE_FOLDERS + [random_text(rng)])
    if rng.random() < 0.5:
        data["folder"] = folder
    else:
        data["epoch"] = rng.choice([-1, 0, 10, 12, 29, 30, 2**31, 2**63, 10**30, "11", 11.0, None, [11], True])
        data["folder"] = rng.choice([folder, data["folder"], f"epoch-{data['epoch']}"])
    path.write_text(json.dumps(data))


def _replace(rng: random.Random, path: Path, work: Path) -> None:
    """Delete ``path``, or put something else in its place."""
    outside = work / "outside" / "backup-copy" / path.relative_to(work / "run" / "backup")
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    choice = rng.choice(["deleted", "random bytes", "link outside", "folder", "fifo", "empty"])
    if choice == "random bytes":
        path.write_bytes(rng.randbytes(rng.choice([0, 7, 8, 64, 4096])))
    elif choice == "link outside":
        path.symlink_to(outside)
    elif choice == "folder":
        path.mkdir()
    elif choice == "fifo":
        os.mkfifo(path)
    elif choice == "empty":
        path.write_bytes(b"")


def folder_files(rng: random.Random, work: Path) -> None:
    backup = work / "run" / "backup"
    target = backup / rng.choice([*OWN_FILES, EPOCH])
    if rng.random() < 0.75:
        _replace(rng, target, work)
    else:  # a foreign file beside BackupAndRestore's
        where = rng.choice([backup / EPOCH, backup / f"epoch-{rng.randint(0, 40)}", backup])
        where.mkdir(exist_ok=True)
        (where / rng.choice(["notes.txt", "model.glassnet.bak", ".model.glassnet.tmp", "x"])).write_text("mine")


def file_bytes(rng: random.Random, work: Path) -> None:
    path = work / "run" / "backup" / rng.choice(OWN_FILES[1:])
    path.write_bytes(rng.choice([bit_flips, cuts_and_inserts])(rng, path.read_bytes(), {}))


def leftovers(rng: random.Random, work: Path) -> None:
    backup = work / "run" / "backup"
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["stale epoch", "pointer temp", "model temp", "lock"])
        if kind == "lock":
            (backup / ".lock").write_bytes(b"")
        elif kind == "pointer temp":
            (backup / f".latest.json.{rng.randbytes(8).hex()}.tmp").write_bytes(rng.randbytes(20))
        else:
            folder = backup / f"epoch-{rng.choice([0, 5, 10, 12, 13, 29])}"
            folder.mkdir(exist_ok=True)
            name = "model.glassnet" if kind == "stale epoch" else f".model.glassnet.{rng.randbytes(8).hex()}.tmp"
            shutil.copy(backup / EPOCH / "model.glassnet", folder / name)


MUTATIONS = [pointer_tree, pointer_tree, pointer_bytes, pointer_hostile, folder_files, file_bytes, leftovers]


# --- the run ------------------------------------------------------------------------------------------------------
def _raise_hang(signum: int, frame: object) -> None:
    raise Hang()


def pristine(folder: Path) -> Path:
    """The run folder of the interrupted command (its backup in ``backup/``)."""
    try:
        backup_runs.fit(folder, extra=(backup_runs.Crash("on_epoch_begin", 12),))
    except KeyboardInterrupt:
        return folder
    raise RuntimeError("the command was not interrupted")


def run(examples: int, seed: int, timeout: float) -> tuple[collections.Counter, list[str]]:
    """Fuzz ``examples`` inputs; the counts (per outcome and per 'mutation: outcome') and the failures."""
    rng = random.Random(seed)
    counts, reasons, failures = collections.Counter(), collections.Counter(), []
    signal.signal(signal.SIGALRM, _raise_hang)
    with tempfile.TemporaryDirectory(prefix="glassnet-fuzz-backups-") as scratch:
        source = pristine(Path(scratch) / "pristine")
        for index in range(examples):
            work = Path(scratch) / f"input-{index}"
            shutil.copytree(source, work / "run", symlinks=True)
            shutil.copytree(source / "backup", work / "outside" / "backup-copy", symlinks=True)
            (work / "outside" / "canary.txt").write_text("must survive")
            mutation = rng.choice(MUTATIONS)
            mutation(rng, work)
            if mutation in (folder_files, file_bytes) and rng.random() < 0.5:
                backup_runs.redigest(work)  # a self-consistent foreign backup: the checks behind the digests
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                error = backup_runs.attempt(work)
                outcome = "refused" if error else "accepted"
                if error:
                    reasons[reason(error)] += 1
            except (Exception, Hang) as exc:  # noqa: BLE001 - exactly what the property forbids
                outcome = "escaped"
                failures.append(f"input {index} ({mutation.__name__}): {type(exc).__name__}: {exc}"[:400] + "\n"
                                + traceback.format_exc(limit=4))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            counts[outcome] += 1
            counts[f"{mutation.__name__}: {outcome}"] += 1
            shutil.rmtree(work, ignore_errors=True)
    counts.update({f"reason: {text}": n for text, n in reasons.items()})
    return counts, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000, help="how many inputs (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the mutations (default 0)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds one input may take (default 20)")
    args = parser.parse_args(argv)
    if args.examples < 1 or args.timeout <= 0:
        parser.error(f"--examples must be ≥ 1 and --timeout > 0. Received: --examples {args.examples} "
                     f"--timeout {args.timeout}")
    began = time.perf_counter()
    counts, failures = run(args.examples, args.seed, args.timeout)
    print(f"BackupAndRestore fuzz: {args.examples} backup folders (seed {args.seed}) in "
          f"{time.perf_counter() - began:.1f} s")
    for outcome in ("refused", "accepted", "escaped"):
        print(f"  {outcome:9s} {counts[outcome]:6d}")
    print("per mutation (refused / accepted / escaped):")
    for mutation in sorted({m.__name__ for m in MUTATIONS}):
        print(f"  {mutation:16s}" + "".join(f" {counts[f'{mutation}: {o}']:6d}"
                                             for o in ("refused", "accepted", "escaped")))
    top = sorted(((n, key[8:]) for key, n in counts.items() if key.startswith("reason: ")), reverse=True)[:12]
    print("refusals by reason (the 12 most common):")
    for n, text in top:
        print(f"  {n:6d}  {text}")
    for failure in failures[:10]:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
