"""The `glassnet` command tried as a new user on real data and as an attacker: one line per case, then counts.

    python fuzz/cli_cases.py [--python PYTHON] [--only NAME]

Every case runs ``PYTHON -m glassnet ...`` in a subprocess with a time limit (60 s) and an address-space limit
(4 GiB), in a temporary folder holding scikit-learn's bundled tables written as CSV files in the row order
scikit-learn ships them (wine and iris sorted by class, raw units). A case passes when the command does what a
user needs: a right answer on real data, or, for a hostile input, exit code 2 with one line on stderr within the
time limit (and no raw escape sequence on the terminal). To count how many cases an older version failed, run
it on that version's source::

    git archive 5a6cb89 src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src .venv/bin/python fuzz/cli_cases.py

(43 cases: 25 failed before the CLI work of issues 9 and 10, none after.)
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

TIMEOUT = 60
MEMORY = 4 * 1024**3


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(python: str, args: list[str], cwd: Path) -> tuple[int | None, str, str, float]:
    start = time.perf_counter()
    try:
        done = subprocess.run([python, "-m", "glassnet", *args], capture_output=True, text=True, cwd=cwd,
                              timeout=TIMEOUT, preexec_fn=_limits, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout", time.perf_counter() - start
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - start


# --- data files, as scikit-learn ships them ------------------------------------------------------------------
def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def make_files(folder: Path) -> dict[str, Path]:
    from sklearn import datasets

    files = {}
    for name, loader in (("wine", datasets.load_wine), ("iris", datasets.load_iris),
                         ("breast_cancer", datasets.load_breast_cancer), ("digits", datasets.load_digits)):
        bunch = loader()
        features = [str(f).replace(" ", "_") for f in bunch.feature_names]
        labels = [str(bunch.target_names[t]) for t in bunch.target]
        files[name] = _write(folder / f"{name}.csv", [*features, "class"],
                             [[*map(repr, map(float, row)), label] for row, label in zip(bunch.data, labels)])
        files[f"{name}_int"] = _write(folder / f"{name}_int.csv", [*features, "class"],
                                      [[*map(repr, map(float, row)), int(t)] for row, t in
                                       zip(bunch.data, bunch.target)])
    wine = datasets.load_wine()
    files["wine_1k"] = _write(folder / "wine_1k.csv", ["class", *wine.feature_names],
                              [[int(t) + 1, *map(float, row)] for row, t in zip(wine.data, wine.target)])
    cancer = datasets.load_breast_cancer()
    files["cancer_pm1"] = _write(folder / "cancer_pm1.csv", [*cancer.feature_names, "y"],
                                 [[*map(float, row), 2 * int(t) - 1] for row, t in zip(cancer.data, cancer.target)])
    diabetes = datasets.load_diabetes(scaled=False)
    files["diabetes"] = _write(folder / "diabetes.csv", [*diabetes.feature_names, "progression"],
                               [[*map(float, row), float(t)] for row, t in zip(diabetes.data, diabetes.target)])
    cancer_frame = datasets.load_breast_cancer()
    np.save(folder / "cancer_x.npy", cancer_frame.data)
    np.save(folder / "cancer_y.npy", cancer_frame.target)
    files["wine_new_rows"] = _write(folder / "wine_new_rows.csv", [*wine.feature_names],
                                    [list(map(float, row)) for row in wine.data[::20]])
    linnerud = datasets.load_linnerud()
    files["linnerud"] = _write(folder / "linnerud.csv", [*linnerud.feature_names, "Weight"],
                               [[*map(float, row), float(t)] for row, t in zip(linnerud.data, linnerud.target[:, 0])])
    iris = datasets.load_iris()
    colours = ["red", "green", "blue"]
    files["iris_colour"] = _write(folder / "iris_colour.csv", [*iris.feature_names, "colour", "species"],
                                  [[*map(float, row), colours[i % 3], str(iris.target_names[t])]
                                   for i, (row, t) in enumerate(zip(iris.data, iris.target))])
    rows = [[*map(float, row), str(iris.target_names[t])] for row, t in zip(iris.data, iris.target)]
    rows[4][1], rows[77][2] = "", "NA"
    files["iris_missing"] = _write(folder / "iris_missing.csv", [*iris.feature_names, "species"], rows)
    return files


def hostile_files(folder: Path) -> dict[str, Path]:
    files = {}
    keys = ["layers", "activation", "convention", "optimizer", "task", "lambdas", "scheduler", "out", "data"]
    lines = [f'{keys[0]}: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"{keys[i]}: &{'abcdefghi'[i]} [" + ",".join([f"*{'abcdefghi'[i - 1]}"] * 9) + "]")
    files["bomb.yaml"] = folder / "bomb.yaml"
    files["bomb.yaml"].write_text("\n".join(lines) + "\n")
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (68719476736, 3), }"
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    files["huge.npy"] = folder / "huge.npy"
    files["huge.npy"].write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(64))
    files["y.npy"] = folder / "y.npy"
    np.save(files["y.npy"], np.zeros(3))
    files["bomb.npz"] = folder / "bomb.npz"
    with zipfile.ZipFile(files["bomb.npz"], "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            head = b"{'descr': '<f8', 'fortran_order': False, 'shape': (67108864, 4), }"
            head += b" " * (-(len(head) + 11) % 64) + b"\n"
            member.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head)
            block = bytes(1 << 24)
            for _ in range(128):   # 2 GiB of zeros, 2 MB compressed
                member.write(block)
        archive.writestr("y.npy", b"")
    files["long_line.csv"] = folder / "long_line.csv"
    with open(files["long_line.csv"], "w") as handle:
        handle.write("a,b\n" + "1" * (64 * 1024**2) + ",2\n")
    files["many_fields.csv"] = folder / "many_fields.csv"
    with open(files["many_fields.csv"], "w") as handle:
        handle.write(",".join(["c"] * 2) + "\n" + "1," * (8 * 1024**2) + "1\n")
    files["latin1.csv"] = folder / "latin1.csv"
    files["latin1.csv"].write_bytes("größe,label\n1,0\n2,1\n".encode("latin-1"))
    files["ansi.glassnet"] = folder / "ansi.glassnet"
    files["absurd.parquet"] = folder / "absurd.parquet"
    files["absurd.parquet"].write_bytes(b"PAR1" + bytes(16) + struct.pack("<I", 2**31 - 1) + b"PAR1")
    files["evil_names.csv"] = _write(folder / "evil_names.csv", ["a", "label"],
                                     [[i, "\x1b]0;pwned\x07yes" if i % 2 else "no\x1b[2J"] for i in range(40)])
    files["huge_value.csv"] = _write(folder / "huge_value.csv", ["a", "b", "y"],
                                     [[1e300 if i == 3 else i, i % 5, i % 2] for i in range(40)])
    files["wild.csv"] = _write(folder / "wild.csv", ["a", "y"], [[i, i * 1e30] for i in range(40)])
    (folder / "tag.yaml").write_text("seed: !!python/object/apply:os.system ['true']\n")
    return files


# --- checks ---------------------------------------------------------------------------------------------------
Check = Callable[[int | None, str, str, float, Path], str | None]


def refused(code: int | None, out: str, err: str, seconds: float, folder: Path) -> str | None:
    lines = err.strip().splitlines()
    if code != 2:
        return f"exit code {code} (expected 2): {(lines or [''])[-1][:150]}"
    if len(lines) != 1 or not lines[0].startswith("glassnet: error:"):
        return f"{len(lines)} lines on stderr: {err[-150:]!r}"
    if "\x1b" in out + err:
        return "raw escape sequence printed"
    return None


def _metric(text: str, name: str) -> float | None:
    found = re.findall(rf"\b{name}[:=]? (-?[0-9.]+(?:e-?\d+)?)", text)
    return float(found[-1]) if found else None


def accuracy_at_least(level: float) -> Check:
    def check(code, out, err, seconds, folder):
        if code != 0:
            return f"exit code {code}: {err.strip()[-200:]}"
        value = _metric(out, "val_accuracy")
        if value is None or value < level:
            return f"val_accuracy {value} < {level}"
        return None
    return check


def r2_at_least(level: float, target_file: str) -> Check:
    def check(code, out, err, seconds, folder):
        if code != 0:
            return f"exit code {code}: {err.strip()[-200:]}"
        value = _metric(out, "R²")
        if value is None:   # older versions print the MSE of the last 20% of rows in the target's units
            y = np.loadtxt(folder / target_file, delimiter=",", skiprows=1)[:, -1]
            mse = _metric(out, "val_loss")
            value = None if mse is None else 1 - mse / np.var(y[int(len(y) * 0.8):])
        if value is None or value < level:
            return f"validation R² {value} < {level}"
        return None
    return check


def succeeds(*needles: str) -> Check:
    def check(code, out, err, seconds, folder):
        if code != 0:
            return f"exit code {code}: {err.strip()[-200:]}"
        missing = [n for n in needles if n not in out]
        return f"output lacks {missing}" if missing else None
    return check


def escapes_shown_not_sent(code, out, err, seconds, folder):
    if code != 0:
        return f"exit code {code}: {err.strip()[-200:]}"
    if "\x1b" in out + err:
        return "a raw escape sequence reached the terminal"
    return None if "\\x1b" in out else "the layer name is not shown (escaped)"


def no_raw_escapes(code, out, err, seconds, folder):
    if code != 0:
        return f"exit code {code}: {err.strip()[-200:]}"
    return "a raw escape sequence reached the terminal" if "\x1b" in out + err else None


def refused_with(*needles: str) -> Check:
    def check(code, out, err, seconds, folder):
        problem = refused(code, out, err, seconds, folder)
        if problem:
            return problem
        missing = [n for n in needles if n not in err]
        return f"message lacks {missing}: {err.strip()!r}" if missing else None
    return check


def cases() -> list[tuple[str, list[str], Check]]:
    train = ["train"]   # the defaults, as a new user runs it
    return [
        # a new user, on scikit-learn's tables as shipped
        ("wine, sorted, class names", [*train, "--data", "wine.csv", "--target", "class"], accuracy_at_least(0.9)),
        ("wine, sorted, 0..2", [*train, "--data", "wine_int.csv", "--target", "class"], accuracy_at_least(0.9)),
        ("wine, labels 1..3 first", [*train, "--data", "wine_1k.csv", "--target", "0"], accuracy_at_least(0.9)),
        ("iris, sorted, species names", [*train, "--data", "iris.csv", "--target", "class"], accuracy_at_least(0.85)),
        ("iris, 0..2, target -1", [*train, "--data", "iris_int.csv", "--target", "-1"], accuracy_at_least(0.85)),
        ("breast cancer, raw", [*train, "--data", "breast_cancer.csv", "--target", "class"],
         accuracy_at_least(0.93)),
        ("breast cancer, labels -1/1", [*train, "--data", "cancer_pm1.csv", "--target", "y"],
         accuracy_at_least(0.93)),
        ("digits", [*train, "--data", "digits_int.csv", "--target", "class"], accuracy_at_least(0.9)),
        ("diabetes, raw units", [*train, "--data", "diabetes.csv", "--target", "progression"],
         r2_at_least(0.3, "diabetes.csv")),
        ("linnerud, 20 rows", [*train, "--data", "linnerud.csv", "--target", "Weight", "--task", "regression"],
         succeeds("final epoch")),
        ("a categorical column", [*train, "--data", "iris_colour.csv", "--target", "species"],
         accuracy_at_least(0.85)),
        ("missing values: the rows named", ["train", "--data", "iris_missing.csv", "--target", "species"],
         refused_with("--missing")),
        ("missing values: --missing mean", [*train, "--data", "iris_missing.csv", "--target", "species",
                                            "--missing", "mean"], accuracy_at_least(0.85)),
        ("train, then predict class names", ["predict", "--model", "wine.glassnet", "--data", "wine.csv"],
         succeeds("class_0", "class_2")),
        ("train, then explain on raw rows", ["explain", "--model", "wine.glassnet", "--data", "wine.csv",
                                             "--target", "class"], succeeds("units")),
        ("predict new rows without the target", ["predict", "--model", "wine.glassnet", "--data",
                                                 "wine_new_rows.csv"], succeeds("prediction", "class_1")),
        ("an .npy pair", [*train, "--data", "cancer_x.npy", "--target", "cancer_y.npy"], accuracy_at_least(0.93)),
        # an attacker (on a file every version reads, so the attack itself is what is tested)
        ("YAML alias bomb", ["train", "--config", "bomb.yaml", "--data", "wine_int.csv", "--target", "class"],
         refused),
        ("--layers 1000000000", ["train", "--data", "wine_int.csv", "--target", "class", "--layers", "1000000000"],
         refused),
        ("--lambdas log:0:1:1000000000", ["sweep", "--data", "wine_int.csv", "--target", "class", "--lambdas",
                                          "log:0:1:1000000000"], refused),
        (".npy declaring 2**36 rows", ["train", "--data", "huge.npy", "--target", "y.npy"], refused),
        ("zip bomb .npz", ["train", "--data", "bomb.npz", "--target", "y"], refused),
        ("64 MB line", ["train", "--data", "long_line.csv", "--target", "b"], refused),
        ("8M fields on a line", ["train", "--data", "many_fields.csv", "--target", "c"], refused),
        ("non-UTF-8 CSV", ["train", "--data", "latin1.csv", "--target", "label"], refused),
        ("absurd Parquet footer", ["train", "--data", "absurd.parquet", "--target", "y"], refused),
        ("ANSI escapes in a layer name", ["explain", "--model", "ansi.glassnet", "--data", "wine_int.csv",
                                          "--target", "class"], escapes_shown_not_sent),
        ("--out is a directory", ["train", "--data", "wine_int.csv", "--target", "class", "--out", "."], refused),
        ("--out in a missing folder", ["train", "--data", "wine_int.csv", "--target", "class", "--out",
                                       "no/such/model.glassnet"], refused),
        ('config task = "binery"', ["train", "--config", "binery.toml", "--data", "wine_int.csv", "--target", "class"],
         refused),
        ("config epochs = 2.9", ["train", "--config", "float_epochs.toml", "--data", "wine_int.csv", "--target",
                                 "class"], refused),
        ("config batch_size = true", ["train", "--config", "bool_batch.toml", "--data", "wine_int.csv", "--target",
                                      "class"], refused),
        ("--validation-split 1.5", ["train", "--data", "wine_int.csv", "--target", "class", "--validation-split",
                                    "1.5"], refused),
        ("--epochs 0", ["train", "--data", "wine_int.csv", "--target", "class", "--epochs", "0"], refused),
        ("demo --cv 1", ["demo", "--cv", "1", "--out", "demo_out"], refused),
        ("--target 99", ["train", "--data", "wine_int.csv", "--target", "99"], refused),
        ("a directory as data", ["train", "--data", ".", "--target", "class"], refused),
        ("escape sequences in class names", ["train", "--data", "evil_names.csv", "--target", "label", "--epochs",
                                             "1"], no_raw_escapes),
        ("escape sequences in an error", ["train", "--data", "evil_names.csv", "--target", "\x1b[2Jb"], refused),
        ("a YAML python tag", ["train", "--config", "tag.yaml", "--data", "wine_int.csv", "--target", "class"],
         refused),
        ("--lambdas 1e400", ["sweep", "--data", "wine_int.csv", "--target", "class", "--lambdas", "1e400"],
         refused),
        ("1e300 in a feature", ["train", "--data", "huge_value.csv", "--target", "y", "--epochs", "2"], refused),
        ("training that diverges", ["train", "--data", "wild.csv", "--target", "y", "--task", "regression",
                                    "--learning-rate", "1e10", "--optimizer", "sgd", "--epochs", "3"], refused),
    ]


def prepare(folder: Path, python: str) -> None:
    files = make_files(folder)
    hostile_files(folder)
    (folder / "binery.toml").write_text('task = "binery"\nepochs = 2\n')
    (folder / "float_epochs.toml").write_text("epochs = 2.9\n")
    (folder / "bool_batch.toml").write_text("batch_size = true\nepochs = 2\n")
    subprocess.run([python, "-m", "glassnet", "train", "--data", str(files["wine"]), "--target", "class",
                    "--epochs", "100", "--learning-rate", "0.01", "--l2", "0.01", "--out", "wine.glassnet"],
                   cwd=folder, capture_output=True, timeout=TIMEOUT)
    script = ("import sys\nfrom glassnet import Sequential, Dense\nm = Sequential([Dense(4, 'relu', "
              "name='\\x1b[2J\\x1b[31mevil'), Dense(3, 'softmax')], seed=0)\nm.build((None, 13))\n"
              "m.compile('adam', 'sparse_categorical_crossentropy')\nm.save(sys.argv[1])\n")
    subprocess.run([python, "-c", script, str(folder / "ansi.glassnet")], check=True, cwd=folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--only", help="run the cases whose name contains this text")
    options = parser.parse_args()
    failures = total = 0
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        prepare(folder, options.python)
        for title, args, check in cases():
            if options.only and options.only not in title:
                continue
            total += 1
            code, out, err, seconds = run(options.python, args, folder)
            problem = check(code, out, err, seconds, folder)
            failures += problem is not None
            print(f"{'FAIL' if problem else 'ok  '} {seconds:5.1f}s  {title}" + (f": {problem}" if problem else ""),
                  flush=True)
    print(f"{total} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
