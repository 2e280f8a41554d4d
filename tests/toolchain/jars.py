"""Fetch the jars that tests compile generated Kotlin against, at the versions in the catalog.

Reads ``gradle/libs.versions.toml`` (the single source of truth for versions), asks Maven to
copy the listed artifacts (no transitive dependencies: the catalog names every one we need) out
of Maven Central through ``~/.m2``, turns each AAR into its ``classes.jar``, and writes
``classpath.txt`` with one absolute jar path per line. The output directory is replaced only
when everything succeeded.

Usage: python -m tests.toolchain.jars [--catalog PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]

# Catalog keys of the compile classpath, with the packaging each artifact is published in.
# (Other catalog entries, e.g. the Android Gradle plugin, live on Google's Maven and are not
# fetched here.)
CLASSPATH_LIBRARIES: dict[str, str] = {
    "tflite": "aar",
    "tflite-api": "aar",
    "tflite-support": "aar",
    "tflite-support-api": "aar",
    "tflite-gpu": "aar",
    "tflite-gpu-api": "aar",
    "tflite-metadata": "jar",
    "robolectric-android-all": "jar",
    "junit": "jar",
    "hamcrest-core": "jar",
}


@dataclass(frozen=True)
class Artifact:
    group: str
    name: str
    version: str
    packaging: str

    @property
    def file_name(self) -> str:
        return f"{self.name}-{self.version}.{self.packaging}"


def read_catalog(catalog: Path) -> list[Artifact]:
    """The classpath artifacts of ``catalog``, versions resolved through ``[versions]``."""
    data = tomllib.loads(catalog.read_text(encoding="utf-8"))
    versions: dict[str, str] = data.get("versions", {})
    libraries: dict[str, dict[str, object]] = data.get("libraries", {})
    artifacts = []
    for key, packaging in CLASSPATH_LIBRARIES.items():
        if key not in libraries:
            raise SystemExit(f"fetch_jars: {catalog}: [libraries] has no entry {key!r}")
        entry = libraries[key]
        module = str(entry["module"])
        group, _, name = module.partition(":")
        version_field = entry.get("version")
        version = (
            versions[str(version_field["ref"])] if isinstance(version_field, dict) else str(version_field)
        )
        artifacts.append(Artifact(group, name, version, packaging))
    return artifacts


def pom_for(artifacts: list[Artifact]) -> str:
    deps = "\n".join(
        "    <dependency>"
        f"<groupId>{escape(a.group)}</groupId><artifactId>{escape(a.name)}</artifactId>"
        f"<version>{escape(a.version)}</version><type>{escape(a.packaging)}</type>"
        # The catalog pins every artifact itself: resolve none of their own dependencies.
        "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
        "</dependency>"
        for a in artifacts
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>bindgen.tools</groupId><artifactId>classpath</artifactId><version>0</version>\n"
        "  <packaging>pom</packaging>\n"
        f"  <dependencies>\n{deps}\n  </dependencies>\n"
        "</project>\n"
    )


def fetch(artifacts: list[Artifact], out: Path) -> list[Path]:
    """Copy ``artifacts`` into the fresh directory ``out``; return the jar paths in order."""
    with tempfile.TemporaryDirectory(prefix="bindgen-jars-") as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(pom_for(artifacts), encoding="utf-8")
        downloads = work / "downloads"
        command = [
            "mvn", "-q", "-B", "-f", str(work / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={downloads}",
            "-DexcludeTransitive=true",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"fetch_jars: mvn failed (exit {result.returncode})")
        out.mkdir(parents=True)
        jars = []
        for artifact in artifacts:
            source = downloads / artifact.file_name
            if not source.is_file():
                raise SystemExit(f"fetch_jars: mvn did not produce {artifact.file_name}")
            target = out / f"{artifact.name}-{artifact.version}.jar"
            if artifact.packaging == "aar":
                with zipfile.ZipFile(source) as aar:
                    target.write_bytes(aar.read("classes.jar"))
            else:
                shutil.copyfile(source, target)
            jars.append(target)
        return jars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=REPO / "gradle" / "libs.versions.toml")
    parser.add_argument("--out", type=Path, default=REPO / ".tools" / "jars")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    artifacts = read_catalog(args.catalog)
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    jars = fetch(artifacts, staging)
    final = [out / jar.name for jar in jars]
    (staging / "classpath.txt").write_text("".join(f"{p}\n" for p in final), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    print(f"fetch_jars: {len(final)} jars in {out}, listed in classpath.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
