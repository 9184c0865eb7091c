"""The `glassnet` command against hostile input: bombs in options, config and data files, names built to attack
the terminal, model files with a forged data-preparation record, paths that would fail after the work is done.
Each case ends in one line on stderr and exit code 2 within a second or two, without allocating what the input
asks for — or, for names, in output whose control characters are shown as escapes."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glassnet import Dense, Sequential
from glassnet.cli import main
from glassnet.datasets import limits

ESC = "\x1b"


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys, message: str, *args: object) -> str:
    code, out, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("glassnet: error:"), (code, out, err)
    assert message in lines[0], lines[0]
    assert ESC not in out + err
    return lines[0]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A CSV of cells without commas or quotes (so no quoting is needed)."""
    path.write_text("".join(",".join(map(str, row)) + "\n" for row in [header, *rows]), encoding="utf-8")
    return path


@pytest.fixture
def table(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    return write_csv(tmp_path / "t.csv", ["a", "b", "y"], [[*row, int(row[0] > 0)] for row in x])


# --- bombs in the options and the config file ------------------------------------------------------------------
def alias_bomb() -> str:
    """Nine levels of nine aliases: 9⁹ ≈ 387 million strings if anything expanded it."""
    keys = ["layers", "activation", "convention", "optimizer", "task", "lambdas", "scheduler", "out", "data"]
    lines = [f'{keys[0]}: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"{keys[i]}: &{'abcdefghi'[i]} [" + ",".join([f"*{'abcdefghi'[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.peers  # YAML configs (PyYAML)
def test_yaml_alias_bomb_in_the_config(capsys, tmp_path, table, outcome):
    config = tmp_path / "bomb.yaml"
    config.write_text(alias_bomb())
    assert config.stat().st_size < 400
    line = refused(capsys, "bomb.yaml: layers must be hidden layer widths", "train", "--config", config)
    assert len(line) < 300
    outcome("refused cleanly")


@pytest.mark.parametrize(("args", "message"), [
    (["--layers", "1000000000"], "--layers must be hidden layer widths like 25,15: up to 100 integers from 1 to "
                                 "100,000; got '1000000000'"),
    (["--layers", ",".join(["5"] * 101)], "--layers must be hidden layer widths"),
    (["--layers", "100000,100000"], "--layers 100000,100000 on 2 inputs makes 10,000,500,001 weights, more than "
                                    "10,000,000"),
    (["--epochs", "100000000"], "--epochs must be an integer from 1 to 1,000,000"),
])
def test_huge_networks_are_refused_before_anything_is_allocated(capsys, table, outcome, args, message):
    refused(capsys, message, "train", "--data", table, "--target", "y", *args)
    outcome("refused cleanly")


@pytest.mark.parametrize("lambdas", ["log:0:1:1000000000", "log:0:400:5", ",".join(["0.1"] * 1001), "1e400",
                                     "0.1,0.1"])
def test_lambda_grids_are_bounded(capsys, table, outcome, lambdas):
    refused(capsys, "--lambdas must be a comma list", "sweep", "--data", table, "--target", "y",
            f"--lambdas={lambdas}")
    outcome("refused cleanly")


@pytest.mark.parametrize(("text", "name", "message"), [
    ('task = "binery"\n', "c.toml", "task must be one of auto, binary, multiclass, regression; got 'binery'"),
    ("epochs = 2.9\n", "c.toml", "epochs must be an integer from 1 to 1,000,000; got 2.9"),
    ("batch_size = true\n", "c.toml", "batch_size must be an integer from 1 to 2,147,483,647; got True"),
    ("standardize = 1\n", "c.toml", "standardize must be true or false; got 1"),
    pytest.param("- 1\n- 2\n", "c.yaml", "must hold key = value settings; got [1, 2]",
                 marks=pytest.mark.peers),  # YAML configs need PyYAML
    pytest.param("seed: !!python/object/apply:os.system ['true']\n", "c.yaml",
                 "could not determine a constructor for the tag", marks=pytest.mark.peers),
    ("x" * 70_000, "c.toml", "has 70,000 bytes; a config file may have at most 65,536"),
    ("[[[[" * 1000, "c.toml", "is not valid"),
])
def test_config_values_are_checked_not_coerced(capsys, tmp_path, table, outcome, text, name, message):
    config = tmp_path / name
    config.write_text(text)
    refused(capsys, message, "train", "--config", config, "--data", table, "--target", "y")
    outcome("refused cleanly")


# --- bombs in the data file ---------------------------------------------------------------------------------------
def npy_bytes(header: str, data: bytes = b"") -> bytes:
    head = header.encode()
    head += b" " * (-(len(head) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + data


def test_npy_declaring_2_to_the_36_rows(capsys, tmp_path, outcome):
    (tmp_path / "x.npy").write_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (68719476736, 3), }"))
    np.save(tmp_path / "y.npy", np.zeros(3))
    refused(capsys, "x.npy: declares (68719476736, 3) float64 = 1,649,267,441,664 bytes, more than", "train",
            "--data", tmp_path / "x.npy", "--target", tmp_path / "y.npy")
    outcome("refused cleanly")


def test_zip_bomb_npz(capsys, tmp_path, outcome, monkeypatch):
    monkeypatch.setattr(limits, "EXPANSION_FREE_BYTES", 1024**2)   # 64 MiB for real; a 4 MiB bomb is quicker
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w") as member:
            member.write(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (131072, 4), }"))
            member.write(bytes(4 * 1024**2))
        archive.writestr("y.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (131072,), }",
                                            bytes(1024**2)))
    refused(capsys, "array 'x' expands from", "train", "--data", path, "--target", "y")
    outcome("refused cleanly")


@pytest.mark.parametrize(("blob", "message"), [
    (b"a,b\n" + b"1" * (2 * 1024**2) + b",2\n", "line 2: longer than 1,048,576 characters"),
    (b"a,b\n" + b"1," * 20_000 + b"1\n", "line 2: more than 10,000 fields"),
    ("größe,y\n1,2\n".encode("latin-1"), "line 1: not UTF-8 text; save the CSV as UTF-8"),
])
def test_csv_files_past_the_bounds(capsys, tmp_path, outcome, blob, message):
    (tmp_path / "bad.csv").write_bytes(blob)
    refused(capsys, message, "train", "--data", tmp_path / "bad.csv", "--target", "b")
    outcome("refused cleanly")


@pytest.mark.peers  # Parquet (pyarrow)
def test_parquet_with_an_absurd_footer(capsys, tmp_path, outcome):
    path = tmp_path / "absurd.parquet"
    path.write_bytes(b"PAR1" + bytes(16) + struct.pack("<I", 2**31 - 1) + b"PAR1")
    refused(capsys, "not a readable Parquet file", "train", "--data", path, "--target", "y")
    outcome("refused cleanly")


def test_a_folder_or_a_fifo_as_data(capsys, tmp_path, outcome):
    refused(capsys, "is not a file", "train", "--data", tmp_path, "--target", "y")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(capsys, f"data file {fifo} is not a file", "train", "--data", fifo, "--target", "y")
    outcome("refused cleanly", count=2)


# --- names that attack the terminal --------------------------------------------------------------------------
def test_escape_sequences_in_a_model_file_are_shown_not_sent(capsys, tmp_path, table, outcome):
    # save refuses such a name, so the file is forged: its layer name rewritten in the JSON config.
    model = Sequential([Dense(4, "relu", name="d"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.build((None, 2))
    model.save(tmp_path / "evil.glassnet")
    evil = "\x1b[2J\x1b[31mevil\nforged line"
    rewrite_config(tmp_path / "evil.glassnet", lambda c: c["model"]["layers"][0]["config"].update(name=evil))
    code, out, err = run(capsys, "explain", "--model", tmp_path / "evil.glassnet", "--data", table, "--target", "y")
    assert code == 2 and ESC not in out + err and "\\x1b[2J\\x1b[31mevil" in err, err
    assert len(err.strip().splitlines()) == 1  # the newline in the name did not forge a second line
    outcome("refused cleanly")


def test_escape_sequences_in_column_and_class_names(capsys, tmp_path, outcome):
    rows = [[i, "\x1b]0;pwned\x07yes" if i % 2 else "no\u202e"] for i in range(40)]
    path = write_csv(tmp_path / "evil.csv", ["a\x1b[1m", "label"], rows)
    code, out, err = run(capsys, "train", "--data", path, "--target", "label", "--epochs", "1", "--out",
                         tmp_path / "m.glassnet")
    assert code == 0 and ESC not in out + err and "\u202e" not in out and "\\x1b]0;pwned\\x07yes" in out, err
    code, out, err = run(capsys, "predict", "--model", tmp_path / "m.glassnet", "--data", path)
    assert code == 0 and ESC not in out and "\\u202e" in out, err
    refused(capsys, "no column named '\\x1b[1mb'", "train", "--data", path, "--target", "\x1b[1mb")
    outcome("recovered", count=2)
    outcome("refused cleanly")


# --- a forged data-preparation record in a model file --------------------------------------------------------------
def rewrite_config(path: Path, change) -> None:
    """Edit the JSON config inside a safetensors model file (header length, header, tensors)."""
    blob = path.read_bytes()
    length = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + length])
    config = json.loads(header["__metadata__"]["config"])
    change(config)
    header["__metadata__"]["config"] = json.dumps(config)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + blob[8 + length:])


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c["preparation"].update(classes=[1, 2]), "`config.preparation.classes[0]` must be a string"),
    (lambda c: c["preparation"].update(classes=["a", "a"]), "must be a list of distinct strings"),
    (lambda c: c["preparation"].update(task="binery"), "`config.preparation.task` must be one of"),
    (lambda c: c["preparation"].update(extra=1), "must be an object with exactly the keys"),
    (lambda c: c["preparation"]["features"].pop(), "a record for the model's 2 inputs and 1 outputs"),
    (lambda c: c["preparation"].update(target="x" * 10_000), "a string of at most 200 characters"),
    (lambda c: c["preparation"].update(features=[{"name": "a", "categories": ["x"] * 5000, "fill": None}]),
     "a list of 1 to 1,000 strings"),
    (lambda c: c["preparation"].update(target_mean=1.0, target_std=1.0), "null with target_std null"),
    (lambda c: c.update(preparation=[[[[[]]]]]), "must be an object with exactly the keys"),
])
def test_a_forged_preparation_record_is_refused(capsys, tmp_path, table, outcome, change, message):
    model = tmp_path / "m.glassnet"
    assert main(["train", "--data", str(table), "--target", "y", "--epochs", "1", "--out", str(model)]) == 0
    capsys.readouterr()
    rewrite_config(model, change)
    for command in (["predict", "--model", model, "--data", table], ["explain", "--model", model, "--data", table]):
        refused(capsys, message, *command)
    outcome("refused cleanly", count=2)


# --- checked before the work: nothing is lost ---------------------------------------------------------------------
def test_out_is_checked_before_training_and_a_refused_run_leaves_the_old_file(capsys, tmp_path, table, outcome):
    refused(capsys, "is a folder; give a file name", "train", "--data", table, "--target", "y", "--out", tmp_path)
    refused(capsys, "the folder", "train", "--data", table, "--target", "y", "--out", tmp_path / "no" / "m.glassnet")
    outcome("refused cleanly", count=2)
    model = tmp_path / "m.glassnet"
    model.write_bytes(b"the previous model")
    refused(capsys, "no column named 'nope'", "train", "--data", table, "--target", "nope", "--out", model)
    refused(capsys, "--epochs must be", "train", "--data", table, "--target", "y", "--epochs", "0", "--out", model)
    assert model.read_bytes() == b"the previous model"
    outcome("nothing lost", count=2)


def test_training_that_diverges_ends_in_one_line(capsys, tmp_path, outcome):
    rows = [[i, float(i) * 1e30] for i in range(40)]
    path = write_csv(tmp_path / "wild.csv", ["a", "y"], rows)
    refused(capsys, "NaN/inf", "train", "--data", path, "--target", "y", "--task", "regression",
            "--no-standardize", "--learning-rate", "1e10", "--optimizer", "sgd", "--epochs", "3")
    outcome("refused cleanly")
