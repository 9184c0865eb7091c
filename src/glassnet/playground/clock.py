"""Play, pause, step and speed for the networks of one page — one, or two in lockstep in twin mode.

Each network's worker asks :meth:`Clock.delay` before every epoch. An epoch may start when the page plays (or a
step allows it), when no network of the page is behind (lockstep: the twins always show the same epoch), and when
the speed cap allows it: epoch e + 1 starts at least 1/speed seconds after epoch e started. The clock only counts;
the workers wait on its condition, which every command notifies.
"""

from __future__ import annotations

import math
import threading
import time


class Clock:
    """Shared by the workers of one page (``n`` networks); every method is thread-safe."""

    def __init__(self, n: int, speed: int) -> None:
        self.cond = threading.Condition()
        self.running = False
        self.closed = False
        self.speed = speed
        self.generation = 0  # bumped by every command, so a worker never misses one while it looks away
        self._limit = 0  # epochs a paused network may still complete
        self._done: list[float] = [0.0] * n  # epochs completed, per network (inf once a network has stopped)
        self._started, self._started_at = -1, 0.0  # the latest epoch index started, and when

    def _notify(self) -> None:
        self.generation += 1
        self.cond.notify_all()

    def _frontier(self) -> int:
        finite = [d for d in self._done if math.isfinite(d)]
        return int(max([self._started + 1, *finite]))

    def play(self) -> None:
        with self.cond:
            self.running = True
            self._notify()

    def pause(self) -> None:
        """Stop after the epochs already started, so every network ends on the same epoch."""
        with self.cond:
            self.running, self._limit = False, self._frontier()
            self._notify()

    def step(self) -> None:
        """Pause, then allow exactly one more epoch (the TF Playground's step button)."""
        with self.cond:
            self.running, self._limit = False, self._frontier() + 1
            self._notify()

    def set_speed(self, speed: int) -> None:
        with self.cond:
            self.speed = speed
            self._notify()

    def poke(self) -> None:
        """Wake the workers (a setting or a request is waiting for them)."""
        with self.cond:
            self._notify()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self._notify()

    def finished(self, index: int, epochs: int) -> None:
        with self.cond:
            self._done[index] = epochs
            self._notify()

    def retire(self, index: int) -> None:
        """Network ``index`` stopped for good: it no longer holds the others back."""
        with self.cond:
            self._done[index] = math.inf
            self._notify()

    def delay(self, index: int, epoch: int) -> float | None:
        """With ``cond`` held: 0 if network ``index`` may start epoch ``epoch`` (0-based) now, the seconds until
        the speed cap allows it, or None while it must wait for a command or for its twin."""
        if not (self.running or epoch < self._limit) or any(d < epoch for d in self._done):
            return None
        if self.speed and epoch > self._started:
            wait = self._started_at + 1.0 / self.speed - time.monotonic()
            if wait > 0:
                return wait
        return 0.0

    def started(self, epoch: int) -> None:
        """With ``cond`` held: a network starts epoch ``epoch``."""
        if epoch > self._started:
            self._started, self._started_at = epoch, time.monotonic()

    @property
    def epochs_started(self) -> int:
        return self._started + 1
