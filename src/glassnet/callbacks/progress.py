"""``ProgbarLogger``: Keras-like progress lines for ``fit(verbose=1 or 2)``."""

from __future__ import annotations

import sys
import time
from typing import Any

from .base import Callback, Logs


def format_logs(logs: Logs) -> str:
    """``loss: 0.4123 - data_loss: 0.3012 - penalty_loss: 0.1111 - ...``; per-term penalties and kernel norms
    (keys with a ``/``) stay in History only, to keep the line short."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items() if "/" not in key)


class ProgbarLogger(Callback):
    """Keras-like progress: verbose=1 draws a bar within each epoch when the output is a terminal and ends each
    epoch with one line; verbose=2 prints only the line per epoch."""

    def __init__(self, verbose: int = 1, stream: Any = None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout

    def on_train_begin(self, logs=None):
        self.interactive = self.verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}\n")
        self.started = self.last_draw = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if not self.interactive or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        steps = self.params.get("steps", 1)
        done = int(30 * (batch + 1) / steps)
        bar = "━" * done + " " * (30 - done)
        self.stream.write(f"\r{batch + 1}/{steps} {bar} {format_logs(logs or {})}")
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps", 1)
        elapsed = time.perf_counter() - self.started
        prefix = "\r" if self.interactive else ""
        self.stream.write(f"{prefix}{steps}/{steps} - {elapsed:.2f}s - {format_logs(logs or {})}\n")
        self.stream.flush()
