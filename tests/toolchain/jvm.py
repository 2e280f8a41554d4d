"""Run every generated Kotlin wrapper on the JVM and compare every ``Outputs`` property with ``bindgen run``.

The models are the compile tier's own list (``tests.toolchain.fixtures.all_models()``: the converter-built
test models, annotated or raw, and the 14 MediaPipe models), so the two tiers cannot drift apart.
What runs is real: wrappers rendered by ``bindgen.generate.kotlin`` and compiled by ONE kotlinc call,
the real TFLite Support Library 0.4.4 and tensorflow-lite-api 2.16.1 Java, Android framework code
from Robolectric (native graphics: real ``Bitmap``/``BitmapFactory``), and a real TFLite interpreter
(TFLite 2.18 for linux-x86_64 with the XNNPACK delegate applied by default, as on Android, plugged in
as tensorflow-lite-api's application runtime by
``tests/toolchain/java/src/org/tensorflow/lite/InterpreterFactoryImpl.java``), all models in ONE JVM.
See ``tests/toolchain/java/pom.xml``.

Inputs come from each model's plan: a noise PNG at an image input's size, passed through the
wrapper's ``process(Bitmap)`` overload, and a .npy of the tensor's dtype and shape for the rest
(``TensorBuffer`` or ``ByteBuffer``, the bytes the twin reads). The driver reads EVERY public property
of ``Outputs``; each is compared with the twin on the same inputs:

* decoded values (categories, detections, segmentation, confidence masks, images): the values
  ``bindgen run`` prints, same labels/indices in the same order, numbers within ``ATOL + RTOL·|x|``;
* raw properties (``TensorBuffer`` as floats, ``ByteBuffer`` by its bytes decoded in the tensor's dtype)
  and the ``…Floats`` views: the interpreter's raw outputs, dequantized for the views;
* ``Bitmap`` properties: pixel by pixel, within one level (rounding at .5 boundaries).

A property the harness has no expected value for, or one missing on the JVM, is a mismatch.
Prints one line ``jvm: N models, M output properties, max |diff| X`` and exits 0, or names every
mismatch and exits 1. ``bench/wrapper_overhead.py`` reuses :func:`run_suite` with timing on.
:func:`fetch_jars`, :func:`compile_all` and :func:`run_driver` are the reusable pieces (jars,
one kotlinc + javac call, one JVM running a JUnit class).

Usage: python -m tests.toolchain.jvm [--work DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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
#: Values agree to float32 rounding: |jvm - host| <= ATOL + RTOL * |host| (two builds of TFLite, both
#: on x86-64 XNNPACK/reference kernels; RTOL covers values far from 1, such as pixels in [0, 255]).
ATOL = 1e-5
RTOL = 1e-5
#: Plus this many times the kernel noise of the value (:func:`kernel_runs`): on deep MediaPipe models
#: LiteRT's XNNPACK and builtin kernels differ by up to ~5e-4 of a tensor's largest value (0.63 on
#: pose_landmark_full's segmentation logits), and the JVM's TFLite 2.18 differs from the twin's LiteRT
#: by the same order; on the small test models the noise is ~1e-7, so the check stays tight there.
NOISE_FACTOR = 4.0
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
    #: A MediaPipe 0.10.21 model (``tests.toolchain.models.thirdparty`` key), as the compile corpus
    #: holds it (``fixtures.mediapipe_model``: its own metadata, or re-annotated where bindgen refuses
    #: that), instead of a ``tests.toolchain.models.build`` model annotated here.
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
            from tests.toolchain.fixtures import mediapipe_model

            model = work / "assets" / f"{case.name}.tflite"
            model.parent.mkdir(exist_ok=True)
            shutil.copyfile(mediapipe_model(case.mediapipe), model)
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


@dataclass(frozen=True)
class Wrapper:
    """One generated wrapper: its class, and where each ``Outputs`` property's expected value comes from."""

    name: str
    model: Path
    class_name: str
    #: Outputs property → (what it is, output position or detection group number).
    #: What: "raw", "floats", "decoded", "bitmap" or "detections".
    properties: dict[str, tuple[str, int]]


def render_wrappers(models: dict[str, Path], src: Path) -> dict[str, Wrapper]:
    """Kotlin sources for each model, all in one package (one kotlinc call compiles them all)."""
    from bindgen.generate.kotlin.binding import OutputKind
    from bindgen.generate.kotlin.render import binding_for, render_binding
    from bindgen.read.tflite.reader import read_model

    wrappers: dict[str, Wrapper] = {}
    for name, path in models.items():
        # one package per model: class names (and each BindgenSupport) cannot collide
        binding = binding_for(read_model(path), f"{PACKAGE}.{name}")
        for generated in render_binding(binding):
            target = src / generated.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(generated.data())
        props: dict[str, tuple[str, int]] = {}
        for o in binding.outputs:
            props[str(o.raw_name)] = ("raw", o.index)
            if o.floats_name is not None:
                props[str(o.floats_name)] = ("floats", o.index)
            if o.kind not in (OutputKind.TENSOR, OutputKind.DETECTION_PART):
                props[str(o.name)] = ("decoded", o.index)
            if o.bitmap_name is not None:
                props[str(o.bitmap_name)] = ("bitmap", o.index)
        for number, d in enumerate(binding.detections):
            props[str(d.name)] = ("detections", number)
        wrappers[name] = Wrapper(name, path, f"{binding.package}.{binding.class_name}", props)
    return wrappers


@dataclass(frozen=True)
class Input:
    """One ``process`` argument: an image (PNG, passed as a Bitmap) or a tensor (.npy)."""

    kind: str  # "image", "TensorBuffer" or "ByteBuffer" (the wrapper's parameter type)
    path: Path
    data_type: str = ""  # TensorBuffer's DataType
    shape: tuple[int, ...] = ()

    def field(self) -> str:
        return "|".join([self.kind, str(self.path), self.data_type, ",".join(str(d) for d in self.shape)])


def make_inputs(models: dict[str, Path], work: Path) -> dict[str, list[Input]]:
    """Inputs derived from each model's plan: an RGB noise PNG at an image input's size (so
    neither side resizes), a .npy of the tensor's own dtype and shape for the rest."""
    import numpy as np
    from PIL import Image

    from bindgen.decide.plan import InputRole, build_plan
    from bindgen.generate.android.project import SAMPLE_TEXT
    from bindgen.generate.kotlin.binding import TENSOR_BUFFER_DTYPES
    from bindgen.host.twin import preprocessed_inputs
    from bindgen.read.tflite.model import DType
    from bindgen.read.tflite.reader import read_model

    inputs: dict[str, list[Input]] = {}
    rng = np.random.default_rng(20261121)
    for name, path in models.items():
        made: list[Input] = []
        plan = build_plan(read_model(path))
        # A text model's tensors are what its own tokenizer makes of a sentence: random ids can
        # index past an embedding (BERT's segment ids take 0 or 1).
        tokens = preprocessed_inputs(path, [], text=SAMPLE_TEXT) if plan.text is not None else None  # the app's sample
        for position, plan_in in enumerate(plan.inputs):
            target = work / "inputs" / f"{name}-input{plan_in.index}"
            target.parent.mkdir(parents=True, exist_ok=True)
            tensor = plan_in.tensor
            if plan_in.role is InputRole.IMAGE:
                assert plan_in.height is not None and plan_in.width is not None
                pixels = rng.integers(0, 256, (plan_in.height, plan_in.width, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(target.with_suffix(".png"))
                made.append(Input("image", target.with_suffix(".png")))
                continue
            shape = tuple(max(d, 1) for d in tensor.shape)
            if tokens is not None:
                values = np.asarray(tokens[position]).reshape(shape).astype(tensor.dtype.numpy_name)
            elif tensor.dtype is DType.BOOL:
                values = rng.integers(0, 2, shape).astype(bool)
            elif tensor.dtype.is_integer:
                values = rng.integers(0, 10, shape).astype(tensor.dtype.numpy_name)  # valid ids for embeddings
            else:
                values = rng.standard_normal(shape).astype(tensor.dtype.numpy_name)
            np.save(target.with_suffix(".npy"), values.astype(values.dtype.newbyteorder("<")))
            if tensor.dtype in TENSOR_BUFFER_DTYPES:
                made.append(Input("TensorBuffer", target.with_suffix(".npy"), tensor.dtype.name, shape))
            else:
                made.append(Input("ByteBuffer", target.with_suffix(".npy")))
        inputs[name] = made
    return inputs


def assets_apk(models: dict[str, Path], work: Path) -> Path:
    """An APK-style zip: models stored uncompressed under assets/, as AGP packages .tflite."""
    apk = work / "assets.apk"
    names = [path.name for path in models.values()]
    if len(set(names)) != len(names):
        raise HarnessError(f"two models share an asset file name: {sorted(names)}")
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


def run_driver(classpath: str, cases: list[tuple[str, Path, Path, list[Input]]], work: Path, bench: int) -> None:
    """One JVM for every case: ``(wrapper class, assets apk, output json, inputs)``."""
    table = work / "cases.tsv"
    table.write_text("".join(
        "\t".join([cls, str(apk), str(out), *(i.field() for i in ins)]) + "\n" for cls, apk, out, ins in cases
    ))
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


def _compare(path: str, jvm: Any, host: Any, noise: Any, diffs: list[float], problems: list[str]) -> None:
    if isinstance(host, dict):
        if not isinstance(jvm, dict) or set(jvm) != set(host):
            problems.append(f"{path}: keys {sorted(jvm) if isinstance(jvm, dict) else jvm!r} != {sorted(host)}")
            return
        for key in host:
            _compare(f"{path}.{key}", jvm[key], host[key], noise, diffs, problems)
    elif isinstance(host, list):
        if not isinstance(jvm, list) or len(jvm) != len(host):
            problems.append(f"{path}: {len(jvm) if isinstance(jvm, list) else jvm!r} items != {len(host)}")
            return
        if host and all(isinstance(x, int | float) and not isinstance(x, bool) for x in host):
            _numbers(path, jvm, host, noise, diffs, problems)  # one check for a whole tensor: fast, one message
            return
        for i, (a, b) in enumerate(zip(jvm, host, strict=True)):
            _compare(f"{path}[{i}]", a, b, noise, diffs, problems)
    elif isinstance(host, bool | str) or host is None:
        if jvm != host:
            problems.append(f"{path}: jvm {jvm!r} != host {host!r}")
    elif isinstance(host, int | float):
        _numbers(path, [jvm], [host], noise, diffs, problems)
    else:
        problems.append(f"{path}: unexpected host value {host!r}")


def _numbers(path: str, jvm: list[Any], host: list[Any], noise: Any, diffs: list[float],
             problems: list[str]) -> None:
    import numpy as np

    if not all(isinstance(x, int | float) or x is None for x in jvm):
        problems.append(f"{path}: jvm values are not all numbers")
        return
    a = np.asarray([np.nan if x is None else x for x in jvm], np.float64)
    b = np.asarray(host, np.float64)
    same_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(same_nan, 0.0, np.abs(a - b))
    worst = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
    noise = np.asarray(noise, np.float64)
    if noise.size != b.size:  # an element-wise noise only applies to the tensor it was measured on
        noise = np.full(b.shape, noise.max(initial=0.0))
    limit = ATOL + RTOL * np.abs(b) + NOISE_FACTOR * noise
    diffs.append(float(diff[worst]) if not np.isnan(diff[worst]) else float("inf"))
    bad = ~(diff <= limit)
    if bad.any():
        first = int(np.argmax(bad))
        problems.append(f"{path}[{first}]: jvm {a[first]} != host {b[first]} ({int(bad.sum())} of {b.size} differ"
                        f" beyond {ATOL} + {RTOL}·|host| + {NOISE_FACTOR}·noise {noise[first]:.3g};"
                        f" max |diff| {diff[worst]:.3g})")


def _argb(pixels: Any) -> list[int]:
    """Opaque ARGB_8888 colours of ``(height, width, 1 | 3)`` pixels, as BindgenSupport.bitmap makes them."""
    import numpy as np

    values = np.nan_to_num(np.asarray(pixels, np.float32), nan=0.0)
    channels = np.clip(np.floor(values.astype(np.float64) + 0.5), 0, 255).astype(np.int64)
    if channels.shape[-1] == 1:
        channels = np.repeat(channels, 3, axis=-1)
    argb = (0xFF << 24) | (channels[..., 0] << 16) | (channels[..., 1] << 8) | channels[..., 2]
    return [int(x) - (1 << 32) if x >= 1 << 31 else int(x) for x in argb.ravel()]  # Java's signed int


def _compare_bitmap(path: str, jvm: Any, pixels: Any, noise: Any, problems: list[str]) -> None:
    """Pixels may differ by one level where the value sits on a rounding boundary, more by the noise."""
    import numpy as np

    height, width = pixels.shape[0], pixels.shape[1]
    if not isinstance(jvm, dict) or "bitmap" not in jvm:
        problems.append(f"{path}: not a Bitmap: {str(jvm)[:80]}")
        return
    bitmap = jvm["bitmap"]
    if (bitmap["width"], bitmap["height"], bitmap["config"]) != (width, height, "ARGB_8888"):
        got_size = f"{bitmap['width']}x{bitmap['height']} {bitmap['config']}"
        problems.append(f"{path}: {got_size} != {width}x{height} ARGB_8888")
        return
    got = np.asarray(bitmap["argb"], np.int64) & 0xFFFFFFFF
    want = np.asarray(_argb(pixels), np.int64) & 0xFFFFFFFF
    # per pixel and channel (R, G, B), the noise of the value it was made from
    levels = np.stack([np.abs(((got >> s) & 0xFF) - ((want >> s) & 0xFF)) for s in (16, 8, 0)], axis=-1)
    allowed = 1 + NOISE_FACTOR * float(noise)
    alpha = np.abs((got >> 24) - (want >> 24))
    bad = (levels > allowed).any(axis=-1) | (alpha != 0)
    if bad.any():
        problems.append(f"{path}: {int(bad.sum())} pixels differ beyond one level plus the noise"
                        f" (up to {int(levels.max())} levels)")


def kernel_runs(plan: Any, model: Path, paths: list[str]) -> tuple[dict[int, Any], dict[int, Any]] | None:
    """Each output (dequantized) from LiteRT's own two CPU kernel sets, XNNPACK (which the twin uses)
    and the builtin kernels: how far they differ is the float noise two correct TFLite builds show on
    this model and input. ``None`` when the builtin kernels cannot run the model (a custom op only
    the XNNPACK delegate provides)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from bindgen.decide.plan import InputRole
    from bindgen.host import twin

    np_, _, image_module = twin._imports()
    runs = []
    for resolver in (OpResolverType.AUTO, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES):
        interpreter = Interpreter(model_path=str(model), num_threads=1, experimental_op_resolver_type=resolver)
        try:
            interpreter.allocate_tensors()
        except RuntimeError:
            return None
        for plan_in, path in zip(plan.inputs, paths, strict=True):
            value = (twin._image_input(np_, image_module, plan_in, path) if plan_in.role is InputRole.IMAGE
                     else twin._tensor_input(np_, plan_in, path))
            interpreter.set_tensor(plan_in.tensor.index, value)
        interpreter.invoke()
        runs.append({o.index: twin.dequantized(o, interpreter.get_tensor(o.tensor.index)) for o in plan.outputs})
    return runs[0], runs[1]


def expected(wrapper: Wrapper, inputs: list[Input]) -> dict[str, tuple[str, Any, float]]:
    """What each ``Outputs`` property must hold, from ``bindgen run`` (the host twin) on the same inputs:
    the decoded values it prints, and the interpreter's raw tensors for the raw and float views.
    Each comes as ``(how to compare, value, kernel noise)``. Raises BindgenError when the twin
    cannot run the model, and NeedsXnnpack when only the XNNPACK delegate can."""
    import numpy as np

    from bindgen.decide.plan import OutputRole, build_plan
    from bindgen.host import twin
    from bindgen.read.tflite.reader import read_model

    plan = build_plan(read_model(wrapper.model))
    paths = [str(i.path) for i in inputs]
    host = twin.run_model(wrapper.model, paths)["outputs"]
    raw = twin.run_raw(plan, str(wrapper.model), paths)
    runs = kernel_runs(plan, wrapper.model, paths)
    if runs is None:
        raise NeedsXnnpack(wrapper.name)

    def noise(index: int, derive: Any = None) -> float:
        """Kernel noise of output ``index``, measured on the value compared (``derive`` of the floats)."""
        a, b = runs[0][index], runs[1][index]
        if derive is not None:
            a, b = derive(a), derive(b)
        return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max(initial=0.0))

    want: dict[str, tuple[str, Any, float]] = {}
    for prop, (what, index) in wrapper.properties.items():
        if what == "detections":
            group = plan.detection_groups[index]
            parts = (group.locations, group.classes, group.scores, group.count)
            want[prop] = ("value", host[group.name], max(noise(i) for i in parts))
            continue
        out = plan.outputs[index]
        floats = twin.dequantized(out, raw[index])
        if what == "raw":  # in quantized steps
            want[prop] = ("raw", raw[index], noise(index) / (out.dequantize.scale if out.dequantize else 1.0))
        elif what == "floats":
            want[prop] = ("value", floats.ravel().tolist(), noise(index))
        elif what == "bitmap":
            def pixels(values: Any, out: Any = out) -> Any:
                if out.role is OutputRole.CONFIDENCE_MASK:
                    return np.clip(values.reshape((*out.tensor.shape[1:3], 1)), 0, 1) * np.float32(255)
                return twin.image_values(out, values)

            want[prop] = ("bitmap", pixels(floats), noise(index, pixels))
        elif out.role is OutputRole.SEGMENTATION:
            value = host[out.name]
            want[prop] = ("value", {"width": value["width"], "height": value["height"], "labels": value["labels"],
                                    "categoryMask": np.asarray(value["category_mask"]).ravel().tolist()}, 0.0)
        elif out.role is OutputRole.IMAGE:
            height, width, channels = out.tensor.shape[-3:]
            want[prop] = ("value", {"tensor_image": {
                "width": width, "height": height, "color_space": "GRAYSCALE" if channels == 1 else "RGB",
                "values": np.asarray(host[out.name]).ravel().tolist()}},
                noise(index, lambda values, out=out: twin.image_values(out, values)))
        else:  # confidence mask, categories
            want[prop] = ("value", host[out.name] if out.role is OutputRole.CLASSIFICATION
                          else np.asarray(host[out.name]).ravel().tolist(), noise(index))
    return want


class NeedsXnnpack(Exception):
    """The model runs only through the XNNPACK delegate (it claims a custom op such as MediaPipe's
    Convolution2DTransposeBias): LiteRT's does, the JVM's TFLite 2.18 XNNPACK does not claim it."""


def compare(wrapper: Wrapper, inputs: list[Input], jvm: dict[str, Any], diffs: list[float],
            problems: list[str]) -> int:
    """Every property the JVM read against its expected value; a property missing on either side is a
    mismatch. Returns the number of properties compared."""
    import numpy as np

    from bindgen.errors import BindgenError

    name = wrapper.name
    try:
        want = expected(wrapper, inputs)
    except BindgenError as error:
        if "error" not in jvm:
            problems.append(f"{name}: the twin failed ({error}) but the JVM ran it")
        jvm["refused"] = f"neither the twin nor the JVM can run it ({error.message})"
        return 0
    except NeedsXnnpack:
        if "error" not in jvm:
            problems.append(f"{name}: LiteRT's builtin kernels cannot run it, yet the JVM did")
        jvm["refused"] = ("only an XNNPACK delegate that claims its custom op runs it: LiteRT's does (the twin"
                          " ran it), TFLite 2.18's on the JVM does not")
        return 0
    if "error" in jvm:
        problems.append(f"{name}: the wrapper threw on the JVM: {jvm['error']}")
        return 0
    outputs = jvm["outputs"]
    for prop in sorted(set(outputs) - set(want)):
        problems.append(f"{name}.{prop}: the JVM read a property the harness has no expected value for")
    for prop in sorted(set(want) - set(outputs)):
        problems.append(f"{name}.{prop}: missing from the JVM's Outputs")
    for prop in sorted(set(want) & set(outputs)):
        how, value, noise = want[prop]
        got = outputs[prop]
        if how == "bitmap":
            _compare_bitmap(f"{name}.{prop}", got, value, noise, problems)
            continue
        if how == "raw":  # TensorBuffer floats, or ByteBuffer bytes decoded in the tensor's dtype
            if isinstance(got, dict) and "bytes" in got:
                data = np.asarray(got["bytes"], np.int64).astype(np.uint8).tobytes()
                if len(data) != value.nbytes:
                    problems.append(f"{name}.{prop}: {len(data)} bytes != {value.nbytes}")
                    continue
                # bool by its bytes: any byte but 0 and 1 is a difference, not "true"
                dtype = np.dtype(np.uint8) if value.dtype == np.bool_ else value.dtype.newbyteorder("<")
                got = np.frombuffer(data, dtype).astype(np.float64).tolist()
            value = value.astype(np.float64).ravel().tolist()
        _compare(f"{name}.{prop}", got, value, noise, diffs, problems)
    return len(want)


def run_suite(
    work: Path, bench: int = 0, cases: Sequence[Case] | None = None
) -> tuple[dict[str, Any], list[float], list[str], int]:
    """Generate, compile and run every model in ``work``; compare each with the host twin.

    The models are ``tests.toolchain.fixtures.all_models()`` (the compile tier's list), or ``cases``
    (the benchmark's). Returns the driver's JSON per model, every |diff| compared, every mismatch
    and the number of output properties compared.
    """
    jars = fetch_jars()
    if cases is None:
        from tests.toolchain.fixtures import all_models

        models = dict(sorted(all_models().items()))
    else:
        models = build_models(work, cases)
    wrappers = render_wrappers(models, work / "src")
    inputs = make_inputs(models, work)
    apk = assets_apk(models, work)
    classpath = compile_all(work / "src", work / "classes", jars)
    outs = {name: work / f"{name}.jvm.json" for name in models}
    run_driver(classpath, [(wrappers[n].class_name, apk, outs[n], inputs[n]) for n in models], work, bench)
    diffs: list[float] = []
    problems: list[str] = []
    results: dict[str, Any] = {}
    properties = 0
    for name in models:
        results[name] = json.loads(outs[name].read_text())
        properties += compare(wrappers[name], inputs[name], results[name], diffs, problems)
    return results, diffs, problems, properties


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bindgen-jvm-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results, diffs, problems, properties = run_suite(work)
    except HarnessError as error:
        print(f"jvm: error: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"jvm: mismatch: {problem}", file=sys.stderr)
    refused = sorted(name for name, result in results.items() if "refused" in result)
    for name in refused:
        print(f"jvm: {name}: not run: {results[name]['refused']}; the JVM said: {results[name].get('error')}")
    print(f"jvm: {len(results)} models, {properties} output properties, max |diff| {max(diffs, default=0.0):.3g}"
          + (f" ({len(refused)} not runnable here: {', '.join(refused)})" if refused else "")
          + (f", {len(problems)} mismatches" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
