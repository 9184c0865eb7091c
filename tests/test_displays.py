"""Rich displays (issue 12): short one-line reprs and notebook HTML for Sequential, History, Explanation and
SweepResults — every number read back from the HTML is the object's own, every strength names its convention, no
resource comes from elsewhere, and sizes stay bounded however big the object is."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet import L1, L2, SGD, Adam, Dense, Sequential
from glassnet.callbacks import History
from glassnet.display import MAX_POINTS, MAX_REPR, MAX_ROWS
from glassnet.display.chart import integer_ticks, log_positions
from glassnet.engine.summary import summary_rows
from glassnet.experiments.results import SweepResults
from glassnet.regularizers.conventions import LABELS

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from display_pages import LAMBDAS, Display, close_to, data, objects  # noqa: E402

#: A display's HTML stays this small whatever the object holds (rows and plot points are capped).
MAX_HTML = 60_000


@pytest.fixture(scope="module")
def shown():
    return objects()


def check_self_contained(text: str) -> None:
    """No script, no link, no image file, no address: the display needs nothing but itself."""
    parsed = Display(text)
    tags = {tag for tag, _ in parsed.elements}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    for _, attrs in parsed.elements:
        assert not {"src", "href", "srcset", "action"} & set(attrs)
    for marker in ("http:", "https:", "url(", "@import", "javascript:"):
        assert marker not in text
    assert parsed.attributes("div")[0]["class"].startswith("glassnet ")


# --- Sequential ---------------------------------------------------------------------------------------------------
def test_model_summary_table_is_summary_rows_with_regularization(shown):
    model = shown["model"]
    text = model._repr_html_()
    parsed = Display(text)
    check_self_contained(text)
    header, *rows = parsed.tables[0]
    assert header == ["Layer (type)", "Output Shape", "Param #", "Regularization"]
    assert [tuple(row) for row in rows] == summary_rows(model)
    assert rows[0][3] == "kernel: L2(l2=0.01) [layer]" and rows[1][2] == str(model.layers[1].count_params())
    texts = [text for _, text in parsed.texts]
    assert f"Total params: {model.count_params()}" in texts
    assert any("L2(l2) adds l2·Σw²" in text for text in texts)  # the strength's convention is named
    assert parsed.headings == [("h3", "Sequential 'circle'")]


def test_model_repr_is_one_short_line(shown):
    model = shown["model"]
    first, second = (layer.name for layer in model.layers)  # dense_<k>: numbered per process
    assert repr(model) == (f"<Sequential 'circle': 2 layers {first} (Dense) → {second} (Dense), 33 params, "
                           f"penalties on {first}, {second}, compiled: AdamW, binary_crossentropy, metrics accuracy>")


def test_model_before_build_and_with_a_pending_lecture_lambda():
    model = Sequential([Dense(4, activation="relu"), Dense(1)], name="later")
    model.compile(optimizer="sgd", loss="mse", lam=0.7)
    parsed = Display(model._repr_html_())
    assert [row[2] for row in parsed.tables[0][1:]] == ["0 (unbuilt)", "0 (unbuilt)"]
    assert parsed.tables[0][1][3] == "kernel: L2 with the lecture's λ = 0.7 (m at fit) [compile]"
    texts = [text for _, text in parsed.texts]
    assert any(text.startswith("compile() regularizer: L2 with the lecture's λ = 0.7") for text in texts)
    assert "not built" in repr(model) and "\n" not in repr(model)


def test_a_huge_model_keeps_repr_and_html_small():
    model = Sequential([Dense(2, name=f"layer_with_a_rather_long_name_{i:03d}", kernel_regularizer=L1(0.1))
                        for i in range(300)], name="n" * 5000)
    model.build((None, 3))
    text = model._repr_html_()
    parsed = Display(text)
    assert len(repr(model)) <= MAX_REPR and len(text) <= MAX_HTML
    assert len(parsed.tables[0]) == 1 + MAX_ROWS + 1  # header, the rows shown, the row saying what is left out
    assert parsed.tables[0][-1][0] == f"… {300 - MAX_ROWS} more rows not shown: model.summary() prints every layer"


def test_caller_text_is_escaped():
    model = Sequential([Dense(1, name="dense<b>")], name="<script>alert(1)</script>")
    text = model._repr_html_()
    assert "<script" not in text and "<b>" not in text
    assert Display(text).headings == [("h3", "Sequential '<script>alert(1)</script>'")]


# --- History ------------------------------------------------------------------------------------------------------
def test_history_table_holds_the_last_epochs_numbers(shown):
    history = shown["history"]
    text = history._repr_html_()
    check_self_contained(text)
    parsed = Display(text)
    assert parsed.headings == [("h3", "History: 9 epochs")]
    header, *rows = parsed.tables[0]
    assert header == ["key"] + [f"epoch {e}" for e in range(5, 10)]
    assert [row[0] for row in rows] == list(history.history)
    for key, *cells in rows:
        for cell, value in zip(cells, history.history[key][-5:], strict=True):
            assert close_to(cell, value), (key, cell, value)


def test_history_plot_splits_data_and_penalty_with_integer_epoch_ticks(shown):
    history = shown["history"]
    parsed = Display(history._repr_html_())
    paths = parsed.attributes("path")
    assert len(paths) == 6  # loss, data loss, penalty; train and validation
    assert [p.get("stroke-dasharray") for p in paths] == [None, "5 3", "1.5 2.5"] * 2
    legend = [text.strip() for text in parsed.svg_texts]
    epochs = [int(label) for label in legend if label.isdigit()]
    assert epochs and all(1 <= e <= 9 for e in epochs)
    labels = [span for tag, span in parsed.elements if tag == "span"]
    assert len(labels) == 6
    # Each drawn point is the History's own number: the y positions map back linearly to the values.
    d = paths[1]["d"].split()
    ys = np.array([float(v) for v in d[1::2]])
    values = np.array(history.history["data_loss"])
    fit = np.polyfit(values, ys, 1)
    assert fit[0] < 0 and np.allclose(np.polyval(fit, values), ys, atol=0.06)


def test_history_repr_and_long_or_empty_histories():
    history = History()
    assert repr(history) == "<History: no epoch yet>"
    assert Display(history._repr_html_()).headings == [("h3", "History: no epoch yet")]
    for epoch in range(5000):
        logs = {"loss": 1 / (epoch + 1) + 0.01, "data_loss": 1 / (epoch + 1), "penalty_loss": 0.01}
        logs.update({f"penalty/layer_{i}/kernel": 0.001 for i in range(60)})
        history.on_epoch_end(epoch, logs)
    text = history._repr_html_()
    parsed = Display(text)
    assert len(text) <= MAX_HTML and len(repr(history)) <= MAX_REPR
    assert all(len(p["d"].split()) <= 2 * MAX_POINTS for p in parsed.attributes("path"))
    assert parsed.tables[0][0][-1] == "epoch 5000"
    assert repr(history).startswith("<History: 5000 epochs; last: loss 0.0102 = data_loss 0.0002 + "
                                    "penalty_loss 0.01; keys: loss, data_loss, penalty_loss, penalty/layer_0/kernel")


def test_integer_ticks():
    assert integer_ticks(1, 5) == [(float(t), str(t)) for t in range(1, 6)]
    assert [label for _, label in integer_ticks(1, 9)] == ["2", "4", "6", "8"]  # at most 8 ticks
    assert [label for _, label in integer_ticks(1, 5000)] == ["1000", "2000", "3000", "4000", "5000"]
    assert integer_ticks(1, 1) == [(1.0, "1")]


# --- Explanation ----------------------------------------------------------------------------------------------
def test_explanation_has_every_section_of_the_text_report(shown):
    e = shown["explanation"]
    text = e._repr_html_()
    check_self_contained(text)
    parsed = Display(text)
    # The text report's section headings are its unindented lines after the first.
    sections = [" ".join(line.split()) for line in str(e).splitlines()[1:] if line and not line.startswith(" ")]
    assert [heading for tag, heading in parsed.headings if tag == "h4"] == sections
    assert any(s.startswith("Decoupled weight decay vs an L2 penalty") for s in sections)
    assert any(s.startswith("The same strength in other conventions") for s in sections)
    assert [text for tag, text in parsed.texts if tag == "li"] == e.notes


def test_explanation_numbers_are_its_own(shown):
    e = shown["explanation"]
    loss, gradients, updates, decay, strengths = Display(e._repr_html_()).tables
    assert close_to(loss[1][2], e.data_loss) and close_to(loss[-1][2], e.total_loss)
    for row, penalty in zip(loss[2:-1], e.penalties, strict=True):
        assert row[:2] == [f"penalty {penalty.layer}/{penalty.weight}", repr(penalty.regularizer)]
        assert close_to(row[2], penalty.value)
    for row, (key, g) in zip(gradients[1:], e.gradients.items(), strict=True):
        assert row[0] == "/".join(key) and close_to(row[1], g.data_norm) and close_to(row[2], g.penalty_norm)
    for row, u in zip(updates[1:], e.updates.values(), strict=True):
        assert all(close_to(cell, u.norms()[part]) for cell, part in zip(row[1:4], ("data", "penalty", "decay")))
    for row, c in zip(decay[1:], e.decay_vs_l2.values(), strict=True):
        assert close_to(row[1], float(np.linalg.norm(c.decay_step.astype(np.float64))))
        assert close_to(row[3], c.ratio) and row[4] == ("yes" if c.identical else "no")
    # Every strength names its convention; lecture λ = 2·m·l2 for this m.
    assert strengths[0] == ["weight"] + [LABELS[c] for c in ("keras", "lecture", "torch", "sklearn", "playground",
                                                             "kappa")]
    for row, table in zip(strengths[1:], e.strengths.values(), strict=True):
        assert close_to(row[1], table.values["keras"]) and close_to(row[2], 2 * e.n_samples * 0.01)
        assert close_to(row[3], table.values["torch"]) and row[5] == "n/a for this loss"


def test_explanation_repr_has_no_arrays(shown):
    e = shown["explanation"]
    text = repr(e)
    assert len(text) <= MAX_REPR and "array" not in text and "\n" not in text
    assert text.startswith(f"<Explanation of 'circle' on 160 rows: total loss {e.total_loss:.6g} = data loss "
                           f"{e.data_loss:.6g} + penalties {e.penalty_loss:.6g} (2 terms); 4 weights, next step")


def test_a_big_explanation_stays_bounded():
    x, y = data(64)
    model = Sequential([Dense(3, activation="relu", kernel_regularizer=L2(1e-3)) for _ in range(60)] + [Dense(1)],
                       seed=0)
    model.compile(optimizer=SGD(momentum=0.9), loss="mse")
    e = model.explain(x, y)
    text = e._repr_html_()
    assert len(repr(e)) <= MAX_REPR and len(text) <= MAX_HTML
    assert len(str(e)) > 2 * len(text) / 3  # the text report holds everything; the display cut its long tables
    assert all(len(rows) <= MAX_ROWS + 2 for rows in Display(text).tables)


# --- SweepResults -------------------------------------------------------------------------------------------------
def test_sweep_display_numbers_choice_and_curve(shown):
    results = shown["results"]
    text = results._repr_html_()
    check_self_contained(text)
    parsed = Display(text)
    header, *rows = parsed.tables[0]
    assert header[:3] == ["Keras l2", f"lecture λ (m = {results.training_rows})", "fits n"]
    summary = results.summary()
    val = header.index("val data loss J_cv")
    for row, expected in zip(rows, summary, strict=True):
        assert float(row[0]) == expected["value"] and row[2] == str(expected["n"])
        mean, std = row[val].split(" ± ")
        assert close_to(mean, expected["val_data_loss_mean"], 4) and close_to(std, expected["val_data_loss_std"], 4)
    best = LAMBDAS.index(results.best_lambda)
    assert "gn-best" in parsed.row_classes[0][1 + best].split()
    sentences = [text for tag, text in parsed.texts if tag == "p"]
    assert sentences[0].startswith(f"Best λ: {results.strength_text(results.best_lambda)}, ")
    assert "lecture λ" in results.strength_text(results.best_lambda)
    assert len(parsed.attributes("path")) == 2  # train and validation data loss
    assert "0" in [t.strip() for t in parsed.svg_texts]  # λ = 0 has its own tick on the log axis


def test_sweep_repr_is_short_for_many_records():
    records = [{"value": v, "fold": f, "seed": s, "n_train": 90, "val_data_loss": 1 / (1 + v + f), "norms": {},
                "history": {"loss": list(np.linspace(1, 0, 500))}}
               for v in np.logspace(-5, 0, 40) for f in range(5) for s in range(5)]
    results = SweepResults("lambda", sorted({r["value"] for r in records}), records)
    text = repr(results)
    assert len(text) <= 300 and text.startswith("<SweepResults: validation curve over Keras l2, 40 values, "
                                                "1000 fits; best Keras l2 = 1 (lecture λ = 180 for m = 90)")
    assert len(results._repr_html_()) <= MAX_HTML


def test_learning_curve_display():
    records = [{"value": m, "fold": f, "seed": 0, "train_data_loss": 0.1 + f / 10, "val_data_loss": 1 / m + f,
                "norms": {}, "history": {}} for m in (20, 40, 80) for f in range(2)]
    parsed = Display(SweepResults("train_size", [20, 40, 80], records)._repr_html_())
    assert parsed.tables[0][0][:2] == ["training rows m", "fits n"]
    assert parsed.texts[0][1].startswith("This is a learning curve")
    assert repr(SweepResults("train_size", [20, 40, 80], records)).startswith("<SweepResults: learning curve, 3")


def test_log_positions_put_zero_one_step_left():
    assert log_positions([0.0, 1e-3, 1e-2, 1e-1]) == ([1e-4, 1e-3, 1e-2, 1e-1], 1e-4)
    assert log_positions([1e-3, 1e-1]) == ([1e-3, 1e-1], None)
    assert log_positions([0.0]) == ([1.0], 1.0)


def test_no_display_needs_matplotlib_to_be_imported_first():
    """The displays are core: a model's HTML is drawn without matplotlib (an SVG written in Python)."""
    import subprocess

    code = ("import sys, glassnet; m = glassnet.Sequential([glassnet.Dense(1)]); m.build((None, 2)); "
            "h = glassnet.callbacks.History(); h.on_epoch_end(0, {'loss': 1.0}); m._repr_html_(); h._repr_html_(); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_display_is_bounded_on_the_adam_path():
    x, y = data(40)
    model = Sequential([Dense(4, activation="relu", kernel_regularizer=L2(0.1)), Dense(1, activation="sigmoid")],
                       seed=1)
    model.compile(optimizer=Adam(), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=2, verbose=0, seed=0)
    for obj in (model, history, model.explain(x, y)):
        assert len(repr(obj)) <= MAX_REPR and len(obj._repr_html_()) <= MAX_HTML


def test_the_explanations_parts_show_shapes_and_norms_not_values():
    x, y = data(64)
    wide = np.hstack([x] * 15)  # 30 features: a 30×25 kernel, whose values would print in full
    model = Sequential([Dense(25, activation="relu", kernel_regularizer=L2(0.01)), Dense(1)], seed=0)
    model.compile(optimizer=SGD(weight_decay=0.01), loss="mse")
    e = model.explain(wide, y)
    key = (model.layers[0].name, "kernel")
    gradient, update, decay = e.gradients[key], e.updates[key], e.decay_vs_l2[key]
    assert repr(gradient) == (f"GradientParts(data=<(30, 25) float32, ‖·‖ = {gradient.data_norm:.6g}>, "
                              f"penalty=<(30, 25) float32, ‖·‖ = {gradient.penalty_norm:.6g}>)")
    assert repr(update).startswith("UpdateParts(data=<(30, 25) float32, ‖·‖ = ")
    assert repr(update).endswith(f", shrink_factor={update.shrink_factor!r})")
    assert repr(decay).startswith("DecayComparison(decay_step=<(30, 25) float32, ‖·‖ = ")
    assert all(len(repr(part)) < 300 for part in (gradient, update, decay))


def test_a_sweep_with_diverged_fits_displays_and_never_chooses_them():
    def records(losses):
        return [{"value": v, "fold": 0, "seed": 0, "val_data_loss": loss, "norms": {}, "history": {}}
                for v, loss in zip(LAMBDAS, losses)]
    nan = float("nan")
    some = SweepResults("lambda", LAMBDAS, records([nan, 0.6, 0.5, nan]))
    assert (some.best_lambda, some.best_lambda_1se) == (1e-2, 1e-2)  # the diverged λ = 0 and 0.1 are never chosen
    assert repr(some).endswith("; best Keras l2 = 0.01, 1-SE Keras l2 = 0.01>")
    assert Display(some._repr_html_()).tables[0][3][-1] == "best, 1-SE"
    none = SweepResults("lambda", LAMBDAS, records([nan] * 4))
    with pytest.raises(ValueError, match=r"Choosing λ needs a finite mean validation data loss for at least one "
                                         r"λ. Received: means \[nan, nan, nan, nan\]"):
        _ = none.best_lambda
    assert repr(none) == "<SweepResults: validation curve over Keras l2, 4 values, 4 fits>"
    texts = [text for _, text in Display(none._repr_html_()).texts]
    assert texts[0] == "No λ has a finite mean validation data loss (did every fit diverge?), so no λ is chosen."
