"""The zip of a Keras 3 ``.keras`` file: its three entries read with bounds, and written.

A ``.keras`` file (``keras/src/saving/saving_lib.py``) is a zip archive of::

    metadata.json      {"keras_version": "3.x.y", "date_saved": ...}
    config.json        the model's serialized config (:mod:`~glassnet.saving.keras_config`)
    model.weights.h5   the variables, an HDF5 file (:mod:`~glassnet.saving.keras_weights`)

The archive is untrusted. Before any entry is decompressed: the file is a regular file of at most ``max_bytes``
bytes; it is a zip of at most :data:`MAX_ENTRIES` entries, each named once; each name is one of the three above
(a name that could point outside a folder — absolute, with ``..``, a backslash or a drive — or a symlink entry
is refused as such, and nothing is ever extracted to disk); entries are stored or deflated, not encrypted; each
declares at most its own limit of bytes (``config.json`` :data:`MAX_CONFIG_BYTES`, ``metadata.json``
:data:`MAX_METADATA_BYTES`, the weights ``max_bytes``), all together at most ``max_bytes``, and a deflated
entry at most :data:`MAX_RATIO` times its compressed size (a zip bomb). Decompression then stops at the
declared size, and the CRC is checked. Every refusal is a :class:`~glassnet.errors.ModelFileError` naming the
entry and what is wrong with it.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib

from .messages import _bad, _Said

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_ENTRIES = 16  #: a Keras archive of supported layers has 3 entries
MAX_CONFIG_BYTES = 16 * 1024**2  #: config.json may not be longer (the limit of a glassnet file's header)
MAX_METADATA_BYTES = 64 * 1024
MAX_RATIO = 100  #: a deflated entry may be at most this many times its compressed size
_LIMITS = {CONFIG: MAX_CONFIG_BYTES, METADATA: MAX_METADATA_BYTES}
_WHAT = {"assets/": "assets (files of layers such as text vectorizers; glassnet's layers have none)",
         "model.weights.npz": "weights in NumPy form (glassnet reads the default model.weights.h5)"}


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an entry cannot be read safely, or None."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in parts[0] or "\x00" in name:
        return "a path that could point outside the archive's folder"
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):  # 3: Unix, whose mode bits say so
        return "a symbolic link"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"compressed with method {info.compress_type} (only stored or deflated entries are read)"
    return None


def _check_entries(archive: zipfile.ZipFile, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        _bad("the archive", f"a zip of at most {MAX_ENTRIES} entries", _Said(f"{len(infos)} entries"))
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        where = f"the archive's entry {info.filename!r}"
        problem = _entry_problem(info)
        if problem:
            _bad(where, "a plain file of the archive", _Said(problem))
        if info.filename in entries:
            _bad(where, "named once", _Said("a second entry of the same name"))
        if info.filename not in (CONFIG, METADATA, WEIGHTS):
            known = next((text for prefix, text in _WHAT.items() if info.filename.startswith(prefix)), None)
            _bad(where, f"one of {[CONFIG, METADATA, WEIGHTS]}, what a Keras Sequential of glassnet's layers "
                 "holds", _Said(known or "an entry glassnet does not know"))
        limit = _LIMITS.get(info.filename, max_bytes)
        if info.file_size > limit:
            _bad(f"{where}'s size", f"at most {limit} bytes (pass a larger max_bytes= if you trust the file)",
                 _Said(f"{info.file_size} bytes"))
        if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            _bad(f"{where}'s compression ratio", f"at most {MAX_RATIO}:1 (a zip bomb expands more)",
                 _Said(f"{info.file_size} bytes from {info.compress_size}"))
        entries[info.filename] = info
    total = sum(info.file_size for info in entries.values())
    if total > max_bytes:
        _bad("the archive's entries", f"at most max_bytes={max_bytes} bytes together (pass a larger max_bytes= "
             "if you trust the file)", _Said(f"{total} bytes"))
    for name in (CONFIG, WEIGHTS):
        if name not in entries:
            _bad("the archive", f"a Keras .keras archive with the entry {name!r}",
                 _Said(f"the entries {sorted(entries)}"))
    return entries


def read_archive(blob: bytes | bytearray, max_bytes: int) -> dict[str, bytes]:
    """The entries of a checked archive (module docstring), each decompressed up to its declared size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile:
        _bad("the file", "a Keras .keras file (a zip archive)", _Said("not a zip archive"))
    with archive:
        entries = _check_entries(archive, max_bytes)
        contents = {}
        for name, info in entries.items():
            try:
                with archive.open(info) as handle:  # stops at file_size; a wrong CRC raises BadZipFile at the end
                    data = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                _bad(f"the archive's entry {name!r}", "intact (its local header, content and CRC-32 as the "
                     "archive's directory says)", _Said(f"{type(exc).__name__}: {exc}"))
            if len(data) != info.file_size:
                _bad(f"the archive's entry {name!r}", f"{info.file_size} bytes, its declared size",
                     _Said(f"{len(data)} bytes"))
            contents[name] = data
    return contents


def archive_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip of ``entries`` as Keras writes one: stored (not compressed), a fixed timestamp, mode 0600."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o600) << 16
            info.create_system = 3
            archive.writestr(info, data)
    return buffer.getvalue()

