"""The one Jinja environment.

Templates only lay out text. Names, literals and escaping are decided in Python (see
``bindgen.generate.kotlin.names``) and arrive in templates as ready-made strings; ``StrictUndefined``
makes any typo fail loudly. Templates live in the top-level ``templates/`` folder, found by
:mod:`bindgen.resources` (the wheel ships it inside the package).
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path
from typing import Any

import jinja2

from bindgen.resources import templates_dir


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept on disk; an unreadable or unwritable cache only costs a compile."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """``$BINDGEN_CACHE/jinja`` (default ``~/.cache/bindgen/jinja``), or None when it cannot be made.

    Compiling the wrapper template is ~25 ms of a ~110 ms ``bindgen kotlin``; Jinja keys each entry
    by template name and source checksum, and its Python and Jinja versions, so an edit or an
    upgrade recompiles.
    """
    try:
        root = Path(os.environ.get("BINDGEN_CACHE") or Path.home() / ".cache" / "bindgen") / "jinja"
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None
    return _QuietBytecodeCache(str(root))


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        bytecode_cache=bytecode_cache(),
    )


def render(template: str, **context: Any) -> str:
    """Render ``template`` (a path under ``templates/``) with ``context``."""
    return environment().get_template(template).render(**context)
