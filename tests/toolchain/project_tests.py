"""Run a generated Android project's own tests on this JVM, where that is possible without a device.

The project's Kotlin is compiled exactly as the compile checks do (``android.compile_source_sets``:
each source set against the classpath the project declares). Then, on the JVM tier's runtime
(``jvm.fetch_jars``: Robolectric 4.16.1 with android-all-instrumented 14, the Support Library, and a
real TFLite 2.18 interpreter behind ``tests/toolchain/java/src/org/tensorflow/lite``):

* ``app/src/test``: every class, with plain JUnit (Gradle runs local unit tests without Android);
* ``app/src/androidTest``: ``HostParityTest`` (all of it), ``DelegatesTest#cpu`` and the CPU case
  of ``BenchmarkTest`` (its own ``measure(Device.CPU)``) under Robolectric, with the project's
  ``app/src/main/assets`` packaged stored in an APK-style zip as the application's assets.
  ``Device.kt`` gets its ``Instrumentation`` from ``androidx.test.platform.app.InstrumentationRegistry``
  (``androidx.test:monitor``, on Maven Central), which Robolectric fills in for every test, as
  AndroidJUnitRunner does on a device.

Not run here (:data:`DEVICE_ONLY`): ``DelegatesTest#gpu``, ``#nnapi`` and
``BenchmarkTest#latencyTable`` (it measures all three devices). The GPU delegate needs
``libtensorflowlite_gpu_jni.so``, which ``org.tensorflow:tensorflow-lite-gpu`` ships for Android ABIs
only (``UnsatisfiedLinkError`` here, an ``Error`` the test's ``catch (e: Exception)`` does not take);
NNAPI is an Android system service. No Maven Central artifact provides either on a Linux JVM.
"""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.toolchain.android import compile_source_sets

#: The androidTest cases that need no GPU or NNAPI (``Class`` = all its methods; the CPU case of
#: BenchmarkTest runs through ``ProjectTests$BenchmarkCpu``, which calls its ``measure(Device.CPU)``).
ANDROID_TEST_CASES = ("HostParityTest", "DelegatesTest#cpu")
#: Device-only: no Maven Central artifact can run them on a Linux JVM (see the module docstring).
DEVICE_ONLY = ("DelegatesTest#gpu", "DelegatesTest#nnapi", "BenchmarkTest#latencyTable")


@dataclass(frozen=True)
class Outcome:
    """One test's result: ``passed``, ``failed`` or ``skipped``, and the reason if any."""

    test: str
    status: str
    detail: str


def assets_apk(project: Path, out: Path) -> Path:
    """``app/src/main/assets`` as AGP packages it: stored (never deflated) under ``assets/``."""
    assets = project / "app/src/main/assets"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for path in sorted(assets.rglob("*")):
            if path.is_file():
                z.write(path, f"assets/{path.relative_to(assets).as_posix()}")
    return out


def run_project_tests(project: Path, package: str, work: Path) -> tuple[list[Outcome], str]:
    """Compile ``project``, run its JVM-runnable tests; their outcomes and the full log."""
    from tests.toolchain import jvm

    work.mkdir(parents=True, exist_ok=True)
    compiled = compile_source_sets({project: package}, work / "kotlin")
    lib = jvm.fetch_jars()
    java_out = work / "java"
    java_out.mkdir(exist_ok=True)
    java_src = jvm.JVM_DIR / "src"
    sources = [*sorted((java_src / "org/tensorflow/lite").glob("*.java")),
               java_src / "dev/bindgen/jvmtest/ProjectTests.java"]  # fmt: skip
    jvm._run(["javac", "-nowarn", "-d", str(java_out), "-cp", os.pathsep.join(map(str, lib)), *map(str, sources)],
             "javac (host interpreter and ProjectTests)")  # fmt: skip
    apk = assets_apk(project, work / "assets.apk")
    resources = work / "resources"  # Robolectric's global config, read from the classpath root
    resources.mkdir(exist_ok=True)
    (resources / "robolectric.properties").write_text(
        "sdk=34\napplication=dev.bindgen.jvmtest.ProjectTests$AssetsApplication\n", encoding="utf-8"
    )
    unit = [f"junit:{name}" for name in _classes(project / "app/src/test")]
    device = [f"robolectric:{package}.{case}" for case in ANDROID_TEST_CASES]
    device.append("robolectric:dev.bindgen.jvmtest.ProjectTests$BenchmarkCpu")
    classes = [compiled.classes[name] for name in ("androidTest", "test", "main")]
    classpath = [*classes, java_out, resources, *lib, jvm.KOTLIN_STDLIB]
    done = subprocess.run(
        ["java", *jvm.JAVA_OPTS, "-Drobolectric.offline=true", f"-Drobolectric.dependency.dir={jvm.LIB_DIR / 'lib'}",
         "-Drobolectric.graphicsMode=NATIVE", f"-Dbindgen.project.assets={apk}", f"-Dbindgen.project.package={package}",
         "-cp", os.pathsep.join(map(str, classpath)), "dev.bindgen.jvmtest.ProjectTests", *unit, *device],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    log = done.stdout + done.stderr
    (work / "project-tests.log").write_text(log, encoding="utf-8")
    outcomes = [
        Outcome(m[1], m[2], m[3].strip())
        for m in re.finditer(r"^project-test: (\S+): (passed|failed|skipped)(.*)$", done.stdout, re.MULTILINE)
    ]
    if not outcomes:
        raise AssertionError(f"the project tests did not run (exit {done.returncode}):\n{log[-4000:]}")
    return outcomes, log


def _classes(root: Path) -> list[str]:
    names = []
    for source in sorted(root.rglob("*Test.kt")):
        package = re.search(r"^package ([\w.]+)", source.read_text(encoding="utf-8"), re.MULTILINE)
        assert package, f"{source}: no package line"
        names.append(f"{package[1]}.{source.stem}")
    return names
