"""Compile the Kotlin of generated Android projects here, without the Android SDK.

AGP would generate ``R`` from ``app/src/main/res``; :func:`r_source` does the same for the three
resource kinds the templates use (ids, layouts, strings, drawables), read from the generated
resource files, so a reference to a resource that is not there fails to compile, as in Gradle.
"""

from __future__ import annotations

import re
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
