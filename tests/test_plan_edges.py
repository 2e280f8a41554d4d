"""The planner's edge cases on real converter-built models (``tests.toolchain.models``) carrying
metadata written for each test: bindgen's metadata codec and file writer lay it out as any
third-party writer could (``force_defaults``: as one that stores the schema defaults), then the
reader reads it back and :func:`build_plan` decides. A few shapes no test model has (a grayscale
input, a rank-1 text input, ...) change one tensor of the read description instead.

Written against the survivors of ``bench/mutation.py --module plan``; each test names what it pins.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import flatbuffers
import pytest

from bindgen.decide.plan import (
    AudioFormat,
    BindingPlan,
    BoxCoordinates,
    BoxType,
    Cast,
    ColorSpace,
    InputRole,
    Normalize,
    OutputRole,
    Resize,
    Sigmoid,
    TextInput,
    Tokenizer,
    build_plan,
    file_lines,
)
from bindgen.errors import BindgenError
from bindgen.read.metadata import codec
from bindgen.read.tflite.model import DType, Model
from bindgen.read.tflite.reader import ModelFile, read_model
from bindgen.read.tflite.writer import annotate_file
from tests.toolchain.fixtures import annotated_model, image_to_image_model
from tests.toolchain.models import model_path

pytestmark = pytest.mark.slow

Json = dict[str, Any]


def _annotated(
    tmp_path: Path, base: str, subgraph: Json, files: dict[str, str] | None = None, *, force_defaults: bool = False
) -> Model:
    """The converter-built model ``base`` with ``subgraph`` as its one subgraph metadata and the
    text ``files`` packed, read back by the reader."""
    metadata = {"name": "edge case", "subgraph_metadata": [subgraph]}
    builder = flatbuffers.Builder(1024)
    builder.ForceDefaults(force_defaults)
    encoded = codec.encode_with(builder, metadata) if force_defaults else codec.encode(metadata)
    out = tmp_path / f"{base}-{len(list(tmp_path.glob('*.tflite')))}.tflite"  # a new file each time
    with ModelFile(model_path(base)) as source:
        annotate_file(source, out, encoded, [(name, text.encode()) for name, text in (files or {}).items()])
    return read_model(out)


def _plan(
    tmp_path: Path, base: str, subgraph: Json, files: dict[str, str] | None = None, *, force_defaults: bool = False
) -> BindingPlan:
    return build_plan(_annotated(tmp_path, base, subgraph, files, force_defaults=force_defaults))


def _reshaped(model: Model, *, inputs: dict[int, tuple[int, ...]] | None = None,
              outputs: dict[int, tuple[int, ...]] | None = None) -> Model:
    """``model``'s description with the given inputs/outputs (by position) of another shape."""
    def resized(tensors: tuple[Any, ...], shapes: dict[int, tuple[int, ...]] | None) -> tuple[Any, ...]:
        shapes = shapes or {}
        return tuple(dataclasses.replace(t, shape=shapes[i], shape_signature=shapes[i]) if i in shapes else t
                     for i, t in enumerate(tensors))

    main = model.main
    main = dataclasses.replace(main, inputs=resized(main.inputs, inputs), outputs=resized(main.outputs, outputs))
    return dataclasses.replace(model, subgraphs=(main, *model.subgraphs[1:]))


def _image(name: str = "image", **norm: list[float]) -> Json:
    meta: Json = {"name": name, "content": {"content_properties_type": "ImageProperties",
                                            "content_properties": {"color_space": "RGB"}}}
    if norm:
        meta["process_units"] = [{"options_type": "NormalizationOptions", "options": norm}]
    return meta


def _unit(kind: str, **options: Any) -> Json:
    return {"options_type": kind, "options": options}


LABELS5 = "".join(f"class_{i}\n" for i in range(5))


def _classifier_output(*units: Json, **extra: Any) -> Json:
    return {"name": "probability", "process_units": list(units),
            "associated_files": [{"name": "labels.txt", "type": "TENSOR_AXIS_LABELS"}], **extra}


# ------------------------------------------------------------------------------- process units


@pytest.mark.parametrize(
    ("base", "subgraph", "kind", "tensor"),
    [
        ("float_classifier", {"input_tensor_metadata": [
            {**_image(), "process_units": [_unit("NormalizationOptions", mean=[127.5], std=[127.5]),
                                           _unit("NormalizationOptions", mean=[0.0], std=[255.0])]}]},
         "NormalizationOptions", "image"),
        ("float_classifier", {"output_tensor_metadata": [_classifier_output(
            _unit("ScoreThresholdingOptions", global_score_threshold=0.5),
            _unit("ScoreThresholdingOptions", global_score_threshold=0.25))]}, "ScoreThresholdingOptions",
         "probability"),
        ("float_classifier", {"output_tensor_metadata": [_classifier_output(
            _unit("ScoreCalibrationOptions", default_score=0.5),
            _unit("ScoreCalibrationOptions", default_score=0.25))]}, "ScoreCalibrationOptions", "probability"),
        ("image_to_image", {"output_tensor_metadata": [
            {**_image("styled"), "process_units": [_unit("NormalizationOptions", mean=[0.0], std=[255.0]),
                                                   _unit("NormalizationOptions", mean=[1.0], std=[2.0])]}]},
         "NormalizationOptions", "styled"),
    ],
    ids=["input-normalization", "threshold", "calibration", "output-normalization"],
)
def test_two_process_units_of_one_kind_are_refused_like_the_task_library(
    tmp_path: Path, base: str, subgraph: Json, kind: str, tensor: str
) -> None:
    with pytest.raises(BindgenError) as raised:
        _plan(tmp_path, base, subgraph, {"labels.txt": LABELS5})
    message = raised.value.one_line()
    assert f"tensor {tensor!r} has 2 {kind} process units, the Task Library accepts at most one" in message
    assert "re-annotate the model with one" in message and "\n" not in message


def test_one_threshold_unit_is_read_even_at_its_default_zero(tmp_path: Path) -> None:
    # global_score_threshold 0 is the schema default: the displayer JSON has an empty options table
    plan = _plan(tmp_path, "float_classifier",
                 {"output_tensor_metadata": [_classifier_output(_unit("ScoreThresholdingOptions"))]},
                 {"labels.txt": LABELS5})
    assert plan.outputs[0].score_threshold == 0.0
    plan = _plan(tmp_path, "float_classifier", {"output_tensor_metadata": [_classifier_output()]},
                 {"labels.txt": LABELS5})
    assert plan.outputs[0].score_threshold is None


def _calibrated(*files: str) -> Json:
    return _classifier_output(_unit("ScoreCalibrationOptions", score_transformation="LOG", default_score=0.5),
                              associated_files=[{"name": "labels.txt", "type": "TENSOR_AXIS_LABELS"}]
                              + [{"name": f, "type": "TENSOR_AXIS_SCORE_CALIBRATION"} for f in files])


def test_score_calibration_reads_the_first_calibration_file(tmp_path: Path) -> None:
    files = {"labels.txt": LABELS5, "a.csv": "1.0,2.0,3.0\n" * 5, "b.csv": "4.0,5.0,6.0,0.5\n" * 5}
    (out,) = _plan(tmp_path, "float_classifier", {"output_tensor_metadata": [_calibrated("a.csv", "b.csv")]},
                   files).outputs
    assert out.calibration is not None and out.calibration.file_name == "a.csv"
    assert out.calibration.sigmoids == (Sigmoid(1.0, 2.0, 3.0),) * 5 and out.calibration.default_score == 0.5


@pytest.mark.parametrize("lines", [4, 6])
def test_a_calibration_file_with_another_line_count_than_classes_is_refused(tmp_path: Path, lines: int) -> None:
    files = {"labels.txt": LABELS5, "a.csv": "1.0,2.0,3.0\n" * lines}
    with pytest.raises(BindgenError) as raised:
        _plan(tmp_path, "float_classifier", {"output_tensor_metadata": [_calibrated("a.csv")]}, files)
    assert f"'a.csv' has {lines} lines, the model has 5 classes" in raised.value.one_line()


# ------------------------------------------------------------------------------ image inputs


def test_normalization_without_mean_or_std_takes_0_and_1(tmp_path: Path) -> None:
    only_std = _plan(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(std=[255.0])]})
    assert only_std.inputs[0].steps == (Resize(96, 96), Normalize((0.0,), (255.0,)), Cast(DType.FLOAT32))
    only_mean = _plan(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(mean=[128.0])]})
    assert only_mean.inputs[0].steps == (Resize(96, 96), Normalize((128.0,), (1.0,)), Cast(DType.FLOAT32))


def test_normalization_takes_one_value_or_one_per_channel(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "float_classifier",
                 {"input_tensor_metadata": [_image(mean=[123.5, 116.5, 103.5], std=[58.5])]})
    assert plan.inputs[0].steps[1] == Normalize((123.5, 116.5, 103.5), (58.5,))
    assert plan.inputs[0].color_space is ColorSpace.RGB and plan.inputs[0].channels == 3
    for mean, std, counts in (([1.0, 2.0], [1.0], "2 mean and 1 std"), ([1.0], [1.0, 2.0, 3.0, 4.0], "1 mean and 4 std")):  # noqa: E501
        with pytest.raises(BindgenError) as raised:
            _plan(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(mean=mean, std=std)]})
        assert raised.value.one_line() == (
            f"input 'image': NormalizationOptions have {counts} values, the tensor has 3 channels "
            "(re-annotate the model with 1 or 3 values each (bindgen annotate --mean/--std))"
        )


def test_a_zero_std_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BindgenError) as raised:
        _plan(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(mean=[0.0], std=[1.0, 0.0, 1.0])]})
    assert "input 'image': a NormalizationOptions std is 0" in raised.value.one_line()
    assert "the std it was trained with" in raised.value.one_line()


def test_quantized_uint8_input_ignores_normalization_like_the_task_library(tmp_path: Path) -> None:
    # even normalization that fits no channel count: it is never applied
    plan = _plan(tmp_path, "uint8_classifier", {"input_tensor_metadata": [_image(mean=[1.0, 2.0], std=[0.0])]})
    assert plan.inputs[0].steps == (Resize(96, 96), Cast(DType.UINT8))


def test_image_properties_on_a_tensor_that_is_no_image_stay_a_tensor(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "multi_io", {"input_tensor_metadata": [_image("image", mean=[0.0], std=[1.0]),
                                                                  _image("features", mean=[0.0], std=[1.0])]})
    assert plan.inputs[0].role is InputRole.IMAGE
    assert plan.inputs[1].role is InputRole.TENSOR and plan.inputs[1].steps == () and plan.inputs[1].name == "features"
    int16 = _reshaped(_annotated(tmp_path, "dtypes", {"input_tensor_metadata": [_image("a")] + [{}] * 4}),
                      inputs={0: (1, 2, 2, 1)})
    assert build_plan(int16).inputs[0].role is InputRole.TENSOR  # int16 is no image type


def test_a_float_image_input_with_quantization_parameters_is_not_quantized(tmp_path: Path) -> None:
    from bindgen.read.tflite.model import Quantization

    model = _annotated(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(std=[255.0])]})
    main = model.main
    scaled = dataclasses.replace(main.inputs[0], quantization=Quantization((0.5,), (3,)))
    model = dataclasses.replace(model, subgraphs=(dataclasses.replace(main, inputs=(scaled,)),))
    assert build_plan(model).inputs[0].steps == (Resize(96, 96), Normalize((0.0,), (255.0,)), Cast(DType.FLOAT32))


def test_one_channel_image_input_is_grayscale(tmp_path: Path) -> None:
    model = _reshaped(_annotated(tmp_path, "float_classifier", {"input_tensor_metadata": [_image(std=[255.0])]}),
                      inputs={0: (1, 28, 28, 1)})
    (image,) = build_plan(model).inputs
    assert image.role is InputRole.IMAGE and image.color_space is ColorSpace.GRAYSCALE
    assert (image.height, image.width, image.channels) == (28, 28, 1)
    assert image.steps == (Resize(28, 28), Normalize((0.0,), (255.0,)), Cast(DType.FLOAT32))


# ------------------------------------------------------------------------------ audio inputs


def _audio(**props: int) -> Json:
    return {"input_tensor_metadata": [{"name": "audio", "content": {
        "content_properties_type": "AudioProperties", "content_properties": props}}]}


@pytest.mark.parametrize(
    ("props", "audio"),
    [
        ({"sample_rate": 16000, "channels": 1}, AudioFormat(16000, 1, 15600)),
        ({"sample_rate": 44100, "channels": 2}, AudioFormat(44100, 2, 15600)),
        ({"channels": 1}, None),  # no rate: the Task Library refuses the model
        ({"sample_rate": 16000}, None),  # no channels
        ({"sample_rate": 16000, "channels": 7}, None),  # 15600 values are no whole number of 7-channel frames
    ],
)
def test_audio_format_needs_a_rate_and_channels_that_divide_the_input(
    tmp_path: Path, props: dict[str, int], audio: AudioFormat | None
) -> None:
    (waveform,) = _plan(tmp_path, "audio_classifier", _audio(**props)).inputs
    assert waveform.role is InputRole.TENSOR and waveform.audio == audio


def test_audio_properties_on_a_non_float_input_are_ignored(tmp_path: Path) -> None:
    (tokens,) = _plan(tmp_path, "text_classifier", _audio(sample_rate=16000, channels=1)).inputs
    assert tokens.audio is None and tokens.name == "audio"


# -------------------------------------------------------------------------------------- text

BERT_NAMES = ("ids", "mask", "segment_ids")


def _bert(names: tuple[str, ...] = BERT_NAMES, vocab: list[Json] | None = None) -> Json:
    options = {} if vocab is None else {"vocab_file": vocab}
    return {"input_tensor_metadata": [{"name": n} for n in names],
            "input_process_units": [_unit("BertTokenizerOptions", **options)]}


VOCAB = [{"name": "vocab.txt", "type": "VOCABULARY"}]
BERT_FILES = {"vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n", "other.txt": "x\n"}


def test_bert_inputs_are_found_by_name_else_in_tensor_order(tmp_path: Path) -> None:
    def text(names: tuple[str, ...]) -> TextInput | None:
        return _plan(tmp_path, "bert_classifier", _bert(names, VOCAB), BERT_FILES).text

    assert text(("segment_ids", "mask", "ids")) == TextInput(Tokenizer.BERT, "vocab.txt", 24, 2, mask=1, segment_ids=0)
    # one name missing: all three in tensor order (ids, segment ids, mask), as bert_utils.cc does
    assert text(("mask", "ids", "input_type_ids")) == TextInput(Tokenizer.BERT, "vocab.txt", 24, 0, mask=2,
                                                                segment_ids=1)
    assert text(("a", "b", "c")) == TextInput(Tokenizer.BERT, "vocab.txt", 24, 0, mask=2, segment_ids=1)


def test_bert_vocabulary_is_the_first_file_and_required(tmp_path: Path) -> None:
    two = [*VOCAB, {"name": "other.txt", "type": "VOCABULARY"}]
    text = _plan(tmp_path, "bert_classifier", _bert(vocab=two), BERT_FILES).text
    assert text is not None and text.vocab_file == "vocab.txt"
    assert _plan(tmp_path, "bert_classifier", _bert(vocab=None)).text is None
    # a process unit without options (no options_type) is no tokenizer
    subgraph = _bert(vocab=VOCAB)
    subgraph["input_process_units"].append({})
    text = _plan(tmp_path, "bert_classifier", subgraph, BERT_FILES).text
    assert text is not None and text.vocab_file == "vocab.txt"
    # two tokenizer units: the first, the one the Task Library reads (input process unit 0)
    subgraph = _bert(vocab=VOCAB)
    subgraph["input_process_units"].append(_unit("BertTokenizerOptions", vocab_file=two[1:]))
    text = _plan(tmp_path, "bert_classifier", subgraph, BERT_FILES).text
    assert text is not None and text.vocab_file == "vocab.txt"
    assert _plan(tmp_path, "bert_classifier", _bert(vocab=[{"type": "VOCABULARY"}])).text is None


def test_bert_needs_three_static_int32_inputs_of_one_length_above_1(tmp_path: Path) -> None:
    assert build_plan(read_model(model_path("bert_classifier"))).text is None  # no tokenizer unit
    assert _plan(tmp_path, "text_classifier", _bert(("ids",), VOCAB), BERT_FILES).text is None  # one input
    model = _annotated(tmp_path, "bert_classifier", _bert(vocab=VOCAB), BERT_FILES)
    assert build_plan(model).text == TextInput(Tokenizer.BERT, "vocab.txt", 24, 0, mask=1, segment_ids=2)
    assert build_plan(_reshaped(model, inputs={2: (1, 16)})).text is None  # lengths differ
    assert build_plan(_reshaped(model, inputs={0: (1, 1), 1: (1, 1), 2: (1, 1)})).text is None  # no [CLS] [SEP] room
    two = build_plan(_reshaped(model, inputs={0: (1, 2), 1: (1, 2), 2: (1, 2)})).text  # [CLS] [SEP] only
    assert two is not None and two.max_length == 2
    assert build_plan(_reshaped(model, inputs={0: (2, 24), 1: (2, 24), 2: (2, 24)})).text is None  # batch 2
    assert build_plan(_reshaped(model, inputs={0: (1,), 1: (1,), 2: (1,)})).text is None  # rank 1
    assert build_plan(_reshaped(model, inputs={0: (0, 24), 1: (0, 24), 2: (0, 24)})).text is None  # batch 0
    assert build_plan(_reshaped(model, inputs={0: (1, 24, 1), 1: (1, 24, 1), 2: (1, 24, 1)})).text is None  # rank 3
    main = model.main  # a fourth int32 input (as BERT exports with position ids have)
    four = dataclasses.replace(model, subgraphs=(dataclasses.replace(main, inputs=(*main.inputs, main.inputs[0])),))
    assert build_plan(four).text is None


def test_a_sentencepiece_tokenizer_is_not_supported(tmp_path: Path) -> None:
    sentencepiece = {"input_tensor_metadata": [{"name": n} for n in BERT_NAMES], "input_process_units": [
        _unit("SentencePieceTokenizerOptions", sentencePiece_model=[{"name": "sp.model"}], vocab_file=VOCAB)]}
    plan = _plan(tmp_path, "bert_classifier", sentencepiece, BERT_FILES)
    assert plan.text is None and [i.name for i in plan.inputs] == list(BERT_NAMES)


def _regex(*units: Json, names: int = 1) -> Json:
    return {"input_tensor_metadata": [{"name": "text", "process_units": list(units)}] + [{}] * (names - 1)}


REGEX = _unit("RegexTokenizerOptions", delim_regex_pattern="[ ]", vocab_file=VOCAB)
REGEX_FILES = {"vocab.txt": "<PAD> 0\n<START> 1\n<UNKNOWN> 2\n", "other.txt": "x 0\n"}


def test_regex_tokenizer_on_the_one_int32_input(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "text_classifier", _regex(REGEX), REGEX_FILES)
    assert plan.text == TextInput(Tokenizer.REGEX, "vocab.txt", 32, 0, pattern="[ ]")
    other = _unit("RegexTokenizerOptions", delim_regex_pattern=",", vocab_file=[{"name": "other.txt"}])
    assert _plan(tmp_path, "text_classifier", _regex(REGEX, other), REGEX_FILES).text == plan.text  # the first unit
    model = _annotated(tmp_path, "text_classifier", _regex(REGEX), REGEX_FILES)
    assert build_plan(_reshaped(model, inputs={0: (20,)})).text == TextInput(Tokenizer.REGEX, "vocab.txt", 20, 0,
                                                                               pattern="[ ]")
    assert build_plan(_reshaped(model, inputs={0: (2, 32)})).text is None  # batch 2
    assert build_plan(_reshaped(model, inputs={0: (1, 1, 32)})).text is None  # rank 3
    assert build_plan(_reshaped(model, inputs={0: (0, 32)})).text is None  # batch 0
    assert build_plan(_reshaped(model, inputs={0: ()})).text is None  # a scalar


def test_regex_tokenizer_needs_a_vocabulary_a_pattern_and_one_int32_input(tmp_path: Path) -> None:
    no_pattern = _unit("RegexTokenizerOptions", vocab_file=VOCAB)
    no_vocab = _unit("RegexTokenizerOptions", delim_regex_pattern="[ ]")
    assert _plan(tmp_path, "text_classifier", _regex(no_pattern), REGEX_FILES).text is None
    assert _plan(tmp_path, "text_classifier", _regex(no_vocab), REGEX_FILES).text is None
    assert _plan(tmp_path, "text_classifier", _regex(), REGEX_FILES).text is None  # metadata, no tokenizer
    assert _plan(tmp_path, "audio_classifier", _regex(REGEX), REGEX_FILES).text is None  # float32 input
    assert _plan(tmp_path, "bert_classifier", _regex(REGEX, names=3), REGEX_FILES).text is None  # three inputs


def test_file_lines_split_like_kotlin_read_lines() -> None:
    assert file_lines("") == [] and file_lines("a") == ["a"] and file_lines("a\n") == ["a"]
    assert file_lines("a\r\nb\rc\n\n") == ["a", "b", "c", ""]


# --------------------------------------------------------------------------------- detectors


def _detector(names: tuple[str, ...] = ("location", "category", "score", "number of detections"),
              box: Json | None = None, box_at: int = 0) -> Json:
    outputs: list[Json] = [{"name": n} for n in names]
    outputs[box_at]["content"] = {"content_properties_type": "BoundingBoxProperties",
                                  "content_properties": {"index": [1, 0, 3, 2], "type": "BOUNDARIES"}
                                  if box is None else box}
    return {"output_tensor_metadata": outputs}


def test_detector_outputs_are_found_by_name_else_in_postprocess_order(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "detector", _detector(("location", "score", "category", "number of detections")))
    (group,) = plan.detection_groups
    assert (group.locations, group.classes, group.scores, group.count) == (0, 2, 1, 3)
    assert [o.detection_group for o in plan.outputs] == [0, 0, 0, 0]
    assert all(o.role is OutputRole.DETECTION for o in plan.outputs)
    # three of the four names known: TFLite_Detection_PostProcess order, as the Task Library falls back
    (group,) = _plan(tmp_path, "detector", _detector(("location", "score", "category", "n"))).detection_groups
    assert (group.locations, group.classes, group.scores, group.count) == (0, 1, 2, 3)
    assert group.name == "detection_result"  # no output_tensor_groups: MediaPipe's default name


def test_detection_group_name_is_the_first_output_tensor_group(tmp_path: Path) -> None:
    groups = [{"name": "boxes", "tensor_names": ["location", "category", "score"]}, {"name": "other"}]
    (group,) = _plan(tmp_path, "detector", {**_detector(), "output_tensor_groups": groups}).detection_groups
    assert group.name == "boxes"
    unnamed = [{"tensor_names": ["location", "category", "score"]}]
    (group,) = _plan(tmp_path, "detector", {**_detector(), "output_tensor_groups": unnamed}).detection_groups
    assert group.name == "detection_result"


def test_a_name_given_twice_falls_back_to_the_postprocess_order(tmp_path: Path) -> None:
    (group,) = _plan(tmp_path, "detector", _detector(("location", "score", "score", "number of detections")),
                     ).detection_groups
    assert (group.locations, group.classes, group.scores, group.count) == (0, 1, 2, 3)
    (group,) = _plan(tmp_path, "detector", _detector(("Location", "SCORES", "Categories", "num_detections")),
                     ).detection_groups  # MediaPipe's names and their variants, in any case
    assert (group.locations, group.classes, group.scores, group.count) == (0, 2, 1, 3)


def test_detector_labels_calibration_and_threshold_come_from_the_class_and_score_outputs(tmp_path: Path) -> None:
    subgraph = _detector()
    category, score = subgraph["output_tensor_metadata"][1:3]
    category["associated_files"] = [{"name": "classes.txt", "type": "TENSOR_AXIS_LABELS"}]  # no value labels
    score["associated_files"] = [{"name": "cal.csv", "type": "TENSOR_AXIS_SCORE_CALIBRATION"}]
    score["process_units"] = [_unit("ScoreThresholdingOptions", global_score_threshold=0.5),
                              _unit("ScoreCalibrationOptions", default_score=0.25)]
    files = {"classes.txt": "cat\ndog\nbird\n", "cal.csv": "1.0,1.0,0.0\n\n2.0,1.0,0.0,0.5\n"}
    (group,) = _plan(tmp_path, "detector", subgraph, files).detection_groups
    assert group.labels is not None and group.labels.labels == ("cat", "dog", "bird")
    assert group.calibration is not None and group.calibration.default_score == 0.25
    assert group.calibration.sigmoids == (Sigmoid(1.0, 1.0, 0.0), None, Sigmoid(2.0, 1.0, 0.0, 0.5))
    assert group.score_threshold == 0.5
    category["associated_files"].append({"name": "values.txt", "type": "TENSOR_VALUE_LABELS"})
    files["values.txt"] = "a\nb\nc\n"
    (group,) = _plan(tmp_path, "detector", subgraph, files).detection_groups
    assert group.labels is not None and group.labels.file_name == "values.txt"  # value labels first
    assert all(o.labels is None and o.calibration is None for o in _plan(tmp_path, "detector", subgraph, files).outputs)


def test_bounding_box_properties_on_a_model_without_four_outputs_make_no_detector(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "dtypes", _detector(("location", "category", "score", "number of detections", "x")))
    assert plan.detection_groups == () and OutputRole.DETECTION not in {o.role for o in plan.outputs}
    plan = _plan(tmp_path, "multi_io", _detector(("location", "score")))
    assert plan.detection_groups == () and OutputRole.DETECTION not in {o.role for o in plan.outputs}


def test_box_index_type_and_coordinates(tmp_path: Path) -> None:
    def box(props: Json, force_defaults: bool = False) -> Any:
        return _plan(tmp_path, "detector", _detector(box=props), force_defaults=force_defaults).detection_groups[0].box

    absent = box({})
    assert (absent.index, absent.type, absent.coordinates) == ((0, 1, 2, 3), BoxType.BOUNDARIES, BoxCoordinates.RATIO)
    center = box({"index": [0, 1, 2, 3], "type": "CENTER", "coordinate_type": "PIXEL"})
    assert (center.type, center.coordinates) == (BoxType.CENTER, BoxCoordinates.PIXEL)
    assert box({"type": "UPPER_LEFT"}).type is BoxType.UPPER_LEFT
    # UNKNOWN is the schema default: only a writer that stores defaults writes it
    assert box({"index": [3, 2, 1, 0], "type": "UNKNOWN"}, force_defaults=True).type is BoxType.BOUNDARIES


@pytest.mark.parametrize("index", [[0, 1, 2, 2], [0, 1, 3, 3], [0, 1, 2], [0, 1, 2, 3, 4]])
def test_a_box_index_that_is_no_order_of_the_four_values_is_refused(tmp_path: Path, index: list[int]) -> None:
    with pytest.raises(BindgenError) as raised:
        _plan(tmp_path, "detector", _detector(box={"index": index}))
    assert raised.value.one_line() == (
        f"the detector's BoundingBoxProperties index {index} is not an order of 0, 1, 2, 3 "
        "(re-annotate the model with the box's index (bindgen annotate --spec: box_index))"
    )


# -------------------------------------------------------------------------- metadata counts


@pytest.mark.parametrize("count", [1, 2, 3])
def test_metadata_for_another_number_of_tensors_is_ignored(tmp_path: Path, count: int) -> None:
    named = [_image(f"named_{i}", mean=[0.0], std=[1.0]) for i in range(count)]
    plan = _plan(tmp_path, "multi_io", {"input_tensor_metadata": named, "output_tensor_metadata": named})
    if count == 2:  # multi_io has two inputs and two outputs
        assert [i.name for i in plan.inputs] == [o.name for o in plan.outputs] == ["named_0", "named_1"]
        assert [i.role for i in plan.inputs] == [InputRole.IMAGE, InputRole.TENSOR]
    else:
        assert [i.name for i in plan.inputs] == ["image", "features"]
        assert [i.role for i in plan.inputs] == [InputRole.TENSOR, InputRole.TENSOR]
        assert [o.name for o in plan.outputs] == ["Identity", "Identity_1"]


# ----------------------------------------------------------------------- segmentation, images


def _mask_output(labels: int, content: str | None) -> tuple[Json, dict[str, str]]:
    meta: Json = {"name": "mask", "associated_files": [{"name": "labels.txt", "type": "TENSOR_AXIS_LABELS"}]}
    if content is not None:
        meta["content"] = {"content_properties_type": content, "content_properties": {}}
    return {"output_tensor_metadata": [meta]}, {"labels.txt": "".join(f"c{i}\n" for i in range(labels))}


@pytest.mark.parametrize(("labels", "content", "role"), [
    (4, None, OutputRole.SEGMENTATION),  # one label per channel
    (4, "FeatureProperties", OutputRole.SEGMENTATION),
    (4, "ImageProperties", OutputRole.SEGMENTATION),  # the official segmenter writer's content: a mask
    (3, "ImageProperties", None),  # a mask whose label file does not fit its channels: refused
    (5, "ImageProperties", None),
    (3, None, OutputRole.TENSOR),  # labels that fit no channel count, and no image content
    (5, None, OutputRole.TENSOR),
    (5, "FeatureProperties", OutputRole.TENSOR),
])
def test_a_labelled_four_channel_output_is_a_mask_when_the_labels_or_content_say_so(
    tmp_path: Path, labels: int, content: str | None, role: OutputRole | None
) -> None:
    if role is None:
        expected = f"segmentation output .*'labels.txt' has {labels} lines, the model has 4 classes"
        model = _annotated(tmp_path, "segmenter", *_mask_output(labels, content))
        for description in (model, _replayed(model)):  # the content type compared by value, not identity
            with pytest.raises(BindgenError, match=expected):
                build_plan(description)
        return
    (out,) = _plan(tmp_path, "segmenter", *_mask_output(labels, content)).outputs
    assert out.role is role
    if role is OutputRole.SEGMENTATION:
        assert out.class_axis_size == 4 and out.labels is not None and len(out.labels.labels) == labels


def test_a_mask_with_more_classes_than_small_ints(tmp_path: Path) -> None:
    # channels and labels compared by value, not identity (CPython shares ints up to 256)
    model = _annotated(tmp_path, "segmenter", *_mask_output(300, None))
    (out,) = build_plan(_reshaped(model, outputs={0: (1, 8, 8, 300)})).outputs
    assert out.role is OutputRole.SEGMENTATION and out.class_axis_size == 300


def test_segmentation_needs_rank_4_and_batch_1(tmp_path: Path) -> None:
    model = _annotated(tmp_path, "segmenter", *_mask_output(4, None))
    assert build_plan(_reshaped(model, outputs={0: (2, 64, 64, 4)})).outputs[0].role is OutputRole.TENSOR
    assert build_plan(_reshaped(model, outputs={0: (1, 1, 64, 64, 4)})).outputs[0].role is OutputRole.TENSOR
    assert build_plan(_reshaped(model, outputs={0: (1, 64, 64, 4, 1)})).outputs[0].role is OutputRole.TENSOR
    assert build_plan(_reshaped(model, outputs={0: (0, 64, 64, 4)})).outputs[0].role is OutputRole.TENSOR  # empty
    one_label = _annotated(tmp_path, "segmenter", *_mask_output(1, None))
    confidence = build_plan(_reshaped(one_label, outputs={0: (1, 64, 64, 1)})).outputs[0]
    assert confidence.role is OutputRole.CONFIDENCE_MASK and confidence.labels is not None
    assert build_plan(_reshaped(one_label, outputs={0: (2, 64, 64, 1)})).outputs[0].role is OutputRole.TENSOR


def test_image_output_normalization_per_channel_or_refused(tmp_path: Path) -> None:
    image = {**_image("styled", mean=[1.0, 2.0, 3.0], std=[4.0])}
    (out,) = _plan(tmp_path, "image_to_image", {"output_tensor_metadata": [image]}).outputs
    assert out.role is OutputRole.IMAGE and out.normalization == Normalize((1.0, 2.0, 3.0), (4.0,))
    (out,) = _plan(tmp_path, "image_to_image", {"output_tensor_metadata": [_image("styled", mean=[0.5])]}).outputs
    assert out.normalization == Normalize((0.5,), (1.0,))
    with pytest.raises(BindgenError) as raised:
        _plan(tmp_path, "image_to_image", {"output_tensor_metadata": [_image("styled", mean=[1.0], std=[1.0, 2.0])]})
    assert raised.value.one_line().startswith(
        "output 'styled': NormalizationOptions have 1 mean and 2 std values, the tensor has 3 channels"
    )


@pytest.mark.parametrize("shape", [(1, 1, 5), (5,)])
def test_classes_are_the_last_axis_of_any_output_with_one_non_1_axis(tmp_path: Path, shape: tuple[int, ...]) -> None:
    model = _annotated(tmp_path, "float_classifier", {"output_tensor_metadata": [_classifier_output()]},
                       {"labels.txt": LABELS5})
    (out,) = build_plan(_reshaped(model, outputs={0: shape})).outputs
    assert out.role is OutputRole.CLASSIFICATION and out.class_axis_size == 5


@pytest.mark.parametrize("shape", [(), (0, 5)])
def test_a_scalar_or_empty_labelled_output_is_no_classifier(tmp_path: Path, shape: tuple[int, ...]) -> None:
    model = _annotated(tmp_path, "float_classifier", {"output_tensor_metadata": [_classifier_output()]},
                       {"labels.txt": LABELS5})
    (out,) = build_plan(_reshaped(model, outputs={0: shape})).outputs
    assert out.role is OutputRole.TENSOR and out.labels is None


def test_metadata_for_hundreds_of_tensors(tmp_path: Path) -> None:
    # tensor counts compared by value, not identity (CPython shares ints only up to 256)
    entries = [{"name": f"in_{i}"} for i in range(300)]
    model = _annotated(tmp_path, "multi_io", {"input_tensor_metadata": entries,
                                              "output_tensor_metadata": [{"name": f"out_{i}"} for i in range(300)]})
    main = model.main
    main = dataclasses.replace(main, inputs=main.inputs[1:] * 300, outputs=main.outputs[:1] * 300)
    plan = build_plan(dataclasses.replace(model, subgraphs=(main,)))
    assert [i.name for i in plan.inputs] == [f"in_{i}" for i in range(300)]
    assert [o.name for o in plan.outputs] == [f"out_{i}" for i in range(300)]


def test_a_classifier_with_more_classes_than_small_ints(tmp_path: Path) -> None:
    # 1001 classes as ImageNet's: counts compared by value, not identity (CPython shares ints up to 256)
    labels = "".join(f"class_{i}\n" for i in range(1001))
    model = _annotated(tmp_path, "float_classifier", {"output_tensor_metadata": [_classifier_output()]},
                       {"labels.txt": labels})
    (out,) = build_plan(_reshaped(model, outputs={0: (1, 1001)})).outputs
    assert out.role is OutputRole.CLASSIFICATION and out.class_axis_size == 1001
    assert out.labels is not None and len(out.labels.labels) == 1001


def test_the_first_subgraph_metadata_describes_the_main_subgraph(tmp_path: Path) -> None:
    # the Task Library and MediaPipe read subgraph_metadata[0] (kDefaultSubgraphIndex)
    metadata = {"subgraph_metadata": [{"input_tensor_metadata": [_image("first", std=[255.0])]},
                                      {"input_tensor_metadata": [_image("second", std=[1.0])]}]}
    out = tmp_path / "m.tflite"
    with ModelFile(model_path("float_classifier")) as source:
        annotate_file(source, out, codec.encode(metadata), [])
    (image,) = build_plan(read_model(out)).inputs
    assert image.name == "first" and image.steps[1] == Normalize((0.0,), (255.0,))


def test_model_level_metadata_strings(tmp_path: Path) -> None:
    metadata = {"name": "N", "description": "D", "version": "v3", "author": "A", "license": "L",
                "subgraph_metadata": [{}]}
    out = tmp_path / "m.tflite"
    with ModelFile(model_path("multi_io")) as source:
        annotate_file(source, out, codec.encode(metadata), [])
    plan = build_plan(read_model(out))
    assert (plan.model_name, plan.description, plan.version, plan.author, plan.license) == ("N", "D", "v3", "A", "L")
    assert plan.has_metadata and plan.text is None and plan.detection_groups == ()


def test_only_integer_outputs_are_dequantized(tmp_path: Path) -> None:
    from bindgen.decide.plan import Dequantize
    from bindgen.read.tflite.model import Quantization

    quantized = read_model(annotated_model("uint8_classifier"))
    q = quantized.main.outputs[0].quantization
    assert q is not None
    assert build_plan(quantized).outputs[0].dequantize == Dequantize(q.scale[0], q.zero_point[0])
    # a float output carrying quantization parameters (as converters leave on some) is not dequantized
    model = read_model(annotated_model("float_classifier"))
    main = model.main
    scaled = dataclasses.replace(main.outputs[0], quantization=Quantization((0.5,), (3,)))
    model = dataclasses.replace(model, subgraphs=(dataclasses.replace(main, outputs=(scaled,)),))
    assert build_plan(model).outputs[0].dequantize is None


def _replayed(model: Model) -> Model:
    """``model``'s description as replayed from JSON (``inspect --json``): metadata strings that are
    equal to, not the same objects as, the planner's own literals; the file no longer matches it
    (another size), so the planner takes the description's metadata."""
    return dataclasses.replace(model, metadata=json.loads(json.dumps(model.metadata)), file_size=model.file_size + 1)


def test_a_replayed_description_plans_like_its_file(tmp_path: Path) -> None:
    # (floats the displayer prints exactly: calibrated_classifier's default score 0.05 is not a float32)
    models = [read_model(annotated_model(name)) for name in (
        "float_classifier", "detector", "segmenter", "nl_classifier", "bert_classifier", "audio_classifier")]
    models += [read_model(image_to_image_model()),
               _annotated(tmp_path, "segmenter", *_mask_output(4, "ImageProperties"))]
    for model in models:
        replayed = _replayed(model)
        assert replayed.metadata == model.metadata and replayed.metadata is not model.metadata
        assert build_plan(replayed) == build_plan(model), model.path


def test_a_labelled_1x1x1xn_output_is_a_classifier_not_a_mask() -> None:
    """Old MobileNet exports give [1, 1, 1, 1001]; the Task Library's ImageClassifier reads that
    shape as classes, so a 1x1 "mask" would be the wrong API."""
    model = read_model(annotated_model("float_classifier"))
    classes = model.main.outputs[0].shape[-1]
    (out,) = build_plan(_reshaped(model, outputs={0: (1, 1, 1, classes)})).outputs
    assert out.role is OutputRole.CLASSIFICATION and out.class_axis_size == classes
    (wide,) = build_plan(_reshaped(model, outputs={0: (1, 1, 2, classes)})).outputs
    assert wide.role is OutputRole.SEGMENTATION


def test_a_labelled_mask_with_no_channels_is_refused_not_a_confidence_mask(tmp_path: Path) -> None:
    """A confidence mask has exactly one channel; an empty [1, H, W, 0] output with labels is a
    label-count mismatch (0 classes), not a mask."""
    one_label = _annotated(tmp_path, "segmenter", *_mask_output(1, None))
    with pytest.raises(BindgenError, match=r"'labels\.txt' has 1 lines, the model has 0 classes"):
        build_plan(_reshaped(one_label, outputs={0: (1, 8, 8, 0)}))
