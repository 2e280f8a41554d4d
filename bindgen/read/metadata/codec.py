"""Metadata flatbuffer <-> the JSON shape of tflite-support's ``MetadataDisplayer``.

``decode`` mirrors flatc's text generator (which the displayer uses): fields in declaration
order, a field printed iff it is present in the vtable, enums by name, unions as
``<name>_type`` + ``<name>``, floats through flatc's ``FloatToString`` (fixed, 6 digits,
trailing zeros trimmed; schema 1.5 has no double). ``encode`` builds the flatbuffer from the same
shape, validating every key against the schema and naming the offending key path.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any

from bindgen.errors import BindgenError
from bindgen.read.metadata.builder import Builder
from bindgen.read.metadata.schema import ENUMS, FILE_IDENTIFIER, ROOT, TABLES, UNIONS, Field
from bindgen.read.tflite.flatbuf import Buf, Table, read_string

Json = Any

_ENUM_FMT = "b"  # every metadata enum is declared `: byte`


def flatc_float(value: float) -> float:
    """The number flatc's JSON shows for a float ``value`` (``FloatToString(value, 6)``: fixed, six
    decimals, trailing zeros trimmed), parsed. Trimming changes no parsed number, and ``nan``/``inf``
    come through ``%f`` as themselves, so six fixed decimals are all it takes."""
    return float(f"{value:.6f}")


# ----------------------------------------------------------------------------------- decoding


def decode(
    data: bytes | memoryview | mmap.mmap,
    *,
    where: str,
    base: int = 0,
    size: int | None = None,
    exact_floats: bool = False,
) -> Json:
    """Decode a metadata flatbuffer (root ``ModelMetadata``) into displayer JSON.

    ``exact_floats``: floats as stored (a float32 exactly), not as the displayer prints them (six
    decimals): what the processing plan needs, since the Task Library computes with the stored
    values (a score threshold, a std of 1/128).
    """
    buf = Buf(data, where=where, base=base, size=size)
    return _decode_table(buf.root("metadata root table"), ROOT, exact_floats)


def _decode_table(table: Table, name: str, exact: bool) -> dict[str, Json]:
    out: dict[str, Json] = {}
    for field in TABLES[name]:
        what = f"{name}.{field.name}"
        if field.kind == "union":
            type_code = table.scalar(field.id - 1, "B", None)
            if type_code is None:
                continue
            members = dict(enumerate(UNIONS[field.type], start=1))
            code = int(type_code)
            # As flatc prints it: 0 is NONE, a code this schema does not know stays a number (a
            # newer schema's member), and only a known member's table is shown.
            out[f"{field.name}_type"] = members.get(code, code or "NONE")
            sub = table.table(field.id, what)
            if sub is not None and code in members:
                out[field.name] = _decode_table(sub, members[code], exact)
            continue
        pos = table.field_pos(field.id)
        if pos is None:
            continue
        if field.kind == "scalar":
            out[field.name] = _decode_scalar(table.buf.scalar(field.type, pos, what), field.type, exact)
        elif field.kind == "enum":
            raw = int(table.buf.scalar(_ENUM_FMT, pos, what))
            out[field.name] = ENUMS[field.type].get(raw, raw)
        elif field.kind == "string":
            out[field.name] = read_string(table.buf, table.buf.deref(pos, what), what)
        elif field.kind == "table":
            out[field.name] = _decode_table(table.buf.table(table.buf.deref(pos, what), what), field.type, exact)
        else:
            out[field.name] = _decode_vector(table, field, what, exact)
    return out


def _decode_scalar(value: int | float, fmt: str, exact: bool) -> Json:
    """An int as stored; a float as the displayer prints it, or as stored with ``exact``."""
    return flatc_float(value) if fmt == "f" and not exact else value


def _decode_vector(table: Table, field: Field, what: str, exact: bool) -> list[Json]:
    if field.type == "string":
        return table.strings(field.id, what) or []
    if field.type.startswith("table:"):
        element = field.type.removeprefix("table:")
        return [_decode_table(sub, element, exact) for sub in table.tables(field.id, what) or []]
    values = table.scalars(field.id, field.type, what) or ()
    return [_decode_scalar(value, field.type, exact) for value in values]


# ----------------------------------------------------------------------------------- encoding


def encode(metadata: dict[str, Json], *, where: str = "metadata") -> bytes:
    """Build a ``M001`` metadata flatbuffer from displayer-shaped JSON."""
    return encode_with(Builder(), metadata, where=where)


def encode_with(builder: Builder, metadata: dict[str, Json], *, where: str = "metadata") -> bytes:
    """:func:`encode` on a given builder (tests pass ``flatbuffers.Builder``, the reference)."""
    root = _encode_table(builder, metadata, ROOT, where, "")
    builder.Finish(root, file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())


def _key_error(path: str, message: str, where: str) -> BindgenError:
    return BindgenError(f"{path or '<root>'}: {message}", where=where)


def _encode_table(builder: Builder, value: Json, name: str, where: str, path: str) -> int:
    if not isinstance(value, dict):
        raise _key_error(path, f"expected a table ({name}), got {type(value).__name__}", where)
    fields = {f.name: f for f in TABLES[name]}
    union_types = {f"{f.name}_type": f for f in TABLES[name] if f.kind == "union"}
    for key in value:
        if key not in fields and key not in union_types:
            allowed = ", ".join(list(fields) + list(union_types))
            raise _key_error(_join(path, key), f"unknown key for {name} (allowed: {allowed})", where)
    # Children first: flatbuffers builds bottom-up.
    offsets: dict[str, int] = {}
    union_codes: dict[str, int] = {}
    for field in TABLES[name]:
        key_path = _join(path, field.name)
        if field.kind == "union":
            type_key = f"{field.name}_type"
            if (type_key in value) != (field.name in value):
                raise _key_error(key_path, f"needs both '{type_key}' and '{field.name}'", where)
            if field.name not in value:
                continue
            member = value[type_key]
            members = UNIONS[field.type]
            if member not in members:
                raise _key_error(
                    _join(path, type_key),
                    f"must be one of {', '.join(members)}, got {member!r}",
                    where,
                )
            union_codes[field.name] = members.index(member) + 1
            offsets[field.name] = _encode_table(builder, value[field.name], member, where, key_path)
        elif field.name not in value:
            continue
        elif field.kind == "string":
            offsets[field.name] = builder.CreateString(_expect_str(value[field.name], key_path, where))
        elif field.kind == "table":
            offsets[field.name] = _encode_table(builder, value[field.name], field.type, where, key_path)
        elif field.kind == "vector":
            offsets[field.name] = _encode_vector(builder, value[field.name], field, where, key_path)
    builder.StartObject(len(fields) + len(union_types))  # a union takes two slots: its type, its table
    for field in TABLES[name]:
        key_path = _join(path, field.name)
        if field.name not in value:
            continue
        if field.kind == "union":
            builder.PrependUint8Slot(field.id - 1, union_codes[field.name], 0)
            builder.PrependUOffsetTRelativeSlot(field.id, offsets[field.name], 0)
        elif field.kind in ("string", "table", "vector"):
            builder.PrependUOffsetTRelativeSlot(field.id, offsets[field.name], 0)
        elif field.kind == "enum":
            code = _enum_code(value[field.name], field.type, key_path, where)
            builder.PrependInt8Slot(field.id, code, int(field.default))
        else:
            _prepend_scalar_slot(
                builder, field, _expect_number(value[field.name], field.type, key_path, where)
            )
    end: int = builder.EndObject()
    return end


def _encode_vector(builder: Builder, items: Json, field: Field, where: str, path: str) -> int:
    if not isinstance(items, list | tuple):
        raise _key_error(path, f"expected a list, got {type(items).__name__}", where)
    if field.type == "string":
        elements = [builder.CreateString(_expect_str(x, f"{path}[{i}]", where)) for i, x in enumerate(items)]
        return _finish_offsets(builder, elements)
    if field.type.startswith("table:"):
        element = field.type.removeprefix("table:")
        elements = [_encode_table(builder, x, element, where, f"{path}[{i}]") for i, x in enumerate(items)]
        return _finish_offsets(builder, elements)
    numbers = [_expect_number(x, field.type, f"{path}[{i}]", where) for i, x in enumerate(items)]
    size = struct.calcsize(field.type)
    alignment = 16 if field.type == "B" else size  # CustomMetadata.data is force_align: 16
    builder.StartVector(size, len(numbers), alignment)
    for number in reversed(numbers):
        _prepend_scalar(builder, field.type, number)
    end: int = builder.EndVector()
    return end


def _finish_offsets(builder: Builder, offsets: list[int]) -> int:
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    end: int = builder.EndVector()
    return end


#: The scalar types of schema 1.5 (metadata_schema.fbs): ``ubyte`` (only as CustomMetadata.data's
#: elements), ``int`` (ValueRange), ``uint`` (ImageSize, AudioProperties, BoundingBoxProperties.index)
#: and ``float``; its enums are all ``byte`` and written by ``_enum_code``. No bool, short, long or
#: double field exists, so they have no rows here.
_PREPEND = {"B": "Uint8", "i": "Int32", "I": "Uint32", "f": "Float32"}
_RANGES = {"B": (0, 2**8 - 1), "i": (-(2**31), 2**31 - 1), "I": (0, 2**32 - 1)}


def _prepend_scalar(builder: Builder, fmt: str, number: int | float) -> None:
    getattr(builder, "Prepend" + _PREPEND[fmt])(number)


def _prepend_scalar_slot(builder: Builder, field: Field, number: int | float) -> None:
    getattr(builder, "Prepend" + _PREPEND[field.type] + "Slot")(field.id, number, field.default)


def _expect_str(value: Json, path: str, where: str) -> str:
    if not isinstance(value, str):
        raise _key_error(path, f"expected a string, got {type(value).__name__}", where)
    return value


def _expect_number(value: Json, fmt: str, path: str, where: str) -> int | float:
    if fmt == "f":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _key_error(path, f"expected a number, got {value!r}", where)
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _key_error(path, f"expected an integer, got {value!r}", where)
    low, high = _RANGES[fmt]
    if not low <= value <= high:
        raise _key_error(path, f"{value} is out of range [{low}, {high}]", where)
    return value


def _enum_code(value: Json, enum: str, path: str, where: str) -> int:
    names = {n: c for c, n in ENUMS[enum].items()}
    if isinstance(value, str) and value in names:
        return names[value]
    raise _key_error(path, f"must be one of {', '.join(names)}, got {value!r}", where)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ----------------------------------------------------------------------- min_parser_version

#: The schema members newer than 1.0.0 and the version that introduced each, as the official
#: ``GetMinimumMetadataParserVersion`` (tflite-support 0.4.4) checks them: a field by its presence,
#: an enum value or a union member by its use.
_INTRODUCED: dict[tuple[str, ...], tuple[int, int, int]] = {
    ("AssociatedFile", "type", "VOCABULARY"): (1, 0, 1),
    ("SubGraphMetadata", "input_process_units"): (1, 1, 0),
    ("SubGraphMetadata", "output_process_units"): (1, 1, 0),
    ("ProcessUnit", "options_type", "BertTokenizerOptions"): (1, 1, 0),
    ("ProcessUnit", "options_type", "SentencePieceTokenizerOptions"): (1, 1, 0),
    ("SubGraphMetadata", "input_tensor_groups"): (1, 2, 0),
    ("SubGraphMetadata", "output_tensor_groups"): (1, 2, 0),
    ("ProcessUnit", "options_type", "RegexTokenizerOptions"): (1, 2, 1),
    ("Content", "content_properties_type", "AudioProperties"): (1, 3, 0),
    ("AssociatedFile", "type", "SCANN_INDEX_FILE"): (1, 4, 0),
    ("AssociatedFile", "version"): (1, 4, 1),
    ("SubGraphMetadata", "custom_metadata"): (1, 5, 0),
}
_FIRST_VERSION = (1, 0, 0)


def min_parser_version(metadata: dict[str, Json]) -> str:
    """The official rule: the newest version in ``_INTRODUCED`` among the members present.

    Like the official code it looks into every table field and table vector, but not into a
    union's table: a tokenizer's ``vocab_file`` with a ``version`` still needs only the tokenizer's
    version.
    """
    versions = [_FIRST_VERSION]

    def walk(node: Json, table: str) -> None:
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            versions.append(_INTRODUCED.get((table, key), _FIRST_VERSION))
            if isinstance(value, str):
                versions.append(_INTRODUCED.get((table, key, value), _FIRST_VERSION))
        for field in TABLES[table]:
            element = field.type.removeprefix("table:")  # a table field's, or a table vector's
            if element in TABLES:
                child = node.get(field.name)
                for item in child if isinstance(child, list) else [child]:
                    walk(item, element)

    walk(metadata, ROOT)
    return ".".join(map(str, max(versions)))
