"""The files of a :class:`~glassnet.BackupAndRestore` folder: the names it writes, the lock, what is stale, and
deleting only what it wrote.

A backup folder holds, from ``BackupAndRestore``, only these names::

    latest.json                          the pointer: the last backed-up epoch and the fit's state (backup_state)
    epoch-<k>/model.glassnet             the model after epoch k: weights, optimizer state, generators
    epoch-<k>/callback-<i>-<name>.glassnet   arrays of a callback's state (EarlyStopping's best weights)
    .lock                                held while the folder is read or written (POSIX ``flock``)
    .latest.json.<random>.tmp, epoch-<k>/.model.glassnet.<random>.tmp, ...   atomic writes under way

Anything else in the folder is someone else's: it is never read, moved or deleted. An ``epoch-<k>`` entry that is
not a real folder holding only those names is not provably BackupAndRestore's, so the folder is refused
(:class:`~glassnet.errors.ModelFileError`) rather than guessed at.

Stale leftovers of a killed run are provably stale: every read and write of the folder happens under the lock,
so while it is held no other writer has a temporary file open, and an ``epoch-<k>`` folder that the pointer does
not name is either older than the pointer (killed before the old folder was removed) or newer (killed between
writing the folder and moving the pointer). They are removed when a fit starts and when it ends.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelFileError

try:  # POSIX; elsewhere the folder is not locked (one fit per folder, as documented)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POINTER = "latest.json"
MODEL = "model.glassnet"
LOCK = ".lock"
MAX_EPOCH = 10**9  #: epochs a backup folder may name (more digits are not a BackupAndRestore name)
_NAME = r"(?:model|callback-(?:0|[1-9][0-9]{0,3})-[a-z_]{1,40})\.glassnet"
_OWN_FILE = re.compile(_NAME)
_TEMP = r"\.{name}\.[^/]{{1,64}}\.tmp"  # glassnet.saving's atomic writes: .<target name>.<random>.tmp
_OWN_TEMP = re.compile(_TEMP.format(name=_NAME))
_POINTER_TEMP = re.compile(_TEMP.format(name=re.escape(POINTER)))
_EPOCH_FOLDER = re.compile(r"epoch-(0|[1-9][0-9]{0,8})")


def epoch_folder(epoch: int) -> str:
    """The name of the folder holding the backup after ``epoch`` (from 0): ``'epoch-<epoch>'``."""
    return f"epoch-{epoch}"


def callback_file(index: int, name: str) -> str:
    """The file holding the arrays of state field ``name`` of the ``index``-th backed-up callback."""
    return f"callback-{index}-{name}.glassnet"


# --- the lock ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (its ``.lock`` file, POSIX ``flock``) for the ``with`` block.

    The lock file exists only while someone holds or waits for the lock: it is removed on release, and a
    waiter that got the lock of a removed file tries again. A killed holder's lock is released by the kernel; a
    ``.lock`` it leaves is reused and then removed.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = folder / LOCK
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ModelFileError(f"Cannot use the backup folder {str(folder)!r}: its {LOCK} must be a "
                                     "regular file. Received: a symbolic link") from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held, current = os.fstat(fd), os.stat(path, follow_symlinks=False)
            if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                break
        except FileNotFoundError:  # the previous holder removed the file we waited on: lock the new one
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


# --- what is in the folder -----------------------------------------------------------------------------------
@dataclass
class Contents:
    """What :func:`scan` found: the pointer's presence, the epoch folders by epoch, and stale temporary files."""

    has_pointer: bool = False
    epochs: dict[int, Path] = field(default_factory=dict)
    pointer_temps: list[Path] = field(default_factory=list)


def _is_regular(path: Path) -> bool:
    return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)


def _refuse(entry: Path, expected: str, received: str) -> ModelFileError:
    return ModelFileError(f"Cannot use the backup folder {str(entry.parent)!r}: {entry.name!r} is a name "
                          f"BackupAndRestore writes, so it must be {expected}; it is left as it is (move it, or "
                          f"choose another backup_dir). Received: {received}")


def _check_epoch_folder(entry: Path) -> None:
    """``entry`` must be a real folder (not a link) holding only regular files of BackupAndRestore's names."""
    info = os.stat(entry, follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else f"a file of mode {stat.filemode(info.st_mode)}"
        raise _refuse(entry, "a folder", kind)
    with os.scandir(entry) as children:
        for child in children:
            own = _OWN_FILE.fullmatch(child.name) or _OWN_TEMP.fullmatch(child.name)
            if not own or not child.is_file(follow_symlinks=False):
                raise _refuse(entry, f"a folder holding only {MODEL}, callback-<i>-<name>.glassnet and their "
                                     "temporary files", f"{child.name!r} in it")


def scan(folder: Path, strict: bool = True) -> Contents:
    """List BackupAndRestore's entries of ``folder`` without changing anything. ``strict``: refuse
    (ModelFileError) an ``epoch-<k>`` entry that is not provably its own; else skip entries that are not
    folders (:func:`remove_epoch_folder` deletes only its own names anyway)."""
    found = Contents()
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            match = _EPOCH_FOLDER.fullmatch(name)
            if name == POINTER:
                found.has_pointer = True
            elif match and (strict or entry.is_dir(follow_symlinks=False)):
                if strict:
                    _check_epoch_folder(Path(entry.path))
                found.epochs[int(match.group(1))] = Path(entry.path)
            elif _POINTER_TEMP.fullmatch(name) and entry.is_file(follow_symlinks=False):
                found.pointer_temps.append(Path(entry.path))
    return found


# --- removing what BackupAndRestore wrote --------------------------------------------------------------------
def remove_epoch_folder(path: Path) -> None:
    """Delete BackupAndRestore's files in ``path`` (only its names, only regular files), then the folder if that
    left it empty. A file someone else put there keeps the folder."""
    with contextlib.suppress(FileNotFoundError), os.scandir(path) as children:
        for child in list(children):
            if (_OWN_FILE.fullmatch(child.name) or _OWN_TEMP.fullmatch(child.name)) and child.is_file(
                    follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(child.path)
    with contextlib.suppress(FileNotFoundError, OSError):  # not empty: someone else's file is in it
        os.rmdir(path)


def remove_stale(found: Contents, keep: str | None) -> None:
    """Delete the leftovers of killed runs: temporary files of the pointer and every epoch folder but ``keep``.
    Call with the lock held (the module docstring says why they are then provably stale)."""
    for path in found.pointer_temps:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    for path in found.epochs.values():
        if path.name != keep:
            remove_epoch_folder(path)


def remove_all(folder: Path) -> None:
    """Delete everything BackupAndRestore wrote in ``folder``, the pointer first: killed halfway, the folder
    then holds no pointer and only stale leftovers, and the next run starts over (to the same result)."""
    with contextlib.suppress(FileNotFoundError):
        if _is_regular(folder / POINTER):
            os.unlink(folder / POINTER)
    remove_stale(scan(folder, strict=False), keep=None)
