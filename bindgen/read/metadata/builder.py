"""A small flatbuffer builder: the part of ``flatbuffers.Builder`` the metadata codec uses.

Why not the ``flatbuffers`` package: importing it imports numpy whenever numpy is installed
(``flatbuffers.compat.import_numpy`` at module level), 60-400 ms on every ``bindgen annotate``,
which needs no numpy. This builder lays the buffer out by the same rules, so the bytes are the
same as the official builder's (``tests/test_metadata_builder.py`` compares them on every
metadata the tests have): built back to front, each scalar aligned to its size, a table's fields
in the order they are prepended, trailing empty vtable slots trimmed, identical vtables shared,
vectors prefixed by their length, strings NUL-terminated, the root offset and the file
identifier last.

Method names follow ``flatbuffers.Builder`` so the official builder can stand in for this one in
tests; only the methods the codec calls exist.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

_FORMATS = {
    "Bool": "?",
    "Int8": "b",
    "Uint8": "B",
    "Int16": "h",
    "Uint16": "H",
    "Int32": "i",
    "Uint32": "I",
    "Int64": "q",
    "Uint64": "Q",
    "Float32": "f",
    "Float64": "d",
}


class Builder:
    """Builds one flatbuffer back to front; offsets count bytes from the end of the buffer."""

    def __init__(self) -> None:
        self._data = bytearray()  # the finished tail of the buffer; grows at the front
        self._min_align = 1
        self._vtable: list[int] | None = None  # per field: its offset, 0 when absent
        self._object_end = 0
        self._vtables: dict[tuple[int, ...], int] = {}  # shape → offset of the written vtable
        self._vector_length = 0
        self._finished = False

    # ------------------------------------------------------------------ layout primitives

    def Offset(self) -> int:  # flatbuffers.Builder's names throughout
        return len(self._data)

    def _pad(self, count: int) -> None:
        if count > 0:
            self._data[0:0] = bytes(count)

    def _prep(self, size: int, additional: int) -> None:
        """Pad so that ``size`` is aligned once ``additional`` more bytes have been prepended."""
        self._min_align = max(self._min_align, size)
        self._pad(-(len(self._data) + additional) & (size - 1))

    def _place(self, fmt: str, value: int | float | bool) -> None:
        self._data[0:0] = struct.pack("<" + fmt, value)

    def _prepend(self, fmt: str, value: int | float | bool) -> None:
        self._prep(struct.calcsize(fmt), 0)
        self._place(fmt, value)

    def _relative(self, offset: int) -> int:
        """``offset`` as seen from the 4-byte slot about to be prepended (after aligning it)."""
        self._prep(4, 0)
        if offset > self.Offset():
            raise ValueError("flatbuffer offset points forward")
        return self.Offset() - offset + 4

    # ------------------------------------------------------------------ scalars and offsets

    def PrependUOffsetTRelative(self, offset: int) -> None:
        self._place("I", self._relative(offset))

    def __getattr__(self, name: str) -> Callable[..., None]:
        """``PrependInt8(x)`` … ``PrependFloat64Slot(slot, x, default)``, as flatbuffers names them."""
        kind = name.removeprefix("Prepend").removesuffix("Slot")
        fmt = _FORMATS.get(kind)
        if not name.startswith("Prepend") or fmt is None:
            raise AttributeError(name)
        if name.endswith("Slot"):
            return lambda slot, value, default: self._prepend_slot(fmt, slot, value, default)
        return lambda value: self._prepend(fmt, value)

    def _prepend_slot(self, fmt: str, slot: int, value: int | float | bool, default: int | float | bool) -> None:
        if value != default:  # a field equal to its default is not stored
            self._prepend(fmt, value)
            self._slot(slot)

    def PrependUOffsetTRelativeSlot(self, slot: int, offset: int, default: int) -> None:
        if offset != default:
            self.PrependUOffsetTRelative(offset)
            self._slot(slot)

    # ------------------------------------------------------------------ tables

    def StartObject(self, fields: int) -> None:
        self._vtable = [0] * fields
        self._object_end = self.Offset()

    def _slot(self, slot: int) -> None:
        assert self._vtable is not None, "a slot outside a table"
        self._vtable[slot] = self.Offset()

    def EndObject(self) -> int:
        """Close the table: its vtable offset first, then the vtable (or a shared identical one)."""
        assert self._vtable is not None, "EndObject without StartObject"
        self._prepend("i", 0)  # the table's offset to its vtable, filled in below
        table = self.Offset()
        fields = list(self._vtable)
        while fields and fields[-1] == 0:
            fields.pop()  # trailing absent fields are left out of the vtable
        entries = [table - at if at else 0 for at in fields]
        size = table - self._object_end
        shape = (*reversed(entries), size)
        shared = self._vtables.get(shape)
        if shared is None:
            for entry in reversed(entries):
                self._prepend("H", entry)
            self._prepend("H", size)
            self._prepend("H", (len(entries) + 2) * 2)
            shared = self.Offset()
            self._vtables[shape] = shared
        start = len(self._data) - table
        struct.pack_into("<i", self._data, start, shared - table)
        self._vtable = None
        return table

    # ------------------------------------------------------------------ vectors and strings

    def StartVector(self, element_size: int, count: int, alignment: int) -> int:
        self._prep(4, element_size * count)
        self._prep(alignment, element_size * count)
        self._vector_length = count
        return self.Offset()

    def EndVector(self) -> int:
        self._place("I", self._vector_length)  # space was reserved by StartVector's alignment
        return self.Offset()

    def CreateString(self, text: str) -> int:
        payload = text.encode("utf-8")
        self._prep(4, len(payload) + 1)
        self._data[0:0] = payload + b"\0"
        self._vector_length = len(payload)
        return self.EndVector()

    # ------------------------------------------------------------------ the whole buffer

    def Finish(self, root: int, file_identifier: bytes) -> None:
        if len(file_identifier) != 4:
            raise ValueError("a flatbuffer file identifier has 4 bytes")
        self._prep(self._min_align, 8)
        self._prep(4, 4)
        self._data[0:0] = file_identifier
        self.PrependUOffsetTRelative(root)
        self._finished = True

    def Output(self) -> bytes:
        if not self._finished:
            raise ValueError("Output before Finish")
        return bytes(self._data)
