"""``inspect`` and ``annotate``: read and write what a model carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bindgen.cli.app import command


@command("inspect", help="Show a model's tensors, quantization and TFLite metadata.")
def inspect_cmd(
    model: Annotated[Path, typer.Argument(help="The .tflite file.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (metadata = the official displayer's JSON).")
    ] = False,
    extract: Annotated[
        Path | None, typer.Option("--extract", help="Write the associated files (labels, vocab …) into DIR.")
    ] = None,
) -> None:
    from bindgen import inspect
    from bindgen.tflite.reader import read_model

    description = read_model(model)
    if extract is not None:
        for path in inspect.extract(description, extract):
            typer.echo(f"wrote {path}", err=as_json)
    if as_json:
        typer.echo(json.dumps(inspect.to_json(description), indent=2, ensure_ascii=False))
    elif extract is None:
        inspect.print_summary(description, Console())
