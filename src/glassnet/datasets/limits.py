"""The documented bounds on a data file: a file beyond them is refused in one line before anything big is allocated.

A data file is untrusted: a few hundred bytes may declare billions of rows (an ``.npy`` header), expand to gigabytes
(a zip bomb ``.npz``, a Parquet footer) or hold one endless line. Every reader checks the sizes a file declares
against these bounds, and against the file's real size, before it allocates:

=========================  ===============  ===============================================================
bound                      value            what it limits
=========================  ===============  ===============================================================
``MAX_DATA_BYTES``         2 GiB            the file's size, and the uncompressed size of an archive's arrays
``MAX_EXPANSION``          100              an ``.npz`` member or Parquet column beyond 64 MiB may expand at
                                            most 100× its compressed size (real data compresses far less)
``MAX_COLUMNS``            10,000           fields on a line of a CSV, columns of a table
``MAX_LINE_CHARS``         1,048,576        characters on one line of a CSV
``MAX_CELLS``              20,000,000       rows × columns of a CSV or Parquet table (8 bytes each in memory)
``MAX_CATEGORIES``         1,000            distinct texts in one non-numeric column (its one-hot width)
``MAX_TEXT_CHARS``         200              characters of one such text (a category or class name)
=========================  ===============  ===============================================================

A CSV is read twice when it has text columns (numbers first, then the texts as category codes), so its memory
stays 8 bytes per cell whatever the texts are.
"""

from __future__ import annotations

MAX_DATA_BYTES = 2 * 1024**3
MAX_EXPANSION = 100
EXPANSION_FREE_BYTES = 64 * 1024**2  #: an archive member up to this size may compress any amount
MAX_COLUMNS = 10_000
MAX_LINE_CHARS = 1024**2
MAX_CELLS = 20_000_000
MAX_CATEGORIES = 1_000
MAX_TEXT_CHARS = 200

__all__ = ["MAX_DATA_BYTES", "MAX_EXPANSION", "EXPANSION_FREE_BYTES", "MAX_COLUMNS", "MAX_LINE_CHARS",
           "MAX_CELLS", "MAX_CATEGORIES", "MAX_TEXT_CHARS"]
