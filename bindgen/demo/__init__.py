"""``bindgen demo``: the whole job on the embedded demo model.

The model (``shapes.tflite``), its labels, annotation spec and a sample image ship inside the
package; see ``README.md`` here for how they were made. The demo runs the same module functions
the commands use: inspect → annotate → kotlin → android-project, into one output folder.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from bindgen.errors import BindgenError
from bindgen.resources import demo_dir

if TYPE_CHECKING:
    from bindgen.generate.android.project import Generated

HERE = demo_dir()
MODEL = HERE / "shapes.tflite"
LABELS = HERE / "labels.txt"
SPEC = HERE / "spec.toml"
SAMPLE = HERE / "sample.png"
PACKAGE = "dev.bindgen.demo"


def annotate_demo_model(out: Path) -> Path:
    """Write the demo model, annotated from ``spec.toml``, to ``out``."""
    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate

    annotate(AnnotateRequest(model=MODEL, out=out, spec=SPEC))
    return out


def _project(model: Path, out_dir: Path, *, gradlew: bool, overwrite: bool) -> Generated:
    """The project generator wired to the host twin and the machine's Gradle (stages 3 and 4 meet here)."""
    from bindgen.device.gradle_wrapper import make_launcher
    from bindgen.generate.android.project import generate_project
    from bindgen.host import twin

    return generate_project(
        model,
        out_dir,
        sample_image=SAMPLE,
        overwrite=overwrite,
        twin=twin,
        launcher=make_launcher if gradlew else None,
    )


def demo_project(out_dir: Path, *, gradlew: bool = True, overwrite: bool = True) -> Path:
    """The demo model's Android project (``android-sample/`` is this, with the launcher)."""
    with tempfile.TemporaryDirectory(prefix="bindgen-demo-") as scratch:
        model = annotate_demo_model(Path(scratch) / MODEL.name)
        _project(model, out_dir, gradlew=gradlew, overwrite=overwrite)
    return out_dir


@dataclass(frozen=True)
class DemoResult:
    out_dir: Path
    annotated: Path
    kotlin: list[Path]
    project: Path | None


def run_demo(out_dir: Path, console: Console, *, project: bool = True) -> DemoResult:
    """Every step writes into a scratch folder; the results replace their namesakes in ``out_dir``
    only when all steps succeeded (``building(merge=True)``), so a failure changes nothing."""
    from bindgen.generate.kotlin.render import render_wrapper
    from bindgen.output import building, write_files
    from bindgen.read.inspect import print_summary
    from bindgen.read.tflite.reader import read_model

    if out_dir.exists() and not out_dir.is_dir():
        raise BindgenError("exists and is not a folder", where=out_dir)

    with building(out_dir, merge=True) as stage:
        console.rule("[bold]1. inspect[/bold] the raw model (no metadata yet)")
        print_summary(read_model(MODEL), console)

        console.rule("[bold]2. annotate[/bold] it from bindgen/demo/spec.toml")
        annotated = annotate_demo_model(stage / MODEL.name)
        console.print(f"wrote {out_dir / MODEL.name}")
        print_summary(read_model(annotated), console)

        console.rule("[bold]3. kotlin[/bold] wrapper")
        kotlin = [
            out_dir / path.relative_to(stage)
            for path in write_files(stage / "kotlin", render_wrapper(read_model(annotated), PACKAGE))
        ]
        for path in kotlin:
            console.print(f"wrote {path}")

        project_dir: Path | None = None
        if project:
            console.rule("[bold]4. android-project[/bold]")
            project_dir = out_dir / "android"
            generated = _project(annotated, stage / "android", gradlew=True, overwrite=True)
            console.print(f"wrote {generated.files} files into {project_dir}")
            if generated.wrapper_message:
                console.print(generated.wrapper_message)

    console.rule("[bold]done[/bold]")
    console.print(
        f"Next: open {out_dir / 'android'} in Android Studio, or run `bindgen build {out_dir / 'android'}` "
        "on a machine with the Android SDK."
    )
    return DemoResult(out_dir, out_dir / MODEL.name, kotlin, project_dir)
