"""The test toolchain itself: the jar catalog, kotlinc + ktlint, and the tflite-support oracles.

Marked slow: builds a real model with the TFLite converter and runs real kotlinc/ktlint/oracles.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests import toolchain
from tests.toolchain import jars as fetch_jars
from tests.toolchain import oracle

pytestmark = pytest.mark.slow

LABELS = ["cat", "dog", "bird"]

# Builds a real float image classifier (8x8 RGB → 3 softmax scores) with the TFLite converter, in
# a child process so TensorFlow stays out of the test process.
_BUILD_MODEL = """
import sys
import numpy as np
import tensorflow as tf
tf.keras.utils.set_random_seed(0)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(8, 8, 3), batch_size=1),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3),
    tf.keras.layers.Softmax(),
])
data = tf.lite.TFLiteConverter.from_keras_model(model).convert()
open(sys.argv[1], "wb").write(data)
"""


@pytest.fixture(scope="module")
def plain_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny_classifier.tflite"
    subprocess.run([sys.executable, "-c", _BUILD_MODEL, str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def annotated_model(plain_model: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    work = tmp_path_factory.mktemp("annotated")
    labels = work / "labels.txt"
    labels.write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    out = work / "tiny_classifier_md.tflite"
    written = oracle.official_write(
        "image_classifier", plain_model, out, label_files=[labels], mean=[127.5], std=[127.5]
    )
    return out, written


def test_wrapper_classpath_is_what_a_generated_project_declares() -> None:
    """No hand-picked jar: the default compile classpath is the resolved ``implementation`` of a
    project rendered from the templates, plus android-all (tests/test_declared_classpath.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        main = fetch_jars.source_set_classpath(toolchain.template_project(Path(tmp)), "main")
    assert toolchain.wrapper_classpath() == list(main.jars)
    assert {c.name for c in main.artifacts} >= {
        "tensorflow-lite-api",
        "tensorflow-lite-support-api",
        "tensorflow-lite-gpu-api",
        "tensorflow-lite-metadata",
        "android-all",
    }


def test_displayer_returns_none_for_a_model_without_metadata(plain_model: Path) -> None:
    assert oracle.displayer_json(plain_model) is None


def test_official_image_classifier_writer_then_displayer(annotated_model: tuple[Path, dict]) -> None:
    model, written = annotated_model
    shown = oracle.displayer_json(model)
    assert shown is not None
    assert shown == written["populated_metadata_json"]
    subgraph = shown["subgraph_metadata"][0]
    image = subgraph["input_tensor_metadata"][0]
    assert image["content"]["content_properties_type"] == "ImageProperties"
    assert image["process_units"][0]["options"] == {"mean": [127.5], "std": [127.5]}
    scores = subgraph["output_tensor_metadata"][0]
    assert scores["associated_files"] == [
        {"name": "labels.txt", "description": "Labels for categories that the model can recognize.",
         "type": "TENSOR_AXIS_LABELS"}
    ]  # fmt: skip
    assert oracle.displayer_associated_files(model) == ["labels.txt"]


def test_task_library_classifies_with_the_annotated_model(
    annotated_model: tuple[Path, dict], tmp_path: Path
) -> None:
    from PIL import Image

    image = tmp_path / "red.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(image)
    result = oracle.task_library("image_classifier", annotated_model[0], image, max_results=3)
    categories = result["classifications"][0]["categories"]
    assert sorted(c["category_name"] for c in categories) == sorted(LABELS)
    assert sum(c["score"] for c in categories) == pytest.approx(1.0, abs=1e-3)
    assert [c["score"] for c in categories] == sorted((c["score"] for c in categories), reverse=True)


def test_task_library_refuses_a_model_without_metadata(plain_model: Path, tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "red.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(image)
    with pytest.raises(oracle.OracleError) as refused:
        oracle.task_library("image_classifier", plain_model, image)
    assert refused.value.kind == "RuntimeError"
    assert "requires specifying NormalizationOptions metadata" in refused.value.message
    assert refused.value.where.startswith("tensorflow_lite_support/python/task/vision/")


def test_official_codegen_writes_java_for_an_annotated_model(
    annotated_model: tuple[Path, dict], tmp_path: Path
) -> None:
    result = oracle.official_codegen(annotated_model[0], tmp_path, "org.example.probe", "TinyModel")
    java = [Path(p) for p in result["files"] if p.endswith("TinyModel.java")]
    assert len(java) == 1
    source = java[0].read_text(encoding="utf-8")
    assert "package org.example.probe;" in source
    assert "public class TinyModel" in source


def test_official_codegen_refuses_a_model_without_metadata(plain_model: Path, tmp_path: Path) -> None:
    with pytest.raises(oracle.OracleError) as refused:
        oracle.official_codegen(plain_model, tmp_path, "org.example.probe", "TinyModel")
    assert refused.value.message == "[ERROR] Cannot find TFLite Metadata in the model. Codegen will generate nothing."


def test_a_broken_oracle_is_a_crash_not_a_refusal(
    plain_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the official code's own refusal is an OracleError; a broken oracle fails the test."""
    with pytest.raises(AssertionError, match="FileNotFoundError"):  # our script's bug, not a refusal
        oracle.official_codegen(tmp_path / "no-such.tflite", tmp_path, "org.example.probe", "TinyModel")
    shadow = tmp_path / "shadow"
    for package in ("tflite_support", "tensorflow_lite_support"):
        (shadow / package).mkdir(parents=True)
        (shadow / package / "__init__.py").write_text("raise ImportError('simulated broken install')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))  # the oracle child imports these first
    image = tmp_path / "red.png"
    image.write_bytes(b"")
    with pytest.raises(AssertionError, match="simulated broken install"):
        oracle.task_library("image_classifier", plain_model, image)
    with pytest.raises(AssertionError, match="simulated broken install"):
        oracle.displayer_json(plain_model)


PROBE_KT = """\
package probe

import android.graphics.Bitmap
import org.tensorflow.lite.DataType
import org.tensorflow.lite.support.image.TensorImage

fun wrap(bitmap: Bitmap): TensorImage {
    val image = TensorImage(DataType.FLOAT32)
    image.load(bitmap)
    return image
}
"""


def test_kotlinc_compiles_against_support_library_and_android(tmp_path: Path) -> None:
    source = tmp_path / "Probe.kt"
    source.write_text(PROBE_KT, encoding="utf-8")
    out = tmp_path / "classes"
    toolchain.compile_kotlin([source], out)
    assert (out / "probe" / "ProbeKt.class").is_file()


def test_kotlinc_failure_carries_the_compiler_output(tmp_path: Path) -> None:
    source = tmp_path / "Broken.kt"
    source.write_text("package probe\n\nfun broken(): Int = notDefinedAnywhere()\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="notDefinedAnywhere"):
        toolchain.compile_kotlin([source], tmp_path / "classes")


def test_ktlint_reports_bad_formatting_and_accepts_clean_code(tmp_path: Path) -> None:
    clean = tmp_path / "Probe.kt"
    clean.write_text(PROBE_KT, encoding="utf-8")
    bad = tmp_path / "Bad.kt"
    bad.write_text("package probe\n\nfun  f( x:Int ) : Int { return x+1 }\n", encoding="utf-8")
    assert toolchain.run_ktlint([clean]) == []
    findings = toolchain.run_ktlint([bad])
    assert findings
    assert all(line.startswith(str(bad)) for line in findings)
    assert any("standard:" in line for line in findings)


def test_missing_tool_says_run_make_test(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(toolchain, "repo_root", lambda: tmp_path)
    with pytest.raises(AssertionError, match="run `make test`"):
        toolchain.kotlinc()
