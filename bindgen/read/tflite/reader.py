"""``.tflite`` file -> :class:`bindgen.read.tflite.model.Model`.

The file is memory-mapped, never read whole: buffers are described by position only, so
inspecting an 800 MB model touches a few pages. Every offset is bounds-checked by
:mod:`bindgen.read.tflite.flatbuf`; anything malformed becomes a one-line ``BindgenError``.
"""

from __future__ import annotations

import lzma
import mmap
import os
import struct
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import Any

from bindgen.errors import BindgenError, os_fault
from bindgen.read.metadata import codec
from bindgen.read.tflite.flatbuf import Buf, PreadBuf, Table
from bindgen.read.tflite.model import (
    AssociatedFile,
    Buffer,
    DType,
    MetadataEntry,
    Model,
    OperatorCode,
    Quantization,
    Signature,
    SignatureTensor,
    Subgraph,
    Tensor,
)
from bindgen.read.tflite.opnames import BUILTIN_OPERATORS

FILE_IDENTIFIER = b"TFL3"
METADATA_NAME = "TFLITE_METADATA"
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_ZIP_COMMENT = 0xFFFF


class ModelFile:
    """An open, memory-mapped ``.tflite`` file: the raw view the reader and writer share."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.where = str(path)
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 (closed in close())
        except FileNotFoundError:
            raise BindgenError("no such file", where=path) from None
        except IsADirectoryError:
            raise BindgenError("is a directory, expected a .tflite file", where=path) from None
        except OSError as error:
            raise os_fault(error, where=path) from None
        self.size = os.fstat(self._file.fileno()).st_size
        if self.size == 0:
            self._file.close()
            raise BindgenError("file is empty, expected a TFLite model", where=path)
        self.data: mmap.mmap = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        if hasattr(mmap, "MADV_RANDOM"):  # the tables are read a few bytes at a time
            self.data.madvise(mmap.MADV_RANDOM)
        try:
            self._check_header()
            self.buf = Buf(self.data, where=self.where)
            self.root = self.buf.root("Model table")
            self.zip_start, self.zip_entries = self._find_zip()
        except BaseException:
            self.close()
            raise

    def _check_header(self) -> None:
        if self.size < 8:
            raise BindgenError(f"file is too small ({self.size} bytes) to be a TFLite flatbuffer", where=self.where)
        ident = bytes(self.data[4:8])
        if ident != FILE_IDENTIFIER:
            raise BindgenError(
                f"not a TFLite model: flatbuffer identifier is {ident!r}, expected b'TFL3' (is this a .tflite file?)",
                where=self.where,
            )

    def fileno(self) -> int:
        """The open file's descriptor (for in-kernel copies)."""
        return self._file.fileno()

    def buffer_tables(self) -> list[Table]:
        """``Model.buffers``, each table read with pread (see ``PreadBuf``).

        Buffer tables and data lengths sit next to megabytes of weights: read through the mmap
        they pull the page cache's large folios into this process (~100 MB of RSS for 800 MB).
        """
        vector = self.root.vector(4, 4, "Model.buffers")
        if vector is None:
            return []
        start, count = vector
        cold = PreadBuf(self.data, self.fileno(), where=self.where)
        return [cold.table(self.buf.deref(start + 4 * i, f"buffer {i}"), f"buffer {i}") for i in range(count)]

    def close(self) -> None:
        if hasattr(self, "data"):
            self.data.close()
        self._file.close()

    def __enter__(self) -> ModelFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -------------------------------------------------------------------------- appended zip

    def _find_zip(self) -> tuple[int, tuple[AssociatedFile, ...]]:
        """Locate the zip archive of associated files appended after the flatbuffer, if any."""
        tail_start = max(0, self.size - _EOCD_SIZE - _MAX_ZIP_COMMENT)
        pos = self.data.rfind(_EOCD, tail_start)
        while pos >= 0:
            comment_length = struct.unpack_from("<H", self.data, pos + 20)[0] if pos + 22 <= self.size else -1
            if pos + _EOCD_SIZE + comment_length == self.size:
                break
            pos = self.data.rfind(_EOCD, tail_start, pos)
        if pos < 0:
            return self.size, ()
        try:
            self._file.seek(0)
            with zipfile.ZipFile(self._file) as archive:
                infos = archive.infolist()
                start = min((info.header_offset for info in infos), default=archive.start_dir)
                files = tuple(self._associated_file(info) for info in infos)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            ValueError,
            OSError,
            struct.error,
            EOFError,
            NotImplementedError,
            UnicodeDecodeError,
            RuntimeError,
        ) as error:
            raise BindgenError(
                f"broken zip archive of associated files at the end of the model: {error}",
                where=self.where,
            ) from None
        if not 8 <= start <= self.size:
            raise BindgenError("broken zip archive of associated files: bad offsets", where=self.where)
        return start, files

    def _associated_file(self, info: zipfile.ZipInfo) -> AssociatedFile:
        header = info.header_offset
        if header < 0 or header + 30 > self.size or bytes(self.data[header : header + 4]) != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
        name_len, extra_len = struct.unpack_from("<HH", self.data, header + 26)
        offset = header + 30 + name_len + extra_len
        if offset + info.compress_size > self.size:
            raise zipfile.BadZipFile(f"{info.filename!r} extends past the end of the file")
        return AssociatedFile(
            name=info.filename,
            offset=offset,
            size=info.file_size,
            compressed=info.compress_type != zipfile.ZIP_STORED,
        )

    def read_associated(self, name: str) -> bytes:
        try:
            self._file.seek(0)
            with zipfile.ZipFile(self._file) as archive:
                return archive.read(name)
        except KeyError:
            raise BindgenError(f"the model has no associated file named {name!r}", where=self.where) from None
        except (
            zipfile.BadZipFile,
            ValueError,
            OSError,
            NotImplementedError,
            EOFError,
            struct.error,
            zlib.error,
            RuntimeError,  # zipfile raises it for entries flagged as encrypted
            lzma.LZMAError,
        ) as error:
            raise BindgenError(f"cannot read associated file {name!r}: {error}", where=self.where) from None


# ------------------------------------------------------------------------------------ reading


def read_model(path: str | Path) -> Model:
    """Read ``path`` into the frozen description. Raises ``BindgenError`` on any malformed input."""
    with ModelFile(path) as mf:
        return describe(mf)


def read_associated_file(model: Model | str | Path, name: str) -> bytes:
    """The bytes of associated file ``name`` (from the zip appended to the model)."""
    path = model.path if isinstance(model, Model) else model
    with ModelFile(path) as mf:
        return mf.read_associated(name)


def read_exact_metadata(model: Model) -> Any:
    """``model.metadata`` with floats as stored (float32 values exactly), re-read from its file;
    ``model.metadata`` itself when the file is gone or has changed (a replayed description)."""
    if model.metadata is None:
        return None
    try:
        with ModelFile(model.path) as mf:
            if mf.size != model.file_size:
                return model.metadata
            entry = next(e for e in model.metadata_entries if e.name == METADATA_NAME)
            buffer = model.buffers[entry.buffer]
            exact = codec.decode(
                mf.data, where=f"{mf.where} ({METADATA_NAME})", base=buffer.offset, size=buffer.size, exact_floats=True
            )
    except (OSError, BindgenError, StopIteration):
        return model.metadata
    # A description whose metadata was replaced (a replay, a test) keeps what it was given.
    return exact if _same_but_rounding(exact, model.metadata) else model.metadata


def _same_but_rounding(exact: Any, shown: Any) -> bool:
    """``exact`` and ``shown`` are the same metadata, but for the displayer's float rounding."""
    if isinstance(exact, float) and isinstance(shown, int | float) and not isinstance(shown, bool):
        return abs(exact - shown) <= 1e-5 * max(1.0, abs(exact))
    if isinstance(exact, dict) and isinstance(shown, dict):
        return exact.keys() == shown.keys() and all(_same_but_rounding(exact[k], shown[k]) for k in exact)
    if isinstance(exact, list) and isinstance(shown, list):
        return len(exact) == len(shown) and all(_same_but_rounding(a, b) for a, b in zip(exact, shown, strict=True))
    return bool(exact == shown)


def describe(mf: ModelFile) -> Model:
    root = mf.root
    buffers = tuple(_buffer(mf, i, t) for i, t in enumerate(mf.buffer_tables()))
    entries = tuple(
        MetadataEntry(name=t.string(0, "Metadata.name") or "", buffer=int(t.scalar(1, "I", 0)))
        for t in root.tables(6, "Model.metadata") or []
    )
    for entry in entries:
        if entry.buffer >= len(buffers):
            raise mf.buf.corrupt(f"metadata {entry.name!r} refers to missing buffer {entry.buffer}", 0)
    subgraphs = tuple(_subgraph(mf, i, t) for i, t in enumerate(root.tables(2, "Model.subgraphs") or []))
    if not subgraphs:
        raise BindgenError("the model has no subgraphs", where=mf.where)
    signatures = tuple(_signature(mf, t, subgraphs) for t in root.tables(7, "Model.signature_defs") or [])
    return Model(
        path=mf.where,
        file_size=mf.size,
        schema_version=int(root.scalar(0, "I", 0)),
        description=root.string(3, "Model.description") or "",
        subgraphs=subgraphs,
        signatures=signatures,
        operator_codes=tuple(_operator_code(t) for t in root.tables(1, "Model.operator_codes") or []),
        buffers=buffers,
        metadata_entries=entries,
        metadata=_metadata(mf, entries, buffers),
        associated_files=mf.zip_entries,
        model_end=mf.zip_start,
    )


def _buffer(mf: ModelFile, index: int, table: Table) -> Buffer:
    offset = int(table.scalar(1, "Q", 0))
    size = int(table.scalar(2, "Q", 0))
    if offset > 1:
        if offset + size > mf.size:
            raise mf.buf.corrupt(f"external data of buffer {index}", offset)
        return Buffer(index=index, offset=offset, size=size, external=True)
    position = table.target(0, f"data of buffer {index}")
    if position is None:
        return Buffer(index=index, offset=0, size=0, external=False)
    length = int(table.buf.scalar("I", position, f"length of buffer {index}"))
    mf.buf.check(position + 4, length, f"data of buffer {index}")
    return Buffer(index=index, offset=position + 4, size=length, external=False)


def _quantization(table: Table | None) -> Quantization | None:
    if table is None:
        return None
    scale = table.scalars(2, "f", "quantization scale") or ()
    if not scale:
        return None
    return Quantization(
        scale=tuple(float(s) for s in scale),
        zero_point=tuple(int(z) for z in table.scalars(3, "q", "quantization zero_point") or ()),
        quantized_dimension=int(table.scalar(6, "i", 0)),
        min=tuple(float(x) for x in table.scalars(0, "f", "quantization min") or ()),
        max=tuple(float(x) for x in table.scalars(1, "f", "quantization max") or ()),
    )


def _tensor(mf: ModelFile, index: int, table: Table) -> Tensor:
    code = int(table.scalar(1, "b", 0))
    try:
        dtype = DType(code)
    except ValueError:
        raise BindgenError(f"tensor {index} has unknown type code {code}", where=mf.where) from None
    shape = tuple(int(d) for d in table.scalars(0, "i", f"shape of tensor {index}") or ())
    signature = table.scalars(7, "i", f"shape_signature of tensor {index}")
    return Tensor(
        index=index,
        name=table.string(3, f"name of tensor {index}") or "",
        dtype=dtype,
        shape=shape,
        shape_signature=tuple(int(d) for d in signature) if signature else shape,
        quantization=_quantization(table.table(4, f"quantization of tensor {index}")),
        buffer=int(table.scalar(2, "I", 0)),
        is_variable=bool(table.scalar(5, "?", False)),
    )


def _subgraph(mf: ModelFile, number: int, table: Table) -> Subgraph:
    tensors = tuple(_tensor(mf, i, t) for i, t in enumerate(table.tables(0, "SubGraph.tensors") or []))

    def pick(field: int, what: str) -> tuple[Tensor, ...]:
        indices = table.scalars(field, "i", what) or ()
        for i in indices:
            if not 0 <= int(i) < len(tensors):
                raise BindgenError(
                    f"subgraph {number} {what} refers to tensor {i}, but it has {len(tensors)} tensors",
                    where=mf.where,
                )
        return tuple(tensors[int(i)] for i in indices)

    operators = table.vector(3, 4, "SubGraph.operators")
    return Subgraph(
        name=table.string(4, "SubGraph.name") or "",
        tensors=tensors,
        inputs=pick(1, "inputs"),
        outputs=pick(2, "outputs"),
        operator_count=operators[1] if operators else 0,
    )


def _signature(mf: ModelFile, table: Table, subgraphs: tuple[Subgraph, ...]) -> Signature:
    subgraph = int(table.scalar(4, "I", 0))
    if subgraph >= len(subgraphs):
        raise BindgenError(f"signature refers to missing subgraph {subgraph}", where=mf.where)
    count = len(subgraphs[subgraph].tensors)

    def maps(field: int, what: str) -> tuple[SignatureTensor, ...]:
        out = []
        for t in table.tables(field, what) or []:
            index = int(t.scalar(1, "I", 0))
            if index >= count:
                raise BindgenError(f"signature {what} refers to missing tensor {index}", where=mf.where)
            out.append(SignatureTensor(name=t.string(0, "TensorMap.name") or "", tensor_index=index))
        return tuple(out)

    return Signature(
        key=table.string(2, "SignatureDef.signature_key") or "",
        subgraph_index=subgraph,
        inputs=maps(0, "inputs"),
        outputs=maps(1, "outputs"),
    )


def _operator_code(table: Table) -> OperatorCode:
    code = max(int(table.scalar(0, "b", 0)), int(table.scalar(3, "i", 0)))
    return OperatorCode(
        builtin=BUILTIN_OPERATORS.get(code, f"UNKNOWN_{code}"),
        builtin_code=code,
        custom_code=table.string(1, "OperatorCode.custom_code"),
        version=int(table.scalar(2, "i", 1)),
    )


def _metadata(mf: ModelFile, entries: tuple[MetadataEntry, ...], buffers: tuple[Buffer, ...]) -> object:
    entry = next((e for e in entries if e.name == METADATA_NAME), None)
    if entry is None:
        return None
    buffer = buffers[entry.buffer]
    if buffer.size < 8:
        raise BindgenError(f"{METADATA_NAME} buffer is empty or truncated", where=mf.where)
    return codec.decode(mf.data, where=f"{mf.where} ({METADATA_NAME})", base=buffer.offset, size=buffer.size)
