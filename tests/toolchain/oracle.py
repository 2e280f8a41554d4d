"""The official tflite-support 0.4.4 as a test oracle, called across a process boundary.

Each function runs ``tests/toolchain/oracle_run.py`` with the oracle venv's python (tflite-support cannot
share a process with TensorFlow >= 2.14) and returns its plain JSON answer. When the official
code refuses the input, :class:`OracleError` carries its exception type, message and the official
file that raised it; anything else going wrong in the oracle (an ImportError, a missing file, a bug
in ``oracle_run.py``) is an AssertionError, so it can never pass for a refusal.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.toolchain import oracle_python, repo_root

_SCRIPT = repo_root() / "tests" / "toolchain" / "oracle_run.py"
_REFUSED = 3


class OracleError(Exception):
    """The official code (file ``where``, inside tflite-support) raised ``kind`` with ``message``."""

    def __init__(self, kind: str, message: str, where: str = "") -> None:
        super().__init__(f"{kind}: {message} (raised in {where})")
        self.kind = kind
        self.message = message
        self.where = where


def _call(operation: str, **arguments: Any) -> Any:
    completed = subprocess.run(
        [str(oracle_python()), str(_SCRIPT), operation],
        input=json.dumps(arguments),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == _REFUSED:
        answer = json.loads(completed.stdout)
        raise OracleError(answer["error"], answer["message"], answer["where"])
    if completed.returncode != 0:
        raise AssertionError(
            f"oracle {operation} crashed (exit {completed.returncode}):\n{completed.stdout}{completed.stderr}"
        )
    return json.loads(completed.stdout)["result"]


def displayer_json(model_path: Path) -> dict[str, Any] | None:
    """``MetadataDisplayer.with_model_file(p).get_metadata_json()`` parsed; None without metadata."""
    result: dict[str, Any] | None = _call("displayer_json", model=str(model_path))
    return result


def displayer_associated_files(model_path: Path) -> list[str]:
    """The packed associated file names, as ``get_packed_associated_file_list()`` lists them.

    Like the official displayer, raises (OracleError ValueError "The model does not have
    metadata.") for a model without metadata: check ``displayer_json`` first.
    """
    result: list[str] = _call("displayer_associated_files", model=str(model_path))
    return result


def official_write(kind: str, model_in: Path, model_out: Path, **params: Any) -> dict[str, Any]:
    """Write metadata with ``tflite_support.metadata_writers.<kind>`` and populate ``model_out``.

    kind: image_classifier, object_detector, image_segmenter, nl_classifier, bert_nl_classifier,
    audio_classifier. params (paths as str or Path):
      label_files=[...]; mean=[...], std=[...] (image kinds);
      score_calibration_file=..., score_transformation="LOG"|"IDENTITY"|"INVERSE_LOGISTIC",
        default_score=0.0 (image_classifier, object_detector, audio_classifier);
      vocab_file=..., delim_regex_pattern=r"[^\\w\\']+" (nl_classifier);
      vocab_file=... or sentence_piece_model=..., ids_name/mask_name/segment_name (bert_nl_classifier);
      sample_rate=..., channels=... (audio_classifier).
    Returns {"metadata_json": ..., "populated_metadata_json": ...} as the writer reports them.
    """
    plain = {k: _plain(v) for k, v in params.items()}
    result: dict[str, Any] = _call(
        "official_write", kind=kind, model_in=str(model_in), model_out=str(model_out), params=plain
    )
    return result


def task_library(kind: str, model: Path, input: Path | str, **params: Any) -> dict[str, Any]:
    """Run the official Task Library on an image file, a text, or a wav file.

    kind: image_classifier / object_detector (image path; params max_results, score_threshold),
    image_segmenter (image path → shape, dtype, sha256, counts, first_row, mask if ≤ 4096 values,
    colored_labels), nl_classifier / bert_nl_classifier (the text itself), audio_classifier (wav).
    Classification and detection results are the Task Library's Python result objects as dicts,
    with their field names: classifications[].categories[].index/score/display_name/category_name,
    head_index, head_name; detections[].bounding_box.origin_x/origin_y/width/height, categories.
    """
    result: dict[str, Any] = _call(
        "task_library", kind=kind, model=str(model), data=str(input), params=_plain(params)
    )
    return result


def task_library_texts(kind: str, model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """``task_library`` for nl_classifier / bert_nl_classifier on many texts in one process."""
    result: list[dict[str, Any]] = _call("task_library_texts", kind=kind, model=str(model), texts=list(texts))
    return result


def official_codegen(model: Path, out_dir: Path, package: str, class_name: str) -> dict[str, Any]:
    """tflite-support's own Android Java generator (what the ``tflite_codegen`` script runs).

    Returns {"files": [written paths], "warnings": str}; OracleError when it refuses the model
    (e.g. no metadata), where the console script itself would only log and exit 0.
    """
    result: dict[str, Any] = _call(
        "official_codegen", model=str(model), out_dir=str(out_dir), package=package, class_name=class_name
    )
    return result


def metadata_buffers(buffers: list[bytes]) -> list[dict[str, Any]]:
    """What the official code makes of each metadata flatbuffer, in one process: ``json`` (flatc's
    text, as the displayer prints it, parsed; None where flatc refuses the buffer),
    ``min_parser_version`` (``GetMinimumMetadataParserVersion``) and ``repacked`` (the bytes the
    official object API writes for the same content)."""
    answers: list[dict[str, Any]] = _call(
        "metadata_buffers", buffers=[base64.b64encode(b).decode() for b in buffers]
    )
    return [
        {**a, "json": None if a["json"] is None else json.loads(a["json"]), "repacked": base64.b64decode(a["repacked"])}
        for a in answers
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
