"""The docs' numbers come from examples/regularization_walkthrough.py; run it and check what the page claims."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.peers  # the walkthrough loads scikit-learn's breast-cancer data

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "examples" / "regularization_walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_walkthrough_numbers_support_the_docs(capsys):
    found = _load().main()
    out = capsys.readouterr().out
    assert found["lam"] == 2 * found["m"] * 0.01
    assert found["total_loss"] == found["evaluate"]
    assert found["shrink_factor"] == 0.998 and found["shrink_error"] < 1e-6
    penalty_norms = found["hidden_only_penalty_norms"]
    assert penalty_norms[0] == 0 and penalty_norms[2] == 0 and penalty_norms[1] > 0
    assert found["compile_vs_layer"] == 0.0
    no_l2, with_l2 = found["norms"].values()
    assert all(a > b for a, b in zip(no_l2[:3], with_l2[:3]))
    sgd, momentum, adamw = found["decay_vs_l2"].values()
    np.testing.assert_allclose(sgd[0], sgd[1], rtol=1e-5)
    assert abs(momentum[0] - momentum[1]) > 0.1 and abs(adamw[0] - adamw[1]) > 0.01
    for title in ("The cost", "model.losses", "shrink factor", "compile()", "Decoupled weight decay"):
        assert title in out


def test_docs_quote_the_printed_numbers(capsys):
    _load().main()
    out = capsys.readouterr().out
    page = (ROOT / "docs" / "regularization.md").read_text()
    # Every number the page quotes in a code block from the script's output must be in today's output.
    quoted = ["0.270772", "1.153512", "0.998", "4.5832", "7.4393", "2.7822", "5.2351", "4.7605", "3.333", "9.1", "4.55",
              "0.32", "n/a for this loss"]
    for number in quoted:
        assert number in page, number
        assert re.search(re.escape(number), out), f"docs quote {number}, the script no longer prints it"
