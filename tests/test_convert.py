"""``bindgen convert``: real Keras models, the real TFLite converter, every quantization mode.

TensorFlow never enters pytest's process: one subprocess (this file run as a script) builds the
Keras models, runs every conversion through ``bindgen.host.convert`` and the ``convert`` command, and
records the reports as JSON. The tests then check the written ``.tflite`` files with bindgen's
reader and run them with LiteRT.
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
from typer.testing import CliRunner

import bindgen.cli.pipeline_cmds  # noqa: F401  (registers convert on app)
from bindgen.cli.app import app
from bindgen.errors import BindgenError
from bindgen.host.convert import (
    ConvertOptions,
    Normalization,
    Quantize,
    SourceKind,
    convert,
    detect_source,
    load_image,
)
from bindgen.read.tflite.model import DType
from bindgen.read.tflite.reader import read_model

pytestmark = pytest.mark.slow

CLASSES = ("circle", "square", "triangle")
MODES = tuple(q.value for q in Quantize)


def _draw(shape: str, seed: int, size: int = 48) -> Image.Image:
    """A real picture of a shape (random colour, position, size) on a noisy background."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
    image = Image.fromarray(background)
    draw = ImageDraw.Draw(image)
    r = int(rng.integers(size // 6, size // 3))
    cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
    colour = tuple(int(v) for v in rng.integers(120, 256, 3))
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=colour)
    else:
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    return image


def _write_images(root: Path, per_class: int, seed: int) -> None:
    for k, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            _draw(name, seed + 1000 * k + i).save(root / name / f"{i}.png")


# --- the TensorFlow side: run as `python tests/test_convert.py OUT` ----------------------------


def _build_and_convert(out: Path) -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from bindgen.host.convert import ConvertReport

    keras.utils.set_random_seed(7)
    # A small CNN classifier for 32x32 RGB shapes, trained briefly so --eval means something.
    images, labels = [], []
    for k, name in enumerate(CLASSES):
        for i in range(60):
            images.append(np.asarray(_draw(name, 50_000 + 100 * k + i).resize((32, 32)), np.float32))
            labels.append(k)
    x = (np.stack(images) - 127.5) / 127.5
    y = np.asarray(labels)
    inputs = keras.Input((32, 32, 3), name="image")
    h = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Conv2D(16, 3, activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax", name="probability")(h)
    cnn = keras.Model(inputs, outputs)
    cnn.compile("adam", "sparse_categorical_crossentropy")
    cnn.fit(x, y, epochs=8, batch_size=30, verbose=0)
    cnn.save(out / "cnn.keras")
    cnn.export(str(out / "cnn_saved_model"), verbose=False)
    # Weight-heavy: 2 MB of Dense weights, where dynamic-range quantization pays 4x.
    dense_in = keras.Input((256,))
    d = keras.layers.Dense(1024, activation="relu")(dense_in)
    d = keras.layers.Dense(256, activation="relu")(d)
    dense = keras.Model(dense_in, keras.layers.Dense(10)(d))
    dense.save(out / "dense.keras")
    (out / "corrupt.keras").write_bytes(b"this is not a keras zip")

    import tensorflow as tf

    class Determinant(tf.Module):  # MatrixDeterminant has no TFLite builtin: needs Select TF ops
        @tf.function(input_signature=[tf.TensorSpec([1, 3, 3], tf.float32)])
        def serve(self, x: Any) -> Any:
            return {"det": tf.linalg.det(x)}

    det = Determinant()
    tf.saved_model.save(det, str(out / "det_saved_model"), signatures={"serving_default": det.serve})

    norm = Normalization((127.5,), (127.5,))
    reports: dict[str, Any] = {}

    def record(key: str, report: ConvertReport) -> None:
        reports[key] = {
            "lines": report.lines(),
            "quantize": report.quantize.value,
            "source_kind": report.source_kind.value,
            "float_bytes": report.float_bytes,
            "output_bytes": report.output_bytes,
            "ratio": report.ratio,
            "inputs": [str(t) for t in report.inputs],
            "outputs": [str(t) for t in report.outputs],
            "tensor_dtypes": report.tensor_dtypes,
            "representative_images": report.representative_images,
            "eval": None if report.eval is None else {
                **report.eval.__dict__, "classes": list(report.eval.classes)
            },
        }

    for mode in Quantize:
        record(f"cnn-{mode.value}", convert(ConvertOptions(
            out / "cnn.keras", out / f"cnn-{mode.value}.tflite", quantize=mode,
            representative=out / "rep", normalization=norm, eval_dir=out / "eval",
        )))
    record("saved-model-int8-io", convert(ConvertOptions(
        out / "cnn_saved_model", out / "sm-int8-io.tflite", quantize=Quantize.INT8_IO,
        representative=out / "rep", normalization=norm,
    )))
    for mode in (Quantize.NONE, Quantize.DYNAMIC):
        record(f"dense-{mode.value}", convert(ConvertOptions(
            out / "dense.keras", out / f"dense-{mode.value}.tflite", quantize=mode
        )))

    # The command itself, including failures that only show once TensorFlow has looked.
    runner = CliRunner()
    cli: dict[str, Any] = {}
    for key, args in {
        "float16": ["convert", str(out / "cnn_saved_model"), "-o", str(out / "cli-float16.tflite"),
                    "--from", "saved-model", "--quantize", "float16"],
        "int8": ["convert", str(out / "cnn.keras"), "-o", str(out / "cli-int8.tflite"),
                 "--quantize", "int8", "--representative", str(out / "rep"),
                 "--mean", "127.5", "--std", "127.5", "--eval", str(out / "eval")],
        "bad-mean": ["convert", str(out / "cnn.keras"), "-o", str(out / "cli-bad-mean.tflite"),
                     "--quantize", "int8", "--representative", str(out / "rep"), "--mean", "1,2"],
        "corrupt": ["convert", str(out / "corrupt.keras"), "-o", str(out / "cli-corrupt.tflite")],
        "labels": ["convert", str(out / "cnn.keras"), "-o", str(out / "cli-labels.tflite"),
                   "--quantize", "int8", "--representative", str(out / "rep"),
                   "--mean", "127.5", "--std", "127.5", "--labels", str(out / "labels.txt"),
                   "--eval", str(out / "eval")],
        "no-flex": ["convert", str(out / "det_saved_model"), "-o", str(out / "cli-no-flex.tflite")],
        "flex": ["convert", str(out / "det_saved_model"), "-o", str(out / "cli-flex.tflite"),
                 "--select-tf-ops"],
        "short-labels": ["convert", str(out / "cnn.keras"), "-o", str(out / "cli-short-labels.tflite"),
                         "--labels", str(out / "short-labels.txt")],
    }.items():
        result = runner.invoke(app, args)
        cli[key] = {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}

    # MediaPipe Tasks (it imports TensorFlow, so it runs here) reads the chained metadata.
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    classifier = vision.ImageClassifier.create_from_options(vision.ImageClassifierOptions(
        base_options=BaseOptions(model_asset_path=str(out / "cli-labels.tflite")), max_results=3
    ))
    try:
        categories = classifier.classify(mp.Image.create_from_file(str(out / "probe.png")))
    finally:
        classifier.close()
    cli["mediapipe"] = [c.category_name for c in categories.classifications[0].categories]
    (out / "reports.json").write_text(json.dumps({"reports": reports, "cli": cli}, indent=1))


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("convert")
    _write_images(out / "rep", per_class=12, seed=1)
    _write_images(out / "eval", per_class=10, seed=2)
    _draw("triangle", 77).resize((32, 32)).save(out / "probe.png")  # model-sized: no resize
    (out / "labels.txt").write_text("\n".join(CLASSES) + "\n")
    (out / "short-labels.txt").write_text("circle\nsquare\n")
    run = subprocess.run(
        [sys.executable, __file__, str(out)], capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return out


@pytest.fixture(scope="session")
def reports(built: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built / "reports.json").read_text())
    return data


def _dtypes(path: Path) -> tuple[list[DType], list[DType], set[DType]]:
    model = read_model(path)
    return (
        [t.dtype for t in model.main.inputs],
        [t.dtype for t in model.main.outputs],
        {t.dtype for t in model.main.tensors},
    )


# --- every mode, checked on the written files --------------------------------------------------


def test_float_conversion_is_float(built: Path, reports: dict[str, Any]) -> None:
    inputs, outputs, all_types = _dtypes(built / "cnn-none.tflite")
    assert inputs == [DType.FLOAT32] and outputs == [DType.FLOAT32]
    assert DType.INT8 not in all_types and DType.FLOAT16 not in all_types
    report = reports["reports"]["cnn-none"]
    assert report["output_bytes"] == report["float_bytes"] == (built / "cnn-none.tflite").stat().st_size
    assert report["inputs"] == ["float32[1,32,32,3]"] and report["outputs"] == ["float32[1,3]"]
    # --quantize none writes the float bytes themselves, so its agreement (1.0) proves nothing;
    # test_eval_agreement_counts_disagreements shows the evaluation can see a difference.
    assert report["eval"]["images"] == 30


def test_eval_agreement_counts_disagreements(built: Path) -> None:
    """The --eval agreement on a model that differs: the classifier with its last bias pushed to
    favour one class agrees with the float model exactly on the images the float model puts there."""
    from bindgen.host.convert import Normalization, evaluate, load_image, top1
    from bindgen.host.convert import _interpreter as interpreter

    path = built / "cnn-none.tflite"
    model = read_model(path)
    (bias,) = [t for t in model.main.tensors if t.shape == (3,) and t.dtype is DType.FLOAT32]
    buffer = model.buffers[bias.buffer]
    assert buffer.size == 12
    float_bytes = path.read_bytes()
    tilted = bytearray(float_bytes)
    tilted[buffer.offset : buffer.offset + 12] = np.asarray([0.0, 0.0, 1e4], "<f4").tobytes()
    norm = Normalization((127.5,), (127.5,))
    report = evaluate(float_bytes, bytes(tilted), built / "eval", norm, list(CLASSES))
    reference = interpreter(float_bytes)
    firsts = [top1(reference, load_image(image, 32, 32, 3, norm))
              for image in sorted((built / "eval").glob("*/*.png"))]
    assert report.images == len(firsts) == 30
    assert report.agreement == firsts.count(2) / 30
    assert 0.0 < report.agreement < 1.0
    assert report.converted_accuracy == pytest.approx(1 / 3)  # always "triangle": 10 of 30 right


def test_dynamic_range_has_int8_weights_and_float_io(built: Path) -> None:
    inputs, outputs, all_types = _dtypes(built / "dense-dynamic.tflite")
    assert inputs == [DType.FLOAT32] and outputs == [DType.FLOAT32]
    assert DType.INT8 in all_types


def test_dynamic_range_is_at_most_035x_for_a_weight_heavy_model(built: Path, reports: dict[str, Any]) -> None:
    float_size = (built / "dense-none.tflite").stat().st_size
    dynamic_size = (built / "dense-dynamic.tflite").stat().st_size
    assert float_size > 2_000_000
    assert dynamic_size <= 0.35 * float_size
    assert reports["reports"]["dense-dynamic"]["ratio"] == pytest.approx(dynamic_size / float_size)


def test_float16_carries_float16_weights(built: Path) -> None:
    inputs, outputs, all_types = _dtypes(built / "cnn-float16.tflite")
    assert inputs == [DType.FLOAT32] and outputs == [DType.FLOAT32]
    assert DType.FLOAT16 in all_types


def test_int8_is_full_integer_with_float_io(built: Path, reports: dict[str, Any]) -> None:
    model = read_model(built / "cnn-int8.tflite")
    assert [t.dtype for t in model.main.inputs] == [DType.FLOAT32]
    assert [t.dtype for t in model.main.outputs] == [DType.FLOAT32]
    ops = {model.operator_codes[i].builtin for i in range(len(model.operator_codes))}
    assert {"QUANTIZE", "DEQUANTIZE"} <= ops  # float I/O wrapped around integer kernels
    quantized = [t for t in model.main.tensors if t.dtype is DType.INT8]
    assert quantized and all(t.quantization is not None for t in quantized)
    report = reports["reports"]["cnn-int8"]
    assert report["representative_images"] == 36


def test_int8_io_has_int8_inputs_and_outputs(built: Path) -> None:
    for name in ("cnn-int8-io.tflite", "sm-int8-io.tflite"):
        model = read_model(built / name)
        (inp,) = model.main.inputs
        (out,) = model.main.outputs
        assert inp.dtype is DType.INT8 and out.dtype is DType.INT8
        assert inp.quantization is not None and inp.quantization.scale[0] > 0
        assert out.quantization is not None
        assert all(t.dtype is not DType.FLOAT32 for t in model.main.tensors)


def test_int8_input_scale_follows_the_normalization(built: Path) -> None:
    """Calibrated on (pixel - 127.5) / 127.5, the input range is about [-1, 1]."""
    (inp,) = read_model(built / "cnn-int8-io.tflite").main.inputs
    assert inp.quantization is not None
    real_range = inp.quantization.scale[0] * 255
    assert 1.8 < real_range < 2.2


def test_every_mode_runs_and_agrees_with_the_float_model(built: Path, reports: dict[str, Any]) -> None:
    from ai_edge_litert.interpreter import Interpreter

    from bindgen.host.convert import top1

    image = load_image(
        next((built / "eval" / "circle").iterdir()), 32, 32, 3, Normalization((127.5,), (127.5,))
    )
    answers = set()
    for mode in MODES:
        interpreter = Interpreter(model_path=str(built / f"cnn-{mode}.tflite"))
        interpreter.allocate_tensors()
        answers.add(top1(interpreter, image))
        e = reports["reports"][f"cnn-{mode}"]["eval"]
        assert e["images"] == 30 and e["classes"] == list(CLASSES)
        assert e["agreement"] >= 0.8, (mode, e)
    assert len(answers) == 1


def test_saved_model_and_keras_sources_are_detected(built: Path, reports: dict[str, Any]) -> None:
    assert detect_source(built / "cnn.keras", None) is SourceKind.KERAS
    assert detect_source(built / "cnn_saved_model", None) is SourceKind.SAVED_MODEL
    assert reports["reports"]["saved-model-int8-io"]["source_kind"] == "saved-model"


def test_summary_prints_sizes_before_and_after(reports: dict[str, Any]) -> None:
    lines = reports["reports"]["dense-dynamic"]["lines"]
    assert lines[0].endswith("[quantize=dynamic]")
    assert any(line.strip().startswith("float .tflite") for line in lines)
    assert any("x the float .tflite" in line for line in lines)


# --- the command ------------------------------------------------------------------------------


def test_cli_converts_saved_model_to_float16(built: Path, reports: dict[str, Any]) -> None:
    result = reports["cli"]["float16"]
    assert result["exit_code"] == 0, result["stderr"]
    assert "[quantize=float16]" in result["stdout"]
    assert DType.FLOAT16 in _dtypes(built / "cli-float16.tflite")[2]


def test_cli_int8_reports_eval(built: Path, reports: dict[str, Any]) -> None:
    result = reports["cli"]["int8"]
    assert result["exit_code"] == 0, result["stderr"]
    assert "top-1 agreement float vs int8" in result["stdout"]
    assert "calibrated on 36 representative images" in result["stdout"]
    assert DType.INT8 in _dtypes(built / "cli-int8.tflite")[2]


@pytest.mark.parametrize(
    ("key", "needle"),
    [("bad-mean", "--mean has 2 values but the model input has 3 channels"),
     ("corrupt", "Keras cannot load this model")],
)
def test_cli_failures_after_tensorflow_are_one_line(
    built: Path, reports: dict[str, Any], key: str, needle: str
) -> None:
    result = reports["cli"][key]
    assert result["exit_code"] == 2
    assert result["stdout"] == ""
    lines = result["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bindgen: error: ") and needle in lines[0]
    assert not (built / f"cli-{key}.tflite").exists()


def test_labels_chain_into_annotate_and_mediapipe_reads_them(built: Path, reports: dict[str, Any]) -> None:
    result = reports["cli"]["labels"]
    assert result["exit_code"] == 0, result["stderr"]
    assert "metadata written by annotate" in result["stdout"]
    assert "accuracy float" in result["stdout"]  # folder names match the labels
    model = read_model(built / "cli-labels.tflite")
    assert [f.name for f in model.associated_files] == ["labels.txt"]
    (tensor_md,) = model.metadata["subgraph_metadata"][0]["input_tensor_metadata"]
    (unit,) = tensor_md["process_units"]
    assert unit["options_type"] == "NormalizationOptions"
    assert unit["options"] == {"mean": [127.5], "std": [127.5]}
    assert [t.dtype for t in model.main.inputs] == [DType.FLOAT32]
    assert DType.INT8 in {t.dtype for t in model.main.tensors}
    # MediaPipe's top-1 on the probe equals LiteRT's on the same file, by bindgen's preprocessing.
    from ai_edge_litert.interpreter import Interpreter

    from bindgen.host.convert import top1

    interpreter = Interpreter(model_path=str(built / "cli-labels.tflite"))
    interpreter.allocate_tensors()
    probe = load_image(built / "probe.png", 32, 32, 3, Normalization((127.5,), (127.5,)))
    ranked = reports["cli"]["mediapipe"]
    assert sorted(ranked) == sorted(CLASSES)
    assert ranked[0] == CLASSES[top1(interpreter, probe)]
    assert not list(built.glob(".*bindgen-tmp"))


def test_select_tf_ops(built: Path, reports: dict[str, Any]) -> None:
    refused = reports["cli"]["no-flex"]
    assert refused["exit_code"] == 2
    assert "TensorFlow ops with no TFLite builtin: tf.MatrixDeterminant (try --select-tf-ops" in (
        refused["stderr"]
    )
    assert not (built / "cli-no-flex.tflite").exists()
    assert reports["cli"]["flex"]["exit_code"] == 0, reports["cli"]["flex"]["stderr"]
    model = read_model(built / "cli-flex.tflite")
    assert [c.custom_code for c in model.operator_codes] == ["FlexMatrixDeterminant"]


def test_label_count_mismatch_leaves_no_output(built: Path, reports: dict[str, Any]) -> None:
    result = reports["cli"]["short-labels"]
    assert result["exit_code"] == 2
    lines = result["stderr"].strip().splitlines()
    assert len(lines) == 1 and "has 2 labels but the output has 3 classes" in lines[0], lines
    assert not (built / "cli-short-labels.tflite").exists()
    assert not list(built.glob(".*bindgen-tmp"))


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["{d}/missing.keras", "-o", "{d}/x.tflite"], "no such file or folder"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--quantize", "int4"], "--quantize wants one of"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--quantize", "int8"], "needs --representative DIR"),
        (["{d}/cnn.keras", "-o", "{d}/x.tfl"], "the output must be a .tflite file"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--from", "saved-model"], "not a SavedModel folder"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--from", "onnx"], "--from wants auto"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--std", "0"], "--std values must be non-zero"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--mean", "a"], "--mean wants one number"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--quantize", "int8", "--representative", "{d}/empty"],
         "no images found"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--eval", "{d}/rep/circle"], "no class sub-folders"),
        (["{d}/cnn.keras", "-o", "{d}/x.tflite", "--labels", "{d}/nolabels.txt"], "no such labels file"),
        (["{d}/cnn.keras", "-o", "{d}/cnn.keras"], "the output must be a .tflite file"),
        (["{d}/cli-float16.tflite", "-o", "{d}/x.tflite"], "cannot tell what this is"),
    ],
)
def test_cli_bad_input_fails_fast_without_tensorflow(built: Path, args: list[str], needle: str) -> None:
    (built / "empty").mkdir(exist_ok=True)
    before = sorted(p.name for p in built.iterdir())
    result = _invoke(["convert", *(a.format(d=built) for a in args)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bindgen: error: ") and needle in lines[0], lines
    assert sorted(p.name for p in built.iterdir()) == before
    assert "tensorflow" not in sys.modules  # validation happens before the slow import


def test_missing_convert_extra_is_one_clear_line(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # `import tensorflow` now fails
    with pytest.raises(BindgenError) as caught:
        convert(ConvertOptions(built / "cnn.keras", built / "never.tflite"))
    assert "needs the 'convert' extra: pip install 'bindgen[convert]'" in str(caught.value)
    assert not (built / "never.tflite").exists()


def test_importing_the_commands_loads_neither_tensorflow_nor_numpy() -> None:
    code = (
        "import sys, bindgen.cli; "
        "bad = [m for m in ('tensorflow', 'numpy', 'keras') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --- preprocessing ------------------------------------------------------------------------------


def test_load_image_applies_metadata_normalization(tmp_path: Path) -> None:
    pixels = np.zeros((4, 6, 3), np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = 0, 127, 255
    Image.fromarray(pixels).save(tmp_path / "x.png")
    raw = load_image(tmp_path / "x.png", 4, 6, 3, Normalization())
    assert raw.shape == (1, 4, 6, 3) and raw.dtype == np.float32
    assert raw[0, 0, 0].tolist() == [0.0, 127.0, 255.0]
    norm = load_image(tmp_path / "x.png", 2, 3, 3, Normalization((0.0, 127.0, 255.0), (1.0, 1.0, 255.0)))
    assert norm.shape == (1, 2, 3, 3)
    assert norm[0, 1, 2].tolist() == [0.0, 0.0, 0.0]
    gray = load_image(tmp_path / "x.png", 4, 6, 1, Normalization((127.5,), (127.5,)))
    assert gray.shape == (1, 4, 6, 1) and -1.0 <= float(gray.min()) <= float(gray.max()) <= 1.0


def test_normalization_channel_mismatch_is_an_error() -> None:
    with pytest.raises(BindgenError, match="--std has 2 values but the model input has 3 channels"):
        Normalization((0.0,), (1.0, 2.0)).for_channels(3)


if __name__ == "__main__":
    _build_and_convert(Path(sys.argv[1]))
