"""Every test model gets a wrapper; all wrappers compile in ONE kotlinc run against what a
generated project's ``implementation`` declares (resolved by tests.toolchain.jars) and ktlint
reports nothing on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bindgen.generate.kotlin.render import render_wrapper
from bindgen.output import GENERATED_NOTICE, write_files
from bindgen.read.tflite.reader import read_model
from tests.toolchain import compile_kotlin, run_ktlint
from tests.toolchain.fixtures import all_models

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("kotlin-src")
    written: list[Path] = []
    for number, (name, path) in enumerate(sorted(all_models().items())):
        files = render_wrapper(read_model(path), f"com.example.bindgen.m{number}")
        written += write_files(root, files)
        assert files[0].path.endswith(".kt"), name
    return written


def test_every_model_has_a_wrapper_with_the_header(generated: list[Path]) -> None:
    wrappers = [p for p in generated if p.name != "BindgenSupport.kt"]
    assert len(wrappers) == len(all_models())
    for path in generated:
        assert path.read_text(encoding="utf-8").startswith(f"// {GENERATED_NOTICE}\n")


def test_all_wrappers_compile_in_one_kotlinc_run(generated: list[Path], tmp_path: Path) -> None:
    result = compile_kotlin(generated, tmp_path / "classes")
    assert "error:" not in result.stdout + result.stderr
    classes = {p.name for p in (tmp_path / "classes").rglob("*.class")}
    assert "FloatClassifier.class" in classes and "FloatClassifier$Outputs.class" in classes


def test_ktlint_reports_nothing(generated: list[Path]) -> None:
    assert run_ktlint(generated) == []


def test_wrapper_api_per_kind(generated: list[Path]) -> None:
    text = {p.stem: p.read_text(encoding="utf-8") for p in generated if p.name != "BindgenSupport.kt"}
    classifier = text["FloatClassifier"]
    assert "fun process(image: TensorImage): Outputs" in classifier
    assert "fun process(image: Bitmap): Outputs" in classifier
    assert "val probability: List<Category>" in classifier
    assert "ResizeOp(96, 96, ResizeOp.ResizeMethod.BILINEAR)" in classifier
    assert "NormalizeOp(floatArrayOf(127.5f), floatArrayOf(127.5f))" in classifier
    # int8 I/O (rejected by Android Studio): ByteBuffer raw types, quantized with the model's params.
    int8 = text["Int8IoClassifier"]
    assert "QuantizeOp(" in int8 and "BindgenSupport.DType.INT8" in int8
    assert "List<DetectionResult>" in text["Detector"]
    assert "val segmentationMasks: Segmentation" in text["Segmenter"] or ": Segmentation by lazy" in text["Segmenter"]
    assert "val styledImage: TensorImage by lazy" in text["StyledImage"]
    assert "fun process(contentImage: Bitmap): Outputs" in text["StyledImage"]
    assert "BindgenSupport.Calibration.read(" in text["CalibratedClassifier"]
    assert "inputFeature0" in text["MultiIo"] and "inputFeature1" in text["MultiIo"]
    for source in text.values():
        assert "fun newInstance(" in source and ": AutoCloseable" in source
        assert "thread that created it" in source
