"""Run generated projects' device tests (``app/src/androidTest``) on this JVM.

The tests, the wrapper and the app's sources are compiled by kotlinc against the JVM tier's jars
(``tests/toolchain/jvm.py``: Robolectric's Android with native graphics, the real Support Library
and TFLite Java API, a real TFLite interpreter) and run by ``DeviceTestDriver`` (Java, under
``tests/toolchain/java/src``) with the project's own assets, as AndroidJUnitRunner would run them
on a device. What a device has and this JVM has not (a GPU, NNAPI) makes those tests skip.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

from tests.toolchain import jvm
from tests.toolchain.android import r_source


def _assets_zip(project: Path, out: Path) -> Path:
    """The project's ``app/src/main/assets`` as an APK-style zip (stored entries under assets/)."""
    assets = project / "app/src/main/assets"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for path in sorted(assets.rglob("*")):
            if path.is_file():
                z.write(path, f"assets/{path.relative_to(assets).as_posix()}")
    return out


def _test_classes(project: Path, package: str) -> list[str]:
    sources = sorted((project / "app/src/androidTest").rglob("*Test.kt"))
    return [f"{package}.{p.stem}" for p in sources]


def run_device_tests(projects: list[tuple[Path, str]], work: Path) -> list[dict[str, tuple[str, str]]]:
    """For each (project, package): ``{"Class.method": (PASS|FAIL|SKIP, message)}``.

    Compiles every project's ``main`` (but its activity) and ``androidTest`` Kotlin (and an ``R``
    from its resources) in one kotlinc run; raises ``jvm.HarnessError`` when a step fails.
    """
    jars = jvm.fetch_jars()
    work.mkdir(parents=True, exist_ok=True)
    sources: list[str] = []
    for i, (project, package) in enumerate(projects):
        r_file = work / f"R{i}" / "R.kt"
        r_file.parent.mkdir(parents=True, exist_ok=True)
        r_file.write_text(r_source(project, package), encoding="utf-8")
        sources.append(str(r_file))
        for folder in ("main", "androidTest"):
            found = sorted((project / "app/src" / folder).rglob("*.kt"))
            # Robolectric's instrumented Activity cannot be subclassed at compile time; the
            # activity is compiled against android-all elsewhere (tests/test_android_project.py).
            sources += [str(p) for p in found if p.name != "MainActivity.kt"]
    classes = work / "classes"
    classes.mkdir(exist_ok=True)
    classpath = os.pathsep.join(str(j) for j in jars)
    jvm._run([str(jvm.KOTLINC), "-nowarn", "-jvm-target", "17", "-cp", classpath, "-d", str(classes), *sources],
             "kotlinc (generated projects)")  # fmt: skip
    java = sorted(str(p) for p in (jvm.JVM_DIR / "src").rglob("*.java"))
    jvm._run(["javac", "-nowarn", "-d", str(classes), "-cp", f"{classpath}{os.pathsep}{classes}", *java],
             "javac (tests/toolchain/java)")  # fmt: skip
    cases = work / "device-cases.tsv"
    outs = [work / f"device-results-{i}.tsv" for i in range(len(projects))]
    lines = []
    for i, (project, package) in enumerate(projects):
        assets = _assets_zip(project, work / f"assets-{i}.zip")
        lines.append(f"{assets}\t{','.join(_test_classes(project, package))}\t{outs[i]}\n")
    cases.write_text("".join(lines), encoding="utf-8")
    run_classpath = os.pathsep.join([str(classes), classpath, str(jvm.KOTLIN_STDLIB)])
    done = subprocess.run(
        ["java", *jvm.JAVA_OPTS, f"-Dbindgen.device.cases={cases}", "-Drobolectric.offline=true",
         f"-Drobolectric.dependency.dir={jvm.LIB_DIR / 'lib'}", "-cp", run_classpath,
         "org.junit.runner.JUnitCore", "dev.bindgen.jvmtest.DeviceTestDriver"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    (work / "device-driver.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise jvm.HarnessError(f"DeviceTestDriver failed (log: {work / 'device-driver.log'}):\n{tail}")
    results = []
    for out in outs:
        rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if line]
        results.append({name: (status, message) for name, status, message in rows})
    return results
