"""Command-line entry point. Each ``*_cmds`` module registers its commands on ``app``."""

from __future__ import annotations

# Import order is the order `bindgen --help` lists the commands: the pipeline, front to back.
from bindgen.cli import model_cmds  # noqa: F401  (registers inspect, annotate)
from bindgen.cli import codegen_cmds  # noqa: F401  (registers kotlin, run)
from bindgen.cli import android_cmds  # noqa: F401  (registers android-project)
from bindgen.cli import device_cmds  # noqa: F401  (registers build, test, doctor)
from bindgen.cli import pipeline_cmds  # noqa: F401  (registers convert, bench)
from bindgen.cli import demo_cmds  # noqa: F401  (registers demo)
from bindgen.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
