"""bindgen's own flatbuffer builder writes the same bytes as the official ``flatbuffers.Builder``.

``bindgen/read/metadata/builder.py`` exists so ``annotate`` need not import the flatbuffers
package (which imports numpy). The official builder is the oracle: the codec runs on both, and
the metadata bytes must be identical, for every metadata the test corpus holds (official-writer
annotations and the MediaPipe models) and for random schema-shaped metadata.
"""

from __future__ import annotations

import math
import string
from typing import Any

import flatbuffers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bindgen.read.metadata import codec
from bindgen.read.metadata.builder import Builder
from bindgen.read.metadata.schema import ENUMS, ROOT, TABLES, UNIONS, Field
from bindgen.read.tflite.reader import read_model
from tests.toolchain.fixtures import all_models


def both(metadata: dict[str, Any]) -> tuple[bytes, bytes]:
    return codec.encode(metadata), codec.encode_with(flatbuffers.Builder(1024), metadata)


@pytest.mark.slow
def test_every_metadata_of_the_corpus_encodes_to_the_official_builders_bytes() -> None:
    checked = 0
    for name, path in sorted(all_models().items()):
        metadata = read_model(path).metadata
        if metadata is None:
            continue
        ours, official = both(metadata)
        assert ours == official, name
        assert codec.decode(ours, where=name) == metadata, name  # and it reads back as what went in
        checked += 1
    assert checked >= 15, f"only {checked} models with metadata: the corpus shrank"


_SCALARS = {
    "b": st.integers(-(2**7), 2**7 - 1),
    "B": st.integers(0, 2**8 - 1),
    "h": st.integers(-(2**15), 2**15 - 1),
    "H": st.integers(0, 2**16 - 1),
    "i": st.integers(-(2**31), 2**31 - 1),
    "I": st.integers(0, 2**32 - 1),
    "q": st.integers(-(2**63), 2**63 - 1),
    "Q": st.integers(0, 2**64 - 1),
    "?": st.booleans(),
    "f": st.floats(width=32, allow_nan=False) | st.sampled_from([0.0, -0.0, 1.0]),
    "d": st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, math.pi]),
}
_TEXT = st.text(alphabet=string.printable + "éü€𝄞\x00", max_size=12)


def _value(field: Field, depth: int) -> st.SearchStrategy[Any]:
    if field.kind == "scalar":
        return _SCALARS[field.type]
    if field.kind == "enum":
        return st.sampled_from(sorted(ENUMS[field.type].values()))
    if field.kind == "string":
        return _TEXT
    if field.kind == "table":
        return _table(field.type, depth + 1)
    if field.type == "string":
        return st.lists(_TEXT, max_size=3)
    if field.type.startswith("table:"):
        return st.lists(_table(field.type.split(":", 1)[1], depth + 1), max_size=2)
    return st.lists(_SCALARS[field.type], max_size=5)


@st.composite
def _union(draw: st.DrawFn, field: Field, depth: int) -> dict[str, Any]:
    member = draw(st.sampled_from(UNIONS[field.type]))
    return {f"{field.name}_type": member, field.name: draw(_table(member, depth + 1))}


@st.composite
def _table(draw: st.DrawFn, name: str, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in TABLES[name]:
        if (depth > 3 and field.kind in ("table", "union", "vector")) or not draw(st.booleans()):
            continue
        if field.kind == "union":
            out.update(draw(_union(field, depth)))
        else:
            out[field.name] = draw(_value(field, depth))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_table(ROOT))
def test_random_metadata_encodes_to_the_official_builders_bytes(metadata: dict[str, Any]) -> None:
    ours, official = both(metadata)
    assert ours == official


def test_shared_vtables_and_alignment_are_exercised() -> None:
    """Identical tables (one vtable shared), a 16-aligned byte vector after strings, a union."""
    metadata = {
        "name": "x",
        "subgraph_metadata": [
            {
                "input_tensor_metadata": [{"name": "a"}, {"name": "a"}, {"name": "bb"}],
                "custom_metadata": [{"name": "c", "data": [1, 2, 3]}],
                "input_process_units": [
                    {"options_type": "NormalizationOptions", "options": {"mean": [0.5], "std": [2.0]}}
                ],
            }
        ],
    }
    ours, official = both(metadata)
    assert ours == official
    builders = (Builder(), flatbuffers.Builder(0))
    for builder in builders:
        text = builder.CreateString("a")
        tables = []
        for _ in range(3):
            builder.StartObject(2)
            builder.PrependUOffsetTRelativeSlot(0, text, 0)
            tables.append(builder.EndObject())
        builder.StartVector(4, 3, 4)
        for table in reversed(tables):
            builder.PrependUOffsetTRelative(table)
        builder.Finish(builder.EndVector(), file_identifier=b"M001")
    assert builders[0].Output() == bytes(builders[1].Output())
    assert len(builders[0]._vtables) < 3  # later tables reuse a vtable


def test_unfinished_output_and_bad_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="before Finish"):
        Builder().Output()
    with pytest.raises(ValueError, match="4 bytes"):
        Builder().Finish(0, file_identifier=b"M0")
