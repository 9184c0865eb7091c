"""``ProgbarLogger``: Keras's progress lines for ``fit(verbose=1 or 2)`` and ``evaluate(verbose=1 or 2)``.

As Keras shows them: ``Epoch 3/20``, then during the epoch ``12/40 ━━━━━━────────────── 3s 95ms/step - loss: …``
(steps done, a bar, the **ETA** of the epoch, the time per step) redrawn in place, and at its end
``40/40 ━━━━━━━━━━━━━━━━━━━━ 4s 98ms/step - loss: …`` (the **elapsed** time instead of the ETA). ``verbose=2``
prints only the end line, ``40/40 - 4s - 98ms/step - loss: …``.

The bar is redrawn in place (``\\r``) where that works: a terminal, or a Jupyter kernel's output. Anywhere else (a
log file, CI) a redrawn line would pile up, so ``verbose=1`` writes a plain progress line at most every
:data:`PLAIN_INTERVAL` seconds within a long epoch, and the end line.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .base import Callback, Logs

#: Seconds between two plain progress lines within an epoch when the output is not redrawn in place.
PLAIN_INTERVAL = 10.0
#: Seconds between two redraws of the bar in place (Keras: 0.05).
REDRAW_INTERVAL = 0.1
_BAR_WIDTH = 20


def format_logs(logs: Logs) -> str:
    """``loss: 0.4123 - data_loss: 0.3012 - penalty_loss: 0.1111 - ...``; per-term penalties and kernel norms
    (keys with a ``/``) stay in History only, to keep the line short."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items() if "/" not in key)


def format_duration(seconds: float) -> str:
    """Keras's ETA format: ``'7s'`` under a minute, ``'2:05'`` under an hour, else ``'1:02:03'``.

    >>> format_duration(7.9), format_duration(125), format_duration(3723)
    ('7s', '2:05', '1:02:03')
    """
    seconds = max(0.0, seconds)
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_step_time(seconds: float, unit: str = "step") -> str:
    """Keras's time per step: ``'2s/step'``, ``'95ms/step'``, ``'40us/step'``.

    >>> format_step_time(0.0953), format_step_time(4e-5)
    ('95ms/step', '40us/step')
    """
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def progress_bar(done: int, total: int) -> str:
    """``━━━━━━──────────────``: the part done heavy, the rest light (no colour codes, which logs would keep)."""
    filled = int(_BAR_WIDTH * done / total) if total else _BAR_WIDTH
    return "━" * filled + "─" * (_BAR_WIDTH - filled)


def end_line(steps: int, elapsed: float, logs: Logs, verbose: int) -> str:
    """The line that ends an epoch or an evaluation: ``40/40 ━━━… 4s 98ms/step - loss: …`` (verbose=1) or
    ``40/40 - 4s - 98ms/step - loss: …`` (verbose=2)."""
    per_step = format_step_time(elapsed / max(steps, 1))
    shown = format_logs(logs)
    if verbose == 2:
        return f"{steps}/{steps} - {elapsed:.0f}s - {per_step}" + (f" - {shown}" if shown else "")
    return f"{steps}/{steps} {progress_bar(steps, steps)} {elapsed:.0f}s {per_step}" + (f" - {shown}" if shown else "")


def redraws_in_place(stream: Any) -> bool:
    """Whether ``\\r`` redraws a line on ``stream``: a terminal, or a Jupyter kernel's output stream."""
    if hasattr(stream, "isatty") and stream.isatty():
        return True
    return type(stream).__module__.startswith("ipykernel")


class ProgbarLogger(Callback):
    """Keras-like progress (see the module docstring): verbose=1 draws a bar with the ETA within each epoch and
    ends it with a line giving the elapsed time; verbose=2 prints only that line per epoch."""

    def __init__(self, verbose: int = 1, stream: Any = None, clock: Any = time.perf_counter):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.clock = clock  # a test passes a fake clock to see the lines a long epoch writes
        self.interactive = False
        self.started = self.last_draw = 0.0
        self.drawn = 0  # the length of the line drawn in place, which the next draw must cover

    def on_train_begin(self, logs=None):
        self.interactive = self.verbose == 1 and redraws_in_place(self.stream)

    def on_epoch_begin(self, epoch, logs=None):
        self.stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}\n")
        self.stream.flush()
        self.started = self.last_draw = self.clock()

    def on_train_batch_end(self, batch, logs=None):
        steps, done = self.params.get("steps", 1), batch + 1
        if self.verbose != 1 or done >= steps:  # the end line follows at once
            return
        now = self.clock()
        if now - self.last_draw < (REDRAW_INTERVAL if self.interactive else PLAIN_INTERVAL):
            return
        self.last_draw = now
        per_step = (now - self.started) / done
        eta = format_duration(per_step * (steps - done))
        shown = format_logs(logs or {})
        # In place the ETA stands alone, as Keras draws it; a plain line in a log says what it is.
        line = (f"{done}/{steps} {progress_bar(done, steps)} {eta if self.interactive else 'ETA ' + eta} "
                f"{format_step_time(per_step)}" + (f" - {shown}" if shown else ""))
        self._write(line, final=False)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = self.clock() - self.started
        self._write(end_line(self.params.get("steps", 1), elapsed, logs or {}, self.verbose), final=True)

    def _write(self, line: str, final: bool) -> None:
        """In place: back to the line's start and over the previous draw (padded where it was longer); else one
        more line."""
        if self.interactive:
            self.stream.write(f"\r{line.ljust(self.drawn)}" + ("\n" if final else ""))
            self.drawn = 0 if final else len(line)
        else:
            self.stream.write(f"{line}\n")
        self.stream.flush()


def print_evaluation(steps: int, elapsed: float, logs: Logs, verbose: int, stream: Any = None) -> None:
    """``evaluate(verbose=1 or 2)``'s line, as Keras prints it (:func:`end_line`)."""
    stream = stream or sys.stdout
    stream.write(end_line(steps, elapsed, logs, verbose) + "\n")
    stream.flush()
