"""The long fuzz of the data-file readers (``make fuzz``)::

    python fuzz/fuzz_data_files.py --examples 10000 [--seed 0] [--timeout 10] [--memory-mb 2048] [--crash-dir DIR]

The property: for every input, ``glassnet.datasets.read_table`` returns a table or raises the one-line
``ValueError`` the readers document, and so does preparing that table for training
(``glassnet.datasets.prepare`` with ``missing='mean'``) — nothing else escapes, no input takes longer than
``--timeout`` seconds, and none allocates past ``--memory-mb`` (an address-space limit: a MemoryError is a
failure). tests/test_hostile_data_files.py checks the same property on a few hundred inputs in ``make test``.

The inputs are seeded mutations of small valid files — a CSV with numbers, a text column and missing cells, an
``.npy`` pair, an ``.npz`` (stored and deflated) and a Parquet file: bit flips, truncations, insertions, deletions
and duplications of bytes; CSV delimiters, quotes, line breaks, NULs, markers of missing cells, huge numbers and
long lines; ``.npy`` headers with other dtypes (object, text, big-endian) and huge or negative shapes; zip
directory and local sizes rewritten (zip bombs that lie, archives of many entries); Parquet footers with their
length field rewritten. The same ``--seed`` gives the same inputs.
"""

from __future__ import annotations

import argparse
import collections
import io
import random
import resource
import signal
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

from glassnet import datasets

CSV_SEED = ("alcohol,colour,ash,class\n14.2,red,2.43,class_0\n13.2,,2.14,class_0\n12.4,blue,NA,class_1\n"
            "12.9,red,2.1,class_1\n13.7,\"gre,en\",2.36,class_2\n13.1,blue,?,class_2\n")


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so no reader's ``except Exception`` can swallow it."""


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz(compressed: bool) -> bytes:
    buffer = io.BytesIO()
    x = np.arange(24, dtype=np.float64).reshape(8, 3)
    (np.savez_compressed if compressed else np.savez)(buffer, x=x, y=np.array([0, 1] * 4))
    return buffer.getvalue()


def _parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"a": [1.0, None, 3.0, 4.0], "kind": ["x", "y", None, "x"], "y": [0, 1, 0, 1]}),
                   buffer)
    return buffer.getvalue()


def seeds() -> dict[str, bytes]:
    """Name (with the extension that picks the reader) → bytes of a small valid file."""
    return {"table.csv": CSV_SEED.encode(), "x.npy": _npy(np.arange(12.0).reshape(4, 3)),
            "stored.npz": _npz(False), "deflated.npz": _npz(True), "table.parquet": _parquet()}


# --- mutations: each takes the Random and the bytes, returns new bytes -------------------------------------------
def flip_bits(rng: random.Random, blob: bytes) -> bytes:
    data = bytearray(blob)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def truncate(rng: random.Random, blob: bytes) -> bytes:
    return blob[:rng.randrange(len(blob))]


def insert(rng: random.Random, blob: bytes) -> bytes:
    at = rng.randrange(len(blob) + 1)
    piece = rng.choice([b",", b"\"", b"\n", b"\r", b"\x00", b"NA", b"?", b"inf", b"-nan", b"1e999", b"\xff\xfe",
                        b"\xe9", b"\x1b[2J", b",,,,,,,,", b"\"a\nb\"", bytes(rng.randrange(256) for _ in range(8))])
    return blob[:at] + piece * rng.choice([1, 1, 3, 100]) + blob[at:]


def delete(rng: random.Random, blob: bytes) -> bytes:
    at = rng.randrange(len(blob))
    return blob[:at] + blob[at + rng.randint(1, 16):]


def duplicate(rng: random.Random, blob: bytes) -> bytes:
    at = rng.randrange(len(blob))
    chunk = blob[at:at + rng.randint(1, 64)]
    return blob[:at] + chunk * rng.randint(2, 50) + blob[at:]


def long_line(rng: random.Random, blob: bytes) -> bytes:
    size = rng.choice([1000, 70_000, 140_000, 1_100_000])   # past csv's field limit and glassnet's line limit
    return blob.replace(b"\n", b"\n" + rng.choice([b"1", b"1,"]) * size + b"\n", 1)


def npy_header(rng: random.Random, blob: bytes) -> bytes:
    """An .npy (or each .npy inside an archive) with another dtype or shape in its header."""
    descr = rng.choice(["'|O'", "'<U5'", "'>f8'", "'<f8'", "'<c16'", "'V8'", "'<i8'"])
    shape = rng.choice(["(68719476736, 3)", "(4, 3)", "(-1, 3)", "(4,)", "()", "(2**40,)", "(3, 4, 5)",
                        "(4, 3, 0)", "(99999999999999999999,)"])
    header = f"{{'descr': {descr}, 'fortran_order': {rng.choice(['False', 'True'])}, 'shape': {shape}, }}"
    start = blob.find(b"{'descr'")
    end = blob.find(b"\n", start)
    if start < 0 or end < 0:
        return flip_bits(rng, blob)
    padded = header.encode().ljust(end - start)
    return blob[:start] + padded + blob[end:] if len(padded) == end - start else blob[:start] + padded + blob[end:]


def zip_sizes(rng: random.Random, blob: bytes) -> bytes:
    """Rewrite the sizes a zip declares: a member's uncompressed size, or the end record's entry count."""
    data = bytearray(blob)
    value = rng.choice([0, 1, 2**31 - 1, 2**32 - 1, 10**9, 65_535])
    for signature, offset, width in ((b"PK\x01\x02", 24, 4), (b"PK\x03\x04", 22, 4), (b"PK\x05\x06", 10, 2)):
        at = data.find(signature)
        if at >= 0 and rng.random() < 0.6:
            data[at + offset:at + offset + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
    return bytes(data)


def parquet_footer(rng: random.Random, blob: bytes) -> bytes:
    length = rng.choice([0, 1, 2**31 - 1, 2**32 - 1, len(blob)])
    return blob[:-8] + struct.pack("<I", length) + b"PAR1"


MUTATIONS = {"flip_bits": flip_bits, "truncate": truncate, "insert": insert, "delete": delete,
             "duplicate": duplicate, "long_line": long_line, "npy_header": npy_header, "zip_sizes": zip_sizes,
             "parquet_footer": parquet_footer}


def mutated(rng: random.Random, name: str, blob: bytes) -> tuple[bytes, str]:
    """One to three mutations of ``blob``; the names joined by '+'."""
    names = [rng.choice(list(MUTATIONS)) for _ in range(rng.choice([1, 1, 2, 3]))]
    for mutation in names:
        blob = MUTATIONS[mutation](rng, blob) if blob else blob
    return blob, "+".join(names)


# --- the property -------------------------------------------------------------------------------------------------
def check(folder: Path, name: str, blob: bytes) -> str:
    """Read ``blob`` as the file ``name`` and prepare it; return 'read' or the refusal's first words. Anything
    but a ValueError escapes to the caller."""
    path = folder / name
    path.write_bytes(blob)
    if name == "x.npy":
        (folder / "y.npy").write_bytes(_npy(np.array([0.0, 1.0, 0.0, 1.0])))
    target = {"x.npy": folder / "y.npy"}.get(name, "y" if name.endswith(".npz") else None)
    try:
        table = datasets.read_table(path, target=target)
        if len(table.columns) >= 2:
            data = datasets.prepare(table, -1, missing="mean", val=0.25, seed=0)
            data.preparation.x(table, data.val_rows)
    except ValueError as exc:
        return "refused: " + " ".join(str(exc).split(": ", 1)[-1].split()[:4])
    return "read"


def run(examples: int, seed: int, timeout: float, memory_mb: int, crash_dir: Path | None) -> int:
    limit = memory_mb * 1024**2
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    def alarm(signum: int, frame: object) -> None:
        raise Hang()

    signal.signal(signal.SIGALRM, alarm)
    rng, sources = random.Random(seed), seeds()
    outcomes: collections.Counter[str] = collections.Counter()
    failures = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for index in range(examples):
            source = rng.choice(sorted(sources))
            blob, how = mutated(rng, source, sources[source])
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                outcomes[check(folder, source, blob)] += 1
            except Hang:
                failures.append((index, source, how, blob, f"took more than {timeout} s"))
            except Exception:  # noqa: BLE001 - the property: nothing but ValueError may escape
                failures.append((index, source, how, blob, traceback.format_exc(limit=-3)))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - started
    refusals = examples - outcomes["read"] - len(failures)
    print(f"{examples} inputs in {elapsed:.1f} s: {outcomes['read']} read, {refusals} refused in one line, "
          f"{len(failures)} failures")
    for outcome, count in outcomes.most_common(12):
        print(f"  {count:6d}  {outcome}")
    for index, source, how, blob, problem in failures[:20]:
        print(f"FAILURE #{index} ({source}, {how}): {problem}")
        if crash_dir is not None:
            crash_dir.mkdir(parents=True, exist_ok=True)
            (crash_dir / f"{index}-{source}").write_bytes(blob)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000, help="how many inputs (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the mutations (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take (default 10)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit (default 2048 MB)")
    parser.add_argument("--crash-dir", type=Path, default=None, help="where to write inputs that failed")
    args = parser.parse_args(argv)
    if args.examples < 1 or args.timeout <= 0 or args.memory_mb < 256:
        parser.error(f"--examples must be ≥ 1, --timeout > 0 and --memory-mb ≥ 256. Received: --examples "
                     f"{args.examples} --timeout {args.timeout} --memory-mb {args.memory_mb}")
    return run(args.examples, args.seed, args.timeout, args.memory_mb, args.crash_dir)


if __name__ == "__main__":
    sys.exit(main())
