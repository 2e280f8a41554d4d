"""``bindgen run`` (the host twin) equals the official clients on annotated models, with images
already at the model's input size: the TFLite Task Library (oracle venv) and MediaPipe Tasks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from bindgen.cli import app
from tests.toolchain.fixtures import annotated_model
from tests.toolchain.oracle import task_library

pytestmark = pytest.mark.slow
TOL = 1e-5


def _image(tmp_path: Path, size: int, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    # Smooth gradients plus noise: real-looking, no exact score ties.
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([x * 255 / size, y * 255 / size, (x + y) * 127 / size], axis=-1)
    pixels = np.clip(base + rng.normal(0, 30, base.shape), 0, 255).astype(np.uint8)
    path = tmp_path / f"image{size}.png"
    Image.fromarray(pixels).save(path)
    return path


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["run", *args, "--json"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    value: dict[str, Any] = json.loads(line)
    return value


@pytest.mark.parametrize("name", ["float_classifier", "uint8_classifier", "conv_head_classifier"])
def test_classifier_matches_task_library_and_mediapipe(name: str, tmp_path: Path) -> None:
    model = annotated_model(name)
    image = _image(tmp_path, 96)
    ours = _run(str(model), str(image))["outputs"]["probability"]
    assert [c["score"] for c in ours] == sorted((c["score"] for c in ours), reverse=True)
    ours_by_index = {c["index"]: c for c in ours}

    official = task_library("image_classifier", model, image)["classifications"][0]["categories"]
    assert len(official) == len(ours)
    for category in official:
        mine = ours_by_index[category["index"]]
        assert abs(mine["score"] - category["score"]) < TOL
        assert mine["label"] == category["category_name"]

    for category in _mediapipe_classify(model, image):
        assert abs(ours_by_index[category["index"]]["score"] - category["score"]) < TOL
        assert ours_by_index[category["index"]]["label"] == category["category_name"]


_MEDIAPIPE = """
import json, sys
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision
kind, model, image = sys.argv[1:4]
base = BaseOptions(model_asset_path=model)
picture = mp.Image.create_from_file(image)
if kind == "classifier":
    classifier = vision.ImageClassifier.create_from_options(vision.ImageClassifierOptions(base_options=base))
    result = classifier.classify(picture)
    out = [{"index": c.index, "score": c.score, "category_name": c.category_name}
           for c in result.classifications[0].categories]
elif kind == "detector":
    options = vision.ObjectDetectorOptions(base_options=base, score_threshold=0.0, max_results=-1)
    result = vision.ObjectDetector.create_from_options(options).detect(picture)
    out = [{"score": d.categories[0].score, "category_name": d.categories[0].category_name,
            "box": [d.bounding_box.origin_x, d.bounding_box.origin_y, d.bounding_box.width, d.bounding_box.height]}
           for d in result.detections]
else:
    options = vision.ImageSegmenterOptions(base_options=base, output_category_mask=True)
    result = vision.ImageSegmenter.create_from_options(options).segment(picture)
    out = result.category_mask.numpy_view().reshape(result.category_mask.height, result.category_mask.width).tolist()
print("RESULT " + json.dumps(out), flush=True)
"""


def _mediapipe(kind: str, model: Path, image: Path) -> Any:
    # MediaPipe and ai-edge-litert deadlock when both runtimes live in one process: subprocess.
    # (MediaPipe 1.2.2 may raise at interpreter shutdown after printing: only the line counts.)
    done = subprocess.run(
        [sys.executable, "-c", _MEDIAPIPE, kind, str(model), str(image)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


def _mediapipe_classify(model: Path, image: Path) -> list[dict[str, Any]]:
    categories: list[dict[str, Any]] = _mediapipe("classifier", model, image)
    assert categories
    return categories


def test_detector_matches_task_library(tmp_path: Path) -> None:
    model = annotated_model("detector")
    image = _image(tmp_path, 128)
    ours = _run(str(model), str(image))["outputs"]["detection_result"]
    official = task_library("object_detector", model, image)["detections"]
    assert ours and len(official) == len(ours)
    for theirs, mine in zip(official, ours, strict=True):
        category = theirs["categories"][0]
        assert mine["index"] == category["index"] and mine["label"] == category["category_name"]
        assert abs(mine["score"] - category["score"]) < TOL
        box = theirs["bounding_box"]
        # Both report boxes in the image's pixels (the Task Library's rounded to integers).
        assert abs(mine["box"]["left"] - box["origin_x"]) <= 1.0
        assert abs(mine["box"]["top"] - box["origin_y"]) <= 1.0

    # MediaPipe 1.2.2 drops some heavily overlapping same-class boxes of a post-processed model
    # (here 1 of 10); every detection it does report must be one of ours, same label and score.
    mediapipe = _mediapipe("detector", model, image)
    assert len(mediapipe) >= len(ours) - 2
    for theirs_mp in mediapipe:
        matches = [
            mine
            for mine in ours
            if mine["label"] == theirs_mp["category_name"]
            and abs(mine["score"] - theirs_mp["score"]) < TOL
            and abs(mine["box"]["left"] - theirs_mp["box"][0]) <= 1.0
            and abs(mine["box"]["top"] - theirs_mp["box"][1]) <= 1.0
        ]
        assert matches, theirs_mp


def test_segmenter_matches_task_library(tmp_path: Path) -> None:
    model = annotated_model("segmenter")
    image = _image(tmp_path, 64)
    ours = _run(str(model), str(image))["outputs"]
    (mask,) = [v for v in ours.values() if isinstance(v, dict)]
    official = task_library("image_segmenter", model, image)
    assert official["shape"] == [mask["height"], mask["width"]]
    theirs = np.asarray(official["mask"])
    agreement = (theirs == np.asarray(mask["category_mask"])).mean()
    assert agreement == 1.0
    assert mask["labels"] == [c["category_name"] for c in official["colored_labels"]]
    assert _mediapipe("segmenter", model, image) == mask["category_mask"]


@pytest.mark.parametrize("transformation", ["LOG", "INVERSE_LOGISTIC", "IDENTITY"])
def test_score_calibration_matches_task_library(transformation: str, tmp_path: Path) -> None:
    from tests.toolchain.models import model_path
    from tests.toolchain.oracle import official_write

    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"class_{i}\n" for i in range(5)), encoding="utf-8")
    calibration = tmp_path / "calibration.csv"
    # Per class: scale,slope,offset[,min_uncalibrated_score]; an empty line = default score.
    calibration.write_text("0.9,2.0,-0.5\n1.0,1.5,0.1,0.15\n\n0.8,0.5,0.3,0.99\n1.0,3.0,-1.0", encoding="utf-8")
    model = tmp_path / "calibrated.tflite"
    official_write(
        "image_classifier", model_path("float_classifier"), model, mean=[127.5], std=[127.5],
        label_files=[str(labels)], score_calibration_file=str(calibration),
        score_transformation=transformation, default_score=0.05,
    )  # fmt: skip
    image = _image(tmp_path, 96)
    ours = {c["index"]: c["score"] for c in _run(str(model), str(image))["outputs"]["probability"]}
    official = task_library("image_classifier", model, image)["classifications"][0]["categories"]
    assert len(official) == 5
    for category in official:
        assert abs(ours[category["index"]] - category["score"]) < TOL, (category, ours)
