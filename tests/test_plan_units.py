"""Exact expectations for the plan's metadata readers, on hand-written metadata JSON (the
displayer's shape). Written against the survivors of ``bench/mutation.py --module plan``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bindgen.decide import plan
from bindgen.errors import BindgenError
from bindgen.read.tflite.model import DType, Quantization, Tensor


def _tensor(shape: tuple[int, ...], quantization: Quantization | None = None) -> Tensor:
    return Tensor(0, "t", DType.FLOAT32, shape, shape, quantization, 0)


def test_every_plan_type_is_frozen() -> None:
    types = [getattr(plan, name) for name in dir(plan) if dataclasses.is_dataclass(getattr(plan, name))]
    types = [t for t in types if isinstance(t, type) and t.__module__ == plan.__name__]
    assert len(types) >= 10
    assert [t.__name__ for t in types if not t.__dataclass_params__.frozen] == []  # type: ignore[attr-defined]


def test_label_file_without_a_locale_wins_else_the_first() -> None:
    fr, en, plain = {"name": "fr", "locale": "fr"}, {"name": "en", "locale": "en"}, {"name": "plain"}
    assert plan._pick_label_file([fr, plain, en]) is plain
    assert plan._pick_label_file([fr, en]) is fr
    assert plan._pick_label_file([]) is None


def test_units_and_files_filter_by_kind() -> None:
    meta = {
        "process_units": [{"options_type": "NormalizationOptions", "options": {"mean": [1.0]}},
                          {"options_type": "ScoreThresholdingOptions", "options": {"global_score_threshold": 0.25}}],
        "associated_files": [{"name": "a", "type": "TENSOR_AXIS_LABELS"}, {"name": "b"}],
    }  # fmt: skip
    assert plan._units(meta, "NormalizationOptions") == [{"mean": [1.0]}]
    assert plan._units(None, "NormalizationOptions") == []
    assert plan._files(meta, "TENSOR_AXIS_LABELS") == [{"name": "a", "type": "TENSOR_AXIS_LABELS"}]
    assert plan._files(meta, "UNKNOWN") == [{"name": "b"}]
    assert plan._threshold(meta) == 0.25 and plan._threshold({}) is None


def test_value_range_reads_the_first_min_and_max() -> None:
    assert plan._value_range({"stats": {"min": [-1.0, 5.0], "max": [2.0, 9.0]}}) == (-1.0, 2.0)
    assert plan._value_range({"stats": {"min": [0.0]}}) is None and plan._value_range(None) is None


def test_image_layouts() -> None:
    assert plan._image_layout(_tensor((1, 24, 32, 3))) == (24, 32, 3)
    assert plan._image_layout(_tensor((5, 24, 32, 1))) == (24, 32, 1)
    assert plan._image_layout(_tensor((24, 32, 3))) == (24, 32, 3)
    assert plan._image_layout(_tensor((7, 24, 32))) is None
    assert plan._image_layout(_tensor((1, 24, 32, 2))) is None
    assert plan._image_layout(_tensor((24, 32, 4))) is None
    assert plan._image_layout(_tensor((1, 2, 3, 4, 5))) is None and plan._image_layout(_tensor((3,))) is None
    assert plan._image_layout(_tensor((1, 2, 3, 3, 5))) is None
    assert plan._image_layout(_tensor((1, 2, 3, 1))) == (2, 3, 1)
    assert plan._image_layout(_tensor((24, 32, 1))) == (24, 32, 1) and plan._image_layout(_tensor((24, 32, 2))) is None
    assert plan._image_layout(_tensor((24, 32, 0))) is None


def test_per_tensor_quantization() -> None:
    assert plan._per_tensor_quant(_tensor((1,), Quantization((0.5,), (3,), 0))) == (0.5, 3)
    assert plan._per_tensor_quant(_tensor((1,), Quantization((0.5,), (), 0))) == (0.5, 0)
    assert plan._per_tensor_quant(_tensor((1,), Quantization((0.5, 0.25), (1, 2), 0))) is None
    assert plan._per_tensor_quant(_tensor((1,), Quantization((0.0,), (0,), 0))) is None
    assert plan._per_tensor_quant(_tensor((1,), Quantization((), (), 0))) is None
    # only 0 means "no scale"; a negative one is the model's (x = scale * (q - zero_point) still holds)
    assert plan._per_tensor_quant(_tensor((1,), Quantization((-0.5,), (2,), 0))) == (-0.5, 2)


def test_calibration_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "0.9,2.0,-0.5\n\n1.0, 1.5, 0.1, 0.15\n"
    monkeypatch.setattr(plan, "_read_text", lambda model, name: text)
    meta = {
        "associated_files": [{"name": "cal.csv", "type": "TENSOR_AXIS_SCORE_CALIBRATION"}],
        "process_units": [{"options_type": "ScoreCalibrationOptions",
                           "options": {"score_transformation": "LOG", "default_score": 0.2}}],
    }  # fmt: skip
    model = type("M", (), {"path": "m.tflite"})()
    calibration = plan._calibration(model, meta)  # type: ignore[arg-type]
    assert calibration == plan.Calibration(
        "cal.csv", plan.ScoreTransformation.LOG, 0.2,
        (plan.Sigmoid(0.9, 2.0, -0.5, None), None, plan.Sigmoid(1.0, 1.5, 0.1, 0.15)),
    )  # fmt: skip
    assert plan._calibration(model, {"associated_files": []}) is None  # type: ignore[arg-type]
    for bad in ("1,2", "1,2,3,4,5", "-0.5,1,1"):
        text = bad
        with pytest.raises(BindgenError, match="malformed score calibration line"):
            plan._calibration(model, meta)  # type: ignore[arg-type]
    text = "0,1,1"
    assert plan._calibration(model, meta).sigmoids == (plan.Sigmoid(0.0, 1.0, 1.0, None),)  # type: ignore[arg-type, union-attr]
    meta["process_units"] = [{"options_type": "ScoreCalibrationOptions"}]  # the unit, with default options
    calibration = plan._calibration(model, meta)  # type: ignore[arg-type]
    assert calibration is not None and calibration.transformation is plan.ScoreTransformation.IDENTITY
    assert calibration.default_score == 0.0
    # without the unit the file is not applied, as the Task Library and MediaPipe read it
    meta["process_units"] = []
    assert plan._calibration(model, meta) is None  # type: ignore[arg-type]
