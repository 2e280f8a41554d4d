"""The one place that resolves jars: the classpath a generated Android project declares.

Generated Kotlin is compiled against what the user's Gradle build would put on its classpath, not
against a list picked here:

1. :func:`declared_dependencies` reads the project's ``app/build.gradle.kts`` ``dependencies { }``
   block and resolves each ``libs.…`` alias through the project's own ``gradle/libs.versions.toml``.
2. :data:`CENTRAL_TWINS` maps each Google-Maven-only coordinate (LiteRT) to the Maven Central
   artifact that carries the same classes; its versions come from bindgen's catalog.
3. :func:`resolve` walks the POMs the way Gradle reads them: transitively, ``compile`` scope for a
   compile classpath (``compile`` + ``runtime`` for a runtime one), optional dependencies skipped,
   exclusions honoured, the highest requested version of a module wins, and the artifact's extension
   comes from the dependency's own ``<packaging>`` (the ``org.tensorflow:tensorflow-lite*`` POMs say
   ``jar`` for artifacts published as AAR, and pin conflicting exact ranges, which is why plain
   ``mvn dependency:copy-dependencies`` cannot resolve them). POMs and artifacts come from
   ``~/.m2``; whatever is missing there is downloaded from Maven Central by ``mvn`` (a generated POM
   whose dependencies exclude everything, so Maven only fetches). An AAR becomes its
   ``classes.jar`` (plus any ``libs/*.jar`` inside it), as AGP does.
4. Each resolution is cached in ``~/.cache/bindgen/classpath/<key>.json``, keyed on the requested
   coordinates, the scopes and this file's source, so a repeat run starts no JVM.

A declared coordinate that neither Maven Central nor the twin table can supply is reported in
:attr:`Classpath.unavailable`; the tests then prove that no source of that source set imports its
packages (the group id).

Usage: python -m tests.toolchain.jars [PROJECT]   (warms the cache for PROJECT, default
android-sample/: every source set's compile classpath and the unit tests' runtime classpath)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar
from xml.sax.saxutils import escape

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "gradle" / "libs.versions.toml"
M2 = Path.home() / ".m2" / "repository"
CACHE = Path.home() / ".cache" / "bindgen" / "classpath"

#: Google-Maven-only module → (its Maven Central twin, the ``[versions]`` key of bindgen's catalog
#: that pins the twin). Nothing else is substituted; every other coordinate is resolved as declared.
CENTRAL_TWINS: dict[str, tuple[str, str]] = {
    # LiteRT 1.x is TensorFlow Lite renamed: `litert` ships the same org.tensorflow.lite
    # Interpreter/InterpreterApi classes as `tensorflow-lite` (2.16.1 is the last release on Central;
    # 2.17.0 there is an empty relocation POM pointing back to com.google.ai.edge.litert).
    "com.google.ai.edge.litert:litert": ("org.tensorflow:tensorflow-lite", "tflite"),
    # The GPU delegate (org.tensorflow.lite.gpu.GpuDelegate, CompatibilityList), renamed the same way.
    "com.google.ai.edge.litert:litert-gpu": ("org.tensorflow:tensorflow-lite-gpu", "tfliteGpu"),
    # GpuDelegateFactory.Options and the delegate API classes; Central stops at 2.14.0.
    "com.google.ai.edge.litert:litert-gpu-api": ("org.tensorflow:tensorflow-lite-gpu-api", "tfliteGpuApi"),
    # The Support Library (org.tensorflow.lite.support.{image,common,label,tensorbuffer}), moved
    # from tflite-support 0.4.4 into the LiteRT repository unchanged.
    "com.google.ai.edge.litert:litert-support": ("org.tensorflow:tensorflow-lite-support", "tfliteSupport"),
    # org.tensorflow.lite.support.metadata.MetadataExtractor, from the same tflite-support tree.
    "com.google.ai.edge.litert:litert-metadata": ("org.tensorflow:tensorflow-lite-metadata", "tfliteSupport"),
}

#: Gradle configuration → the source sets whose compile classpath it feeds.
SOURCE_SETS: dict[str, tuple[str, ...]] = {
    "main": ("implementation",),
    "test": ("implementation", "testImplementation"),
    "androidTest": ("implementation", "androidTestImplementation"),
}
COMPILE = frozenset({"compile"})
RUNTIME = frozenset({"compile", "runtime"})


class ResolveError(Exception):
    """A declaration, a POM or a download that the resolver cannot handle; the message says which."""


@dataclass(frozen=True, order=True)
class Coordinate:
    group: str
    name: str
    version: str

    @property
    def module(self) -> str:
        return f"{self.group}:{self.name}"

    def __str__(self) -> str:
        return f"{self.group}:{self.name}:{self.version}"


@dataclass(frozen=True)
class Classpath:
    """A resolved classpath: jars in resolution order, the artifacts behind them, what was missing."""

    jars: tuple[Path, ...]
    artifacts: tuple[Coordinate, ...]
    #: Declared coordinates with neither a Maven Central artifact nor a twin.
    unavailable: tuple[Coordinate, ...] = ()

    def __add__(self, other: Classpath) -> Classpath:
        return Classpath(
            _unique(self.jars + other.jars), _unique(self.artifacts + other.artifacts),
            _unique(self.unavailable + other.unavailable),
        )  # fmt: skip


T = TypeVar("T")


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


# --- what the project declares -----------------------------------------------------------------


def catalog_versions(catalog: Path = CATALOG) -> dict[str, str]:
    return {k: str(v) for k, v in tomllib.loads(catalog.read_text(encoding="utf-8"))["versions"].items()}


def _library(catalog: dict[str, object], alias: str, where: Path) -> Coordinate:
    """A ``libs.a.b`` accessor → its coordinate (Gradle normalises ``-``, ``_`` and ``.`` in aliases)."""
    libraries = catalog.get("libraries", {})
    versions = catalog.get("versions", {})
    assert isinstance(libraries, dict) and isinstance(versions, dict)
    by_accessor = {re.sub(r"[-_.]", ".", key): key for key in libraries}
    if alias not in by_accessor:
        raise ResolveError(f"{where}: libs.{alias} is not in the catalog's [libraries]")
    entry = libraries[by_accessor[alias]]
    group, name = str(entry["module"]).split(":")
    version = entry.get("version")
    if isinstance(version, dict):
        version = versions[version["ref"]]
    return Coordinate(group, name, str(version))


def declared_dependencies(project: Path) -> dict[str, list[Coordinate]]:
    """Configuration → coordinates, from ``app/build.gradle.kts`` and ``gradle/libs.versions.toml``."""
    build_file = project / "app" / "build.gradle.kts"
    catalog_file = project / "gradle" / "libs.versions.toml"
    build = build_file.read_text(encoding="utf-8")
    catalog = tomllib.loads(catalog_file.read_text(encoding="utf-8"))
    block = re.search(r"^dependencies \{\n(.*?)^\}", build, re.MULTILINE | re.DOTALL)
    if block is None:
        raise ResolveError(f"{build_file}: no top-level dependencies {{ }} block")
    declared: dict[str, list[Coordinate]] = {}
    for line in block[1].splitlines():
        line = line.split("//")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"(\w+)\(\s*(?:libs\.([\w.]+)|\"([^\"]+)\")\s*\)", line)
        if match is None:
            raise ResolveError(f"{build_file}: cannot read the dependency line {line!r}")
        if match[2]:
            coordinate = _library(catalog, match[2], catalog_file)
        else:
            group, name, version = match[3].split(":")
            coordinate = Coordinate(group, name, version)
        declared.setdefault(match[1], []).append(coordinate)
    return declared


def central_twin(coordinate: Coordinate, versions: dict[str, str]) -> Coordinate:
    """The Maven Central coordinate that stands in for ``coordinate`` (itself when not in the table)."""
    if coordinate.module not in CENTRAL_TWINS:
        return coordinate
    module, pin = CENTRAL_TWINS[coordinate.module]
    group, name = module.split(":")
    return Coordinate(group, name, versions[pin])


def android_all(versions: dict[str, str] | None = None) -> Coordinate:
    """Robolectric's android-all: the real framework classes of the compileSdk, in place of android.jar."""
    return Coordinate("org.robolectric", "android-all", (versions or catalog_versions())["robolectricAndroidAll"])


def kotlin_stdlib(project: Path) -> Coordinate:
    """The stdlib the Kotlin Gradle plugin adds to every Kotlin source set: the catalog's Kotlin version."""
    version = catalog_versions(project / "gradle" / "libs.versions.toml")["kotlin"]
    return Coordinate("org.jetbrains.kotlin", "kotlin-stdlib", version)


def source_set_classpath(project: Path, source_set: str, *, runtime: bool = False) -> Classpath:
    """The classpath Gradle would give ``source_set`` of ``project``'s app module.

    Compile: the source set's configurations resolved for compilation, plus ``android-all`` standing
    in for ``android.jar``. Runtime (local unit tests): compile + runtime scopes and no Android
    classes (Gradle runs unit tests against ``android.jar`` stubs that throw on every call). Both
    include the Kotlin stdlib that the Kotlin plugin adds.
    """
    versions = catalog_versions()
    declared = declared_dependencies(project)
    roots = [central_twin(c, versions) for config in SOURCE_SETS[source_set] for c in declared.get(config, [])]
    roots.append(kotlin_stdlib(project))
    if not runtime:
        roots.append(android_all(versions))
    return resolve(roots, RUNTIME if runtime else COMPILE)


# --- Maven: POMs and artifacts in ~/.m2, fetched from Central when missing ---------------------


def _path(c: Coordinate, extension: str) -> Path:
    return M2 / c.group.replace(".", "/") / c.name / c.version / f"{c.name}-{c.version}.{extension}"


def _fetch(items: Sequence[tuple[Coordinate, str]]) -> set[Coordinate]:
    """Download ``(coordinate, extension)`` pairs into ``~/.m2`` with one ``mvn`` run; the ones Central lacks."""
    wanted = [(c, ext) for c, ext in items if not _path(c, ext).is_file()]
    if not wanted:
        return set()
    deps = "\n".join(
        f"<dependency><groupId>{escape(c.group)}</groupId><artifactId>{escape(c.name)}</artifactId>"
        f"<version>{escape(c.version)}</version><type>{escape(ext)}</type>"
        "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
        "</dependency>"
        for c, ext in dict.fromkeys(wanted)
    )
    pom = (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>bindgen.tests</groupId><artifactId>fetch</artifactId><version>0</version>"
        f"<packaging>pom</packaging><dependencies>{deps}</dependencies></project>\n"
    )
    with tempfile.TemporaryDirectory(prefix="bindgen-fetch-") as tmp:
        (Path(tmp) / "pom.xml").write_text(pom, encoding="utf-8")
        done = subprocess.run(
            ["mvn", "-B", "-f", str(Path(tmp) / "pom.xml"), "dependency:resolve"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    missing = {c for c, ext in wanted if not _path(c, ext).is_file()}
    if not missing:
        return set()
    if len(wanted) > 1:  # one 404 can stop the batch: find out which ones Central really lacks
        return {c for c, ext in wanted if not _path(c, ext).is_file() and _fetch([(c, ext)])}
    if "Could not find artifact" not in done.stdout and "was not found" not in done.stdout:
        raise ResolveError(f"mvn could not fetch {wanted[0][0]} (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return missing


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [e for e in element if _strip(e.tag) == name]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: ET.Element | None, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None or child.text is None else child.text.strip()


@dataclass
class _Dependency:
    group: str
    name: str
    version: str | None
    scope: str | None
    optional: bool
    classifier: str | None
    type: str
    exclusions: frozenset[tuple[str, str]]


@dataclass
class _Pom:
    coordinate: Coordinate
    packaging: str
    properties: dict[str, str]
    dependencies: list[_Dependency]
    management: dict[str, _Dependency] = field(default_factory=dict)


def _dependency(element: ET.Element) -> _Dependency:
    exclusions = frozenset(
        (_text(e, "groupId") or "*", _text(e, "artifactId") or "*")
        for e in _children(_child(element, "exclusions"), "exclusion")
    )
    return _Dependency(
        _text(element, "groupId") or "", _text(element, "artifactId") or "", _text(element, "version"),
        _text(element, "scope"), (_text(element, "optional") or "false") == "true",
        _text(element, "classifier"), _text(element, "type") or "jar", exclusions,
    )  # fmt: skip


@cache
def _pom(c: Coordinate) -> _Pom:
    """The effective POM of ``c``: parents' properties, dependencies and management merged in."""
    path = _path(c, "pom")
    if not path.is_file() and _fetch([(c, "pom")]):
        raise ResolveError(f"{c}: no POM on Maven Central")
    root = ET.parse(path).getroot()
    parent = _child(root, "parent")
    inherited: _Pom | None = None
    if parent is not None:
        inherited = _pom(Coordinate(_text(parent, "groupId") or "", _text(parent, "artifactId") or "",
                                    _text(parent, "version") or ""))  # fmt: skip
    properties = dict(inherited.properties) if inherited else {}
    for prop in _child(root, "properties") or []:
        properties[_strip(prop.tag)] = (prop.text or "").strip()
    properties.update({
        "project.groupId": c.group, "pom.groupId": c.group, "groupId": c.group,
        "project.artifactId": c.name, "project.version": c.version, "pom.version": c.version,
        "version": c.version,
    })  # fmt: skip
    if inherited:
        properties["project.parent.version"] = inherited.coordinate.version
        properties["project.parent.groupId"] = inherited.coordinate.group

    def interpolate(value: str | None) -> str | None:
        for _ in range(10):
            if value is None or "${" not in value:
                return value
            value = re.sub(r"\$\{([^}]+)\}", lambda m: properties.get(m[1], m[0]), value)
        return value

    def resolved(element: ET.Element) -> _Dependency:
        d = _dependency(element)
        d.group, d.name = interpolate(d.group) or "", interpolate(d.name) or ""
        d.version, d.scope, d.classifier = interpolate(d.version), interpolate(d.scope), interpolate(d.classifier)
        return d

    management = dict(inherited.management) if inherited else {}
    for element in _children(_child(_child(root, "dependencyManagement"), "dependencies"), "dependency"):
        d = resolved(element)
        if d.scope == "import" and d.type == "pom" and d.version:
            for key, value in _pom(Coordinate(d.group, d.name, d.version)).management.items():
                management.setdefault(key, value)
        else:
            management[f"{d.group}:{d.name}"] = d
    dependencies = list(inherited.dependencies) if inherited else []
    for element in _children(_child(root, "dependencies"), "dependency"):
        d = resolved(element)
        managed = management.get(f"{d.group}:{d.name}")
        if managed is not None:
            d.version = d.version or managed.version
            d.scope = d.scope or managed.scope
            d.exclusions = d.exclusions | managed.exclusions
        dependencies.append(d)
    packaging = interpolate(_text(root, "packaging")) or "jar"
    return _Pom(c, packaging, properties, dependencies, management)


def _exact(version: str, where: Coordinate) -> str:
    """A POM version: plain, or an exact range (``[0.4.4]``, ``[2.13.0,2.13.0]``)."""
    if not version.startswith(("[", "(")):
        return version
    bounds = version.strip("[]()").split(",")
    if version.startswith("[") and version.endswith("]") and len(set(b.strip() for b in bounds)) == 1:
        return bounds[0].strip()
    raise ResolveError(f"{where}: version range {version!r} is not supported (only exact ranges)")


def version_key(version: str) -> tuple[tuple[float, int, str], ...]:
    """Order versions as Gradle does in the usual cases: numeric parts numerically, a qualifier
    (``-beta1``, ``-rc1``) below the release it qualifies, and below any further numeric part."""
    parts = [(1.0, int(p), "") if p.isdigit() else (0.0, 0, p) for p in re.split(r"[.\-+]", version)]
    return (*parts, (0.5, 0, ""))


def _extension(packaging: str) -> str | None:
    """The artifact a POM's ``<packaging>`` stands for (``pom``: none, only its dependencies)."""
    return {"pom": None, "aar": "aar"}.get(packaging, "jar")


# --- resolution ---------------------------------------------------------------------------------


def _walk(roots: Sequence[Coordinate], scopes: frozenset[str], selected: dict[str, str],
          missing_roots: set[Coordinate]) -> tuple[list[str], dict[str, list[str]]]:  # fmt: skip
    """One breadth-first pass with the current selection: modules in order, versions requested."""
    order: list[str] = []
    requested: dict[str, list[str]] = {}
    queue: list[tuple[Coordinate, frozenset[tuple[str, str]]]] = [(r, frozenset()) for r in roots]
    for root in roots:
        requested.setdefault(root.module, []).append(root.version)
    visited: set[str] = set()
    while queue:
        node, excluded = queue.pop(0)
        if node.module in visited:
            continue
        visited.add(node.module)
        current = Coordinate(node.group, node.name, selected.get(node.module, node.version))
        if current in missing_roots:
            continue
        order.append(node.module)
        for d in _pom(current).dependencies:
            scope = d.scope or "compile"
            if d.optional or scope not in scopes:
                continue
            if {(d.group, d.name), (d.group, "*"), ("*", "*")} & excluded:
                continue
            if d.version is None:
                raise ResolveError(f"{current}: no version for its dependency {d.group}:{d.name}")
            if d.classifier:
                raise ResolveError(f"{current}: classifier dependencies are not supported ({d.group}:{d.name})")
            child = Coordinate(d.group, d.name, _exact(d.version, current))
            requested.setdefault(child.module, []).append(child.version)
            queue.append((child, excluded | d.exclusions))
    return order, requested


def _classes_jars(aar: Path, c: Coordinate) -> list[Path]:
    """An AAR's ``classes.jar`` and ``libs/*.jar``, extracted once under the cache."""
    out = CACHE / "aar" / c.group / f"{c.name}-{c.version}"
    if not out.is_dir():  # extracted into a scratch folder, then renamed: readers never see half a jar
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        with zipfile.ZipFile(aar) as z:
            for name in z.namelist():
                if name == "classes.jar" or re.fullmatch(r"libs/[^/]+\.jar", name):
                    (scratch / name.replace("/", "-")).write_bytes(z.read(name))
        try:
            scratch.rename(out)
        except OSError:  # another process got there first
            shutil.rmtree(scratch, ignore_errors=True)
    return sorted(out.glob("*.jar"), key=lambda p: (p.name != "classes.jar", p.name))


def resolve(roots: Sequence[Coordinate], scopes: frozenset[str] = COMPILE) -> Classpath:
    """``roots`` resolved transitively from Maven Central (cached; see the module docstring)."""
    key_source = json.dumps([[str(r) for r in roots], sorted(scopes), _source_digest()])
    key = hashlib.sha256(key_source.encode()).hexdigest()[:24]
    cached = CACHE / f"{key}.json"
    if cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        jars = tuple(Path(p) for p in data["jars"])
        if all(p.is_file() for p in jars):
            return Classpath(jars, tuple(Coordinate(*a) for a in data["artifacts"]),
                             tuple(Coordinate(*a) for a in data["unavailable"]))  # fmt: skip
    missing_roots = _fetch([(r, "pom") for r in roots])
    selected: dict[str, str] = {}
    for _ in range(20):
        order, requested = _walk(roots, scopes, selected, missing_roots)
        newest = {m: max(vs, key=version_key) for m, vs in requested.items()}
        if all(selected.get(m) == newest[m] for m in order):
            break
        selected = newest
    else:
        raise ResolveError(f"version selection did not settle for {[str(r) for r in roots]}")
    artifacts = [Coordinate(*m.split(":"), selected[m]) for m in order]
    wanted = [(c, ext) for c in artifacts if (ext := _extension(_pom(c).packaging))]
    if lost := _fetch(wanted):
        raise ResolveError(f"Maven Central has the POM but not the artifact of {sorted(map(str, lost))}")
    jars: list[Path] = []
    for c, ext in wanted:
        jars += _classes_jars(_path(c, ext), c) if ext == "aar" else [_path(c, ext)]
    result = Classpath(tuple(jars), tuple(artifacts), tuple(sorted(missing_roots)))
    CACHE.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{key}.", dir=CACHE)
    os.close(handle)
    staging = Path(name)
    staging.write_text(json.dumps({
        "roots": [str(r) for r in roots], "scopes": sorted(scopes), "jars": [str(p) for p in result.jars],
        "artifacts": [[c.group, c.name, c.version] for c in result.artifacts],
        "unavailable": [[c.group, c.name, c.version] for c in result.unavailable],
    }, indent=1), encoding="utf-8")  # fmt: skip
    staging.replace(cached)
    return result


@cache
def _source_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("project", type=Path, nargs="?", default=REPO / "android-sample")
    args = parser.parse_args(argv)
    try:
        for source_set in SOURCE_SETS:
            classpath = source_set_classpath(args.project, source_set)
            print(f"jars: {source_set}: {len(classpath.jars)} jars from {len(classpath.artifacts)} artifacts"
                  + (f"; not on Maven Central: {', '.join(map(str, classpath.unavailable))}"
                     if classpath.unavailable else ""))  # fmt: skip
        print(f"jars: test runtime: {len(source_set_classpath(args.project, 'test', runtime=True).jars)} jars")
    except ResolveError as error:
        print(f"jars: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
