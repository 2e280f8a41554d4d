"""Command-line entry point. Each ``*_cmds`` module registers its commands on ``app``."""

from __future__ import annotations

from bindgen.cli import model_cmds  # noqa: F401  (registers inspect, annotate)
from bindgen.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
