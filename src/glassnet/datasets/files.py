"""Read ``(x, y)`` from files: ``load_csv``, ``load_npy``, ``load_npz``, ``load_parquet`` and ``load``.

x and y come back as float32. Loading never runs code: ``.npy``/``.npz`` are read with ``allow_pickle=False``.
Every bad file gives a one-line ``ValueError`` (``FileNotFoundError`` if it is missing) that starts with the
file's path.
"""

from __future__ import annotations

import csv
import math
import numbers
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ._common import XY

__all__ = ["load", "load_csv", "load_npy", "load_npz", "load_parquet"]


def _existing_file(path: Any) -> Path:
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


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _checked_xy(x: np.ndarray, y: np.ndarray, x_source: Any, y_source: Any) -> XY:
    """float32 copies of x (n, features) and y (n,) or (n, outputs); messages start with the file's path."""
    for name, array, source in (("x", x, x_source), ("y", y, y_source)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{source}: {name} has dtype {array.dtype}; expected numbers")
        if array.ndim not in ((2,) if name == "x" else (1, 2)):
            expected = "2-D (rows, features)" if name == "x" else "1-D (rows,) or 2-D (rows, outputs)"
            raise ValueError(f"{source}: {name} must be {expected}; found shape {array.shape}")
        if len(array) == 0:
            raise ValueError(f"{source}: {name} has no rows")
        if not np.isfinite(array).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise ValueError(f"{source}: {name} has the non-finite value {array[where]} at index {where}")
    if len(x) != len(y):
        raise ValueError(f"{y_source}: y has {len(y)} rows but x ({x_source}) has {len(x)}")
    return x.astype(np.float32), y.astype(np.float32)


def _target_index(target: Any, names: list[str], source: Path, *, header: bool = True) -> int:
    """The column index of ``target``: a name from the header, or an int index (negative from the end)."""
    if isinstance(target, str):
        if names.count(target) == 1:
            return names.index(target)
        if names.count(target) > 1:
            raise ValueError(f"{source}: the column name {target!r} appears {names.count(target)} times")
        if not header:
            raise ValueError(f"{source}: target={target!r} is a name but header=False; give a column index "
                             f"0..{len(names) - 1}")
        raise ValueError(f"{source}: no column named {target!r}; available columns: {names}")
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError("Argument `target` must be a column name (str) or index (int). "
                        f"Received: target={target!r}")
    if not -len(names) <= target < len(names):
        raise ValueError(f"{source}: target={target} is out of range for {len(names)} columns "
                         f"(index 0..{len(names) - 1} or negative from the end)")
    return int(target) % len(names)


def _split_target(table: np.ndarray, index: int, source: Path) -> XY:
    if table.shape[1] < 2:
        raise ValueError(f"{source}: only the target column; x needs at least one more column")
    return np.delete(table, index, axis=1).astype(np.float32), table[:, index].astype(np.float32)


def _read_csv_rows(file: Path, delimiter: str) -> tuple[list[list[str]], list[int]]:
    rows, lines = [], []
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:   # -sig: drop the BOM spreadsheets write
            reader = csv.reader(handle, delimiter=delimiter)
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):   # skip blank lines
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise ValueError(f"{file}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise ValueError(f"{file}, line {reader.line_num}: {_first_line(exc)}") from None
    if not rows:
        raise ValueError(f"{file}: only blank lines")
    return rows, lines


def _bad_cell(file: Path, rows: list[list[str]], lines: list[int], names: list[str],
              header: bool) -> ValueError:
    """The error for the first cell that is missing, not a number or not finite."""
    for row, line in zip(rows, lines):
        for index, text in enumerate(row):
            column = f"column {names[index]!r}" if header else f"column index {index}"
            if not text.strip():
                return ValueError(f"{file}, line {line}, {column}: missing value")
            try:
                value = float(text)
            except ValueError:
                return ValueError(f"{file}, line {line}, {column}: {text!r} is not a number")
            if not math.isfinite(value):
                return ValueError(f"{file}, line {line}, {column}: {text!r} is not a finite number")
    return ValueError(f"{file}: could not read the values as numbers")


def load_csv(path: Any, target: str | int, *, delimiter: str = ",", header: bool = True) -> XY:
    """Read x and y from a CSV file of numbers; ``target`` names the column that becomes y.

    Parameters
    ----------
    path : str or os.PathLike
    target : str or int
        The y column: a name from the header, or an index (0-based; negative counts from the end).
    delimiter : str
        One character.
    header : bool
        Whether the first non-blank line holds column names.

    Returns
    -------
    x : float32 array, shape (rows, columns − 1)
        Every other column, in file order.
    y : float32 array, shape (rows,)

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Empty file, header without rows, rows of different lengths, a missing, non-numeric or non-finite value
        (the message gives the line and column), an unknown target (the message lists the columns).
    """
    file = _existing_file(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"Argument `delimiter` must be one character. Received: delimiter={delimiter!r}")
    rows, lines = _read_csv_rows(file, delimiter)
    width = len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise ValueError(f"{file}, line {line}: {len(row)} fields, but line {lines[0]} has {width}")
    names = [name.strip() for name in rows[0]] if header else [str(i) for i in range(width)]
    if header:
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise ValueError(f"{file}: a header but no data rows")
    index = _target_index(target, names, file, header=header)
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError:
        raise _bad_cell(file, rows, lines, names, header) from None
    if not np.isfinite(table).all():
        raise _bad_cell(file, rows, lines, names, header)
    return _split_target(table, index, file)


def _np_load(file: Path) -> Any:
    """np.load without unpickling: an object array or a pickle file becomes a ValueError naming the file."""
    try:
        return np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        reason = "it holds pickled Python objects, which glassnet never loads" if "pickle" in str(exc) \
            else _first_line(exc)
        raise ValueError(f"{file}: not a NumPy .npy/.npz file of numbers ({reason})") from None


def load_npy(x_path: Any, y_path: Any) -> XY:
    """Read x and y from two ``.npy`` files (``np.save``), with ``allow_pickle=False``.

    Returns x float32 ``(rows, features)`` and y float32 ``(rows,)`` or ``(rows, outputs)``. An object array,
    a pickle or an ``.npz`` archive is refused with a ``ValueError`` naming the file.
    """
    arrays = []
    for file in (_existing_file(x_path), _existing_file(y_path)):
        loaded = _np_load(file)
        if not isinstance(loaded, np.ndarray):
            loaded.close()
            raise ValueError(f"{file}: an .npz archive, not an .npy array; use load_npz")
        arrays.append((loaded, file))
    (x, x_file), (y, y_file) = arrays
    return _checked_xy(x, y, x_file, y_file)


def load_npz(path: Any, x: str = "x", y: str = "y") -> XY:
    """Read arrays ``x`` and ``y`` from an ``.npz`` archive (``np.savez(path, x=..., y=...)``).

    Read with ``allow_pickle=False``: an array of Python objects is refused with a ``ValueError`` and never
    unpickled. A missing key gives a ``ValueError`` listing the archive's arrays. Returns float32 as
    :func:`load_npy`.
    """
    file = _existing_file(path)
    archive = _np_load(file)
    if isinstance(archive, np.ndarray):
        raise ValueError(f"{file}: a single .npy array, not an .npz archive; use load_npy")
    with archive:
        arrays = []
        for key in (x, y):
            if key not in archive.files:
                raise ValueError(f"{file}: no array named {key!r}; available arrays: {archive.files}")
            try:
                arrays.append(archive[key])
            except ValueError as exc:
                reason = "holds Python objects (dtype=object), which would need unpickling; glassnet never " \
                         "unpickles" if "pickle" in str(exc) else _first_line(exc)
                raise ValueError(f"{file}: array {key!r} {reason}") from None
    return _checked_xy(arrays[0], arrays[1], f"{file}[{x!r}]", f"{file}[{y!r}]")


def load_parquet(path: Any, target: str | int) -> XY:
    """Read x and y from a Parquet file of numeric columns; ``target`` (name or index) becomes y.

    Needs pyarrow (``pip install 'glassnet[parquet]'``), imported only here. Columns that are not integer,
    float or boolean, and missing (null) values, give a ``ValueError`` naming the file and the column.
    Returns x float32 ``(rows, columns − 1)`` and y float32 ``(rows,)``.
    """
    file = _existing_file(path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("glassnet.datasets.load_parquet needs pyarrow, which is not installed. Install the "
                          "extra: pip install 'glassnet[parquet]'") from exc
    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ValueError(f"{file}: not a readable Parquet file ({_first_line(exc)})") from None
    if table.num_rows == 0:
        raise ValueError(f"{file}: no rows")
    names = [str(name) for name in table.column_names]
    index = _target_index(target, names, file)
    columns = []
    for name, column in zip(names, table.columns):
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
                or pa.types.is_boolean(column.type)):
            raise ValueError(f"{file}: column {name!r} has type {column.type}; only numeric columns can be "
                             "loaded")
        if column.null_count:
            first = int(np.flatnonzero(column.is_null().to_numpy())[0])
            raise ValueError(f"{file}: column {name!r} has {column.null_count} missing values "
                             f"(the first at row {first}, counting from 0)")
        values = column.to_numpy().astype(np.float64)
        if not np.isfinite(values).all():
            first = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"{file}: column {name!r} has the non-finite value {values[first]} at row "
                             f"{first}")
        columns.append(values)
    return _split_target(np.column_stack(columns), index, file)


def load(path: Any, target: str | int | None = None, *, y_path: Any = None) -> XY:
    """Read ``(x, y)`` from a file, choosing the reader by extension.

    ======================  ===========================================================
    ``.csv``                :func:`load_csv` (``target`` = the y column, required)
    ``.parquet``, ``.pq``   :func:`load_parquet` (``target`` = the y column, required)
    ``.npz``                :func:`load_npz` (arrays ``'x'`` and ``target`` or ``'y'``)
    ``.npy``                :func:`load_npy` (x from ``path``, y from ``y_path``, required)
    ======================  ===========================================================
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={path!r}")
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".parquet", ".pq"):
        if target is None:
            raise ValueError(f"Argument `target` (the y column) is required for {suffix} files. "
                             f"Received: target=None")
        return load_csv(path, target) if suffix == ".csv" else load_parquet(path, target)
    if suffix == ".npz":
        return load_npz(path, y="y" if target is None else target)
    if suffix == ".npy":
        if y_path is None or target is not None:
            raise ValueError(f"{path}: an .npy file holds x only; pass y's file as y_path= and no target. "
                             f"Received: target={target!r}, y_path={y_path!r}")
        return load_npy(path, y_path)
    raise ValueError(f"{path}: unknown extension {suffix!r}; expected .csv, .npy, .npz, .parquet or .pq")
