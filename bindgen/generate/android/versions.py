"""The pinned Android toolchain, read from the repo's ``gradle/libs.versions.toml``.

That catalog is the single source of truth: the generated project's own catalog is rendered
from it, and the compile checks in ``tests/`` read it too. :func:`check_compatible` refuses a
combination that the Android Gradle plugin's release notes say cannot work, so a bad bump fails
in ``make test`` instead of in an engineer's Android Studio.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bindgen.errors import BindgenError
from bindgen.resources import version_catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: AGP minor → (minimum Gradle, highest compileSdk, minimum JDK), from the "Compatibility" table
#: of each release's notes on developer.android.com/build/releases/ (agp-9-0-0, agp-9-1-0,
#: agp-9-2-0 release notes; checked 2026, see docs/android-project.md).
AGP_COMPATIBILITY: dict[tuple[int, int], tuple[tuple[int, ...], int, int]] = {
    (9, 0): ((9, 1, 0), 36, 17),
    (9, 1): ((9, 3, 1), 36, 17),
    (9, 2): ((9, 4, 1), 36, 17),
}
#: AGP 9 has a runtime dependency on KGP 2.2.10 and upgrades anything older to it.
MIN_KOTLIN = (2, 2, 10)

#: The ``[versions]`` keys the Android project needs (others in the catalog are left alone).
REQUIRED_KEYS = (
    "agp",
    "gradle",
    "jdk",
    "kotlin",
    "compileSdk",
    "targetSdk",
    "minSdk",
    "litert",
    "androidxTestRunner",
    "junit",
)


def catalog_path() -> Path:
    """``gradle/libs.versions.toml``, shipped in the wheel or in the checkout (:mod:`bindgen.resources`)."""
    return version_catalog()


def parse_version(text: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        raise BindgenError(f"version {text!r} is not a plain release number", where=catalog_path())
    return tuple(int(p) for p in text.split("."))


@dataclass(frozen=True)
class AndroidVersions:
    agp: str
    gradle: str
    jdk: int
    kotlin: str
    compile_sdk: int
    target_sdk: int
    min_sdk: int
    litert: str
    androidx_test_runner: str
    junit: str


def load_catalog(path: Path | None = None) -> dict[str, Any]:
    path = path or catalog_path()
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise BindgenError("the version catalog is missing", where=path) from None
    except tomllib.TOMLDecodeError as error:
        raise BindgenError(f"the version catalog does not parse: {error}", where=path) from None


def load_versions(path: Path | None = None) -> AndroidVersions:
    catalog = load_catalog(path)
    versions = catalog.get("versions", {})
    missing = [k for k in REQUIRED_KEYS if k not in versions]
    if missing:
        raise BindgenError(f"[versions] lacks {', '.join(missing)}", where=path or catalog_path())
    v = {k: str(versions[k]) for k in REQUIRED_KEYS}
    result = AndroidVersions(
        agp=v["agp"],
        gradle=v["gradle"],
        jdk=int(v["jdk"]),
        kotlin=v["kotlin"],
        compile_sdk=int(v["compileSdk"]),
        target_sdk=int(v["targetSdk"]),
        min_sdk=int(v["minSdk"]),
        litert=v["litert"],
        androidx_test_runner=v["androidxTestRunner"],
        junit=v["junit"],
    )
    check_compatible(result)
    return result


def check_compatible(v: AndroidVersions) -> None:
    """Raise unless AGP / Gradle / JDK / Kotlin / SDK levels form a documented combination."""
    agp = parse_version(v.agp)
    row = AGP_COMPATIBILITY.get((agp[0], agp[1])) if len(agp) >= 2 else None
    if row is None:
        known = ", ".join(f"{a}.{b}" for a, b in AGP_COMPATIBILITY)
        raise BindgenError(
            f"AGP {v.agp} has no compatibility row (known: {known}); add one from its release notes"
        )
    min_gradle, max_api, min_jdk = row
    if parse_version(v.gradle) < min_gradle:
        raise BindgenError(
            f"AGP {v.agp} needs Gradle >= {'.'.join(map(str, min_gradle))}, catalog pins {v.gradle}"
        )
    if v.compile_sdk > max_api:
        raise BindgenError(f"AGP {v.agp} supports compileSdk up to {max_api}, catalog pins {v.compile_sdk}")
    if v.jdk < min_jdk:
        raise BindgenError(f"AGP {v.agp} needs JDK >= {min_jdk}, catalog pins {v.jdk}")
    if parse_version(v.kotlin) < MIN_KOTLIN:
        raise BindgenError(f"AGP 9 built-in Kotlin needs KGP >= 2.2.10, catalog pins {v.kotlin}")
    if not v.min_sdk <= v.target_sdk <= v.compile_sdk:
        raise BindgenError("the catalog needs minSdk <= targetSdk <= compileSdk")
