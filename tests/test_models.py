"""The test models are what they claim to be, and the official clients accept them.

* Each model built by ``tests/toolchain/models/build.py`` is checked with LiteRT's interpreter (not the
  TensorFlow that built it): dtypes, shapes, quantization, signatures, and outputs that make sense.
* The classifier, detector, segmenter, text and audio models, once annotated by the official
  tflite-support writer (oracle venv, subprocess), run in MediaPipe Tasks (subprocess too, since
  importing MediaPipe Tasks imports TensorFlow).
* The third-party MediaPipe models and the committed demo model are real and readable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.toolchain.models import NAMES, REPO, model_path, sidecar, vocab_path
from tests.toolchain.models.thirdparty import mediapipe_models
from tests.toolchain.oracle import official_write

pytestmark = pytest.mark.slow

DEMO = REPO / "bindgen" / "demo"


def _interpreter(path: Path) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    return interpreter


def _run(path: Path, rng: np.random.Generator) -> tuple[Any, list[np.ndarray]]:
    """Feed random inputs of the right dtype; return the interpreter and the outputs."""
    interpreter = _interpreter(path)
    for detail in interpreter.get_input_details():
        dtype = np.dtype(detail["dtype"])
        if dtype == np.bool_:
            value = rng.integers(0, 2, size=detail["shape"]).astype(bool)
        elif dtype.kind in "iu":  # 0/1 are valid ids, masks and segment ids for every text model
            value = rng.integers(0, 2, size=detail["shape"]).astype(dtype)
        else:
            value = rng.uniform(-1, 1, size=detail["shape"]).astype(dtype)
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return interpreter, [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


@pytest.mark.parametrize("name", NAMES)
def test_sidecar_matches_litert(name: str) -> None:
    meta = sidecar(name)
    interpreter, outputs = _run(model_path(name), np.random.default_rng(0))
    for key, details in (("inputs", interpreter.get_input_details()),
                         ("outputs", interpreter.get_output_details())):
        seen = [(d["name"], np.dtype(d["dtype"]).name, d["shape"].tolist(), d["shape_signature"].tolist())
                for d in details]
        want = [(t["name"], t["dtype"], t["shape"], t["shape_signature"]) for t in meta[key]]
        assert seen == want
    for tensor, value in zip(meta["outputs"], outputs, strict=True):
        assert list(value.shape) == tensor["shape"]
    assert b"TFLITE_METADATA" not in model_path(name).read_bytes()


@pytest.mark.parametrize(
    ("name", "io_dtype"),
    [("uint8_classifier", "uint8"), ("int8_io_classifier", "int8"), ("int8_classifier", "float32")],
)
def test_quantized_models_are_really_integer(name: str, io_dtype: str) -> None:
    interpreter = _interpreter(model_path(name))
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert np.dtype(inp["dtype"]).name == io_dtype
    assert np.dtype(out["dtype"]).name == io_dtype
    if io_dtype != "float32":
        scale, zero_point = inp["quantization"]
        assert scale > 0
        assert zero_point == (127 if io_dtype == "uint8" else -1)  # inputs calibrated on [-1, 1]
    inner = {np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    assert "int8" in inner  # the conv weights and activations
    assert "float32" not in inner - {io_dtype}


def test_float16_classifier_stores_half_weights() -> None:
    interpreter = _interpreter(model_path("float16_classifier"))
    dtypes = {np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    assert {"float16", "float32"} <= dtypes
    assert np.dtype(interpreter.get_input_details()[0]["dtype"]) == np.float32


def test_classifier_softmax_outputs() -> None:
    for name in ("float_classifier", "float16_classifier", "int8_classifier", "dynamic_batch"):
        _, (probs,) = _run(model_path(name), np.random.default_rng(1))
        assert probs.shape == (1, 5)
        assert probs.sum() == pytest.approx(1.0, abs=0.02)


def test_dynamic_batch_has_free_batch_dimension() -> None:
    (inp,) = sidecar("dynamic_batch")["inputs"]
    assert inp["shape"] == [1, 96, 96, 3]
    assert inp["shape_signature"] == [-1, 96, 96, 3]
    interpreter = _interpreter(model_path("dynamic_batch"))
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [3, 96, 96, 3])
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, np.zeros((3, 96, 96, 3), np.float32))
    interpreter.invoke()
    assert interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).shape == (3, 5)


def test_multi_io_shapes() -> None:
    meta = sidecar("multi_io")
    assert [(t["shape"], t["dtype"]) for t in meta["inputs"]] == [
        ([1, 64, 64, 3], "float32"),
        ([1, 8], "float32"),
    ]
    _, (probs, value) = _run(model_path("multi_io"), np.random.default_rng(2))
    assert probs.shape == (1, 4) and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert value.shape == (1, 1)


def test_signature_model_has_two_signatures() -> None:
    interpreter = _interpreter(model_path("signature_model"))
    signatures = interpreter.get_signature_list()
    assert signatures == {
        "serving_default": {"inputs": ["x"], "outputs": ["scores"]},
        "encode": {"inputs": ["text_features"], "outputs": ["embedding"]},
    }
    encode = interpreter.get_signature_runner("encode")
    embedding = encode(text_features=np.ones((1, 16), np.float32))["embedding"]
    assert embedding.shape == (1, 8)
    assert float(np.linalg.norm(embedding)) == pytest.approx(1.0, abs=1e-4)


def test_detector_outputs_are_sensible() -> None:
    meta = sidecar("detector")
    outputs = meta["outputs"]
    assert [t["shape"] for t in outputs] == [[1, 10, 4], [1, 10], [1, 10], [1]]
    # The official writer orders metadata by tensor index: boxes < classes < scores < count.
    assert [t["index"] for t in outputs] == sorted(t["index"] for t in outputs)
    _, (boxes, classes, scores, count) = _run(model_path("detector"), np.random.default_rng(3))
    assert ((boxes >= 0) & (boxes <= 1)).all()
    assert (boxes[..., 0] < boxes[..., 2]).all() and (boxes[..., 1] < boxes[..., 3]).all()
    assert set(classes.ravel().tolist()) <= {0.0, 1.0, 2.0}
    assert ((scores >= 0) & (scores <= 1)).all()
    assert (np.diff(scores[0]) <= 0).all()  # sorted, best first
    assert count.tolist() == [10.0]


def test_segmenter_and_image_to_image() -> None:
    _, (masks,) = _run(model_path("segmenter"), np.random.default_rng(4))
    assert masks.shape == (1, 64, 64, 4)
    np.testing.assert_allclose(masks.sum(axis=-1), 1.0, atol=1e-4)
    _, (styled,) = _run(model_path("image_to_image"), np.random.default_rng(4))
    assert styled.shape == (1, 64, 64, 3) and ((styled >= 0) & (styled <= 1)).all()


def test_text_models_and_vocabularies() -> None:
    (ids,) = sidecar("text_classifier")["inputs"]
    assert (ids["dtype"], ids["shape"]) == ("int32", [1, 32])
    lines = vocab_path("text_classifier").read_text(encoding="utf-8").splitlines()
    assert vocab_path("text_classifier").name == "text_classifier.vocab.txt"
    assert lines[:3] == ["<PAD> 0", "<START> 1", "<UNKNOWN> 2"]
    assert all(line.split(" ")[1] == str(i) for i, line in enumerate(lines))

    bert = sidecar("bert_classifier")
    assert [(t["name"], t["dtype"], t["shape"]) for t in bert["inputs"]] == [
        (name, "int32", [1, 24]) for name in ("input_word_ids", "input_mask", "input_type_ids")
    ]
    wordpiece = vocab_path("bert_classifier").read_text(encoding="utf-8").splitlines()
    assert wordpiece[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert any(token.startswith("##") for token in wordpiece)


def test_audio_classifier_shape() -> None:
    meta = sidecar("audio_classifier")
    assert [(t["dtype"], t["shape"]) for t in meta["inputs"]] == [("float32", [1, 15600])]
    _, (scores,) = _run(model_path("audio_classifier"), np.random.default_rng(5))
    assert scores.shape == (1, 3) and scores.sum() == pytest.approx(1.0, abs=1e-4)


def test_dtypes_model_covers_requested_types() -> None:
    meta = sidecar("dtypes")
    assert meta["refused"] == {}
    want = ["int16", "int32", "int64", "bool", "float16"]
    assert [t["dtype"] for t in meta["inputs"]] == want
    assert sorted(t["dtype"] for t in meta["outputs"]) == sorted(want)
    interpreter = _interpreter(model_path("dtypes"))
    values: dict[str, np.ndarray] = {
        "int16": np.array([[-3, 0, 7, 32000]], np.int16),
        "int32": np.array([[-3, 0, 7, 1]], np.int32),
        "int64": np.array([[-3, 0, 7, 2**40]], np.int64),
        "bool": np.array([[True, False, True, False]]),
        "float16": np.array([[0.5, -1.0, 2.0, 0.0]], np.float16),
    }
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], values[np.dtype(detail["dtype"]).name])
    interpreter.invoke()
    outputs = {
        np.dtype(d["dtype"]).name: interpreter.get_tensor(d["index"])
        for d in interpreter.get_output_details()
    }
    np.testing.assert_array_equal(outputs["int16"], values["int16"] + 1)
    np.testing.assert_array_equal(outputs["int32"], values["int32"] + 1)
    np.testing.assert_array_equal(outputs["int64"], values["int64"] + 1)
    np.testing.assert_array_equal(outputs["bool"], ~values["bool"])
    np.testing.assert_array_equal(outputs["float16"], values["float16"] * 2)


# --- official clients ------------------------------------------------------------------------

MEDIAPIPE_CASES = [
    ("image_classifier", "float_classifier", 5),
    ("image_classifier", "uint8_classifier", 5),
    ("image_classifier", "int8_classifier", 5),
    ("image_classifier", "float16_classifier", 5),
    ("image_classifier", "dynamic_batch", 5),
    ("object_detector", "detector", 3),
    ("image_segmenter", "segmenter", 4),
    ("text_classifier", "text_classifier", 2),
    ("bert_classifier", "bert_classifier", 2),
    ("audio_classifier", "audio_classifier", 3),
]


_OFFICIAL_KIND = {"text_classifier": "nl_classifier", "bert_classifier": "bert_nl_classifier"}


def _annotate_official(kind: str, name: str, labels: int, out_dir: Path) -> Path:
    label_file = out_dir / "labels.txt"
    label_file.write_text("".join(f"class_{i}\n" for i in range(labels)), encoding="utf-8")
    out = out_dir / f"{name}.annotated.tflite"
    params: dict[str, Any] = {"label_files": [label_file]}
    if kind in ("image_classifier", "object_detector", "image_segmenter"):
        params.update(mean=[127.5], std=[127.5])
    elif kind == "text_classifier":
        params.update(vocab_file=vocab_path(name))
    elif kind == "bert_classifier":
        params.update(vocab_file=vocab_path(name), ids_name="input_word_ids", mask_name="input_mask",
                      segment_name="input_type_ids")
    elif kind == "audio_classifier":
        params.update(sample_rate=16000, channels=1)
    official_write(_OFFICIAL_KIND.get(kind, kind), model_path(name), out, **params)
    return out


@pytest.mark.parametrize(("kind", "name", "labels"), MEDIAPIPE_CASES, ids=[c[1] for c in MEDIAPIPE_CASES])
def test_official_annotation_runs_in_mediapipe(kind: str, name: str, labels: int, tmp_path: Path) -> None:
    annotated = _annotate_official(kind, name, labels, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.run_mediapipe", kind, str(annotated)],
        capture_output=True, text=True, check=False, cwd=REPO, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    names = {f"class_{i}" for i in range(labels)}
    if kind == "object_detector":
        assert answer["detections"]
        for detection in answer["detections"]:
            x, y, w, h = detection["box"]
            assert min(x, y) >= 0 and w > 0 and h > 0
            assert x + w <= 129 and y + h <= 129
            assert {c["name"] for c in detection["categories"]} <= names
    elif kind == "image_segmenter":
        assert answer["mask_shape"][:2] == [64, 64]
        assert set(answer["mask_values"]) <= set(range(labels))
        assert answer["labels"] == sorted(names)
    else:
        heads = answer["windows"] if kind == "audio_classifier" else [answer["categories"]]
        for categories in heads:
            assert {c["name"] for c in categories} == names
            assert sum(c["score"] for c in categories) == pytest.approx(1.0, abs=0.02)


def test_mediapipe_refuses_int8_image_input(tmp_path: Path) -> None:
    """The official writer annotates int8 I/O, but MediaPipe (like Android Studio) refuses it."""
    annotated = _annotate_official("image_classifier", "int8_io_classifier", 5, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.run_mediapipe", "image_classifier", str(annotated)],
        capture_output=True, text=True, check=False, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode != 0
    assert "Requested one of these types: uint8/float32, got INT8" in result.stderr


# --- third-party and demo models -------------------------------------------------------------

MEDIAPIPE_WITH_METADATA = {
    "face_detection/face_detection_full_range_sparse",
    "face_detection/face_detection_short_range",
    "face_landmark/face_landmark",
    "face_landmark/face_landmark_with_attention",
    "hand_landmark/hand_landmark_full",
    "hand_landmark/hand_landmark_lite",
    "palm_detection/palm_detection_full",
    "pose_detection/pose_detection",
    "selfie_segmentation/selfie_segmentation",
    "selfie_segmentation/selfie_segmentation_landscape",
}
MEDIAPIPE_WITHOUT_METADATA = {
    "holistic_landmark/hand_recrop",
    "iris_landmark/iris_landmark",
    "palm_detection/palm_detection_lite",
    "pose_landmark/pose_landmark_full",
}


def test_mediapipe_wheel_models() -> None:
    models = mediapipe_models()
    assert set(models) == MEDIAPIPE_WITH_METADATA | MEDIAPIPE_WITHOUT_METADATA
    for name, path in models.items():
        data = path.read_bytes()
        assert data[4:8] == b"TFL3", name
        assert (b"TFLITE_METADATA" in data) == (name in MEDIAPIPE_WITH_METADATA), name


def test_demo_model_classifies_its_sample() -> None:
    from PIL import Image

    labels = (DEMO / "labels.txt").read_text(encoding="utf-8").splitlines()
    assert labels == ["circle", "square", "triangle", "star", "cross"]
    assert (DEMO / "shapes.tflite").stat().st_size <= 1024 * 1024
    assert b"TFLITE_METADATA" not in (DEMO / "shapes.tflite").read_bytes()
    interpreter = _interpreter(DEMO / "shapes.tflite")
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert inp["shape"].tolist() == [1, 64, 64, 3] and np.dtype(inp["dtype"]) == np.float32
    pixels = np.asarray(Image.open(DEMO / "sample.png").convert("RGB"), dtype=np.float32)
    interpreter.set_tensor(inp["index"], ((pixels - 127.5) / 127.5)[None])
    interpreter.invoke()
    probs = interpreter.get_tensor(out["index"])[0]
    assert labels[int(np.argmax(probs))] == "star"
    assert probs.max() > 0.9
