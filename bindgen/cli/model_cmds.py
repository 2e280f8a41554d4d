"""``inspect`` and ``annotate``: read and write what a model carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command, parse_numbers


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
    from bindgen.read import inspect
    from bindgen.read.tflite.reader import read_model

    description = read_model(model)
    if extract is not None:
        for path in inspect.extract(description, extract):
            typer.echo(f"wrote {path}", err=as_json)
    if as_json:
        typer.echo(json.dumps(inspect.to_json(description), indent=2, ensure_ascii=False))
    elif extract is None:
        from rich.console import Console

        inspect.print_summary(description, Console())


@command("annotate", help="Embed TFLite metadata (labels, normalization, tensor info …) into a model.")
def annotate_cmd(
    model: Annotated[Path, typer.Argument(help="The .tflite file to annotate (never modified without --in-place).")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Where to write the annotated model.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="image-classifier, object-detector, image-segmenter, text-classifier, bert-classifier, "
            "audio-classifier or generic.",
        ),
    ] = None,
    labels: Annotated[Path | None, typer.Option("--labels", help="Label file, one label per line.")] = None,
    mean: Annotated[
        list[str] | None, typer.Option("--mean", help="Normalization mean: one value, or one per channel.")
    ] = None,
    std: Annotated[
        list[str] | None, typer.Option("--std", help="Normalization std: one value, or one per channel.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Model name.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Model description.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Model version.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Model author.")] = None,
    license_: Annotated[str | None, typer.Option("--license", help="Model license.")] = None,
    vocab: Annotated[Path | None, typer.Option("--vocab", help="Vocabulary file (text/BERT classifiers).")] = None,
    delim_regex: Annotated[
        str | None, typer.Option("--delim-regex", help="Regex tokenizer delimiter (text-classifier).")
    ] = None,
    sample_rate: Annotated[int | None, typer.Option("--sample-rate", help="Audio sample rate (Hz).")] = None,
    channels: Annotated[int | None, typer.Option("--channels", help="Audio channels.")] = None,
    score_calibration: Annotated[
        Path | None,
        typer.Option("--score-calibration", help="Score calibration CSV (scale,slope,offset[,min])."),
    ] = None,
    score_transformation: Annotated[
        str | None, typer.Option("--score-transformation", help="IDENTITY, LOG or INVERSE_LOGISTIC.")
    ] = None,
    default_score: Annotated[float | None, typer.Option("--default-score", help="Default calibrated score.")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="TOML spec file (see --init).")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Replace MODEL (atomically).")] = False,
    init: Annotated[
        bool, typer.Option("--init", help="Print a spec inferred from the model's tensors, to edit.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate, init_spec, parse_kind

    if init:
        typer.echo(init_spec(model), nl=False)
        return
    result = annotate(
        AnnotateRequest(
            model=model,
            out=out,
            in_place=in_place,
            kind=parse_kind(kind) if kind is not None else None,
            spec=spec,
            labels=labels,
            mean=parse_numbers(mean, "--mean"),
            std=parse_numbers(std, "--std"),
            name=name,
            description=description,
            version=version,
            author=author,
            license=license_,
            vocab=vocab,
            delim_regex=delim_regex,
            sample_rate=sample_rate,
            channels=channels,
            score_calibration=score_calibration,
            score_transformation=score_transformation,
            default_score=default_score,
        )
    )
    for warning in result.warnings:
        typer.echo(f"bindgen: warning: {warning}", err=True)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "output": str(result.out),
                    "kind": result.kind.value,
                    "bytes": result.bytes_written,
                    "associated_files": list(result.files),
                    "min_parser_version": result.metadata["min_parser_version"],
                }
            )
        )
    else:
        files = f" + {', '.join(result.files)}" if result.files else ""
        version = result.metadata["min_parser_version"]
        typer.echo(f"wrote {result.out} ({result.kind.value}, metadata {version}{files})")
