"""The demo's comparison (glassnet.demo.comparison, also examples/demo.py) runs, and its table says what the docs
claim: L2 shrinks every kernel, both models still classify well, and the penalties shown are the ones the library
charges. Every README snippet runs."""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.peers  # the demo and the README snippets use scikit-learn's data and matplotlib

README_PATH = Path(__file__).resolve().parents[1] / "README.md"
# Few epochs keep the test fast; 20 are enough for > 95 % validation accuracy on seeds 0-9 (checked when written).
EPOCHS = 20


def load_demo() -> ModuleType:
    from glassnet.demo import comparison

    return comparison


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    return load_demo()


@pytest.fixture(scope="module")
def run(demo: ModuleType) -> tuple[dict[str, dict[str, Any]], str]:
    """One short run of the demo: (returned numbers, printed text)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        results = demo.main(epochs=EPOCHS, seed=0)
    return results, printed.getvalue()


def test_returns_finite_numbers_for_both_models(run, demo):
    results, _ = run
    assert list(results) == [demo.NO_L2, demo.WITH_L2]
    for numbers in results.values():
        for key in ("train_accuracy", "val_accuracy", "train_data_loss", "val_data_loss", "train_loss"):
            assert math.isfinite(numbers[key]), key
        for key in ("penalties", "kernel_norms"):
            assert len(numbers[key]) == 3 and all(math.isfinite(v) and v > 0 for v in numbers[key]), key


def test_l2_shrinks_every_kernel(run, demo):
    results, _ = run
    plain, regularized = results[demo.NO_L2]["kernel_norms"], results[demo.WITH_L2]["kernel_norms"]
    for layer, (without, with_l2) in enumerate(zip(plain, regularized), start=1):
        assert with_l2 < without, f"layer {layer}: ||W|| with L2 {with_l2:.4f} vs without {without:.4f}"


def test_both_models_generalize(run):
    results, _ = run
    for title, numbers in results.items():
        assert numbers["val_accuracy"] > 0.9, f"{title}: validation accuracy {numbers['val_accuracy']:.3f}"


def test_penalties_shown_are_the_ones_charged(run, demo):
    results, _ = run
    plain, regularized = results[demo.NO_L2], results[demo.WITH_L2]
    # The L2 model pays exactly the shown penalties (model.losses), the plain model pays none.
    assert regularized["penalties_charged"] == [True, True, True]
    np.testing.assert_allclose(regularized["model_losses"], regularized["penalties"], rtol=1e-6)
    assert plain["penalties_charged"] == [False, False, False] and plain["model_losses"] == []
    # The reported training loss is the data loss plus the charged penalties, and nothing else.
    for numbers in (plain, regularized):
        charged = sum(p for p, c in zip(numbers["penalties"], numbers["penalties_charged"]) if c)
        assert numbers["train_loss"] == pytest.approx(numbers["train_data_loss"] + charged, rel=1e-5)
    assert regularized["train_loss"] > regularized["train_data_loss"]


def test_twins_start_from_the_same_weights(demo):
    models = demo.build_twins(n_features=30, seed=0)
    plain, regularized = (model.get_weights() for model in models.values())
    for a, b in zip(plain, regularized, strict=True):
        np.testing.assert_array_equal(a, b)


def test_run_is_reproducible(run, demo):
    results, _ = run
    with contextlib.redirect_stdout(io.StringIO()):
        again = demo.main(epochs=EPOCHS, seed=0)
    assert again == results


def test_prints_the_table_and_the_explanation(run, demo):
    _, printed = run
    header = next(line for line in printed.splitlines() if demo.NO_L2 in line)
    assert demo.WITH_L2 in header
    for label in ("train accuracy", "validation accuracy", "train data loss (no penalties)",
                  "train loss = data + penalties", "layer 1 penalty 0.01*sum(W**2)",
                  "layer 3 penalty 0.01*sum(W**2)", "layer 1 kernel norm ||W|| (30x25)",
                  "layer 2 kernel norm ||W|| (25x15)", "layer 3 kernel norm ||W|| (15x1)"):
        assert label in printed, label
    assert "(...) = not charged" in printed
    assert "1 - 2*lr*0.01" in printed


def python_blocks(markdown: str) -> list[str]:
    """The ```python code blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.DOTALL | re.MULTILINE)


def test_readme_snippets_run():
    """Every Python snippet in the README runs, in order, in one namespace (later ones use earlier names)."""
    blocks = python_blocks(README_PATH.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(README_PATH), "exec"), namespace)  # noqa: S102 - our own README
    # The outputs the README states in its comments.
    lines = printed.getvalue().splitlines()
    assert "(2, 25)" in lines and "9.1" in lines and "0.02" in lines
    assert "L2.from_lecture(lam=0.7, m=400)" in lines
