"""Official tflite-support 0.4.4 behaviour, as JSON. Runs INSIDE the oracle venv (.tools/oracle).

Called by tests/toolchain/oracle.py as ``python run.py OPERATION`` with the operation's arguments as a JSON
object on stdin. Prints one JSON document on stdout. A refusal by the official code is reported as
``{"error": "<ExceptionType>", "message": "...", "where": "<official file>"}`` with exit code 3, so
tests can assert on what the official tool refuses. Only a ValueError/RuntimeError raised inside the
official packages (or the codegen's own error report, :class:`Refusal`) is a refusal: an ImportError,
a missing file or a bug in this script is a crash (traceback, exit 1), which fails the test.

This file must import nothing from bindgen or the main venv: tflite-support pins protobuf<4 and
crashes in the same process as TensorFlow >= 2.14.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ERROR_EXIT = 3
#: The packages whose ValueError/RuntimeError is the official tool refusing its input.
OFFICIAL_PACKAGES = ("tflite_support", "tensorflow_lite_support")
REFUSAL_TYPES = (ValueError, RuntimeError)


class Refusal(Exception):
    """The official code declined without raising (the codegen reports an error and no files)."""


def displayer_json(model: str) -> Any:
    from tflite_support import metadata

    try:
        displayer = metadata.MetadataDisplayer.with_model_file(model)
    except ValueError as error:
        # Exactly what 0.4.4 raises for a model without a TFLITE_METADATA buffer.
        if str(error) == "The model does not have metadata.":
            return None
        raise
    return json.loads(displayer.get_metadata_json())


def displayer_associated_files(model: str) -> Any:
    from tflite_support import metadata

    displayer = metadata.MetadataDisplayer.with_model_file(model)
    return list(displayer.get_packed_associated_file_list())


def _score_calibration(params: dict[str, Any]) -> Any:
    from tflite_support import metadata_schema_py_generated as fb
    from tflite_support.metadata_writers import metadata_info

    path = params.get("score_calibration_file")
    if not path:
        return None
    transformation = getattr(fb.ScoreTransformationType, params.get("score_transformation", "LOG").upper())
    return metadata_info.ScoreCalibrationMd(transformation, float(params.get("default_score", 0.0)), path)


def official_write(kind: str, model_in: str, model_out: str, params: dict[str, Any]) -> Any:
    """Populate ``model_in`` with the task writer ``kind``; write ``model_out``; return both JSONs."""
    from tflite_support import metadata_writers as mw
    from tflite_support.metadata_writers import metadata_info, writer_utils

    buffer = writer_utils.load_file(model_in)
    labels = list(params.get("label_files", []))
    if kind == "image_classifier":
        writer = mw.image_classifier.MetadataWriter.create_for_inference(
            buffer, params["mean"], params["std"], labels, _score_calibration(params)
        )
    elif kind == "object_detector":
        writer = mw.object_detector.MetadataWriter.create_for_inference(
            buffer, params["mean"], params["std"], labels, _score_calibration(params)
        )
    elif kind == "image_segmenter":
        writer = mw.image_segmenter.MetadataWriter.create_for_inference(
            buffer, params["mean"], params["std"], labels
        )
    elif kind == "nl_classifier":
        tokenizer = metadata_info.RegexTokenizerMd(
            params.get("delim_regex_pattern", r"[^\w\']+"), params["vocab_file"]
        )
        writer = mw.nl_classifier.MetadataWriter.create_for_inference(buffer, tokenizer, labels)
    elif kind == "bert_nl_classifier":
        if params.get("sentence_piece_model"):
            bert_tokenizer: Any = metadata_info.SentencePieceTokenizerMd(
                params["sentence_piece_model"], params.get("vocab_file")
            )
        else:
            bert_tokenizer = metadata_info.BertTokenizerMd(params["vocab_file"])
        names = {k: params[k] for k in ("ids_name", "mask_name", "segment_name") if k in params}
        writer = mw.bert_nl_classifier.MetadataWriter.create_for_inference(
            buffer, bert_tokenizer, labels, **names
        )
    elif kind == "audio_classifier":
        writer = mw.audio_classifier.MetadataWriter.create_for_inference(
            buffer, int(params["sample_rate"]), int(params["channels"]), labels, _score_calibration(params)
        )
    else:
        raise ValueError(f"unknown writer kind {kind!r}")
    populated = writer.populate()
    writer_utils.save_file(populated, model_out)
    return {
        "metadata_json": json.loads(writer.get_metadata_json()),
        "populated_metadata_json": json.loads(writer.get_populated_metadata_json()),
    }


def _plain(result: Any) -> Any:
    """The Task Library's result dataclasses (the Python API's field names) as plain JSON values."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {f.name: _plain(getattr(result, f.name)) for f in dataclasses.fields(result)}
    if isinstance(result, (list, tuple)):
        return [_plain(item) for item in result]
    if isinstance(result, enum.Enum):
        return result.name
    if hasattr(result, "tolist"):  # numpy arrays and scalars
        return result.tolist()
    return result


def _classification_options(params: dict[str, Any]) -> Any:
    from tflite_support.task import processor

    options = processor.ClassificationOptions()
    if "max_results" in params:
        options.max_results = int(params["max_results"])
    if "score_threshold" in params:
        options.score_threshold = float(params["score_threshold"])
    return options


def task_library(kind: str, model: str, data: str, params: dict[str, Any]) -> Any:
    """Run the official Task Library API ``kind`` on ``data`` (image file, text, or wav file)."""
    from tflite_support.task import audio, core, processor, text, vision

    base = core.BaseOptions(file_name=model, num_threads=1)
    if kind == "image_classifier":
        classifier = vision.ImageClassifier.create_from_options(
            vision.ImageClassifierOptions(
                base_options=base, classification_options=_classification_options(params)
            )
        )
        return _plain(classifier.classify(vision.TensorImage.create_from_file(data)))
    if kind == "object_detector":
        options = processor.DetectionOptions()
        if "max_results" in params:
            options.max_results = int(params["max_results"])
        if "score_threshold" in params:
            options.score_threshold = float(params["score_threshold"])
        detector = vision.ObjectDetector.create_from_options(
            vision.ObjectDetectorOptions(base_options=base, detection_options=options)
        )
        return _plain(detector.detect(vision.TensorImage.create_from_file(data)))
    if kind == "image_segmenter":
        segmenter = vision.ImageSegmenter.create_from_options(vision.ImageSegmenterOptions(base_options=base))
        result = segmenter.segment(vision.TensorImage.create_from_file(data))
        segmentation = result.segmentations[0]
        mask = segmentation.category_mask
        labels = [
            {"color": list(c.color), "category_name": c.category_name, "display_name": c.display_name}
            for c in segmentation.colored_labels
        ]
        counts: dict[str, int] = {}
        for value in mask.reshape(-1).tolist():
            counts[str(value)] = counts.get(str(value), 0) + 1
        return {
            "shape": list(mask.shape),
            "dtype": str(mask.dtype),
            "sha256": hashlib.sha256(mask.tobytes()).hexdigest(),
            "counts": counts,
            "first_row": mask[0].reshape(-1).tolist(),
            "mask": mask.tolist() if mask.size <= 4096 else None,
            "colored_labels": labels,
        }
    if kind == "nl_classifier":
        nl = text.NLClassifier.create_from_options(text.NLClassifierOptions(base_options=base))
        return _plain(nl.classify(data))
    if kind == "bert_nl_classifier":
        bert = text.BertNLClassifier.create_from_options(text.BertNLClassifierOptions(base_options=base))
        return _plain(bert.classify(data))
    if kind == "audio_classifier":
        classifier = audio.AudioClassifier.create_from_options(
            audio.AudioClassifierOptions(
                base_options=base, classification_options=_classification_options(params)
            )
        )
        tensor = audio.TensorAudio.create_from_wav_file(data, classifier.required_input_buffer_size)
        return _plain(classifier.classify(tensor))
    raise ValueError(f"unknown task kind {kind!r}")


def task_library_texts(kind: str, model: str, texts: list[str]) -> Any:
    """One text classifier (nl_classifier / bert_nl_classifier) run on each of ``texts``."""
    from tflite_support.task import core, text

    base = core.BaseOptions(file_name=model, num_threads=1)
    if kind == "nl_classifier":
        classifier: Any = text.NLClassifier.create_from_options(text.NLClassifierOptions(base_options=base))
    else:
        classifier = text.BertNLClassifier.create_from_options(text.BertNLClassifierOptions(base_options=base))
    return [_plain(classifier.classify(t)) for t in texts]


def official_codegen(model: str, out_dir: str, package: str, class_name: str) -> Any:
    """Run tflite-support's own Android Java generator (the tflite_codegen tool) in-process."""
    from tensorflow_lite_support.codegen.python import _pywrap_codegen

    generator = _pywrap_codegen.AndroidJavaGenerator(out_dir)
    model_bytes = Path(model).read_bytes()
    result = generator.generate(model_bytes, package, class_name, Path(model).name)
    error = generator.get_error_message().strip()
    if not result.files:
        # The console script only logs this and exits 0; an oracle must not hide it.
        raise Refusal(error or "generation produced no files")
    written = []
    for generated in result.files:
        path = Path(generated.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.content, encoding="utf-8")
        written.append(str(path))
    return {"files": sorted(written), "warnings": error}


def metadata_buffers(buffers: list[str]) -> Any:
    """For each metadata flatbuffer (base64): flatc's JSON of it (``convert_to_json``, the text
    ``MetadataDisplayer`` prints; None where flatc refuses it), the official
    ``GetMinimumMetadataParserVersion``, and the official object API's re-pack of it
    (``ModelMetadataT`` unpacked from it and packed again, base64)."""
    import base64

    import flatbuffers
    from tensorflow_lite_support.metadata.cc.python import _pywrap_metadata_version
    from tflite_support import metadata
    from tflite_support import metadata_schema_py_generated as fb

    answers = []
    for text in buffers:
        buffer = base64.b64decode(text)
        shown = metadata.convert_to_json(buffer)
        builder = flatbuffers.Builder(0)
        unpacked = fb.ModelMetadataT.InitFromObj(fb.ModelMetadata.GetRootAsModelMetadata(buffer, 0))
        builder.Finish(unpacked.Pack(builder), b"M001")
        answers.append(
            {
                "json": shown or None,
                "min_parser_version": _pywrap_metadata_version.GetMinimumMetadataParserVersion(buffer),
                "repacked": base64.b64encode(bytes(builder.Output())).decode(),
            }
        )
    return answers


OPERATIONS = {
    "metadata_buffers": metadata_buffers,
    "displayer_json": displayer_json,
    "displayer_associated_files": displayer_associated_files,
    "official_write": official_write,
    "task_library": task_library,
    "task_library_texts": task_library_texts,
    "official_codegen": official_codegen,
}


def official_origin(error: BaseException) -> str | None:
    """The official file that raised ``error`` when it is the official tool's refusal, else None."""
    if isinstance(error, Refusal):
        return "tensorflow_lite_support/codegen"
    if not isinstance(error, REFUSAL_TYPES) or isinstance(error, ImportError):
        return None
    import importlib

    roots = [Path(importlib.import_module(name).__file__ or "").resolve().parent for name in OFFICIAL_PACKAGES]
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return None
    raised_in = Path(frame.tb_frame.f_code.co_filename).resolve()
    for root in roots:
        if raised_in.is_relative_to(root):
            return f"{root.name}/{raised_in.relative_to(root)}"
    return None


def main() -> int:
    operation = OPERATIONS[sys.argv[1]]
    arguments = json.load(sys.stdin)
    try:
        result = operation(**arguments)
    except Exception as error:
        where = official_origin(error)
        if where is None:
            raise  # not the official tool refusing: a broken oracle must fail the test, loudly
        json.dump({"error": type(error).__name__, "message": str(error), "where": where}, sys.stdout)
        return ERROR_EXIT
    json.dump({"result": result}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
