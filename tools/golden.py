"""Regenerate the golden outputs: ``python -m tools.golden`` (``make golden``).

Two golden sets, each checked by a test that regenerates it and fails on any difference:

- ``tests/golden/kotlin/<model>/…``: the Kotlin wrapper (and helper file) for each representative
  model, through the real CLI (``tests/test_golden.py``);
- ``android-sample/``: the demo model's Android project with its Gradle launcher
  (``tests/test_android_project.py``; the launcher files: ``tests/test_android_app.py``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GOLDEN_KOTLIN = REPO / "tests" / "golden" / "kotlin"
#: Representative models: float / uint8 / int8 I/O classifiers, detector, segmenter, raw multi-I/O,
#: every dtype, regex-text, BERT and audio classifiers (typed text/audio inputs), and a third-party
#: MediaPipe model carrying its own metadata.
KOTLIN_MODELS = (
    "float_classifier",
    "uint8_classifier",
    "int8_io_classifier",
    "calibrated_classifier",
    "detector",
    "segmenter",
    "styled_image",
    "multi_io",
    "dtypes",
    "nl_classifier",
    "bert_classifier",
    "audio_classifier",
    "mp_selfie_segmentation_selfie_segmentation",
)
PACKAGE = "com.example.golden"


def model_paths() -> dict[str, Path]:
    from tests.toolchain.fixtures import all_models

    models = all_models()
    return {name: models[name] for name in KOTLIN_MODELS}


def generate_kotlin(root: Path) -> None:
    """Write every golden wrapper under ``root/<model>/`` via ``bindgen kotlin``."""
    from typer.testing import CliRunner

    from bindgen.cli import app

    for name, path in model_paths().items():
        result = CliRunner().invoke(app, ["kotlin", str(path), "-o", str(root / name), "--package", PACKAGE])
        if result.exit_code != 0:
            raise SystemExit(f"bindgen kotlin failed on {name}: {result.output}")


ANDROID_SAMPLE = REPO / "android-sample"


def android_sample(out_dir: Path = ANDROID_SAMPLE) -> Path:
    """Write the demo project into ``out_dir`` (replacing it), with the Gradle launcher.

    The launcher (``gradlew``, ``gradlew.bat``, the wrapper jar) comes from the machine's
    ``gradle wrapper`` (Debian's 4.4.1 here, byte-identical run after run). On a machine without
    a ``gradle`` the committed launcher files are kept as they are, so regenerating never drops them.
    """
    from bindgen.demo import demo_project
    from bindgen.device.gradle_wrapper import LAUNCHER_FILES, find_gradle
    from bindgen.output import GeneratedFile, write_files

    kept = [
        GeneratedFile(rel, (out_dir / rel).read_bytes(), executable=executable)
        for rel, executable in LAUNCHER_FILES
        if (out_dir / rel).is_file()
    ]
    with_gradle = find_gradle() is not None
    demo_project(out_dir, gradlew=with_gradle, overwrite=True)
    if not with_gradle:
        write_files(out_dir, kept)
    return out_dir


def main() -> int:
    shutil.rmtree(GOLDEN_KOTLIN, ignore_errors=True)
    generate_kotlin(GOLDEN_KOTLIN)
    print(f"regenerated {GOLDEN_KOTLIN.relative_to(REPO)}")
    android_sample()
    print(f"regenerated {ANDROID_SAMPLE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
