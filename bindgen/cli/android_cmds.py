"""``bindgen android-project``: a thin command over :mod:`bindgen.generate.android.project`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command


@command("android-project", help="Generate a complete Android Studio project around MODEL.")
def android_project(
    model: Annotated[Path, typer.Argument(help="The .tflite model.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder to create.")],
    app_id: Annotated[
        str | None, typer.Option("--app-id", help="Application id (default from the model name).")
    ] = None,
    app_name: Annotated[str | None, typer.Option("--app-name", help="Name shown under the icon.")] = None,
    package: Annotated[str | None, typer.Option("--package", help="Kotlin package of the wrapper and app.")] = None,
    sample: Annotated[
        Path | None,
        typer.Option(
            "--sample",
            help="Image bundled as the sample input (text and audio models get a fixed sentence / a synthetic clip).",
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty output folder.")] = False,
    no_gradlew: Annotated[bool, typer.Option("--no-gradlew", help="Do not run `gradle wrapper`.")] = False,
) -> None:
    from bindgen.device.gradle_wrapper import make_launcher
    from bindgen.generate.android.project import generate
    from bindgen.host import twin

    result = generate(
        model,
        out,
        app_id=app_id,
        app_name=app_name,
        package=package,
        sample_image=sample,
        overwrite=overwrite,
        twin=twin,
        launcher=None if no_gradlew else make_launcher,
    )
    typer.echo(f"wrote {result.files} files to {result.out_dir}; {result.wrapper_message}")
