"""The immutable description of a ``.tflite`` file.

Produced by :func:`bindgen.read.tflite.reader.read_model`; consumed by the processing plan, the
renderers and ``inspect``. It knows nothing about Kotlin, Android or numpy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class DType(enum.Enum):
    """TFLite ``TensorType``: value = schema code; ``name.lower()`` = numpy-style name."""

    FLOAT32 = 0
    FLOAT16 = 1
    INT32 = 2
    UINT8 = 3
    INT64 = 4
    STRING = 5
    BOOL = 6
    INT16 = 7
    COMPLEX64 = 8
    INT8 = 9
    FLOAT64 = 10
    COMPLEX128 = 11
    UINT64 = 12
    RESOURCE = 13
    VARIANT = 14
    UINT32 = 15
    UINT16 = 16
    INT4 = 17
    BFLOAT16 = 18
    INT2 = 19
    UINT4 = 20
    FLOAT8_E4M3FN = 21
    FLOAT8_E5M2 = 22

    @property
    def numpy_name(self) -> str:
        """Lowercase numpy-style name: ``float32``, ``int8``, ``bool``, ``string`` …"""
        return self.name.lower()

    @property
    def itemsize(self) -> int | None:
        """Bytes per element, ``None`` for variable-size or sub-byte types."""
        return _ITEMSIZE.get(self)

    @property
    def is_float(self) -> bool:
        return self in (DType.FLOAT32, DType.FLOAT16, DType.FLOAT64, DType.BFLOAT16)

    @property
    def is_integer(self) -> bool:
        return self in (
            DType.INT8,
            DType.UINT8,
            DType.INT16,
            DType.UINT16,
            DType.INT32,
            DType.UINT32,
            DType.INT64,
            DType.UINT64,
        )


_ITEMSIZE = {
    DType.FLOAT32: 4,
    DType.FLOAT16: 2,
    DType.INT32: 4,
    DType.UINT8: 1,
    DType.INT64: 8,
    DType.BOOL: 1,
    DType.INT16: 2,
    DType.COMPLEX64: 8,
    DType.INT8: 1,
    DType.FLOAT64: 8,
    DType.COMPLEX128: 16,
    DType.UINT64: 8,
    DType.UINT32: 4,
    DType.UINT16: 2,
    DType.BFLOAT16: 2,
    DType.FLOAT8_E4M3FN: 1,
    DType.FLOAT8_E5M2: 1,
}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization: ``real = scale * (q - zero_point)``, per tensor or per axis."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    quantized_dimension: int = 0
    min: tuple[float, ...] = ()
    max: tuple[float, ...] = ()

    @property
    def per_axis(self) -> bool:
        return len(self.scale) > 1


@dataclass(frozen=True)
class Tensor:
    index: int  # index in the subgraph's tensor table
    name: str
    dtype: DType
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]  # -1 marks a dynamic dimension; == shape when absent
    quantization: Quantization | None  # None when the tensor carries no scale
    buffer: int
    is_variable: bool = False

    @property
    def is_dynamic(self) -> bool:
        return any(d < 0 for d in self.shape_signature)


@dataclass(frozen=True)
class Subgraph:
    name: str
    tensors: tuple[Tensor, ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    operator_count: int


@dataclass(frozen=True)
class SignatureTensor:
    name: str  # the signature's own key for this tensor
    tensor_index: int


@dataclass(frozen=True)
class Signature:
    key: str
    subgraph_index: int
    inputs: tuple[SignatureTensor, ...]
    outputs: tuple[SignatureTensor, ...]


@dataclass(frozen=True)
class OperatorCode:
    builtin: str  # builtin operator name, e.g. "CONV_2D"; "CUSTOM" for custom ops
    builtin_code: int
    custom_code: str | None
    version: int


@dataclass(frozen=True)
class Buffer:
    """Where a buffer's bytes are in the file (absolute ``offset``), never the bytes themselves."""

    index: int
    offset: int
    size: int
    external: bool  # stored outside the flatbuffer via Buffer.offset/size (> 2 GB models)


@dataclass(frozen=True)
class MetadataEntry:
    """An entry of ``Model.metadata``: a name and the buffer holding its bytes."""

    name: str
    buffer: int


@dataclass(frozen=True)
class AssociatedFile:
    """A file stored in the zip archive appended to the model."""

    name: str
    offset: int  # absolute offset of the (uncompressed or compressed) data in the file
    size: int  # uncompressed size
    compressed: bool


@dataclass(frozen=True)
class Model:
    path: str
    file_size: int
    schema_version: int
    description: str
    subgraphs: tuple[Subgraph, ...]
    signatures: tuple[Signature, ...]
    operator_codes: tuple[OperatorCode, ...]
    buffers: tuple[Buffer, ...]
    metadata_entries: tuple[MetadataEntry, ...]
    #: ``TFLITE_METADATA`` decoded as the official displayer's JSON (deeply immutable view is
    #: not enforced for plain JSON values; treat it as read-only), or None.
    metadata: Any | None
    associated_files: tuple[AssociatedFile, ...]
    #: Where the model flatbuffer (and external buffer data) ends: the appended zip starts here.
    model_end: int

    @property
    def main(self) -> Subgraph:
        return self.subgraphs[0]
