"""Read ``(x, y)`` from files: ``load_csv``, ``load_npy``, ``load_npz``, ``load_parquet`` and ``load``.

x and y come back as float32. The files are untrusted: every reader checks what a file declares against the
bounds of :mod:`~glassnet.datasets.limits` before it allocates, and loading never runs code (``.npy``/``.npz``
arrays of Python objects are refused, never unpickled). Every bad file gives a one-line ``ValueError``
(``FileNotFoundError`` if it is missing) that starts with the file's path. These loaders want numbers only; the
``glassnet`` command reads text columns and missing cells too, through :func:`~glassnet.datasets.read_table`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ._common import XY
from .csv_table import read_numbers
from .npy_files import read_npy, read_npz
from .table import column_index

__all__ = ["load", "load_csv", "load_npy", "load_npz", "load_parquet"]


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


def _split_target(columns: list[np.ndarray], index: int, source: Any) -> XY:
    if len(columns) < 2:
        raise ValueError(f"{source}: only the target column; x needs at least one more column")
    x = np.column_stack([c for j, c in enumerate(columns) if j != index]).astype(np.float32)
    return x, columns[index].astype(np.float32)


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
        (the message gives the line and column), an unknown target (the message lists the columns), a file past
        the bounds of :mod:`~glassnet.datasets.limits`.
    """
    numbers = read_numbers(path, delimiter=delimiter, header=header)
    names = numbers.names
    if not header and isinstance(target, str) and not target.strip().lstrip("+-").isdigit():
        raise ValueError(f"{path}: target={target!r} is a name but header=False; give a column index "
                         f"0..{len(names) - 1}")
    index = column_index(names, target, str(path))
    bad = [(first[0], j, "text", first[1]) for j, first in enumerate(numbers.first_text) if first is not None]
    bad += [(first[0], j, "missing", first[1]) for j, first in enumerate(numbers.first_missing) if first is not None]
    if bad:
        row, j, kind, text = min(bad)  # (row, column, kind) is never repeated: the text decides no tie
        column = f"column {names[j]!r}" if header else f"column index {j}"
        problem = f"{text!r} is not a number" if kind == "text" else \
            "missing value" + (f" ({text.strip()!r})" if text.strip() else "")
        raise ValueError(f"{path}, line {numbers.lines[row]}, {column}: {problem}")
    return _split_target(list(numbers.values.T), index, path)


def load_npy(x_path: Any, y_path: Any) -> XY:
    """Read x and y from two ``.npy`` files (``np.save``), with ``allow_pickle=False``.

    Returns x float32 ``(rows, features)`` and y float32 ``(rows,)`` or ``(rows, outputs)``. An object array,
    a pickle or an ``.npz`` archive is refused with a ``ValueError`` naming the file, as is a header whose shape
    does not match the file's size.
    """
    x, y = read_npy(x_path), read_npy(y_path)
    return _checked_xy(x, y, Path(x_path), Path(y_path))


def load_npz(path: Any, x: str = "x", y: str = "y") -> XY:
    """Read arrays ``x`` and ``y`` from an ``.npz`` archive (``np.savez(path, x=..., y=...)``).

    Read with ``allow_pickle=False``: an array of Python objects is refused with a ``ValueError`` and never
    unpickled. A missing key gives a ``ValueError`` listing the archive's arrays; a member that would expand
    past the bounds of :mod:`~glassnet.datasets.limits` (a zip bomb) is refused before it is decompressed.
    Returns float32 as :func:`load_npy`.
    """
    arrays = read_npz(path, (x, y))
    return _checked_xy(arrays[x], arrays[y], f"{path}[{x!r}]", f"{path}[{y!r}]")


def load_parquet(path: Any, target: str | int) -> XY:
    """Read x and y from a Parquet file of numeric columns; ``target`` (name or index) becomes y.

    Needs pyarrow (``pip install 'glassnet[parquet]'``), imported only here. Columns that are not integer,
    float or boolean, and missing (null) values, give a ``ValueError`` naming the file and the column.
    Returns x float32 ``(rows, columns − 1)`` and y float32 ``(rows,)``.
    """
    from .parquet_table import read_parquet_table

    table = read_parquet_table(path)
    index = table.index(target)
    for column in table.columns:
        if not column.numeric:
            row, text = column.first_text_cell
            raise ValueError(f"{path}: column {column.name!r} holds text ({text!r} at {table.where(row)}); only "
                             "numeric columns can be loaded")
        if column.first_missing is not None:
            raise ValueError(f"{path}: column {column.name!r} has {int(column.missing.sum())} missing values "
                             f"(the first at row {column.first_missing[0]}, counting from 0)")
    return _split_target([column.number_values for column in table.columns], index, path)


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
        if target is not None and not isinstance(target, str):
            raise TypeError(f"Argument `target` must be the name of an array in {path}. Received: target={target!r}")
        return load_npz(path, y="y" if target is None else target)
    if suffix == ".npy":
        if y_path is None or target is not None:
            raise ValueError(f"{path}: an .npy file holds x only; pass y's file as y_path= and no target. "
                             f"Received: target={target!r}, y_path={y_path!r}")
        return load_npy(path, y_path)
    raise ValueError(f"{path}: unknown extension {suffix!r}; expected .csv, .npy, .npz, .parquet or .pq")
