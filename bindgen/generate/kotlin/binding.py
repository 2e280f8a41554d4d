"""Everything the Kotlin templates need, decided: names, types and literals.

``build_binding(plan, package, class_name, model_asset)`` turns the language-neutral
:class:`bindgen.decide.plan.BindingPlan` into a frozen :class:`KotlinBinding`. Templates receive only
this object: every identifier in it is a :class:`~bindgen.generate.kotlin.names.KotlinName` from one
allocator per scope, every string literal is already escaped, every comment line is already
neutralised. Other renderers (the Android sample project) code against it too:

* ``binding.class_name`` / ``binding.package`` / ``binding.model_asset`` — the wrapper class,
  its package and the asset file name the wrapper opens;
* ``binding.inputs[i].name`` and ``.kind`` (:class:`InputKind`) — the ``process(...)``
  parameter for input ``i`` and whether it takes an image (``TensorImage``/``Bitmap``), a
  ``TensorBuffer`` or a ``ByteBuffer``;
* ``binding.outputs[i].name``, ``.kind`` (:class:`OutputKind`), ``.kotlin_type`` and
  ``.raw_name`` — the ``Outputs`` property for output ``i`` and the raw buffer property;
* ``binding.detections`` — the ``List<DetectionResult>`` property per detection group.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import struct
from dataclasses import dataclass

from bindgen.decide.plan import (
    BindingPlan,
    BoxCoordinates,
    BoxType,
    Cast,
    ColorSpace,
    Dequantize,
    InputPlan,
    InputRole,
    Normalize,
    OutputPlan,
    OutputRole,
    Quantize,
    Resize,
    ScoreTransformation,
)
from bindgen.generate.kotlin.inputs import INPUT_MEMBERS, AudioBinding, TextBinding, audio_binding, text_binding
from bindgen.generate.kotlin.names import (
    Case,
    KotlinName,
    NameAllocator,
    kdoc_lines,
    kotlin_string_literal,
)
from bindgen.read.tflite.model import DType

__all__ = [
    "CLASS_MEMBERS",
    "SUPPORT_FILE_CLASS",
    "DetectionBinding",
    "FieldBinding",
    "InputBinding",
    "InputKind",
    "KotlinBinding",
    "OutputBinding",
    "OutputKind",
    "build_binding",
]

#: Members the generated class declares itself; model names can never take these.
CLASS_MEMBERS = (
    "process",
    "close",
    "Outputs",
    "Options",
    "Device",
    "newInstance",
    "Companion",
    "interpreter",
    "model",
    "DetectionResult",
    "Segmentation",
    "MODEL_ASSET",
    "equals",
    "hashCode",
    "toString",
    "getClass",
    "context",
    "options",
    "outputs",
    "inputs",
    "device",
    "fallbackReason",
    "rotationDegrees",
    "inputBytes",
    "outputBytes",
    "run",
)
#: Members of the nested ``Outputs`` class the generator writes.
OUTPUTS_MEMBERS = ("equals", "hashCode", "toString", "getClass", "buffers", "frame", "Companion")
#: The shared helper object written next to the wrappers (one per package).
SUPPORT_FILE_CLASS = "BindgenSupport"

#: Data types the Support Library's TensorBuffer can hold (0.4.4: FLOAT32 and UINT8 only).
TENSOR_BUFFER_DTYPES = (DType.FLOAT32, DType.UINT8)
#: Data types the generated code reads and writes (``BindgenSupport.toFloats``/``fromFloats``).
SUPPORTED_DTYPES = (
    DType.FLOAT32,
    DType.FLOAT16,
    DType.UINT8,
    DType.INT8,
    DType.INT16,
    DType.INT32,
    DType.INT64,
    DType.BOOL,
)


class InputKind(enum.Enum):
    IMAGE = "image"  # process(TensorImage) and process(Bitmap); TensorBuffer/ByteBuffer raw overload
    TENSOR_BUFFER = "TensorBuffer"
    BYTE_BUFFER = "ByteBuffer"  # dtypes TensorBuffer cannot hold: caller fills a native-order buffer


class OutputKind(enum.Enum):
    CATEGORIES = "categories"  # List<Category>
    SEGMENTATION = "segmentation"  # Segmentation (category mask + labels)
    CONFIDENCE_MASK = "confidence_mask"  # FloatArray (one confidence per pixel) + Bitmap
    IMAGE = "image"  # TensorImage (pixels, normalization undone) + Bitmap
    TENSOR = "tensor"  # raw only (TensorBuffer or ByteBuffer)
    DETECTION_PART = "detection_part"  # raw only; the group has a List<DetectionResult>


@dataclass(frozen=True)
class InputBinding:
    index: int
    name: KotlinName  # process(...) parameter
    kind: InputKind
    kotlin_type: str  # "TensorImage" for images, else the raw type
    raw_type: str  # "TensorBuffer" or "ByteBuffer"
    data_type: str  # "DataType.FLOAT32" …, or "" when TensorBuffer cannot hold it
    dtype: str  # TFLite dtype name, e.g. "int8"
    shape: tuple[int, ...]
    kdoc: tuple[str, ...]
    processor: KotlinName | None  # private ImageProcessor property (images only)
    image_ops: tuple[str, ...]  # Kotlin expressions, in order, for ImageProcessor.Builder().add(…)
    #: How the processed image becomes bytes: "buffer" (TensorImage.buffer already has the right
    #: dtype) or "encode" (BindgenSupport.fromFloats with the quantization below).
    image_encoding: str
    encode_dtype: str  # BindgenSupport.DType entry, e.g. "INT8"
    scale_literal: str  # "0.0078125f"
    zero_point_literal: str  # "128"
    name_literal: str  # the parameter name as a string literal, for error messages
    element_size: int  # bytes per element (byte order only matters above 1)
    height: int  # model input size of an image input (0 otherwise)
    width: int


@dataclass(frozen=True)
class OutputBinding:
    index: int
    name: KotlinName  # the Outputs property
    raw_name: KotlinName  # the raw buffer property (== name for OutputKind.TENSOR/DETECTION_PART)
    kind: OutputKind
    kotlin_type: str  # type of `name`
    raw_type: str  # "TensorBuffer" or "ByteBuffer"
    data_type: str  # "DataType.FLOAT32" or ""
    dtype: str
    encode_dtype: str
    scale_literal: str  # dequantization: "1.0f" / "0" when not quantized
    zero_point_literal: str
    kdoc: tuple[str, ...]
    labels_field: KotlinName | None  # private class property holding the labels
    labels_file_literal: str  # "\"labels.txt\"" or ""
    calibration_field: KotlinName | None
    calibration_file_literal: str
    transformation: str  # BindgenSupport.Transformation entry
    default_score_literal: str
    image_shape: tuple[int, int, int] | None  # (h, w, c) for image outputs
    shape_literal: str  # "1, 1001" for intArrayOf(…)
    floats: str  # Kotlin expression: this output's values as a dequantized FloatArray
    threshold_literal: str  # score threshold ("-Float.MAX_VALUE" when the metadata has none)
    segmentation_size_literal: str  # "height, width, classes" for segmentation outputs
    image_shape_literal: str  # "h, w, c" for image outputs
    #: ``FloatArray`` property: the output's values as floats, dequantized when quantized (every
    #: output; ``None`` for confidence masks, whose ``name`` is that view already).
    floats_name: KotlinName | None = None
    bitmap_name: KotlinName | None = None  # ``Bitmap`` property of image outputs and confidence masks
    image_mean_literal: str = ""  # image outputs: ``floatArrayOf(…)`` of the normalization to undo
    image_std_literal: str = ""
    mask_size_literal: str = ""  # confidence masks: "height, width"
    quantized: bool = False  # the raw values are quantized (scale_literal/zero_point_literal apply)


@dataclass(frozen=True)
class DetectionBinding:
    name: KotlinName  # Outputs property of type List<DetectionResult>
    locations: KotlinName  # raw properties of the four tensors
    classes: KotlinName
    scores: KotlinName
    count: KotlinName
    box_index: tuple[int, int, int, int]
    box_type: str  # BindgenSupport.BoxType entry
    pixel_coordinates: bool
    labels_field: KotlinName | None
    labels_file_literal: str
    calibration_field: KotlinName | None
    calibration_file_literal: str
    transformation: str
    default_score_literal: str
    kdoc: tuple[str, ...]
    locations_floats: str
    classes_floats: str
    scores_floats: str
    count_floats: str
    box_index_literal: str
    threshold_literal: str
    pixel_literal: str  # "true" when the boxes are in model input pixels (PIXEL), "false" for RATIO
    model_width: int  # the image input's size, to turn RATIO boxes into pixels (0: no image input)
    model_height: int


@dataclass(frozen=True)
class FieldBinding:
    """A private constructor property of the wrapper and how ``newInstance`` initialises it."""

    name: KotlinName
    type: str
    init: str


@dataclass(frozen=True)
class KotlinBinding:
    package: str
    class_name: KotlinName
    model_asset: str  # asset file name, e.g. "mobilenet.tflite"
    model_asset_literal: str
    kdoc: tuple[str, ...]  # class KDoc lines (model name, description, version, …)
    has_metadata: bool
    inputs: tuple[InputBinding, ...]
    outputs: tuple[OutputBinding, ...]
    detections: tuple[DetectionBinding, ...]
    fields: tuple[FieldBinding, ...]
    support_class: str = SUPPORT_FILE_CLASS
    text: TextBinding | None = None  # process(text: String) for BERT / regex tokenizer metadata
    audio: AudioBinding | None = None  # process(samples)/process(TensorAudio) for AudioProperties

    @property
    def frame_input(self) -> InputBinding | None:
        """The image input detection boxes are mapped back to (the first one), when there are boxes."""
        if not self.detections:
            return None
        return next((i for i in self.inputs if i.kind is InputKind.IMAGE), None)

    @property
    def has_image_input(self) -> bool:
        return any(i.kind is InputKind.IMAGE for i in self.inputs)

    @property
    def needs_metadata_extractor(self) -> bool:
        return (
            any(o.labels_field or o.calibration_field for o in self.outputs)
            or any(d.labels_field or d.calibration_field for d in self.detections)
            or self.text is not None
        )


def float_literal(value: float) -> str:
    """A Kotlin Float literal (``1.0f``, ``-0.5f``, ``1.0E-5f``); NaN/∞ as Float constants.

    The shortest decimal that is the same float32 as ``value``, so an exact float32 from the
    metadata (a score threshold) keeps every bit without a 17-digit literal.
    """
    if math.isnan(value):
        return "Float.NaN"
    if math.isinf(value):
        return "Float.POSITIVE_INFINITY" if value > 0 else "Float.NEGATIVE_INFINITY"
    target = _f32(float(value))
    text = repr(float(value))
    for digits in range(1, 10):
        candidate = f"{float(value):.{digits}g}"
        if _f32(float(candidate)) == target:
            text = candidate
            break
    if "e" in text or "E" in text:
        mantissa, exponent = text.lower().split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}E{int(exponent)}"
    elif "." not in text:
        text += ".0"
    return text + "f"


def _f32(value: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:  # beyond float32: Kotlin makes it infinity; keep the text as is
        return value


def int_literal(value: int) -> str:
    return str(int(value))


def _float_array(values: tuple[float, ...]) -> str:
    return "floatArrayOf(" + ", ".join(float_literal(v) for v in values) + ")"


def _data_type(dtype: DType) -> str:
    return f"DataType.{dtype.name}" if dtype in TENSOR_BUFFER_DTYPES else ""


def _describe_tensor(description: str, extra: list[str]) -> tuple[str, ...]:
    lines = kdoc_lines(description)
    if extra:
        if lines:
            lines.append("")
        lines.extend(kdoc_lines("\n".join(extra)))
    return tuple(lines)


def _input(plan: InputPlan, allocator: NameAllocator, fields: NameAllocator, no_md: bool) -> InputBinding:
    tensor = plan.tensor
    if tensor.dtype not in SUPPORTED_DTYPES:
        from bindgen.errors import BindgenError

        raise BindgenError(f"input {plan.name!r} has dtype {tensor.dtype.numpy_name}, which bindgen cannot bind")
    suggestion = f"inputFeature{plan.index}" if no_md else plan.name
    name = allocator.new_name(suggestion, ("input", plan.index))
    raw_type = "TensorBuffer" if tensor.dtype in TENSOR_BUFFER_DTYPES else "ByteBuffer"
    extra = [f"Tensor `{tensor.name}`: {tensor.dtype.numpy_name} {list(tensor.shape)}."]
    if plan.value_range is not None:
        extra.append(f"Value range: {plan.value_range[0]} to {plan.value_range[1]}.")
    ops: list[str] = []
    encoding = "buffer"
    scale, zero_point = 1.0, 0
    if plan.role is InputRole.IMAGE:
        for step in plan.steps:
            if isinstance(step, Resize):
                ops.append(f"ResizeOp({step.height}, {step.width}, ResizeOp.ResizeMethod.BILINEAR)")
                if plan.color_space is ColorSpace.GRAYSCALE:
                    ops.append("TransformToGrayscaleOp()")
            elif isinstance(step, Normalize):
                ops.append(f"NormalizeOp({_float_array(step.mean)}, {_float_array(step.std)})")
                extra.append(f"Normalization: (x - {list(step.mean)}) / {list(step.std)}.")
            elif isinstance(step, Quantize):
                scale, zero_point = step.scale, step.zero_point
                extra.append(f"Quantization: scale {step.scale}, zero point {step.zero_point}.")
            elif isinstance(step, Cast):
                if scale != 1.0 or zero_point != 0:
                    ops.append(f"QuantizeOp({float_literal(zero_point)}, {float_literal(scale)})")
                if step.dtype in TENSOR_BUFFER_DTYPES:
                    ops.append(f"CastOp({_data_type(step.dtype)})")
                else:
                    ops.append("CastOp(DataType.FLOAT32)")
                    encoding = "encode"
        kind = InputKind.IMAGE
        kotlin_type = "TensorImage"
        processor: KotlinName | None = fields.new_name(f"{name}Processor", ("processor", plan.index))
    else:
        kind = InputKind.TENSOR_BUFFER if raw_type == "TensorBuffer" else InputKind.BYTE_BUFFER
        kotlin_type = raw_type
        processor = None
        if tensor.quantization is not None and tensor.quantization.scale:
            extra.append(
                f"Quantized: scale {tensor.quantization.scale[0]}, zero point "
                f"{tensor.quantization.zero_point[0] if tensor.quantization.zero_point else 0}."
            )
    if kind is InputKind.BYTE_BUFFER:
        extra.append("Pass a direct ByteBuffer in native byte order.")
    elif raw_type == "ByteBuffer":
        extra.append("The preprocessed overload takes a direct ByteBuffer in native byte order.")
    return InputBinding(
        index=plan.index,
        name=name,
        kind=kind,
        kotlin_type=kotlin_type,
        raw_type=raw_type,
        data_type=_data_type(tensor.dtype),
        dtype=tensor.dtype.numpy_name,
        shape=tensor.shape,
        kdoc=_describe_tensor(plan.description, extra),
        processor=processor,
        image_ops=tuple(ops),
        image_encoding=encoding,
        encode_dtype=tensor.dtype.name,
        scale_literal=float_literal(scale),
        zero_point_literal=int_literal(zero_point),
        name_literal=kotlin_string_literal(str(name)),
        element_size=tensor.dtype.itemsize or 1,
        height=plan.height or 0 if plan.role is InputRole.IMAGE else 0,
        width=plan.width or 0 if plan.role is InputRole.IMAGE else 0,
    )


_KIND = {
    OutputRole.CLASSIFICATION: (OutputKind.CATEGORIES, "List<Category>"),
    OutputRole.SEGMENTATION: (OutputKind.SEGMENTATION, "Segmentation"),
    OutputRole.CONFIDENCE_MASK: (OutputKind.CONFIDENCE_MASK, "FloatArray"),
    OutputRole.IMAGE: (OutputKind.IMAGE, "TensorImage"),
    OutputRole.TENSOR: (OutputKind.TENSOR, ""),
    OutputRole.DETECTION: (OutputKind.DETECTION_PART, ""),
}


def _output(plan: OutputPlan, props: NameAllocator, fields: NameAllocator, no_md: bool) -> OutputBinding:
    tensor = plan.tensor
    if tensor.dtype not in SUPPORTED_DTYPES:
        from bindgen.errors import BindgenError

        raise BindgenError(f"output {plan.name!r} has dtype {tensor.dtype.numpy_name}, which bindgen cannot bind")
    raw_type = "TensorBuffer" if tensor.dtype in TENSOR_BUFFER_DTYPES else "ByteBuffer"
    kind, kotlin_type = _KIND[plan.role]
    suggestion = f"outputFeature{plan.index}" if no_md else plan.name
    name = props.new_name(suggestion, ("output", plan.index))
    raw_name = (
        name
        if kind in (OutputKind.TENSOR, OutputKind.DETECTION_PART)
        else props.new_name(f"{name}Buffer", ("raw", plan.index))
    )
    if not kotlin_type:
        kotlin_type = raw_type
    extra = [f"Tensor `{tensor.name}`: {tensor.dtype.numpy_name} {list(tensor.shape)}."]
    if plan.dequantize is not None:
        extra.append(
            f"Quantized (scale {plan.dequantize.scale}, zero point {plan.dequantize.zero_point}): the raw"
            " buffer holds the quantized values, not dequantized ones."
        )
    labels_field = None
    calibration_field = None
    if plan.labels is not None:
        if plan.role is not OutputRole.CONFIDENCE_MASK:  # a confidence mask is one class: nothing to look up
            labels_field = fields.new_name(f"{name}Labels", ("labels", plan.index))
        extra.append(f"Labels: `{plan.labels.file_name}` ({len(plan.labels.labels)} entries).")
    if plan.calibration is not None:
        calibration_field = fields.new_name(f"{name}Calibration", ("calibration", plan.index))
        extra.append(f"Scores calibrated with `{plan.calibration.file_name}`.")
    image_shape = None
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    if plan.role is OutputRole.IMAGE:
        shape = tensor.shape[-3:]
        image_shape = (shape[0], shape[1], shape[2])
        if plan.normalization is not None:
            mean, std = plan.normalization.mean, plan.normalization.std
            extra.append(f"Normalized: the image is x * {list(std)} + {list(mean)}, clamped to [0, 255].")
    return OutputBinding(
        index=plan.index,
        name=name,
        raw_name=raw_name,
        kind=kind,
        kotlin_type=kotlin_type,
        raw_type=raw_type,
        data_type=_data_type(tensor.dtype),
        dtype=tensor.dtype.numpy_name,
        encode_dtype=tensor.dtype.name,
        scale_literal=float_literal(plan.dequantize.scale if plan.dequantize else 1.0),
        zero_point_literal=int_literal(plan.dequantize.zero_point if plan.dequantize else 0),
        kdoc=_describe_tensor(plan.description, extra),
        labels_field=labels_field,
        labels_file_literal=kotlin_string_literal(plan.labels.file_name) if plan.labels else "",
        calibration_field=calibration_field,
        calibration_file_literal=(kotlin_string_literal(plan.calibration.file_name) if plan.calibration else ""),
        transformation=(plan.calibration.transformation if plan.calibration else ScoreTransformation.IDENTITY).name,
        default_score_literal=float_literal(plan.calibration.default_score if plan.calibration else 0.0),
        image_shape=image_shape,
        shape_literal=", ".join(str(d) for d in tensor.shape),
        floats=_floats_expr(plan.index, tensor.dtype, plan.dequantize),
        threshold_literal=_threshold_literal(plan.score_threshold),
        segmentation_size_literal=(
            ", ".join(str(d) for d in tensor.shape[1:4]) if plan.role is OutputRole.SEGMENTATION else ""
        ),
        image_shape_literal=", ".join(str(d) for d in image_shape) if image_shape else "",
        image_mean_literal=_float_array(mean) if image_shape else "",
        image_std_literal=_float_array(std) if image_shape else "",
        quantized=plan.dequantize is not None,
        mask_size_literal=(
            ", ".join(str(d) for d in tensor.shape[1:3]) if plan.role is OutputRole.CONFIDENCE_MASK else ""
        ),
    )


def _with_views(o: OutputBinding, props: NameAllocator) -> OutputBinding:
    """Names the views every output gets next to its raw buffer: the float values (dequantized),
    and a Bitmap for images and confidence masks. Allocated after every other name, so adding
    them renames nothing the model's own names already had."""
    floats_name = None
    kdoc = o.kdoc
    if o.kind is not OutputKind.CONFIDENCE_MASK:
        floats_name = props.new_name(f"{o.name}Floats", ("floats", o.index))
        if o.quantized:
            kdoc = (*kdoc, f"[{floats_name}] has the dequantized values.")
    bitmap_name = None
    if o.kind in (OutputKind.IMAGE, OutputKind.CONFIDENCE_MASK):
        bitmap_name = props.new_name(f"{o.name}Bitmap", ("bitmap", o.index))
    return dataclasses.replace(o, floats_name=floats_name, bitmap_name=bitmap_name, kdoc=kdoc)


def _floats_expr(index: int, dtype: DType, deq: Dequantize | None) -> str:
    scale = float_literal(deq.scale) if deq else "1f"
    zero_point = int_literal(deq.zero_point) if deq else "0"
    return f"BindgenSupport.toFloats(buffers[{index}], BindgenSupport.DType.{dtype.name}, {scale}, {zero_point})"


def _threshold_literal(value: float | None) -> str:
    return "-Float.MAX_VALUE" if value is None else float_literal(value)


def _fields(
    plan: BindingPlan, outputs: tuple[OutputBinding, ...], detections: list[DetectionBinding]
) -> tuple[FieldBinding, ...]:
    result: list[FieldBinding] = []
    for o in outputs:
        if o.labels_field:
            result.append(
                FieldBinding(
                    o.labels_field,
                    "List<String>",
                    _read_lines_init(o.labels_file_literal),
                )
            )
        if o.calibration_field:
            result.append(
                FieldBinding(
                    o.calibration_field,
                    "BindgenSupport.Calibration",
                    _calibration_init(o.calibration_file_literal, o.transformation, o.default_score_literal),
                )
            )
    for d in detections:
        if d.labels_field:
            result.append(
                FieldBinding(
                    d.labels_field,
                    "List<String>",
                    _read_lines_init(d.labels_file_literal),
                )
            )
        if d.calibration_field:
            result.append(
                FieldBinding(
                    d.calibration_field,
                    "BindgenSupport.Calibration",
                    _calibration_init(d.calibration_file_literal, d.transformation, d.default_score_literal),
                )
            )
    return tuple(result)


#: ktlint's max-line-length, and the indentation of a field initializer in the template (a
#: constructor argument inside newInstance's try block).
_MAX_LINE = 140
_FIELD_INDENT = 20


def _read_lines_init(file_literal: str) -> str:
    """``BindgenSupport.readLines(extractor, "labels.txt")``; one argument per line when a long
    file name would push the line past ktlint's limit."""
    one_line = f"BindgenSupport.readLines(extractor, {file_literal})"
    if _FIELD_INDENT + len(one_line) + 1 <= _MAX_LINE:
        return one_line
    inner = "".join(f"\n{' ' * (_FIELD_INDENT + 4)}{a}," for a in ("extractor", file_literal))
    return f"BindgenSupport.readLines({inner}\n{' ' * _FIELD_INDENT})"


def _calibration_init(file_literal: str, transformation: str, default_score: str) -> str:
    # Always one argument per line (ktlint's argument-list-wrapping), indented for the
    # constructor-argument position the template puts it in.
    arguments = ("extractor", file_literal, f"BindgenSupport.Transformation.{transformation}", default_score)
    inner = "".join(f"\n                        {a}," for a in arguments)
    return f"BindgenSupport.Calibration.read({inner}\n                    )"


def _model_kdoc(plan: BindingPlan, model_asset: str) -> tuple[str, ...]:
    lines: list[str] = []
    title = plan.model_name or model_asset
    lines.extend(kdoc_lines(f"Wrapper for the TensorFlow Lite model {title}."))
    if plan.description:
        lines.append("")
        lines.extend(kdoc_lines(plan.description))
    facts = [
        f"{label}: {value}"
        for label, value in (("Version", plan.version), ("Author", plan.author), ("License", plan.license))
        if value
    ]
    if facts:
        lines.append("")
        for fact in facts:
            lines.extend(kdoc_lines(fact))
    if not plan.has_metadata:
        lines.append("")
        lines.append("The model has no metadata: inputs and outputs are raw tensors.")
    lines.append("")
    lines.append("Use an instance only on the thread that created it: the interpreter (and a GPU")
    lines.append("delegate) is bound to that thread. Call [close] when done.")
    return tuple(lines)


def build_binding(plan: BindingPlan, *, package: str, class_name: KotlinName, model_asset: str) -> KotlinBinding:
    """Name everything in ``plan`` for Kotlin; the result is all a template may read."""
    # One allocator for the whole class: process() parameters, private fields and the inner
    # Outputs properties all live in scopes that see each other, so none may shadow another.
    fields = NameAllocator(reserved=OUTPUTS_MEMBERS + CLASS_MEMBERS + INPUT_MEMBERS)
    params = props = fields
    no_md = not plan.has_metadata
    inputs = tuple(_input(p, params, fields, no_md) for p in plan.inputs)
    outputs = tuple(_output(p, props, fields, no_md) for p in plan.outputs)
    detections: list[DetectionBinding] = []
    image = next((i for i in inputs if i.kind is InputKind.IMAGE), None)
    for number, group in enumerate(plan.detection_groups):
        name = props.new_name(group.name, ("detections", number))
        labels_field = fields.new_name(f"{name}Labels", ("det_labels", number)) if group.labels else None
        cal_field = fields.new_name(f"{name}Calibration", ("det_calibration", number)) if group.calibration else None
        detections.append(
            DetectionBinding(
                name=name,
                locations=outputs[group.locations].raw_name,
                classes=outputs[group.classes].raw_name,
                scores=outputs[group.scores].raw_name,
                count=outputs[group.count].raw_name,
                box_index=group.box.index,
                box_type=group.box.type.name if group.box.type is not BoxType.BOUNDARIES else "BOUNDARIES",
                pixel_coordinates=group.box.coordinates is BoxCoordinates.PIXEL,
                labels_field=labels_field,
                labels_file_literal=kotlin_string_literal(group.labels.file_name) if group.labels else "",
                calibration_field=cal_field,
                calibration_file_literal=(
                    kotlin_string_literal(group.calibration.file_name) if group.calibration else ""
                ),
                transformation=(
                    group.calibration.transformation if group.calibration else ScoreTransformation.IDENTITY
                ).name,
                default_score_literal=float_literal(group.calibration.default_score if group.calibration else 0.0),
                kdoc=tuple(
                    kdoc_lines(
                        f"Detections decoded from the {group.name} tensor group, kept when score > threshold. "
                        "[DetectionResult.location] is in pixels of the image passed to `process` (model input "
                        "pixels for preprocessed tensors); [DetectionResult.modelLocation] is the model's own box: "
                        + (
                            "model input pixels (PIXEL coordinates)."
                            if group.box.coordinates is BoxCoordinates.PIXEL
                            else "fractions of the model input (RATIO coordinates)."
                        )
                    )
                ),
                locations_floats=outputs[group.locations].floats,
                classes_floats=outputs[group.classes].floats,
                scores_floats=outputs[group.scores].floats,
                count_floats=outputs[group.count].floats,
                box_index_literal=", ".join(str(i) for i in group.box.index),
                threshold_literal=_threshold_literal(group.score_threshold),
                pixel_literal="true" if group.box.coordinates is BoxCoordinates.PIXEL else "false",
                model_width=image.width if image else 0,
                model_height=image.height if image else 0,
            )
        )
    text = text_binding(plan, fields)
    extra = (FieldBinding(text.tokenizer_field, text.tokenizer_type, text.tokenizer_init),) if text else ()
    outputs = tuple(_with_views(o, props) for o in outputs)
    return KotlinBinding(
        package=package,
        class_name=class_name,
        model_asset=model_asset,
        model_asset_literal=kotlin_string_literal(model_asset),
        kdoc=_model_kdoc(plan, model_asset),
        has_metadata=plan.has_metadata,
        inputs=inputs,
        outputs=outputs,
        detections=tuple(detections),
        fields=_fields(plan, outputs, detections) + extra,
        text=text,
        audio=audio_binding(plan),
    )


__all__ += ["Case", "float_literal"]
