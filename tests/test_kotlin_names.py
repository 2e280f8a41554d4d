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


# ---- exact boundaries (the mutation bench's survivors: each line here kills a mutant) ---------


def test_keywords_hold_every_hard_soft_and_modifier_word_and_it() -> None:
    from bindgen.generate.kotlin.names import HARD_KEYWORDS, MODIFIER_KEYWORDS, SOFT_KEYWORDS

    assert HARD_KEYWORDS | SOFT_KEYWORDS | MODIFIER_KEYWORDS | {"it"} <= KEYWORDS
    assert {"fun", "by", "inline", "it"} <= KEYWORDS and "probability" not in KEYWORDS


@pytest.mark.parametrize(
    ("code", "escaped"),
    [(0x1F, True), (0x20, False), (0x7E, False), (0x7F, True), (0x80, False), (0x84, False), (0x85, True),
     (0x86, False), (0xD7FF, False), (0xD800, True), (0xDABC, True), (0xDFFF, True), (0xE000, False),
     (0x2027, False), (0x2028, True), (0x2029, True), (0x202A, False), (0xFFFF, False)],
)  # fmt: skip
def test_string_literal_escapes_exactly_the_unsafe_code_points(code: int, escaped: bool) -> None:
    literal = kotlin_string_literal(chr(code))
    assert literal == (f'"\\u{code:04x}"' if escaped else f'"{chr(code)}"')


@pytest.mark.parametrize(
    ("text", "literal"),
    [("\U00010000", '"\\ud800\\udc00"'), ("\U0010ffff", '"\\udbff\\udfff"'), ("\U0001f600", '"\\ud83d\\ude00"')],
)
def test_astral_characters_become_surrogate_pair_escapes(text: str, literal: str) -> None:
    assert kotlin_string_literal(text) == literal


def test_kdoc_wraps_at_exactly_72_columns_and_escapes_wrapped_block_tags() -> None:
    from bindgen.generate.kotlin.names import KDOC_WIDTH, MAX_NAME

    assert (KDOC_WIDTH, MAX_NAME) == (72, 48)
    assert kdoc_lines("x" * 72) == ["x" * 72]
    assert kdoc_lines("a" * 36 + " " + "b" * 36) == ["a" * 36, "b" * 36]
    assert kdoc_lines("a" * 35 + " " + "b" * 36) == ["a" * 35 + " " + "b" * 36]
    assert kdoc_lines("word " * 14 + "@return x") == ["word " * 13 + "word", "\\@return x"]
    assert kdoc_lines("\n\none\r\n\r\n\r\ntwo\u2029three\u0085four\rfive\n\n") == [
        "one", "", "two", "three", "four", "five"]
    assert kdoc_lines("a\x00b\x1fc\x7fd\ud800e") == ["a b c d e"]
    assert kdoc_lines("*/*/") == ["* / * /"] and kdoc_lines("/*/*") == ["/ * / *"]


def test_allocator_fallbacks_lengths_and_scopes() -> None:
    names = NameAllocator(fallback="input feature")
    assert names.new_name("2d") == "inputFeature2d"
    assert names.new_name("") == "inputFeature"
    assert NameAllocator(fallback="").new_name("") == "valueValue"  # "value" is a soft keyword
    assert NameAllocator(fallback="").new_name("1") == "value1"
    long = NameAllocator().new_name("a" * 60)
    assert long == "a" * 48
    assert NameAllocator(reserved=["a" * 48]).new_name("a" * 60) == "a" * 48 + "2"
    parent = NameAllocator(reserved=["close"])
    parent.new_name("buffer")
    child = NameAllocator(parent=parent)
    assert child.new_name("buffer") == "buffer2" and child.new_name("close") == "close2"
    assert parent.new_name("buffer") == "buffer2"  # the child's names do not block the parent
    child.reserve("image")
    assert child.new_name("image") == "image2"
    upper = NameAllocator(case=Case.UPPER_CAMEL)
    assert upper.new_name("URL_list") == "URLList" and upper.new_name("class") == "Class"
    assert NameAllocator().new_name("URL_list") == "urlList"
    assert NameAllocator().new_name("MobilenetV1") == "mobilenetV1"
    with pytest.raises(KeyError):
        NameAllocator().get("missing")


def test_kdoc_wraps_long_words_at_the_width_not_at_hyphens() -> None:
    """A hyphen is not a break point (file names and tensor names keep theirs)."""
    word = "a" * 40 + "-" + "b" * 40
    assert kdoc_lines(word) == [word[:72], word[72:]]


def test_allocator_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        NameAllocator(Case.UPPER_CAMEL)  # type: ignore[misc]
