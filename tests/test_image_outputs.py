"""Image outputs, confidence masks and dequantized views: the plan's reading, the twin against
MediaPipe and the raw interpreter, and the JVM harness's own teeth.

The generated Kotlin for the same models runs on the JVM in ``python -m tests.toolchain.jvm``
(styled_image: 3 channels, normalization undone; gray_image_output: one channel;
pose_confidence_mask: a confidence mask; every ``…Floats`` view, quantized or not).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bindgen.decide.plan import Normalize, OutputRole, build_plan
from bindgen.generate.kotlin.render import binding_for, render_binding
from bindgen.read.tflite.reader import read_model
from tests.toolchain.fixtures import all_models

pytestmark = pytest.mark.slow


def _plan(name: str) -> Any:
    return build_plan(read_model(all_models()[name]))


def _person(path: Path) -> Path:
    """A drawn head and shoulders: enough for selfie segmentation to answer above 0.5 somewhere."""
    image = Image.new("RGB", (256, 256), (200, 220, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 150, 196, 256), fill=(40, 60, 120))
    draw.ellipse((88, 40, 168, 140), fill=(224, 172, 140))
    draw.ellipse((100, 75, 115, 85), fill=(40, 30, 30))
    draw.ellipse((141, 75, 156, 85), fill=(40, 30, 30))
    draw.rectangle((110, 110, 146, 118), fill=(150, 60, 60))
    draw.pieslice((84, 30, 172, 100), 180, 360, fill=(60, 40, 20))
    image.save(path)
    return path


def test_one_channel_labelled_output_is_a_confidence_mask() -> None:
    (mask,) = _plan("mp_selfie_segmentation_selfie_segmentation").outputs
    assert mask.role is OutputRole.CONFIDENCE_MASK and mask.labels is not None
    assert _plan("segmenter").outputs[0].role is OutputRole.SEGMENTATION  # channels == labels
    assert _plan("pose_confidence_mask").outputs[2].role is OutputRole.CONFIDENCE_MASK


def test_image_outputs_carry_their_normalization() -> None:
    (styled,) = _plan("styled_image").outputs
    assert styled.role is OutputRole.IMAGE and styled.normalization == Normalize((0.0,), (255.0,))
    gray = _plan("gray_image_output").outputs[2]
    assert gray.role is OutputRole.IMAGE and gray.tensor.shape[-1] == 1
    assert gray.normalization == Normalize((127.5,), (127.5,))


def test_generated_outputs_offer_bitmaps_and_float_views() -> None:
    sources = {
        name: next(f.data().decode() for f in render_binding(binding_for(read_model(all_models()[name]), "p"))
                   if not f.path.endswith("BindgenSupport.kt"))
        for name in ("mp_selfie_segmentation_selfie_segmentation", "gray_image_output", "uint8_classifier")
    }  # fmt: skip
    selfie = sources["mp_selfie_segmentation_selfie_segmentation"]
    assert "val segmentationMasks: FloatArray" in selfie and "val segmentationMasksBitmap: Bitmap" in selfie
    assert "TensorImage" not in selfie.split("inner class Outputs")[1]  # the RGB-only load is gone
    assert "MetadataExtractor" not in selfie  # one class: its label file is not loaded for nothing
    gray = sources["gray_image_output"]
    assert "val segmentation: TensorImage" in gray and "val segmentationBitmap: Bitmap" in gray
    assert "floatArrayOf(127.5f)" in gray
    uint8 = sources["uint8_classifier"]
    assert "val probabilityFloats: FloatArray" in uint8
    raw_kdoc = uint8.split("val probabilityBuffer")[0].rsplit("/**", 1)[1]
    assert "not dequantized" in raw_kdoc and "Dequantized with" not in raw_kdoc


def test_twin_image_output_undoes_normalization_and_clamps(tmp_path: Path) -> None:
    from ai_edge_litert.interpreter import Interpreter

    from bindgen.host.twin import _image_input, _imports, run_model

    model = all_models()["gray_image_output"]
    image = _person(tmp_path / "person.png")
    plan = build_plan(read_model(model))
    interpreter = Interpreter(model_path=str(model), num_threads=1)
    interpreter.allocate_tensors()
    np_, _, image_module = _imports()
    interpreter.set_tensor(plan.inputs[0].tensor.index, _image_input(np_, image_module, plan.inputs[0], str(image)))
    interpreter.invoke()
    logits = interpreter.get_tensor(plan.outputs[2].tensor.index).reshape(256, 256, 1)
    pixels = np.asarray(run_model(model, [str(image)])["outputs"]["segmentation"])
    assert pixels.shape == (256, 256, 1)
    np.testing.assert_allclose(pixels, np.clip(logits * 127.5 + 127.5, 0, 255), atol=1e-4)
    assert pixels.min() == 0 and pixels.max() == 255  # both clamps are exercised by this input


def test_twin_confidence_mask_matches_mediapipe_image_segmenter(tmp_path: Path) -> None:
    from bindgen.host.twin import run_model

    model = all_models()["mp_selfie_segmentation_selfie_segmentation"]
    image = _person(tmp_path / "person.png")
    ours = np.asarray(run_model(model, [str(image)])["outputs"]["segmentation_masks"])
    done = subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.run_mediapipe", "confidence_masks", str(model), str(image)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-3000:]
    (theirs,) = json.loads(lines[-1])["masks"]
    assert theirs["shape"] == [256, 256, 1] and ours.shape == (256, 256)
    np.testing.assert_allclose(ours.ravel(), theirs["values"], atol=1e-4)
    assert ours.max() > 0.5  # a real answer, not an all-zero mask


def _harness_case(tmp_path: Path, name: str) -> tuple[Any, Any, dict[str, Any]]:
    """A real wrapper and inputs of the JVM harness, and the driver JSON a correct wrapper writes."""
    from tests.toolchain import jvm

    models = {name: all_models()[name]}
    wrapper = jvm.render_wrappers(models, tmp_path / "src")[name]
    inputs = jvm.make_inputs(models, tmp_path)[name]
    outputs: dict[str, Any] = {}
    for prop, (how, value, _) in jvm.expected(wrapper, inputs).items():
        if how == "raw" and value.dtype.name not in ("float32", "uint8"):  # a ByteBuffer property
            outputs[prop] = {"bytes": np.frombuffer(value.tobytes(), np.int8).tolist()}
        elif how == "raw":
            outputs[prop] = value.astype(np.float64).ravel().tolist()
        elif how == "bitmap":
            height, width = value.shape[:2]
            outputs[prop] = {"bitmap": {"width": width, "height": height, "config": "ARGB_8888",
                                        "argb": jvm._argb(value)}}  # fmt: skip
        else:
            outputs[prop] = value
    return wrapper, inputs, {"outputs": outputs}


def test_harness_compares_bytebuffer_contents_and_fails_on_a_missing_property(tmp_path: Path) -> None:
    from tests.toolchain import jvm

    wrapper, inputs, good = _harness_case(tmp_path, "dtypes")
    problems: list[str] = []
    assert jvm.compare(wrapper, inputs, json.loads(json.dumps(good)), [], problems) == len(good["outputs"])
    assert problems == []

    changed = json.loads(json.dumps(good))
    raw = next(k for k, v in changed["outputs"].items() if isinstance(v, dict) and "bytes" in v)
    changed["outputs"][raw]["bytes"][0] ^= 0x40
    jvm.compare(wrapper, inputs, changed, [], problems)
    assert any(p.startswith(f"dtypes.{raw}") for p in problems), problems

    problems.clear()
    missing = json.loads(json.dumps(good))
    gone = sorted(missing["outputs"])[0]
    del missing["outputs"][gone]
    missing["outputs"]["surprise"] = [1.0]
    jvm.compare(wrapper, inputs, missing, [], problems)
    assert f"dtypes.{gone}: missing from the JVM's Outputs" in problems
    assert any(p.startswith("dtypes.surprise:") for p in problems)


def test_harness_compares_bitmaps_pixel_by_pixel(tmp_path: Path) -> None:
    from tests.toolchain import jvm

    wrapper, inputs, good = _harness_case(tmp_path, "styled_image")
    problems: list[str] = []
    jvm.compare(wrapper, inputs, good, [], problems)
    assert problems == []
    good["outputs"]["styledImageBitmap"]["bitmap"]["argb"][5] ^= 0x00300000  # red channel of one pixel
    jvm.compare(wrapper, inputs, good, [], problems)
    assert problems == [
        "styled_image.styledImageBitmap: 1 pixels differ beyond one level plus the noise (up to 48 levels)"
    ]


def test_run_on_a_model_with_an_unresolved_custom_op_is_one_line(tmp_path: Path) -> None:
    """Found by the JVM tier: MediaPipe's face_landmark_with_attention needs ops LiteRT lacks."""
    from typer.testing import CliRunner

    from bindgen.cli import app

    model = all_models()["mp_face_landmark_face_landmark_with_attention"]
    image = _person(tmp_path / "person.png")
    result = CliRunner().invoke(app, ["run", str(model), str(image)])
    assert result.exit_code == 1 and not isinstance(result.exception, RuntimeError)
    lines = [line for line in result.output.splitlines() if line.startswith("bindgen: error:")]
    assert len(lines) == 1 and "Landmarks2TransformMatrix" in lines[0], result.output
