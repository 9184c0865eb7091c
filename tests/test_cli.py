"""The `glassnet` command end to end, as a user runs it (subprocesses), and its one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet.datasets import circle


def glassnet(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    x, y = circle(n_samples=240, noise=0.1, seed=0)
    path = tmp_path_factory.mktemp("data") / "circle.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "label"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", int(c)] for (a, b), c in zip(x, y)])
    return path


@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["sweep"], ["explain"]])
def test_every_subcommand_has_help(command):
    result = glassnet(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: glassnet" in result.stdout


def test_train_then_explain_then_sweep(data_file, tmp_path):
    model = tmp_path / "model.glassnet"
    trained = glassnet("train", "--data", str(data_file), "--target", "label", "--layers", "16,8", "--epochs", "30",
                       "--l2", "0.001", "--learning-rate", "0.01", "--out", str(model))
    assert trained.returncode == 0, trained.stderr
    assert "final epoch: loss" in trained.stdout and "val_accuracy" in trained.stdout
    assert model.is_file()

    explained = glassnet("explain", "--model", str(model), "--data", str(data_file), "--target", "label")
    assert explained.returncode == 0, explained.stderr
    assert "Loss (what evaluate() reports, split)" in explained.stdout and "L2(l2=0.001)" in explained.stdout
    as_json = glassnet("explain", "--model", str(model), "--data", str(data_file), "--target", "label", "--json")
    payload = json.loads(as_json.stdout)
    assert payload["total_loss"] == pytest.approx(payload["data_loss"] + payload["penalty_loss"])

    out = tmp_path / "sweep"
    swept = glassnet("sweep", "--data", str(data_file), "--target", "label", "--layers", "8", "--epochs", "5",
                     "--lambdas", "0,0.001,0.01", "--cv", "2", "--jobs", "1", "--out", str(out))
    assert swept.returncode == 0, swept.stderr
    assert "best λ" in swept.stdout
    assert {"results.json", "results.csv", "report.html"} <= {p.name for p in out.iterdir()}
    results = json.loads((out / "results.json").read_text())
    assert sorted({r["value"] for r in results["records"]}) == [0.0, 0.001, 0.01]


def test_config_file_and_lecture_convention(data_file, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('layers = "8"\nepochs = 3\nl2 = 0.7\nconvention = "lecture"\nseed = 3\n')
    model = tmp_path / "m.glassnet"
    result = glassnet("train", "--config", str(config), "--data", str(data_file), "--target", "label",
                      "--out", str(model))
    assert result.returncode == 0, result.stderr
    from glassnet import load_model

    loaded = load_model(model)
    # λ = 0.7 on m = 192 training rows (240 minus the last 20%): L2 factor λ/2m.
    assert loaded.weights[0].regularizer.l2 == pytest.approx(0.7 / (2 * 192))
    yaml_config = tmp_path / "run.yaml"
    yaml_config.write_text("layers: '4'\nepochs: 2\n")
    result = glassnet("train", "--config", str(yaml_config), "--data", str(data_file), "--target", "label")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["train", "--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
    (["train", "--data", "missing.csv", "--target", "label"], "data file missing.csv does not exist"),
    (["train", "--data", "DATA", "--target", "nope"], "nope"),
    (["train", "--data", "DATA", "--target", "label", "--layers", "0"], "--layers"),
    (["train", "--data", "DATA"], "--target is required"),
    (["train", "--data", "DATA", "--target", "label", "--optimizer", "adamm"], "Unknown optimizer"),
    (["sweep", "--data", "DATA", "--target", "label", "--lambdas", "a,b"], "--lambdas must be"),
    (["sweep", "--data", "DATA", "--target", "label", "--lambdas", "-1,0"], "lambdas"),
    (["train", "--config", "CONFIG_BAD_KEY"], "unknown keys ['lerning_rate']"),
    (["explain", "--model", "CORRUPT", "--data", "DATA", "--target", "label"], "glassnet: error:"),
    (["explain", "--model", "missing.glassnet", "--data", "DATA", "--target", "label"], "does not exist"),
    (["bogus"], "invalid choice: 'bogus'"),
])
def test_bad_arguments_exit_2_with_one_line(data_file, tmp_path, args, message):
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("lerning_rate = 0.1\n")
    corrupt = tmp_path / "corrupt.glassnet"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}" + bytes(64))
    replace = {"DATA": str(data_file), "CONFIG_BAD_KEY": str(bad_config), "CORRUPT": str(corrupt)}
    result = glassnet(*[replace.get(a, a) for a in args], cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith("glassnet: error:") and message in lines[0], lines[0]


def test_main_returns_the_exit_code_instead_of_exiting(capsys):
    from glassnet.cli import main

    assert main(["train", "--epochs", "nope"]) == 2
    assert capsys.readouterr().err.startswith("glassnet: error: argument --epochs")
