"""A Parquet file as a :class:`~glassnet.datasets.table.Table`, its metadata checked before any data is read.

The footer declares rows, columns and each row group's uncompressed size. Before reading, the table must fit
``MAX_COLUMNS`` and ``MAX_CELLS``, its uncompressed size ``MAX_DATA_BYTES`` and, beyond ``EXPANSION_FREE_BYTES``,
``MAX_EXPANSION`` times the file's size; the footer itself is parsed with small Thrift limits.
Integer, float and boolean columns are numbers (null → missing); string and dictionary columns are texts (codes
into their distinct values, null → missing); any other type is refused naming the column. Needs pyarrow
(``pip install 'glassnet[parquet]'``), imported only here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import limits
from .table import Column, Table, existing_file

_THRIFT_STRINGS, _THRIFT_CONTAINERS = 16 * 1024**2, 1_000_000


def _pyarrow() -> tuple[Any, Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("glassnet.datasets.load_parquet needs pyarrow, which is not installed. Install the "
                          "extra: pip install 'glassnet[parquet]'") from exc
    return pa, pc, pq


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _check_metadata(metadata: Any, where: str, file_bytes: int) -> None:
    rows, width = metadata.num_rows, metadata.num_columns
    if width > limits.MAX_COLUMNS or rows * width > limits.MAX_CELLS:
        raise ValueError(f"{where}: declares {rows:,} rows × {width:,} columns; the limits are "
                         f"{limits.MAX_COLUMNS:,} columns and {limits.MAX_CELLS:,} cells")
    # NOTE: row groups' sizes only: pyarrow 26 aborts the process (a C++ exception it cannot pass on) when a
    # damaged column chunk's metadata is opened, while reading the same file raises a clean OSError.
    uncompressed = sum(max(metadata.row_group(g).total_byte_size, 0) for g in range(metadata.num_row_groups))
    if uncompressed > limits.MAX_DATA_BYTES or uncompressed > max(limits.EXPANSION_FREE_BYTES,
                                                                  limits.MAX_EXPANSION * file_bytes):
        raise ValueError(f"{where}: declares {uncompressed:,} bytes of data in a file of {file_bytes:,}; the "
                         f"limits are {limits.MAX_DATA_BYTES:,} bytes and {limits.MAX_EXPANSION}× the file")


def _column(name: str, data: Any, where: str, pa: Any, pc: Any) -> Column:
    kind = data.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        values = pc.cast(data, pa.float64()).to_numpy(zero_copy_only=False)   # null → NaN
        if np.isinf(values).any():
            row = int(np.flatnonzero(np.isinf(values))[0])
            raise ValueError(f"{where}: column {name!r} has the non-finite value {values[row]} at row {row}")
        missing = np.flatnonzero(np.isnan(values))
        return Column(name, values=values, first_missing=(int(missing[0]), "null") if len(missing) else None)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
            pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type)
                                              or pa.types.is_large_string(kind.value_type))):
        encoded = pc.dictionary_encode(pc.cast(data, pa.string())).combine_chunks()
        vocabulary = encoded.dictionary
        if len(vocabulary) > limits.MAX_CATEGORIES:
            raise ValueError(f"{where}: column {name!r} has {len(vocabulary):,} distinct texts, more than "
                             f"{limits.MAX_CATEGORIES:,}; a text column is one-hot encoded, a column per text (is it "
                             "an identifier or free text? remove it)")
        texts = tuple(vocabulary.to_pylist())
        longest = max(texts, key=len, default="")
        if len(longest) > limits.MAX_TEXT_CHARS:
            raise ValueError(f"{where}: column {name!r} holds a text of {len(longest):,} characters; texts in a "
                             f"column may have at most {limits.MAX_TEXT_CHARS}")
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
        missing = np.flatnonzero(codes < 0)
        present = np.flatnonzero(codes >= 0)
        return Column(name, codes=codes, vocabulary=texts,
                      first_text=(int(present[0]), texts[codes[present[0]]]) if len(present) else (0, ""),
                      first_missing=(int(missing[0]), "null") if len(missing) else None)
    raise ValueError(f"{where}: column {name!r} has type {kind}; glassnet reads numbers (integer, float, boolean) "
                     "and texts (string)")


def read_parquet_table(path: Any) -> Table:
    """A Parquet file as a table (see the module docstring)."""
    file = existing_file(path)
    pa, pc, pq = _pyarrow()
    if file.stat().st_size > limits.MAX_DATA_BYTES:
        raise ValueError(f"{file}: {file.stat().st_size:,} bytes, more than the {limits.MAX_DATA_BYTES:,} a data "
                         "file may have")
    try:
        parquet = pq.ParquetFile(file, thrift_string_size_limit=_THRIFT_STRINGS,
                                 thrift_container_size_limit=_THRIFT_CONTAINERS)
        _check_metadata(parquet.metadata, str(file), file.stat().st_size)
        table = parquet.read()
    except (pa.ArrowException, OSError, EOFError) as exc:
        raise ValueError(f"{file}: not a readable Parquet file ({_first(exc)})") from None
    if table.num_rows != parquet.metadata.num_rows:
        raise ValueError(f"{file}: the footer declares {parquet.metadata.num_rows:,} rows but {table.num_rows:,} "
                         "were read (a damaged or forged file)")
    if table.num_rows == 0:
        raise ValueError(f"{file}: no rows")
    columns = tuple(_column(str(name), data, str(file), pa, pc) for name, data in zip(table.column_names,
                                                                                      table.columns))
    return Table(str(file), columns, np.arange(table.num_rows, dtype=np.int64), unit="row")
