"""The typer application and the one place where domain errors become exit codes.

Command modules register with ``@command(...)``; they only declare options and call a plain
function in a module outside ``bindgen.cli``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer

from bindgen.cli.lean import command_class, group_class
from bindgen.errors import BindgenError

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
            try:
                return fn(*args, **kw)
            except BindgenError as error:
                raise fail(error) from None
            except KeyboardInterrupt:
                print("bindgen: interrupted", file=sys.stderr)
                raise typer.Exit(130) from None

        app.command(name, cls=command_class(), **kwargs)(wrapper)  # cls: no pydantic import (lean.py)
        return fn

    return decorate


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
