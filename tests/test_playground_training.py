"""The playground's training driver, without a browser: a worker's numbers are those of one plain ``fit``, bit for
bit — across play/pause/step, across its 1,000-epoch fits, with live λ and placement changes (which never reset the
weights), and for twins; the exported Python code reproduces a run, and the exported model file loads."""

from __future__ import annotations

import runpy
import threading
import time

import numpy as np
import pytest

import glassnet
from glassnet import L2, LambdaCallback
from glassnet.playground import trainer as trainer_module
from glassnet.playground.clock import Clock
from glassnet.playground.export import model_file, python_code
from glassnet.playground.network import apply_live, build, penalties
from glassnet.playground.problem import prepare
from glassnet.playground.protocol import history as history_of
from glassnet.playground.settings import Settings, parse
from glassnet.playground.trainer import Trainer


def start(settings: Settings, twins=(None,), speed: int = 0):
    problem = prepare(settings, None)
    clock = Clock(len(twins), speed)
    news = threading.Event()
    workers = [Trainer(i, build(settings, problem.x_train.shape[1], problem.output, twin), problem, settings, clock,
                       news.set, twin) for i, twin in enumerate(twins)]
    for worker in workers:
        worker.start()
    return problem, clock, workers


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def run_epochs(clock: Clock, workers, epochs: int) -> list[list[tuple[int, dict]]]:
    """Step the clock until every worker has done ``epochs`` epochs; return each worker's rows so far."""
    rows = [[] for _ in workers]
    while min(w.epochs for w in workers) < epochs:
        clock.step()
        target = min(w.epochs for w in workers) + 1
        wait_for(lambda target=target: all(w.epochs >= target for w in workers))
        for i, worker in enumerate(workers):
            rows[i] += worker.take()[0]
    return rows


def plain_history(settings: Settings, epochs: int, twin=None, callbacks=()) -> dict[str, list[float]]:
    problem = prepare(settings, None)
    model = build(settings, problem.x_train.shape[1], problem.output, twin)
    return model.fit(problem.x_train, problem.y_train, epochs=epochs, batch_size=settings.batch_size,
                     validation_data=(problem.x_test, problem.y_test), callbacks=list(callbacks), verbose=0).history


SMALL = Settings(hidden=(4,), regularization="l2", lam=0.01, dataset="circle", noise=10)


def test_a_worker_steps_exactly_one_epoch_at_a_time_and_equals_fit_bit_for_bit():
    _problem, clock, (worker,) = start(SMALL)
    try:
        rows = run_epochs(clock, [worker], 5)[0]
        time.sleep(0.05)
        assert worker.epochs == 5  # paused: no epoch beyond the steps
    finally:
        worker.stop()
    assert [epoch for epoch, _ in rows] == [1, 2, 3, 4, 5]
    assert history_of(rows) == plain_history(SMALL, 5)


def test_consecutive_fits_continue_one_random_stream(monkeypatch):
    """Fits of SEGMENT_EPOCHS epochs chained by the worker equal one long fit (shuffling and dropout included)."""
    monkeypatch.setattr(trainer_module, "SEGMENT_EPOCHS", 3)
    settings = SMALL.__class__(**{**SMALL.__dict__, "dropout": (0.3,)})
    _problem, clock, (worker,) = start(settings)
    clock.play()
    try:
        wait_for(lambda: worker.epochs >= 8)
        clock.pause()
        rows = worker.take()[0]
    finally:
        worker.stop()
    assert history_of(rows[:8]) == plain_history(settings, 8)


def test_a_live_penalty_change_keeps_the_weights_and_equals_a_fit_that_changes_it_in_a_callback():
    problem, clock, (worker,) = start(SMALL)
    stronger = parse({"lambda": 0.3, "layer_regularization": "l1:0.01,global"}, SMALL)
    try:
        before = run_epochs(clock, [worker], 4)[0]
        weights_before = worker.request(lambda model: model.get_weights()).result(10)
        worker.post_live(stronger)
        weights_after_change = worker.request(lambda model: model.get_weights()).result(10)
        after = run_epochs(clock, [worker], 8)[0]
    finally:
        worker.stop()
    for a, b in zip(weights_before, weights_after_change):
        np.testing.assert_array_equal(a, b)  # a change of λ does not reset the network
    assert "penalty/hidden_1/kernel" in after[-1][1] and after[-1][1]["penalty/hidden_1/kernel"] > 0

    def change(epoch, logs):
        if epoch == 4:
            apply_live(reference, stronger)

    problem = prepare(SMALL, None)
    reference = build(SMALL, problem.x_train.shape[1], problem.output)
    history = reference.fit(problem.x_train, problem.y_train, epochs=8, batch_size=SMALL.batch_size,
                            validation_data=(problem.x_test, problem.y_test), verbose=0,
                            callbacks=[LambdaCallback(on_epoch_begin=change)]).history
    assert history_of(before + after) == history


def test_the_live_change_really_acts_weights_shrink_under_a_strong_penalty():
    _problem, clock, (worker,) = start(SMALL)
    try:
        run_epochs(clock, [worker], 3)
        norm = worker.request(lambda model: float(np.linalg.norm(model.layers[0].kernel.value))).result(10)
        worker.post_live(parse({"lambda": 5.0}, SMALL))
        rows = run_epochs(clock, [worker], 6)[0]
    finally:
        worker.stop()
    assert rows[-1][1]["norm/hidden_1/kernel"] < 0.8 * norm


def test_twins_run_in_lockstep_and_the_unpenalized_twin_equals_a_plain_run():
    _problem, clock, workers = start(SMALL, twins=(None, "no-penalty"))
    clock.play()
    try:
        wait_for(lambda: min(w.epochs for w in workers) >= 6)
        clock.pause()
        time.sleep(0.05)
        assert workers[0].epochs == workers[1].epochs  # paused together
        rows = [w.take()[0] for w in workers]
    finally:
        for w in workers:
            w.stop()
    plain = SMALL.__class__(**{**SMALL.__dict__, "regularization": "none"})
    assert history_of(rows[1][:6]) == plain_history(plain, 6)
    assert history_of(rows[0][:6]) == plain_history(SMALL, 6)
    assert rows[0][5][1]["penalty_loss"] > 0 and rows[1][5][1]["penalty_loss"] == 0


@pytest.mark.parametrize("twin, penalized", [("hidden-only", {"hidden_1"}), ("output-only", {"output"}),
                                              ("first-only", {"hidden_1"}), ("no-penalty", set())])
def test_a_twin_places_the_global_penalty_as_named(twin, penalized):
    shared, own = penalties(parse({"hidden": "4,3"}, SMALL), twin)
    names = ["hidden_1", "hidden_2", "output"]
    assert shared is None
    expected = penalized | ({"hidden_2"} if twin == "hidden-only" else set())
    assert {name for name, regularizer in zip(names, own) if regularizer is not None} == expected
    assert all(regularizer == L2(0.01) for regularizer in own if regularizer is not None)


def test_the_speed_cap_spaces_epochs():
    _problem, clock, (worker,) = start(SMALL, speed=20)
    clock.play()
    began = time.monotonic()
    try:
        wait_for(lambda: worker.epochs >= 6)
        elapsed = time.monotonic() - began
    finally:
        worker.stop()
    assert elapsed >= 5 / 20  # six epoch starts at ≥ 1/20 s apart


def test_a_worker_that_is_never_read_stops_at_the_row_bound(monkeypatch):
    monkeypatch.setattr(trainer_module, "MAX_PENDING_ROWS", 5)
    _problem, clock, (worker,) = start(SMALL)
    clock.play()
    try:
        wait_for(lambda: worker.epochs >= 5)
        time.sleep(0.2)
        assert worker.epochs == 5  # waits for the page instead of keeping more
        assert len(worker.take()[0]) == 5
        wait_for(lambda: worker.epochs >= 10)  # taking the rows lets it go on
    finally:
        worker.stop()


def test_a_diverging_run_stops_with_the_librarys_message_and_frees_its_twin():
    wild = parse({"learning_rate": 10, "hidden": "8,8", "activation": "relu", "loss": "squared_error",
                  "dataset": "reg-gauss", "twin": "no-penalty"}, SMALL)
    _problem, clock, workers = start(wild, twins=(None, "no-penalty"))
    clock.play()
    try:
        wait_for(lambda: any(not w.thread.is_alive() for w in workers), timeout=60)
        dead = next(w for w in workers if not w.thread.is_alive())
        other = workers[1 - workers.index(dead)]
        at = other.epochs
        # The stopped twin no longer holds the other back: it trains on (or stops on its own).
        wait_for(lambda: not other.thread.is_alive() or other.epochs > at + 2, timeout=60)
    finally:
        for w in workers:
            w.stop()
    error = dead.take()[2]
    assert error.startswith("Training stopped after epoch") and "NaN/inf in epoch" in error, error
    assert dead.take()[2] is None  # told once


def exported_run(tmp_path, settings, changes_at=None, epochs=6):
    problem, clock, (worker,) = start(settings)
    try:
        rows = run_epochs(clock, [worker], epochs // 2)[0]
        if changes_at is not None:
            worker.post_live(changes_at)
        rows += run_epochs(clock, [worker], epochs)[0]
        code = worker.request(lambda model: python_code(worker.initial, problem, worker.epochs,
                                                        list(worker.changes))).result(10)
    finally:
        worker.stop()
    script = tmp_path / "run.py"
    script.write_text(code)
    return rows, runpy.run_path(str(script), run_name="exported")["history"].history


@pytest.mark.parametrize("settings", [
    SMALL,
    parse({"dataset": "spiral3", "hidden": "5,3", "dropout": "0.2,0", "optimizer": "adam", "features": "x1,x2,x1x2"}),
    parse({"dataset": "reg-plane", "loss": "squared_error", "regularization": "l1", "lambda": 0.001}),
    parse({"dataset": "xor", "loss": "squared_error", "optimizer": "momentum",
           "layer_regularization": "l2:0.1,global,global",
           "hidden": "3,2"}),
])
def test_the_exported_code_reproduces_the_run_bit_for_bit(tmp_path, settings, capsys):
    rows, history = exported_run(tmp_path, settings)
    assert history_of(rows) == history


def test_the_exported_code_replays_live_changes(tmp_path, capsys):
    rows, history = exported_run(tmp_path, SMALL, parse({"lambda": 0.5, "learning_rate": 0.1,
                                                         "layer_regularization": "global,l1:0.02"}, SMALL))
    assert history_of(rows) == history
    assert history["penalty/hidden_1/kernel"][-1] != history["penalty/hidden_1/kernel"][0]


def test_the_exported_model_file_loads_with_the_same_weights(tmp_path):
    _problem, clock, (worker,) = start(SMALL)
    try:
        run_epochs(clock, [worker], 3)
        blob = worker.request(model_file).result(10)
        weights = worker.request(lambda model: model.get_weights()).result(10)
    finally:
        worker.stop()
    (tmp_path / "m.glassnet").write_bytes(blob)
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    for a, b in zip(loaded.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
