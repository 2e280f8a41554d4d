"""The typer application and the one place where domain errors become exit codes.

Command modules register with ``@command(...)``; they only declare options and call a plain
function in a module outside ``bindgen.cli``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import typer

from bindgen.cli.lean import command_class, group_class
from bindgen.errors import BindgenError, os_fault

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="bindgen",
    help="From a TensorFlow Lite model to a working Android app.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    cls=group_class(),  # options convert without importing pydantic (lean.py)
)


def fail(error: BindgenError) -> typer.Exit:
    """Print ``error`` as the one line users see and return the Exit to raise."""
    print(f"bindgen: error: {error.one_line()}", file=sys.stderr)
    return typer.Exit(error.exit_code)


def parse_numbers(values: Sequence[str] | None, flag: str) -> tuple[float, ...]:
    """``--mean 127.5`` / ``--mean 123.7,116.3,103.5`` / repeated flags -> the numbers, in order."""
    out: list[float] = []
    for text in values or ():
        problem = f"{flag} wants one number or a comma list (one per channel), got {text!r}"
        try:
            numbers = [float(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise BindgenError(problem) from None
        if not numbers:
            raise BindgenError(problem)
        out += numbers
    return tuple(out)


def command(name: str, **kwargs: Any) -> Callable[[F], F]:
    """Register ``fn`` as command ``name``; a BindgenError becomes one line and its exit code."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            start = _own_stdout()
            try:
                result = fn(*args, **kw)
                sys.stdout.flush()
                return result
            except BindgenError as error:
                raise fail(error) from None
            except OSError as error:  # a read or write the system refused: one line, never a traceback
                raise fail(_os_error(error, start)) from None
            except KeyboardInterrupt:
                print("bindgen: interrupted", file=sys.stderr)
                raise typer.Exit(130) from None

        app.command(name, cls=command_class(), **kwargs)(wrapper)  # cls: no pydantic import (lean.py)
        return fn

    return decorate


STDOUT = "<stdout>"


class _StdoutRaw(io.RawIOBase):
    """File descriptor 1, whose errors carry the name ``<stdout>`` so the boundary can tell them."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        try:
            return os.write(self._fd, data)
        except OSError as error:
            raise OSError(error.errno, error.strerror, STDOUT) from None


def _own_stdout() -> int | None:
    """Route stdout through ``_StdoutRaw``; returns where a regular-file stdout starts (to undo)."""
    try:
        fd = sys.stdout.fileno()
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        return None  # not a real file descriptor (CliRunner): nothing to guard
    stream = sys.stdout
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_StdoutRaw(fd)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=bool(stream.line_buffering),
    )
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if _appends(fd):  # `>> file`: the offset is 0 until the first write; the end is where ours starts
            return info.st_size
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        return None


def _appends(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)


def _os_error(error: OSError, stdout_start: int | None) -> BindgenError:
    """The one line for ``error``; when stdout itself failed, undo the torn part and silence it."""
    if error.filename != STDOUT:
        return os_fault(error)
    fd = sys.stdout.fileno()
    where, path = "standard output", None
    with contextlib.suppress(OSError):
        path = Path(os.readlink(f"/proc/self/fd/{fd}"))
        where = f"standard output ({path})"
    with contextlib.suppress(OSError):
        if stdout_start is not None:
            os.ftruncate(fd, stdout_start)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)  # what is still buffered drains into /dev/null, not a second error at exit
        os.close(null)
    error.filename = None
    return os_fault(error, where=where, path=path)


def _version(value: bool) -> None:
    if value:
        from bindgen import __version__

        print(f"bindgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """From a TensorFlow Lite model to a working Android app.

    annotate → inspect → kotlin → android-project → build → test, plus convert / run / bench.
    """
