"""The expected values of ``tests/test_codec_edges.py`` are the official tflite-support 0.4.4's
answers: flatc's JSON (what ``MetadataDisplayer`` prints), ``GetMinimumMetadataParserVersion``, and
the bytes its object API writes for the same content. One oracle subprocess for all of them; kept
out of the per-mutant test set of ``bench/mutation.py`` because of that subprocess.
"""

from __future__ import annotations

import json

from bindgen.read.metadata import codec
from tests.test_codec_edges import (
    DISPLAYED,
    MIN_VERSIONS,
    RICH,
    UNION_CODES,
    floats_metadata,
    union_buffer,
)
from tests.toolchain import oracle

#: The union buffers flatc's text generator refuses (it returns no text): a table under NONE, or
#: under a type code its schema does not know. bindgen shows the type and skips the table.
FLATC_REFUSES = {(0, True), (7, True)}


def test_the_edge_cases_expectations_are_what_the_official_code_answers() -> None:
    rich = codec.encode(RICH)
    floats = codec.encode(floats_metadata([value for value, _ in DISPLAYED]))
    unions = [union_buffer(code, with_table) for code, with_table, _ in UNION_CODES]
    versions = [codec.encode(metadata) for metadata, _ in MIN_VERSIONS.values()]
    answers = oracle.metadata_buffers([rich, floats, *unions, *versions])
    rich_answer, floats_answer = answers[:2]
    union_answers = answers[2 : 2 + len(unions)]
    version_answers = answers[2 + len(unions) :]

    assert rich_answer["repacked"] == rich  # the official object API writes the very same bytes
    assert json.dumps(rich_answer["json"]) == json.dumps(RICH)
    assert rich_answer["min_parser_version"] == codec.min_parser_version(RICH) == "1.5.0"

    assert floats_answer["json"] == floats_metadata([shown for _, shown in DISPLAYED])

    for (code, with_table, unit), answer in zip(UNION_CODES, union_answers, strict=True):
        if (code, with_table) in FLATC_REFUSES:
            assert answer["json"] is None, (code, with_table)
        else:
            assert answer["json"] == {"subgraph_metadata": [{"input_process_units": [unit]}]}, (code, with_table)

    for (case, (metadata, expected)), answer in zip(MIN_VERSIONS.items(), version_answers, strict=True):
        assert answer["min_parser_version"] == expected, case
        assert answer["json"] == codec.decode(codec.encode(metadata), where=case), case
