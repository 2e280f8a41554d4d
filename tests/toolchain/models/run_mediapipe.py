"""Run an annotated model through MediaPipe Tasks and print what it returned, as JSON.

A subprocess of the tests, because importing ``mediapipe.tasks.python`` also imports TensorFlow
(via ``mediapipe.tasks.python.core.optional_dependencies``), which must stay out of pytest::

    python -m tests.toolchain.models.run_mediapipe KIND MODEL [IMAGE]

``confidence_masks`` segments IMAGE (a file) and prints every confidence mask MediaPipe's
ImageSegmenter returns; the other kinds make their own input.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GLOG_minloglevel", "2")


def _categories(result: Any) -> list[dict[str, Any]]:
    return [
        {"index": c.index, "score": float(c.score), "name": c.category_name}
        for head in result.classifications
        for c in head.categories
    ]


def run(kind: str, model: str, image_path: str | None = None) -> dict[str, Any]:
    import mediapipe as mp  # type: ignore[import-untyped]
    import numpy as np
    from mediapipe.tasks import python as tasks  # type: ignore[import-untyped]
    from mediapipe.tasks.python import audio, text, vision  # type: ignore[import-untyped]
    from mediapipe.tasks.python.components import containers  # type: ignore[import-untyped]

    base = tasks.BaseOptions(model_asset_path=model)
    rng = np.random.default_rng(0)

    def image(size: int) -> Any:
        pixels = rng.integers(0, 256, size=(size, size, 3), dtype=np.uint8)
        return mp.Image(image_format=mp.ImageFormat.SRGB, data=pixels)

    if kind == "image_classifier":
        options = vision.ImageClassifierOptions(base_options=base, max_results=10)
        with vision.ImageClassifier.create_from_options(options) as task:
            return {"categories": _categories(task.classify(image(120)))}
    if kind == "object_detector":
        options = vision.ObjectDetectorOptions(base_options=base, score_threshold=0.0, max_results=50)
        with vision.ObjectDetector.create_from_options(options) as task:
            result = task.detect(image(128))
        return {
            "detections": [
                {
                    "box": [d.bounding_box.origin_x, d.bounding_box.origin_y,
                            d.bounding_box.width, d.bounding_box.height],
                    "categories": [{"score": float(c.score), "name": c.category_name} for c in d.categories],
                }
                for d in result.detections
            ]
        }
    if kind == "image_segmenter":
        options = vision.ImageSegmenterOptions(base_options=base, output_category_mask=True)
        with vision.ImageSegmenter.create_from_options(options) as task:
            result = task.segment(image(64))
            mask = result.category_mask.numpy_view()
            return {
                "mask_shape": list(mask.shape),
                "mask_values": sorted(int(v) for v in np.unique(mask)),
                "labels": list(task.labels),
            }
    if kind == "confidence_masks":
        options = vision.ImageSegmenterOptions(base_options=base, output_confidence_masks=True)
        with vision.ImageSegmenter.create_from_options(options) as task:
            result = task.segment(mp.Image.create_from_file(image_path))
            masks = [m.numpy_view() for m in result.confidence_masks]
            return {"masks": [{"shape": list(m.shape), "values": m.ravel().tolist()} for m in masks]}
    if kind in ("text_classifier", "bert_classifier"):
        options = text.TextClassifierOptions(base_options=base)
        with text.TextClassifier.create_from_options(options) as task:
            return {"categories": _categories(task.classify("the movie was not very good but fun"))}
    if kind == "audio_classifier":
        options = audio.AudioClassifierOptions(base_options=base, max_results=10)
        with audio.AudioClassifier.create_from_options(options) as task:
            wave = np.sin(np.arange(16000, dtype=np.float32) * 0.05).astype(np.float32)
            results = task.classify(containers.AudioData.create_from_array(wave, 16000))
        return {"windows": [_categories(r) for r in results]}
    raise SystemExit(f"unknown kind {kind}")


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)))
