"""The processing plan read from real annotated models (official writer metadata)."""

from __future__ import annotations

import pytest

from bindgen.decide.plan import (
    BoxType,
    Cast,
    InputRole,
    Normalize,
    OutputRole,
    Quantize,
    Resize,
    build_plan,
)
from bindgen.read.tflite.model import DType
from bindgen.read.tflite.reader import read_model
from tests.toolchain.fixtures import annotated_model
from tests.toolchain.models import model_path

pytestmark = pytest.mark.slow


def test_float_classifier() -> None:
    plan = build_plan(read_model(annotated_model("float_classifier")))
    (image,) = plan.inputs
    assert image.role is InputRole.IMAGE and (image.height, image.width, image.channels) == (96, 96, 3)
    assert image.steps == (Resize(96, 96), Normalize((127.5,), (127.5,)), Cast(DType.FLOAT32))
    (out,) = plan.outputs
    assert out.role is OutputRole.CLASSIFICATION and out.labels is not None
    assert out.labels.labels[:2] == ("class_0", "class_1") and out.dequantize is None


def test_uint8_input_takes_raw_pixels_like_the_task_library() -> None:
    plan = build_plan(read_model(annotated_model("uint8_classifier")))
    assert plan.inputs[0].steps == (Resize(96, 96), Cast(DType.UINT8))
    assert plan.outputs[0].dequantize is not None


def test_int8_input_is_normalized_then_quantized_with_the_model_params() -> None:
    model = read_model(annotated_model("int8_io_classifier"))
    q = model.main.inputs[0].quantization
    assert q is not None
    steps = build_plan(model).inputs[0].steps
    assert steps == (
        Resize(96, 96),
        Normalize((127.5,), (127.5,)),
        Quantize(q.scale[0], q.zero_point[0]),
        Cast(DType.INT8),
    )


def test_detector_group() -> None:
    plan = build_plan(read_model(annotated_model("detector")))
    (group,) = plan.detection_groups
    assert (group.locations, group.classes, group.scores, group.count) == (0, 1, 2, 3)
    assert group.box.index == (1, 0, 3, 2) and group.box.type is BoxType.BOUNDARIES
    assert group.labels is not None and all(o.role is OutputRole.DETECTION for o in plan.outputs)


def test_segmenter() -> None:
    plan = build_plan(read_model(annotated_model("segmenter")))
    assert plan.outputs[0].role is OutputRole.SEGMENTATION
    assert plan.outputs[0].labels is not None and plan.outputs[0].class_axis_size == 4


def test_no_metadata_is_raw() -> None:
    plan = build_plan(read_model(model_path("multi_io")))
    assert not plan.has_metadata
    assert all(i.role is InputRole.TENSOR and i.steps == () for i in plan.inputs)
    assert all(o.role is OutputRole.TENSOR for o in plan.outputs)


def test_image_output_annotated_by_bindgen() -> None:
    from tests.toolchain.fixtures import image_to_image_model

    plan = build_plan(read_model(image_to_image_model()))
    assert plan.inputs[0].steps == (Resize(64, 64), Normalize((0.0,), (255.0,)), Cast(DType.FLOAT32))
    assert plan.outputs[0].role is OutputRole.IMAGE and plan.outputs[0].name == "styled_image"
