"""Task kinds: the metadata the official writers produce, built as displayer-shaped JSON.

Each builder returns the same JSON tflite-support's ``metadata_writers`` produce for the same
inputs (their default names/descriptions included), so MediaPipe Tasks and the Task Library
read bindgen's output exactly as they read the official one. Shapes are checked first: a kind
that does not fit the model is a one-line error, not a silently wrong model.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bindgen.errors import BindgenError
from bindgen.read.tflite.model import DType, Model, Tensor

Json = dict[str, Any]


class Kind(str, enum.Enum):
    IMAGE_CLASSIFIER = "image-classifier"
    OBJECT_DETECTOR = "object-detector"
    IMAGE_SEGMENTER = "image-segmenter"
    TEXT_CLASSIFIER = "text-classifier"
    BERT_CLASSIFIER = "bert-classifier"
    AUDIO_CLASSIFIER = "audio-classifier"
    GENERIC = "generic"


@dataclass(frozen=True)
class LabelFile:
    name: str  # basename stored in the model
    data: bytes
    count: int
    locale: str | None = None


@dataclass(frozen=True)
class Calibration:
    name: str
    data: bytes
    transformation: str = "IDENTITY"
    default_score: float = 0.0


@dataclass(frozen=True)
class KindOptions:
    """Everything a task kind may use; unset values take the official writers' defaults."""

    labels: tuple[LabelFile, ...] = ()
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    vocab: tuple[str, bytes] | None = None
    delim_regex: str = "[^\\w\\']+"
    sample_rate: int = 16000
    channels: int = 1
    calibration: Calibration | None = None
    warnings: list[str] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class Built:
    metadata: Json
    files: tuple[tuple[str, bytes], ...]


LABELS_DESCRIPTION = "Labels for categories that the model can recognize."
VOCAB_DESCRIPTION = "Vocabulary file to convert natural language words to embedding vectors."
CALIBRATION_DESCRIPTION = (
    "Contains sigmoid-based score calibration parameters. The main purposes of score calibration "
    "is to make scores across classes comparable, so that a common threshold can be used for all "
    "output classes."
)


def build(kind: Kind, model: Model, options: KindOptions) -> Built:
    builders = {
        Kind.IMAGE_CLASSIFIER: _image_classifier,
        Kind.OBJECT_DETECTOR: _object_detector,
        Kind.IMAGE_SEGMENTER: _image_segmenter,
        Kind.TEXT_CLASSIFIER: _text_classifier,
        Kind.BERT_CLASSIFIER: _bert_classifier,
        Kind.AUDIO_CLASSIFIER: _audio_classifier,
        Kind.GENERIC: _generic,
    }
    return builders[kind](model, options)


# ----------------------------------------------------------------------------- shape checks


def _fail(model: Model, message: str) -> BindgenError:
    return BindgenError(message, where=model.path)


def image_layout(tensor: Tensor) -> tuple[int, int, int] | None:
    """(height, width, channels) when ``tensor`` is an NHWC image with 1 or 3 channels."""
    shape = tensor.shape_signature
    if len(shape) == 4 and shape[3] in (1, 3):
        return shape[1], shape[2], shape[3]
    return None


def _one_image_input(model: Model, kind: Kind) -> Tensor:
    inputs = model.main.inputs
    if len(inputs) != 1 or image_layout(inputs[0]) is None:
        shapes = ", ".join(str(list(t.shape_signature)) for t in inputs)
        raise _fail(
            model,
            f"--kind {kind.value} needs one image input of shape [1, H, W, 1 or 3]; the model has {shapes}",
        )
    return inputs[0]


def _classes(model: Model, tensor: Tensor, kind: Kind) -> int:
    shape = tensor.shape
    if len(shape) != 2 or shape[0] != 1:
        raise _fail(model, f"--kind {kind.value} needs a [1, N] scores output; it has {list(shape)}")
    return shape[1]


def _check_labels(model: Model, options: KindOptions, count: int, what: str) -> None:
    for labels in options.labels:
        if labels.count != count:
            raise _fail(
                model,
                f"{labels.name} has {labels.count} labels but the {what} has {count} classes",
            )


# ------------------------------------------------------------------------------- pieces


def _stats(values_min: list[float] | None, values_max: list[float] | None) -> Json:
    stats: Json = {}
    if values_max is not None:
        stats["max"] = values_max
    if values_min is not None:
        stats["min"] = values_min
    return stats


def _norm_unit(options: KindOptions) -> Json:
    return {
        "options_type": "NormalizationOptions",
        "options": {"mean": list(options.mean), "std": list(options.std)},
    }


def image_input(tensor: Tensor, options: KindOptions, name: str, description: str) -> Json:
    layout = image_layout(tensor)
    channels = layout[2] if layout else 3
    meta: Json = {
        "name": name,
        "description": description,
        "content": {
            "content_properties_type": "ImageProperties",
            "content_properties": {"color_space": "GRAYSCALE" if channels == 1 else "RGB"},
        },
    }
    normalized = bool(options.mean and options.std)
    if normalized:
        meta["process_units"] = [_norm_unit(options)]
        if not tensor.dtype.is_float:
            options.warnings.append(
                f"input {tensor.name!r} is {tensor.dtype.numpy_name}: normalization is recorded for "
                "clients, but the model itself receives quantized pixels"
            )
    if tensor.dtype is DType.UINT8:
        meta["stats"] = _stats([0.0], [255.0])
    elif tensor.dtype is DType.FLOAT32 and normalized:
        meta["stats"] = _stats(
            [(0.0 - m) / s for m, s in zip(options.mean, options.std, strict=True)],
            [(255.0 - m) / s for m, s in zip(options.mean, options.std, strict=True)],
        )
    else:
        meta["stats"] = {}
    return meta


def label_files(options: KindOptions, file_type: str) -> list[Json]:
    out = []
    for labels in options.labels:
        entry: Json = {"name": labels.name, "description": LABELS_DESCRIPTION, "type": file_type}
        if labels.locale:
            entry["locale"] = labels.locale
        out.append(entry)
    return out


def classification_output(tensor: Tensor, options: KindOptions, description: str) -> Json:
    meta: Json = {
        "name": "probability",
        "description": description,
        "content": {"content_properties_type": "FeatureProperties", "content_properties": {}},
    }
    if tensor.dtype is DType.UINT8:
        meta["stats"] = _stats([0.0], [255.0])
    elif tensor.dtype is DType.FLOAT32:
        meta["stats"] = _stats([0.0], [1.0])
    else:
        meta["stats"] = {}
    files = label_files(options, "TENSOR_AXIS_LABELS")
    if options.calibration is not None:
        calibration = options.calibration
        files.append(
            {
                "name": calibration.name,
                "description": CALIBRATION_DESCRIPTION,
                "type": "TENSOR_AXIS_SCORE_CALIBRATION",
            }
        )
        meta["process_units"] = [
            {
                "options_type": "ScoreCalibrationOptions",
                "options": _calibration_options(calibration),
            }
        ]
    if files:
        meta["associated_files"] = files
    return meta


def _calibration_options(calibration: Calibration) -> Json:
    options: Json = {}
    if calibration.transformation != "IDENTITY":
        options["score_transformation"] = calibration.transformation
    if calibration.default_score != 0.0:
        options["default_score"] = calibration.default_score
    return options


def _files(options: KindOptions) -> list[tuple[str, bytes]]:
    files = [(labels.name, labels.data) for labels in options.labels]
    if options.calibration is not None:
        files.append((options.calibration.name, options.calibration.data))
    if options.vocab is not None:
        files.append(options.vocab)
    return files


def _model(name: str, description: str, subgraph: Json) -> Json:
    return {"name": name, "description": description, "subgraph_metadata": [subgraph]}


def _built(model: Model, metadata: Json, options: KindOptions) -> Built:
    files = _files(options)
    names = [name for name, _ in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(model, f"two associated files would be named {duplicates[0]!r}; rename one")
    return Built(metadata, tuple(files))


# ----------------------------------------------------------------------------------- kinds


def _image_classifier(model: Model, options: KindOptions) -> Built:
    image = _one_image_input(model, Kind.IMAGE_CLASSIFIER)
    if len(model.main.outputs) != 1:
        raise _fail(
            model, f"--kind image-classifier needs one output; the model has {len(model.main.outputs)}"
        )
    output = model.main.outputs[0]
    _check_labels(model, options, _classes(model, output, Kind.IMAGE_CLASSIFIER), "output")
    subgraph = {
        "input_tensor_metadata": [image_input(image, options, "image", "Input image to be classified.")],
        "output_tensor_metadata": [
            classification_output(output, options, "Probabilities of the labels respectively.")
        ],
    }
    return _built(
        model,
        _model(
            "ImageClassifier",
            "Identify the most prominent object in the image from a known set of categories.",
            subgraph,
        ),
        options,
    )


def detector_roles(model: Model) -> dict[int, str]:
    """Output position -> location/category/score/number, by the official rule.

    The official writer gives the four roles to the outputs in ascending tensor-index order
    (the order TFLite_Detection_PostProcess creates them). When shapes contradict that rule,
    roles are taken from shapes instead: [1, N, 4] boxes, [1] count, the two [1, N] in index order.
    """
    outputs = model.main.outputs
    if len(outputs) != 4:
        raise _fail(model, f"--kind object-detector needs the 4 SSD outputs; the model has {len(outputs)}")
    by_index = sorted(range(4), key=lambda i: outputs[i].index)
    roles = dict(zip(by_index, ("location", "category", "score", "number"), strict=True))

    def fits(position: int, role: str) -> bool:
        shape = outputs[position].shape
        return {
            "location": len(shape) == 3 and shape[-1] == 4,
            "category": len(shape) == 2,
            "score": len(shape) == 2,
            "number": len(shape) == 1,
        }[role]

    if all(fits(p, r) for p, r in roles.items()):
        return roles
    boxes = [p for p in by_index if fits(p, "location")]
    counts = [p for p in by_index if fits(p, "number")]
    pairs = [p for p in by_index if fits(p, "score")]
    if len(boxes) != 1 or len(counts) != 1 or len(pairs) != 2:
        shapes = ", ".join(str(list(t.shape)) for t in outputs)
        raise _fail(
            model,
            f"--kind object-detector needs outputs [1,N,4], [1,N], [1,N], [1]; the model has {shapes}",
        )
    return {boxes[0]: "location", pairs[0]: "category", pairs[1]: "score", counts[0]: "number"}


def _object_detector(model: Model, options: KindOptions) -> Built:
    image = _one_image_input(model, Kind.OBJECT_DETECTOR)
    roles = detector_roles(model)
    value_range = {"min": 2, "max": 2}
    feature = {"content_properties_type": "FeatureProperties", "content_properties": {}}
    by_role: dict[str, Json] = {
        "location": {
            "name": "location",
            "description": "The locations of the detected boxes.",
            "content": {
                "content_properties_type": "BoundingBoxProperties",
                "content_properties": {"index": [1, 0, 3, 2], "type": "BOUNDARIES"},
                "range": value_range,
            },
            "stats": {},
        },
        "category": {
            "name": "category",
            "description": "The categories of the detected boxes.",
            "content": {**feature, "range": value_range},
            "stats": {},
        },
        "score": {
            "name": "score",
            "description": "The scores of the detected boxes.",
            "content": {**feature, "range": value_range},
            "stats": {},
        },
        "number": {
            "name": "number of detections",
            "description": "The number of the detected boxes.",
            "content": feature,
            "stats": {},
        },
    }
    files = label_files(options, "TENSOR_VALUE_LABELS")
    if files:
        by_role["category"]["associated_files"] = files
    if options.calibration is not None:
        calibration = options.calibration
        by_role["score"]["associated_files"] = [
            {
                "name": calibration.name,
                "description": CALIBRATION_DESCRIPTION,
                "type": "TENSOR_AXIS_SCORE_CALIBRATION",
            }
        ]
        by_role["score"]["process_units"] = [
            {"options_type": "ScoreCalibrationOptions", "options": _calibration_options(calibration)}
        ]
    subgraph = {
        "input_tensor_metadata": [image_input(image, options, "image", "Input image to be detected.")],
        "output_tensor_metadata": [by_role[roles[i]] for i in range(4)],
        "output_tensor_groups": [
            {"name": "detection_result", "tensor_names": ["location", "category", "score"]}
        ],
    }
    return _built(
        model,
        _model(
            "ObjectDetector",
            "Identify which of a known set of objects might be present and provide information "
            "about their positions within the given image or a video stream.",
            subgraph,
        ),
        options,
    )


def _image_segmenter(model: Model, options: KindOptions) -> Built:
    image = _one_image_input(model, Kind.IMAGE_SEGMENTER)
    outputs = model.main.outputs
    if len(outputs) != 1 or len(outputs[0].shape) != 4:
        shapes = ", ".join(str(list(t.shape)) for t in outputs)
        raise _fail(model, f"--kind image-segmenter needs one [1, H, W, C] output; the model has {shapes}")
    _check_labels(model, options, outputs[0].shape[3], "mask output")
    mask: Json = {
        "name": "segmentation_masks",
        "description": "Masks over the target objects with high accuracy.",
        "content": {
            "content_properties_type": "ImageProperties",
            "content_properties": {"color_space": "GRAYSCALE"},
            "range": {"min": 1, "max": 2},
        },
        "stats": {},
    }
    files = label_files(options, "TENSOR_AXIS_LABELS")
    if files:
        mask["associated_files"] = files
    subgraph = {
        "input_tensor_metadata": [image_input(image, options, "image", "Input image to be segmented.")],
        "output_tensor_metadata": [mask],
    }
    return _built(
        model,
        _model(
            "ImageSegmenter",
            "Semantic image segmentation predicts whether each pixel of an image is associated "
            "with a certain class.",
            subgraph,
        ),
        options,
    )


def _vocab_entry(options: KindOptions, model: Model, kind: Kind) -> Json:
    if options.vocab is None:
        raise _fail(model, f"--kind {kind.value} needs --vocab FILE")
    return {"name": options.vocab[0], "description": VOCAB_DESCRIPTION, "type": "VOCABULARY"}


def _single_output_classifier(model: Model, options: KindOptions, kind: Kind, description: str) -> Json:
    outputs = model.main.outputs
    if len(outputs) != 1:
        raise _fail(model, f"--kind {kind.value} needs one [1, N] output; the model has {len(outputs)}")
    _check_labels(model, options, _classes(model, outputs[0], kind), "output")
    return classification_output(outputs[0], options, description)


def _text_classifier(model: Model, options: KindOptions) -> Built:
    inputs = model.main.inputs
    if len(inputs) != 1 or inputs[0].dtype is not DType.INT32 or len(inputs[0].shape) != 2:
        raise _fail(model, "--kind text-classifier needs one int32 [1, L] token-id input")
    tokenizer = {
        "options_type": "RegexTokenizerOptions",
        "options": {
            "delim_regex_pattern": options.delim_regex,
            "vocab_file": [_vocab_entry(options, model, Kind.TEXT_CLASSIFIER)],
        },
    }
    text: Json = {
        "name": "input_text",
        "description": "Embedding vectors representing the input text to be classified.",
        "content": {"content_properties_type": "FeatureProperties", "content_properties": {}},
        "process_units": [tokenizer],
        "stats": {},
    }
    output = _single_output_classifier(
        model, options, Kind.TEXT_CLASSIFIER, "Probabilities of the labels respectively."
    )
    subgraph = {"input_tensor_metadata": [text], "output_tensor_metadata": [output]}
    return _built(
        model,
        _model("NLClassifier", "Classify the input text into a set of known categories.", subgraph),
        options,
    )


BERT_ROLES = (
    ("ids", "Tokenized ids of the input text.", ("word_ids", "input_ids", "ids")),
    ("mask", "Mask with 1 for real tokens and 0 for padding tokens.", ("mask",)),
    (
        "segment_ids",
        "0 for the first sequence, 1 for the second sequence if exists.",
        ("type_ids", "segment", "token_type"),
    ),
)


def bert_roles(model: Model) -> list[int]:
    """Model input position for ids, mask and segment ids, matched by tensor name."""
    inputs = model.main.inputs
    if len(inputs) != 3 or any(t.dtype is not DType.INT32 for t in inputs):
        raise _fail(model, "--kind bert-classifier needs three int32 [1, L] inputs (ids, mask, segment ids)")
    positions = []
    for role, _, hints in BERT_ROLES:
        found = [i for i, t in enumerate(inputs) if any(h in t.name.lower() for h in hints)]
        found = [i for i in found if i not in positions]
        if not found:
            names = ", ".join(t.name for t in inputs)
            raise _fail(model, f"cannot tell which input holds the {role} from their names ({names})")
        positions.append(found[0])
    return positions


def _bert_classifier(model: Model, options: KindOptions) -> Built:
    positions = bert_roles(model)
    by_position: dict[int, Json] = {}
    for (role, description, _), position in zip(BERT_ROLES, positions, strict=True):
        by_position[position] = {
            "name": role,
            "description": description,
            "content": {"content_properties_type": "FeatureProperties", "content_properties": {}},
            "stats": {},
        }
    output = _single_output_classifier(
        model, options, Kind.BERT_CLASSIFIER, "Probabilities of the labels respectively."
    )
    subgraph = {
        "input_tensor_metadata": [by_position[i] for i in range(3)],
        "output_tensor_metadata": [output],
        "input_process_units": [
            {
                "options_type": "BertTokenizerOptions",
                "options": {"vocab_file": [_vocab_entry(options, model, Kind.BERT_CLASSIFIER)]},
            }
        ],
    }
    return _built(
        model,
        _model("BertNLClassifier", "Classify the input text into a set of known categories.", subgraph),
        options,
    )


def _audio_classifier(model: Model, options: KindOptions) -> Built:
    inputs = model.main.inputs
    if len(inputs) != 1 or not inputs[0].dtype.is_float or len(inputs[0].shape) != 2:
        raise _fail(model, "--kind audio-classifier needs one float [1, samples] waveform input")
    if options.sample_rate <= 0 or options.channels <= 0:
        raise _fail(model, "--sample-rate and --channels must be positive")
    audio: Json = {
        "name": "audio_clip",
        "description": "Input audio clip to be classified.",
        "content": {
            "content_properties_type": "AudioProperties",
            "content_properties": {"sample_rate": options.sample_rate, "channels": options.channels},
        },
        "stats": {},
    }
    output = _single_output_classifier(
        model, options, Kind.AUDIO_CLASSIFIER, "Scores of the labels respectively."
    )
    subgraph = {"input_tensor_metadata": [audio], "output_tensor_metadata": [output]}
    return _built(
        model,
        _model(
            "AudioClassifier",
            "Identify the most prominent type in the audio clip from a known set of categories.",
            subgraph,
        ),
        options,
    )


def _generic(model: Model, options: KindOptions) -> Built:
    """Names every tensor after the model; the spec's [[input]]/[[output]] tables fill the rest."""

    def tensor(t: Tensor) -> Json:
        return {
            "name": t.name,
            "content": {"content_properties_type": "FeatureProperties", "content_properties": {}},
            "stats": {},
        }

    subgraph = {
        "input_tensor_metadata": [tensor(t) for t in model.main.inputs],
        "output_tensor_metadata": [tensor(t) for t in model.main.outputs],
    }
    return _built(model, {"name": Path(model.path).stem, "subgraph_metadata": [subgraph]}, options)
