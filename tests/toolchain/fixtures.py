"""Annotated test models for the Kotlin wrapper and host-twin tests.

The real converter's models (``tests.toolchain.models``) are annotated with the official tflite-support
writers (oracle venv, subprocess), so the metadata is exactly what the Task Library expects.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from tests.toolchain.models import model_path, sidecar, vocab_path
from tests.toolchain.models.thirdparty import mediapipe_models
from tests.toolchain.oracle import official_write

CACHE = Path.home() / ".cache" / "bindgen" / "annotated-kotlin"

#: name → (base model, writer kind); models without a writer stay unannotated.
ANNOTATED = {
    "float_classifier": ("float_classifier", "image_classifier"),
    "uint8_classifier": ("uint8_classifier", "image_classifier"),
    "int8_io_classifier": ("int8_io_classifier", "image_classifier"),
    "detector": ("detector", "object_detector"),
    "segmenter": ("segmenter", "image_segmenter"),
    "calibrated_classifier": ("float_classifier", "image_classifier"),
    "nl_classifier": ("text_classifier", "nl_classifier"),
    "bert_classifier": ("bert_classifier", "bert_nl_classifier"),
    "audio_classifier": ("audio_classifier", "audio_classifier"),
}
#: Score calibration for "calibrated_classifier": scale,slope,offset[,min]; a blank line = default.
CALIBRATION = "0.9,2.0,-0.5\n1.0,1.5,0.1,0.15\n\n0.8,0.5,0.3,0.99\n1.0,3.0,-1.0"
RAW = ("multi_io", "dtypes", "float16_classifier", "text_classifier", "image_to_image", "dynamic_batch")


def _labels(base: str, out_dir: Path) -> Path:
    count = sidecar(base).get("labels")
    if not isinstance(count, int):
        count = sidecar(base)["outputs"][0]["shape"][-1]
    labels = [f"class_{i}" for i in range(count)]
    path = out_dir / f"{base}_labels.txt"
    path.write_text("\n".join(str(label) for label in labels) + "\n", encoding="utf-8")
    return path


@functools.cache
def annotated_model(name: str) -> Path:
    """``name`` from ANNOTATED, annotated by the official writer (cached by base model path)."""
    base, kind = ANNOTATED[name]
    source = model_path(base)
    out_dir = CACHE / source.parent.name
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.tflite"
    if not target.exists():
        labels = _labels(base, out_dir)
        tmp = out_dir / f".{name}.tmp.tflite"
        extra: dict[str, object] = {}
        if name == "calibrated_classifier":
            calibration = out_dir / "calibration.csv"
            calibration.write_text(CALIBRATION, encoding="utf-8")
            extra = {"score_calibration_file": str(calibration), "score_transformation": "LOG", "default_score": 0.05}
        official_write(kind, source, tmp, label_files=[str(labels)], **extra, **_writer_params(base, kind))
        shutil.move(tmp, target)
    return target


def _writer_params(base: str, kind: str) -> dict[str, object]:
    """What each official writer needs besides labels: normalization, a vocabulary, an audio format."""
    if kind == "nl_classifier":
        return {"vocab_file": str(vocab_path(base))}
    if kind == "bert_nl_classifier":
        # The converter orders the three inputs by name; the writer is told which is which.
        return {
            "vocab_file": str(vocab_path(base)),
            "ids_name": "input_word_ids",
            "mask_name": "input_mask",
            "segment_name": "input_type_ids",
        }
    if kind == "audio_classifier":
        return {"sample_rate": sidecar(base)["sample_rate"], "channels": sidecar(base)["channels"]}
    return {"mean": [127.5], "std": [127.5]}


IMAGE_TO_IMAGE_SPEC = """
kind = "generic"
name = "Stylizer"
description = "Image in, image out."

[[input]]
tensor = "image"
name = "content_image"
content = "image"
color_space = "RGB"
mean = [0.0]
std = [255.0]

[[output]]
tensor = "Identity"
name = "styled_image"
content = "image"
color_space = "RGB"
mean = [0.0]
std = [255.0]
"""

#: MediaPipe's pose landmark model with its raw segmentation logits annotated as a GRAYSCALE image
#: output (normalization undone as x * 127.5 + 127.5): the one-channel image output case.
GRAY_IMAGE_SPEC = """
kind = "generic"
name = "Pose segmentation"
description = "Pose landmarks; the segmentation logits read as a gray image."

[[input]]
index = 0
name = "image"
content = "image"
color_space = "RGB"
mean = [0.0]
std = [255.0]

[[output]]
index = 2
name = "segmentation"
content = "image"
color_space = "GRAYSCALE"
mean = [127.5]
std = [127.5]
"""

#: The same model with that output labelled (one class): a one-channel labelled output is a
#: confidence mask, as MediaPipe's ImageSegmenter reads selfie_segmentation's. The selfie models
#: themselves run only where the XNNPACK delegate claims their custom op: LiteRT (the twin) yes, the
#: JVM tier's TFLite 2.18 no.
CONFIDENCE_MASK_SPEC = """
kind = "generic"
name = "Pose confidence mask"

[[input]]
index = 0
name = "image"
content = "image"
color_space = "RGB"
mean = [0.0]
std = [255.0]

[[output]]
index = 2
name = "person_mask"
labels = "person.txt"
"""


def _annotated_by_spec(source: Path, name: str, spec_text: str, files: dict[str, str] | None = None) -> Path:
    """``source`` annotated by bindgen's own annotator from ``spec_text`` (and the text ``files`` it
    names); cached per spec, files and source."""
    import hashlib

    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate

    key = hashlib.sha256(repr((spec_text, sorted((files or {}).items()))).encode() + source.read_bytes())
    out_dir = CACHE / f"spec-{key.hexdigest()[:16]}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.tflite"
    if not target.exists():
        for file_name, text in (files or {}).items():
            (out_dir / file_name).write_text(text, encoding="utf-8")
        spec = out_dir / f"{name}.toml"
        spec.write_text(spec_text, encoding="utf-8")
        tmp = out_dir / f".{name}.tmp.tflite"
        annotate(AnnotateRequest(model=source, out=tmp, spec=spec))
        shutil.move(tmp, target)
    return target


@functools.cache
def image_to_image_model() -> Path:
    """``image_to_image`` annotated by bindgen's own annotator: image input and image output."""
    return _annotated_by_spec(model_path("image_to_image"), "styled_image", IMAGE_TO_IMAGE_SPEC)


@functools.cache
def gray_image_model() -> Path:
    """MediaPipe's pose landmark model with a one-channel (GRAYSCALE) image output."""
    source = mediapipe_models()["pose_landmark/pose_landmark_full"]
    return _annotated_by_spec(source, "gray_image_output", GRAY_IMAGE_SPEC)


@functools.cache
def confidence_mask_model() -> Path:
    """MediaPipe's pose landmark model with a labelled one-channel output: a confidence mask."""
    source = mediapipe_models()["pose_landmark/pose_landmark_full"]
    return _annotated_by_spec(source, "pose_confidence_mask", CONFIDENCE_MASK_SPEC, {"person.txt": "person\n"})


def all_models() -> dict[str, Path]:
    """Every model the wrapper must handle: annotated, raw and the 14 MediaPipe models.

    The one list of both the compile tier (tests/test_kotlin_compile.py, goldens) and the JVM tier
    (tests/toolchain/jvm.py), so the two cannot drift apart.
    """
    models = {name: annotated_model(name) for name in ANNOTATED}
    models.update({name: model_path(name) for name in RAW})
    models["styled_image"] = image_to_image_model()
    models["gray_image_output"] = gray_image_model()
    models["pose_confidence_mask"] = confidence_mask_model()
    models.update({f"mp_{k.replace('/', '_')}": v for k, v in mediapipe_models().items()})
    return models
