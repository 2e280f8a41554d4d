"""The README's detector claim, end to end: when a detector's output shapes contradict the tensor
index order the official writer assumes, the official writer's model crashes MediaPipe's
ObjectDetector and bindgen's runs, with the detections the twin computes.

The detector (``tests.toolchain.models.sensitive``, ``shuffled_detector``) is converter-built with
its outputs numbered count < classes < scores < boxes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bindgen.read.tflite.reader import read_model
from tests.toolchain import oracle
from tests.toolchain.cli import REPO, bindgen
from tests.toolchain.models import sensitive

pytestmark = pytest.mark.slow
LABELS = ("cat", "dog", "bird")


def _mediapipe(model: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.run_mediapipe", "object_detector", str(model)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def _roles(model: Path) -> list[str]:
    """The content type of each output, in output order, as the metadata says."""
    meta = read_model(model).metadata
    assert meta is not None
    outputs = meta["subgraph_metadata"][0]["output_tensor_metadata"]
    return [str(o.get("name")) for o in outputs]


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("shuffled")
    source = sensitive.model_path("shuffled_detector")
    labels = work / "labels.txt"
    labels.write_text("".join(f"{label}\n" for label in LABELS), encoding="utf-8")
    ours, theirs = work / "bindgen.tflite", work / "official.tflite"
    result = bindgen("annotate", source, "-o", ours, "--kind", "object-detector", "--labels", labels,
                     "--mean", "127.5", "--std", "127.5")
    assert result.returncode == 0, result.stderr
    oracle.official_write("object_detector", source, theirs, label_files=[labels], mean=[127.5], std=[127.5])
    return {"source": source, "bindgen": ours, "official": theirs}


def test_the_detector_contradicts_the_official_order(annotated: dict[str, Path]) -> None:
    outputs = read_model(annotated["source"]).main.outputs
    by_index = [t.shape for t in sorted(outputs, key=lambda t: t.index)]
    assert by_index == [(1,), (1, sensitive.DETECTIONS), (1, sensitive.DETECTIONS), (1, sensitive.DETECTIONS, 4)]


def test_official_writer_output_crashes_mediapipe_and_bindgens_runs(annotated: dict[str, Path]) -> None:
    # Output order: count, classes, scores, boxes. The official writer names them by its fixed
    # order; bindgen by their shapes.
    assert _roles(annotated["official"]) == ["location", "category", "score", "number of detections"]
    assert _roles(annotated["bindgen"]) == ["number of detections", "category", "score", "location"]

    official = _mediapipe(annotated["official"])
    assert official.returncode != 0
    assert "RESULT" not in official.stdout and "dims" in official.stderr, official.stderr[-2000:]

    ours = _mediapipe(annotated["bindgen"])
    assert ours.returncode == 0, ours.stderr[-3000:]
    detections = json.loads(ours.stdout.strip().splitlines()[-1])["detections"]
    assert detections and all(d["categories"][0]["name"] in LABELS for d in detections)
