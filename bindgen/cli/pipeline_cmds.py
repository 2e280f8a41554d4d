"""``convert`` and ``bench``: the convert → quantize → measure loop, as thin typer commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command, parse_numbers
from bindgen.errors import BindgenError


@command(
    "convert",
    help="Convert a Keras file or SavedModel to .tflite, optionally quantized (extra: convert).",
)
def convert_cmd(
    source: Annotated[Path, typer.Argument(help="A SavedModel folder or a .keras/.h5 file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .tflite file to write.")],
    from_: Annotated[str, typer.Option("--from", help="Source kind: auto, saved-model or keras.")] = "auto",
    quantize: Annotated[
        str,
        typer.Option(
            help="none | dynamic (int8 weights) | float16 | int8 (full-integer, float I/O)"
            " | int8-io (full-integer, int8 I/O)."
        ),
    ] = "none",
    representative: Annotated[
        Path | None,
        typer.Option(help="Folder of typical input images to calibrate int8 (needed for int8*)."),
    ] = None,
    mean: Annotated[
        str | None,
        typer.Option(help="Normalization mean, one value or one per channel (default 0: raw pixels)."),
    ] = None,
    std: Annotated[
        str | None,
        typer.Option(help="Normalization std, one value or one per channel (default 1: raw pixels)."),
    ] = None,
    select_tf_ops: Annotated[
        bool, typer.Option("--select-tf-ops", help="Allow TensorFlow ops TFLite lacks (bigger runtime).")
    ] = False,
    eval_dir: Annotated[
        Path | None,
        typer.Option(
            "--eval",
            help="Folder with one sub-folder of images per class: report top-1 "
            "agreement between the float and the converted model.",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="Labels file: chain into annotate (labels + normalization metadata)."),
    ] = None,
) -> None:
    from bindgen.host import convert as convert_mod

    try:
        kind = None if from_ == "auto" else convert_mod.SourceKind(from_)
    except ValueError:
        raise BindgenError(f"--from wants auto, saved-model or keras, got {from_!r}") from None
    try:
        mode = convert_mod.Quantize(quantize)
    except ValueError:
        choices = ", ".join(q.value for q in convert_mod.Quantize)
        raise BindgenError(f"--quantize wants one of {choices}, got {quantize!r}") from None
    norm = convert_mod.Normalization(
        mean=parse_numbers(None if mean is None else [mean], "--mean") or (0.0,),
        std=parse_numbers(None if std is None else [std], "--std") or (1.0,),
    )
    report = convert_mod.convert(
        convert_mod.ConvertOptions(
            source=source,
            output=output,
            source_kind=kind,
            quantize=mode,
            representative=representative,
            normalization=norm,
            select_tf_ops=select_tf_ops,
            eval_dir=eval_dir,
            labels=labels,
        )
    )
    for line in report.lines():
        print(line)


@command("bench", help="Host latency and memory of .tflite models with ai-edge-litert (extra: run).")
def bench_cmd(
    models: Annotated[list[Path], typer.Argument(help="One or more .tflite files, compared side by side.")],
    threads: Annotated[str, typer.Option(help="Thread counts to measure, e.g. 1,2,4.")] = "1",
    runs: Annotated[int, typer.Option(help="Timed invocations per thread count.")] = 50,
    warmup: Annotated[int, typer.Option(help="Untimed invocations before timing.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write a bar chart (.png, .svg, .pdf).")] = None,
) -> None:
    from bindgen.host import latency

    options = latency.BenchOptions(
        models=tuple(models), threads=latency.parse_threads(threads), runs=runs, warmup=warmup
    )
    if plot is not None:
        latency.check_plot_path(plot)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks = [bar.add_task(path.name, total=None) for path in options.models]

        def progress(index: int, done: int, total: int) -> None:
            bar.update(tasks[index], completed=done, total=total)

        results = latency.bench(options, progress)
    if plot is not None:
        latency.plot(results, plot)
    if as_json:
        sys.stdout.write(json.dumps(latency.to_json(results, options), indent=2) + "\n")
        return
    console = Console()
    if not console.is_terminal:  # logs and pipes: never truncate model names to 80 columns
        console = Console(width=200)
    console.print(latency.render_table(results))
    print(latency.OP_PROFILE_NOTE)
    if plot is not None:
        print(f"wrote {plot}")
