"""The one domain error type.

Every expected failure (bad input file, bad flag, missing tool, failed build) is raised as a
``BindgenError``; the CLI prints it as one line ``bindgen: error: <where>: <what>`` and exits with
``exit_code``. Anything else escaping is a bug in bindgen.
"""

from __future__ import annotations

from pathlib import Path

#: Bad input (file, flag, spec): the user must change what they gave us.
EXIT_BAD_INPUT = 2
#: The thing we drove (Gradle, the emulator, a test run) failed.
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
