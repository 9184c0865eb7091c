"""Hostile and damaged data files: every reader refuses them in one line (a ValueError starting with the file's
path) before it allocates what they declare; nothing else escapes.

The hand-made cases below each check one bound of glassnet.datasets.limits (made small with monkeypatch where a
real-size file would be slow to write). The property test mutates small valid CSV, NPY, NPZ and Parquet files
as fuzz/fuzz_data_files.py does (``make fuzz`` runs 10,000 of them) and checks that reading and preparing each one
gives a table or a ValueError.
"""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import random
import struct
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet import datasets as ds
from glassnet.datasets import limits

FUZZ_SCRIPT = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_data_files.py"


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("fuzz_data_files", FUZZ_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = _fuzz_module()


def refused(path: Path, message: str, target=None) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        ds.read_table(path, target=target)
    text = str(caught.value)
    assert text.startswith(str(path)) and "\n" not in text, text


def npy_bytes(header: str, data: bytes = b"") -> bytes:
    head = header.encode()
    head += b" " * (-(len(head) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + data


# --- .npy and .npz --------------------------------------------------------------------------------------------
def test_npy_declaring_2_to_the_36_rows_is_refused_before_reading(tmp_path, outcome):
    path = tmp_path / "x.npy"
    path.write_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (68719476736, 3), }", bytes(64)))
    np.save(tmp_path / "y.npy", np.zeros(3))
    refused(path, r"declares \(68719476736, 3\) float64 = 1,649,267,441,664 bytes, more than the 2,147,483,648",
            target=tmp_path / "y.npy")
    outcome("refused cleanly")


@pytest.mark.parametrize(("data", "message"), [
    (bytes(24), r"declares \(4, 3\) float64 = 96 bytes of data, but 24 follow the header"),
    (bytes(200), r"declares \(4, 3\) float64 = 96 bytes of data, but 200 follow"),
])
def test_npy_whose_size_does_not_match_its_header(tmp_path, outcome, data, message):
    path = tmp_path / "x.npy"
    path.write_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", data))
    refused(path, message, target=tmp_path / "x.npy")
    outcome("refused cleanly")


def test_npy_headers_that_are_too_long_or_not_numpy(tmp_path, outcome):
    long_header = tmp_path / "long.npy"
    long_header.write_bytes(b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{")
    refused(long_header, r"a header of 2,147,483,648 bytes; at most 65,536", target=long_header)
    pickled = tmp_path / "pickle.npy"
    pickled.write_bytes(pickle.dumps([1, 2, 3]))
    refused(pickled, r"it holds pickled Python objects, which glassnet never loads", target=pickled)
    outcome("refused cleanly", count=2)


def zip_bomb(path: Path, megabytes: int) -> None:
    """An honest .npz whose x is ``megabytes`` MiB of zeros: it deflates ~1,000×."""
    rows = megabytes * 1024**2 // 32
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w") as member:
            member.write(npy_bytes(f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, 4), }}"))
            for _ in range(megabytes):
                member.write(bytes(1024**2))
        archive.writestr("y.npy", np.save(buffer := io.BytesIO(), np.zeros(rows)) or buffer.getvalue())


def test_zip_bomb_npz_is_refused_before_decompressing(tmp_path, outcome, monkeypatch):
    monkeypatch.setattr(limits, "EXPANSION_FREE_BYTES", 1024**2)   # the real bound is 64 MiB: a slow file to write
    path = tmp_path / "bomb.npz"
    zip_bomb(path, 4)
    refused(path, r"array 'x' expands from [0-9,]+ to 4,194,432 bytes, more than 100× \(a zip bomb\?\)")
    monkeypatch.setattr(limits, "MAX_DATA_BYTES", 1024**2)
    refused(path, r"arrays \['x', 'y'\] expand to [0-9,]+ bytes, more than the 1,048,576 a data file may hold")
    outcome("refused cleanly", count=2)


def test_npz_of_many_entries_or_lying_sizes(tmp_path, outcome):
    many = tmp_path / "many.npz"
    np.savez(many, x=np.zeros((2, 1)), y=np.zeros(2), **{f"a{i}": np.zeros(1) for i in range(1_001)})
    refused(many, r"an archive of 1,003 entries .*holds at most 1,000 arrays")
    lying = tmp_path / "lying.npz"
    with zipfile.ZipFile(lying, "w") as archive:
        archive.writestr("x.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 3), }"))
        archive.writestr("y.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }"))
    refused(lying, r"array 'x': declares \(1000000, 3\) float64 = 24,000,000 bytes of data, but 0 follow")
    outcome("refused cleanly", count=2)


# --- CSV --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "bound", "value", "message"), [
    ("a,b\n" + "1" * 2000 + ",2\n", "MAX_LINE_CHARS", 1000, r"line 2: longer than 1,000 characters"),
    ("a,b\n" + "1," * 60 + "1\n", "MAX_COLUMNS", 50, r"line 2: more than 50 fields"),
    ('a,b\n"x\ny",' + '"1\n",' * 60 + "1\n", "MAX_COLUMNS", 50, r"line \d+: more than 50 fields"),
    ("a,b\n" + "1,2\n" * 80, "MAX_CELLS", 100, r"more than 100 cells \(rows × columns\)"),
    ("a,b\n" + "".join(f"t{i},1\n" for i in range(8)), "MAX_CATEGORIES", 5, r"column 'a': more than 5 distinct"),
    ("a,b\n" + "x" * 300 + ",1\n", "MAX_TEXT_CHARS", 200, r"line 2, column 'a': a text of 300 characters"),
    ("a,b\n1,2\n", "MAX_DATA_BYTES", 4, r"8 bytes, more than the 4 a data file may have"),
])
def test_csv_bounds(tmp_path, outcome, monkeypatch, text, bound, value, message):
    monkeypatch.setattr(limits, bound, value)
    path = tmp_path / "hostile.csv"
    path.write_text(text)
    refused(path, message)
    outcome("refused cleanly")


@pytest.mark.parametrize(("blob", "message"), [
    ("größe,y\n1,2\n".encode("latin-1"), r"line 1: not UTF-8 text; save the CSV as UTF-8"),
    (b"a,b\n1,\"" + b"x" * 140_000 + b"\"\n", r"line 2: field larger than field limit \(131072\)"),
    (b"a,b\n1,inf\n", r"line 2, column 'b': 'inf' is not a finite number"),
])
def test_csv_bytes_that_are_not_a_table(tmp_path, outcome, blob, message):
    path = tmp_path / "hostile.csv"
    path.write_bytes(blob)
    refused(path, message)
    outcome("refused cleanly")


def test_numbers_beyond_float32_are_refused_when_prepared(tmp_path, outcome):
    path = tmp_path / "big.csv"
    path.write_text("a,y\n1e300,0\n1,1\n2,0\n3,1\n")
    with pytest.raises(ValueError, match=r"line 2, column 'a': 1e\+300 is beyond float32's range"):
        ds.prepare(ds.read_table(path), "y", val=0.0)
    outcome("refused cleanly")


def test_a_fifo_or_a_device_is_not_read(tmp_path, outcome):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(fifo, r"not a regular file")
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    refused(link, r"not a regular file")
    outcome("refused cleanly", count=2)


# --- Parquet ------------------------------------------------------------------------------------------------------
def test_parquet_footers_and_metadata_past_the_bounds(tmp_path, outcome, monkeypatch):
    absurd = tmp_path / "absurd.parquet"
    absurd.write_bytes(b"PAR1" + bytes(16) + struct.pack("<I", 2**31 - 1) + b"PAR1")
    refused(absurd, r"not a readable Parquet file \(Parquet file size is 28 bytes, smaller than")
    table = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": np.zeros(1000), "y": np.zeros(1000)}), table)
    monkeypatch.setattr(limits, "MAX_CELLS", 1000)
    refused(table, r"declares 1,000 rows × 2 columns; the limits are 10,000 columns and 1,000 cells")
    monkeypatch.setattr(limits, "EXPANSION_FREE_BYTES", 0)
    monkeypatch.setattr(limits, "MAX_EXPANSION", 1)
    monkeypatch.setattr(limits, "MAX_CELLS", 10**6)
    repeating = np.tile([1.5, 2.5, 3.5, 4.5], 25_000)   # 800 kB plain-encoded, a few kB compressed
    pq.write_table(pa.table({"a": repeating, "y": repeating}), table, compression="zstd", use_dictionary=False)
    refused(table, r"declares [0-9,]+ bytes of data in a file of [0-9,]+; the limits are .* 1× the file")
    outcome("refused cleanly", count=3)


# --- the property, on mutated files --------------------------------------------------------------------------
SOURCES = fuzz.seeds()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(name=st.sampled_from(sorted(SOURCES)), seed=st.integers(0, 2**32 - 1))
def test_mutated_files_are_read_or_refused_in_one_line(tmp_path_factory, name, seed):
    folder = tmp_path_factory.mktemp("fuzz")
    blob, _ = fuzz.mutated(random.Random(seed), name, SOURCES[name])
    result = fuzz.check(folder, name, blob)   # anything but a ValueError fails the test here
    assert result == "read" or result.startswith("refused: ")
