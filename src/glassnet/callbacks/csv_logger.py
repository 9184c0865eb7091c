"""``CSVLogger`` (Keras's): every epoch's logs as one row of a CSV file, written and flushed at each epoch end.

The columns are ``epoch`` (from 0) and the sorted keys of the first epoch's logs — with glassnet's logs that is
Keras's columns plus the split: ``data_loss``, ``penalty_loss``, ``penalty/<layer>/<weight>``,
``norm/<layer>/kernel``. As in Keras, when the first epoch has no ``val_*`` keys (``validation_freq`` > 1) their
``val_`` versions are added, and a key an epoch lacks is written as ``NA``.
"""

from __future__ import annotations

import csv
import os
from typing import IO, Any

from .base import Callback


class CSVLogger(Callback):
    """``CSVLogger(filename, separator=',', append=False)``: with ``append`` the rows go after the file's
    existing rows (the header only if the file was empty or missing); otherwise the file is overwritten when
    training begins.

    >>> logger = CSVLogger("training.log")
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"Argument `filename` must be a path (str or os.PathLike). Received: filename="
                            f"{filename!r}")
        if not isinstance(separator, str) or len(separator) != 1 or separator in "\r\n\"":
            raise ValueError("Argument `separator` must be one character other than a quote or a line break. "
                             f"Received: separator={separator!r}")
        if not isinstance(append, bool):
            raise TypeError(f"Argument `append` must be a bool. Received: append={append!r}")
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys: list[str] | None = None
        self.csv_file: IO[str] | None = None
        self.writer: Any = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        self.close()
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                self.append_header = not existing.readline()
        else:
            self.append_header = True
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.csv_file is None:  # used outside fit: nothing opened the file
            return
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep,
                                         lineterminator="\r\n")
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{key: _cell(logs.get(key, "NA")) for key in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self.close()

    def close(self) -> None:
        """Close the file (done when training ends)."""
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file, self.writer = None, None


def _cell(value: Any) -> Any:
    """Keras's ``handle_value``: strings as they are, sequences as "[a, b]", numbers as Python writes them."""
    if isinstance(value, str):
        return value
    if hasattr(value, "__iter__") and getattr(value, "ndim", 1) != 0:
        return f"[{', '.join(map(str, value))}]"
    return value
