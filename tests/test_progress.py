"""Progress people expect (issue 12): fit(verbose=1) with the ETA within an epoch and the elapsed time at its end,
as Keras shows them; evaluate(verbose=1) prints its line; a sweep shows tqdm.auto's bar where it can redraw
itself and plain lines in a log or CI."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from glassnet import L2, Dense, Sequential
from glassnet.callbacks import ProgbarLogger
from glassnet.callbacks.progress import PLAIN_INTERVAL, format_duration, format_step_time, redraws_in_place
from glassnet.experiments import parallel
from glassnet.experiments.progress import PlainProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """A fake clock that moves ``step`` seconds at every reading."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def model_and_data(n: int = 96):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] > 0).astype(np.float64)
    model = Sequential([Dense(4, activation="relu", kernel_regularizer=L2(0.01)), Dense(1, activation="sigmoid")],
                       seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model, x, y


def run_epoch(stream, verbose: int, clock: Clock, steps: int = 12) -> str:
    logger = ProgbarLogger(verbose, stream=stream, clock=clock)
    logger.set_params({"epochs": 3, "steps": steps})
    logger.on_train_begin({})
    logger.on_epoch_begin(1, {})
    for batch in range(steps):
        logger.on_train_batch_end(batch, {"loss": 0.5, "data_loss": 0.4, "penalty_loss": 0.1,
                                          "penalty/dense/kernel": 0.1})
    logger.on_epoch_end(1, {"loss": 0.5, "data_loss": 0.4, "penalty_loss": 0.1, "norm/dense/kernel": 2.0})
    return stream.getvalue()


def test_a_terminal_gets_the_bar_redrawn_with_the_eta_then_the_elapsed_time():
    out = run_epoch(Terminal(), 1, Clock(0.5))
    assert out.startswith("Epoch 2/3\n")
    draws = out[len("Epoch 2/3\n"):].split("\r")[1:]
    assert len(draws) == 12  # one per 0.5 s step (≥ 0.1 s apart) but the last, which the end line replaces
    # After batch 4 of 12: 0.5 s per step, 8 steps left, so 4 s to go.
    assert draws[3].rstrip() == "4/12 ━━━━━━────────────── 4s 500ms/step - loss: 0.5000 - data_loss: 0.4000 - " \
                                "penalty_loss: 0.1000"
    # 12 steps of 0.5 s: 6 s elapsed.
    assert draws[-1] == ("12/12 ━━━━━━━━━━━━━━━━━━━━ 6s 500ms/step - loss: 0.5000 - data_loss: 0.4000 - "
                         "penalty_loss: 0.1000\n")
    assert all(len(draw.rstrip("\n")) >= len(previous.rstrip("\n")) or draw.endswith("\n")
               for previous, draw in zip(draws, draws[1:]))


def test_a_log_gets_a_plain_line_every_ten_seconds_and_the_end_line():
    out = run_epoch(io.StringIO(), 1, Clock(PLAIN_INTERVAL / 4), steps=12)
    lines = out.splitlines()
    assert "\r" not in out
    # 2.5 s per step: a line after batches 4 and 8; at 12 the end line is due instead.
    assert lines == ["Epoch 2/3",
                     "4/12 ━━━━━━────────────── ETA 20s 2s/step - loss: 0.5000 - data_loss: 0.4000 - "
                     "penalty_loss: 0.1000",
                     "8/12 ━━━━━━━━━━━━━─────── ETA 10s 2s/step - loss: 0.5000 - data_loss: 0.4000 - "
                     "penalty_loss: 0.1000",
                     "12/12 ━━━━━━━━━━━━━━━━━━━━ 30s 2s/step - loss: 0.5000 - data_loss: 0.4000 - "
                     "penalty_loss: 0.1000"]


def test_verbose_2_prints_one_line_per_epoch():
    out = run_epoch(Terminal(), 2, Clock(0.01))
    assert out == "Epoch 2/3\n12/12 - 0s - 833us/step - loss: 0.5000 - data_loss: 0.4000 - penalty_loss: 0.1000\n"


def test_fit_verbose_1_lines_hold_the_history_numbers(capsys):
    model, x, y = model_and_data()
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=1, seed=0)
    out = capsys.readouterr().out
    ends = [line for line in out.splitlines() if line.startswith("3/3 ")]
    assert len(ends) == 2 and out.count("Epoch ") == 2
    for epoch, line in enumerate(ends):
        assert re.match(r"3/3 ━{20} \d+s \d+(ms|us|s)/step - loss: ", line)
        shown = dict(part.split(": ") for part in line.split(" - ")[1:])
        assert list(shown) == ["loss", "data_loss", "penalty_loss", "accuracy"]
        for key, value in shown.items():
            assert value == f"{history.history[key][epoch]:.4f}"


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
def test_evaluate_prints_its_line(capsys, verbose):
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=0, seed=0)
    loss, accuracy = model.evaluate(x, y, batch_size=40, verbose=verbose)
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert line.startswith("3/3 ━" if verbose != 2 else "3/3 - ")
    parts = model.explain(x, y)
    assert line.rstrip("\n").endswith(f" - loss: {loss:.4f} - data_loss: {parts.data_loss:.4f} - penalty_loss: "
                                      f"{parts.penalty_loss:.4f} - accuracy: {accuracy:.4f}")
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_refuses_a_bad_verbose_before_printing(capsys):
    model, x, y = model_and_data()
    with pytest.raises(ValueError, match=r"Argument `verbose` must be 'auto', 0, 1 or 2. Received: verbose=3"):
        model.evaluate(x, y, verbose=3)
    assert capsys.readouterr().out == ""


def test_durations_as_keras_writes_them():
    assert [format_duration(s) for s in (0, 59.9, 61, 3599, 3601, 86399)] == \
        ["0s", "59s", "1:01", "59:59", "1:00:01", "23:59:59"]
    assert [format_step_time(s) for s in (0, 2.4, 0.0123, 3e-6)] == ["0s/step", "2s/step", "12ms/step", "3us/step"]


def test_only_a_terminal_or_a_kernel_redraws_in_place():
    assert redraws_in_place(Terminal()) and not redraws_in_place(io.StringIO())
    kernel_stream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})()
    assert redraws_in_place(kernel_stream)


def test_sweep_progress_plain_lines_with_a_fake_clock():
    out = io.StringIO()
    clock = Clock(4.0)
    with PlainProgress(10, "fits", stream=out, clock=clock) as bar:
        for _ in range(10):
            bar.update(1)
    # Started at 4 s; the updates read the clock at 8, 12, ... 40 s: a line when 10 s have passed since the last.
    assert out.getvalue().splitlines() == ["fits: 3/10 (30%), 12s elapsed, ETA 28s",
                                           "fits: 6/10 (60%), 24s elapsed, ETA 16s",
                                           "fits: 9/10 (90%), 36s elapsed, ETA 4s",
                                           "fits: 10/10 (100%) in 40s"]


def square(task: int, offset: int) -> int:
    return task * task + offset


def test_run_tasks_progress_in_a_log_in_a_terminal_and_off(monkeypatch, capsys):
    assert parallel.run_tasks(square, range(4), {"offset": 1}, progress=True, desc="fits") == [1, 2, 5, 10]
    assert capsys.readouterr().err.splitlines() == ["fits: 4/4 (100%) in 0s"]  # stderr is no terminal here
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert parallel.run_tasks(square, range(4), {"offset": 0}, progress=True, desc="fits") == [0, 1, 4, 9]
    assert "fits: 100%|" in terminal.getvalue() and "4/4" in terminal.getvalue()  # tqdm's bar
    monkeypatch.undo()
    parallel.run_tasks(square, range(4), {"offset": 0}, progress=False)
    assert capsys.readouterr().err == ""
