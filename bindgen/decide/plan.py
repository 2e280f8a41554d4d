"""The processing plan: what to do to each input before inference and to each output after.

Built once from the model description (:func:`build_plan`) and consumed by both the Kotlin
renderer and the Python host twin, so the two cannot drift. Pure data: no numpy, no Kotlin.

Metadata is read the way the TFLite Task Library and MediaPipe Tasks read it:

* image inputs: ``ImageProperties`` content (or, without metadata, a rank-4 float/uint8 tensor
  with 1 or 3 channels is *not* guessed to be an image: it stays a plain tensor);
  ``NormalizationOptions`` from the tensor's ``process_units``; quantized uint8 image inputs are
  fed raw pixels (the Task Library ignores normalization there), int8/int16 inputs are
  normalized then quantized with the tensor's own scale/zero-point;
* labels: the first ``TENSOR_AXIS_LABELS`` file without a locale (else the first one); for a
  detector's class tensor ``TENSOR_VALUE_LABELS`` (else axis labels);
* score calibration: a ``TENSOR_AXIS_SCORE_CALIBRATION`` file plus ``ScoreCalibrationOptions``;
* text: a ``BertTokenizerOptions`` subgraph process unit with three int32 ``[1, L]`` inputs (found
  by the metadata names "ids", "mask", "segment_ids", else tensor order ids, segment ids, mask,
  as ``bert_utils.cc`` does), or a ``RegexTokenizerOptions`` unit on the one int32 input
  (``NLClassifier``): :class:`TextInput`; SentencePiece and dynamic-length BERT inputs are not
  supported (raw tensors stay);
* audio: ``AudioProperties`` on a float32 input (``AudioClassifier``): :class:`AudioFormat`;
* detectors: four outputs whose metadata has ``BoundingBoxProperties`` (locations), and the
  classes/scores/count found by the tensor names MediaPipe expects ("location", "category",
  "score", "number of detections") or, failing that, by the TFLite_Detection_PostProcess order;
* a tensor with two process units of one kind is refused (``FindFirstProcessUnit``: "expected at
  most one"); input or output metadata listing another number of tensors than the model has is
  ignored, as it cannot say which tensor each entry describes.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bindgen.errors import BindgenError
from bindgen.read.tflite.model import DType, Model, Tensor

__all__ = [
    "AudioFormat",
    "BindingPlan",
    "BoundingBox",
    "BoxCoordinates",
    "BoxType",
    "Calibration",
    "Cast",
    "ColorSpace",
    "Dequantize",
    "DetectionGroup",
    "InputPlan",
    "InputRole",
    "Normalize",
    "OutputPlan",
    "OutputRole",
    "Quantize",
    "Resize",
    "ScoreTransformation",
    "Sigmoid",
    "TextInput",
    "Tokenizer",
    "build_plan",
]


class InputRole(enum.Enum):
    IMAGE = "image"
    TENSOR = "tensor"


class OutputRole(enum.Enum):
    CLASSIFICATION = "classification"
    DETECTION = "detection"  # one tensor of a DetectionGroup
    SEGMENTATION = "segmentation"  # one channel per label: the category mask is the argmax
    CONFIDENCE_MASK = "confidence_mask"  # one channel with labels: a per-pixel confidence (MediaPipe's selfie)
    IMAGE = "image"
    TENSOR = "tensor"


class ColorSpace(enum.Enum):
    RGB = "RGB"
    GRAYSCALE = "GRAYSCALE"


@dataclass(frozen=True)
class Resize:
    """Bilinear resize to the model's input size."""

    height: int
    width: int


@dataclass(frozen=True)
class Normalize:
    """``(x - mean[c]) / std[c]``; one value applies to every channel."""

    mean: tuple[float, ...]
    std: tuple[float, ...]


@dataclass(frozen=True)
class Quantize:
    """``q = x / scale + zero_point`` (rounded, clamped to the dtype)."""

    scale: float
    zero_point: int


@dataclass(frozen=True)
class Cast:
    dtype: DType


InputStep = Resize | Normalize | Quantize | Cast


@dataclass(frozen=True)
class Dequantize:
    """``x = scale * (q - zero_point)``."""

    scale: float
    zero_point: int


class ScoreTransformation(enum.Enum):
    IDENTITY = "IDENTITY"
    LOG = "LOG"
    INVERSE_LOGISTIC = "INVERSE_LOGISTIC"


@dataclass(frozen=True)
class Sigmoid:
    """One line of the calibration file: ``scale, slope, offset[, min_uncalibrated_score]``."""

    scale: float
    slope: float
    offset: float
    min_uncalibrated_score: float | None = None


@dataclass(frozen=True)
class Calibration:
    """Score calibration; ``sigmoids[i] is None`` means class ``i`` always gets ``default_score``.

    The parameters are read from the model by the generated code at run time too (the file name
    is kept) so the wrapper needs no copy of them.
    """

    file_name: str
    transformation: ScoreTransformation
    default_score: float
    sigmoids: tuple[Sigmoid | None, ...]


@dataclass(frozen=True)
class Labels:
    file_name: str
    labels: tuple[str, ...]


class BoxType(enum.Enum):
    BOUNDARIES = "BOUNDARIES"  # the four values are left, top, right, bottom (after `index`)
    UPPER_LEFT = "UPPER_LEFT"  # left, top, width, height
    CENTER = "CENTER"  # center x, center y, width, height


class BoxCoordinates(enum.Enum):
    RATIO = "RATIO"
    PIXEL = "PIXEL"


@dataclass(frozen=True)
class BoundingBox:
    """``index[k]`` = position in the last axis of the k-th value (left, top, right, bottom) or
    (x, y, width, height) depending on ``type``."""

    index: tuple[int, int, int, int]
    type: BoxType
    coordinates: BoxCoordinates


@dataclass(frozen=True)
class DetectionGroup:
    """A TFLite_Detection_PostProcess-style output: indices into ``BindingPlan.outputs``."""

    name: str
    locations: int
    classes: int
    scores: int
    count: int
    box: BoundingBox
    labels: Labels | None
    calibration: Calibration | None
    score_threshold: float | None


class Tokenizer(enum.Enum):
    BERT = "bert"  # WordPiece, BertNLClassifier
    REGEX = "regex"  # delimiter regex + "token id" vocabulary, NLClassifier


@dataclass(frozen=True)
class TextInput:
    """How ``process(text)`` fills the inputs, exactly as the Task Library's text classifiers do.

    BERT (``bert_preprocessor.cc``): ASCII lower-casing, split on whitespace, keep each punctuation
    or CJK character as its own token, greedy longest-match WordPiece ("##" suffixes, a token over
    100 bytes or with no match becomes "[UNK]"), ``[CLS] tokens… [SEP]`` truncated to
    ``max_length``, ids padded with 0, mask 1 on real tokens, segment ids 0.

    Regex (``regex_preprocessor.cc``): tokens are the text between matches of ``pattern`` (no case
    change); ``<START>`` first when the vocabulary has it, unknown words ``<UNKNOWN>``, truncated to
    ``max_length`` and padded with ``<PAD>``.
    """

    tokenizer: Tokenizer
    vocab_file: str
    max_length: int
    ids: int  # index into BindingPlan.inputs
    mask: int | None = None  # BERT only
    segment_ids: int | None = None  # BERT only
    pattern: str = ""  # regex only (the metadata's delim_regex_pattern)


@dataclass(frozen=True)
class AudioFormat:
    """``AudioProperties``: the input holds ``samples`` interleaved float values in [-1, 1]."""

    sample_rate: int
    channels: int
    samples: int  # every value of the input tensor (frames × channels)


@dataclass(frozen=True)
class InputPlan:
    index: int  # position among the subgraph inputs
    tensor: Tensor
    name: str  # metadata name, else tensor name (raw, unescaped)
    description: str
    role: InputRole
    steps: tuple[InputStep, ...]
    color_space: ColorSpace | None = None
    height: int | None = None
    width: int | None = None
    channels: int | None = None
    value_range: tuple[float, float] | None = None  # from metadata stats min/max
    audio: AudioFormat | None = None  # AudioProperties on a float32 input


@dataclass(frozen=True)
class OutputPlan:
    index: int
    tensor: Tensor
    name: str
    description: str
    role: OutputRole
    dequantize: Dequantize | None
    labels: Labels | None = None
    calibration: Calibration | None = None
    score_threshold: float | None = None
    detection_group: int | None = None  # index into BindingPlan.detection_groups
    class_axis_size: int | None = None
    #: Image outputs: the output's NormalizationOptions, undone as ``x * std + mean`` then clamped
    #: to [0, 255]; ``None`` when the metadata has none (values are taken as pixels already).
    normalization: Normalize | None = None


@dataclass(frozen=True)
class BindingPlan:
    model_name: str
    description: str
    version: str
    author: str
    license: str
    has_metadata: bool
    inputs: tuple[InputPlan, ...]
    outputs: tuple[OutputPlan, ...]
    detection_groups: tuple[DetectionGroup, ...] = field(default=())
    text: TextInput | None = None  # process(text) when a tokenizer fills the inputs


# --------------------------------------------------------------------------------------------
# Reading the metadata JSON (schema 1.5 names, defaults omitted as the displayer omits them).


def _units(meta: Mapping[str, Any] | None, kind: str) -> list[Mapping[str, Any]]:
    if not meta:
        return []
    return [u.get("options") or {} for u in meta.get("process_units") or () if u.get("options_type") == kind]


def _unit(meta: Mapping[str, Any] | None, kind: str) -> Mapping[str, Any] | None:
    """The tensor's one ``kind`` process unit, or None. The Task Library and MediaPipe refuse a
    tensor with two (``FindFirstProcessUnit``: "expected at most one"), so bindgen does too rather
    than pick one of them."""
    units = _units(meta, kind)
    if len(units) > 1:
        raise BindgenError(
            f"tensor {str((meta or {}).get('name', ''))!r} has {len(units)} {kind} process units, "
            "the Task Library accepts at most one",
            hint="re-annotate the model with one (bindgen annotate --spec)",
        )
    return next(iter(units), None)


def _files(meta: Mapping[str, Any] | None, kind: str) -> list[Mapping[str, Any]]:
    if not meta:
        return []
    return [f for f in meta.get("associated_files") or () if f.get("type", "UNKNOWN") == kind]


def _pick_label_file(files: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for f in files:
        if not f.get("locale"):
            return f
    return files[0] if files else None


def _read_text(model: Model, name: str) -> str:
    from bindgen.read.tflite.reader import read_associated_file

    return read_associated_file(model, name).decode("utf-8", errors="replace")


def _labels(model: Model, files: Sequence[Mapping[str, Any]]) -> Labels | None:
    chosen = _pick_label_file(files)
    if chosen is None:
        return None
    name = str(chosen.get("name", ""))
    return Labels(file_name=name, labels=tuple(file_lines(_read_text(model, name))))


def file_lines(text: str) -> list[str]:
    """Lines as the generated Kotlin reads them (``readLines``: ``\n``, ``\r\n``, ``\r`` only,
    unlike ``str.splitlines``), so label indices agree on every platform."""
    lines = re.split(r"\r\n|\r|\n", text)  # never empty: "" splits into [""]
    if not lines[-1]:
        lines.pop()
    return lines


def _calibration(model: Model, meta: Mapping[str, Any] | None) -> Calibration | None:
    files = _files(meta, "TENSOR_AXIS_SCORE_CALIBRATION")
    opts = _unit(meta, "ScoreCalibrationOptions")
    if opts is None or not files:
        # The Task Library and MediaPipe calibrate only when the tensor has a ScoreCalibrationOptions
        # unit (FindFirstProcessUnit); a calibration file without one is not applied.
        return None
    sigmoids: list[Sigmoid | None] = []
    for line in file_lines(_read_text(model, str(files[0].get("name", "")))):
        parts = [p.strip() for p in line.split(",")] if line.strip() else []
        if not parts:
            sigmoids.append(None)
            continue
        values = [float(p) for p in parts]
        if len(values) not in (3, 4) or values[0] < 0:
            raise BindgenError(f"malformed score calibration line {line!r}", where=model.path)
        sigmoids.append(Sigmoid(*values))  # scale, slope, offset[, min_uncalibrated_score]
    return Calibration(
        file_name=str(files[0].get("name", "")),
        transformation=ScoreTransformation(opts.get("score_transformation", "IDENTITY")),
        default_score=float(opts.get("default_score", 0.0)),
        sigmoids=tuple(sigmoids),
    )


def _check_counts(
    model: Model, what: str, classes: int, labels: Labels | None, calibration: Calibration | None
) -> None:
    """Label and calibration files must have one line per class, as the Task Library requires;
    a short file would otherwise give classes a silent "" label or the default score, a long one
    (MediaPipe's hand_landmark models put 2 handedness labels on the 63-value landmark tensor)
    names classes the tensor does not have."""
    for name, count in (
        (labels.file_name if labels else "", len(labels.labels) if labels else None),
        (calibration.file_name if calibration else "", len(calibration.sigmoids) if calibration else None),
    ):
        if count is not None and count != classes:
            raise BindgenError(
                f"{what}: {name!r} has {count} lines, the model has {classes} classes",
                where=model.path,
                hint="give the file one line per class, or rewrite the metadata with "
                "bindgen annotate --spec, starting from what --init prints",
            )


def _threshold(meta: Mapping[str, Any] | None) -> float | None:
    unit = _unit(meta, "ScoreThresholdingOptions")
    return float(unit.get("global_score_threshold", 0.0)) if unit is not None else None


def _content(meta: Mapping[str, Any] | None) -> tuple[str | None, Mapping[str, Any]]:
    content = (meta or {}).get("content") or {}
    return content.get("content_properties_type"), content.get("content_properties") or {}


def _value_range(meta: Mapping[str, Any] | None) -> tuple[float, float] | None:
    stats = (meta or {}).get("stats") or {}
    lo, hi = stats.get("min") or (), stats.get("max") or ()
    if lo and hi:
        return float(lo[0]), float(hi[0])
    return None


def _per_tensor_quant(tensor: Tensor) -> tuple[float, int] | None:
    q = tensor.quantization
    if q is None or len(q.scale) != 1:  # none, or per axis
        return None
    (scale,) = q.scale
    if scale == 0:
        return None
    return float(scale), int(q.zero_point[0] if q.zero_point else 0)


def _image_layout(tensor: Tensor) -> tuple[int, int, int] | None:
    shape = tensor.shape
    if len(shape) == 4 and shape[3] in (1, 3):
        return shape[1], shape[2], shape[3]
    if len(shape) == 3 and shape[2] in (1, 3):
        return shape[0], shape[1], shape[2]
    return None


_COLOR_SPACES = {1: ColorSpace.GRAYSCALE, 3: ColorSpace.RGB}  # by channel count (_image_layout's two)


def _normalization(meta: Mapping[str, Any] | None, channels: int, what: str) -> Normalize | None:
    """An image tensor's NormalizationOptions: one mean and std for every channel or one per
    channel; a missing mean is 0 and a missing std 1."""
    unit = _unit(meta, "NormalizationOptions")
    if unit is None:
        return None
    mean = tuple(float(v) for v in unit.get("mean") or (0.0,))
    std = tuple(float(v) for v in unit.get("std") or (1.0,))
    if len(mean) not in (1, channels) or len(std) not in (1, channels):
        raise BindgenError(
            f"{what}: NormalizationOptions have {len(mean)} mean and {len(std)} std values, "
            f"the tensor has {channels} channels",
            hint=f"re-annotate the model with 1 or {channels} values each (bindgen annotate --mean/--std)",
        )
    return Normalize(mean, std)


def _input_plan(index: int, tensor: Tensor, meta: Mapping[str, Any] | None) -> InputPlan:
    name = str((meta or {}).get("name") or tensor.name)
    description = str((meta or {}).get("description") or "")
    kind, props = _content(meta)
    layout = _image_layout(tensor)
    value_range = _value_range(meta)
    if kind == "AudioProperties" and tensor.dtype is DType.FLOAT32:
        audio = _audio_format(props, tensor)
        return InputPlan(index, tensor, name, description, InputRole.TENSOR, (), value_range=value_range, audio=audio)
    if kind != "ImageProperties" or layout is None or tensor.dtype not in _IMAGE_DTYPES:
        return InputPlan(index, tensor, name, description, InputRole.TENSOR, (), value_range=value_range)
    height, width, channels = layout
    color = _COLOR_SPACES[channels]
    steps: list[InputStep] = [Resize(height, width)]
    quant = _per_tensor_quant(tensor)
    if tensor.dtype is DType.UINT8:
        # raw 0..255 pixels, as the Task Library and MediaPipe feed quantized image models
        steps.append(Cast(DType.UINT8))
    else:
        norm = _normalization(meta, channels, f"input {name!r}")
        if norm is not None:
            if 0.0 in norm.std:
                raise BindgenError(
                    f"input {name!r}: a NormalizationOptions std is 0 (pixels are divided by it)",
                    hint="re-annotate the model with the std it was trained with (bindgen annotate --std)",
                )
            steps.append(norm)
        if tensor.dtype.is_integer and quant is not None:
            steps.append(Quantize(*quant))
        steps.append(Cast(tensor.dtype))
    return InputPlan(
        index,
        tensor,
        name,
        description,
        InputRole.IMAGE,
        tuple(steps),
        color,
        height,
        width,
        channels,
        value_range,
    )


def _audio_format(props: Mapping[str, Any], tensor: Tensor) -> AudioFormat | None:
    rate, channels = int(props.get("sample_rate") or 0), int(props.get("channels") or 0)  # uint32: >= 0
    samples = math.prod(tensor.shape)
    if 0 in (rate, channels, samples) or samples % channels:
        return None  # the Task Library refuses such a model ("Missing audio format metadata")
    return AudioFormat(rate, channels, samples)


def _vocab_name(options: Mapping[str, Any]) -> str | None:
    """The first vocabulary file's name, the one the Task Library and MediaPipe load."""
    name = (options.get("vocab_file") or [{}])[0].get("name")
    return str(name) if name else None


def _text_input(sub_md: Mapping[str, Any], in_md: list[Any], inputs: tuple[InputPlan, ...]) -> TextInput | None:
    """The tokenizer the Task Library would use for ``process(text)``, or None."""
    int32_rank2 = [
        i.tensor.dtype is DType.INT32 and len(i.tensor.shape) == 2 and i.tensor.shape[0] == 1 for i in inputs
    ]
    # The Task Library resizes dynamic BERT inputs to each text's length; the wrapper does not.
    static = not any(i.tensor.is_dynamic for i in inputs)
    units = [u for u in sub_md.get("input_process_units") or () if u.get("options_type") == "BertTokenizerOptions"]
    bert = bool(units) and len(inputs) == 3 and all(int32_rank2) and static
    if bert and len(lengths := {i.tensor.shape[1] for i in inputs}) == 1:
        vocab = _vocab_name(units[0].get("options") or {})
        names = [str((m or {}).get("name", "")) for m in in_md]  # in_md is [] or one per input
        order = [names.index(n) if n in names else -1 for n in ("ids", "segment_ids", "mask")]
        ids, segment, mask = order if -1 not in order else [0, 1, 2]
        (length,) = lengths
        if vocab and length >= 2:
            return TextInput(Tokenizer.BERT, vocab, length, ids, mask=mask, segment_ids=segment)
    if len(inputs) == 1 and in_md:  # NLClassifier: one int32 input, [1, L] or [L]
        (only,), (meta,) = inputs, in_md
        regex = _units(meta, "RegexTokenizerOptions")
        shape = only.tensor.shape
        if only.tensor.dtype is DType.INT32 and regex and len(shape) in (1, 2) and shape[:-1] in ((), (1,)):
            vocab = _vocab_name(regex[0])
            pattern = regex[0].get("delim_regex_pattern")
            if vocab and pattern:
                return TextInput(Tokenizer.REGEX, vocab, shape[-1], 0, pattern=str(pattern))
    return None


_IMAGE_DTYPES = (DType.FLOAT32, DType.UINT8, DType.INT8, DType.FLOAT16)

_DETECTION_NAMES = {
    "location": "locations",
    "locations": "locations",
    "category": "classes",
    "categories": "classes",
    "classes": "classes",
    "score": "scores",
    "scores": "scores",
    "number of detections": "count",
    "number_of_detections": "count",
    "num_detections": "count",
}


#: BoundingBoxProperties.type; UNKNOWN (the schema default, stored only by a writer that forces
#: defaults) is read as BOUNDARIES, what the Task Library and MediaPipe detectors accept.
_BOX_TYPES = {"UNKNOWN": BoxType.BOUNDARIES, **{t.value: t for t in BoxType}}


def _box(props: Mapping[str, Any]) -> BoundingBox:
    index = tuple(int(i) for i in props.get("index") or (0, 1, 2, 3))
    if sorted(index) != [0, 1, 2, 3]:
        # The Task Library refuses an index without 4 values; 4 values that are not an order of
        # the box's 4 coordinates would read one coordinate twice.
        raise BindgenError(
            f"the detector's BoundingBoxProperties index {list(index)} is not an order of 0, 1, 2, 3",
            hint="re-annotate the model with the box's index (bindgen annotate --spec: box_index)",
        )
    return BoundingBox(
        index=(index[0], index[1], index[2], index[3]),
        type=_BOX_TYPES[props.get("type", "BOUNDARIES")],
        coordinates=BoxCoordinates(props.get("coordinate_type", "RATIO")),
    )


def build_plan(model: Model) -> BindingPlan:
    """Decide every pre- and post-processing step from the model and its metadata."""
    from bindgen.read.tflite.reader import read_exact_metadata

    # Exact float32 values: thresholds, mean/std and default scores compare and compute like the Task Library's.
    md: Mapping[str, Any] = read_exact_metadata(model) or {}
    sub_md: Mapping[str, Any] = (md.get("subgraph_metadata") or [{}])[0]
    sub = model.main
    in_md = list(sub_md.get("input_tensor_metadata") or ())
    out_md = list(sub_md.get("output_tensor_metadata") or ())
    # Metadata for another number of tensors cannot say which tensor it describes: ignored.
    if len(in_md) != len(sub.inputs):
        in_md = []
    if len(out_md) != len(sub.outputs):
        out_md = []

    def at(items: list[Any], i: int) -> Mapping[str, Any] | None:
        return items[i] if i < len(items) else None

    inputs = tuple(_input_plan(i, t, at(in_md, i)) for i, t in enumerate(sub.inputs))

    # Detectors: an output with BoundingBoxProperties plus three partners.
    roles: dict[int, str] = {}
    box_output = next(
        (i for i in range(len(sub.outputs)) if _content(at(out_md, i))[0] == "BoundingBoxProperties"), None
    )
    groups: list[DetectionGroup] = []
    if box_output is not None and len(sub.outputs) == 4:
        for i in range(4):
            part_meta = at(out_md, i) or {}
            role = _DETECTION_NAMES.get(str(part_meta.get("name", "")).lower())
            if role and role not in roles.values():
                roles[i] = role
        if len(roles) != 4:  # TFLite_Detection_PostProcess order
            roles = dict(enumerate(("locations", "classes", "scores", "count")))
        by_role = {r: i for i, r in roles.items()}
        class_meta = at(out_md, by_role["classes"])
        score_meta = at(out_md, by_role["scores"])
        detection_labels = _labels(model, _files(class_meta, "TENSOR_VALUE_LABELS")) or _labels(
            model, _files(class_meta, "TENSOR_AXIS_LABELS")
        )
        detection_calibration = _calibration(model, score_meta)
        if detection_labels is not None:  # the class tensor holds indices: the labels are the classes
            _check_counts(
                model,
                f"detections (classes from {detection_labels.file_name!r})",
                len(detection_labels.labels),
                None,
                detection_calibration,
            )
        group_name = "detection_result"
        for group in sub_md.get("output_tensor_groups") or ():
            group_name = str(group.get("name") or group_name)
            break
        groups.append(
            DetectionGroup(
                name=group_name,
                locations=by_role["locations"],
                classes=by_role["classes"],
                scores=by_role["scores"],
                count=by_role["count"],
                box=_box(_content(at(out_md, box_output))[1]),
                labels=detection_labels,
                calibration=detection_calibration,
                score_threshold=_threshold(score_meta),
            )
        )

    outputs: list[OutputPlan] = []
    for i, tensor in enumerate(sub.outputs):
        meta = at(out_md, i)
        name = str((meta or {}).get("name") or tensor.name)
        description = str((meta or {}).get("description") or "")
        quant = _per_tensor_quant(tensor)
        deq = Dequantize(*quant) if quant is not None and tensor.dtype.is_integer else None
        if groups:  # a detector: its four outputs are the four roles
            outputs.append(
                OutputPlan(i, tensor, name, description, OutputRole.DETECTION, deq, detection_group=0)
            )
            continue
        kind, _ = _content(meta)
        labels = _labels(model, _files(meta, "TENSOR_AXIS_LABELS"))
        layout = _image_layout(tensor)
        # a [1, H, W, C] output with labels is a mask, but a [1, 1, 1, N] one is a classifier's (old
        # MobileNet exports), as the Task Library's ImageClassifier reads it
        mask = len(tensor.shape) == 4 and tensor.shape[0] == 1 and labels is not None and tensor.shape[1:3] != (1, 1)
        if mask and tensor.shape[3] == 1:
            # MediaPipe's ImageSegmenter reads a one-channel labelled output as a confidence mask
            outputs.append(OutputPlan(i, tensor, name, description, OutputRole.CONFIDENCE_MASK, deq, labels=labels))
        elif mask and labels is not None and (tensor.shape[3] == len(labels.labels) or kind == "ImageProperties"):
            _check_counts(model, f"segmentation output {name!r}", tensor.shape[3], labels, None)
            outputs.append(
                OutputPlan(
                    i,
                    tensor,
                    name,
                    description,
                    OutputRole.SEGMENTATION,
                    deq,
                    labels=labels,
                    class_axis_size=tensor.shape[3],
                )
            )
        elif kind == "ImageProperties" and layout is not None:
            normalization = _normalization(meta, layout[2], f"output {name!r}")
            outputs.append(
                OutputPlan(i, tensor, name, description, OutputRole.IMAGE, deq, normalization=normalization)
            )
        elif labels is not None and len(tensor.shape) >= 1 and math.prod(tensor.shape) == tensor.shape[-1]:
            calibration = _calibration(model, meta)
            _check_counts(model, f"output {name!r}", tensor.shape[-1], labels, calibration)
            outputs.append(
                OutputPlan(
                    i,
                    tensor,
                    name,
                    description,
                    OutputRole.CLASSIFICATION,
                    deq,
                    labels=labels,
                    calibration=calibration,
                    score_threshold=_threshold(meta),
                    class_axis_size=tensor.shape[-1],
                )
            )
        else:
            outputs.append(OutputPlan(i, tensor, name, description, OutputRole.TENSOR, deq))

    return BindingPlan(
        model_name=str(md.get("name") or ""),
        description=str(md.get("description") or ""),
        version=str(md.get("version") or ""),
        author=str(md.get("author") or ""),
        license=str(md.get("license") or ""),
        has_metadata=model.metadata is not None,
        inputs=inputs,
        outputs=tuple(outputs),
        detection_groups=tuple(groups),
        text=_text_input(sub_md, in_md, inputs),
    )
