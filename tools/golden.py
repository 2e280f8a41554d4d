"""`make golden`: regenerate the checked-in golden outputs from the current generator.

android-sample/ is the demo model's Android project, without the Gradle launcher (gradlew and
its jar depend on which `gradle` happens to be installed; the README says how to add them).
tests/test_android_project.py fails when android-sample/ differs from a fresh generation.
"""

from __future__ import annotations

from pathlib import Path

from bindgen.demo import demo_project

REPO = Path(__file__).resolve().parent.parent
ANDROID_SAMPLE = REPO / "android-sample"


def android_sample(out_dir: Path = ANDROID_SAMPLE) -> Path:
    """Write the demo project into ``out_dir`` (replacing it)."""
    demo_project(out_dir, gradlew=False, overwrite=True)
    return out_dir


def main() -> None:
    print(f"golden: wrote {android_sample()}")


if __name__ == "__main__":
    main()
