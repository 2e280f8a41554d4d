"""The TFLite metadata schema 1.5.0 as data.

One description serves both directions: ``codec.decode`` turns a metadata flatbuffer into the
JSON that tflite-support's ``MetadataDisplayer`` prints, and ``codec.encode`` builds the
flatbuffer back from that JSON shape (which is also bindgen's spec-file format). Field order is
declaration order; a union occupies two field ids (``<name>_type`` then ``<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass

FILE_IDENTIFIER = b"M001"
SCHEMA_VERSION = "1.5.0"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # scalar | enum | string | table | union | vector
    type: str  # struct format letter, enum/table/union name, or for vectors the element spec
    default: int | float = 0
    id: int = -1  # filled by _table()


def _table(*fields: Field) -> tuple[Field, ...]:
    out, next_id = [], 0
    for f in fields:
        if f.kind == "union":
            next_id += 1  # the hidden <name>_type field takes the first id
        out.append(Field(f.name, f.kind, f.type, f.default, next_id))
        next_id += 1
    return tuple(out)


def s(name: str, fmt: str, default: int | float = 0) -> Field:
    return Field(name, "scalar", fmt, default)


def e(name: str, enum: str, default: int = 0) -> Field:
    return Field(name, "enum", enum, default)


def string(name: str) -> Field:
    return Field(name, "string", "")


def t(name: str, table: str) -> Field:
    return Field(name, "table", table)


def u(name: str, union: str) -> Field:
    return Field(name, "union", union)


def v(name: str, element: str) -> Field:
    """A vector; ``element`` is a format letter, ``string``, or ``table:<Name>``."""
    return Field(name, "vector", element)


ENUMS: dict[str, dict[int, str]] = {
    "AssociatedFileType": {
        0: "UNKNOWN",
        1: "DESCRIPTIONS",
        2: "TENSOR_AXIS_LABELS",
        3: "TENSOR_VALUE_LABELS",
        4: "TENSOR_AXIS_SCORE_CALIBRATION",
        5: "VOCABULARY",
        6: "SCANN_INDEX_FILE",
    },
    "ColorSpaceType": {0: "UNKNOWN", 1: "RGB", 2: "GRAYSCALE"},
    "BoundingBoxType": {0: "UNKNOWN", 1: "BOUNDARIES", 2: "UPPER_LEFT", 3: "CENTER"},
    "CoordinateType": {0: "RATIO", 1: "PIXEL"},
    "ScoreTransformationType": {0: "IDENTITY", 1: "LOG", 2: "INVERSE_LOGISTIC"},
}

#: Union members in declaration order; the type code of member i is i + 1 (0 = NONE).
UNIONS: dict[str, tuple[str, ...]] = {
    "ContentProperties": (
        "FeatureProperties",
        "ImageProperties",
        "BoundingBoxProperties",
        "AudioProperties",
    ),
    "ProcessUnitOptions": (
        "NormalizationOptions",
        "ScoreCalibrationOptions",
        "ScoreThresholdingOptions",
        "BertTokenizerOptions",
        "SentencePieceTokenizerOptions",
        "RegexTokenizerOptions",
    ),
}

TABLES: dict[str, tuple[Field, ...]] = {
    "AssociatedFile": _table(
        string("name"),
        string("description"),
        e("type", "AssociatedFileType"),
        string("locale"),
        string("version"),
    ),
    "FeatureProperties": _table(),
    "ImageSize": _table(s("width", "I"), s("height", "I")),
    "ImageProperties": _table(e("color_space", "ColorSpaceType"), t("default_size", "ImageSize")),
    "AudioProperties": _table(s("sample_rate", "I"), s("channels", "I")),
    "BoundingBoxProperties": _table(
        v("index", "I"),
        e("type", "BoundingBoxType"),
        e("coordinate_type", "CoordinateType"),
    ),
    "ValueRange": _table(s("min", "i"), s("max", "i")),
    "Content": _table(u("content_properties", "ContentProperties"), t("range", "ValueRange")),
    "NormalizationOptions": _table(v("mean", "f"), v("std", "f")),
    "ScoreCalibrationOptions": _table(
        e("score_transformation", "ScoreTransformationType"),
        s("default_score", "f"),
    ),
    "ScoreThresholdingOptions": _table(s("global_score_threshold", "f")),
    "BertTokenizerOptions": _table(v("vocab_file", "table:AssociatedFile")),
    "SentencePieceTokenizerOptions": _table(
        v("sentencePiece_model", "table:AssociatedFile"),
        v("vocab_file", "table:AssociatedFile"),
    ),
    "RegexTokenizerOptions": _table(
        string("delim_regex_pattern"),
        v("vocab_file", "table:AssociatedFile"),
    ),
    "ProcessUnit": _table(u("options", "ProcessUnitOptions")),
    "Stats": _table(v("max", "f"), v("min", "f")),
    "TensorGroup": _table(string("name"), v("tensor_names", "string")),
    "TensorMetadata": _table(
        string("name"),
        string("description"),
        v("dimension_names", "string"),
        t("content", "Content"),
        v("process_units", "table:ProcessUnit"),
        t("stats", "Stats"),
        v("associated_files", "table:AssociatedFile"),
    ),
    "CustomMetadata": _table(string("name"), v("data", "B")),
    "SubGraphMetadata": _table(
        string("name"),
        string("description"),
        v("input_tensor_metadata", "table:TensorMetadata"),
        v("output_tensor_metadata", "table:TensorMetadata"),
        v("associated_files", "table:AssociatedFile"),
        v("input_process_units", "table:ProcessUnit"),
        v("output_process_units", "table:ProcessUnit"),
        v("input_tensor_groups", "table:TensorGroup"),
        v("output_tensor_groups", "table:TensorGroup"),
        v("custom_metadata", "table:CustomMetadata"),
    ),
    "ModelMetadata": _table(
        string("name"),
        string("description"),
        string("version"),
        v("subgraph_metadata", "table:SubGraphMetadata"),
        string("author"),
        string("license"),
        v("associated_files", "table:AssociatedFile"),
        string("min_parser_version"),
    ),
}

ROOT = "ModelMetadata"
