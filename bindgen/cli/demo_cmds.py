"""``demo``: the main job, end to end, on the model that ships with bindgen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command


@command("demo", help="Run inspect → annotate → kotlin → android-project on the embedded demo model.")
def demo_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("bindgen-demo"),
    project: Annotated[bool, typer.Option("--project/--no-project", help="Also generate the Android project.")] = True,
) -> None:
    from rich.console import Console

    from bindgen.demo import run_demo

    run_demo(out, Console(), project=project)
