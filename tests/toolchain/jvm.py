"""Run generated Kotlin wrappers on the JVM and compare them with ``bindgen run`` (the host twin).

What runs is real: models from the real TFLite converter (``tests.toolchain.models.build``), annotated by
``bindgen annotate``, wrappers rendered by ``bindgen.generate.kotlin`` and compiled by kotlinc, the real
TFLite Support Library 0.4.4 and tensorflow-lite-api 2.16.1 Java, Android framework code from
Robolectric (native graphics: real ``Bitmap``/``BitmapFactory``), and a real TFLite interpreter
(TFLite 2.18 C API for linux-x86_64, plugged in as tensorflow-lite-api's application runtime by
``tests/toolchain/java/src/org/tensorflow/lite/InterpreterFactoryImpl.java``). See ``tests/toolchain/java/pom.xml``.

For each model the wrapper's ``process(Bitmap)`` is compared with ``bindgen.host.twin.run_model``
on the same PNG (sized to the model input, so both sides skip resizing):

* decoded outputs (categories, detections): same labels/indices in the same order, scores and box
  coordinates within ``ATOL``;
* raw output tensors (the wrapper's ``TensorBuffer`` properties) against the raw interpreter
  outputs on the twin's preprocessed input, within ``ATOL``.

Prints one line ``jvm: N models, max |diff| X`` and exits 0, or names every mismatch and exits 1.
``bench/wrapper_overhead.py`` reuses :func:`run_suite` with timing on.

Usage: python -m tests.toolchain.jvm [--work DIR]
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
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
JVM_DIR = REPO / "tests" / "toolchain" / "java"
LIB_DIR = REPO / ".tools" / "jvm-test"
KOTLINC = REPO / ".tools" / "node" / "node_modules" / "kotlin-compiler" / "bin" / "kotlinc"
KOTLIN_STDLIB = KOTLINC.parent.parent / "lib" / "kotlin-stdlib.jar"
PACKAGE = "dev.bindgen.jvmtest"
#: Float outputs agree to float32 rounding (two builds of TFLite, both on x86-64 XNNPACK/reference
#: kernels); quantized outputs are compared as dequantized floats, where one step is >= 1/256.
ATOL = 1e-5
JAVA_OPTS = (
    "--add-opens=java.base/java.io=ALL-UNNAMED",  # Robolectric moves FileDescriptor.fd (openFd)
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
)


@dataclass(frozen=True)
class Case:
    """One model of the suite: a name in ``tests.toolchain.models.build`` and how to annotate it."""

    name: str
    kind: str
    labels: tuple[str, ...]
    #: A MediaPipe 0.10.21 model (``tests.toolchain.models.thirdparty`` key), used as shipped with its own
    #: metadata, instead of a ``tests.toolchain.models.build`` model annotated here.
    mediapipe: str = ""


CASES = (
    Case("float_classifier", "image-classifier", ("circle", "square", "triangle", "star", "cross")),
    Case("uint8_classifier", "image-classifier", ("circle", "square", "triangle", "star", "cross")),
    Case("detector", "object-detector", ("cat", "dog", "bird")),
)
#: Only benchmarked (bench/wrapper_overhead.py): a heavier real model puts the per-call fixed cost
#: of the tiny test models in proportion.
BENCH_CASES = (Case("hand_landmark_full", "", (), mediapipe="hand_landmark/hand_landmark_full"),)


class HarnessError(Exception):
    """A step of the harness failed (its message says which and why)."""


def _run(argv: Sequence[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise HarnessError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done


def fetch_jars() -> list[Path]:
    """Maven Central → .tools/jvm-test/lib (AARs turned into their classes.jar), stamped on the pom."""
    pom = JVM_DIR / "pom.xml"
    stamp = LIB_DIR / "stamp"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    lib = LIB_DIR / "lib"
    if not (stamp.is_file() and stamp.read_text() == digest and lib.is_dir()):
        staging = Path(tempfile.mkdtemp(prefix="lib.", dir=LIB_DIR.parent if LIB_DIR.parent.is_dir() else None))
        try:
            _run(["mvn", "-q", "-f", str(pom), "dependency:copy-dependencies",
                  f"-DoutputDirectory={staging}"], "mvn dependency:copy-dependencies")
            for aar in staging.glob("*.aar"):
                with zipfile.ZipFile(aar) as z:
                    (staging / (aar.stem + ".jar")).write_bytes(z.read("classes.jar"))
                aar.unlink()
            LIB_DIR.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(lib, ignore_errors=True)
            staging.rename(lib)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        stamp.write_text(digest)
    return sorted(lib.glob("*.jar"))


def build_models(work: Path, cases: Sequence[Case] = CASES) -> dict[str, Path]:
    """Real converter output, then ``bindgen annotate`` (labels, mean/std 127.5)."""
    raw = work / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "tests.toolchain.models.build", str(raw), *(c.name for c in cases if not c.mediapipe)],
         "tests.toolchain.models.build", cwd=REPO)
    out: dict[str, Path] = {}
    for case in cases:
        if case.mediapipe:
            from tests.toolchain.models.thirdparty import mediapipe_models

            model = work / "assets" / f"{case.name}.tflite"
            model.parent.mkdir(exist_ok=True)
            shutil.copyfile(mediapipe_models()[case.mediapipe], model)
            out[case.name] = model
            continue
        labels = work / f"{case.name}.labels.txt"
        labels.write_text("".join(f"{label}\n" for label in case.labels))
        model = work / "assets" / f"{case.name}.tflite"
        model.parent.mkdir(exist_ok=True)
        _run([sys.executable, "-m", "bindgen", "annotate", str(raw / f"{case.name}.tflite"), "-o", str(model),
              "--kind", case.kind, "--labels", str(labels), "--mean", "127.5", "--std", "127.5"],
             f"bindgen annotate {case.name}", cwd=REPO)
        out[case.name] = model
    return out


def render_wrappers(models: dict[str, Path], src: Path) -> dict[str, tuple[str, dict[int, str]]]:
    """Kotlin sources for each model; returns name → (wrapper class, output index → raw property)."""
    from bindgen.generate.kotlin.render import binding_for, render_binding
    from bindgen.read.tflite.reader import read_model

    classes: dict[str, tuple[str, dict[int, str]]] = {}
    for name, path in models.items():
        binding = binding_for(read_model(path), PACKAGE)
        for generated in render_binding(binding):
            target = src / generated.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(generated.data())
        raw = {o.index: str(o.raw_name) for o in binding.outputs}
        classes[name] = (f"{PACKAGE}.{binding.class_name}", raw)
    return classes


def make_inputs(models: dict[str, Path], work: Path) -> dict[str, Path]:
    """A deterministic RGB noise PNG at each model's input size."""
    import numpy as np
    from PIL import Image

    from bindgen.read.tflite.reader import read_model

    inputs: dict[str, Path] = {}
    rng = np.random.default_rng(20261121)
    for name, path in models.items():
        _, height, width, _ = read_model(path).subgraphs[0].inputs[0].shape
        png = work / f"{name}.png"
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(png)
        inputs[name] = png
    return inputs


def assets_apk(models: dict[str, Path], work: Path) -> Path:
    """An APK-style zip: models stored uncompressed under assets/, as AGP packages .tflite."""
    apk = work / "assets.apk"
    with zipfile.ZipFile(apk, "w", zipfile.ZIP_STORED) as z:
        for path in models.values():
            z.write(path, f"assets/{path.name}")
    return apk


def compile_all(src: Path, classes: Path, jars: list[Path]) -> str:
    if not KOTLINC.is_file():
        raise HarnessError(f"kotlinc not found at {KOTLINC} (run: tools/setup.sh node)")
    classpath = os.pathsep.join(str(j) for j in jars)
    classes.mkdir(parents=True, exist_ok=True)
    kotlin = sorted(str(p) for p in src.rglob("*.kt"))
    _run([str(KOTLINC), "-nowarn", "-jvm-target", "17", "-cp", classpath, "-d", str(classes), *kotlin],
         "kotlinc (generated wrappers)")
    java = sorted(str(p) for p in (JVM_DIR / "src").rglob("*.java"))
    _run(["javac", "-nowarn", "-d", str(classes), "-cp", f"{classpath}{os.pathsep}{classes}", *java],
         "javac (tests/toolchain/java driver and host runtime)")
    return os.pathsep.join([str(classes), classpath, str(KOTLIN_STDLIB)])


def run_driver(classpath: str, cases: list[tuple[str, Path, Path, Path]], work: Path, bench: int) -> None:
    table = work / "cases.tsv"
    table.write_text("".join("\t".join([cls, str(apk), str(png), str(out)]) + "\n" for cls, apk, png, out in cases))
    lib = LIB_DIR / "lib"
    done = subprocess.run(
        ["java", *JAVA_OPTS, f"-Dbindgen.jvm.cases={table}", f"-Dbindgen.jvm.bench={bench}",
         "-Drobolectric.offline=true", f"-Drobolectric.dependency.dir={lib}",
         "-cp", classpath, "org.junit.runner.JUnitCore", "dev.bindgen.jvmtest.WrapperDriver"],
        capture_output=True, text=True, check=False,
    )
    (work / "driver.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).splitlines()
        keep = [ln for ln in lines if "Exception" in ln or "Error" in ln or ln.startswith(("\tat dev.", "Caused"))]
        raise HarnessError("JVM driver failed (log: {}):\n{}".format(work / "driver.log", "\n".join(keep[:30])))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _raw_outputs(model: Path, png: Path) -> dict[int, list[float]]:
    """The interpreter's raw outputs on the twin's own preprocessing of ``png``."""
    from bindgen.decide.plan import InputRole, build_plan
    from bindgen.host import twin
    from bindgen.read.tflite.reader import read_model

    np, interpreter_class, image_module = twin._imports()
    plan = build_plan(read_model(model))
    interpreter = interpreter_class(model_path=str(model), num_threads=1)
    interpreter.allocate_tensors()
    (plan_in,) = plan.inputs
    assert plan_in.role is InputRole.IMAGE
    interpreter.set_tensor(plan_in.tensor.index, twin._image_input(np, image_module, plan_in, str(png)))
    interpreter.invoke()
    return {i: [float(x) for x in interpreter.get_tensor(o.tensor.index).ravel()] for i, o in enumerate(plan.outputs)}


def _compare(path: str, jvm: Any, host: Any, diffs: list[float], problems: list[str]) -> None:
    if isinstance(host, dict):
        if not isinstance(jvm, dict) or set(jvm) != set(host):
            problems.append(f"{path}: keys {sorted(jvm) if isinstance(jvm, dict) else jvm!r} != {sorted(host)}")
            return
        for key in host:
            _compare(f"{path}.{key}", jvm[key], host[key], diffs, problems)
    elif isinstance(host, list):
        if not isinstance(jvm, list) or len(jvm) != len(host):
            problems.append(f"{path}: {len(jvm) if isinstance(jvm, list) else jvm!r} items != {len(host)}")
            return
        for i, (a, b) in enumerate(zip(jvm, host, strict=True)):
            _compare(f"{path}[{i}]", a, b, diffs, problems)
    elif isinstance(host, bool | str) or host is None:
        if jvm != host:
            problems.append(f"{path}: jvm {jvm!r} != host {host!r}")
    elif isinstance(host, int | float):
        if not isinstance(jvm, int | float):
            problems.append(f"{path}: jvm {jvm!r} is not a number")
            return
        diff = abs(float(jvm) - float(host))
        diffs.append(diff)
        # Relative above 1: detection boxes are in image pixels (ratios times the image size).
        if not diff <= ATOL * max(1.0, abs(float(host))):
            problems.append(f"{path}: jvm {jvm} != host {host} (|diff| {diff:.3g} > {ATOL} relative)")
    else:
        problems.append(f"{path}: unexpected host value {host!r}")


def compare(name: str, model: Path, png: Path, raw_names: dict[int, str], jvm: dict[str, Any],
            diffs: list[float], problems: list[str]) -> None:
    from bindgen.host.twin import run_model

    host = run_model(model, [str(png)])["outputs"]
    outputs = jvm["outputs"]
    decoded = {_snake(k): v for k, v in outputs.items() if k not in raw_names.values()}
    _compare(name, decoded, host, diffs, problems)
    for index, values in _raw_outputs(model, png).items():
        prop = raw_names[index]
        if prop in outputs and isinstance(outputs[prop], list):  # TensorBuffer properties only
            _compare(f"{name}.{prop}", outputs[prop], values, diffs, problems)


def run_suite(
    work: Path, bench: int = 0, cases: Sequence[Case] = CASES
) -> tuple[dict[str, Any], list[float], list[str]]:
    """Build, generate, compile and run every case in ``work``; compare with the host twin.

    Returns the driver's JSON per model, every |diff| compared and every mismatch.
    """
    jars = fetch_jars()
    models = build_models(work, cases)
    wrappers = render_wrappers(models, work / "src")
    inputs = make_inputs(models, work)
    apk = assets_apk(models, work)
    classpath = compile_all(work / "src", work / "classes", jars)
    outs = {name: work / f"{name}.jvm.json" for name in models}
    run_driver(classpath, [(wrappers[n][0], apk, inputs[n], outs[n]) for n in models], work, bench)
    diffs: list[float] = []
    problems: list[str] = []
    results: dict[str, Any] = {}
    for name, model in models.items():
        results[name] = json.loads(outs[name].read_text())
        compare(name, model, inputs[name], wrappers[name][1], results[name], diffs, problems)
    return results, diffs, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bindgen-jvm-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results, diffs, problems = run_suite(work)
    except HarnessError as error:
        print(f"jvm: error: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"jvm: mismatch: {problem}", file=sys.stderr)
    print(f"jvm: {len(results)} models, max |diff| {max(diffs, default=0.0):.3g}"
          + (f", {len(problems)} mismatches (tolerance {ATOL})" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
