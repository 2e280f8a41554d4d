"""Add ``gradlew``, ``gradlew.bat`` and the wrapper jar by running a Gradle found on the machine.

bindgen never ships a Gradle binary. ``gradle wrapper`` runs in an empty scratch project (an old
Gradle cannot evaluate an AGP 9 build, and does not need to: the wrapper task only writes files),
and the three launcher files are copied out. ``gradle/wrapper/gradle-wrapper.properties`` is
bindgen's own (rendered from the version catalog), so the pinned Gradle release is the same
whichever Gradle made the launcher.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bindgen.device import proc
from bindgen.errors import EXIT_FAILED, BindgenError
from bindgen.output import GeneratedFile

#: The files ``gradle wrapper`` makes that bindgen takes (the properties file is bindgen's own).
LAUNCHER_FILES = (
    ("gradlew", True),
    ("gradlew.bat", False),
    ("gradle/wrapper/gradle-wrapper.jar", False),
)
TIMEOUT_S = 600.0


@dataclass(frozen=True)
class WrapperOutcome:
    files: tuple[GeneratedFile, ...]
    gradle: str | None  # the gradle that made them, None when none was found
    message: str


def how_to_add(gradle_version: str | None) -> str:
    """The advice, for the Gradle a project pins (None: the project pins none)."""
    command = f"gradle wrapper --gradle-version {gradle_version}" if gradle_version else "gradle wrapper"
    return (
        f"in an EMPTY folder run `{command}` with any Gradle and "
        "copy its gradlew, gradlew.bat and gradle/wrapper/gradle-wrapper.jar into the project "
        "(in the project itself an old Gradle fails configuring the AGP 9 build), "
        "or open it in Android Studio (it reads gradle/wrapper/gradle-wrapper.properties)"
    )


def find_gradle() -> str | None:
    return shutil.which("gradle")


def make_launcher(gradle_version: str, gradle: str | None = None) -> WrapperOutcome:
    """Run ``gradle wrapper --gradle-version V`` in a scratch folder and return its launcher files."""
    gradle = gradle or find_gradle()
    if gradle is None:
        return WrapperOutcome(
            (), None, f"no `gradle` on PATH, so no gradlew was made: {how_to_add(gradle_version)}"
        )
    with tempfile.TemporaryDirectory(prefix="bindgen-wrapper-") as scratch:
        root = Path(scratch)
        (root / "settings.gradle").write_text("", encoding="utf-8")
        result = proc.run(
            [
                gradle,
                "--no-daemon",
                "--quiet",
                "--project-cache-dir",
                str(root / ".gradle-cache"),
                "wrapper",
                "--gradle-version",
                gradle_version,
                "--distribution-type",
                "bin",
            ],
            cwd=root,
            timeout_s=TIMEOUT_S,
        )
        if not result.ok:
            tail = " ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
            raise BindgenError(
                f"`{gradle} wrapper` failed (exit {result.returncode}): {tail}",
                exit_code=EXIT_FAILED,
                hint=how_to_add(gradle_version),
            )
        files = []
        for rel, executable in LAUNCHER_FILES:
            path = root / rel
            if not path.is_file():
                raise BindgenError(f"`{gradle} wrapper` did not write {rel}", exit_code=EXIT_FAILED)
            files.append(GeneratedFile(rel, path.read_bytes(), executable=executable))
    return WrapperOutcome(tuple(files), gradle, f"gradlew made by {gradle} (runs Gradle {gradle_version})")
