"""Exact expectations for identifiers, literals and comment text (KotlinPoet-style)."""

from __future__ import annotations

import re

import pytest

from bindgen.errors import BindgenError
from bindgen.generate.kotlin.classname import class_name_for
from bindgen.generate.kotlin.names import KEYWORDS, Case, KotlinName, NameAllocator, kdoc_lines, kotlin_string_literal


def test_allocator_sequence() -> None:
    names = NameAllocator(reserved=["process"])
    assert names.new_name("probability") == "probability"
    assert names.new_name("probability") == "probability2"
    assert names.new_name("probability") == "probability3"
    assert names.new_name("process") == "process2"
    assert names.new_name("in") == "inValue"
    assert names.new_name("1ab") == "tensor1ab"
    assert names.new_name("") == "tensor"
    assert names.new_name("MobilenetV1/Predictions:0") == "mobilenetV1Predictions0"
    assert names.new_name("CONV_2D") == "conv2D"


def test_upper_camel_and_tags() -> None:
    names = NameAllocator(case=Case.UPPER_CAMEL)
    assert names.new_name("detection_result", tag="group") == "DetectionResult"
    assert names.get("group") == "DetectionResult"
    with pytest.raises(ValueError):
        names.new_name("other", tag="group")


@pytest.mark.parametrize("word", sorted(KEYWORDS))
def test_every_keyword_is_escaped(word: str) -> None:
    name = NameAllocator().new_name(word)
    assert name not in KEYWORDS and name.startswith(word)


def test_kotlin_name_rejects_unsafe_text() -> None:
    for bad in ("fun", "1a", "a-b", "", "a b", "é"):
        with pytest.raises(ValueError):
            KotlinName(bad)


def test_string_literal_escapes() -> None:
    assert kotlin_string_literal('a"b') == '"a\\"b"'
    assert kotlin_string_literal("$x ${y}") == '"\\$x \\${y}"'
    assert kotlin_string_literal("back\\slash") == '"back\\\\slash"'
    assert kotlin_string_literal("l1\nl2\r\t") == '"l1\\nl2\\r\\t"'
    assert kotlin_string_literal("\x00\x7f\u2028") == '"\\u0000\\u007f\\u2028"'
    assert kotlin_string_literal("😀") == '"\\ud83d\\ude00"'


def test_kdoc_neutralises_comment_breakers() -> None:
    lines = kdoc_lines("ends */ here /* opens\n\n\n@param x\ttab  \n")
    assert lines == ["ends * / here / * opens", "", "\\@param x tab"]
    assert all("*/" not in line and "/*" not in line for line in kdoc_lines("*/*/*//**/"))
    assert kdoc_lines("") == []


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("012.tflite", "AutoModel012"),
        ("mobilenet_v1-1.0_224.tflite", "MobilenetV110224"),
        ("mobilenet_v1_1.0_224_quant.tflite", "MobilenetV110224Quant"),
        ("my model.tflite", "MyModel"),
        ("EfficientDet-Lite0.tflite", "EfficientDetLite0"),
        ("class.tflite", "AutoModelClass"),
        ("---.tflite", "AutoModel"),
        ("sub/dir/detection_result.tflite", "DetectionResultModel"),
    ],
)
def test_android_studio_class_names(file_name: str, expected: str) -> None:
    assert class_name_for(file_name) == expected


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [("String.tflite", "StringModel"), ("Bitmap.tflite", "BitmapModel"), ("byte buffer.tflite", "ByteBufferModel"),
     ("device.tflite", "DeviceModel"), ("Resize-Op.tflite", "ResizeOpModel"), ("Strings.tflite", "Strings"),
     ("unit.tflite", "UnitModel")],
)
def test_class_names_never_shadow_a_type_the_wrapper_uses(file_name: str, expected: str) -> None:
    """A class named String/Bitmap/Device would shadow the type inside its own file (kotlinc errors
    found by the hostile-input test); such names get the Model suffix."""
    assert class_name_for(file_name) == expected


def test_every_name_the_generated_files_import_is_shadow_protected() -> None:
    from pathlib import Path

    from bindgen.generate.kotlin.classname import checked_class_name, shadowed_names

    imported = set()
    for source in (Path(__file__).parent / "golden" / "kotlin").rglob("*.kt"):
        imported |= set(re.findall(r"^import [\w.]+\.([A-Z]\w*)$", source.read_text(encoding="utf-8"), re.M))
    assert imported and imported <= shadowed_names(), imported - shadowed_names()
    with pytest.raises(BindgenError, match="--class-name 'Bitmap' is not usable"):
        checked_class_name("Bitmap")
