"""The playground in a real browser: Playwright drives the system Chromium (Debian's ``chromium``; .ci/run installs
it) against one playground server for the whole module. Numbers are checked against glassnet itself, computed here
independently (a plain Sequential and fit of the same seed and settings), bit for bit, from the JSON frames the page
received. Screenshots of the default view, twin mode and a phone-width view are written to a temporary folder
(printed at the end) for a person to look at."""

from __future__ import annotations

import json
import runpy
import shutil
import struct
import time

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import glassnet
from glassnet import L1, L2, SGD, Dense, LambdaCallback, Sequential
from glassnet.datasets import spiral, xor
from glassnet.playground.notebook import show, stop
from glassnet.playground.protocol import history as history_of
from glassnet.playground.server import BackgroundServer
from glassnet.regularizers.placement import CompileRegularization

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
FAST = "speed=0"  # no speed cap: the tests need epochs, not a watchable pace


@pytest.fixture(scope="module")
def server():
    running = BackgroundServer().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("playground-screenshots")
    yield folder
    print(f"\nplayground screenshots: {folder}")


class Page:
    """A page of the playground with its console errors and the frames its WebSocket received."""

    def __init__(self, browser, server, hash_: str = "", url: str = "", width: int = 1400, height: int = 1000):
        self.page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
        self.errors: list[str] = []
        self.received: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.received.append(payload)))
        self.page.goto(f"{url or server.url}#{hash_}")
        self.page.wait_for_function("() => window.glassnetPlayground && "
                                    "window.glassnetPlayground.stats.framesDrawn > 0")

    def __getitem__(self, testid: str):
        return self.page.get_by_test_id(testid)

    def value(self, testid: str) -> float:
        return float(self[testid].get_attribute("data-value"))

    def stat(self, name: str):
        return self.page.evaluate(f"window.glassnetPlayground.stats.{name}")

    def run_until(self, epochs: int) -> int:
        self["play"].click()
        self.page.wait_for_function(f"() => window.glassnetPlayground.stats.epoch >= {epochs}", timeout=30_000)
        self["play"].click()
        return self.settle()

    def settle(self) -> int:
        """Wait until the shown epoch stops moving (the last frames after a pause have been drawn)."""
        last, same_since = -1, time.monotonic()
        while time.monotonic() - same_since < 0.4:
            epoch = self.stat("epoch")
            if epoch != last:
                last, same_since = epoch, time.monotonic()
            time.sleep(0.05)
        return last

    def rows(self, network: int = 0) -> list[tuple[int, dict]]:
        """Every epoch's logs as received in the frames (JSON numbers, parsed as the floats they are)."""
        out = []
        for text in self.received:
            message = json.loads(text)
            if message["type"] == "frame" and len(message["networks"]) > network:
                for block in message["networks"][network]["rows"]:
                    out += [(e, dict(zip(block["keys"], values)))
                            for e, values in zip(block["epochs"], block["values"])]
        return out

    def close(self) -> None:
        self.page.close()
        assert self.errors == []


@pytest.fixture
def open_page(browser, server):
    pages = []

    def make(hash_: str = "", **kwargs) -> Page:
        pages.append(Page(browser, server, hash_, **kwargs))
        return pages[-1]
    yield make
    for page in pages:
        page.close()


def reference(epochs: int, *, lam: float | None = None, seed: int = 1, data=spiral, features="sin", hidden=(8, 8),
              change_at: int | None = None, new_lam: float | None = None) -> dict[str, list[float]]:
    """glassnet's own History for the playground's settings, written out here from the public API."""
    points, labels = data(500, noise=0.0, seed=1)
    p = points
    columns = [p[:, 0], p[:, 1]] + ([np.sin(p[:, 0]), np.sin(p[:, 1])] if features == "sin" else [])
    x = np.column_stack(columns).astype(np.float32)
    layers = [Dense(units, activation="tanh", name=f"hidden_{i}") for i, units in enumerate(hidden, start=1)]
    model = Sequential(layers + [Dense(1, activation="sigmoid", name="output")], name="playground", seed=seed)
    model.compile(optimizer=SGD(learning_rate=0.03), loss="binary_crossentropy", metrics=["accuracy"],
                  regularizer=None if lam is None else L2(lam))

    def change(epoch, logs):
        if epoch == change_at:
            model.set_compile_regularization(CompileRegularization(regularizer=L2(new_lam)))
    return model.fit(x[:250], labels[:250], epochs=epochs, batch_size=10, validation_data=(x[250:], labels[250:]),
                     verbose=0, callbacks=[LambdaCallback(on_epoch_begin=change)]).history


def test_the_default_view_loads_without_console_errors(open_page, shots):
    page = open_page()
    for testid in ["play", "step", "reset", "epoch", "loss-train-data", "loss-train-penalty", "loss-train-total",
                   "loss-test", "heatmap", "regularization", "lambda", "dataset-circle", "dataset-xor", "dataset-gauss",
                   "dataset-spiral", "dataset-spiral3", "dataset-reg-plane", "dataset-reg-gauss", "penalty-table",
                   "conventions", "loss-chart", "network"]:
        assert page[testid].count() == 1, testid
    assert page["regularization"].locator("option").all_inner_texts() == ["None", "L1", "L2"]
    assert page["lambda"].evaluate("node => node.tagName") == "INPUT"
    assert page["epoch"].inner_text() == "0" and page["dataset-spiral"].get_attribute("class") == "active"
    assert page.page.locator(".neuron canvas").count() == 7 + 8 + 8 + 1  # features, 2 × 8 neurons, output
    page.run_until(40)
    page.page.screenshot(path=shots / "default.png", full_page=True)


def test_play_advances_epochs_and_pause_stops_them(open_page):
    page = open_page(FAST)
    epoch = page.run_until(20)
    assert epoch >= 20 and page["play"].get_attribute("data-running") == "false"
    time.sleep(0.3)
    assert page.stat("epoch") == epoch
    assert [e for e, _ in page.rows()] == list(range(1, epoch + 1))  # every epoch once, in order


def test_step_runs_one_epoch_and_reset_starts_the_same_run_again(open_page):
    page = open_page(FAST)
    for expected in (1, 2, 3):
        page["step"].click()
        page.page.wait_for_function(f"() => window.glassnetPlayground.stats.epoch === {expected}")
    first = [logs["loss"] for _, logs in page.rows()]
    assert len(first) == 3
    page["reset"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.stats.epoch === 0")
    page.received.clear()
    for _ in range(3):
        page["step"].click()
        time.sleep(0.15)
    page.settle()
    assert [logs["loss"] for _, logs in page.rows()] == first  # same seed: the same run, bit for bit


def test_the_loss_shown_is_data_plus_penalty_and_equals_history_bit_for_bit(open_page):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.003")
    epochs = page.settle() or page.run_until(30)
    expected = reference(epochs, lam=0.003)
    rows = page.rows()
    assert history_of(rows) == expected  # every key, every epoch, every bit
    data, penalty, total = (page.value(k) for k in ("loss-train-data", "loss-train-penalty", "loss-train-total"))
    assert (data, penalty, total) == (expected["data_loss"][-1], expected["penalty_loss"][-1], expected["loss"][-1])
    assert data + penalty == total and penalty > 0
    assert page.value("loss-test") == expected["val_data_loss"][-1]
    assert page["loss-train-total"].inner_text() == f"{total:.4f}"
    share = page["penalty-share"].inner_text()
    assert share == f"{100 * penalty / total:.1f} %"
    norm = page.value("panel-hidden_1-norm")
    assert norm == expected["norm/hidden_1/kernel"][-1]  # the panel explains the same weights
    assert page["panel-hidden_1-shrink"].inner_text() == f"{1 - 2 * 0.03 * 0.003:.6f}"  # 1 − 2·lr·l2, plain SGD
    assert float(page["convention-lecture"].inner_text()) == 2 * 250 * 0.003  # λ = 2·m·l2 for m = 250


def test_changing_lambda_mid_run_does_not_reset_the_network(open_page):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.001")
    at = page.run_until(15)
    norm_before = page.value("panel-hidden_1-norm")
    page["lambda"].fill("0.3")
    page["lambda"].press("Enter")
    page.page.wait_for_function("() => window.glassnetPlayground.settings.lambda === 0.3")
    page.page.wait_for_function("() => document.querySelector('[data-testid=panel-hidden_1-penalty]').textContent"
                                ".startsWith('L2(l2=0.3)')")
    assert page.stat("epoch") == at  # no reset
    assert page.value("panel-hidden_1-norm") == norm_before  # the same weights, explained with the new penalty
    end = page.run_until(at + 15)
    rows = page.rows()
    assert [e for e, _ in rows] == list(range(1, end + 1))  # the epochs go on from where they were
    assert history_of(rows) == reference(end, lam=0.001, change_at=at, new_lam=0.3)
    norms = history_of(rows)["norm/hidden_1/kernel"]
    assert norms[-1] < norms[at - 1]  # the stronger penalty shrinks the weights


def test_the_url_restores_a_state(open_page):
    state = "dataset=xor&hidden=4,2&features=x1,x2&regularization=l1&lambda=0.01&seed=5&show_test=true&speed=0"
    page = open_page(state)
    assert page["regularization"].input_value() == "l1" and page["lambda"].input_value() == "0.01"
    assert page["dataset-xor"].get_attribute("class") == "active" and page["layer-count"].inner_text() == "2"
    assert page["layer-units-1"].inner_text() == "4 neurons" and page["show-test"].is_checked()
    assert page["seed"].input_value() == "5"
    written = page.page.evaluate("location.hash")
    for part in state.split("&"):
        assert part in written, part  # the page writes the whole state back, normalized
    epochs = page.run_until(5)

    points, labels = xor(500, noise=0.0, seed=1)
    model = Sequential([Dense(4, activation="tanh", name="hidden_1"), Dense(2, activation="tanh", name="hidden_2"),
                        Dense(1, activation="sigmoid", name="output")], name="playground", seed=5)
    model.compile(optimizer=SGD(learning_rate=0.03), loss="binary_crossentropy", metrics=["accuracy"],
                  regularizer=L1(0.01))
    history = model.fit(points[:250], labels[:250], epochs=epochs, batch_size=10,
                        validation_data=(points[250:], labels[250:]), verbose=0).history
    assert history_of(page.rows()) == history  # the URL reproduces the run, seed included

    again = open_page(written.lstrip("#"))  # shared: another page from the written URL
    assert again.page.evaluate("location.hash") == written
    page["discretize"].check()
    assert "discretize=true" in page.page.evaluate("location.hash")


def test_twin_mode_shows_what_the_penalty_changed(open_page, shots):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.01&twin=no-penalty")
    assert page["heatmap-twin"].is_visible() and page["twin-name"].inner_text() == "without the penalty"
    epochs = page.run_until(40)
    assert history_of(page.rows(1)) == reference(epochs)  # the twin without the penalty: a plain glassnet run
    assert history_of(page.rows(0)) == reference(epochs, lam=0.01)
    assert page.value("twin-loss-train-penalty") == 0 and page.value("loss-train-penalty") > 0
    assert float(page["panel-hidden_1-twin-norm"].inner_text()) > page.value("panel-hidden_1-norm")
    page.page.screenshot(path=shots / "twin.png", full_page=True)


def test_a_phone_width_view_fits_the_screen(open_page, shots):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.003", width=390, height=844)
    page.run_until(10)
    assert page.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page["heatmap"].bounding_box()["width"] <= 390
    page.page.screenshot(path=shots / "phone.png", full_page=True)


def test_a_refused_value_shows_the_librarys_message_and_keeps_the_run(open_page):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.003")
    at = page.run_until(5)
    page["lambda"].fill("-1")
    page["lambda"].press("Enter")
    page.page.wait_for_function("() => !document.querySelector('[data-testid=error]').hidden")
    assert page["error"].inner_text() == "Argument `l2` must be a finite number ≥ 0. Received: l2=-1.0"
    assert page["lambda"].input_value() == "0.003" and page.stat("epoch") == at  # back to the last good state
    page["lambda"].fill("0.01")
    page["lambda"].press("Enter")
    page.page.wait_for_function("() => document.querySelector('[data-testid=error]').hidden")
    page.errors.clear()


def test_controls_change_the_problem_and_the_network(open_page):
    page = open_page(FAST)
    page["dataset-circle"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.settings.dataset === 'circle'")
    page["add-layer"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.settings.hidden.length === 3")
    page["add-neuron-1"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.settings.hidden[0] === 8")  # at the maximum
    page["remove-neuron-2"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.settings.hidden[1] === 7")
    page["feature-x1sq"].click()
    page.page.wait_for_function("() => window.glassnetPlayground.settings.features.includes('x1sq')")
    page["layer-reg-2"].select_option("l1")
    page.page.wait_for_function("() => window.glassnetPlayground.settings.layer_regularization[1] === 'l1:0.01'")
    page["problem"].select_option("regression")
    page.page.wait_for_function("() => window.glassnetPlayground.settings.dataset === 'reg-plane'")
    page.run_until(3)
    assert page.value("loss-train-total") > 0 and page["panel-hidden_2-penalty"].inner_text() == "L1(l1=0.01) (layer)"
    page["twin"].select_option("hidden-only")
    page.page.wait_for_function("() => window.glassnetPlayground.series.length === 2")
    page["activation"].select_option("relu")
    page.page.wait_for_function("() => window.glassnetPlayground.settings.activation === 'relu'")
    seed, points = page.page.evaluate("[window.glassnetPlayground.settings.data_seed, "
                                      "window.glassnetPlayground.data.points]")
    page["regenerate"].click()
    page.page.wait_for_function(f"() => window.glassnetPlayground.settings.data_seed !== {seed}")
    assert page.page.evaluate("window.glassnetPlayground.data.points") != points  # new data, same kind
    assert page["epoch"].inner_text() == "0"


def test_a_bad_url_shows_the_message_over_a_working_default_network(open_page):
    page = open_page("hidden=4,99&dataset=xor")
    page.page.wait_for_function("() => !document.querySelector('[data-testid=error]').hidden")
    assert page["error"].inner_text() == ("Argument `hidden[1]` must be an integer in [1, 8] (neurons per layer). "
                                          "Received: hidden[1]='99'")
    assert page.page.evaluate("window.glassnetPlayground.settings.hidden") == [8, 8]  # the defaults, drawn
    assert "hidden=8,8" in page.page.evaluate("location.hash")
    page.run_until(2)


def test_exports_are_a_model_file_the_python_code_of_the_run_and_a_png(open_page, tmp_path):
    page = open_page(f"{FAST}&regularization=l2&lambda=0.003")
    page.run_until(10)
    page["lambda"].fill("0.03")
    page["lambda"].press("Enter")
    page.page.wait_for_function("() => window.glassnetPlayground.settings.lambda === 0.03")
    epochs = page.run_until(page.stat("epoch") + 5)
    downloads = {}
    for what in ("model", "code", "png"):
        with page.page.expect_download() as info:
            page[f"export-{what}"].click()
        downloads[what] = tmp_path / info.value.suggested_filename
        info.value.save_as(downloads[what])
    model = glassnet.load_model(downloads["model"])
    assert [layer.name for layer in model.layers] == ["hidden_1", "hidden_2", "output"]
    assert float(np.sqrt(np.sum(np.square(model.layers[0].kernel.value, dtype=np.float64)))) == \
        history_of(page.rows())["norm/hidden_1/kernel"][-1]
    history = runpy.run_path(str(downloads["code"]), run_name="exported")["history"].history
    assert len(history["loss"]) == epochs and history == history_of(page.rows())  # the live change included
    png = downloads["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] >= 600


def test_an_uploaded_three_class_csv_trains_with_softmax(open_page, tmp_path):
    points, labels = glassnet.playground.data.spiral3(300, 0.1, seed=2)
    csv = tmp_path / "three.csv"
    csv.write_text("a,b,label\n" + "".join(f"{a},{b},{int(c)}\n" for (a, b), c in zip(points, labels)))
    page = open_page(f"{FAST}&features=x1,x2,sinx1,sinx2")
    page["upload"].set_input_files(str(csv))
    page.page.wait_for_function("() => window.glassnetPlayground.settings.dataset === 'data'")
    assert page.page.locator("[data-testid^=output-]").count() == 3 and page["dataset-data"].count() == 1
    page.run_until(20)
    losses = history_of(page.rows())["data_loss"]
    assert losses[-1] < losses[0]


def test_show_starts_from_the_users_model_and_data(open_page, tmp_path):
    points, labels = xor(200, noise=0.0, seed=4)
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")], seed=9)
    model.compile(optimizer=SGD(learning_rate=0.1), loss="binary_crossentropy")
    model.build((None, 2))
    embedded = show(model, points, labels)  # an IFrame of the page when IPython is there (the test set has it)
    url = getattr(embedded, "src", embedded)  # ...else the page's URL itself
    try:
        page = open_page(FAST, url=url)
        assert page.page.evaluate("window.glassnetPlayground.settings.hidden") == [3]
        assert page.page.evaluate("window.glassnetPlayground.settings.activation") == "relu"
        assert page.page.evaluate("window.glassnetPlayground.settings.dataset") == "data"
        with page.page.expect_download() as info:
            page["export-model"].click()
        info.value.save_as(tmp_path / "shown.glassnet")
    finally:
        stop()  # the notebook's background server
    for mine, shown in zip(model.get_weights(), glassnet.load_model(tmp_path / "shown.glassnet").get_weights()):
        np.testing.assert_array_equal(mine, shown)  # the page starts from the user's weights
