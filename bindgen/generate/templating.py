"""The one Jinja environment.

Templates only lay out text. Names, literals and escaping are decided in Python (see
``bindgen.generate.kotlin.names``) and arrive in templates as ready-made strings; ``StrictUndefined``
makes any typo fail loudly. Templates live in the top-level ``templates/`` folder, which the
wheel ships as ``bindgen/templates``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2


def templates_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"  # editable install / checkout


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context: Any) -> str:
    """Render ``template`` (a path under ``templates/``) with ``context``."""
    return environment().get_template(template).render(**context)
