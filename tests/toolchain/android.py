"""Compile the Kotlin of generated Android projects here, without the Android SDK.

AGP would generate ``R`` from ``app/src/main/res``; :func:`r_source` does the same for the three
resource kinds the templates use (ids, layouts, strings, drawables), read from the generated
resource files, so a reference to a resource that is not there fails to compile, as in Gradle.
"""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_ANDROID = "{http://schemas.android.com/apk/res/android}"


def r_source(project: Path, package: str) -> str:
    """Kotlin ``R`` with one constant per resource of ``project``'s app module."""
    res = project / "app/src/main/res"
    kinds: dict[str, set[str]] = {"id": set(), "layout": set(), "string": set(), "drawable": set()}
    for layout in sorted((res / "layout").glob("*.xml")):
        kinds["layout"].add(layout.stem)
        for element in ET.parse(layout).iter():
            ref = element.get(f"{_ANDROID}id", "")
            if ref.startswith("@+id/"):
                kinds["id"].add(ref[5:])
    for drawable in sorted((res / "drawable").glob("*")):
        kinds["drawable"].add(drawable.stem)
    for values in sorted((res / "values").glob("*.xml")):
        kinds["string"] |= {e.get("name", "") for e in ET.parse(values).iter("string")}
    lines = [f"package {package}", "", "object R {"]
    number = 0x7F010000
    for kind, names in kinds.items():
        lines.append(f"    object {kind} {{")
        for name in sorted(names):
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"bad resource name {name!r}"
            number += 1
            lines.append(f"        const val {name}: Int = {number}")
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def kotlin_sources(project: Path) -> list[Path]:
    """Every Kotlin file of the project's app module: main, test and androidTest."""
    return sorted((project / "app/src").rglob("*.kt"))


def unit_test_classes(project: Path) -> list[str]:
    """The class names of the project's local unit tests (``app/src/test``), one per file."""
    names = []
    for source in sorted((project / "app/src/test").rglob("*Test.kt")):
        package = re.search(r"^package ([\w.]+)", source.read_text(encoding="utf-8"), re.MULTILINE)
        assert package, f"{source}: no package line"
        names.append(f"{package[1]}.{source.stem}")
    return names


def source_set_files(project: Path, source_set: str) -> list[Path]:
    """The Kotlin files of one source set of the app module (``main``, ``test``, ``androidTest``)."""
    return sorted((project / "app/src" / source_set).rglob("*.kt"))


@dataclass(frozen=True)
class CompiledProjects:
    """Where :func:`compile_source_sets` put each source set's classes, and what it could not resolve."""

    classes: dict[str, Path]
    #: source set → declared coordinates with no Maven Central artifact or twin (named in the output).
    unavailable: dict[str, tuple[str, ...]]


def compile_source_sets(projects: dict[Path, str], out: Path) -> CompiledProjects:
    """Compile ``projects`` (folder → package) as Gradle would, one kotlinc run per source set.

    ``main`` against its ``implementation`` classpath, ``test`` against implementation +
    testImplementation, ``androidTest`` against implementation + androidTestImplementation, each with
    android-all for ``android.jar`` and ``main``'s classes as a friend (``internal`` is visible), all
    resolved from the project's own build file and catalog (``tests.toolchain.jars``). The projects
    must declare the same classpaths (they come from one template) and compile in the same runs.
    A declared coordinate that Maven Central cannot supply is reported, after checking that no source
    of that source set imports its group's packages (else the compile would prove nothing about it).
    """
    from tests.toolchain import compile_kotlin
    from tests.toolchain.jars import source_set_classpath

    classes: dict[str, Path] = {}
    unavailable: dict[str, tuple[str, ...]] = {}
    for source_set in ("main", "test", "androidTest"):
        groups: dict[tuple[Path, ...], list[Path]] = {}
        missing: set[str] = set()
        for folder, package in projects.items():
            classpath = source_set_classpath(folder, source_set)
            files = source_set_files(folder, source_set)
            for coordinate in classpath.unavailable:
                missing.add(str(coordinate))
                for source in files:
                    imports = re.findall(rf"^import ({re.escape(coordinate.group)}\.\S+)",
                                         source.read_text(encoding="utf-8"), re.MULTILINE)  # fmt: skip
                    assert not imports, f"{source} imports {imports} from {coordinate}, which nothing resolves"
            if source_set == "main":
                r_file = out / "r" / folder.name / "R.kt"  # what AGP would generate from app/src/main/res
                r_file.parent.mkdir(parents=True, exist_ok=True)
                r_file.write_text(r_source(folder, package), encoding="utf-8")
                files.append(r_file)
            groups.setdefault(classpath.jars, []).extend(files)
        unavailable[source_set] = tuple(sorted(missing))
        if len(groups) != 1:  # one template, one dependency block: anything else is a generator change
            raise AssertionError(f"the projects declare {len(groups)} different {source_set} classpaths")
        ((jars, files),) = groups.items()
        friends = [classes["main"]] if source_set != "main" else []
        classes[source_set] = out / source_set
        compile_kotlin(files, classes[source_set], classpath=[*friends, *jars], friend_paths=friends)
    return CompiledProjects(classes, unavailable)


def run_unit_tests(project: Path, classes: Sequence[Path], test_classes: list[str]) -> str:
    """Run compiled local unit tests with JUnit 4 on this JVM; their output, or AssertionError.

    The classpath is the ``test`` runtime classpath ``project`` declares (resolved, compile + runtime
    scopes) and no Android classes at all: Gradle runs local unit tests against android.jar stubs,
    which throw on every call, so a test that passes here cannot depend on framework behaviour either.
    """
    from tests.toolchain.jars import source_set_classpath

    jars = source_set_classpath(project, "test", runtime=True).jars
    classpath = os.pathsep.join(str(p) for p in [*classes, *jars])
    command = ["java", "-cp", classpath, "org.junit.runner.JUnitCore", *test_classes]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or "\nOK (" not in result.stdout:
        raise AssertionError(f"JUnit failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout
