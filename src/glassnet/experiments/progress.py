"""Progress of a sweep's fits where a progress bar cannot redraw itself: plain lines for logs and CI.

:func:`glassnet.experiments.parallel.run_tasks` shows ``tqdm.auto``'s bar — a widget in Jupyter, a bar in a
terminal — where a line can be redrawn in place. Written into a log file or a CI transcript, each redraw would
be one more line of noise, so there :class:`PlainProgress` writes one line at most every :data:`PLAIN_INTERVAL`
seconds, and one when the sweep ends::

    fits: 12/40 (30%), 0:25 elapsed, ETA 0:58
    fits: 40/40 (100%) in 1:21
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ..callbacks.progress import format_duration

#: Seconds between two plain progress lines.
PLAIN_INTERVAL = 10.0


class PlainProgress:
    """Counts finished fits (``update(n)``, as tqdm's bar does) and writes a plain line now and then.

    >>> import io
    >>> ticks = iter([0.0, 4.0, 12.0, 30.0])
    >>> out = io.StringIO()
    >>> with PlainProgress(4, "fits", stream=out, clock=lambda: next(ticks)) as bar:
    ...     bar.update(1); bar.update(1); bar.update(2)
    >>> print(out.getvalue(), end="")
    fits: 2/4 (50%), 12s elapsed, ETA 12s
    fits: 4/4 (100%) in 30s
    """

    def __init__(self, total: int, desc: str, *, stream: Any = None, interval: float = PLAIN_INTERVAL,
                 clock: Any = time.monotonic):
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self.interval, self.clock = interval, clock
        self.started = self.clock()
        self.last_line = self.started

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self.total:
            return  # the last line is written by close(), with the total time
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            elapsed = now - self.started
            eta = elapsed / self.done * (self.total - self.done)
            self._write(f"{self._count()}, {format_duration(elapsed)} elapsed, ETA {format_duration(eta)}")

    def close(self) -> None:
        if self.done:
            self._write(f"{self._count()} in {format_duration(self.clock() - self.started)}")

    def _count(self) -> str:
        return f"{self.desc}: {self.done}/{self.total} ({100 * self.done // max(self.total, 1)}%)"

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class NoProgress:
    """``progress=False``: counts nothing, writes nothing."""

    def update(self, n: int = 1) -> None:
        """Nothing to show."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None
