"""The metadata codec at its edges: every table and scalar type in one metadata, exact bytes and
exact displayer JSON; floats as the displayer rounds them; union type codes flatc prints as NONE
or as a number; ``min_parser_version`` feature by feature; every encoder error's one line.

Fast (no subprocess), so ``bench/mutation.py --module codec`` runs it per mutant. The expected
values here are the official code's answers: ``tests/test_codec_official.py`` asks tflite-support
0.4.4 (flatc's JSON, ``GetMinimumMetadataParserVersion``, the object API's re-pack) for each of
them, so a constant here cannot drift from what the official code says.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import flatbuffers
import pytest

from bindgen.errors import BindgenError
from bindgen.read.metadata import codec
from bindgen.read.metadata.builder import Builder


def _file(name: str, **more: Any) -> dict[str, Any]:
    return {"name": name, **more}


def _unit(member: str, options: dict[str, Any]) -> dict[str, Any]:
    return {"options_type": member, "options": options}


#: Every table, every field and every scalar type of schema 1.5 at least once (CustomMetadata.data
#: aside: the official object API ignores its force_align, see test_custom_data_is_16_aligned).
RICH: dict[str, Any] = {
    "name": "rich",
    "description": "every field",
    "version": "v2",
    "subgraph_metadata": [
        {
            "name": "sg",
            "description": "d",
            "input_tensor_metadata": [
                {
                    "name": "image",
                    "description": "an image",
                    "dimension_names": ["batch", "height", "width", "channels"],
                    "content": {
                        "content_properties_type": "ImageProperties",
                        "content_properties": {"color_space": "GRAYSCALE", "default_size": {"width": 224, "height": 7}},
                        "range": {"min": -3, "max": 2147483647},
                    },
                    "process_units": [_unit("NormalizationOptions", {"mean": [127.5, -1.25], "std": [0.5]})],
                    "stats": {"max": [255.0], "min": [-2.0, 0.25]},
                    "associated_files": [
                        _file("a.txt", description="x", type="DESCRIPTIONS", locale="fr", version="3")
                    ],
                },
                {
                    "name": "audio",
                    "content": {"content_properties_type": "AudioProperties",
                                "content_properties": {"sample_rate": 16000, "channels": 4294967295}},
                },
                {"name": "feature",
                 "content": {"content_properties_type": "FeatureProperties", "content_properties": {}}},
            ],
            "output_tensor_metadata": [
                {
                    "name": "boxes",
                    "content": {
                        "content_properties_type": "BoundingBoxProperties",
                        "content_properties": {"index": [1, 0, 3, 2], "type": "CENTER", "coordinate_type": "PIXEL"},
                    },
                    "process_units": [
                        _unit("ScoreCalibrationOptions",
                              {"score_transformation": "INVERSE_LOGISTIC", "default_score": 0.25}),
                        _unit("ScoreThresholdingOptions", {"global_score_threshold": 0.5}),
                    ],
                    "associated_files": [_file("labels.txt", type="TENSOR_VALUE_LABELS"),
                                         _file("cal.txt", type="TENSOR_AXIS_SCORE_CALIBRATION")],
                },
            ],
            "associated_files": [_file("index", type="SCANN_INDEX_FILE")],
            "input_process_units": [
                _unit("BertTokenizerOptions", {"vocab_file": [_file("vocab.txt", type="VOCABULARY")]}),
                _unit("SentencePieceTokenizerOptions", {"sentencePiece_model": [_file("sp.model")],
                                                        "vocab_file": [_file("v2.txt")]}),
            ],
            "output_process_units": [_unit("RegexTokenizerOptions", {"delim_regex_pattern": "[ ]+",
                                                                     "vocab_file": [_file("v3.txt")]})],
            "input_tensor_groups": [{"name": "in", "tensor_names": ["image", "audio"]}],
            "output_tensor_groups": [{"name": "out", "tensor_names": []}],
            "custom_metadata": [{"name": "no data"}],
        },
        {},
    ],
    "author": "me",
    "license": "MIT",
    "associated_files": [_file("TENSOR_AXIS_LABELS", type="TENSOR_AXIS_LABELS"), _file("u")],
    "min_parser_version": "1.5.0",
}
#: sha256 of ``codec.encode(RICH)``; the official object API re-packs those bytes to the same bytes.
RICH_SHA256 = "992a592768de6aea47ca3f1c1f5e1eb925f1f9b5bcca5c820c034e638cb2cd93"


def test_every_table_and_type_encodes_to_known_bytes_and_decodes_to_the_same_json() -> None:
    encoded = codec.encode(RICH)
    assert hashlib.sha256(encoded).hexdigest() == RICH_SHA256
    decoded = codec.decode(encoded, where="rich")
    assert json.dumps(decoded) == json.dumps(RICH)  # same keys, order and types (224, not 224.0)
    assert codec.decode(encoded, where="rich", exact_floats=True) == RICH  # all exact in float32


def test_custom_data_is_16_aligned() -> None:
    """``data:[ubyte] (force_align: 16)``: the bytes start on a 16-byte boundary of the buffer."""
    data = [0xAB, 0xCD, 0xEF, 0x01, 0x23]
    for name in ("x" * n for n in range(17)):  # every padding the string before it can leave
        metadata = {"name": name, "subgraph_metadata": [{"custom_metadata": [{"name": name, "data": data}]}]}
        encoded = codec.encode(metadata)
        assert encoded.find(bytes(data)) % 16 == 0, name
        assert struct.unpack_from("<I", encoded, encoded.find(bytes(data)) - 4) == (len(data),)
        assert codec.decode(encoded, where=name) == metadata


# ------------------------------------------------------------------------------------- floats

#: float → what the displayer prints for it (stored as float32, printed with six decimals).
DISPLAYED = [
    (0.1, 0.1),
    (1 / 3, 0.333333),
    (0.1234567, 0.123457),
    (2 / 3, 0.666667),
    (1e-7, 0.0),
    (-0.5, -0.5),
    (2.5, 2.5),
    (123456.7, 123456.703125),
    (1e10, 10000000000.0),
]


def _float32(value: float) -> float:
    got: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return got


def floats_metadata(values: list[float]) -> dict[str, Any]:
    """``values`` as a float vector, as float scalars in union tables, and in a nested table."""
    units = [_unit("ScoreThresholdingOptions", {"global_score_threshold": v}) for v in values]
    tensor = {"process_units": [_unit("NormalizationOptions", {"mean": values}), *units], "stats": {"max": values}}
    return {"subgraph_metadata": [{"input_tensor_metadata": [tensor]}]}


def test_floats_are_shown_as_the_displayer_rounds_them_and_exact_on_request() -> None:
    values = [value for value, _ in DISPLAYED]
    encoded = codec.encode(floats_metadata(values))
    assert codec.decode(encoded, where="floats") == floats_metadata([shown for _, shown in DISPLAYED])
    exact = codec.decode(encoded, where="floats", exact_floats=True)
    assert exact == floats_metadata([_float32(v) for v in values])
    assert _float32(0.1) != 0.1  # so the two assertions above tell the two modes apart


def test_flatc_float_keeps_nan_and_infinities() -> None:
    assert str(codec.flatc_float(float("nan"))) == "nan"
    assert codec.flatc_float(float("inf")) == float("inf")
    assert codec.flatc_float(float("-inf")) == float("-inf")


# ------------------------------------------------------------------------------------- unions


def union_buffer(code: int, with_table: bool) -> bytes:
    """ModelMetadata → SubGraphMetadata → one input ProcessUnit whose ``options_type`` is ``code``
    (written even when 0) and whose ``options`` is an empty table or absent."""
    b = flatbuffers.Builder(0)
    b.ForceDefaults(True)
    b.StartObject(0)
    options = b.EndObject()
    b.StartObject(2)
    b.PrependUint8Slot(0, code, 0)
    if with_table:
        b.PrependUOffsetTRelativeSlot(1, options, 0)
    unit = b.EndObject()
    b.StartVector(4, 1, 4)
    b.PrependUOffsetTRelative(unit)
    units = b.EndVector()
    b.StartObject(6)
    b.PrependUOffsetTRelativeSlot(5, units, 0)
    subgraph = b.EndObject()
    b.StartVector(4, 1, 4)
    b.PrependUOffsetTRelative(subgraph)
    subgraphs = b.EndVector()
    b.StartObject(4)
    b.PrependUOffsetTRelativeSlot(3, subgraphs, 0)
    b.Finish(b.EndObject(), file_identifier=b"M001")
    return bytes(b.Output())


#: (type code, options table present) → the ProcessUnit as decoded; flatc shows the same where it
#: accepts the buffer, and refuses a table under NONE or under a code it does not know.
UNION_CODES: list[tuple[int, bool, dict[str, Any]]] = [
    (0, False, {"options_type": "NONE"}),
    (1, False, {"options_type": "NormalizationOptions"}),
    (1, True, {"options_type": "NormalizationOptions", "options": {}}),
    (6, True, {"options_type": "RegexTokenizerOptions", "options": {}}),
    (7, False, {"options_type": 7}),
    (200, False, {"options_type": 200}),
    (0, True, {"options_type": "NONE"}),
    (7, True, {"options_type": 7}),
]


@pytest.mark.parametrize(("code", "with_table", "unit"), UNION_CODES)
def test_union_type_codes_decode_as_flatc_prints_them(code: int, with_table: bool, unit: dict[str, Any]) -> None:
    decoded = codec.decode(union_buffer(code, with_table), where="union")
    assert decoded == {"subgraph_metadata": [{"input_process_units": [unit]}]}


# -------------------------------------------------------------------------- min_parser_version


def _sub(**fields: Any) -> dict[str, Any]:
    return {"subgraph_metadata": [fields]}


def _tensor(**fields: Any) -> dict[str, Any]:
    return _sub(input_tensor_metadata=[fields])


#: metadata → the official GetMinimumMetadataParserVersion of its encoding.
MIN_VERSIONS: dict[str, tuple[dict[str, Any], str]] = {
    "nothing": ({}, "1.0.0"),
    "1.0 fields only": (_tensor(name="t", stats={"max": [1.0]}, content={"range": {"min": 1}}), "1.0.0"),
    "model version is not a file version": ({"version": "v1"}, "1.0.0"),
    "vocabulary file": ({"associated_files": [_file("v", type="VOCABULARY")]}, "1.0.1"),
    "vocabulary file of a tensor": (_tensor(associated_files=[_file("v", type="VOCABULARY")]), "1.0.1"),
    "input process units": (_sub(input_process_units=[]), "1.1.0"),
    "output process units": (_sub(output_process_units=[]), "1.1.0"),
    "normalization unit": (_tensor(process_units=[_unit("NormalizationOptions", {})]), "1.0.0"),
    "bert tokenizer of a tensor": (_tensor(process_units=[_unit("BertTokenizerOptions", {})]), "1.1.0"),
    "sentencepiece tokenizer": (
        _tensor(process_units=[_unit("SentencePieceTokenizerOptions", {})]), "1.1.0"),
    "input tensor groups": (_sub(input_tensor_groups=[]), "1.2.0"),
    "output tensor groups": (_sub(output_tensor_groups=[{"name": "g"}]), "1.2.0"),
    "regex tokenizer": (_tensor(process_units=[_unit("RegexTokenizerOptions", {})]), "1.2.1"),
    "audio properties": (
        _sub(output_tensor_metadata=[{"content": {"content_properties_type": "AudioProperties",
                                                  "content_properties": {}}}]), "1.3.0"),
    "bounding box type is not a file type": (
        _tensor(content={"content_properties_type": "BoundingBoxProperties",
                         "content_properties": {"type": "BOUNDARIES"}}), "1.0.0"),
    "scann index file": (_sub(associated_files=[_file("s", type="SCANN_INDEX_FILE")]), "1.4.0"),
    "file version": ({"associated_files": [_file("s", version="1")]}, "1.4.1"),
    "file version of a tensor": (_tensor(associated_files=[_file("s", version="1")]), "1.4.1"),
    "custom metadata": (_sub(custom_metadata=[{"name": "c"}]), "1.5.0"),
    "newest wins": (_sub(custom_metadata=[], input_process_units=[], associated_files=[_file("s", version="1")]),
                    "1.5.0"),
    # The official code does not look inside a union's table: the tokenizer's version, not 1.4.x.
    "file version inside a tokenizer": (
        _sub(input_process_units=[_unit("BertTokenizerOptions", {"vocab_file": [_file("v", version="1")]})]), "1.1.0"),
    "scann file inside a tokenizer": (
        _tensor(process_units=[_unit("RegexTokenizerOptions", {"vocab_file": [_file("v", type="SCANN_INDEX_FILE")]})]),
        "1.2.1"),
}


@pytest.mark.parametrize("case", sorted(MIN_VERSIONS))
def test_min_parser_version_of_each_feature(case: str) -> None:
    metadata, expected = MIN_VERSIONS[case]
    assert codec.min_parser_version(metadata) == expected


# ------------------------------------------------------------------------------ encoder errors


def _image(**properties: Any) -> dict[str, Any]:
    return _tensor(content={"content_properties_type": "ImageProperties", "content_properties": properties})


_T = "subgraph_metadata[0].input_tensor_metadata[0]"

#: metadata → the one line ``encode(metadata, where="spec.toml")`` raises.
ERRORS: list[tuple[Any, str]] = [
    ([], "spec.toml: <root>: expected a table (ModelMetadata), got list"),
    ({"nam": "x"}, "spec.toml: nam: unknown key for ModelMetadata (allowed: name, description, version, "
                   "subgraph_metadata, author, license, associated_files, min_parser_version)"),
    (_tensor(content={"x": 1}), f"spec.toml: {_T}.content.x: unknown key for Content "
                                "(allowed: content_properties, range, content_properties_type)"),
    (_tensor(content={"content_properties_type": "ImageProperties"}),
     f"spec.toml: {_T}.content.content_properties: needs both 'content_properties_type' and 'content_properties'"),
    (_tensor(content={"content_properties": {}}),
     f"spec.toml: {_T}.content.content_properties: needs both 'content_properties_type' and 'content_properties'"),
    (_tensor(content={"content_properties_type": "Image", "content_properties": {}}),
     f"spec.toml: {_T}.content.content_properties_type: must be one of FeatureProperties, ImageProperties, "
     "BoundingBoxProperties, AudioProperties, got 'Image'"),
    (_tensor(content={"content_properties_type": "ImageProperties", "content_properties": []}),
     f"spec.toml: {_T}.content.content_properties: expected a table (ImageProperties), got list"),
    ({"subgraph_metadata": {}}, "spec.toml: subgraph_metadata: expected a list, got dict"),
    ({"subgraph_metadata": [{}, 3]}, "spec.toml: subgraph_metadata[1]: expected a table (SubGraphMetadata), got int"),
    ({"name": 1}, "spec.toml: name: expected a string, got int"),
    (_tensor(dimension_names=["a", None]), f"spec.toml: {_T}.dimension_names[1]: expected a string, got NoneType"),
    (_tensor(stats={"max": [0.5, "1"]}), f"spec.toml: {_T}.stats.max[1]: expected a number, got '1'"),
    (_tensor(stats={"min": [True]}), f"spec.toml: {_T}.stats.min[0]: expected a number, got True"),
    (_image(default_size={"width": 1.5}), f"spec.toml: {_T}.content.content_properties.default_size.width: "
                                          "expected an integer, got 1.5"),
    (_image(default_size={"height": False}), f"spec.toml: {_T}.content.content_properties.default_size.height: "
                                             "expected an integer, got False"),
    (_image(default_size={"width": 2**32}), f"spec.toml: {_T}.content.content_properties.default_size.width: "
                                            "4294967296 is out of range [0, 4294967295]"),
    (_tensor(content={"range": {"min": -(2**31) - 1}}),
     f"spec.toml: {_T}.content.range.min: -2147483649 is out of range [-2147483648, 2147483647]"),
    (_sub(custom_metadata=[{"data": [0, 256]}]),
     "spec.toml: subgraph_metadata[0].custom_metadata[0].data[1]: 256 is out of range [0, 255]"),
    (_image(color_space="rgb"), f"spec.toml: {_T}.content.content_properties.color_space: "
                                "must be one of UNKNOWN, RGB, GRAYSCALE, got 'rgb'"),
    (_image(color_space=1), f"spec.toml: {_T}.content.content_properties.color_space: "
                            "must be one of UNKNOWN, RGB, GRAYSCALE, got 1"),
]


@pytest.mark.parametrize(("metadata", "message"), ERRORS)
def test_encoder_errors_name_the_key_and_what_it_takes(metadata: Any, message: str) -> None:
    with pytest.raises(BindgenError) as raised:
        codec.encode(metadata, where="spec.toml")
    assert str(raised.value) == message


def test_numbers_are_accepted_in_any_python_number_type() -> None:
    """An int where a float goes is that float; a tuple where a list goes is that list."""
    as_ints = _tensor(stats={"max": (1, 2)}, process_units=[_unit("ScoreThresholdingOptions",
                                                                  {"global_score_threshold": 1})])
    as_floats = _tensor(stats={"max": [1.0, 2.0]}, process_units=[_unit("ScoreThresholdingOptions",
                                                                        {"global_score_threshold": 1.0})])
    assert codec.encode(as_ints) == codec.encode(as_floats)


def test_where_and_exact_floats_are_keyword_only() -> None:
    encoded = codec.encode({"name": "m"})
    with pytest.raises(TypeError):
        codec.decode(encoded, "positional where")  # type: ignore[misc]
    with pytest.raises(TypeError):
        codec.encode({"name": "m"}, "positional where")  # type: ignore[misc]
    with pytest.raises(TypeError):
        codec.encode_with(Builder(), {"name": "m"}, "positional where")  # type: ignore[misc]
    assert codec.encode_with(Builder(), {"name": "m"}, where="w") == encoded
