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


def run_unit_tests(classes: Path, test_classes: list[str]) -> str:
    """Run compiled local unit tests with JUnit 4 on this JVM; their output, or AssertionError.

    The classpath has JUnit, the Kotlin stdlib and the TFLite Java APIs, and no Android classes
    at all: Gradle runs local unit tests against android.jar stubs, which throw on every call, so
    a test that passes here cannot depend on framework behaviour either.
    """
    from tests.toolchain import compile_classpath, kotlinc

    wanted = ("junit-", "hamcrest-core-", "tensorflow-lite-api-", "tensorflow-lite-support-api-")
    jars = [j for j in compile_classpath() if j.name.startswith(wanted)]
    stdlib = kotlinc().parent.parent / "lib" / "kotlin-stdlib.jar"
    classpath = os.pathsep.join(str(p) for p in [classes, *jars, stdlib])
    command = ["java", "-cp", classpath, "org.junit.runner.JUnitCore", *test_classes]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or "\nOK (" not in result.stdout:
        raise AssertionError(f"JUnit failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout
