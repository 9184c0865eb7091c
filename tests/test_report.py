"""The HTML report: self-contained, every listed table and image present, every summary number, text escaped.

The page is validated structurally with html.parser (anchors, images, tables, resources), not in a browser.
"""

from __future__ import annotations

import base64
import importlib
import io
import os
import statistics
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from glassnet import Adam, Dense, Sequential
from glassnet.experiments.report import write_report
from glassnet.experiments.results import SweepResults

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "<script>alert('λ')</script> & \"sweep\""
NOTES = ["Trained on <b>400</b> rows & 2 features.", "λ is Keras's l2 factor; 1 − accuracy < 0.1 is good."]
# Validation data loss per λ over two folds. Lowest mean at λ = 0.1 (0.40, standard error 0.05); λ = 1 has
# mean 0.42 ≤ 0.40 + 0.05, so the one-standard-error rule picks λ = 1.
VAL_DATA_LOSS = {0.0: (0.9, 0.7), 0.01: (0.6, 0.5), 0.1: (0.45, 0.35), 1.0: (0.46, 0.38)}


def sweep_records(values: dict[float, tuple[float, ...]]) -> list[dict]:
    records = []
    for value, losses in values.items():
        for fold, val_loss in enumerate(losses):
            records.append({
                "value": value, "fold": fold, "seed": 0, "n_train": 80, "n_val": 20,
                "train_loss": 0.25 + value, "train_data_loss": 0.2 + value / 3 + fold / 100,
                "train_penalty_loss": value / 7 + fold / 50, "val_loss": val_loss + value / 7,
                "val_data_loss": val_loss, "val_penalty_loss": value / 7 + fold / 50,
                "train_accuracy": 0.97 - value / 10, "val_accuracy": 1.0 - val_loss / 3,
                "train_error": 0.03 + value / 10, "val_error": val_loss / 3,
                "norms": {"layer_1": 3.0 - value - fold / 10, "layer_2": 1.25 - value / 2 + fold / 30},
                "history": {"loss": [0.9, 0.6], "data_loss": [0.8, 0.5], "penalty_loss": [0.1, 0.1]}})
    return records


class ParsedPage(HTMLParser):
    """Every element with its attributes, the ids, the contents links, table cells and captured texts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.ids: dict[str, str] = {}  # id → tag
        self.contents: list[str] = []  # hrefs of the links in <nav>
        self.tables: dict[str, list[list[str]]] = {}  # table id → rows of cell texts (the header row first)
        self.texts: list[tuple[str, str | None, str]] = []  # (tag, id, text) of title, h1, p, pre
        self._in_nav = False
        self._table: str | None = None
        self._cell: str | None = None
        self._capture: list | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if "id" in attrs:
            assert attrs["id"] not in self.ids, f"duplicate id {attrs['id']}"
            self.ids[attrs["id"]] = tag
        if tag == "nav":
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self.contents.append(attrs["href"])
        elif tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ""
        if tag in ("title", "h1", "p", "pre"):
            self._capture = [tag, attrs.get("id"), ""]

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(self._cell)
            self._cell = None
        elif tag == "table":
            self._table = None
        if self._capture is not None and tag == self._capture[0]:
            self.texts.append(tuple(self._capture))
            self._capture = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._capture is not None:
            self._capture[2] += data

    def text_of(self, tag: str) -> list[str]:
        return [text for t, _, text in self.texts if t == tag]


@pytest.fixture(scope="module")
def results() -> SweepResults:
    return SweepResults("lambda", list(VAL_DATA_LOSS), sweep_records(VAL_DATA_LOSS), metric="accuracy",
                        config={"cv": 2, "epochs": 5, "model": "<Dense 25 relu>"})


@pytest.fixture(scope="module")
def learning() -> SweepResults:
    sizes = {20: (0.8, 0.7), 40: (0.55, 0.5)}
    return SweepResults("train_size", list(sizes), sweep_records(sizes), metric="accuracy")


@pytest.fixture(scope="module")
def trained():
    """Two small models on a seeded 2-D problem, without and with L2, their histories and an explanation."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2))
    y = (np.sum(x ** 2, axis=1) < 1.5).astype(np.float64)
    models, histories = {}, {}
    for label, lam in (("no L2", None), ("lecture λ = 1", 1.0)):
        model = Sequential([Dense(6, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
        model.compile(optimizer=Adam(learning_rate=0.02), loss="binary_crossentropy", metrics=["accuracy"],
                      lam=lam)
        histories[label] = model.fit(x, y, epochs=4, verbose=0, validation_split=0.25, seed=0)
        models[label] = model
    return models, histories, models["lecture λ = 1"].explain(x, y)


@pytest.fixture(scope="module")
def page(results, learning, trained, tmp_path_factory):
    models, histories, explanation = trained
    folder = tmp_path_factory.mktemp("report")
    path = write_report(results, folder, title=TITLE, models=models, histories=histories,
                        explanation=explanation, notes=NOTES, learning=learning)
    assert path == folder / "report.html"
    assert sorted(os.listdir(folder)) == ["report.html"]  # the temporary file was renamed, nothing left over
    text = path.read_text(encoding="utf-8")
    return text, ParsedPage(text)


def test_contents_lists_every_table_and_image_and_each_exists(page):
    _, parsed = page
    assert all(href.startswith("#") for href in parsed.contents)
    targets = [href[1:] for href in parsed.contents]
    assert targets == ["summary", "validation-curve", "validation-error", "learning-summary",
                       "learning-curve", "loss-curves", "weight-norms", "loss-curves-2", "weight-norms-2",
                       "weight-histograms", "settings", "explanation", "notes"]
    for target in targets:
        assert target in parsed.ids, f"contents links to #{target}, which is not on the page"
    # ...and the reverse: every table and image on the page is listed.
    listed = {tag: [e for e in parsed.elements if e[0] == tag] for tag in ("table", "img", "pre")}
    for tag, elements in listed.items():
        assert elements and all(attrs.get("id") in targets for _, attrs in elements), tag
    assert len(listed["img"]) == 8 and len(listed["table"]) == 3


def test_images_are_embedded_valid_pngs(page):
    _, parsed = page
    images = [attrs for tag, attrs in parsed.elements if tag == "img"]
    for attrs in images:
        prefix = "data:image/png;base64,"
        assert attrs["src"].startswith(prefix) and attrs["alt"]
        data = base64.b64decode(attrs["src"][len(prefix):], validate=True)
        assert data[:8] == PNG_SIGNATURE
        pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert pixels.shape[0] > 100 and float(pixels[..., :3].var()) > 1e-3  # decodes, and is not blank


def test_no_external_resource(page):
    text, parsed = page
    tags = {tag for tag, _ in parsed.elements}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "source", "video", "audio"}
    for tag, attrs in parsed.elements:
        for name in ("src", "href", "srcset", "data", "action", "poster", "background"):
            if name in attrs:
                assert attrs[name].startswith(("data:image/png;base64,", "#")), (tag, name, attrs[name][:40])
    for marker in ("http://", "https://", "//cdn", "url(", "@import", "@font-face"):
        assert marker not in text
    assert '<meta charset="utf-8">' in text


def test_summary_table_has_every_number(page, results):
    _, parsed = page

    def mean_std(values):
        return f"{statistics.mean(values):.4g} ± {statistics.stdev(values):.4g}"

    header, *rows = parsed.tables["summary"]
    assert header == ["Keras l2", "lecture λ (m = 80)", "fits n", "train data loss J_train", "val data loss J_cv",
                      "val error (1 − accuracy)", "penalty Σ reg(W)", "‖W‖ layer_1", "‖W‖ layer_2", "chosen"]
    expected = []
    for value, label, lam in zip(VAL_DATA_LOSS, ["0", "0.01", "0.1", "1"], ["0", "1.6", "16", "160"], strict=True):
        runs = results.runs(value)
        # The lecture's λ = 2·m·l2 with m = 80 training rows.
        cells = [label, lam, "2"] + [mean_std([run[key] for run in runs]) for key in
                                     ("train_data_loss", "val_data_loss", "val_error", "train_penalty_loss")]
        cells += [mean_std([run["norms"][layer] for run in runs]) for layer in ("layer_1", "layer_2")]
        expected.append(cells + [{0.1: "best", 1.0: "1-SE"}.get(value, "")])
    assert rows == expected
    assert rows[2][4] == "0.4 ± 0.07071"  # spelled out once: J_cv at λ = 0.1 over folds 0.45 and 0.35

    # Every mean and std of the summary is on the page (also the learning curve's table).
    learning_header, *learning_rows = parsed.tables["learning-summary"]
    assert learning_header[:4] == ["training rows m", "fits n", "train data loss J_train",
                                   "val data loss J_cv"]
    assert [row[0] for row in learning_rows] == ["20", "40"] and learning_rows[0][3] == "0.75 ± 0.07071"
    assert parsed.tables["settings"] == [["setting", "value"], ["cv", "2"], ["epochs", "5"],
                                         ["model", "<Dense 25 relu>"]]


def test_best_and_one_se_lambda_are_stated(page, results):
    _, parsed = page
    assert (results.best_lambda, results.best_lambda_1se) == (0.1, 1.0)
    paragraphs = parsed.text_of("p")
    best = ("Best λ: Keras l2 = 0.1 (lecture λ = 16 for m = 80), the lowest mean validation data loss, J_cv = 0.4 "
            "(standard error 0.05 over 2 fits).")
    one_se = ("1-SE λ: Keras l2 = 1 (lecture λ = 160 for m = 80), the largest λ whose mean J_cv ≤ 0.4 + 0.05 = 0.45 "
              "(J_cv there: 0.42). A smaller")
    assert any(p == best for p in paragraphs)
    assert any(p.startswith(one_se) for p in paragraphs)


def test_text_is_escaped(page, trained):
    text, parsed = page
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(&#x27;λ&#x27;)&lt;/script&gt; &amp; &quot;sweep&quot;" in text
    assert parsed.text_of("title") == [TITLE] and parsed.text_of("h1") == [TITLE]
    assert [p for p in parsed.text_of("p") if p in NOTES] == NOTES
    assert "&lt;Dense 25 relu&gt;" in text
    # The explanation is its str(), character for character, once the entities are decoded.
    explanation = trained[2]
    assert [text for tag, anchor, text in parsed.texts if anchor == "explanation"] == [str(explanation)]


def test_report_of_a_learning_curve_alone(learning, tmp_path):
    path = write_report(learning, tmp_path / "nested" / "dir" / "lc.html", notes="one note")
    parsed = ParsedPage(path.read_text(encoding="utf-8"))
    assert [href for href in parsed.contents] == ["#summary", "#learning-curve", "#notes"]
    assert parsed.tables["summary"][0][-1] == "‖W‖ layer_2"  # no "chosen" column: no λ was swept
    assert any("choosing λ needs a validation curve" in p for p in parsed.text_of("p"))
    assert not any(p.startswith("Best λ") for p in parsed.text_of("p"))


def minimal_results() -> SweepResults:
    values = {0.0: (0.5, 0.7), 0.1: (0.4, 0.5)}
    records = [{key: value for key, value in record.items() if not key.endswith(("error", "accuracy"))}
               for record in sweep_records(values)]
    return SweepResults("lambda", list(values), records)


def test_path_handling(tmp_path):
    results = minimal_results()
    assert write_report(results, str(tmp_path / "new") + "/") == tmp_path / "new" / "report.html"
    target = tmp_path / "out.html"
    target.write_text("old", encoding="utf-8")
    assert write_report(results, target) == target
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # replaced
    assert sorted(os.listdir(tmp_path)) == ["new", "out.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def fail(source, destination):
        raise OSError("disk full")

    # The module, not the package attribute: `glassnet.experiments.report` is also the name of a function.
    report_module = importlib.import_module("glassnet.experiments.report")
    monkeypatch.setattr(report_module.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_report(minimal_results(), tmp_path)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["report.html"]


def test_bad_arguments_name_themselves(results, tmp_path):
    with pytest.raises(TypeError, match=r"`results` must be a SweepResults. Received: results="):
        write_report(results.to_dict(), tmp_path)
    with pytest.raises(TypeError, match=r"`learning` must be a SweepResults with param='train_size'"):
        write_report(results, tmp_path, learning=results)
    with pytest.raises(TypeError, match=r"`notes` must be a str or a list of str. Received: notes=\[1\]"):
        write_report(results, tmp_path, notes=[1])
    with pytest.raises(TypeError, match=r"`histories` must be a History.*Received: histories=\[0.5, 0.4\]"):
        write_report(results, tmp_path, histories=[0.5, 0.4])
    with pytest.raises(TypeError, match=r"`title` must be a str. Received: title=3"):
        write_report(results, tmp_path, title=3)
    with pytest.raises(TypeError, match=r"`path` must be a str or pathlib.Path. Received: path=3"):
        write_report(results, 3)
    assert not Path(tmp_path / "report.html").exists()
