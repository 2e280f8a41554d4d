"""The host twin (``bindgen/host/twin.py``) function by function, in about two seconds.

Every expected value is derived here, independently of the twin: the preprocessing from the plan's
own numbers with numpy (``(pixel - mean) / std``, ``x / scale + zero_point`` rounded half up), the
model's answer from LiteRT's interpreter driven directly by this file, the post-processing by hand
(dequantization, sorting, box arithmetic, the Task Library's calibration formula written out).
The models are the converter-built ones (``tests.toolchain.models``) annotated by the official
writers (``tests.toolchain.fixtures``), all cached. This is the per-mutant test set of
``bench/mutation.py --module twin``; the slow oracle parity lives in ``test_run.py`` and
``test_parity_sensitive.py``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

from bindgen.decide.plan import (
    AudioFormat,
    BindingPlan,
    BoundingBox,
    BoxCoordinates,
    BoxType,
    Calibration,
    ColorSpace,
    Dequantize,
    DetectionGroup,
    InputPlan,
    Labels,
    Normalize,
    OutputPlan,
    OutputRole,
    Resize,
    ScoreTransformation,
    Sigmoid,
    build_plan,
)
from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, BindgenError
from bindgen.host import twin
from bindgen.host.text import encode
from bindgen.read.tflite.model import DType, Quantization
from bindgen.read.tflite.reader import read_associated_file, read_model
from tests.toolchain.fixtures import all_models, annotated_model, image_to_image_model
from tests.toolchain.models import model_path

# ---- helpers -------------------------------------------------------------------------------------


def _plan(model: Path) -> BindingPlan:
    return build_plan(read_model(model))


def _invoke(model: Path, feeds: Sequence[Any]) -> list[Any]:
    """The model's outputs (subgraph order) on ``feeds`` (subgraph input order), by LiteRT directly."""
    interpreter = Interpreter(model_path=str(model), num_threads=1)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), feeds, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def _picture(path: Path, width: int, height: int, seed: int = 3) -> Path:
    """Gradients plus noise, ``width`` x ``height``: no two pixels, channels or scores alike."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=-1)
    pixels = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def _pixels(path: Path, mode: str = "RGB") -> Any:
    with Image.open(path) as image:
        return np.asarray(image.convert(mode), dtype=np.float32)


def _normalized(pixels: Any, mean: float = 127.5, std: float = 127.5) -> Any:
    return (pixels - np.float32(mean)) / np.float32(std)


def _half_up(values: Any, lo: int, hi: int, dtype: str) -> Any:
    return np.clip(np.floor(np.asarray(values, np.float64) + 0.5), lo, hi).astype(dtype)


def _wav(path: Path, samples: Any, rate: int = 16000, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(np.asarray(samples, dtype="<i2" if width == 2 else "u1").tobytes())
    return path


def _error(call: Any, *args: Any, **kwargs: Any) -> BindgenError:
    with pytest.raises(BindgenError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("twin")


# ---- classification, end to end -----------------------------------------------------------------


def test_float_classifier_scores_are_the_models_on_normalized_pixels_sorted(work: Path) -> None:
    model = annotated_model("float_classifier")
    picture = _picture(work / "cls96.png", 96, 96)
    (scores,) = _invoke(model, [_normalized(_pixels(picture)).reshape(1, 96, 96, 3)])
    expected = sorted(((float(s), i) for i, s in enumerate(scores.reshape(-1))), reverse=True)
    ours = twin.run_model(model, [str(picture)])["outputs"]["probability"]
    assert [(c["score"], c["index"]) for c in ours] == expected
    assert [c["label"] for c in ours] == [f"class_{i}" for _, i in expected]
    assert all(type(c["score"]) is float for c in ours)
    top2 = twin.run_model(model, [str(picture)], top_k=2)["outputs"]["probability"]
    assert [(c["score"], c["index"]) for c in top2] == expected[:2]


def test_int8_io_classifier_quantizes_rounds_half_up_and_dequantizes(work: Path) -> None:
    model = annotated_model("int8_io_classifier")
    plan = _plan(model)
    picture = _picture(work / "int8.png", 96, 96, seed=5)
    q = plan.inputs[0].tensor.quantization
    assert q is not None and q.zero_point[0] != 0  # a zero point that shows a sign mistake
    fed = _half_up(_normalized(_pixels(picture)) / np.float32(q.scale[0]) + np.float32(q.zero_point[0]),
                   -128, 127, "int8").reshape(1, 96, 96, 3)  # fmt: skip
    assert twin.preprocessed_inputs(model, [str(picture)]) == [fed.astype(np.float64).reshape(-1).tolist()]
    (raw,) = _invoke(model, [fed])
    out_q = plan.outputs[0].tensor.quantization
    assert out_q is not None and out_q.zero_point[0] != 0
    floats = np.float32(out_q.scale[0]) * (raw.astype(np.float32) - np.float32(out_q.zero_point[0]))
    ours = {c["index"]: c["score"] for c in twin.run_model(model, [str(picture)])["outputs"]["probability"]}
    assert ours == {i: float(v) for i, v in enumerate(floats.reshape(-1))}


def test_uint8_classifier_feeds_raw_pixels(work: Path) -> None:
    model = annotated_model("uint8_classifier")
    picture = _picture(work / "uint8.png", 96, 96, seed=9)
    fed = _pixels(picture).astype(np.uint8).reshape(1, 96, 96, 3)
    assert twin.preprocessed_inputs(model, [str(picture)]) == [fed.astype(np.float64).reshape(-1).tolist()]
    (raw,) = _invoke(model, [fed])
    ours = twin.dequantized(_plan(model).outputs[0], raw)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, raw.astype(np.float32) * np.float32(0.00390625))


@pytest.mark.parametrize("size", [(150, 40), (40, 150), (97, 96)])
def test_a_picture_of_another_size_is_resized_bilinear_to_the_models_size(work: Path, size: tuple[int, int]) -> None:
    model = annotated_model("float_classifier")
    picture = _picture(work / f"cls-{size[0]}x{size[1]}.png", *size)
    with Image.open(picture) as image:
        resized = np.asarray(image.convert("RGB").resize((96, 96), Image.BILINEAR), dtype=np.float32)
    (fed,) = twin.preprocessed_inputs(model, [str(picture)])
    assert fed == _normalized(resized).astype(np.float64).reshape(-1).tolist()


def _image_plan(model: Path, **changes: Any) -> InputPlan:
    """The model's image input with its steps (and tensor shape) replaced."""
    plan_in = _plan(model).inputs[0]
    shape = changes.pop("shape", None)
    tensor = dataclasses.replace(plan_in.tensor, shape=shape) if shape else plan_in.tensor
    return dataclasses.replace(plan_in, tensor=tensor, **changes)


def test_resize_keeps_width_and_height_apart_and_normalizes_per_channel(work: Path) -> None:
    """A 6 wide, 4 high model input from a 13 x 9 picture, a different mean and std per channel."""
    picture = _picture(work / "odd.png", 13, 9, seed=4)
    plan_in = _image_plan(annotated_model("float_classifier"), shape=(1, 4, 6, 3),
                          steps=(Resize(4, 6), Normalize((10.0, 20.0, 30.0), (2.0, 4.0, 8.0))))  # fmt: skip
    with Image.open(picture) as image:
        resized = np.asarray(image.convert("RGB").resize((6, 4), Image.BILINEAR), dtype=np.float32)
    expected = (resized - np.asarray([10, 20, 30], np.float32)) / np.asarray([2, 4, 8], np.float32)
    ours = twin._image_input(np, Image, plan_in, str(picture))
    assert ours.shape == (1, 4, 6, 3)
    np.testing.assert_array_equal(ours.reshape(4, 6, 3), expected)


def test_a_grayscale_input_gets_the_pictures_luminance(work: Path) -> None:
    picture = _picture(work / "gray.png", 5, 7, seed=8)
    plan_in = _image_plan(annotated_model("float_classifier"), shape=(1, 7, 5, 1), color_space=ColorSpace.GRAYSCALE,
                          channels=1, steps=(Resize(7, 5), Normalize((100.0,), (50.0,))))  # fmt: skip
    ours = twin._image_input(np, Image, plan_in, str(picture))
    np.testing.assert_array_equal(ours.reshape(7, 5), (_pixels(picture, "L") - 100) / np.float32(50))


@pytest.mark.parametrize("name", ["not-a-picture.png", "picture.txt"])
def test_an_unreadable_picture_is_a_one_line_error(work: Path, name: str) -> None:
    bad = work / name
    bad.write_bytes(b"no image here")  # a .txt for an image model is a picture too: only text models read text
    error = _error(twin.run_model, annotated_model("float_classifier"), [str(bad)])
    assert error.where == str(bad) and error.message.startswith("cannot read image: ")
    assert name in error.message and error.exit_code == EXIT_BAD_INPUT


# ---- casts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "lo", "hi"), [
    (DType.UINT8, 0, 255), (DType.INT8, -128, 127), (DType.INT16, -32768, 32767),
    (DType.INT32, -(2**31), 2**31 - 1),
])  # fmt: skip
def test_integer_casts_round_half_up_and_saturate(dtype: DType, lo: int, hi: int) -> None:
    values = np.asarray([2.5, -2.5, 1.49, -1.51, 0.5, lo - 0.4, lo - 0.6, hi + 0.4, hi + 0.6, 1e12, -1e12])
    ours = twin._cast(np, values, dtype)
    assert ours.dtype == np.dtype(dtype.numpy_name)
    expected = [3, -2, 1, -2, 1, lo, lo, hi, hi, hi, lo]
    assert ours.tolist() == [min(max(v, lo), hi) for v in expected]


def test_int64_float_and_bool_casts() -> None:
    big = np.asarray([2.5e15 + 0.5, -(2.0**40) - 0.5, 7.0])
    assert twin._cast(np, big, DType.INT64).tolist() == [2500000000000001, -(2**40), 7]
    values = np.asarray([0.0, 0.25, -3.0, 1.5], dtype=np.float32)
    assert twin._cast(np, values, DType.BOOL).tolist() == [False, True, True, True]
    half = twin._cast(np, values, DType.FLOAT16)
    assert half.dtype == np.float16 and half.tolist() == [0.0, 0.25, -3.0, 1.5]
    assert twin._cast(np, np.asarray([0.3]), DType.FLOAT32).dtype == np.float32


# ---- .npy tensors ------------------------------------------------------------------------------


def test_raw_tensor_inputs_and_outputs_of_every_dtype(work: Path) -> None:
    model = model_path("dtypes")
    plan = _plan(model)
    feeds, paths = [], []
    for k, plan_in in enumerate(plan.inputs):
        value = (np.asarray([[0, 1, -2, 3]]) * (k + 1)).astype(plan_in.tensor.dtype.numpy_name)
        feeds.append(value)
        paths.append(str(work / f"dtype{k}.npy"))
        np.save(paths[-1], value)
    expected = _invoke(model, feeds)
    ours = twin.run_model(model, paths)["outputs"]
    assert list(ours) == [o.name for o in plan.outputs]
    for o in plan.outputs:
        assert ours[o.name] == expected[o.index].astype(np.float32).tolist(), o.name
    fed = twin.preprocessed_inputs(model, paths)
    assert fed == [v.astype(np.float64).reshape(-1).tolist() for v in feeds]


def test_multi_input_model_feeds_each_npy_to_its_own_input(work: Path) -> None:
    model = model_path("multi_io")
    rng = np.random.default_rng(2)
    image = rng.normal(0, 1, (1, 64, 64, 3)).astype(np.float32)
    features = rng.normal(0, 1, (8,)).astype(np.float64)  # any shape with the right size, any float type
    np.save(work / "image.npy", image)
    np.save(work / "features.npy", features)
    expected = _invoke(model, [image, features.astype(np.float32).reshape(1, 8)])
    ours = twin.run_model(model, [str(work / "image.npy"), str(work / "features.npy")])["outputs"]
    assert ours == {"Identity": expected[0].tolist(), "Identity_1": expected[1].tolist()}
    error = _error(twin.run_model, model, [str(work / "features.npy"), str(work / "image.npy")])
    assert error.message == "input 'image' needs [1, 64, 64, 3] values, the file has shape [8]"
    assert error.where == str(work / "features.npy")
    error = _error(twin.run_model, model, [str(work / "image.npy"), str(work / "image.npy")])
    assert error.message == "input 'features' needs [1, 8] values, the file has shape [1, 64, 64, 3]"


def test_floats_for_a_quantized_tensor_input_are_quantized(work: Path) -> None:
    """A uint8 tensor input given as floats gets ``x / scale + zero_point`` (rounded half up);
    given as integers or booleans, they are taken as they are."""
    plan_in = dataclasses.replace(_plan(annotated_model("uint8_classifier")).inputs[0], steps=())
    q = plan_in.tensor.quantization
    assert q is not None
    floats = np.linspace(-1.2, 1.2, 96 * 96 * 3).reshape(1, 96, 96, 3)
    np.save(work / "floats.npy", floats)
    ours = twin._tensor_input(np, plan_in, str(work / "floats.npy"))
    assert ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, _half_up(floats / q.scale[0] + q.zero_point[0], 0, 255, "uint8"))
    ints = (np.arange(96 * 96 * 3) % 256).astype(np.int32)
    np.save(work / "ints.npy", ints)
    np.testing.assert_array_equal(twin._tensor_input(np, plan_in, str(work / "ints.npy")).reshape(-1), ints)
    flags = np.arange(96 * 96 * 3) % 3 == 0
    np.save(work / "flags.npy", flags)
    np.testing.assert_array_equal(twin._tensor_input(np, plan_in, str(work / "flags.npy")).reshape(-1), flags)


def test_floats_for_an_unquantized_integer_input_are_rounded_only(work: Path) -> None:
    plan_in = _plan(model_path("dtypes")).inputs[1]  # int32, no quantization
    assert plan_in.tensor.dtype is DType.INT32 and plan_in.tensor.quantization is None
    np.save(work / "f.npy", np.asarray([0.5, 1.4, -0.6, 7.0]))
    assert twin._tensor_input(np, plan_in, str(work / "f.npy")).tolist() == [[1, 1, -1, 7]]


def test_an_unreadable_npy_is_a_one_line_error(work: Path) -> None:
    bad = work / "bad.npy"
    bad.write_bytes(b"not numpy")
    error = _error(twin.run_model, model_path("float16_classifier"), [str(bad)])
    assert error.where == str(bad) and error.message.startswith("cannot read .npy: ")
    folder = work / "folder.npy"  # an OSError (run itself refuses a folder before it gets here)
    folder.mkdir(exist_ok=True)
    error = _error(twin._tensor_input, np, _plan(model_path("float16_classifier")).inputs[0], str(folder))
    assert error.where == str(folder) and error.message.startswith("cannot read .npy: [Errno 21]")


def test_a_quantization_without_zero_point_takes_zero(work: Path) -> None:
    plan_in = dataclasses.replace(_plan(model_path("dtypes")).inputs[1], steps=())
    q = Quantization(scale=(0.5,), zero_point=())
    plan_in = dataclasses.replace(plan_in, tensor=dataclasses.replace(plan_in.tensor, quantization=q))
    np.save(work / "q.npy", np.asarray([1.0, -1.0, 2.25, 0.0]))
    assert twin._tensor_input(np, plan_in, str(work / "q.npy")).tolist() == [[2, -2, 5, 0]]


# ---- audio ---------------------------------------------------------------------------------------


def test_audio_takes_the_first_samples_of_a_wav_over_32768(work: Path) -> None:
    model = annotated_model("audio_classifier")
    rng = np.random.default_rng(1)
    pcm = rng.integers(-32768, 32767, 16000, dtype=np.int16)  # longer than the 15600 the model takes
    path = _wav(work / "clip.wav", pcm)
    fed = (pcm[:15600].astype(np.float32) / np.float32(32768)).reshape(1, 15600)
    assert twin.preprocessed_inputs(model, [str(path)]) == [fed.astype(np.float64).reshape(-1).tolist()]
    (scores,) = _invoke(model, [fed])
    ours = twin.run_model(model, [str(path)])["outputs"]["probability"]
    assert {c["index"]: c["score"] for c in ours} == {i: float(s) for i, s in enumerate(scores.reshape(-1))}
    exact = _wav(work / "EXACT.WAV", pcm[:15600])  # exactly long enough; the suffix in any case
    assert twin.preprocessed_inputs(model, [str(exact)]) == [fed.astype(np.float64).reshape(-1).tolist()]
    np.save(work / "clip.npy", fed)  # an audio input also takes a .npy
    assert twin.preprocessed_inputs(model, [str(work / "clip.npy")]) == [fed.astype(np.float64).reshape(-1).tolist()]


def test_stereo_audio_reads_samples_over_channels_frames(work: Path) -> None:
    plan_in = _plan(annotated_model("audio_classifier")).inputs[0]
    stereo = dataclasses.replace(plan_in, audio=AudioFormat(16000, 2, 15600))
    pcm = np.arange(18000, dtype=np.int16) - 9000  # 9000 frames of 2 channels
    path = _wav(work / "stereo.wav", pcm, channels=2)
    ours = twin._audio_input(np, stereo, str(path))
    np.testing.assert_array_equal(ours.reshape(-1), pcm[:15600].astype(np.float32) / np.float32(32768))


def test_audio_refuses_a_wrong_clip_in_one_line(work: Path) -> None:
    model = annotated_model("audio_classifier")
    short = _wav(work / "short.wav", np.zeros(15599, np.int16))
    error = _error(twin.run_model, model, [str(short)])
    assert (error.where, error.message) == (str(short), "input 'audio_clip' needs 15600 samples, the file has 15599")
    rate = _wav(work / "rate.wav", np.zeros(16000, np.int16), rate=8000)
    error = _error(twin.run_model, model, [str(rate)])
    assert error.message == "input 'audio_clip' needs 16000 Hz, 1 channel(s); the file has 8000 Hz, 1"
    stereo = _wav(work / "stereo2.wav", np.zeros(32000, np.int16), channels=2)
    assert _error(twin.run_model, model, [str(stereo)]).message.endswith("the file has 16000 Hz, 2")
    fast = _wav(work / "fast.wav", np.zeros(16000, np.int16), rate=44100)
    assert _error(twin.run_model, model, [str(fast)]).message.endswith("the file has 44100 Hz, 1")
    eight = _wav(work / "eight.wav", np.zeros(16000, np.uint8), width=1)
    error = _error(twin.run_model, model, [str(eight)])
    assert (error.where, error.message) == (str(eight), "needs 16-bit PCM, the file has 8-bit samples")
    wide = _wav(work / "wide.wav", np.zeros(32000, np.int16), width=4)  # 16000 32-bit samples
    assert _error(twin.run_model, model, [str(wide)]).message == "needs 16-bit PCM, the file has 32-bit samples"
    for name, data in [("broken.wav", b"RIFF0000WAVEjunk"), ("plain.wav", b"not a wav"), ("empty.wav", b"")]:
        broken = work / name  # wave.Error twice, EOFError
        broken.write_bytes(data)
        error = _error(twin.run_model, model, [str(broken)])
        assert error.where == str(broken) and error.message.startswith("cannot read WAV: "), name
    folder = work / "folder.wav"  # an OSError (run itself refuses a folder before it gets here)
    folder.mkdir(exist_ok=True)
    error = _error(twin._audio_input, np, _plan(model).inputs[0], str(folder))
    assert error.where == str(folder) and error.message.startswith("cannot read WAV: [Errno 21]")


# ---- text ----------------------------------------------------------------------------------------


def test_bert_text_fills_ids_mask_and_segment_ids_by_position(work: Path) -> None:
    model = annotated_model("bert_classifier")
    plan = _plan(model)
    assert plan.text is not None and plan.text.mask is not None and plan.text.segment_ids is not None
    text = "The movie was wonderful, truly great!"
    vocabulary = read_associated_file(model, plan.text.vocab_file).decode()
    tokens = encode(text, plan.text, vocabulary)
    by_position = {plan.text.ids: tokens.ids, plan.text.mask: tokens.mask, plan.text.segment_ids: tokens.segment_ids}
    assert len(set(map(tuple, by_position.values()))) == 3  # three different tensors
    feeds = [np.asarray(by_position[i], np.int32).reshape(1, -1) for i in range(3)]
    assert twin.preprocessed_inputs(model, [], text=text) == [f.astype(np.float64).reshape(-1).tolist() for f in feeds]
    (scores,) = _invoke(model, feeds)
    ours = twin.run_model(model, [], text=text)["outputs"]["probability"]
    assert {c["index"]: c["score"] for c in ours} == {i: float(s) for i, s in enumerate(scores.reshape(-1))}


def test_regex_text_from_a_txt_file(work: Path) -> None:
    model = annotated_model("nl_classifier")
    plan = _plan(model)
    assert plan.text is not None and plan.text.mask is None
    text = "what a dull and boring film"
    (work / "review.TXT").write_text(text, encoding="utf-8")
    ids = encode(text, plan.text, read_associated_file(model, plan.text.vocab_file).decode()).ids
    feed = np.asarray(ids, np.int32).reshape(1, -1)
    assert twin.preprocessed_inputs(model, [str(work / "review.TXT")]) == [feed.astype(np.float64).reshape(-1).tolist()]
    (scores,) = _invoke(model, [feed])
    ours = twin.run_model(model, [str(work / "review.TXT")])["outputs"]["probability"]
    assert {c["index"]: c["score"] for c in ours} == {i: float(s) for i, s in enumerate(scores.reshape(-1))}


def test_what_was_given_is_checked_against_the_plan_in_one_line(work: Path) -> None:
    image_model = annotated_model("float_classifier")
    text_model = annotated_model("nl_classifier")
    picture = _picture(work / "any.png", 8, 8)
    error = _error(twin.run_model, image_model, [], text="hello")
    assert error.message == "--text needs a model whose metadata has a BERT or regex tokenizer"
    error = _error(twin.run_model, text_model, [str(picture)], text="hello")
    assert error.message == "give either --text or input files, not both"
    (work / "words.txt").write_text("good", encoding="utf-8")
    error = _error(twin.run_model, text_model, [str(work / "words.txt")], text="hello")
    assert error.message == "give either --text or input files, not both"
    error = _error(twin.run_model, text_model, [str(work / "words.txt")] * 2)
    assert error.message.startswith("the model has 1 input(s) ('input_text'); 2 given; a text model also takes")
    error = _error(twin.run_model, image_model, [str(picture), str(picture)])
    assert error.message == "the model has 1 input(s) ('image'); 2 given"
    error = _error(twin.preprocessed_inputs, text_model, [])
    assert error.message == "the model has 1 input(s) ('input_text'); 0 given; a text model also takes --text \"…\" or one .txt file"  # noqa: E501
    error = _error(twin.run_model, image_model, [str(work / "missing.png")])
    assert (error.where, error.message) == (str(work / "missing.png"), "no such file")
    error = _error(twin.run_model, text_model, [str(work / "missing.txt")])
    assert (error.where, error.message) == (str(work / "missing.txt"), "no such file")
    (work / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    error = _error(twin.run_model, text_model, [str(work / "latin1.txt")])
    assert error.where == str(work / "latin1.txt") and error.message.startswith("cannot read text: ")
    assert error.exit_code == EXIT_BAD_INPUT
    unreadable = work / "mem.txt"  # a file whose read fails: an OSError (EIO)
    unreadable.unlink(missing_ok=True)
    unreadable.symlink_to("/proc/self/mem")
    error = _error(twin.run_model, text_model, [str(unreadable)])
    assert (error.where, error.message) == (str(unreadable), "cannot read text: [Errno 5] Input/output error")


def test_a_model_litert_cannot_run_is_one_line_with_exit_1(work: Path) -> None:
    model = all_models()["mp_face_landmark_face_landmark_with_attention"]
    picture = _picture(work / "face.png", 192, 192)
    error = _error(twin.run_model, model, [str(picture)])
    assert error.where == str(model) and error.exit_code == EXIT_FAILED
    assert error.message.startswith("the interpreter cannot run this model: ")
    assert "Landmarks2TransformMatrix" in error.message and "\n" not in error.message and "  " not in error.message


def test_a_kernel_that_fails_while_running_is_one_line_with_exit_1(work: Path) -> None:
    model = model_path("text_classifier")  # token ids past the embedding: GATHER fails in invoke()
    np.save(work / "ids.npy", np.full((1, 32), 10**6, np.int32))
    error = _error(twin.run_model, model, [str(work / "ids.npy")])
    assert (error.where, error.exit_code) == (str(model), EXIT_FAILED)
    assert error.message == "the interpreter cannot run this model: gather index out of boundsNode number 3 (GATHER) failed to invoke."  # noqa: E501


def test_a_model_file_litert_refuses_is_one_line(work: Path) -> None:
    model = annotated_model("float_classifier")
    plan = _plan(model)
    truncated = work / "truncated.tflite"
    truncated.write_bytes(model.read_bytes()[:2000])
    picture = _picture(work / "t.png", 96, 96)
    error = _error(twin.run_raw, plan, str(truncated), [str(picture)])
    assert error.where == str(truncated) and error.exit_code == EXIT_FAILED
    assert error.message.startswith("the interpreter cannot run this model: ")


def test_missing_run_extra_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    error = _error(twin.dequantized, _plan(annotated_model("float_classifier")).outputs[0], np.zeros(5))
    assert (error.message, error.hint, error.exit_code) == (
        "bindgen run needs ai_edge_litert.interpreter", "pip install 'bindgen[run]'", EXIT_FAILED)


# ---- calibration ---------------------------------------------------------------------------------

_T = float(np.float32(1e-16))  # the Task Library's kLogScoreMinimum, a float


def _log(x: float) -> float:
    """The Task Library's ClampedLog, written out."""
    return math.log(x) if x >= _T else 2 * math.log(_T) - math.log(2 * _T - x)


def _sigmoid(scale: float, x: float) -> float:
    return scale / (1 + math.exp(-x)) if x >= 0 else scale * math.exp(x) / (1 + math.exp(x))


def test_clamped_log_is_the_log_above_the_float_threshold_and_its_mirror_below() -> None:
    assert _T != 1e-16
    for x in (0.5, 1.0, 3.0, 1e-10, _T, 2e-16):
        assert twin.clamped_log(x) == math.log(x), x
    for x in (0.0, -1.0, -1e-17, 5e-17, 1e-20):
        assert twin.clamped_log(x) == 2 * math.log(_T) - math.log(2 * _T - x), x
    assert twin.clamped_log(0.25, threshold=0.5) == 2 * math.log(0.5) - math.log(0.75)
    assert twin.clamped_log(0.0) < twin.clamped_log(1e-20) < twin.clamped_log(2e-16)


@pytest.mark.parametrize("transformation", list(ScoreTransformation))
def test_calibrate_is_the_task_librarys_formula(transformation: ScoreTransformation) -> None:
    sigmoids = (Sigmoid(0.9, 2.0, -0.5), Sigmoid(0.8, -1.5, 0.25, 0.2), None, Sigmoid(1.0, 3.0, 0.0))
    calibration = Calibration("c.csv", transformation, 0.05, sigmoids)
    transform = {
        ScoreTransformation.IDENTITY: lambda s: s,
        ScoreTransformation.LOG: _log,
        ScoreTransformation.INVERSE_LOGISTIC: lambda s: _log(s) - _log(1 - s),
    }[transformation]
    for score in (0.0, 0.1, 0.2, 0.3, 0.7, 1.0, 1.3, -0.4):
        for index in (0, 1, 3):
            sigmoid = sigmoids[index]
            assert sigmoid is not None
            min_score = sigmoid.min_uncalibrated_score
            if min_score is not None and score < min_score:
                expected = 0.05
            else:
                expected = _sigmoid(sigmoid.scale, transform(score) * sigmoid.slope + sigmoid.offset)
            ours = twin.calibrate(calibration, index, score)
            assert ours == pytest.approx(expected, rel=1e-12, abs=0), (index, score)
    for index in (2, 4, 7, -1):  # no sigmoid for the class, or no such class: the default score
        assert twin.calibrate(calibration, index, 0.5) == 0.05


def test_calibrate_edges_exact_threshold_overflow_and_negative_scale() -> None:
    sigmoids = (Sigmoid(0.6, 1.0, 0.0, 0.5), Sigmoid(0.7, 1.0, 1000.0), Sigmoid(0.7, 1.0, -1000.0),
                Sigmoid(-2.0, 1.0, 0.0))  # fmt: skip
    calibration = Calibration("c.csv", ScoreTransformation.IDENTITY, 0.01, sigmoids)
    assert twin.calibrate(calibration, 0, 0.5) == 0.6 / (1 + math.exp(-0.5))  # min score itself: calibrated
    assert twin.calibrate(calibration, 0, 0.4999) == 0.01
    assert twin.calibrate(calibration, 0, -0.5) == 0.01
    assert twin.calibrate(calibration, 1, 0.0) == 0.7  # exp(-1000) underflows, no overflow
    assert twin.calibrate(calibration, 2, 0.0) == 0.0
    assert twin.calibrate(calibration, 3, 0.5) == 0.0  # a negative scale is clamped to 0
    assert twin.calibrate(calibration, 0, 0.0) == 0.01


def test_calibrated_classifier_applies_the_models_calibration(work: Path) -> None:
    model = annotated_model("calibrated_classifier")
    plan = _plan(model)
    calibration = plan.outputs[0].calibration
    assert calibration is not None and calibration.transformation is ScoreTransformation.LOG
    picture = _picture(work / "cal.png", 96, 96, seed=12)
    (scores,) = _invoke(model, [_normalized(_pixels(picture)).reshape(1, 96, 96, 3)])
    ours = {c["index"]: c["score"] for c in twin.run_model(model, [str(picture)])["outputs"]["probability"]}
    expected = {}
    for i, s in enumerate(scores.reshape(-1).tolist()):
        sigmoid = calibration.sigmoids[i]
        if sigmoid is None or (sigmoid.min_uncalibrated_score is not None and s < sigmoid.min_uncalibrated_score):
            expected[i] = calibration.default_score
        else:
            expected[i] = _sigmoid(sigmoid.scale, _log(s) * sigmoid.slope + sigmoid.offset)
    assert ours == pytest.approx(expected, rel=1e-12, abs=0)
    assert calibration.default_score in ours.values()


# ---- classification post-processing --------------------------------------------------------------


def _classes(labels: Sequence[str] | None = None, threshold: float | None = None,
             calibration: Calibration | None = None) -> OutputPlan:  # fmt: skip
    plan = _plan(annotated_model("float_classifier")).outputs[0]
    return dataclasses.replace(plan, labels=Labels("l.txt", tuple(labels)) if labels is not None else None,
                               score_threshold=threshold, calibration=calibration)  # fmt: skip


def test_classification_threshold_keeps_scores_equal_to_it_as_a_float() -> None:
    values = np.asarray([[0.1, 0.3, 0.7, 0.2, 0.3]], np.float32)
    out = twin._classification(np, _classes(["a", "b", "c"], threshold=0.3), values, None)
    # 0.3 as float32 equals the score: kept; labels past the file's end are blank.
    assert [(c["index"], c["label"]) for c in out] == [(2, "c"), (1, "b"), (4, "")]
    assert [c["score"] for c in out] == [float(np.float32(0.7)), float(np.float32(0.3)), float(np.float32(0.3))]
    assert twin._classification(np, _classes(threshold=0.71), values, None) == []
    everything = twin._classification(np, _classes(), values, 0)
    assert [c["index"] for c in everything] == [2, 1, 4, 3, 0] and {c["label"] for c in everything} == {""}
    assert [c["index"] for c in twin._classification(np, _classes(), values, 1)] == [2]


# ---- detections --------------------------------------------------------------------------------


def _group(box_type: BoxType = BoxType.BOUNDARIES, index: tuple[int, int, int, int] = (0, 1, 2, 3),
           threshold: float | None = None, calibration: Calibration | None = None,
           labels: tuple[str, ...] = ("cat", "dog")) -> DetectionGroup:  # fmt: skip
    return DetectionGroup("found", 0, 1, 2, 3, BoundingBox(index, box_type, BoxCoordinates.RATIO),
                          Labels("l.txt", labels), calibration, threshold)  # fmt: skip


def _floats(locations: Sequence[Sequence[float]], classes: Sequence[float], scores: Sequence[float],
            count: Sequence[float]) -> dict[int, Any]:  # fmt: skip
    return {0: np.asarray([locations], np.float32), 1: np.asarray([classes], np.float32),
            2: np.asarray([scores], np.float32), 3: np.asarray(count, np.float32)}  # fmt: skip


_LOCATIONS = [[0.1, 0.2, 0.5, 0.9], [0.25, 0.125, 0.75, 0.5], [0.3, 0.4, 0.6, 0.8]]


def _boxes(found: list[dict[str, Any]]) -> list[list[float]]:
    return [[d["box"][k] for k in ("left", "top", "right", "bottom")] for d in found]


def test_detection_boxes_of_each_type_in_the_callers_pixels() -> None:
    f = [[float(np.float32(v)) for v in row] for row in _LOCATIONS]
    floats = _floats(_LOCATIONS, [1, 0, 2], [0.9, 0.8, 0.7], [3])
    found = twin._detections(np, _group(), floats, None, (200.0, 100.0))
    assert [(d["label"], d["index"], d["score"]) for d in found] == [
        ("dog", 1, float(np.float32(0.9))), ("cat", 0, float(np.float32(0.8))), ("", 2, float(np.float32(0.7)))]
    assert _boxes(found) == [[r[0] * 200, r[1] * 100, r[2] * 200, r[3] * 100] for r in f]
    found = twin._detections(np, _group(index=(1, 0, 3, 2)), floats, None)  # top, left, bottom, right
    assert _boxes(found) == [[r[1], r[0], r[3], r[2]] for r in f]
    found = twin._detections(np, _group(BoxType.UPPER_LEFT), floats, None, (2.0, 3.0))  # left, top, width, height
    assert _boxes(found) == [[r[0] * 2, r[1] * 3, (r[0] + r[2]) * 2, (r[1] + r[3]) * 3] for r in f]
    found = twin._detections(np, _group(BoxType.CENTER), floats, None, (2.0, 3.0))  # center x, y, width, height
    assert _boxes(found) == [[(r[0] - r[2] / 2) * 2, (r[1] - r[3] / 2) * 3, (r[0] + r[2] / 2) * 2,
                              (r[1] + r[3] / 2) * 3] for r in f]  # fmt: skip


def test_detection_count_threshold_calibration_labels_and_top_k() -> None:
    floats = _floats(_LOCATIONS, [1, -1, 0], [0.9, 0.5, 0.25], [2])
    assert [d["index"] for d in twin._detections(np, _group(), floats, None)] == [1, -1]  # count = 2
    assert twin._detections(np, _group(), floats, None)[1]["label"] == ""  # index -1: no label
    assert [d["index"] for d in twin._detections(np, _group(), floats, 1)] == [1]
    many = _floats(_LOCATIONS, [1, 1, 0], [0.9, 0.5, 0.25], [7])  # count past the tensors: 3
    assert [d["score"] for d in twin._detections(np, _group(), many, 0)] == [float(np.float32(0.9)), 0.5, 0.25]
    short = {**many, 0: np.asarray([_LOCATIONS[:2]], np.float32)}  # only two boxes
    assert len(twin._detections(np, _group(), short, None)) == 2
    fewer = {**many, 2: np.asarray([[0.9]], np.float32)}
    assert len(twin._detections(np, _group(), fewer, None)) == 1
    assert twin._detections(np, _group(), {**many, 3: np.zeros((0,), np.float32)}, None) == []
    past = _floats(_LOCATIONS, [5, 2, 1], [0.9, 0.8, 0.7], [3])  # classes past the labels: no label
    assert [d["label"] for d in twin._detections(np, _group(), past, None)] == ["", "", "dog"]
    batch = {**many, 3: np.asarray([2, 3], np.float32)}  # a batch's counts: the first picture's
    assert len(twin._detections(np, _group(), batch, None)) == 2
    four = _floats(_LOCATIONS, [0, 1, 0, 1], [0.9, 0.8, 0.7, 0.6], [7])  # four scores, three boxes: three
    assert len(twin._detections(np, _group(), four, None)) == 3
    unsorted = _floats(_LOCATIONS, [0, 1, 0], [0.9, 0.25, 0.7], [3])  # a drop does not end the list
    assert [d["index"] for d in twin._detections(np, _group(threshold=0.5), unsorted, None)] == [0, 0]
    # object_detector.cc keeps a detection only when its score is above the threshold, as a float
    kept = twin._detections(np, _group(threshold=0.5), many, None)
    assert [d["score"] for d in kept] == [float(np.float32(0.9))]
    sigmoid = Sigmoid(1.0, 1.0, 0.0)
    calibration = Calibration("c.csv", ScoreTransformation.IDENTITY, 0.125, (None, sigmoid))
    calibrated = twin._detections(np, _group(calibration=calibration), many, None)
    assert [d["score"] for d in calibrated] == [
        pytest.approx(_sigmoid(1.0, float(np.float32(0.9)))), pytest.approx(_sigmoid(1.0, 0.5)), 0.125]


def test_detector_model_boxes_scale_to_a_non_square_picture(work: Path) -> None:
    model = annotated_model("detector")
    plan = _plan(model)
    picture = _picture(work / "det.png", 200, 100, seed=6)
    with Image.open(picture) as image:
        resized = np.asarray(image.convert("RGB").resize((128, 128), Image.BILINEAR), dtype=np.float32)
    locations, classes, scores, count = _invoke(model, [_normalized(resized).reshape(1, 128, 128, 3)])
    n = int(count.reshape(-1)[0])
    assert n > 2
    found = twin.run_model(model, [str(picture)])["outputs"]["detection_result"]
    labels = ("class_0", "class_1", "class_2")
    expected = []
    for i in range(n):
        top, left, bottom, right = (float(v) for v in locations.reshape(-1, 4)[i])  # box index (1, 0, 3, 2)
        k = int(classes.reshape(-1)[i])
        expected.append({"label": labels[k], "index": k, "score": float(scores.reshape(-1)[i]),
                         "box": {"left": left * 200, "top": top * 100, "right": right * 200, "bottom": bottom * 100}})
    assert found == expected
    assert len(twin.run_model(model, [str(picture)], top_k=2)["outputs"]["detection_result"]) == 2
    pixel = dataclasses.replace(plan.detection_groups[0], box=dataclasses.replace(
        plan.detection_groups[0].box, coordinates=BoxCoordinates.PIXEL))  # fmt: skip
    assert twin._box_scale(plan, pixel, [str(picture)]) == (200 / 128, 100 / 128)
    assert twin._box_scale(plan, plan.detection_groups[0], [str(picture)]) == (200.0, 100.0)
    no_image = dataclasses.replace(plan, inputs=(dataclasses.replace(plan.inputs[0], width=None),))
    assert twin._box_scale(no_image, pixel, [str(picture)]) == (1.0, 1.0)


# ---- segmentation, masks, image outputs ----------------------------------------------------------


def test_segmentation_is_the_argmax_over_classes_per_pixel(work: Path) -> None:
    model = annotated_model("segmenter")
    picture = _picture(work / "seg.png", 64, 64, seed=2)
    (logits,) = _invoke(model, [_normalized(_pixels(picture)).reshape(1, 64, 64, 3)])
    ours = twin.run_model(model, [str(picture)])["outputs"]["segmentation_masks"]
    mask = logits.reshape(64, 64, 4).argmax(axis=2)
    assert len(set(mask.reshape(-1).tolist())) > 1
    assert ours == {"height": 64, "width": 64, "category_mask": mask.tolist(),
                    "labels": ["class_0", "class_1", "class_2", "class_3"]}  # fmt: skip


def test_image_output_undoes_normalization_and_clamps_each_value() -> None:
    out = _plan(image_to_image_model()).outputs[0]
    assert out.normalization == Normalize((0.0,), (255.0,)) and out.tensor.shape == (1, 64, 64, 3)
    floats = np.linspace(-0.5, 1.5, 64 * 64 * 3, dtype=np.float32).reshape(1, 64, 64, 3)
    ours = twin.image_values(out, floats)
    assert ours.shape == (64, 64, 3) and ours.dtype == np.float32
    np.testing.assert_array_equal(ours, np.clip(floats.reshape(64, 64, 3) * np.float32(255), 0, 255))
    shifted = dataclasses.replace(out, normalization=Normalize((10.0, 20.0, 30.0), (2.0, 3.0, 4.0)))
    expected = floats.reshape(64, 64, 3) * np.asarray([2, 3, 4], np.float32) + np.asarray([10, 20, 30], np.float32)
    np.testing.assert_array_equal(twin.image_values(shifted, floats), np.clip(expected, 0, 255))
    raw = dataclasses.replace(out, normalization=None)
    expected = np.clip(floats.reshape(64, 64, 3) * 300, 0, 255)
    np.testing.assert_array_equal(twin.image_values(raw, floats * 300), expected)
    wide = dataclasses.replace(out, tensor=dataclasses.replace(out.tensor, shape=(1, 2, 5, 1)), normalization=None)
    assert twin.image_values(wide, np.arange(10, dtype=np.float32)).shape == (2, 5, 1)


def test_image_model_output_through_run(work: Path) -> None:
    model = image_to_image_model()
    picture = _picture(work / "style.png", 64, 64, seed=10)
    (raw,) = _invoke(model, [(_pixels(picture) / np.float32(255)).reshape(1, 64, 64, 3)])
    ours = twin.run_model(model, [str(picture)])["outputs"]["styled_image"]
    assert ours == np.clip(raw.reshape(64, 64, 3) * np.float32(255), 0, 255).tolist()


def test_landscape_masks_keep_height_and_width_apart(work: Path) -> None:
    model = all_models()["mp_selfie_segmentation_selfie_segmentation_landscape"]
    plan = _plan(model)
    assert plan.outputs[0].role is OutputRole.CONFIDENCE_MASK and plan.outputs[0].tensor.shape == (1, 144, 256, 1)
    picture = _picture(work / "landscape.png", 256, 144, seed=13)
    (raw,) = _invoke(model, [(_pixels(picture) / np.float32(255)).reshape(1, 144, 256, 3)])
    ours = twin.run_plan(plan, str(model), [str(picture)], None)["outputs"]["segmentation_masks"]
    assert ours == raw.reshape(144, 256).tolist()
    segmentation = dataclasses.replace(plan.outputs[0], role=OutputRole.SEGMENTATION)
    as_classes = dataclasses.replace(plan, outputs=(segmentation,))
    mask = twin.run_plan(as_classes, str(model), [str(picture)], None)["outputs"]["segmentation_masks"]
    assert (mask["height"], mask["width"], mask["labels"]) == (144, 256, ["selfie"])
    assert mask["category_mask"] == np.zeros((144, 256), int).tolist()


def test_dequantize_subtracts_the_zero_point_then_scales() -> None:
    out = dataclasses.replace(_plan(annotated_model("float_classifier")).outputs[0], dequantize=Dequantize(0.5, -3))
    raw = np.asarray([[0, 1, -128, 127, 5]], np.int8)
    assert twin.dequantized(out, raw).tolist() == [[1.5, 2.0, -62.5, 65.0, 4.0]]
