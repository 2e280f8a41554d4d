"""Annotate a test model with the *official* tflite-support metadata writer (test oracle).

Runs in the oracle venv (tflite-support 0.4.4, which must not share a process with TensorFlow),
never in the project's venv; it imports nothing from bindgen::

    ORACLE_PYTHON tests/models/annotate_official.py KIND MODEL LABELS OUT [VOCAB]
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from tflite_support.metadata_writers import (  # type: ignore[import-not-found]
        audio_classifier,
        bert_nl_classifier,
        image_classifier,
        image_segmenter,
        metadata_info,
        nl_classifier,
        object_detector,
    )

    kind, model, labels, out = argv[:4]
    vocab = argv[4] if len(argv) > 4 else ""
    buf = bytearray(Path(model).read_bytes())
    mean, std = [127.5], [127.5]
    if kind == "image_classifier":
        writer = image_classifier.MetadataWriter.create_for_inference(buf, mean, std, [labels])
    elif kind == "object_detector":
        writer = object_detector.MetadataWriter.create_for_inference(buf, mean, std, [labels])
    elif kind == "image_segmenter":
        writer = image_segmenter.MetadataWriter.create_for_inference(buf, mean, std, [labels])
    elif kind == "text_classifier":
        tokenizer = metadata_info.RegexTokenizerMd(delim_regex_pattern=r"[^\w\']+", vocab_file_path=vocab)
        writer = nl_classifier.MetadataWriter.create_for_inference(buf, tokenizer, [labels])
    elif kind == "bert_classifier":
        writer = bert_nl_classifier.MetadataWriter.create_for_inference(
            buf, metadata_info.BertTokenizerMd(vocab), [labels],
            ids_name="input_word_ids", mask_name="input_mask", segment_name="input_type_ids",
        )
    elif kind == "audio_classifier":
        writer = audio_classifier.MetadataWriter.create_for_inference(buf, 16000, 1, [labels])
    else:
        print(f"unknown kind {kind}", file=sys.stderr)
        return 2
    Path(out).write_bytes(writer.populate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
