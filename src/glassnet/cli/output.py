"""What the ``glassnet`` command prints, made safe for a terminal, and where it may write.

Names in a model file, column names and class names in a data file are untrusted text: an ANSI escape sequence
in a layer name would clear the screen or forge output. :func:`safe` shows every control character (C0, DEL, C1)
and the bidirectional-override characters as a visible escape (``\\x1b``, ``\\u202e``), keeping only line breaks
and tabs of multi-line reports; :func:`printable_names` does the same to the names of a loaded model, line
breaks included, before any report is made of it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from .options import UsageError

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: Any, *, one_line: bool = False) -> str:
    """``text`` with control characters shown as escapes (line breaks and tabs too when ``one_line``)."""
    return (_CONTROL_ALL if one_line else _CONTROL).sub(_escape, str(text))


def say(text: Any = "", *, file: TextIO | None = None) -> None:
    """Print ``text`` made :func:`safe`."""
    print(safe(text), file=file or sys.stdout)


def printable_names(model: Any) -> None:
    """Escape control characters and line breaks in the names of a loaded model (its layers and weights), so
    every report made of it is safe to print. Only the copy in memory changes, never a file."""
    model.name = safe(model.name, one_line=True)
    for layer in model.layers:
        layer.name = safe(layer.name, one_line=True)
        for weight in layer.weights:
            weight.path = f"{layer.name}/{weight.name}"


def out_file(path: str, option: str = "--out") -> Path:
    """``path`` as a file the command may write at the end: its folder exists and is writable, and it is not a
    folder itself. Checked before any work, so a long run never ends in a traceback."""
    file = Path(path)
    if file.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name, e.g. {file / 'model.glassnet'}")
    folder = file.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (file.exists() and not os.access(file, os.W_OK)):
        raise UsageError(f"{option} {path}: not writable")
    return file


def out_folder(path: str, option: str = "--out") -> Path:
    """``path`` as a folder, created now (with its parents) so a long run never fails at its end."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {path} is a file; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: not writable")
    return folder
