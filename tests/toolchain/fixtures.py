"""Annotated test models for the Kotlin wrapper and host-twin tests.

The real converter's models (``tests.toolchain.models``) are annotated with the official tflite-support
writers (oracle venv, subprocess), so the metadata is exactly what the Task Library expects.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from pathlib import Path

from tests.toolchain import oracle_python, repo_root
from tests.toolchain.models import model_path, sidecar, vocab_path
from tests.toolchain.models.thirdparty import mediapipe_models
from tests.toolchain.oracle import official_write

CACHE = Path.home() / ".cache" / "bindgen" / "annotated-kotlin"

#: name → (base model, writer kind); models without a writer stay unannotated.
ANNOTATED = {
    "float_classifier": ("float_classifier", "image_classifier"),
    "conv_head_classifier": ("conv_head_classifier", "image_classifier"),
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


def _label_text(base: str) -> str:
    count = sidecar(base).get("labels")
    if not isinstance(count, int):
        count = sidecar(base)["outputs"][0]["shape"][-1]
    return "".join(f"class_{i}\n" for i in range(count))


def _oracle_versions() -> str:
    """Every distribution installed in the oracle venv (tflite-support, flatbuffers, ...) with its version."""
    venv = oracle_python().parent.parent
    return "\n".join(sorted(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info")))


def _bindgen_annotator_sources() -> bytes:
    """Every source file that shapes a file bindgen's annotator writes."""
    root = repo_root() / "bindgen"
    files = sorted([*root.glob("decide/annotate/**/*.py"), *root.glob("read/**/*.py")])
    return b"".join(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() for f in files)


def cache_key(inputs: dict[str, str | bytes]) -> str:
    """One digest over everything that shapes a cached annotated file (names and contents)."""
    digest = hashlib.sha256()
    for name in sorted(inputs):
        value = inputs[name]
        data = value.encode() if isinstance(value, str) else value
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:24]


#: mean, std given to every official image writer.
NORMALIZATION = ([127.5], [127.5])
#: How "calibrated_classifier" applies CALIBRATION.
CALIBRATION_OPTIONS = {"score_transformation": "LOG", "default_score": 0.05}


def official_inputs(name: str) -> dict[str, str | bytes]:
    """What shapes ``annotated_model(name)``: model, kind, labels, the writer's parameters (with
    the vocabulary's contents), calibration, the writer and the tflite-support version."""
    base, kind = ANNOTATED[name]
    params = _writer_params(base, kind)
    inputs: dict[str, str | bytes] = {
        "model": model_path(base).read_bytes(),
        "kind": kind,
        "labels": _label_text(base),
        "params": repr(sorted(params.items())),
        "writer": (repo_root() / "tests" / "toolchain" / "oracle_run.py").read_bytes(),
        "tflite-support": _oracle_versions(),
    }
    if "vocab_file" in params:
        inputs["vocab"] = Path(str(params["vocab_file"])).read_bytes()
    if name == "calibrated_classifier":
        inputs["calibration"] = f"{CALIBRATION}\0{CALIBRATION_OPTIONS}"
    return inputs


@functools.cache
def annotated_model(name: str) -> Path:
    """``name`` from ANNOTATED, annotated by the official writer.

    Cached under ``CACHE/<key>/``: the key covers every input of the file (official_inputs), so a
    change of labels, calibration, the writer call or the tflite-support version makes a new file.
    """
    base, kind = ANNOTATED[name]
    source = model_path(base)
    out_dir = CACHE / cache_key(official_inputs(name))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.tflite"
    if not target.exists():
        labels = out_dir / f"{base}_labels.txt"
        labels.write_text(_label_text(base), encoding="utf-8")
        tmp = out_dir / f".{name}.tmp.tflite"
        extra: dict[str, object] = {}
        if name == "calibrated_classifier":
            calibration = out_dir / "calibration.csv"
            calibration.write_text(CALIBRATION, encoding="utf-8")
            extra = {"score_calibration_file": str(calibration), **CALIBRATION_OPTIONS}
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
    mean, std = NORMALIZATION
    return {"mean": mean, "std": std}


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

#: The first input of the MediaPipe models the specs below re-annotate: RGB, normalized to [0, 1].
IMAGE_INPUT_0_255 = """[[input]]
index = 0
name = "image"
content = "image"
color_space = "RGB"
mean = [0.0]
std = [255.0]
"""

#: MediaPipe's pose landmark model with its raw segmentation logits annotated as a GRAYSCALE image
#: output (normalization undone as x * 127.5 + 127.5): the one-channel image output case.
GRAY_IMAGE_SPEC = f"""
kind = "generic"
name = "Pose segmentation"
description = "Pose landmarks; the segmentation logits read as a gray image."

{IMAGE_INPUT_0_255}
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
CONFIDENCE_MASK_SPEC = f"""
kind = "generic"
name = "Pose confidence mask"

{IMAGE_INPUT_0_255}
[[output]]
index = 2
name = "person_mask"
labels = "person.txt"
"""


#: MediaPipe's hand_landmark models list their output metadata in another order than their tensors
#: (2 handedness labels fall on the 63-value landmark tensor), which bindgen refuses with a one-line
#: error (tests/test_wrapper_api.py). The corpus holds them as a user fixes them, re-annotated by
#: bindgen from this spec: the metadata in tensor order, the model's own normalization.
HAND_LANDMARK_SPEC = f"""
kind = "generic"
name = "HandLandmarkDetector"
description = "MediaPipe's hand landmark model, its output metadata in the order of its tensors."

{IMAGE_INPUT_0_255}
[[output]]
index = 0
name = "landmarks"
description = "21 landmarks: x, y, z each, in input pixels."

[[output]]
index = 1
name = "presence score"

[[output]]
index = 2
name = "handedness"
description = "Probability that the hand is a right hand."

[[output]]
index = 3
name = "world landmarks"
"""

#: MediaPipe models whose own metadata bindgen refuses, by key of ``mediapipe_models()``: their spec.
REANNOTATED_MEDIAPIPE = {
    "hand_landmark/hand_landmark_full": HAND_LANDMARK_SPEC,
    "hand_landmark/hand_landmark_lite": HAND_LANDMARK_SPEC,
}


def spec_inputs(source: Path, spec_text: str, files: dict[str, str] | None = None) -> dict[str, str | bytes]:
    """What shapes a model bindgen's annotator writes from a spec: the model, the spec, the files it
    names and the annotator's own sources."""
    return {
        "model": source.read_bytes(),
        "spec": spec_text,
        "files": repr(sorted((files or {}).items())),
        "annotator": _bindgen_annotator_sources(),
    }


def image_to_image_inputs() -> dict[str, str | bytes]:
    """What shapes ``image_to_image_model()``."""
    return spec_inputs(model_path("image_to_image"), IMAGE_TO_IMAGE_SPEC)


def _annotated_by_spec(source: Path, name: str, spec_text: str, files: dict[str, str] | None = None) -> Path:
    """``source`` annotated by bindgen's own annotator from ``spec_text`` (and the text ``files`` it
    names); cached under a key of everything that shapes the file (spec_inputs)."""
    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate

    out_dir = CACHE / f"spec-{cache_key(spec_inputs(source, spec_text, files))}"
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
    """Every model the wrapper must handle: annotated, raw and the 14 MediaPipe models (the two
    hand_landmark ones re-annotated, see ``REANNOTATED_MEDIAPIPE``).

    The one list of both the compile tier (tests/test_kotlin_compile.py, goldens) and the JVM tier
    (tests/toolchain/jvm.py), so the two cannot drift apart.
    """
    models = {name: annotated_model(name) for name in ANNOTATED}
    models.update({name: model_path(name) for name in RAW})
    models["styled_image"] = image_to_image_model()
    models["gray_image_output"] = gray_image_model()
    models["pose_confidence_mask"] = confidence_mask_model()
    for key, path in mediapipe_models().items():
        if key in REANNOTATED_MEDIAPIPE:
            models[f"mp_{key.split('/')[-1]}_reannotated"] = mediapipe_model(key)
        else:
            models[f"mp_{key.replace('/', '_')}"] = path
    return models


@functools.cache
def mediapipe_model(key: str) -> Path:
    """MediaPipe's model ``key`` as the corpus holds it: as shipped, or re-annotated by bindgen
    where bindgen refuses its own metadata (``REANNOTATED_MEDIAPIPE``)."""
    source = mediapipe_models()[key]
    if key not in REANNOTATED_MEDIAPIPE:
        return source
    return _annotated_by_spec(source, source.stem, REANNOTATED_MEDIAPIPE[key])
