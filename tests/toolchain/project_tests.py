"""Run generated Android projects' own tests on this JVM, where that is possible without a device.

The one harness for them. The projects' Kotlin is compiled exactly as the compile checks do
(``android.compile_source_sets``: each source set against the classpath the projects declare,
resolved transitively; all projects in the same three kotlinc runs). Then, in ONE JVM on the JVM
tier's runtime (``jvm.fetch_jars``: Robolectric 4.16.1 with android-all-instrumented 14 and native
graphics, the Support Library, and a real TFLite interpreter behind
``tests/toolchain/java/src/org/tensorflow/lite``), ``ProjectTests`` runs for each project:

* ``app/src/test``: every class, with plain JUnit (Gradle runs local unit tests without Android);
* ``app/src/androidTest``: every ``*Test`` class, every method, under ``RobolectricTestRunner``
  with the project's ``app/src/main/assets`` packaged stored in an APK-style zip as the
  application's assets. ``Device.kt`` gets its ``Instrumentation`` from
  ``androidx.test.platform.app.InstrumentationRegistry`` (``androidx.test:monitor``), which
  Robolectric fills in for every test, as AndroidJUnitRunner does on a device;
* ``BenchmarkTest``'s CPU case again through ``ProjectTests$BenchmarkCpu``, which calls the
  project's own ``measure(Device.CPU)`` and checks it measured a time (``latencyTable`` passes
  whatever it measured: it reports, it asserts no timing).

Device-only (:data:`DEVICE_ONLY`): the GPU and NNAPI cases are run and skip themselves
(assumption), and their skip reason names what is missing here.
"""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.toolchain.android import compile_source_sets

#: Device-only cases → what their skip reason says this JVM lacks. The GPU delegate's Java classes
#: are in ``org.tensorflow:tensorflow-lite-gpu``, whose native ``libtensorflowlite_gpu_jni.so``
#: exists for Android ABIs only; NNAPI is an Android system service, which the host interpreter
#: (``InterpreterFactoryImpl``) refuses by name. No Maven Central artifact provides either on a Linux JVM.
DEVICE_ONLY = {
    "DelegatesTest#gpu": "no tensorflowlite_gpu_jni in java.library.path",
    "DelegatesTest#nnapi": "NNAPI is not available on the host JVM runtime",
}


@dataclass(frozen=True)
class Outcome:
    """One test's result: ``passed``, ``failed`` or ``skipped``, and the reason if any."""

    test: str  # Class#method, without the package
    status: str
    detail: str


@dataclass(frozen=True)
class ProjectRun:
    """One project's test outcomes (by ``Class#method``) and the whole run's log."""

    outcomes: dict[str, Outcome]
    log: str

    def status(self, test: str) -> str:
        assert test in self.outcomes, (test, sorted(self.outcomes))
        return self.outcomes[test].status


def assets_apk(project: Path, out: Path) -> Path:
    """``app/src/main/assets`` as AGP packages it: stored (never deflated) under ``assets/``."""
    assets = project / "app/src/main/assets"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for path in sorted(assets.rglob("*")):
            if path.is_file():
                z.write(path, f"assets/{path.relative_to(assets).as_posix()}")
    return out


def run_project_tests(projects: dict[Path, str], work: Path) -> dict[Path, ProjectRun]:
    """Compile ``projects`` (folder → package, distinct packages), run their JVM-runnable tests."""
    from tests.toolchain import jvm

    packages = list(projects.values())
    assert len(set(packages)) == len(packages), f"two projects share a package: {packages}"
    work.mkdir(parents=True, exist_ok=True)
    compiled = compile_source_sets(projects, work / "kotlin")
    lib = jvm.fetch_jars()
    java_out = work / "java"
    java_out.mkdir(exist_ok=True)
    java_src = jvm.JVM_DIR / "src"
    sources = [*sorted((java_src / "org/tensorflow/lite").glob("*.java")),
               java_src / "dev/bindgen/jvmtest/ProjectTests.java"]  # fmt: skip
    jvm._run(["javac", "-nowarn", "-d", str(java_out), "-cp", os.pathsep.join(map(str, lib)), *map(str, sources)],
             "javac (host interpreter and ProjectTests)")  # fmt: skip
    resources = work / "resources"  # Robolectric's global config, read from the classpath root
    resources.mkdir(exist_ok=True)
    (resources / "robolectric.properties").write_text(
        "sdk=34\napplication=dev.bindgen.jvmtest.ProjectTests$AssetsApplication\n", encoding="utf-8"
    )
    args: list[str] = []
    for i, (folder, package) in enumerate(projects.items()):
        apk = assets_apk(folder, work / f"assets-{i}.apk")
        args.append(f"project:{package}={apk}")
        args += [f"junit:{name}" for name in _classes(folder / "app/src/test")]
        args += [f"robolectric:{name}" for name in _classes(folder / "app/src/androidTest")]
        args.append("robolectric:dev.bindgen.jvmtest.ProjectTests$BenchmarkCpu")
    classes = [compiled.classes[name] for name in ("androidTest", "test", "main")]
    classpath = [*classes, java_out, resources, *lib, jvm.KOTLIN_STDLIB]
    done = subprocess.run(
        ["java", *jvm.JAVA_OPTS, "-Drobolectric.offline=true", f"-Drobolectric.dependency.dir={jvm.LIB_DIR / 'lib'}",
         "-Drobolectric.graphicsMode=NATIVE", "-cp", os.pathsep.join(map(str, classpath)),
         "dev.bindgen.jvmtest.ProjectTests", *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    log = done.stdout + done.stderr
    (work / "project-tests.log").write_text(log, encoding="utf-8")
    found = re.findall(r"^project-test: (\S+)#(\S+): (passed|failed|skipped)(.*)$", done.stdout, re.MULTILINE)
    if not found:
        raise AssertionError(f"the project tests did not run (exit {done.returncode}):\n{log[-4000:]}")
    runs = {}
    for folder, package in projects.items():
        outcomes = {}
        for cls, method, status, detail in found:
            if cls.rpartition(".")[0] == package:
                test = f"{cls.rpartition('.')[2]}#{method}"
                outcomes[test] = Outcome(test, status, detail.strip())
        assert outcomes, f"no test of {package} ran:\n{log[-4000:]}"
        runs[folder] = ProjectRun(outcomes, log)
    return runs


def _classes(root: Path) -> list[str]:
    names = []
    for source in sorted(root.rglob("*Test.kt")):
        package = re.search(r"^package ([\w.]+)", source.read_text(encoding="utf-8"), re.MULTILINE)
        assert package, f"{source}: no package line"
        names.append(f"{package[1]}.{source.stem}")
    return names
