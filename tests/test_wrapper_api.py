"""The wrapper's API semantics, run for real and judged against the twin and the official clients.

Generated wrappers run on the JVM (Robolectric with native graphics, the real Support Library
0.4.4, a real TFLite interpreter: ``tests/toolchain/jvm.py``) driven by
``tests/toolchain/java/api/…/ApiDriver.java``; a Java source (``JavaCaller.java``) calls one the
way Android Studio's generated Java binding is called. What they return is compared with
``bindgen run`` (the host twin) and, where one exists, the TFLite Task Library (oracle venv).

Covered: score calibration at its edges (clamped log, result in ``[0, scale]``), the detection
threshold (``score > threshold``), label/calibration counts checked at generation time,
detection boxes in the caller's pixels (RATIO and PIXEL), bitmaps of any config, rotation, the
caller's ``TensorImage`` left alone, buffers checked, the device that ran and why it fell back
(the GPU delegate's native library cannot load on this JVM: a real ``Throwable``), no
interpreter leaked when ``newInstance`` fails, ``numThreads`` default, NNAPI deprecated.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from bindgen.cli import app
from bindgen.host.twin import run_model
from tests.toolchain import jvm
from tests.toolchain.oracle import official_write, task_library

pytestmark = pytest.mark.slow

API_DIR = jvm.JVM_DIR / "api"
TOL = 1e-3
SHAPES = ("circle", "square", "triangle", "star", "cross")
ANIMALS = ("cat", "dog", "bird")
#: Per class: scale, slope, offset. Small slopes keep the edge classes off the sigmoid's flat ends,
#: so the exact clamped-log value shows in the result.
CALIBRATION = "0.9,0.02,0.5\n1.0,0.02,-0.2\n0.8,1.5,0.1\n1.0,0.03,0.3\n0.7,1.0,-1.0"
#: The detector's input, and the caller's image: a different size and aspect, one colour, so any
#: resampling filter (Android's, Pillow's, the Task Library's) gives the model the same pixels.
DETECTOR_SIZE = 128
CALLER_SIZE = (200, 120)
COLOUR = (200, 30, 90)


@dataclass(frozen=True)
class Suite:
    work: Path
    models: dict[str, Path]  # wrapper name → annotated model
    images: dict[str, Path]
    results: dict[str, Any]  # case name → the driver's JSON


def _run(argv: list[str], **kwargs: Any) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


def _bindgen(*args: str) -> None:
    _run([sys.executable, "-m", "bindgen", *args], cwd=jvm.REPO)


def _rgb565_exact_noise(path: Path, size: int) -> Path:
    """Noise whose every colour survives RGB_565 exactly (5/6 bits, expanded as Skia expands them)."""
    rng = np.random.default_rng(20261201)
    r5, g6, b5 = (rng.integers(0, n, (size, size)) for n in (32, 64, 32))
    pixels = np.stack([(r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2)], axis=-1)
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


def _detector_spec(path: Path, labels: Path, extra: str) -> Path:
    path.write_text(
        f'kind = "object-detector"\nlabels = "{labels}"\nmean = [127.5]\nstd = [127.5]\n{extra}', encoding="utf-8"
    )
    return path


def _build(work: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    raw = work / "raw"
    raw.mkdir(parents=True)
    assets = work / "assets"
    assets.mkdir()
    models = jvm.build_models(
        work,
        [jvm.Case("float_classifier", "image-classifier", SHAPES), jvm.Case("detector", "object-detector", ANIMALS)],
    )
    models = {name: path for name, path in models.items()}
    images = {
        "noise": _rgb565_exact_noise(work / "noise.png", 96),
        "caller": work / "caller.png",
        "logits": _rgb565_exact_noise(work / "logits.png", 32),
    }
    Image.new("RGB", CALLER_SIZE, COLOUR).save(images["caller"])
    labels = work / "animals.txt"
    labels.write_text("".join(f"{a}\n" for a in ANIMALS), encoding="utf-8")

    # PIXEL boxes: the same model, its locations declared as input pixels.
    pixel_spec = _detector_spec(
        work / "pixel.toml", labels, '[[output]]\ntensor = "Identity"\ncoordinate_type = "PIXEL"\n'
    )
    models["detector_pixel"] = assets / "detector_pixel.tflite"
    _bindgen("annotate", str(raw / "detector.tflite"), "--spec", str(pixel_spec), "-o", str(models["detector_pixel"]))

    # A threshold exactly equal to one detection's score: `score > threshold` drops it.
    scores = [d["score"] for d in run_model(models["detector"], [str(images["caller"])])["outputs"]["detection_result"]]
    tie = sorted(scores)[len(scores) // 2]
    threshold_spec = _detector_spec(
        work / "threshold.toml", labels, f'[[output]]\ntensor = "Identity_2"\nscore_threshold = {tie!r}\n'
    )
    models["detector_threshold"] = assets / "detector_threshold.tflite"
    _bindgen(
        "annotate", str(raw / "detector.tflite"), "--spec", str(threshold_spec), "-o", str(models["detector_threshold"])
    )

    # Raw logits with score calibration, annotated by the official writer (what the Task Library reads).
    _run([sys.executable, "-m", "tests.toolchain.models.logits", str(raw / "logits.tflite")], cwd=jvm.REPO)
    shapes = work / "shapes.txt"
    shapes.write_text("".join(f"{s}\n" for s in SHAPES), encoding="utf-8")
    calibration = work / "calibration.csv"
    calibration.write_text(CALIBRATION, encoding="utf-8")
    for transformation in ("LOG", "INVERSE_LOGISTIC"):
        name = f"calibrated_{transformation.lower()}"
        models[name] = assets / f"{name}.tflite"
        official_write(
            "image_classifier", raw / "logits.tflite", models[name], mean=[127.5], std=[127.5],
            label_files=[str(shapes)], score_calibration_file=str(calibration),
            score_transformation=transformation, default_score=0.05,
        )  # fmt: skip
    return models, images


def _apk(path: Path, files: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, source in files.items():
            z.write(source, f"assets/{name}")
    return path


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    work = tmp_path_factory.mktemp("wrapper-api")
    jars = jvm.fetch_jars()
    models, images = _build(work)
    wrappers = jvm.render_wrappers(models, work / "src")
    classpath = jvm.compile_all(work / "src", work / "classes", jars)
    java = sorted(str(p) for p in API_DIR.rglob("*.java"))
    lint = subprocess.run(
        ["javac", "-Xlint:deprecation", "-d", str(work / "classes"), "-cp", classpath, *java],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    apk = _apk(work / "assets.apk", {p.name: p for p in models.values()})
    # The model without its metadata and packed files, under the wrapper's asset name: reading
    # the labels fails after the interpreter exists.
    broken = _apk(work / "broken.apk", {"float_classifier.tflite": work / "raw" / "float_classifier.tflite"})
    cls = {name: wrappers[name].class_name for name in models}
    cases = [
        ("float_devices", "devices", cls["float_classifier"], apk, images["noise"]),
        ("float_rotation", "rotation", cls["float_classifier"], apk, images["noise"]),
        ("float_configs", "configs", cls["float_classifier"], apk, images["noise"]),
        ("float_tensorimage", "tensorimage", cls["float_classifier"], apk, images["noise"]),
        ("float_buffers", "buffers", cls["float_classifier"], apk, images["noise"]),
        ("float_leak", "leak", cls["float_classifier"], broken, images["noise"]),
        ("java", "java", cls["float_classifier"], apk, images["noise"]),
        ("detector_rotation", "rotation", cls["detector"], apk, images["caller"]),
    ]
    for name in ("detector", "detector_pixel", "detector_threshold", "calibrated_log", "calibrated_inverse_logistic"):
        cases.append((name, "outputs", cls[name], apk, images["logits" if "calibrated" in name else "caller"]))
    table = work / "cases.tsv"
    table.write_text(
        "".join(f"{scenario}\t{c}\t{a}\t{png}\t{work / (name + '.json')}\n" for name, scenario, c, a, png in cases)
    )
    lib = jvm.LIB_DIR / "lib"
    done = subprocess.run(
        ["java", *jvm.JAVA_OPTS, f"-Dbindgen.api.cases={table}", "-Drobolectric.offline=true",
         f"-Drobolectric.dependency.dir={lib}", "-cp", classpath,
         "org.junit.runner.JUnitCore", "dev.bindgen.jvmtest.api.ApiDriver"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    (work / "driver.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    results = {name: json.loads((work / f"{name}.json").read_text()) for name, *_ in cases}
    results["_javac"] = lint.stdout + lint.stderr
    yield Suite(work, models, images, results)
    if not os.environ.get("BINDGEN_KEEP_WORK"):
        shutil.rmtree(work, ignore_errors=True)


def _same_categories(jvm_result: list[dict[str, Any]], host: list[dict[str, Any]], tol: float = 1e-5) -> None:
    assert [(c["label"], c["index"]) for c in jvm_result] == [(c["label"], c["index"]) for c in host]
    for mine, theirs in zip(jvm_result, host, strict=True):
        assert mine["score"] is not None and abs(mine["score"] - theirs["score"]) <= tol, (mine, theirs)


def _host(suite: Suite, model: str, image: str) -> dict[str, Any]:
    outputs: dict[str, Any] = run_model(suite.models[model], [str(suite.images[image])])["outputs"]
    return outputs


# ---- score calibration --------------------------------------------------------------------------


@pytest.mark.parametrize("transformation", ["log", "inverse_logistic"])
def test_calibration_edges_match_task_library(suite: Suite, transformation: str) -> None:
    name = f"calibrated_{transformation}"
    host = _host(suite, name, "logits")["probability"]
    # Every class is there, finite and within [0, scale]: a plain ln would have made NaNs of the
    # negative logits (LOG) and of the ones above 1 (INVERSE_LOGISTIC) and dropped them.
    assert sorted(c["index"] for c in host) == [0, 1, 2, 3, 4]
    scales = [float(line.split(",")[0]) for line in CALIBRATION.splitlines()]
    for c in host:
        assert math.isfinite(c["score"]) and 0.0 <= c["score"] <= scales[c["index"]]
    official = task_library("image_classifier", suite.models[name], suite.images["logits"])
    theirs = {c["index"]: c["score"] for c in official["classifications"][0]["categories"]}
    assert set(theirs) == {0, 1, 2, 3, 4}
    for c in host:
        assert abs(c["score"] - theirs[c["index"]]) < TOL, (c, theirs)
    # The edge classes land strictly inside (0, scale): the clamped log's exact value matters.
    edge = 0 if transformation == "log" else 1
    assert 0.05 < next(c["score"] for c in host if c["index"] == edge) < scales[edge] - 0.05
    _same_categories(suite.results[name]["probability"], host)


def test_calibration_edge_twin_values() -> None:
    from bindgen.decide.plan import Calibration, ScoreTransformation, Sigmoid
    from bindgen.host.twin import calibrate, clamped_log

    assert clamped_log(1.0) == 0.0
    assert math.isfinite(clamped_log(0.0)) and math.isfinite(clamped_log(-3.0))
    assert clamped_log(-3.0) < clamped_log(-1.0) < clamped_log(0.0) < clamped_log(1e-9)  # order kept
    sigmoid = Sigmoid(scale=0.8, slope=1.0, offset=0.0)
    for transformation in ScoreTransformation:
        calibration = Calibration("c.csv", transformation, 0.0, (sigmoid,))
        for score in (-5.0, -1e-20, 0.0, 0.5, 1.0, 1.5, 1e30):
            value = calibrate(calibration, 0, score)
            assert math.isfinite(value) and 0.0 <= value <= 0.8, (transformation, score, value)


# ---- label and calibration counts ----------------------------------------------------------------


def _mismatched(suite: Suite, tmp_path: Path, labels_count: int, calibration_lines: int) -> Path:
    labels = tmp_path / "labels.txt"
    names = [*SHAPES, *(f"extra{i}" for i in range(labels_count))][:labels_count]
    labels.write_text("".join(f"{s}\n" for s in names), encoding="utf-8")
    calibration = tmp_path / "short.csv"
    calibration.write_text("\n".join(CALIBRATION.splitlines()[:calibration_lines]), encoding="utf-8")
    model = tmp_path / "mismatch.tflite"
    official_write(
        "image_classifier", suite.work / "raw" / "logits.tflite", model, mean=[127.5], std=[127.5],
        label_files=[str(labels)], score_calibration_file=str(calibration), score_transformation="LOG",
    )  # fmt: skip
    return model


def _refused_everywhere(model: Path, image: Path, tmp_path: Path, *needles: str) -> None:
    """``kotlin``, ``run`` and ``android-project`` all refuse ``model``: exit 2, one line naming
    ``needles`` and how to fix it, no traceback, nothing written, the model byte-identical."""
    before = model.read_bytes()
    for args in (
        ["kotlin", str(model), "-o", str(tmp_path / "out"), "--package", "a.b"],
        ["run", str(model), str(image)],
        ["android-project", str(model), "-o", str(tmp_path / "app"), "--no-gradlew"],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        line = result.output.strip()
        assert "\n" not in line and "Traceback" not in line
        assert all(needle in line for needle in needles), line
        assert "bindgen annotate --spec" in line, line
    assert not (tmp_path / "out").exists() and not (tmp_path / "app").exists()
    assert model.read_bytes() == before


def test_calibration_count_mismatch_is_a_generation_error(suite: Suite, tmp_path: Path) -> None:
    model = _mismatched(suite, tmp_path, labels_count=5, calibration_lines=3)
    _refused_everywhere(model, suite.images["logits"], tmp_path, "'short.csv' has 3 lines", "5 classes")


@pytest.mark.parametrize("labels_count", [4, 6])
def test_label_count_mismatch_is_a_generation_error(suite: Suite, tmp_path: Path, labels_count: int) -> None:
    """A label file shorter or longer than the class count is refused at generation time, naming
    the file and both counts: never a category labelled "" nor a label without a class."""
    model = _mismatched(suite, tmp_path, labels_count=labels_count, calibration_lines=5)
    needles = (f"'labels.txt' has {labels_count} lines", "5 classes")
    _refused_everywhere(model, suite.images["logits"], tmp_path, *needles)


def test_segmentation_label_count_mismatch_is_a_generation_error(suite: Suite, tmp_path: Path) -> None:
    """The official segmenter writer's output (ImageProperties on the mask) with one label short."""
    from bindgen.read.tflite.reader import read_model
    from tests.toolchain.models import model_path

    source = model_path("segmenter")
    (output,) = read_model(source).main.outputs
    channels = int(output.shape[-1])
    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"class{i}\n" for i in range(channels - 1)), encoding="utf-8")
    model = tmp_path / "segmenter.tflite"
    official_write("image_segmenter", source, model, mean=[127.5], std=[127.5], label_files=[str(labels)])
    picture = tmp_path / "picture.png"
    Image.new("RGB", (40, 30), COLOUR).save(picture)
    needles = (f"'labels.txt' has {channels - 1} lines", f"{channels} classes")
    _refused_everywhere(model, picture, tmp_path, *needles)


# ---- detections ---------------------------------------------------------------------------------


def _check_boxes(jvm_result: list[dict[str, Any]], host: list[dict[str, Any]], scale: tuple[float, float]) -> None:
    assert jvm_result and len(jvm_result) == len(host)
    for mine, theirs in zip(jvm_result, host, strict=True):
        assert (mine["label"], mine["index"]) == (theirs["label"], theirs["index"])
        assert abs(mine["score"] - theirs["score"]) <= 1e-5
        for side, factor in (("left", scale[0]), ("top", scale[1]), ("right", scale[0]), ("bottom", scale[1])):
            # location: caller pixels, equal to the twin's; model_box: as the model gave it.
            assert abs(mine["box"][side] - theirs["box"][side]) <= 1e-3 * max(1.0, abs(theirs["box"][side]))
            assert abs(mine["model_box"][side] * factor - mine["box"][side]) <= 1e-3 * max(1.0, abs(mine["box"][side]))


def test_detection_boxes_in_caller_pixels_match_task_library(suite: Suite) -> None:
    host = _host(suite, "detector", "caller")["detection_result"]
    width, height = CALLER_SIZE
    _check_boxes(suite.results["detector"]["detectionResult"], host, (width, height))
    official = task_library("object_detector", suite.models["detector"], suite.images["caller"])["detections"]
    assert len(official) == len(host)
    for theirs, mine in zip(official, host, strict=True):
        category = theirs["categories"][0]
        assert (mine["index"], mine["label"]) == (category["index"], category["category_name"])
        assert abs(mine["score"] - category["score"]) < TOL
        box = theirs["bounding_box"]  # integer pixels of the caller's image
        assert abs(mine["box"]["left"] - box["origin_x"]) <= 1.0
        assert abs(mine["box"]["top"] - box["origin_y"]) <= 1.0
        assert abs((mine["box"]["right"] - mine["box"]["left"]) - box["width"]) <= 1.0
        assert abs((mine["box"]["bottom"] - mine["box"]["top"]) - box["height"]) <= 1.0


def test_detection_pixel_boxes_scale_through_the_resize(suite: Suite) -> None:
    host = _host(suite, "detector_pixel", "caller")["detection_result"]
    width, height = CALLER_SIZE
    scale = (width / DETECTOR_SIZE, height / DETECTOR_SIZE)
    _check_boxes(suite.results["detector_pixel"]["detectionResult"], host, scale)
    ratio = _host(suite, "detector", "caller")["detection_result"]
    for pixel, fraction in zip(host, ratio, strict=True):  # same raw values, read as pixels instead
        assert abs(pixel["box"]["left"] * DETECTOR_SIZE - fraction["box"]["left"]) <= 1e-3


def test_detection_threshold_is_strict_like_the_task_library(suite: Suite) -> None:
    everything = _host(suite, "detector", "caller")["detection_result"]
    kept = _host(suite, "detector_threshold", "caller")["detection_result"]
    scores = sorted(d["score"] for d in everything)
    tie = scores[len(scores) // 2]
    assert len(kept) == sum(1 for s in scores if s > tie) < sum(1 for s in scores if s >= tie)
    _check_boxes(suite.results["detector_threshold"]["detectionResult"], kept, CALLER_SIZE)
    official = task_library("object_detector", suite.models["detector_threshold"], suite.images["caller"])
    assert len(official["detections"]) == len(kept)


def test_detection_boxes_follow_rotation_back_into_the_callers_frame(suite: Suite) -> None:
    upright = suite.results["detector_rotation"]["0"]["detectionResult"]
    width, height = CALLER_SIZE
    for degrees in ("90", "180", "270", "-90", "450"):
        turned = suite.results["detector_rotation"][degrees]["detectionResult"]
        assert [d["index"] for d in turned] == [d["index"] for d in upright]
        for mine, base in zip(turned, upright, strict=True):
            left, top, right, bottom = (base["box"][k] for k in ("left", "top", "right", "bottom"))
            # The frame passed was the upright picture turned counter-clockwise by `degrees`.
            quarter = (int(degrees) // 90) % 4
            corners = [
                (left, top, right, bottom),
                (top, width - right, bottom, width - left),
                (width - right, height - bottom, width - left, height - top),
                (height - bottom, left, height - top, right),
            ][quarter]
            expected = dict(zip(("left", "top", "right", "bottom"), corners, strict=True))
            for side in ("left", "top", "right", "bottom"):
                assert abs(mine["box"][side] - expected[side]) <= 1e-2, (degrees, mine["box"], expected)


# ---- inputs a caller really has ------------------------------------------------------------------


def test_rotation_equals_the_upright_picture(suite: Suite) -> None:
    host = _host(suite, "float_classifier", "noise")["probability"]
    rotation = suite.results["float_rotation"]
    for degrees in ("0", "90", "180", "270", "-90", "450"):
        _same_categories(rotation[degrees]["probability"], host)
    assert rotation["45"]["error"] == "java.lang.IllegalArgumentException"
    assert "multiple of 90" in rotation["45"]["message"]


_MEDIAPIPE_ROTATED = """
import json, sys
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision
from mediapipe.tasks.python.vision.core.image_processing_options import ImageProcessingOptions
model, image, degrees = sys.argv[1], sys.argv[2], int(sys.argv[3])
options = vision.ImageClassifierOptions(base_options=BaseOptions(model_asset_path=model))
classifier = vision.ImageClassifier.create_from_options(options)
result = classifier.classify(mp.Image.create_from_file(image), ImageProcessingOptions(rotation_degrees=degrees))
print("RESULT " + json.dumps({c.index: c.score for c in result.classifications[0].categories}), flush=True)
"""


def _mediapipe_rotated(model: Path, frame: Path, degrees: int) -> dict[int, float]:
    # MediaPipe and ai-edge-litert deadlock in one process (tests/test_run.py): subprocess.
    done = subprocess.run(
        [sys.executable, "-c", _MEDIAPIPE_ROTATED, str(model), str(frame), str(degrees)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    return {int(k): v for k, v in json.loads(lines[-1][len("RESULT ") :]).items()}


def test_rotation_means_what_mediapipe_means(suite: Suite, tmp_path: Path) -> None:
    """MediaPipe's ``ImageProcessingOptions(rotation_degrees=r)`` on a frame turned r degrees
    counter-clockwise gives the upright result, as the wrapper's ``process(bitmap, r)`` does (the
    JVM rotation test). A smooth picture: MediaPipe resamples rotated frames, which noise would
    turn into differences larger than the tolerance; the opposite turn must stay outside it."""
    y, x = np.mgrid[0:96, 0:96]
    upright = tmp_path / "smooth.png"
    Image.fromarray(np.stack([x * 255 / 95, y * 255 / 95, np.full_like(x, 60)], -1).astype(np.uint8)).save(upright)
    model = suite.models["float_classifier"]
    host = {c["index"]: c["score"] for c in run_model(model, [str(upright)])["outputs"]["probability"]}
    for degrees in (90, 270):
        frame = tmp_path / f"turned{degrees}.png"
        with Image.open(upright) as picture:
            picture.rotate(degrees).save(frame)  # PIL turns counter-clockwise, as the JVM driver does
        right = _mediapipe_rotated(model, frame, degrees)
        wrong = _mediapipe_rotated(model, frame, 360 - degrees)
        assert set(right) == set(host)
        assert max(abs(right[i] - host[i]) for i in host) < TOL, (degrees, right, host)
        assert max(abs(wrong[i] - host[i]) for i in host) > TOL, (degrees, wrong, host)


def test_any_bitmap_config(suite: Suite) -> None:
    host = _host(suite, "float_classifier", "noise")["probability"]
    configs = suite.results["float_configs"]
    ran = {name for name, value in configs.items() if "unavailable" not in value}
    assert {"ARGB_8888", "RGB_565", "RGBA_F16", "ARGB_4444"} <= ran, configs
    for name in ("ARGB_8888", "RGB_565", "RGBA_F16"):  # the picture survives these exactly
        _same_categories(configs[name]["probability"], host)
    assert len(configs["ARGB_4444"]["probability"]) == len(host)  # lossy: it only has to run


def test_callers_tensor_image_is_not_changed(suite: Suite) -> None:
    result = suite.results["float_tensorimage"]
    assert result["before"] == result["after"]
    assert result["before"]["width"] != 96
    _same_categories(result["image"]["probability"], result["bitmap"]["probability"], tol=0.0)


def test_bad_buffers_are_rejected_with_a_clear_message(suite: Suite) -> None:
    result = suite.results["float_buffers"]
    assert result["good"] == {"ok": True}
    expected = {"heap": "direct", "order": "byte order", "size": "bytes"}
    for case, words in expected.items():
        assert result[case]["error"] == "java.lang.IllegalArgumentException", result[case]
        assert words in result[case]["message"] and "image" in result[case]["message"], result[case]


# ---- devices ------------------------------------------------------------------------------------


def test_device_that_ran_and_why_it_fell_back(suite: Suite) -> None:
    host = _host(suite, "float_classifier", "noise")["probability"]
    devices = suite.results["float_devices"]
    assert devices["default_threads"] == -1 and devices["default_device"] == "CPU"
    assert devices["CPU"]["device"] == "CPU" and devices["CPU"]["fallback_reason"] is None
    _same_categories(devices["CPU"]["outputs"]["probability"], host)
    # The GPU delegate's native library cannot load on this JVM: a real Throwable, caught.
    gpu = devices["GPU"]
    assert gpu["device"] == "CPU" and gpu["fallback_reason"], gpu
    assert gpu["fallback_reason"].startswith("UnsatisfiedLinkError: ") and "\n" not in gpu["fallback_reason"]
    _same_categories(gpu["outputs"]["probability"], host)
    assert "error" in devices["GPU_no_fallback"], devices["GPU_no_fallback"]
    # NNAPI is deprecated but still asked for: the host runtime has none and says so.
    assert "NNAPI" in devices["NNAPI"]["message"]
    assert devices["leaked"] == 0


def test_failed_new_instance_closes_the_interpreter(suite: Suite) -> None:
    leak = suite.results["float_leak"]
    for device in ("CPU", "GPU"):
        assert "error" in leak[device]["result"], leak
        assert leak[device]["leaked"] == 0, leak


def test_java_caller_like_android_studio(suite: Suite) -> None:
    host = _host(suite, "float_classifier", "noise")["probability"]
    java = suite.results["java"]
    assert "io_error" not in java, java
    _same_categories(java["default"]["probability"], host)
    _same_categories(java["gpu"]["probability"], host)
    _same_categories(java["two_threads"]["probability"], host)
    assert java["top"] == host[0]["label"]
    assert java["gpu_device"] == "CPU" and java["gpu_threads"] == -1


def test_nnapi_is_deprecated_for_java_callers(suite: Suite, tmp_path: Path) -> None:
    source = tmp_path / "UsesNnapi.java"
    source.write_text(
        "class UsesNnapi { Object d = dev.bindgen.jvmtest.float_classifier.FloatClassifier.Device.NNAPI; }\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["javac", "-Xlint:deprecation", "-d", str(tmp_path), "-cp",
         os.pathsep.join([str(suite.work / "classes"), *(str(j) for j in jvm.fetch_jars())]), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "NNAPI" in done.stderr and "deprecated" in done.stderr, done.stderr


def test_mediapipe_hand_landmark_metadata_is_refused_and_a_spec_fixes_it(tmp_path: Path) -> None:
    """MediaPipe's hand_landmark models list their output metadata in another order than their
    tensors: 2 handedness labels fall on the 63-value landmark tensor. bindgen refuses that with
    its one-line error; re-annotated from a spec (as the compile corpus holds them) they generate."""
    from bindgen.decide.plan import OutputRole, build_plan
    from bindgen.read.tflite.reader import read_model
    from tests.toolchain.fixtures import mediapipe_model
    from tests.toolchain.models.thirdparty import mediapipe_models

    picture = tmp_path / "hand.png"
    Image.new("RGB", (224, 224), (200, 160, 140)).save(picture)
    for variant in ("hand_landmark_full", "hand_landmark_lite"):
        key = f"hand_landmark/{variant}"
        _refused_everywhere(mediapipe_models()[key], picture, tmp_path, "'handedness.txt' has 2 lines", "63 classes")
        plan = build_plan(read_model(mediapipe_model(key)))
        assert [(o.name, o.role, o.labels) for o in plan.outputs] == [
            ("landmarks", OutputRole.TENSOR, None),
            ("presence score", OutputRole.TENSOR, None),
            ("handedness", OutputRole.TENSOR, None),
            ("world landmarks", OutputRole.TENSOR, None),
        ]
