"""A data file as a table of named columns — numbers, texts and missing cells — read within the bounds of
:mod:`~glassnet.datasets.limits`.

``read_table(path)`` reads a CSV (with a header line), a Parquet file, an ``.npz`` archive or an ``.npy`` pair and
returns a :class:`Table`. A column is *numeric* when every cell that is not missing is a finite number; otherwise
it is *text* and its cells are stored as codes into the column's vocabulary (the distinct texts, in order of first
appearance), so a table costs 8 bytes per cell whatever it holds. These cells count as missing in a CSV, compared
without case and surrounding spaces: the empty cell, ``NA``, ``N/A``, ``NaN``, ``null``, ``None`` and ``?``;
Parquet has nulls. ``inf`` is a number that is not finite: it is refused, naming its line and column.

Nothing here decides what a column means: :mod:`~glassnet.datasets.preparation` does.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "pets.csv")
>>> _ = open(path, "w").write("weight,kind\\n4.5,cat\\n,dog\\n30,dog\\n")
>>> table = read_table(path)
>>> [(c.name, c.numeric) for c in table.columns], table.columns[1].vocabulary
([('weight', True), ('kind', False)], ('cat', 'dog'))
>>> table.columns[0].missing.tolist(), table.where(1)
([False, True, False], 'line 3')
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Column", "Table", "read_table", "MISSING_MARKERS"]

#: Cell texts that mean "missing" in a CSV (compared after strip() and lower()).
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


@dataclass(frozen=True, eq=False)
class Column:
    """One column: ``values`` (float, NaN = missing) for a numeric column, else ``codes`` (int32, −1 = missing)
    into ``vocabulary``. ``first_text`` is ``(row, text)`` of the first cell that is not a number (text columns),
    ``first_missing`` the ``(row, text)`` of the first missing cell (None if none). ``number_values``,
    ``text_codes`` and ``first_text_cell`` are those fields typed as present, for a column of that kind."""

    name: str
    values: np.ndarray | None = None
    codes: np.ndarray | None = None
    vocabulary: tuple[str, ...] = ()
    first_text: tuple[int, str] | None = None
    first_missing: tuple[int, str] | None = None

    @property
    def numeric(self) -> bool:
        return self.values is not None

    @property
    def missing(self) -> np.ndarray:
        """bool ``(rows,)``: True where the cell is missing."""
        return np.isnan(self.values) if self.values is not None else self.text_codes < 0

    @property
    def number_values(self) -> np.ndarray:
        """``values`` of a numeric column (a TypeError for a text column: check :attr:`numeric` first)."""
        if self.values is None:
            raise self._lacks("number values")
        return self.values

    @property
    def text_codes(self) -> np.ndarray:
        """``codes`` of a text column (a TypeError for a numeric column)."""
        if self.codes is None:
            raise self._lacks("text codes")
        return self.codes

    @property
    def first_text_cell(self) -> tuple[int, str]:
        """``first_text`` of a text column (a TypeError for a numeric column)."""
        if self.first_text is None:
            raise self._lacks("text cell")
        return self.first_text

    def _lacks(self, what: str) -> TypeError:
        kind = "numeric" if self.numeric else "text"
        return TypeError(f"Column {self.name!r} is a {kind} column, which has no {what}. Received: "
                         f"numeric={self.numeric}")

def number_text(value: float) -> str:
    """How a number reads as a label: ``'3'`` for 3.0, else Python's shortest repr (``'0.5'``)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


@dataclass(frozen=True, eq=False)
class Table:
    """Columns of equal length read from ``source``; ``lines[i]`` is where row i is in the file (a CSV's line
    number, else the row's index), shown by :meth:`where`."""

    source: str
    columns: tuple[Column, ...]
    lines: np.ndarray
    unit: str = "line"

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def __len__(self) -> int:
        return len(self.lines)

    def where(self, row: int) -> str:
        """``'line 12'`` (CSV) or ``'row 11'`` (other files) for row index ``row``."""
        return f"{self.unit} {int(self.lines[row])}"

    def index(self, target: Any) -> int:
        """The index of a column given by name or by index: see :func:`column_index`."""
        return column_index(self.names, target, self.source)

    def column(self, target: Any) -> Column:
        """The column given by name or index (see :meth:`index`)."""
        return self.columns[self.index(target)]


def column_index(names: list[str], target: Any, source: str) -> int:
    """The index of a column given by name, or by an int index (negative counts from the end). A text that is
    not a column name but reads as an integer (``'-1'``) is an index."""
    if isinstance(target, str) and target not in names:
        stripped = target.strip()
        if stripped.lstrip("+-").isdigit() and len(stripped) < 20:
            target = int(stripped)
    if isinstance(target, str):
        if names.count(target) > 1:
            raise ValueError(f"{source}: the column name {target!r} appears {names.count(target)} times")
        if target not in names:
            raise ValueError(f"{source}: no column named {target!r}; available columns: {_short_list(names)}")
        return names.index(target)
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError("Argument `target` must be a column name (str) or index (int). "
                        f"Received: target={target!r}")
    if not -len(names) <= int(target) < len(names):
        raise ValueError(f"{source}: target={target} is out of range for {len(names)} columns "
                         f"(index 0..{len(names) - 1} or negative from the end)")
    return int(target) % len(names)


def _short_list(names: list[str], limit: int = 30) -> str:
    shown = repr(names[:limit])
    return shown if len(names) <= limit else shown[:-1] + f", ... ({len(names)} in all)]"


def existing_file(path: Any) -> Path:
    """``path`` as a Path to a non-empty regular file, or the error that says what it is instead."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={path!r}")
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"{file}: no such file")
    if not file.is_file():
        raise ValueError(f"{file}: not a regular file")
    if file.stat().st_size == 0:
        raise ValueError(f"{file}: the file is empty")
    return file


def read_table(path: Any, *, target: Any = None, delimiter: str = ",", header: bool = True) -> Table:
    """Read a data file as a :class:`Table`, choosing the reader by extension.

    ======================  ==================================================================================
    ``.csv``                :func:`~glassnet.datasets.csv_table.read_csv_table` (``delimiter``, ``header``)
    ``.parquet``, ``.pq``   :func:`~glassnet.datasets.parquet_table.read_parquet_table`
    ``.npz``                arrays ``'x'`` (columns ``x[0]``, ``x[1]``, ...) and ``target`` (default ``'y'``)
    ``.npy``                x from ``path``; y from the ``.npy`` file named by ``target``
    ======================  ==================================================================================

    Raises FileNotFoundError (no such file), ValueError (a bad or oversized file: one line, starting with the
    file's path) or ImportError (Parquet without pyarrow).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={path!r}")
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        from .csv_table import read_csv_table

        return read_csv_table(path, delimiter=delimiter, header=header)
    if suffix in (".parquet", ".pq"):
        from .parquet_table import read_parquet_table

        return read_parquet_table(path)
    if suffix in (".npz", ".npy"):
        from .npy_files import read_npy_table

        return read_npy_table(path, target)
    raise ValueError(f"{path}: unknown extension {suffix!r}; expected .csv, .npy, .npz, .parquet or .pq")
