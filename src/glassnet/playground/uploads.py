"""The user's own 2-D data: a CSV uploaded from the page, or the file given to ``glassnet playground --data``.

Both are read by glassnet's own loaders (:func:`glassnet.datasets.load_csv` / :func:`glassnet.datasets.load`), so
a bad file gets the library's message, and then checked by :func:`glassnet.playground.data.user_table`: two
coordinate columns besides the target, at most :data:`MAX_ROWS` rows. An upload is at most 1 MiB of text
(:data:`glassnet.playground.protocol.MAX_UPLOAD`), written to a private temporary folder under a sanitized name
and removed after reading; nothing in it is ever run.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from .. import datasets
from .data import Table, user_table

MAX_ROWS = 10_000


def _safe_name(name: str) -> str:
    """A file name made of letters, digits, '.', '_' and '-' only, ending in .csv (never a path)."""
    stem = re.sub(r"[^\w.-]", "_", Path(name).name, flags=re.ASCII).strip(".")[:60] or "upload"
    return stem if stem.lower().endswith(".csv") else f"{stem}.csv"


def read_csv(text: str, target: str | None, name: str) -> Table:
    """The uploaded CSV ``text`` (a header row, then numbers) with ``target`` (default: the last column)."""
    safe = _safe_name(name)
    with tempfile.TemporaryDirectory(prefix="glassnet-upload-") as folder:
        path = Path(folder) / safe
        path.write_text(text, encoding="utf-8")
        try:
            x, y = datasets.load_csv(path, target=-1 if target is None else target)
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc).replace(str(path), safe)) from None
    return user_table(x, y, safe, MAX_ROWS)


def read_file(path: Any, target: str | None) -> Table:
    """The ``--data`` file (CSV, NPZ or Parquet, as ``glassnet train`` reads it) with column ``target``."""
    x, y = datasets.load(path, target=target)
    return user_table(x, y, Path(path).name, MAX_ROWS)
