"""The training driver: one network trained by glassnet's own ``fit`` on a worker thread, streamed epoch by epoch.

A worker calls ``model.fit(x, y, epochs=1000, batch_size=B, validation_data=(x_test, y_test))`` again and again,
with a callback that does everything else at the epoch boundaries, on the worker thread, so nothing else ever
touches the model while it trains:

- before an epoch it waits for the :class:`~glassnet.playground.clock.Clock` (play, pause, step, speed, the twin),
  applies the settings the page changed (learning rate, penalties: :func:`~glassnet.playground.network.apply_live`)
  and answers requests (e.g. save the model);
- after an epoch it keeps the epoch's logs — History's numbers, unrounded — and, when the page is ready for a
  frame, draws the network's picture and explains it.

The model's generator drives shuffling and dropout (``fit`` without ``seed=``), so consecutive fits continue one
random stream and the optimizer keeps its state: the numbers are those of one
``Sequential(..., seed=seed).fit(x, y, epochs=N, ...)`` — bit for bit. Fits of 1,000 epochs keep History (which
``fit`` grows by an entry per epoch) bounded however long the page trains.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import callbacks
from .clock import Clock
from .network import apply_live
from .problem import Problem
from .settings import Settings
from .snapshot import penalty_panel, picture

SEGMENT_EPOCHS = 1000
#: Epoch logs a worker keeps for the page at most; a page that stops taking frames pauses its training here.
MAX_PENDING_ROWS = 2000
MAX_REQUESTS = 4
MAX_CHANGES = 1000  # live changes remembered for the exported code
EXPLAIN_INTERVAL = 0.1  # seconds between two explanations while training runs


class Closed(Exception):
    """The page left or reset: the worker leaves ``fit`` at once."""


class _Stream(callbacks.Callback):
    def __init__(self, trainer: Trainer) -> None:
        super().__init__()
        self.trainer = trainer

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.trainer.before_epoch()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.trainer.after_epoch(logs or {})


class Trainer:
    """Network ``index`` of a page: its model, its worker and what it hands to the page.

    ``on_news`` is called (from the worker) when a picture or an error is ready; the session then sends a frame.
    """

    def __init__(self, index: int, model: Any, problem: Problem, settings: Settings, clock: Clock,
                 on_news: Callable[[], None], twin: str | None = None) -> None:
        self.index, self.model, self.problem, self.clock, self.twin = index, model, problem, clock, twin
        self.initial = self.settings = settings  # as built; then as the last live change left it
        self.on_news = on_news
        self.lock = threading.Lock()
        self.frame_wanted = threading.Event()
        self.epochs = 0
        self.rows: list[tuple[int, dict[str, float]]] = []
        self.picture: dict[str, Any] | None = None
        self.picture_epoch = -1
        self.error: str | None = None
        self._error_told = False
        self.changes: list[tuple[int, Settings]] = []
        self._live: Settings | None = None
        self._requests: list[tuple[Callable[[Any], Any], concurrent.futures.Future]] = []
        self._dirty = True
        self._explained_at = 0.0
        self._panel: list[dict[str, Any]] = []
        self._panel_epoch = -1
        self._alive = True
        self.thread = threading.Thread(target=self._run, name=f"glassnet-playground-{index}", daemon=True)

    # --- called by the session (event loop thread) -------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def post_live(self, settings: Settings) -> None:
        """Apply ``settings``' live part at the next epoch boundary (the latest posted wins)."""
        with self.lock:
            self._live = settings
        self.clock.poke()

    def request(self, job: Callable[[Any], Any]) -> concurrent.futures.Future:
        """Run ``job(model)`` on the worker at the next epoch boundary (at once if the worker has stopped)."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self.lock:
            if self._alive:
                if len(self._requests) >= MAX_REQUESTS:
                    raise ValueError(f"Too many requests waiting for this network (at most {MAX_REQUESTS}). "
                                     f"Received: {len(self._requests) + 1}")
                self._requests.append((job, future))
                queued = True
            else:
                queued = False
        if queued:
            self.clock.poke()
        else:
            _resolve(future, job, self.model)
        return future

    def take(self) -> tuple[list[tuple[int, dict[str, float]]], dict[str, Any] | None, str | None]:
        """The logs not yet sent, the picture if it is new (else None), and the error if it is new (else None)."""
        with self.lock:
            rows, self.rows = self.rows, []
            picture, self.picture = self.picture, None
            error = self.error if not self._error_told else None
            self._error_told = self._error_told or error is not None
        self.clock.poke()  # a worker held back by MAX_PENDING_ROWS may go on
        return rows, picture, error

    def stop(self, timeout: float = 10.0) -> None:
        self.clock.close()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    # --- the worker ---------------------------------------------------------------------------------------------
    def _run(self) -> None:
        problem, stream = self.problem, _Stream(self)
        try:
            self._draw()
            while True:
                self.model.fit(problem.x_train, problem.y_train, epochs=SEGMENT_EPOCHS,
                               batch_size=self.settings.batch_size, validation_data=(problem.x_test, problem.y_test),
                               callbacks=[stream], verbose=0)
        except Closed:
            pass
        except Exception as exc:  # noqa: BLE001 - e.g. NonFiniteError: the page shows it, the server goes on
            self.error = f"Training stopped after epoch {self.epochs}: {str(exc).splitlines()[0]}"
            self.on_news()
        finally:
            self.clock.retire(self.index)
            with self.lock:
                self._alive = False
                pending, self._requests = self._requests, []
            for job, future in pending:
                _resolve(future, job, self.model)

    def before_epoch(self) -> None:
        """Wait for the clock, taking settings and requests meanwhile; raise :class:`Closed` when the page left."""
        clock = self.clock
        while True:
            with clock.cond:
                seen = clock.generation
            self._service()
            with clock.cond:
                if clock.closed:
                    raise Closed
                delay = clock.delay(self.index, self.epochs)
                if delay == 0 and len(self.rows) < MAX_PENDING_ROWS:
                    clock.started(self.epochs)
                    return
                if clock.generation == seen:
                    clock.cond.wait(0.25 if delay is None else min(delay, 0.25))

    def after_epoch(self, logs: dict[str, float]) -> None:
        self.epochs += 1
        with self.lock:
            self.rows.append((self.epochs, dict(logs)))
        self.clock.finished(self.index, self.epochs)
        if self.frame_wanted.is_set():
            self._draw()

    def _service(self) -> None:
        with self.lock:
            live, self._live = self._live, None
            requests, self._requests = self._requests, []
        if live is not None:
            apply_live(self.model, live, self.twin)
            self.settings = live
            self._dirty = True
            if len(self.changes) < MAX_CHANGES:
                self.changes.append((self.epochs, live))
        for job, future in requests:
            _resolve(future, job, self.model)
        if self.frame_wanted.is_set() and (self._dirty or self.picture_epoch != self.epochs or
                                           self._panel_epoch != self.epochs):
            self._draw()

    def _draw(self) -> None:
        """The picture of the model now, and the penalty panel: explained again at once after a change or when
        training pauses, and at most every EXPLAIN_INTERVAL seconds while it runs."""
        problem = self.problem
        shown = picture(self.model, problem.grids, problem.output, problem.scale)
        now = time.monotonic()
        stale = self._panel_epoch != self.epochs
        if self._dirty or (stale and (not self.clock.running or now - self._explained_at >= EXPLAIN_INTERVAL)):
            explanation = self.model.explain(problem.x_train, problem.y_train, n_samples=problem.n_train,
                                             train_batch_size=self.settings.batch_size)
            self._panel = penalty_panel(self.model, explanation)
            self._panel_epoch, self._explained_at = self.epochs, now
        shown.update(panel=self._panel, panel_epoch=self._panel_epoch, epoch=self.epochs)
        with self.lock:
            self.picture, self.picture_epoch = shown, self.epochs
        self._dirty = False
        self.frame_wanted.clear()
        self.on_news()


def _resolve(future: concurrent.futures.Future, job: Callable[[Any], Any], model: Any) -> None:
    try:
        future.set_result(job(model))
    except Exception as exc:  # noqa: BLE001 - handed to whoever asked
        future.set_exception(exc)
