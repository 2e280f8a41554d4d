"""Bounds-checked, read-only access to a flatbuffer held in an mmap or bytes.

Every offset is checked against the buffer before it is followed, so a corrupt or hostile file
raises ``BindgenError`` (never ``struct.error``, ``IndexError`` or a giant allocation). Offsets
in a flatbuffer only point forward (``uoffset``) except vtables, and no schema bindgen reads is
recursive, so decoding always terminates.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable
from typing import TypeVar

from bindgen.errors import BindgenError

T = TypeVar("T")

_FORMATS = {
    "b": struct.Struct("<b"),
    "B": struct.Struct("<B"),
    "?": struct.Struct("<?"),
    "h": struct.Struct("<h"),
    "H": struct.Struct("<H"),
    "i": struct.Struct("<i"),
    "I": struct.Struct("<I"),
    "q": struct.Struct("<q"),
    "Q": struct.Struct("<Q"),
    "f": struct.Struct("<f"),
    "d": struct.Struct("<d"),
}


class Buf:
    """A flatbuffer region ``[base, base + size)`` inside ``data``; positions are absolute."""

    def __init__(
        self,
        data: bytes | memoryview | mmap.mmap,
        *,
        where: str,
        base: int = 0,
        size: int | None = None,
    ):
        self.data = data
        self.where = where
        self.base = base
        self.end = len(data) if size is None else base + size

    def corrupt(self, what: str, pos: int) -> BindgenError:
        return BindgenError(
            f"truncated or corrupt flatbuffer: {what} at offset {pos} lies outside the data "
            f"(size {self.end - self.base})",
            where=self.where,
        )

    def check(self, pos: int, length: int, what: str) -> None:
        if pos < self.base or length < 0 or pos + length > self.end:
            raise self.corrupt(what, pos - self.base)

    def scalar(self, fmt: str, pos: int, what: str = "scalar") -> int | float | bool:
        s = _FORMATS[fmt]
        self.check(pos, s.size, what)
        value: int | float | bool = s.unpack_from(self.data, pos)[0]
        return value

    def u32(self, pos: int, what: str = "offset") -> int:
        return int(self.scalar("I", pos, what))

    def deref(self, pos: int, what: str) -> int:
        """Follow the uoffset stored at ``pos``."""
        target = pos + self.u32(pos, what)
        self.check(target, 1, what)
        return target

    def root(self, what: str = "root table") -> Table:
        return self.table(self.deref(self.base, what), what)

    def table(self, pos: int, what: str) -> Table:
        self.check(pos, 4, what)
        vtable = pos - int(self.scalar("i", pos, what))
        self.check(vtable, 4, f"vtable of {what}")
        vt_size = int(self.scalar("H", vtable, what))
        table_size = int(self.scalar("H", vtable + 2, what))
        if vt_size < 4 or vt_size % 2:
            raise self.corrupt(f"vtable of {what} has invalid size {vt_size}", vtable - self.base)
        self.check(vtable, vt_size, f"vtable of {what}")
        self.check(pos, table_size, what)
        return Table(self, pos, vtable, vt_size, table_size, what)


class PreadBuf(Buf):
    """A ``Buf`` whose scalars are read with ``pread`` instead of through the mapping.

    For tables that sit next to megabytes of weights (a model's Buffer tables): touching them
    through the mmap maps the page cache's large folios around them.
    """

    def __init__(self, data: bytes | memoryview | mmap.mmap, fd: int, *, where: str) -> None:
        super().__init__(data, where=where)
        self.fd = fd

    def scalar(self, fmt: str, pos: int, what: str = "scalar") -> int | float | bool:
        s = _FORMATS[fmt]
        self.check(pos, s.size, what)
        value: int | float | bool = s.unpack(os.pread(self.fd, s.size, pos))[0]
        return value


class Table:
    """One flatbuffer table; ``field`` ids are schema declaration order (union = two ids)."""

    __slots__ = ("buf", "pos", "size", "vt", "vt_size", "what")

    def __init__(self, buf: Buf, pos: int, vt: int, vt_size: int, size: int, what: str):
        self.buf, self.pos, self.vt, self.vt_size, self.size, self.what = (
            buf,
            pos,
            vt,
            vt_size,
            size,
            what,
        )

    @property
    def field_count(self) -> int:
        return (self.vt_size - 4) // 2

    def field_pos(self, field: int) -> int | None:
        slot = 4 + 2 * field
        if slot >= self.vt_size:
            return None
        rel = int(self.buf.scalar("H", self.vt + slot))
        if rel == 0:
            return None
        if rel >= self.size and self.size:
            raise self.buf.corrupt(f"field {field} of {self.what}", self.pos - self.buf.base)
        return self.pos + rel

    def has(self, field: int) -> bool:
        return self.field_pos(field) is not None

    def scalar(self, field: int, fmt: str, default: T) -> T | int | float | bool:
        pos = self.field_pos(field)
        if pos is None:
            return default
        return self.buf.scalar(fmt, pos, f"field {field} of {self.what}")

    def target(self, field: int, what: str) -> int | None:
        pos = self.field_pos(field)
        return None if pos is None else self.buf.deref(pos, what)

    def table(self, field: int, what: str) -> Table | None:
        pos = self.target(field, what)
        return None if pos is None else self.buf.table(pos, what)

    def string(self, field: int, what: str) -> str | None:
        pos = self.target(field, what)
        return None if pos is None else read_string(self.buf, pos, what)

    def vector(self, field: int, elem_size: int, what: str) -> tuple[int, int] | None:
        """Return ``(first element position, count)`` after checking the whole vector fits."""
        pos = self.target(field, what)
        return None if pos is None else read_vector(self.buf, pos, elem_size, what)

    def scalars(self, field: int, fmt: str, what: str) -> tuple[int | float | bool, ...] | None:
        vec = self.vector(field, _FORMATS[fmt].size, what)
        if vec is None:
            return None
        start, count = vec
        values: tuple[int | float | bool, ...] = tuple(
            v[0] for v in _FORMATS[fmt].iter_unpack(self.buf.data[start : start + count * _FORMATS[fmt].size])
        )
        return values

    def tables(self, field: int, what: str) -> list[Table] | None:
        return self.elements(field, what, lambda pos, w: self.buf.table(pos, w))

    def strings(self, field: int, what: str) -> list[str] | None:
        return self.elements(field, what, lambda pos, w: read_string(self.buf, pos, w))

    def elements(self, field: int, what: str, read: Callable[[int, str], T]) -> list[T] | None:
        vec = self.vector(field, 4, what)
        if vec is None:
            return None
        start, count = vec
        return [read(self.buf.deref(start + 4 * i, f"{what}[{i}]"), f"{what}[{i}]") for i in range(count)]


def read_vector(buf: Buf, pos: int, elem_size: int, what: str) -> tuple[int, int]:
    count = buf.u32(pos, f"length of {what}")
    buf.check(pos + 4, count * elem_size, what)
    return pos + 4, count


def read_string(buf: Buf, pos: int, what: str) -> str:
    start, count = read_vector(buf, pos, 1, what)
    return bytes(buf.data[start : start + count]).decode("utf-8", errors="replace")
