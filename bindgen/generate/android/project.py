"""``bindgen android-project``: a complete Android Studio project around one model.

Reader → plan → :class:`~bindgen.generate.kotlin.binding.KotlinBinding` (the Kotlin engineer's naming,
consumed as is) → :class:`AppSpec` (everything the app templates need, decided here) → a list of
:class:`~bindgen.output.GeneratedFile` → one write. The output folder appears whole or not at
all: files are written into a scratch sibling and renamed into place.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bindgen.errors import BindgenError
from bindgen.generate.android.versions import AndroidVersions, load_versions
from bindgen.generate.templating import render
from bindgen.output import GENERATED_NOTICE, GeneratedFile, building, os_faults, write_files

#: Relative tolerance / absolute tolerance of the device-vs-host check (raw output values).
#: GPU/NNAPI are not compared: fp16 arithmetic there is allowed to differ more.
PARITY_ABS = 1e-3
PARITY_REL = 1e-3
EXPECTED_ASSET = "expected_outputs.json"
#: The device test compares every INPUT_STRIDE-th value of a preprocessed input with the host's
#: (a prime, so every channel and column is sampled; a few hundred values instead of all).
INPUT_STRIDE = 97
SAMPLE_IMAGE_ASSET = "sample.png"
#: Text models: the sample the device test and ``bindgen run --text`` both feed to ``process(text)``
#: (words a sentiment vocabulary has, punctuation, and a word it probably has not).
SAMPLE_TEXT = "The movie was great, and the acting was wonderful: zyzzyva!"
#: Audio models: a synthetic 16-bit PCM clip of exactly one ``process(samples)`` call.
SAMPLE_AUDIO_ASSET = "sample.wav"
_APP_ID = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+\Z")

class HostTwin(Protocol):
    """The host twin (the ``bindgen.host.twin`` module): what the device test compares with.

    Stage 3 must not import stage 4, so the caller (cli/, demo/) hands the module in.
    """

    def run_model(
        self, model_path: str | Path, inputs: Sequence[str], top_k: int | None = None, text: str | None = None
    ) -> dict[str, Any]: ...

    def preprocessed_inputs(
        self, model_path: str | Path, inputs: Sequence[str], text: str | None = None
    ) -> list[list[float]]: ...


class LauncherFiles(Protocol):
    """What a Gradle launcher maker returns (``bindgen.device.gradle_wrapper.WrapperOutcome``)."""

    @property
    def files(self) -> tuple[GeneratedFile, ...]: ...

    @property
    def message(self) -> str: ...


#: Makes ``gradlew`` & co. for a Gradle version (``bindgen.device.gradle_wrapper.make_launcher``):
#: it runs the machine's Gradle, so it too comes from the caller.
Launcher = Callable[[str], LauncherFiles]


@dataclass(frozen=True)
class AppOutput:
    property: str  # Outputs property shown by the app
    raw: str  # raw buffer property compared with the host (TensorBuffer)
    kind: str  # "classification" | "detection" | "segmentation" | "image" | "tensor"
    title: str  # Kotlin string literal
    title_plain: str  # safe inside a Kotlin string literal already quoted by the template
    comment: str
    values: str = ""  # Kotlin: the output as a dequantized FloatArray (tensor outputs)
    bitmap: str = ""  # ARGB_8888 ``…Bitmap`` property shown (image outputs, confidence masks)


@dataclass(frozen=True)
class ParityCheck:
    """One value the device test compares with the host: a flat list of numbers on both sides."""

    key: str  # key in the expected-values asset (the Outputs property name)
    expression: str  # Kotlin: that property of ``outputs`` as a FloatArray (via Flatten)
    host_name: str  # name of the value in ``bindgen run``'s output
    host_kind: str  # how the host value is flattened: classification/segmentation/detection/tensor


@dataclass(frozen=True)
class InputCheck:
    """One preprocessed input the device test compares with the host's (image and text inputs)."""

    key: str  # key in the expected-values asset: the process() parameter name / tokens.<field>
    index: int  # the input's position (as in the host twin's input list)
    expression: str  # Kotlin: the wrapper's preprocessing of the sample, as a FloatArray
    stride: int = INPUT_STRIDE  # every stride-th value is compared


@dataclass(frozen=True)
class AppInput:
    shape: str  # "1, 224, 224, 3"
    data_type: str  # DataType entry


@dataclass(frozen=True)
class AppSpec:
    app_id: str
    app_name: str
    app_name_xml: str
    package: str
    class_name: str
    wrapper_import: str
    process_args: str
    test_process_args: str
    bench_process_args: str
    sample_image_asset: str
    expected_asset: str
    inputs: tuple[AppInput, ...]
    outputs: tuple[AppOutput, ...]
    parity: tuple[ParityCheck, ...]
    input_checks: tuple[InputCheck, ...]
    model_image_side: int  # the longest side of the model's image input (0: none)
    input_mode: str = "tensor"  # what the app asks the user for: image | text | audio | tensor
    sample_text: str = ""  # text models: SAMPLE_TEXT as a Kotlin string literal
    sample_audio_asset: str = ""  # audio models: the bundled WAV the device test feeds
    audio_sample_rate: int = 0  # audio models: the rate and channels the model takes
    audio_channels: int = 0


def android_string(text: str) -> str:
    """``text`` as the body of an Android ``<string>`` resource (XML- and aapt-escaped)."""
    text = " ".join(text.split()) or "App"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"')
    return "\\" + text if text[0] in "@?" else text


def default_names(model_path: Path) -> tuple[str, str, str]:
    """(app id, app name, package) derived from the model's file name."""
    words = re.findall(r"[A-Za-z0-9]+", model_path.stem) or ["model"]
    segment = "".join(words).lower()
    if not segment[0].isalpha():
        segment = "m" + segment
    package = f"dev.bindgen.{segment}"
    return package, " ".join(w[:1].upper() + w[1:] for w in words), package


def check_app_id(value: str, flag: str) -> str:
    from bindgen.generate.kotlin.names import KEYWORDS

    if not _APP_ID.match(value) or any(part in KEYWORDS for part in value.split(".")):
        raise BindgenError(
            f"{flag} {value!r} is not a valid Android application id / Kotlin package",
            hint="dot-separated words of letters, digits and _, at least two, no Kotlin keywords",
        )
    return value


def _png(width: int, height: int, rgb: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + rgb[y * width * 3 : (y + 1) * width * 3] for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def synthetic_image(width: int = 256, height: int = 256) -> bytes:
    """A deterministic test picture (gradient, a square, a disc) for models without a sample."""
    pixels = bytearray()
    for y in range(height):
        for x in range(width):
            r, g, b = x * 255 // width, y * 255 // height, 96
            if width // 8 <= x < width * 3 // 8 and height // 8 <= y < height * 3 // 8:
                r, g, b = 240, 240, 240
            if (x - width * 2 // 3) ** 2 + (y - height * 2 // 3) ** 2 < (width // 6) ** 2:
                r, g, b = 220, 40, 40
            pixels += bytes((r, g, b))
    return _png(width, height, bytes(pixels))


def synthetic_clip(sample_rate: int, channels: int, samples: int) -> bytes:
    """A deterministic 16-bit PCM WAV of ``samples`` interleaved values (two tones, a rising
    sweep and a different phase per channel), for audio models: the host reads it as ``s / 32768``
    (``bindgen run``), the app's ``Wav`` the same, so both feed ``process(samples)`` equal floats."""
    frames = samples // max(channels, 1)
    rate = max(sample_rate, 1)
    data = bytearray()
    for f in range(frames):
        t = f / rate
        for c in range(channels):
            value = 0.35 * math.sin(2 * math.pi * 440.0 * t + c) + 0.25 * math.sin(
                2 * math.pi * (300.0 + 900.0 * f / max(frames, 1)) * t
            )
            data += struct.pack("<h", max(-32768, min(32767, round(value * 32767))))
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * channels * 2, channels * 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _sample_tensor(shape: tuple[int, ...], dtype_name: str, itemsize: int) -> bytes:
    """A deterministic ramp in [0, 1) (float) or [0, 100) (integers), little-endian."""
    count = 1
    for d in shape:
        count *= max(d, 1)
    formats = {
        "float32": "<f", "float16": "<e", "int32": "<i", "int64": "<q", "uint8": "<B", "int8": "<b",
        "int16": "<h", "bool": "<?",
    }  # fmt: skip
    fmt = formats.get(dtype_name)
    if fmt is None:
        raise BindgenError(f"no sample input can be made for a {dtype_name} input tensor")
    if dtype_name == "bool":
        return b"".join(struct.pack(fmt, i % 3 == 0) for i in range(count))
    is_float = dtype_name.startswith("float")
    return b"".join(struct.pack(fmt, (i % 97) / 97.0 if is_float else i % 100) for i in range(count))


def tensor_floats(o: Any) -> str:
    """Kotlin: the raw output property of ``o`` (in ``outputs``) as dequantized floats."""
    buffer = f"outputs.{o.raw_name}" + (".buffer" if o.raw_type == "TensorBuffer" else "")
    return (
        f"BindgenSupport.toFloats({buffer}, BindgenSupport.DType.{o.encode_dtype}, "
        f"{o.scale_literal}, {o.zero_point_literal})"
    )


def parity_checks(binding: Any, plan: Any) -> tuple[ParityCheck, ...]:
    """What the device test compares: every value the app's ``Outputs`` API hands out."""
    checks: list[ParityCheck] = []
    names = {o.index: o.name for o in plan.outputs}
    for o in binding.outputs:
        kind = o.kind.value
        if kind == "detection_part":
            continue
        if kind == "categories":
            expr, host_kind = f"Flatten.categories(outputs.{o.name})", "classification"
        elif kind == "segmentation":
            expr, host_kind = f"Flatten.segmentation(outputs.{o.name})", "segmentation"
        elif kind == "image":
            expr, host_kind = f"Flatten.image(outputs.{o.name})", "tensor"
        else:
            expr, host_kind = tensor_floats(o), "tensor"
        key = str(o.raw_name if kind == "tensor" else o.name)
        checks.append(ParityCheck(key, expr, names[o.index], host_kind))
    for d, group in zip(binding.detections, plan.detection_groups, strict=True):
        checks.append(ParityCheck(str(d.name), f"Flatten.detections(outputs.{d.name})", group.name, "detection"))
    return tuple(checks)


def input_checks(binding: Any) -> tuple[InputCheck, ...]:
    """The image input as the wrapper preprocesses it (its ImageProcessor, internal for this), or
    every token id, mask and segment id ``tokenize(SampleInput.TEXT)`` gives (text models)."""
    if binding.text is not None:
        tokens = "model.tokenize(SampleInput.TEXT)"
        return tuple(
            InputCheck(arg, i, f"Flatten.ints({tokens}.{arg.split('.')[-1]})", 1)
            for i, arg in enumerate(binding.text.arguments)
        )
    if not single_image_input(binding):
        return ()
    (i,) = binding.inputs
    expr = f"Flatten.tensor(model.{i.processor}[0].process(TensorImage.fromBitmap(bitmap)).tensorBuffer)"
    return (InputCheck(str(i.name), 0, expr),)


def _flat(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [float(value)]


def _host_values(kind: str, value: Any) -> list[float]:
    """``bindgen run``'s value flattened exactly as the device test's Flatten does."""
    if kind == "classification":
        return [float(x) for c in sorted(value, key=lambda c: c["index"]) for x in (c["index"], c["score"])]
    if kind == "segmentation":
        return _flat(value["category_mask"])
    if kind == "detection":
        keys = ("left", "top", "right", "bottom")
        return [float(x) for d in value for x in (*(d["box"][k] for k in keys), d["index"], d["score"])]
    return _flat(value)


_NPY_DESCR = {
    "float32": "<f4", "float16": "<f2", "int32": "<i4", "int64": "<i8", "uint8": "|u1", "int8": "|i1",
    "int16": "<i2", "bool": "|b1",
}  # fmt: skip


def _npy(data: bytes, shape: tuple[int, ...], dtype_name: str) -> bytes:
    """``data`` (little-endian) as a ``.npy`` file, the tensor input format of ``bindgen run``."""
    dims = ", ".join(str(max(d, 1)) for d in shape) + ("," if len(shape) == 1 else "")
    header = f"{{'descr': '{_NPY_DESCR[dtype_name]}', 'fortran_order': False, 'shape': ({dims}), }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1") + data


def sample_png(binding: Any, plan: Any, sample: Path | None) -> bytes:
    """The bundled sample picture, already at the model's input size.

    The device then skips the resize and both sides start from the same pixels (Android's and
    Pillow's bilinear resampling differ, so a resize would be compared, not the model).
    """
    from bindgen.decide.plan import Resize

    size = next(((s.width, s.height) for i in plan.inputs for s in i.steps if isinstance(s, Resize)), None)
    if sample is None:
        return synthetic_image(*(size or (256, 256)))
    data = sample.read_bytes()
    try:
        from PIL import Image
    except ImportError:
        return data  # bundled as given; the host values are then unavailable anyway (no twin)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "PNG" and image.mode == "RGB" and (size is None or image.size == size):
                return data
            picture = image.convert("RGB")
            if size is not None and picture.size != size:
                picture = picture.resize(size, Image.Resampling.BILINEAR)
    except OSError as error:
        raise BindgenError(f"cannot read the sample image: {error}", where=sample) from None
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=False)
    return out.getvalue()


def expected_outputs(
    model_path: Path,
    checks: tuple[ParityCheck, ...],
    inputs: list[tuple[str, bytes]],
    twin: HostTwin,
    in_checks: tuple[InputCheck, ...] = (),
    text: str | None = None,
) -> dict[str, Any]:
    """The values ``bindgen run`` (the host twin) computes on the sample input, per parity check.

    The one place the host twin is called. Inputs are ``("png", bytes)``, ``("wav", bytes)`` or
    ``("npy", bytes)``; a text model gets ``text`` instead (``bindgen run --text``).
    Returns ``{"tolerance": …, "outputs": {key: [values]}, "inputs": {key: {"stride": s, "values":
    [every s-th value of the preprocessed input]}}}`` or, when the twin cannot run here
    (the ``run`` extra is not installed), ``{"tolerance": …, "unavailable": reason}``: the device
    test then fails with that reason instead of passing vacuously.
    """
    result: dict[str, Any] = {"tolerance": {"abs": PARITY_ABS, "rel": PARITY_REL}}
    with tempfile.TemporaryDirectory(prefix="bindgen-sample-") as scratch:
        paths = []
        for i, (suffix, data) in enumerate(inputs):
            path = Path(scratch) / f"input_{i}.{suffix}"
            with os_faults(path):
                path.write_bytes(data)
            paths.append(str(path))
        try:
            host = twin.run_model(model_path, paths, text=text)["outputs"]
            fed = twin.preprocessed_inputs(model_path, paths, text) if in_checks else []
        except BindgenError as error:
            result["unavailable"] = f"bindgen run could not compute the host values: {error.one_line()}"
            return result
    result["outputs"] = {c.key: _host_values(c.host_kind, host[c.host_name]) for c in checks}
    if in_checks:
        result["inputs"] = {
            c.key: {"stride": c.stride, "values": fed[c.index][:: c.stride]} for c in in_checks
        }
    return result


def expected_json(expected: dict[str, Any]) -> str:
    """The expected-values asset: one line per key, so a golden diff shows which output moved."""
    body = ",\n".join(
        f" {json.dumps(k)}: {json.dumps(expected[k], sort_keys=True)}" for k in sorted(expected)
    )
    return "{\n" + body + "\n}\n"


def _kind(output_kind: str) -> str:
    return {"categories": "classification", "segmentation": "segmentation", "image": "image"}.get(
        output_kind, "tensor"
    )


def input_mode(binding: Any) -> tuple[str, int, int]:
    """(mode, sample rate, channels): what the app's UI offers for this model's input.

    Decided by the wrapper's own overloads, so the app never calls one the wrapper lacks: ``text``
    when it has ``process(text: String)`` (BERT / regex tokenizer metadata the plan accepts; not
    SentencePiece, not dynamic BERT), ``audio`` when it has ``process(samples: FloatArray)``
    (AudioProperties), ``image`` for one-input image models, else ``tensor`` (the bundled sample
    tensors only).
    """
    if binding.text is not None:
        return "text", 0, 0
    if binding.audio is not None:
        return "audio", int(binding.audio.sample_rate), int(binding.audio.channels)
    return ("image" if single_image_input(binding) else "tensor"), 0, 0


def single_image_input(binding: Any) -> bool:
    """The app feeds a Bitmap only to one-input image models; other models get raw tensors."""
    return bool(binding.has_image_input) and len(binding.inputs) == 1


def build_spec(binding: Any, plan: Any, app_id: str, app_name: str) -> AppSpec:
    from bindgen.decide.plan import Resize
    from bindgen.generate.kotlin.names import kotlin_string_literal

    def title(text: str) -> tuple[str, str]:
        literal = kotlin_string_literal(text)
        return literal, literal[1:-1]

    outputs: list[AppOutput] = []
    for d in binding.detections:
        lit, plain = title(str(d.name))
        outputs.append(
            AppOutput(str(d.name), str(d.locations), "detection", lit, plain, "boxes over the image")
        )
    for o in binding.outputs:
        lit, plain = title(str(o.name))
        kind = _kind(o.kind.value)
        if o.kind.value != "detection_part":
            values = tensor_floats(o) if kind == "tensor" else ""
            bitmap = str(o.bitmap_name) if o.bitmap_name else ""
            outputs.append(
                AppOutput(str(o.name), str(o.raw_name), kind, lit, plain, f"output {o.index}", values, bitmap)
            )
    mode, rate, channels = input_mode(binding)
    if mode == "text":  # the overload the app calls, on the text the host values were computed on
        process_args, test_args, bench_args = "SampleInput.TEXT", "SampleInput.TEXT", "SampleInput.TEXT"
    elif mode == "audio":
        process_args = "SampleInput.samples(this)"
        test_args = "SampleInput.samples(Device.context)"
        bench_args = "SampleInput.samples(context)"
    elif single_image_input(binding):
        process_args = "bitmap"
        test_args = "SampleInput.bitmap(Device.context)"
        bench_args = "SampleInput.bitmap(context)"
    else:
        # TensorBuffer for the dtypes the Support Library holds, else a native-order ByteBuffer.
        readers = [
            f"SampleInput.{'tensor' if i.raw_type == 'TensorBuffer' else 'bytes'}" for i in binding.inputs
        ]
        process_args = ", ".join(f"{r}(this, {n})" for n, r in enumerate(readers))
        test_args = ", ".join(f"{r}(Device.context, {n})" for n, r in enumerate(readers))
        bench_args = ", ".join(f"{r}(context, {n})" for n, r in enumerate(readers))
    inputs = tuple(
        AppInput(", ".join(str(d) for d in i.shape), (i.data_type or "DataType.FLOAT32").split(".")[-1])
        for i in binding.inputs
    )
    return AppSpec(
        app_id=app_id,
        app_name=app_name,
        app_name_xml=android_string(app_name),
        package=binding.package,
        class_name=str(binding.class_name),
        wrapper_import=f"{binding.package}.{binding.class_name}",
        process_args=process_args,
        test_process_args=test_args,
        bench_process_args=bench_args,
        sample_image_asset=SAMPLE_IMAGE_ASSET,
        expected_asset=EXPECTED_ASSET,
        inputs=inputs,
        outputs=tuple(outputs),
        parity=parity_checks(binding, plan),
        input_checks=input_checks(binding),
        model_image_side=max(
            (max(s.width, s.height) for i in plan.inputs for s in i.steps if isinstance(s, Resize)), default=0
        ),
        input_mode=mode,
        audio_sample_rate=rate,
        audio_channels=channels,
        sample_text=kotlin_string_literal(SAMPLE_TEXT) if mode == "text" else "",
        sample_audio_asset=SAMPLE_AUDIO_ASSET if mode == "audio" else "",
    )


def render_project(
    *,
    binding: Any,
    wrapper_files: list[GeneratedFile],
    spec: AppSpec,
    versions: AndroidVersions,
    model_bytes: bytes,
    sample_image: bytes,
    sample_tensors: list[bytes],
    sample_audio: bytes | None,
    expected: dict[str, Any],
    readme: str,
) -> list[GeneratedFile]:
    """Every file of the project (without the Gradle launcher), in memory."""
    ctx = {"notice": GENERATED_NOTICE, "app": spec, "v": versions, "project_name": spec.app_name_xml}
    src = "app/src/main"
    pkg_dir = spec.package.replace(".", "/")
    files = [
        GeneratedFile("settings.gradle.kts", render("android/settings.gradle.kts.j2", **ctx)),
        GeneratedFile("build.gradle.kts", render("android/build.gradle.kts.j2", **ctx)),
        GeneratedFile("gradle.properties", render("android/gradle.properties.j2", **ctx)),
        GeneratedFile("gradle/libs.versions.toml", render("android/libs.versions.toml.j2", **ctx)),
        GeneratedFile(
            "gradle/wrapper/gradle-wrapper.properties", render("android/gradle-wrapper.properties.j2", **ctx)
        ),
        GeneratedFile(".gitignore", ".gradle/\nbuild/\nlocal.properties\n.idea/\n*.iml\n"),
        GeneratedFile("README.md", readme),
        GeneratedFile("app/build.gradle.kts", render("android/app/build.gradle.kts.j2", **ctx)),
        GeneratedFile(f"{src}/AndroidManifest.xml", render("android/app/AndroidManifest.xml.j2", **ctx)),
        GeneratedFile(f"{src}/res/values/strings.xml", render("android/app/res/strings.xml.j2", **ctx)),
        GeneratedFile(
            f"{src}/res/layout/activity_main.xml", render("android/app/res/activity_main.xml.j2", **ctx)
        ),
        GeneratedFile(
            f"{src}/res/drawable/ic_launcher.xml", render("android/app/res/ic_launcher.xml.j2", **ctx)
        ),
        GeneratedFile(f"{src}/assets/{binding.model_asset}", model_bytes),
        GeneratedFile(f"{src}/assets/{SAMPLE_IMAGE_ASSET}", sample_image),
        GeneratedFile(
            f"{src}/assets/{EXPECTED_ASSET}", expected_json(expected)
        ),
    ]
    files += [
        GeneratedFile(f"{src}/assets/sample_input_{i}.bin", data) for i, data in enumerate(sample_tensors)
    ]
    if sample_audio is not None:
        files.append(GeneratedFile(f"{src}/assets/{SAMPLE_AUDIO_ASSET}", sample_audio))
    for name in ("MainActivity", "Presenter", "SampleInput", "DecodeSize", "RunLabel", "PictureDecoder"):
        files.append(
            GeneratedFile(
                f"{src}/kotlin/{pkg_dir}/{name}.kt", render(f"android/app/kotlin/{name}.kt.j2", **ctx)
            )
        )
    for name in ("Device", "DelegatesTest", "HostParityTest", "Flatten", "BenchmarkTest"):
        files.append(
            GeneratedFile(
                f"app/src/androidTest/kotlin/{pkg_dir}/{name}.kt",
                render(f"android/app/androidTest/{name}.kt.j2", **ctx),
            )
        )
    if spec.input_mode == "audio":  # reading a picked WAV file, and its unit test
        files.append(GeneratedFile(f"{src}/kotlin/{pkg_dir}/Wav.kt", render("android/app/kotlin/Wav.kt.j2", **ctx)))
        files.append(
            GeneratedFile(f"app/src/test/kotlin/{pkg_dir}/WavTest.kt", render("android/app/test/WavTest.kt.j2", **ctx))
        )
    for name in ("BindgenSupportTest", "AppLogicTest"):  # local unit tests (JVM, no device)
        files.append(
            GeneratedFile(f"app/src/test/kotlin/{pkg_dir}/{name}.kt", render(f"android/app/test/{name}.kt.j2", **ctx))
        )
    for generated in wrapper_files:
        files.append(GeneratedFile(f"{src}/kotlin/{generated.path}", generated.content))
    return files


def write_project(out_dir: Path, files: list[GeneratedFile], *, overwrite: bool) -> None:
    """Build the project in a scratch folder, then put it in place in one step (``building``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise BindgenError("exists and is not a folder", where=out_dir)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise BindgenError(
            "folder exists and is not empty", where=out_dir, hint="pass --overwrite to replace it"
        )
    with building(out_dir) as scratch:
        write_files(scratch, files, blame_root=out_dir)


@dataclass(frozen=True)
class Generated:
    out_dir: Path
    files: int
    wrapper_message: str


def generate(
    model_path: Path,
    out_dir: Path,
    *,
    app_id: str | None = None,
    app_name: str | None = None,
    package: str | None = None,
    sample_image: Path | None = None,
    overwrite: bool = False,
    twin: HostTwin,
    launcher: Launcher | None = None,
) -> Generated:
    """Read the model, render the whole project, add the Gradle launcher, write it all at once.

    ``twin`` computes the host values the device test compares with; ``launcher`` makes
    ``gradlew`` (None: the project gets no launcher).
    """
    from bindgen.decide.plan import build_plan
    from bindgen.generate.kotlin.render import binding_for, render_binding
    from bindgen.read.tflite.reader import read_model

    model = read_model(model_path)  # a bad model is the first thing to report
    versions = load_versions()
    d_id, d_name, d_pkg = default_names(model_path)
    app_id = check_app_id(app_id or d_id, "--app-id")
    package = check_app_id(package or d_pkg, "--package")
    app_name = app_name or d_name
    plan = build_plan(model)
    binding = binding_for(model, package, plan=plan)
    wrapper = render_binding(binding)
    image_bytes = sample_png(binding, plan, sample_image)
    spec = build_spec(binding, plan, app_id, app_name)
    tensors = []
    host_inputs: list[tuple[str, bytes]] = []
    text: str | None = None
    audio: bytes | None = None
    if spec.input_mode == "text":  # process(text) on the device, `bindgen run --text` here
        text = SAMPLE_TEXT
    elif binding.audio is not None:  # process(samples) of the WAV's floats on both sides
        audio = synthetic_clip(spec.audio_sample_rate, spec.audio_channels, binding.audio.samples)
        host_inputs.append(("wav", audio))
    elif single_image_input(binding):
        host_inputs.append(("png", image_bytes))
    else:
        for i in binding.inputs:
            data = _sample_tensor(i.shape, i.dtype, 0)
            tensors.append(data)
            host_inputs.append(("npy", _npy(data, i.shape, i.dtype)))
    readme = render(
        "android/README.md.j2", notice=GENERATED_NOTICE, app=spec, v=versions, model_name=model_path.name
    )
    files = render_project(
        binding=binding,
        wrapper_files=list(wrapper),
        spec=spec,
        versions=versions,
        model_bytes=model_path.read_bytes(),
        sample_image=image_bytes,
        sample_tensors=tensors,
        sample_audio=audio,
        expected=expected_outputs(model_path, spec.parity, host_inputs, twin, spec.input_checks, text),
        readme=readme,
    )
    message = "no Gradle launcher requested"
    if launcher is not None:
        outcome = launcher(versions.gradle)
        files += list(outcome.files)
        message = outcome.message
    write_project(out_dir, files, overwrite=overwrite)
    return Generated(out_dir, len(files), message)


def generate_project(
    model_path: Path,
    out_dir: Path,
    app_id: str | None = None,
    app_name: str | None = None,
    package: str | None = None,
    sample_image: Path | None = None,
    overwrite: bool = False,
    *,
    twin: HostTwin,
    launcher: Launcher | None = None,
) -> Generated:
    """The project of ``model_path`` in ``out_dir`` (what ``bindgen demo`` and ``make golden`` call)."""
    return generate(
        model_path,
        out_dir,
        app_id=app_id,
        app_name=app_name,
        package=package,
        sample_image=sample_image,
        overwrite=overwrite,
        twin=twin,
        launcher=launcher,
    )
