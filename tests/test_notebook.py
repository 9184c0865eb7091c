"""The displays in a real notebook (issue 12): a notebook built with nbformat is executed by nbclient on an
ipykernel Python kernel of this venv, and its outputs are read back — the summary's regularization column, the
History table (its numbers against the History the kernel printed), the Explanation's headings, the sweep's tqdm
widget and chosen λ, the progress lines of fit and evaluate — and no output exceeds the size limits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernel
from nbclient import NotebookClient

from glassnet.display import MAX_REPR

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from display_pages import Display, close_to  # noqa: E402

MAX_HTML = 60_000
KERNEL = "glassnet-test"

CELLS = {
    "setup": """
import json
import numpy as np
from glassnet import Sequential, Dense, L2
from glassnet.experiments import ModelSpec, validation_curve
rng = np.random.default_rng(0)
x = rng.normal(size=(160, 2))
y = (np.sum(x ** 2, axis=1) < 1.5).astype(float)
model = Sequential([Dense(8, activation='relu', kernel_regularizer=L2(0.01)),
                    Dense(1, activation='sigmoid', kernel_regularizer=L2(0.01))], name='circle', seed=0)
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])""",
    "model": "model",
    "fit": "history = model.fit(x, y, epochs=5, verbose=1, seed=0, validation_split=0.25)\nhistory",
    "numbers": "print(json.dumps(history.history))",
    "evaluate": "model.evaluate(x, y, verbose=1)",
    "explain": "model.explain(x, y)",
    "sweep": """
spec = ModelSpec(hidden=(6,), activation='relu', output_activation='sigmoid', loss='binary_crossentropy')
results = validation_curve(spec, x, y, lambdas=[0, 1e-2, 1e-1], cv=2, epochs=2, n_jobs=1)
results""",
}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook, run top to bottom on a kernel of this very Python (its spec written to a temporary folder:
    offline, nothing installed outside it)."""
    prefix = tmp_path_factory.mktemp("kernel")
    install_kernel(kernel_name=KERNEL, prefix=str(prefix))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source.strip(), metadata={"name": name})
                      for name, source in CELLS.items()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        NotebookClient(notebook, kernel_name=KERNEL, timeout=120, allow_errors=False,
                       resources={"metadata": {"path": str(prefix)}}).execute()
    nbformat.validate(notebook)
    return {cell.metadata["name"]: cell.outputs for cell in notebook.cells}


def result(outputs: list, kind: str = "text/html") -> str:
    return next(o["data"][kind] for o in outputs if o["output_type"] == "execute_result")


def stream(outputs: list, name: str = "stdout") -> str:
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == name)


def test_no_output_exceeds_the_limits(executed):
    for name, outputs in executed.items():
        for output in outputs:
            assert output["output_type"] != "error", name
            data = output.get("data", {})
            assert len(data.get("text/plain", "")) <= MAX_REPR, name
            assert len(data.get("text/html", "")) <= MAX_HTML, name
    assert result(executed["model"], "text/plain").startswith("<Sequential 'circle': 2 layers ")


def test_model_shows_its_summary_with_regularization(executed):
    header, *rows = Display(result(executed["model"])).tables[0]
    assert header[-1] == "Regularization"
    assert [row[3] for row in rows] == ["kernel: L2(l2=0.01) [layer]"] * 2


def test_history_shows_its_own_numbers_and_fit_its_progress(executed):
    history = json.loads(stream(executed["numbers"]))
    parsed = Display(result(executed["fit"]))
    header, *rows = parsed.tables[0]
    assert header == ["key"] + [f"epoch {e}" for e in range(1, 6)]
    for key, *cells in rows:
        assert all(close_to(cell, value) for cell, value in zip(cells, history[key], strict=True)), key
    assert len(parsed.attributes("path")) == 6  # the loss plot: total, data, penalty; train and validation
    out = stream(executed["fit"])
    assert out.count("Epoch ") == 5
    # The kernel's output redraws in place: each epoch ends with "\r" and the line with the elapsed time.
    assert out.count("\r4/4 ━━━━━━━━━━━━━━━━━━━━ ") == 5 and "/step - loss: " in out
    assert f"val_data_loss: {history['val_data_loss'][-1]:.4f}" in out


def test_evaluate_prints_its_line(executed):
    line = stream(executed["evaluate"])
    loss = json.loads(result(executed["evaluate"], "text/plain"))[0]
    assert line.startswith("5/5 ━") and f" - loss: {loss:.4f} - data_loss: " in line


def test_explanation_shows_every_section(executed):
    parsed = Display(result(executed["explain"]))
    headings = [heading for tag, heading in parsed.headings if tag == "h4"]
    assert headings[:3] == ["Loss (what evaluate() reports, split)", "Gradients of the loss on all 160 rows "
                            "(‖·‖ = Frobenius norm)", "Next update Δw = data part + penalty part + decay part"]
    assert headings[3].startswith("The same strength in other conventions (m = 120 training rows")
    assert headings[4] == "What this means"
    assert len(result(executed["explain"], "text/plain")) < 400  # not the 100 KB of arrays it once was


def test_sweep_shows_a_progress_widget_then_its_results(executed):
    outputs = executed["sweep"]
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1  # tqdm.auto's bar, as a widget
    texts = [text for tag, text in Display(result(outputs)).texts if tag == "p"]
    assert texts[0].startswith("Best λ: Keras l2 = ") and "lecture λ" in texts[0]
    assert stream(outputs, "stderr") == ""  # no plain progress lines in a notebook
