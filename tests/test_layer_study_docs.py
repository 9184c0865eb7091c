"""The layer study on the lecture's network: examples/layer_study.py reproduces the issue's pattern, and every number
docs/regularization.md says about it (and in its opening answer) is one the scripts print. Also `glassnet study`
and the demo's layer-study part."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import main as cli

pytestmark = pytest.mark.peers  # scikit-learn's breast-cancer data, the sweep machinery

ROOT = Path(__file__).resolve().parents[1]


def _run_example(name: str, **kwargs) -> tuple[dict, str]:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        found = module.main(**kwargs)
    return found, printed.getvalue()


@pytest.fixture(scope="module")
def example() -> tuple[dict, str]:
    return _run_example("layer_study")


def test_the_study_reproduces_the_pattern(example):
    found, _ = example
    norms = found["norms"]
    none = norms["none"]
    for j, layer in enumerate(("layer_1", "layer_2", "layer_3")):
        assert norms[layer][j] < 0.2 * none[j], layer                          # the penalized layer shrinks
        for k in {j - 1, j + 1} & {0, 1, 2}:
            assert norms[layer][k] > 1.15 * none[k], (layer, k)                 # its unpenalized neighbours grow
    spread = max(norms["all"]) / min(norms["all"])
    assert spread < 1.2 < max(none) / min(none)                                # on every layer: balanced
    assert found["direct_on_unpenalized"] == 0.0
    cosines = found["cosines"]
    assert len(cosines) == 6 and all(c < -0.4 for c in cosines) and sum(c < -0.95 for c in cosines) == 5


def _decimals(text: str) -> set[str]:
    """Every number with a decimal point, minus signs made ASCII."""
    return set(re.findall(r"-?\d+\.\d+", text.replace("−", "-")))


def test_docs_quote_only_printed_numbers(example):
    _, study_out = example
    _, walkthrough_out = _run_example("regularization_walkthrough")
    printed = (study_out + walkthrough_out).replace("−", "-")
    page = (ROOT / "docs" / "regularization.md").read_text(encoding="utf-8")
    answer = page[page.index("**The answer in two paragraphs.**"):page.index("Every measured number on this page")]
    update = page[page.index("**The same strength in the lecture's update.**"):page.index("To use the lecture's")]
    study = page[page.index("## 2. The layer study"):page.index("## 3. `model.losses`")]
    quoted = _decimals(answer) | _decimals(update) | _decimals(study)
    assert {"6.62", "8.21", "0.48", "1.12", "-0.41", "-0.97", "0.998"} <= quoted  # the page says these
    missing = sorted(number for number in quoted if not re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", printed))
    assert not missing, f"docs quote numbers the scripts do not print: {missing}"


def test_glassnet_study_writes_results_and_shows_the_pattern(tmp_path):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    table = tmp_path / "cancer.csv"
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"f{j}" for j in range(data.data.shape[1])] + ["diagnosis"])
        writer.writerows([*row, label] for row, label in zip(data.data.tolist(), data.target.tolist()))
    out = tmp_path / "study"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = cli(["study", "--data", str(table), "--target", "diagnosis", "--l2", "0.05", "--epochs", "30",
                    "--cv", "3", "--jobs", "1", "--out", str(out)])
    assert code == 0
    assert {path.name for path in out.iterdir()} == {"results.json", "results.csv", "report.html"}
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    records = results["records"]

    def norms(placement):
        return np.mean([[r["norms"][f"layer_{j}"] for j in (1, 2, 3)] for r in records
                        if r["placement"] == placement], axis=0)

    none, first, every = norms("none"), norms("layer_1"), norms("all")
    assert first[0] < 0.5 * none[0] and first[1] > none[1] and first[2] > none[2]
    assert max(every) / min(every) < max(none) / min(none)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "What the penalty did" in report and "Bias or variance" in report
    assert "Penalty on layer_1" in printed.getvalue()


@pytest.mark.parametrize("arguments, message", [
    (["--l2", "0"], "--l2 must be > 0 for a study"),
    ([], "--l2 must be > 0 for a study"),
    (["--l2", "-1"], "--l2 must be a finite number ≥ 0"),
])
def test_glassnet_study_refuses_a_missing_strength(tmp_path, capsys, arguments, message):
    table = tmp_path / "t.csv"
    table.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)), encoding="utf-8")
    assert cli(["study", "--data", str(table), "--target", "y", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_the_demo_has_a_layer_study_part(tmp_path):
    from glassnet.demo import comparison, layer_study

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        found = layer_study.main(comparison.load_data(0), tmp_path, epochs=3, jobs=1, seed=0, progress=False,
                                 learning_rate=1e-3, batch_size=32)
    assert found["report"] == tmp_path / "layer-study.html" and found["report"].is_file()
    assert found["study"].names == ["none", "all", "layer_1", "layer_2", "layer_3"]
    assert "placement" in printed.getvalue() and "Penalty on every layer" in printed.getvalue()


def test_glassnet_study_has_help(capsys):
    with pytest.raises(SystemExit) as stop:
        cli(["study", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for option in ("--data", "--target", "--layers", "--l2", "--convention", "--cv", "--jobs", "--scheduler", "--out"):
        assert option in text, option
    assert "glassnet-study" in text
