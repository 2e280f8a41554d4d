"""``bindgen convert``: a Keras or SavedModel model → ``.tflite``, optionally quantized.

The loop the TFLite talks teach — convert, shrink with quantization, check the accuracy cost —
as one function. TensorFlow is imported only inside :func:`convert` (the ``convert`` extra), so
the rest of bindgen starts without it.

Every conversion goes through a SavedModel: a ``.keras``/``.h5`` file is loaded with Keras and
exported (``Model.export``) to a temporary SavedModel, then ``TFLiteConverter.from_saved_model``
runs. With TF 2.21 + Keras 3 ``from_keras_model`` also works but does the same export internally
and prints the artifact summary on stdout; doing it ourselves keeps the output clean and gives one
code path for both source kinds.

Images (representative data, ``--eval``) are preprocessed as TFLite metadata's
``NormalizationOptions`` says a client will: decode, convert to RGB (or grayscale for one
channel), resize to the model's input height x width (bilinear), ``(pixel - mean) / std`` per
channel. Without ``--mean/--std`` the model sees raw pixels in [0, 255] (mean 0, std 1).
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bindgen.errors import EXIT_FAILED, BindgenError
from bindgen.output import TEMP_SUFFIX, building, os_faults, temp_prefix, write_atomic
from bindgen.read.tflite.model import Model, Tensor

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
#: The converter only needs a few hundred samples to calibrate ranges; more only costs time.
MAX_REPRESENTATIVE_IMAGES = 300
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


class SourceKind(enum.Enum):
    SAVED_MODEL = "saved-model"
    KERAS = "keras"


class Quantize(enum.Enum):
    """Post-training quantization mode (the converter's recipes, by their common names)."""

    NONE = "none"  # float32 weights and activations
    DYNAMIC = "dynamic"  # int8 weights, float activations (dynamic-range)
    FLOAT16 = "float16"  # float16 weights, dequantized at load time
    INT8 = "int8"  # full-integer ops, float32 inputs/outputs
    INT8_IO = "int8-io"  # full-integer ops, int8 inputs/outputs

    @property
    def needs_representative(self) -> bool:
        return self in (Quantize.INT8, Quantize.INT8_IO)


@dataclass(frozen=True)
class Normalization:
    """``normalized = (pixel - mean) / std``, per channel (one value = every channel)."""

    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        if not self.mean or not self.std:
            raise BindgenError("--mean and --std need at least one value each")
        if any(s == 0 for s in self.std):
            raise BindgenError("--std values must be non-zero")

    def for_channels(self, channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Mean and std expanded to ``channels`` values, or an error naming the mismatch."""

        def expand(values: tuple[float, ...], flag: str) -> tuple[float, ...]:
            if len(values) == 1:
                return values * channels
            if len(values) != channels:
                raise BindgenError(
                    f"{flag} has {len(values)} values but the model input has {channels} channels"
                )
            return values

        return expand(self.mean, "--mean"), expand(self.std, "--std")


@dataclass(frozen=True)
class ConvertOptions:
    source: Path
    output: Path
    source_kind: SourceKind | None = None  # None = detect
    quantize: Quantize = Quantize.NONE
    representative: Path | None = None
    normalization: Normalization = field(default_factory=Normalization)
    select_tf_ops: bool = False
    eval_dir: Path | None = None
    labels: Path | None = None


@dataclass(frozen=True)
class TensorSummary:
    name: str
    dtype: str  # numpy-style name
    shape: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.dtype}[{','.join(str(d) for d in self.shape)}]"


@dataclass(frozen=True)
class EvalReport:
    """Top-1 agreement between the float ``.tflite`` and the converted one on labelled images."""

    images: int
    classes: tuple[str, ...]
    agreement: float
    #: Top-1 accuracy against the folder names, only when the labels file names the classes.
    float_accuracy: float | None = None
    converted_accuracy: float | None = None


@dataclass(frozen=True)
class ConvertReport:
    source: Path
    source_kind: SourceKind
    output: Path
    quantize: Quantize
    source_bytes: int
    float_bytes: int
    output_bytes: int
    inputs: tuple[TensorSummary, ...]
    outputs: tuple[TensorSummary, ...]
    #: How many tensors of each dtype the converted file holds (e.g. ``{"int8": 12, ...}``).
    tensor_dtypes: dict[str, int]
    representative_images: int
    eval: EvalReport | None
    annotated: bool

    @property
    def ratio(self) -> float:
        """Converted size over the float ``.tflite`` size."""
        return self.output_bytes / self.float_bytes if self.float_bytes else 1.0

    def lines(self) -> list[str]:
        """The human summary ``bindgen convert`` prints."""
        out = [
            f"converted {self.source} ({self.source_kind.value}) -> {self.output}"
            f" [quantize={self.quantize.value}]",
            f"  source         {human_size(self.source_bytes)}",
            f"  float .tflite  {human_size(self.float_bytes)}",
            f"  output         {human_size(self.output_bytes)}"
            f"  ({self.ratio:.2f}x the float .tflite)",
            f"  inputs   {', '.join(str(t) for t in self.inputs)}",
            f"  outputs  {', '.join(str(t) for t in self.outputs)}",
            "  tensors  " + ", ".join(f"{n} {k}" for k, n in sorted(self.tensor_dtypes.items())),
        ]
        if self.representative_images:
            out.append(f"  calibrated on {self.representative_images} representative images")
        if self.eval is not None:
            e = self.eval
            line = (
                f"  eval: top-1 agreement float vs {self.quantize.value}: {e.agreement:.1%}"
                f" on {e.images} images, {len(e.classes)} classes"
            )
            if e.float_accuracy is not None and e.converted_accuracy is not None:
                line += f"; accuracy float {e.float_accuracy:.1%}, converted {e.converted_accuracy:.1%}"
            out.append(line)
        if self.annotated:
            out.append("  metadata written by annotate (labels, normalization)")
        if self.quantize is Quantize.INT8_IO:
            out.append(
                "  note: int8 inputs/outputs are refused by MediaPipe Tasks and Android Studio's ML"
                " binding (they take float32/uint8); use --quantize int8 for those"
            )
        return out


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def path_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (a SavedModel)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def detect_source(path: Path, declared: SourceKind | None) -> SourceKind:
    """What ``path`` is: a SavedModel folder or a Keras file; an error when it is neither."""
    if not path.exists():
        raise BindgenError("no such file or folder", where=path)
    is_saved_model = path.is_dir() and (
        (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file()
    )
    is_keras = path.is_file() and path.suffix.lower() in KERAS_SUFFIXES
    if declared is SourceKind.SAVED_MODEL and not is_saved_model:
        raise BindgenError("not a SavedModel folder (no saved_model.pb inside)", where=path)
    if declared is SourceKind.KERAS and not path.is_file():
        raise BindgenError("--from keras needs a .keras or .h5 file", where=path)
    if declared is not None:
        return declared
    if is_saved_model:
        return SourceKind.SAVED_MODEL
    if is_keras:
        return SourceKind.KERAS
    raise BindgenError(
        "cannot tell what this is",
        where=path,
        hint="give a SavedModel folder, a .keras/.h5 file, or --from saved-model|keras",
    )


def image_files(folder: Path) -> list[Path]:
    """Image files under ``folder`` (recursively), in a stable order."""
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )


def eval_classes(folder: Path) -> list[tuple[str, list[Path]]]:
    """``(class name, images)`` for each sub-folder of ``folder`` that holds images."""
    if not folder.is_dir():
        raise BindgenError("--eval needs a folder with one sub-folder per class", where=folder)
    classes = [(d.name, image_files(d)) for d in sorted(folder.iterdir()) if d.is_dir()]
    classes = [(name, files) for name, files in classes if files]
    if not classes:
        raise BindgenError("no class sub-folders with images found", where=folder)
    return classes


def _validate(options: ConvertOptions) -> tuple[SourceKind, list[Path]]:
    """Check everything that does not need TensorFlow, before the slow import."""
    kind = detect_source(options.source, options.source_kind)
    out = options.output
    if out.suffix.lower() != ".tflite":
        raise BindgenError("the output must be a .tflite file", where=out)
    if out.exists() and out.is_dir():
        raise BindgenError("the output is a folder", where=out)
    if out.resolve() == options.source.resolve():
        raise BindgenError("the output would overwrite the source", where=out)
    rep: list[Path] = []
    if options.quantize.needs_representative and options.representative is None:
        raise BindgenError(
            f"--quantize {options.quantize.value} needs --representative DIR",
            hint="a folder of a few hundred typical input images",
        )
    if options.representative is not None:
        if not options.representative.is_dir():
            raise BindgenError("--representative must be a folder of images", where=options.representative)
        rep = image_files(options.representative)[:MAX_REPRESENTATIVE_IMAGES]
        if not rep:
            raise BindgenError("no images found (jpg, png, bmp, gif, webp)", where=options.representative)
    if options.eval_dir is not None:
        eval_classes(options.eval_dir)
    if options.labels is not None and not options.labels.is_file():
        raise BindgenError("no such labels file", where=options.labels)
    return kind, rep


def _import_tensorflow() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        with quiet_native_output():  # absl/oneDNN banners on stderr at import
            import tensorflow as tf
    except ImportError:
        raise BindgenError(
            "bindgen convert needs the 'convert' extra: pip install 'bindgen[convert]'"
        ) from None
    return tf


@contextlib.contextmanager
def _saved_model(tf: Any, source: Path, kind: SourceKind) -> Iterator[Path]:
    """The SavedModel folder to convert: the source itself, or a temporary Keras export."""
    if kind is SourceKind.SAVED_MODEL:
        yield source
        return
    import keras  # type: ignore[import-untyped]

    try:
        with quiet_native_output():
            model = keras.models.load_model(source, compile=False)
    except Exception as error:  # Keras raises many types for a bad file
        raise BindgenError(f"Keras cannot load this model: {_first_line(error)}", where=source) from None
    with tempfile.TemporaryDirectory(prefix="bindgen-convert-") as tmp:
        exported = Path(tmp) / "saved_model"
        try:
            with quiet_native_output():
                model.export(str(exported), format="tf_saved_model", verbose=False)
        except Exception as error:
            raise BindgenError(
                f"Keras cannot export this model: {_first_line(error)}", where=source
            ) from None
        yield exported


@contextlib.contextmanager
def quiet_native_output() -> Iterator[None]:
    """Silence what the C++ converter/runtime print on fds 1 and 2 (progress chatter, INFO lines).

    Failures still surface: the converter raises with its own message, which we report.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _interpreter(content: bytes) -> Any:
    """An interpreter over ``content``: LiteRT when installed, else TensorFlow's own.

    TensorFlow's interpreter links the Flex delegate, so it also runs ``--select-tf-ops`` models,
    which LiteRT's Python wheel refuses to allocate.
    """
    if importlib.util.find_spec("ai_edge_litert") is not None:
        from ai_edge_litert.interpreter import Interpreter

        try:
            with quiet_native_output():
                interpreter = Interpreter(model_content=content)
                interpreter.allocate_tensors()
            return interpreter
        except RuntimeError:
            pass  # e.g. Flex (Select TF) ops: TensorFlow's interpreter below handles them
    tf = _import_tensorflow()
    try:
        with quiet_native_output():
            interpreter = tf.lite.Interpreter(model_content=content)
            interpreter.allocate_tensors()
    except RuntimeError as error:
        raise BindgenError(
            f"cannot run the converted model here: {_first_line(error)[:200]}",
            hint="Select TF (Flex) ops need a runtime with the Flex delegate; drop --eval",
            exit_code=EXIT_FAILED,
        ) from None
    return interpreter


def _describe(content: bytes) -> Model:
    """bindgen's own reader over converted bytes (works for models no interpreter here can run)."""
    from bindgen.read.tflite.reader import read_model

    with tempfile.TemporaryDirectory(prefix="bindgen-convert-") as tmp:
        path = Path(tmp) / "model.tflite"
        with os_faults(path):
            path.write_bytes(content)
        return read_model(path)


def _summaries(tensors: Sequence[Tensor]) -> tuple[TensorSummary, ...]:
    return tuple(TensorSummary(t.name, t.dtype.numpy_name, t.shape) for t in tensors)


def _model_image_input(model: Model, where: Path) -> tuple[int, int, int]:
    """(height, width, channels) of the model's single NHWC image input, or an error."""
    inputs = model.main.inputs
    if len(inputs) != 1 or len(inputs[0].shape) != 4 or inputs[0].shape[3] not in (1, 3):
        shapes = ", ".join(str(list(t.shape)) for t in inputs)
        raise BindgenError(
            f"images can only feed a model with one [1, H, W, 1|3] input; this one has {shapes}",
            where=where,
        )
    _, height, width, channels = inputs[0].shape
    return height, width, channels


def load_image(path: Path, height: int, width: int, channels: int, norm: Normalization) -> Any:
    """One image as a ``[1, H, W, C]`` float32 array, normalized as the metadata would say."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    mean, std = norm.for_channels(channels)
    try:
        with Image.open(path) as image:
            pixels = image.convert("L" if channels == 1 else "RGB").resize(
                (width, height), Image.Resampling.BILINEAR
            )
            array = np.asarray(pixels, dtype=np.float32).reshape(height, width, channels)
    except (OSError, UnidentifiedImageError) as error:
        raise BindgenError(f"cannot read image: {_first_line(error)}", where=path) from None
    normalized = (array - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return normalized[np.newaxis, ...]


def top1(interpreter: Any, image: Any) -> int:
    """Run ``interpreter`` on one float image; quantizes/dequantizes int I/O by its own params."""
    import numpy as np

    inp = interpreter.get_input_details()[0]
    value = image
    if np.dtype(inp["dtype"]).kind in "iu":
        scale, zero = inp["quantization"]
        info = np.iinfo(inp["dtype"])
        value = np.clip(np.round(image / scale + zero), info.min, info.max)
    interpreter.set_tensor(inp["index"], value.astype(inp["dtype"]))
    interpreter.invoke()
    out = interpreter.get_output_details()[0]
    result = interpreter.get_tensor(out["index"]).astype(np.float32)
    if np.dtype(out["dtype"]).kind in "iu":
        scale, zero = out["quantization"]
        result = (result - zero) * scale
    return int(np.argmax(result.reshape(-1)))


def evaluate(
    float_model: bytes,
    converted: bytes,
    folder: Path,
    norm: Normalization,
    labels: Sequence[str] | None = None,
) -> EvalReport:
    """Top-1 agreement of the two models on every image under ``folder``'s class sub-folders."""
    classes = eval_classes(folder)
    reference, candidate = _interpreter(float_model), _interpreter(converted)
    height, width, channels = _model_image_input(_describe(float_model), folder)
    label_index = {name: i for i, name in enumerate(labels)} if labels else {}
    scored = bool(label_index) and all(name in label_index for name, _ in classes)
    agree = right_float = right_converted = total = 0
    for name, files in classes:
        for path in files:
            image = load_image(path, height, width, channels, norm)
            a, b = top1(reference, image), top1(candidate, image)
            total += 1
            agree += a == b
            if scored:
                right_float += a == label_index[name]
                right_converted += b == label_index[name]
    return EvalReport(
        images=total,
        classes=tuple(name for name, _ in classes),
        agreement=agree / total,
        float_accuracy=right_float / total if scored else None,
        converted_accuracy=right_converted / total if scored else None,
    )


def read_labels(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BindgenError(f"cannot read labels: {_first_line(error)}", where=path) from None
    labels = [line.strip() for line in text.splitlines() if line.strip()]
    if not labels:
        raise BindgenError("the labels file is empty", where=path)
    return labels


def _run_converter(
    tf: Any,
    saved_model: Path,
    quantize: Quantize,
    select_tf_ops: bool,
    representative: Callable[[], Iterator[list[Any]]] | None,
    where: Path,
) -> bytes:
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    builtins = tf.lite.OpsSet.TFLITE_BUILTINS
    if quantize is not Quantize.NONE:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize is Quantize.FLOAT16:
        converter.target_spec.supported_types = [tf.float16]
    if quantize.needs_representative:
        converter.representative_dataset = representative
        # Full-integer: fail rather than silently leave float ops behind.
        builtins = tf.lite.OpsSet.TFLITE_BUILTINS_INT8
    if quantize is Quantize.INT8_IO:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    ops = [builtins]
    if select_tf_ops:
        ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
    converter.target_spec.supported_ops = ops
    try:
        with quiet_native_output():
            content = converter.convert()
    except Exception as error:  # ConverterError and friends
        text = str(error)
        missing = sorted(set(re.findall(r"'(tf\.\w+)' op is neither a custom op nor a flex op", text)))
        if missing:
            message = f"TensorFlow ops with no TFLite builtin: {', '.join(missing)}"
        else:
            message = " ".join(text.split())[:400]
        hint = None
        if not select_tf_ops and (missing or "Select TF" in text):
            hint = "try --select-tf-ops (the app then needs the tensorflow-lite-select-tf-ops runtime)"
        raise BindgenError(
            f"the TFLite converter failed ({quantize.value}): {message}", where=where, hint=hint
        ) from None
    return bytes(content)


def _write_annotated(content: bytes, output: Path, labels: Path, norm: Normalization) -> None:
    """Chain into ``bindgen annotate``: labels + the normalization the model was calibrated with.

    A model with one image input and one ``[1, N]`` output is annotated as an image classifier
    (what MediaPipe Tasks and the Android binding read); anything else gets generic metadata.
    The converted bytes go to a temporary file beside ``output`` that annotate reads and that is
    removed afterwards, so ``output`` is written once, by annotate, or not at all. A missing
    output folder is built in a scratch folder and appears only with the model in it.
    """
    if not output.parent.is_dir():
        with building(output.parent, merge=True) as stage:
            _write_annotated(content, stage / output.name, labels, norm)
        return
    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate
    from bindgen.decide.annotate.kinds import Kind, image_layout
    from bindgen.read.tflite.reader import read_model

    with os_faults(output):
        fd, name = tempfile.mkstemp(prefix=temp_prefix(output.name), suffix=TEMP_SUFFIX, dir=output.parent)
    staged = Path(name)
    try:
        with os_faults(output), os.fdopen(fd, "wb") as handle:
            handle.write(content)
        main = read_model(staged).main
        classifier = (
            len(main.inputs) == 1
            and image_layout(main.inputs[0]) is not None
            and len(main.outputs) == 1
            and len(main.outputs[0].shape) == 2
        )
        annotate(
            AnnotateRequest(
                model=staged,
                out=output,
                kind=Kind.IMAGE_CLASSIFIER if classifier else Kind.GENERIC,
                labels=labels,
                mean=norm.mean,
                std=norm.std,
            )
        )
    finally:
        staged.unlink(missing_ok=True)


def convert(options: ConvertOptions) -> ConvertReport:
    """Convert, quantize, optionally evaluate and annotate; write ``options.output`` atomically."""
    kind, rep_files = _validate(options)
    labels = read_labels(options.labels) if options.labels is not None else None
    tf = _import_tensorflow()
    norm = options.normalization
    with _saved_model(tf, options.source, kind) as saved_model:
        float_bytes = _run_converter(
            tf, saved_model, Quantize.NONE, options.select_tf_ops, None, options.source
        )
        shape: tuple[int, int, int] | None = None
        if rep_files or options.eval_dir is not None:
            shape = _model_image_input(_describe(float_bytes), options.source)
            norm.for_channels(shape[2])  # a --mean/--std length mismatch fails before calibrating

        def representative() -> Iterator[list[Any]]:
            assert shape is not None
            for path in rep_files:
                yield [load_image(path, *shape, norm)]

        if options.quantize is Quantize.NONE:
            content = float_bytes
        else:
            content = _run_converter(
                tf, saved_model, options.quantize, options.select_tf_ops,
                representative if options.quantize.needs_representative else None, options.source,
            )
    eval_report = (
        evaluate(float_bytes, content, options.eval_dir, norm, labels)
        if options.eval_dir is not None
        else None
    )
    described = _describe(content)
    if options.labels is not None:
        _write_annotated(content, options.output, options.labels, norm)
    else:
        write_atomic(options.output, content)
    return ConvertReport(
        source=options.source,
        source_kind=kind,
        output=options.output,
        quantize=options.quantize,
        source_bytes=path_size(options.source),
        float_bytes=len(float_bytes),
        output_bytes=options.output.stat().st_size,
        inputs=_summaries(described.main.inputs),
        outputs=_summaries(described.main.outputs),
        tensor_dtypes=_tensor_dtypes(described),
        representative_images=len(rep_files) if options.quantize.needs_representative else 0,
        eval=eval_report,
        annotated=options.labels is not None,
    )


def _tensor_dtypes(model: Model) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tensor in model.main.tensors:
        counts[tensor.dtype.numpy_name] = counts.get(tensor.dtype.numpy_name, 0) + 1
    return counts
