"""The one domain error type.

Every expected failure (bad input file, bad flag, missing tool, failed build) is raised as a
``BindgenError``; the CLI prints it as one line ``bindgen: error: <where>: <what>`` and exits with
``exit_code``. Anything else escaping is a bug in bindgen.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

#: Bad input (file, flag, spec, or a path the system refuses): the user must change what they gave us.
EXIT_BAD_INPUT = 2
#: The thing we drove (Gradle, the emulator, a test run) failed, or the disk is full.
EXIT_FAILED = 1


class BindgenError(Exception):
    """An expected failure, reported to the user as one line."""

    def __init__(
        self,
        message: str,
        *,
        where: str | Path | None = None,
        hint: str | None = None,
        exit_code: int = EXIT_BAD_INPUT,
    ) -> None:
        self.message = message
        self.where = str(where) if where is not None else None
        self.hint = hint
        self.exit_code = exit_code
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = self.message if self.where is None else f"{self.where}: {self.message}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return " ".join(text.split())


#: errno -> (what happened, in words; a hint or None; exit code). Space runs out: exit 1 (the same
#: command works once space is freed); the path is refused: exit 2 (the user must pick another).
_OS_FAULTS: dict[int, tuple[str, str | None, int]] = {
    errno.ENOSPC: ("no space left on the device", "free space on {mount}", EXIT_FAILED),
    errno.EDQUOT: ("disk quota exceeded", "free space on {mount} or raise the quota", EXIT_FAILED),
    errno.EFBIG: (
        "file too large for the file system or the size limit",
        "check `ulimit -f` and the file system's maximum file size",
        EXIT_FAILED,
    ),
    errno.EIO: ("input/output error", "the device or network file system failed", EXIT_FAILED),
    errno.EROFS: ("the file system is read-only", "write somewhere else or remount it read-write", EXIT_BAD_INPUT),
    errno.EACCES: ("permission denied", "check the permissions of the file and its folder", EXIT_BAD_INPUT),
    errno.EPERM: (
        "operation not permitted",
        "the file or its folder is read-only or immutable (`lsattr` shows an i)",
        EXIT_BAD_INPUT,
    ),
    errno.EISDIR: ("is a folder, expected a file", None, EXIT_BAD_INPUT),
    errno.ENOTDIR: ("a part of the path is not a folder", None, EXIT_BAD_INPUT),
    errno.ENAMETOOLONG: ("the file name is too long", "use a shorter name or path", EXIT_BAD_INPUT),
    errno.ENOENT: ("no such file or folder", None, EXIT_BAD_INPUT),
    errno.EEXIST: ("already exists", None, EXIT_BAD_INPUT),
    errno.ELOOP: ("too many levels of symbolic links", None, EXIT_BAD_INPUT),
    errno.ETXTBSY: ("the file is in use (text file busy)", None, EXIT_BAD_INPUT),
    errno.EMFILE: ("too many open files", "raise `ulimit -n`", EXIT_FAILED),
    errno.EPIPE: ("the program reading the output closed it", None, EXIT_FAILED),
}


def _mount_point(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not os.path.ismount(path) and path.parent != path:
        path = path.parent
    return path


def os_fault(error: OSError, where: str | Path | None = None, *, path: Path | None = None) -> BindgenError:
    """The one-line ``BindgenError`` for an ``OSError``: ``<path>: <in words> (<ERRNO>); <hint>``.

    ``where`` is the path the user named (the output, not a temp file beside it); without it the
    error's own file name is used. ``path`` is the file that failed when ``where`` is not a path
    (standard output), for the hint's mount point.
    """
    if where is None and error.filename is not None:
        where = os.fsdecode(error.filename)
    code = error.errno
    name = errno.errorcode.get(code, "") if code is not None else ""
    words, hint, exit_code = _OS_FAULTS.get(
        code if code is not None else -1,
        ((error.strerror or str(error) or type(error).__name__).lower(), None, EXIT_FAILED),
    )
    message = f"{words} ({name})" if name else words
    if hint is not None:
        place = path if path is not None else Path(where) if where is not None else None
        mount = _mount_point(place) if place is not None else Path("/")
        message = f"{message}; {hint.format(mount=mount)}"
    return BindgenError(message, where=where, exit_code=exit_code)
