"""The metadata encoder's integer ranges, at their exact edges, for every integer type schema 1.5
uses: uint (``I``), int (``i``) and ubyte (``B``). Written against ``bench/mutation.py --module
codec`` survivors (range constants nothing exercised)."""

from __future__ import annotations

from typing import Any

import pytest

from bindgen.errors import BindgenError
from bindgen.read.metadata.codec import decode, encode


def _custom(data: list[int]) -> dict[str, Any]:  # [ubyte]
    return {"name": "m", "subgraph_metadata": [{"custom_metadata": [{"name": "c", "data": data}]}]}


def _range(low: int, high: int) -> dict[str, Any]:  # int
    content = {"range": {"min": low, "max": high}}
    return {"name": "m", "subgraph_metadata": [{"input_tensor_metadata": [{"content": content}]}]}


def _size(width: int) -> dict[str, Any]:  # uint
    content = {"content_properties_type": "ImageProperties",
               "content_properties": {"default_size": {"width": width, "height": 1}}}
    return {"name": "m", "subgraph_metadata": [{"input_tensor_metadata": [{"content": content}]}]}


@pytest.mark.parametrize(
    ("metadata", "ok"),
    [(_custom([0, 255]), True), (_custom([256]), False), (_custom([-1]), False),
     (_range(-(2**31), 2**31 - 1), True), (_range(-(2**31) - 1, 0), False), (_range(0, 2**31), False),
     (_size(2**32 - 1), True), (_size(2**32), False), (_size(-1), False)],
)  # fmt: skip
def test_integer_fields_accept_exactly_their_range(metadata: dict[str, Any], ok: bool) -> None:
    if ok:
        assert decode(encode(metadata), where="test") == metadata
    else:
        with pytest.raises(BindgenError, match="out of range"):
            encode(metadata)
