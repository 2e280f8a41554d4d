"""The annotation spec file (TOML): everything ``bindgen annotate`` flags say, and more.

    kind = "image-classifier"          # any --kind; omit for generic
    name = "Shapes"                    # model name / description / version / author / license
    labels = "labels.txt"              # paths are relative to the spec file
    mean = [127.5]
    std = [127.5]

    [[input]]                          # per-tensor additions, by tensor name or index
    tensor = "image"
    description = "RGB photo"

    [[output]]
    index = 0
    score_threshold = 0.3

    [[file]]                           # extra associated files to pack
    name = "README.txt"
    path = "docs/README.txt"

    [metadata]                         # raw escape hatch, merged last, in the exact JSON shape
    author = "…"                       # `bindgen inspect --json` prints (all of schema 1.5:
                                       # tensor groups, custom metadata, locales, …)

Per-tensor keys: see ``TENSOR_KEYS``. Errors name the offending key, e.g. ``input[0].colour``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bindgen.errors import BindgenError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TOP_KEYS = {
    "kind": "task kind (see --kind)",
    "name": "model name",
    "description": "model description",
    "version": "model version",
    "author": "model author",
    "license": "model license",
    "labels": "label file for the classification / category output",
    "labels_locale": "locale of that label file",
    "mean": "normalization mean (one value or one per channel)",
    "std": "normalization std (one value or one per channel)",
    "vocab": "vocabulary file (text-classifier, bert-classifier)",
    "delim_regex": "regex tokenizer delimiter (text-classifier)",
    "sample_rate": "audio sample rate (audio-classifier)",
    "channels": "audio channels (audio-classifier)",
    "score_calibration": "score calibration CSV file",
    "score_transformation": "IDENTITY, LOG or INVERSE_LOGISTIC",
    "default_score": "default calibrated score",
    "input": "per-input-tensor tables",
    "output": "per-output-tensor tables",
    "file": "extra associated files: tables with name and path",
    "metadata": "raw metadata JSON shape, merged last",
}

TENSOR_KEYS = {
    "tensor": "the model's tensor name",
    "index": "the input/output position",
    "name": "metadata name",
    "description": "description",
    "content": "feature, image, bounding-boxes or audio",
    "color_space": "RGB, GRAYSCALE or UNKNOWN (image content)",
    "box_index": "order of the 4 box values (bounding-boxes content)",
    "box_type": "BOUNDARIES, UPPER_LEFT or CENTER",
    "coordinate_type": "RATIO or PIXEL",
    "sample_rate": "audio sample rate",
    "channels": "audio channels",
    "range": "[min, max] content dimension range",
    "dimension_names": "a name per dimension",
    "mean": "normalization mean",
    "std": "normalization std",
    "stats_min": "minimum values",
    "stats_max": "maximum values",
    "labels": "axis label file (one label per class)",
    "value_labels": "value label file (tensor values index into it)",
    "labels_locale": "locale of the label file",
    "score_calibration": "score calibration CSV file",
    "score_transformation": "IDENTITY, LOG or INVERSE_LOGISTIC",
    "default_score": "default calibrated score",
    "score_threshold": "global score threshold",
}


@dataclass(frozen=True)
class Spec:
    path: Path
    values: dict[str, Any]

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()


def load(path: Path) -> Spec:
    try:
        text = path.read_bytes().decode("utf-8")
        values = tomllib.loads(text)
    except FileNotFoundError:
        raise BindgenError("spec file not found", where=path) from None
    except UnicodeDecodeError:
        raise BindgenError("spec file is not UTF-8", where=path) from None
    except tomllib.TOMLDecodeError as error:
        raise BindgenError(f"invalid TOML: {error}", where=path) from None
    for key in values:
        if key not in TOP_KEYS:
            raise BindgenError(f"unknown key {key!r} (allowed: {', '.join(TOP_KEYS)})", where=path)
    for section in ("input", "output"):
        tables = values.get(section, [])
        if not isinstance(tables, list):
            raise BindgenError(f"{section}: use [[{section}]] tables", where=path)
        for i, table in enumerate(tables):
            if not isinstance(table, dict):
                raise BindgenError(f"{section}[{i}]: must be a table", where=path)
            for key in table:
                if key not in TENSOR_KEYS:
                    raise BindgenError(
                        f"{section}[{i}].{key}: unknown key (allowed: {', '.join(TENSOR_KEYS)})", where=path
                    )
            if ("tensor" in table) == ("index" in table):
                raise BindgenError(f"{section}[{i}]: give exactly one of 'tensor' or 'index'", where=path)
    for i, table in enumerate(values.get("file", [])):
        if not isinstance(table, dict) or set(table) != {"name", "path"}:
            raise BindgenError(f"file[{i}]: needs exactly 'name' and 'path'", where=path)
    if "metadata" in values and not isinstance(values["metadata"], dict):
        raise BindgenError("metadata: must be a table", where=path)
    return Spec(path, values)


def toml_value(value: Any) -> str:
    """A TOML literal for a str / number / bool / list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        # JSON's escapes are TOML's, but TOML has no surrogate pairs and wants DEL escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return repr(value)
