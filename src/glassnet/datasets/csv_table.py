"""Read a CSV file into a :class:`~glassnet.datasets.table.Table`, within the bounds of
:mod:`~glassnet.datasets.limits`.

Pass 1 parses every cell as a number (NumPy's parser, 4,096 rows at a time) into one float64 array, noting per
column the first cell that is not a number and the first missing one. Pass 2 runs only if some column holds text:
it reads the file again and stores those columns' cells as codes into their vocabularies. Lines longer than
``MAX_LINE_CHARS``, rows with ``MAX_COLUMNS`` fields or more and tables beyond ``MAX_CELLS`` are refused while
reading, before the row is parsed or the table grows past the bound.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import limits
from .table import MISSING_MARKERS, Column, Table, existing_file

_CHUNK = 4096


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class _Lines:
    """The file's physical lines for csv.reader, each at most MAX_LINE_CHARS long; ``fields`` counts the
    delimiters (+1) of the row being read, so a row of too many fields is refused before csv.reader builds it."""

    def __init__(self, handle: Any, file: Path, delimiter: str):
        self.handle, self.file, self.delimiter = handle, file, delimiter
        self.number, self.fields = 0, 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(limits.MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > limits.MAX_LINE_CHARS:
            raise ValueError(f"{self.file}, line {self.number}: longer than {limits.MAX_LINE_CHARS:,} characters "
                             "(the limit of a CSV line)")
        self.fields += line.count(self.delimiter)
        if self.fields > limits.MAX_COLUMNS:
            raise ValueError(f"{self.file}, line {self.number}: more than {limits.MAX_COLUMNS:,} fields (the limit "
                             "of a CSV row)")
        return line


def _rows(file: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row that is not blank."""
    lines = reader = None
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:   # -sig: drop the BOM spreadsheets write
            lines = _Lines(handle, file, delimiter)
            reader = csv.reader(lines, delimiter=delimiter)
            for row in reader:
                lines.fields = 1
                if row and not (len(row) == 1 and not row[0].strip()):
                    yield reader.line_num, row
    except UnicodeDecodeError:
        raise ValueError(f"{file}, line {lines.number + 1 if lines else 1}: not UTF-8 text; save the CSV as "
                         "UTF-8") from None
    except csv.Error as exc:
        raise ValueError(f"{file}, line {reader.line_num if reader else 1}: {first_line(exc)}") from None


@dataclass
class Numbers:
    """Pass 1's result: column names, every cell as float64 (NaN where missing or not a number), the line of each
    row, and per column the first ``(row, text)`` that is not a number / that is missing."""

    names: list[str]
    values: np.ndarray
    lines: np.ndarray
    first_text: list[tuple[int, str] | None] = field(default_factory=list)
    first_missing: list[tuple[int, str] | None] = field(default_factory=list)


def _size_checked(path: Any, delimiter: str) -> Path:
    file = existing_file(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ValueError(f"Argument `delimiter` must be one character. Received: delimiter={delimiter!r}")
    size = file.stat().st_size
    if size > limits.MAX_DATA_BYTES:
        raise ValueError(f"{file}: {size:,} bytes, more than the {limits.MAX_DATA_BYTES:,} a data file may have")
    return file


def read_numbers(path: Any, *, delimiter: str = ",", header: bool = True) -> Numbers:
    """Pass 1 (see the module docstring); the shape errors of a CSV are raised here."""
    file = _size_checked(path, delimiter)
    names: list[str] | None = None
    width = first = 0
    blocks, chunk, chunk_lines = [], [], []
    all_lines: list[int] = []
    found = _Firsts()
    for line, row in _rows(file, delimiter):
        if names is None:
            width, first = len(row), line
            names = [name.strip() for name in row] if header else [str(i) for i in range(width)]
            if header:
                continue
        if len(row) != width:
            raise ValueError(f"{file}, line {line}: {len(row)} fields, but line {first} has {width}")
        chunk.append(row)
        chunk_lines.append(line)
        if len(chunk) == _CHUNK:
            blocks.append(_parse(chunk, len(all_lines), found, file, names, chunk_lines))
            all_lines += chunk_lines
            chunk, chunk_lines = [], []
            if len(all_lines) * width > limits.MAX_CELLS:
                raise ValueError(f"{file}: more than {limits.MAX_CELLS:,} cells (rows × columns), the limit of a "
                                 "CSV table; save big data as .npy")
    if names is None:
        raise ValueError(f"{file}: only blank lines")
    if chunk:
        blocks.append(_parse(chunk, len(all_lines), found, file, names, chunk_lines))
        all_lines += chunk_lines
    if not all_lines:
        raise ValueError(f"{file}: a header but no data rows")
    if len(all_lines) * width > limits.MAX_CELLS:
        raise ValueError(f"{file}: more than {limits.MAX_CELLS:,} cells (rows × columns), the limit of a CSV "
                         "table; save big data as .npy")
    return Numbers(names, np.concatenate(blocks), np.asarray(all_lines, dtype=np.int64),
                   [found.text.get(j) for j in range(width)], [found.missing.get(j) for j in range(width)])


@dataclass
class _Firsts:
    text: dict[int, tuple[int, str]] = field(default_factory=dict)
    missing: dict[int, tuple[int, str]] = field(default_factory=dict)


def _parse(chunk: list[list[str]], offset: int, found: _Firsts, file: Path, names: list[str],
           lines: list[int]) -> np.ndarray:
    """The chunk as float64 (NaN for missing or text cells); notes first texts and missing cells."""
    try:
        block = np.array(chunk, dtype=np.float64)   # the common case: every cell a number
    except ValueError:
        block = np.empty((len(chunk), len(chunk[0])))
        for j in range(block.shape[1]):
            for i, row in enumerate(chunk):
                text = row[j].strip()
                try:
                    block[i, j] = np.nan if marks_missing(text) else float(text)
                except ValueError:
                    block[i, j] = np.nan
                    found.text.setdefault(j, (offset + i, row[j]))
    infinite = np.isinf(block)
    if infinite.any():
        i, j = (int(k) for k in np.argwhere(infinite)[0])
        raise ValueError(f"{file}, line {lines[i]}, column {names[j]!r}: {chunk[i][j]!r} is not a finite number")
    for j in np.flatnonzero(np.isnan(block).any(axis=0)).tolist():
        if int(j) in found.missing:
            continue
        for i in np.flatnonzero(np.isnan(block[:, j])).tolist():   # NaN is a missing cell or, in a text column, a text
            if marks_missing(chunk[i][j]):
                found.missing[int(j)] = (offset + int(i), chunk[i][j])
                break
    return block


def marks_missing(cell: str) -> bool:
    """True for the texts of a missing cell (MISSING_MARKERS, and 'nan' with a sign, which parses as NaN)."""
    text = cell.strip().lower()
    return text in MISSING_MARKERS or text.lstrip("+-") == "nan"


def read_csv_table(path: Any, *, delimiter: str = ",", header: bool = True) -> Table:
    """A CSV file as a :class:`~glassnet.datasets.table.Table` (see the module docstring)."""
    numbers = read_numbers(path, delimiter=delimiter, header=header)
    file = Path(path)
    text_columns = [j for j, first in enumerate(numbers.first_text) if first is not None]
    codes = _read_codes(file, delimiter, header, numbers, text_columns) if text_columns else {}
    columns = []
    for j, name in enumerate(numbers.names):
        if j in codes:
            column_codes, vocabulary, first_missing = codes[j]
            columns.append(Column(name, codes=column_codes, vocabulary=vocabulary, first_text=numbers.first_text[j],
                                  first_missing=first_missing))
        else:
            columns.append(Column(name, values=np.ascontiguousarray(numbers.values[:, j]),
                                  first_missing=numbers.first_missing[j]))
    return Table(str(file), tuple(columns), numbers.lines)


def _read_codes(file: Path, delimiter: str, header: bool, numbers: Numbers,
                text_columns: list[int]) -> dict[int, tuple[np.ndarray, tuple[str, ...], tuple[int, str] | None]]:
    """Pass 2: the cells of the text columns as codes into their vocabularies (−1 where missing)."""
    rows = len(numbers.lines)
    codes = {j: np.full(rows, -1, dtype=np.int32) for j in text_columns}
    vocabularies: dict[int, dict[str, int]] = {j: {} for j in text_columns}
    first_missing: dict[int, tuple[int, str]] = {}
    index = -1 if header else 0
    for line, row in _rows(file, delimiter):
        if index >= 0:
            if index >= rows or line != numbers.lines[index] or len(row) != len(numbers.names):
                raise ValueError(f"{file}: the file changed while it was being read (line {line})")
            for j in text_columns:
                text = row[j].strip()
                if marks_missing(text):
                    first_missing.setdefault(j, (index, row[j]))
                    continue
                vocabulary = vocabularies[j]
                code = vocabulary.get(text)
                if code is None:
                    if len(text) > limits.MAX_TEXT_CHARS:
                        raise ValueError(f"{file}, line {line}, column {numbers.names[j]!r}: a text of {len(text):,} "
                                         f"characters; texts in a column may have at most {limits.MAX_TEXT_CHARS} "
                                         "(is it free text? remove the column)")
                    if len(vocabulary) == limits.MAX_CATEGORIES:
                        raise ValueError(f"{file}, column {numbers.names[j]!r}: more than "
                                         f"{limits.MAX_CATEGORIES:,} distinct texts; a text column is one-hot "
                                         "encoded, a column per text (is it an identifier or free text? remove it)")
                    code = vocabulary[text] = len(vocabulary)
                codes[j][index] = code
        index += 1
    if index != rows:
        raise ValueError(f"{file}: the file changed while it was being read ({index} rows, then {rows})")
    return {j: (codes[j], tuple(vocabularies[j]), first_missing.get(j)) for j in text_columns}
