"""The `glassnet` command: train, predict, explain and sweep on real-looking tables (in-process through
glassnet.cli.main, plus one end-to-end run as a user types it), and its one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import Dense, Normalization, Sequential
from glassnet.cli import main
from glassnet.datasets import circle
from glassnet.saving import load_model_and_preparation


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    x, y = circle(n_samples=240, noise=0.1, seed=0)
    return write_csv(tmp_path_factory.mktemp("data") / "circle.csv", ["x1", "x2", "label"],
                     [[f"{a:.6f}", f"{b:.6f}", int(c)] for (a, b), c in zip(x, y)])


@pytest.fixture(scope="module")
def pets(tmp_path_factory) -> Path:
    """Classes as texts, sorted by class, a text column, numbers on different scales."""
    rng = np.random.default_rng(0)
    rows = []
    for kind, weight, size in (("cat", 4.0, 30.0), ("dog", 25.0, 60.0), ("hamster", 0.1, 8.0)):
        for _ in range(40):
            rows.append([round(weight * rng.uniform(0.7, 1.3), 3), round(size * rng.uniform(0.8, 1.2), 2),
                         rng.choice(["indoor", "outdoor"]), kind])
    return write_csv(tmp_path_factory.mktemp("pets") / "pets.csv", ["weight", "size", "home", "kind"], rows)


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    """A regression target in the hundreds of thousands, features on very different scales."""
    rng = np.random.default_rng(1)
    area, rooms = rng.uniform(30, 200, 300), rng.integers(1, 7, 300)
    price = 3000 * area + 10_000 * rooms + rng.normal(0, 20_000, 300)
    return write_csv(tmp_path_factory.mktemp("prices") / "prices.csv", ["area", "rooms", "price"],
                     [[f"{a:.1f}", r, f"{p:.0f}"] for a, r, p in zip(area, rooms, price)])


# --- help and one end-to-end run -----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["sweep"], ["explain"], ["predict"]])
def test_every_subcommand_has_help(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and "usage: glassnet" in out
    if command == ["train"]:
        out = " ".join(out.split())   # argparse wraps the help text
        assert "-1 = last" in out and "at most 20 distinct values" in out and "--no-standardize" in out


def test_end_to_end_as_a_user_types_it(pets, tmp_path):
    def glassnet_command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "glassnet", *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)

    trained = glassnet_command("train", "--data", str(pets), "--target", "kind", "--epochs", "40", "--out",
                               "m.glassnet")
    assert trained.returncode == 0, trained.stderr
    assert "classes 0=cat, 1=dog, 2=hamster" in trained.stdout and "hold-out: accuracy" in trained.stdout
    predicted = glassnet_command("predict", "--model", "m.glassnet", "--data", str(pets))
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.splitlines()
    assert lines[0] == "line,prediction,p(cat),p(dog),p(hamster)" and len(lines) == 121
    assert sum(line.split(",")[1] == "dog" for line in lines[1:]) > 30


# --- train on tables as they come ----------------------------------------------------------------------------
def test_train_reports_the_task_the_hold_out_and_saves_the_preparation(capsys, pets, tmp_path):
    code, out, err = run(capsys, "train", "--data", pets, "--target", "kind", "--epochs", "60", "--learning-rate",
                         "0.01", "--out", tmp_path / "m.glassnet")
    assert code == 0, err
    assert "target 'kind': multiclass (auto: 3 distinct texts, classes 0=cat, 1=dog, 2=hamster)" in out
    assert "4 inputs (1 text column one-hot: 'home')" in out
    assert "hold-out: 24 rows drawn at random (stratified by class, seed 0); training: 96 rows" in out
    accuracy = float(out.split("hold-out: accuracy ")[1].split()[0])
    assert accuracy >= 0.9   # sorted by class: the last 20% unshuffled would be hamsters only
    model, preparation = load_model_and_preparation(tmp_path / "m.glassnet")
    assert isinstance(model.layers[0], Normalization) and preparation.classes == ("cat", "dog", "hamster")
    assert preparation.features[2].categories == ("indoor", "outdoor")


@pytest.mark.parametrize("target", ["label", "2", "-1"])
def test_target_by_name_or_index(capsys, data_file, tmp_path, target):
    code, out, err = run(capsys, "train", "--data", data_file, "--target", target, "--epochs", "2",
                         "--out", tmp_path / "m.glassnet")
    assert code == 0, err
    assert "target 'label': binary (auto: 2 distinct integers, classes 0=0, 1=1)" in out


def test_labels_minus_one_and_one_are_mapped_and_named(capsys, data_file, tmp_path):
    rows = list(csv.reader(open(data_file)))
    path = write_csv(tmp_path / "pm1.csv", rows[0], [[a, b, "-1" if c == "0" else "1"] for a, b, c in rows[1:]])
    code, out, err = run(capsys, "train", "--data", path, "--target", "label", "--epochs", "2", "--out",
                         tmp_path / "m.glassnet")
    assert code == 0, err
    assert "binary (auto: 2 distinct integers, classes 0=-1, 1=1)" in out
    code, out, _ = run(capsys, "predict", "--model", tmp_path / "m.glassnet", "--data", path)
    assert {line.split(",")[1] for line in out.splitlines()[1:]} <= {"-1", "1"}


def test_regression_is_standardized_and_predicted_in_the_target_units(capsys, prices, tmp_path):
    code, out, err = run(capsys, "train", "--data", prices, "--target", "price", "--epochs", "80",
                         "--learning-rate", "0.01", "--out", tmp_path / "m.glassnet")
    assert code == 0, err
    assert "regression (auto: numbers, more than 20 distinct values)" in out
    assert "the loss sees the target 'price' standardized, (y − " in out
    r2 = float(out.split("hold-out: R² ")[1].split(",")[0])
    assert r2 > 0.8
    code, out, _ = run(capsys, "predict", "--model", tmp_path / "m.glassnet", "--data", prices)
    predictions = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
    truth = np.loadtxt(prices, delimiter=",", skiprows=1)[:, 2]
    assert np.corrcoef(predictions, truth)[0, 1] > 0.9 and abs(predictions.mean() - truth.mean()) < 0.1 * truth.std()


def test_no_standardize_keeps_raw_units_end_to_end(capsys, prices, tmp_path):
    code, out, err = run(capsys, "train", "--data", prices, "--target", "price", "--epochs", "1", "--no-standardize",
                         "--out", tmp_path / "m.glassnet")
    assert code == 0, err
    assert "inputs as the file has them (--no-standardize)" in out and "in its own units" in out
    model, preparation = load_model_and_preparation(tmp_path / "m.glassnet")
    assert not isinstance(model.layers[0], Normalization) and preparation.target_mean is None


def test_missing_values_are_named_dropped_or_filled(capsys, tmp_path):
    rows = [[i, (i * 7) % 5, "a" if i % 2 else "b"] for i in range(60)]
    rows[3][1], rows[10][0] = "", "NA"
    path = write_csv(tmp_path / "holes.csv", ["u", "v", "y"], rows)
    code, _, err = run(capsys, "train", "--data", path, "--target", "y", "--epochs", "1")
    assert code == 2 and "missing values at line 5 ('v'); line 12 ('u'); pass --missing drop" in err
    code, out, err = run(capsys, "train", "--data", path, "--target", "y", "--epochs", "1", "--missing", "drop",
                         "--out", tmp_path / "m.glassnet")
    assert code == 0 and "58 rows of" in out and "2 left out for missing values" in out, err
    code, out, _ = run(capsys, "predict", "--model", tmp_path / "m.glassnet", "--data", path)
    assert out.splitlines()[4] == "5,,," and out.splitlines()[5].count(",") == 3
    code, out, err = run(capsys, "train", "--data", path, "--target", "y", "--epochs", "1", "--missing", "mean")
    assert code == 0 and "missing cells filled with the training mean" in out, err


def test_a_single_row_class_gets_a_clear_decision(capsys, tmp_path):
    rows = [[i, "a" if i < 20 else "b"] for i in range(40)] + [[99, "c"]]
    path = write_csv(tmp_path / "lonely.csv", ["u", "y"], rows)
    code, _, err = run(capsys, "train", "--data", path, "--target", "y")
    assert code == 2 and "line 42: the class 'c' has a single row, too few to both learn and validate" in err
    code, out, err = run(capsys, "train", "--data", path, "--target", "y", "--epochs", "1", "--validation-split", "0")
    assert code == 0 and "(--validation-split 0: no hold-out)" in out, err


@pytest.mark.peers  # a YAML config (PyYAML)
def test_config_file_and_lecture_convention(capsys, data_file, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('layers = "8"\nepochs = 3\nl2 = 0.7\nconvention = "lecture"\nseed = 3\n')
    code, _, err = run(capsys, "train", "--config", config, "--data", data_file, "--target", "label", "--out",
                       tmp_path / "m.glassnet")
    assert code == 0, err
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    kernel = next(w for w in loaded.weights if w.name == "kernel")
    # λ = 0.7 on m = 192 training rows (240 minus the 48 held out): L2 factor λ/2m.
    assert kernel.regularizer.l2 == pytest.approx(0.7 / (2 * 192))
    yaml_config = tmp_path / "run.yaml"
    yaml_config.write_text("layers: [4]\nepochs: 2\nstandardize: false\nmissing: drop\n")
    code, out, err = run(capsys, "train", "--config", yaml_config, "--data", data_file, "--target", "label")
    assert code == 0 and "--no-standardize" in out, err


# --- explain, predict, sweep -----------------------------------------------------------------------------------
def test_explain_takes_raw_rows_and_says_its_units(capsys, data_file, tmp_path):
    model = tmp_path / "model.glassnet"
    code, _, err = run(capsys, "train", "--data", data_file, "--target", "label", "--layers", "16,8", "--epochs",
                       "30", "--l2", "0.001", "--learning-rate", "0.01", "--out", model)
    assert code == 0, err
    code, out, err = run(capsys, "explain", "--model", model, "--data", data_file)
    assert code == 0, err
    assert out.splitlines()[0].startswith("explaining 240 rows of") and "units the model trained in" in out
    assert "Loss (what evaluate() reports, split)" in out and "L2(l2=0.001)" in out
    code, out, _ = run(capsys, "explain", "--model", model, "--data", data_file, "--target", "label", "--json")
    payload = json.loads(out)
    assert payload["total_loss"] == pytest.approx(payload["data_loss"] + payload["penalty_loss"])
    assert payload["preparation"]["classes"] == ["0", "1"] and "units the model trained in" in payload["units"]


def test_explain_and_predict_on_a_model_saved_without_a_preparation(capsys, data_file, tmp_path):
    model = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.build((None, 2))
    model.save(tmp_path / "plain.glassnet")
    code, out, err = run(capsys, "explain", "--model", tmp_path / "plain.glassnet", "--data", data_file,
                         "--target", "label")
    assert code == 0 and "this model file has no data preparation" in out, err
    code, _, err = run(capsys, "explain", "--model", tmp_path / "plain.glassnet", "--data", data_file)
    assert code == 2 and "--target is required" in err
    code, out, err = run(capsys, "predict", "--model", tmp_path / "plain.glassnet", "--data", data_file,
                         "--target", "label", "--out", tmp_path / "p.csv")
    assert code == 0 and (tmp_path / "p.csv").read_text().splitlines()[0] == "line,output_0", err


def test_npz_and_npy_files_train_and_predict(capsys, tmp_path):
    x, y = circle(n_samples=200, noise=0.1, seed=1)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    np.savez(tmp_path / "new.npz", x=x[:5])
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", 2 * y - 1)
    code, out, err = run(capsys, "train", "--data", tmp_path / "d.npz", "--target", "y", "--epochs", "2", "--out",
                         tmp_path / "a.glassnet")
    assert code == 0 and "2 feature columns → 2 inputs" in out, err
    code, out, err = run(capsys, "predict", "--model", tmp_path / "a.glassnet", "--data", tmp_path / "new.npz")
    assert code == 0 and out.splitlines()[0] == "row,prediction,p(0),p(1)" and len(out.splitlines()) == 6, err
    code, out, err = run(capsys, "train", "--data", tmp_path / "x.npy", "--target", tmp_path / "y.npy", "--epochs",
                         "2", "--out", tmp_path / "b.glassnet")
    assert code == 0 and "target 'y': binary (auto: 2 distinct integers, classes 0=-1, 1=1)" in out, err
    code, out, err = run(capsys, "predict", "--model", tmp_path / "b.glassnet", "--data", tmp_path / "x.npy")
    assert code == 0 and len(out.splitlines()) == 201, err
    code, out, err = run(capsys, "explain", "--model", tmp_path / "b.glassnet", "--data", tmp_path / "x.npy",
                         "--target", tmp_path / "y.npy")
    assert code == 0 and "explaining 200 rows" in out, err


@pytest.mark.peers  # the sweep runs on joblib and draws with matplotlib
def test_sweep_writes_results_and_a_report(capsys, data_file, tmp_path):
    out_dir = tmp_path / "sweep"
    code, out, err = run(capsys, "sweep", "--data", data_file, "--target", "label", "--layers", "8", "--epochs", "5",
                         "--lambdas", "0,0.001,0.01", "--cv", "2", "--jobs", "1", "--out", out_dir)
    assert code == 0, err
    assert "best λ" in out and "standardized on each fit's training rows" in out
    assert {"results.json", "results.csv", "report.html"} <= {p.name for p in out_dir.iterdir()}
    results = json.loads((out_dir / "results.json").read_text())
    assert sorted({r["value"] for r in results["records"]}) == [0.0, 0.001, 0.01]


# --- one line and exit code 2 ------------------------------------------------------------------------------------
BAD = [
    (["train", "--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
    (["train", "--data", "missing.csv", "--target", "label"], "data file missing.csv does not exist"),
    (["train", "--data", "DATA", "--target", "nope"], "no column named 'nope'; available columns: ['x1', 'x2'"),
    (["train", "--data", "DATA", "--target", "7"], "target=7 is out of range for 3 columns"),
    (["train", "--data", "DATA", "--target", "label", "--layers", "0"], "--layers must be hidden layer widths"),
    (["train", "--data", "DATA"], "--target is required"),
    (["train", "--data", "DATA", "--target", "label", "--optimizer", "adamm"], "--optimizer must be one of sgd"),
    (["train", "--data", "DATA", "--target", "label", "--task", "binery"], "--task must be one of auto, binary"),
    (["train", "--data", "DATA", "--target", "label", "--missing", "zero"], "--missing must be one of error"),
    (["train", "--data", "DATA", "--target", "label", "--activation", "relu6"], "--activation must be an activation"),
    (["train", "--data", "DATA", "--target", "label", "--learning-rate", "0"],
     "--learning-rate must be a finite number > 0"),
    (["train", "--data", "DATA", "--target", "label", "--validation-split", "1"],
     "--validation-split must be a finite"),
    (["train", "--data", "DATA", "--target", "label", "--seed", "-1"], "--seed must be an integer from 0"),
    (["train", "--data", "DATA", "--target", "label", "--task", "regression", "--l2", "-1"], "--l2 must be a finite"),
    (["train", "--data", "DATA", "--target", "label", "--out", "no/such/dir/m.glassnet"],
     "--out no/such/dir/m.glassnet: the folder no/such/dir does not exist"),
    (["train", "--data", "DATA", "--target", "label", "--out", "."], "--out . is a folder; give a file name"),
    (["sweep", "--data", "DATA", "--target", "label", "--lambdas", "a,b"], "--lambdas must be a comma list"),
    (["sweep", "--data", "DATA", "--target", "label", "--lambdas=-1,0"], "--lambdas must be"),
    (["sweep", "--data", "DATA", "--target", "label", "--cv", "1"], "--cv must be an integer from 2 to 100"),
    (["sweep", "--data", "DATA", "--target", "label", "--jobs", "0"], "--jobs must be -1 (all cores) or an integer"),
    (["train", "--config", "CONFIG_BAD_KEY"], "unknown keys ["),
    (["train", "--config", "CONFIG_COERCED", "--data", "DATA", "--target", "label"],
     ": epochs must be an integer from 1 to 1,000,000; got 2.9"),
    (["explain", "--model", "CORRUPT", "--data", "DATA", "--target", "label"], "must be valid JSON"),
    (["explain", "--model", "missing.glassnet", "--data", "DATA", "--target", "label"], "does not exist"),
    (["predict", "--model", "missing.glassnet", "--data", "DATA"], "model file missing.glassnet does not exist"),
    (["demo", "--epochs", "0"], "--epochs must be an integer from 1"),
    (["bogus"], "invalid choice: 'bogus'"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_arguments_exit_2_with_one_line(capsys, data_file, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text("lerning_rate = 0.1\n")
    (tmp_path / "coerced.toml").write_text("epochs = 2.9\n")
    (tmp_path / "corrupt.glassnet").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}" + bytes(64))
    replace = {"DATA": str(data_file), "CONFIG_BAD_KEY": "bad.toml", "CONFIG_COERCED": "coerced.toml",
               "CORRUPT": "corrupt.glassnet"}
    code, out, err = run(capsys, *[replace.get(a, a) for a in args])
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err   # one line, no traceback
    assert lines[0].startswith("glassnet: error:") and message in lines[0], lines[0]
