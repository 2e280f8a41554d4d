"""``kotlin`` and ``run``: the generated wrapper and its host twin (same processing plan)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command


@command("kotlin", help="Generate an idiomatic Kotlin wrapper (TFLite Support Library) for a model.")
def kotlin_cmd(
    model: Annotated[Path, typer.Argument(help="The .tflite file.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Source root to write <package path>/<Class>.kt into.")],
    package: Annotated[str, typer.Option("--package", help="Kotlin package, e.g. com.example.ml.")],
    class_name: Annotated[
        str | None,
        typer.Option("--class-name", help="Class name (default: from the file name, as Android Studio)."),
    ] = None,
) -> None:
    from bindgen.generate.kotlin.render import render_wrapper
    from bindgen.output import write_files
    from bindgen.read.tflite.reader import read_model

    files = render_wrapper(read_model(model), package, class_name)
    for path in write_files(out, files):
        typer.echo(f"wrote {path}")


@command("run", help="Run a model on the host with the wrapper's exact pre/post-processing.")
def run_cmd(
    model: Annotated[Path, typer.Argument(help="The .tflite file.")],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="One file per input: PNG/JPEG for images, 16-bit PCM .wav for audio, .npy otherwise; "
            "for a text model (BERT or regex tokenizer metadata) one .txt file."
        ),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Text for a text model, tokenized as the Task Library does.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"outputs": {name: value}}.')] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, help="Keep the K best classes/detections.")] = None,
) -> None:
    from bindgen.host.twin import run_model

    result = run_model(model, inputs or [], top_k, text)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for name, value in result["outputs"].items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and "score" in value[0]:
            typer.echo(f"{name}:")
            for item in value:
                box = item.get("box")
                where = f"  box={[round(box[k], 4) for k in ('left', 'top', 'right', 'bottom')]}" if box else ""
                typer.echo(f"  {item['score']:.4f}  {item['label'] or item['index']}{where}")
        elif isinstance(value, dict) and "category_mask" in value:
            typer.echo(f"{name}: {value['height']}x{value['width']} mask over {len(value['labels'])} labels")
        else:
            typer.echo(f"{name}: {json.dumps(value)[:200]}")
