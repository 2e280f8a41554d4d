"""Generated projects' own tests, run on this JVM (``tests.toolchain.project_tests``).

One run (the module fixture: one set of kotlinc runs, one JVM) covers ``android-sample/`` (the
demo project, plus a picture-decoding test), the projects generated for a detector, a segmenter, a
model without metadata, the text (regex, BERT) and audio classifiers, an image output and a
confidence mask, and mutants that must fail: ``app/src/test`` with JUnit; every androidTest class
(``HostParityTest``, ``DelegatesTest``, ``BenchmarkTest``) under Robolectric with a real TFLite
interpreter and the project's own assets. What needs a GPU delegate or NNAPI skips, naming what
is missing here.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from bindgen.host import twin
from tests.toolchain.project_tests import DEVICE_ONLY, ProjectRun, run_project_tests

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "android-sample"
PACKAGE = "dev.bindgen.shapes"

#: The demo wrapper's normalization, and a plausible bug: [0, 1] instead of [-1, 1].
RIGHT_NORMALIZATION = "NormalizeOp(floatArrayOf(127.5f), floatArrayOf(127.5f))"
WRONG_NORMALIZATION = "NormalizeOp(floatArrayOf(0f), floatArrayOf(255f))"

#: Projects whose tests must pass, by name: (model of ``all_models()`` or None for the demo, package).
GOOD = {
    "detector": "com.example.detector",
    "segmenter": "com.example.segmenter",
    "raw": "com.example.raw",
    "nl_classifier": "com.example.textapp",
    "bert_classifier": "com.example.bertapp",
    "audio_classifier": "com.example.audioapp",
    "gray_image_output": "com.example.grayimage",
    "pose_confidence_mask": "com.example.confidencemask",
}
#: Image-output projects: (wrapper class, Kotlin: the gray value in [0, 255] the app must show per pixel).
SHOWN = {
    "gray_image_output": ("GrayImageOutput", "outputs.segmentation.tensorBuffer.floatArray", "segmentationBitmap"),
    "pose_confidence_mask": (
        "PoseConfidenceMask",
        "FloatArray(outputs.personMask.size) { outputs.personMask[it].coerceIn(0f, 1f) * 255f }",
        "personMaskBitmap",
    ),
}


def _generate(model: Path, out: Path, package: str, sample_image: Path | None = None) -> Path:
    from bindgen.generate.android import project

    return project.generate_project(model, out, package=package, twin=twin, sample_image=sample_image).out_dir


def _replace(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, (path, old)
    path.write_text(source.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ProjectRun]:
    """Every project's outcomes, by name; the good projects first, then the mutants."""
    from bindgen import demo
    from bindgen.generate.android import project
    from tests.toolchain.fixtures import all_models
    from tests.toolchain.models import model_path

    root = tmp_path_factory.mktemp("project-tests")
    models = all_models()
    folders: dict[str, tuple[Path, str]] = {}
    sample = root / "sample"
    shutil.copytree(SAMPLE, sample)
    photo = _rotated_photo(root / "photo.jpg")
    (sample / "app/src/androidTest/kotlin/dev/bindgen/shapes/PictureDecoderTest.kt").write_text(
        DECODE_TEST % photo.as_posix(), encoding="utf-8"
    )
    folders["sample"] = (sample, PACKAGE)
    for name, package in GOOD.items():
        model = model_path("float_classifier") if name == "raw" else models[name]
        folders[name] = (_generate(model, root / name, package), package)
    for name, (cls, gray, _) in SHOWN.items():
        folder, package = folders[name]
        test = folder / "app/src/androidTest/kotlin" / package.replace(".", "/") / "PresenterTest.kt"
        test.write_text(PRESENTER_TEST % {"package": package, "cls": cls, "gray": gray}, encoding="utf-8")

    # Mutants. The host's expected value moved: HostParityTest must fail on that value.
    demo_model = demo.annotate_demo_model(root / demo.MODEL.name)
    moved = _generate(demo_model, root / "moved", "dev.bindgen.moved", demo.SAMPLE)
    expected_file = moved / "app/src/main/assets/expected_outputs.json"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    expected["outputs"]["probability"][1] += 0.5  # [index, score] per class: class 0's score
    expected_file.write_text(json.dumps(expected), encoding="utf-8")
    folders["moved"] = (moved, "dev.bindgen.moved")
    # A wrong normalization in the wrapper: the preprocessed-input comparison must name it.
    wrong = _generate(demo_model, root / "wrongnorm", "dev.bindgen.wrongnorm", demo.SAMPLE)
    _replace(next(wrong.rglob("Shapes.kt")), RIGHT_NORMALIZATION, WRONG_NORMALIZATION)
    folders["wrongnorm"] = (wrong, "dev.bindgen.wrongnorm")
    # Another sentence in the regex-text app: the token ids differ from the host's.
    text = _generate(models["nl_classifier"], root / "textmutant", "com.example.textmutant")
    _replace(next(text.rglob("SampleInput.kt")), "const val TEXT = ", 'const val TEXT = "awful. " + ')
    folders["textmutant"] = (text, "com.example.textmutant")
    # A quieter clip in the audio app: the scores move.
    audio = _generate(models["audio_classifier"], root / "audiomutant", "com.example.audiomutant")
    _quieter(audio / "app/src/main/assets" / project.SAMPLE_AUDIO_ASSET)
    folders["audiomutant"] = (audio, "com.example.audiomutant")
    # The app showing a one-channel image output through TensorImage.bitmap (ALPHA_8): no gray.
    old = _generate(models["gray_image_output"], root / "alpha8", "com.example.alpha8")
    _, gray, bitmap = SHOWN["gray_image_output"]
    _replace(next(old.rglob("Presenter.kt")), f"image = outputs.{bitmap}", "image = outputs.segmentation.bitmap")
    (old / "app/src/androidTest/kotlin/com/example/alpha8/PresenterTest.kt").write_text(
        PRESENTER_TEST % {"package": "com.example.alpha8", "cls": "GrayImageOutput", "gray": gray}, encoding="utf-8"
    )
    folders["alpha8"] = (old, "com.example.alpha8")

    done = run_project_tests(dict(folders.values()), root / "work")
    print(next(iter(done.values())).log[-2000:])
    return {name: done[folder] for name, (folder, _) in folders.items()}


@pytest.mark.parametrize("name", ["sample", *GOOD])
def test_the_project_tests_pass_on_the_jvm(runs: dict[str, ProjectRun], name: str) -> None:
    run = runs[name]
    print("\n".join(f"{o.test}: {o.status} {o.detail}" for o in run.outcomes.values()))
    for case, missing in DEVICE_ONLY.items():  # run, and skipped naming what this JVM lacks
        outcome = run.outcomes[case]
        assert outcome.status == "skipped" and missing in outcome.detail, outcome
    rest = [o for test, o in run.outcomes.items() if test not in DEVICE_ONLY]
    assert all(o.status == "passed" for o in rest), [o for o in rest if o.status != "passed"]
    assert sum(t.startswith("BindgenSupportTest#") for t in run.outcomes) >= 5, sorted(run.outcomes)
    for case in ("HostParityTest#cpuMatchesHost", "DelegatesTest#cpu", "BenchmarkTest#latencyTable",
                 "BenchmarkTest#measure(CPU)"):  # fmt: skip
        assert run.status(case) == "passed", case
    if name not in ("audio_classifier", "raw"):  # image and text inputs: the preprocessed input too
        assert run.status("HostParityTest#cpuPreprocessingMatchesHost") == "passed"
    if name == "audio_classifier":  # the app's WAV reading, a local unit test
        assert any(t.startswith("WavTest#") for t in run.outcomes), sorted(run.outcomes)
    if name == "sample":
        assert run.status("PictureDecoderTest#aLargeRotatedPhotoIsDecodedSmallAndUpright") == "passed"
    if name in SHOWN:
        assert run.status("PresenterTest#theAppShowsTheOutputAsAnOpaqueGrayImage") == "passed"
    assert "project-test-latency: CPU median" in run.log


def test_host_parity_fails_when_the_device_values_differ_from_the_host(runs: dict[str, ProjectRun]) -> None:
    """Teeth: one host value moved by 0.5 fails HostParityTest, naming the value; the rest passes."""
    run = runs["moved"]
    parity = run.outcomes["HostParityTest#cpuMatchesHost"]
    assert parity.status == "failed" and "probability[1]" in parity.detail, parity
    assert run.status("DelegatesTest#cpu") == "passed"
    assert run.status("HostParityTest#cpuPreprocessingMatchesHost") == "passed"


def test_host_parity_names_a_wrong_normalization_in_the_preprocessed_input(runs: dict[str, ProjectRun]) -> None:
    """The demo model's softmax is saturated, so its outputs are a weak check of preprocessing;
    the preprocessed-input comparison names the wrong value directly."""
    outcome = runs["wrongnorm"].outcomes["HostParityTest#cpuPreprocessingMatchesHost"]
    assert outcome.status == "failed" and "input image[" in outcome.detail, outcome


def test_host_parity_catches_another_sentence_and_a_quieter_clip(runs: dict[str, ProjectRun]) -> None:
    """The text and audio comparisons are not vacuous: other token ids, other scores."""
    outcome = runs["textmutant"].outcomes["HostParityTest#cpuPreprocessingMatchesHost"]
    assert outcome.status == "failed" and "input tokens.ids[" in outcome.detail, outcome
    outcome = runs["audiomutant"].outcomes["HostParityTest#cpuMatchesHost"]
    assert outcome.status == "failed" and "probability[" in outcome.detail, outcome


def test_an_app_showing_a_one_channel_output_through_tensor_image_shows_no_gray(
    runs: dict[str, ProjectRun],
) -> None:
    """Teeth of PresenterTest: ``TensorImage.bitmap`` of a one-channel image is ALPHA_8."""
    outcome = runs["alpha8"].outcomes["PresenterTest#theAppShowsTheOutputAsAnOpaqueGrayImage"]
    assert outcome.status == "failed" and "ALPHA_8" in outcome.detail, outcome


def _quieter(wav: Path) -> None:
    """Halve every sample of a 16-bit PCM WAV in place (same format and length)."""
    import wave

    with wave.open(str(wav), "rb") as clip:
        params = clip.getparams()
        frames = clip.readframes(params.nframes)
    values = struct.unpack(f"<{len(frames) // 2}h", frames)
    with wave.open(str(wav), "wb") as clip:
        clip.setparams(params)
        clip.writeframes(struct.pack(f"<{len(values)}h", *(v // 2 for v in values)))


#: What the app shows for an image output or a confidence mask: an opaque ARGB_8888 gray picture
#: whose every pixel is the output's value (run by Robolectric's native graphics).
PRESENTER_TEST = """package %(package)s

import android.graphics.Bitmap
import android.graphics.Color
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import kotlin.math.abs

class PresenterTest {
    @Test fun theAppShowsTheOutputAsAnOpaqueGrayImage() {
        %(cls)s.newInstance(Device.context).use { model ->
            val input = SampleInput.bitmap(Device.context)
            val outputs = model.process(input)
            val shown = requireNotNull(Presenter.present(outputs, input).image) { "no image shown" }
            val gray = %(gray)s
            assertEquals(Bitmap.Config.ARGB_8888, shown.config)
            assertEquals("pixels", gray.size, shown.width * shown.height)
            assertTrue("a picture, not black: max ${gray.max()}", gray.max() >= 2f)
            for (i in gray.indices) {
                val pixel = shown.getPixel(i %% shown.width, i / shown.width)
                val want = gray[i].coerceIn(0f, 255f)
                assertEquals("alpha at $i", 255, Color.alpha(pixel))
                assertTrue("pixel $i: ${Color.red(pixel)}, want $want", abs(Color.red(pixel) - want) <= 1f)
                assertEquals("gray at $i", Color.red(pixel), Color.blue(pixel))
            }
        }
    }
}
"""

#: Run next to the demo project's device tests: the app's picture decoding on a large photo whose
#: EXIF says "rotate 90° clockwise" (PictureDecoder's API 28+ path, Robolectric's native ImageDecoder).
DECODE_TEST = """package dev.bindgen.shapes

import android.graphics.Bitmap
import android.graphics.Color
import android.net.Uri
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

class PictureDecoderTest {
    @Test fun aLargeRotatedPhotoIsDecodedSmallAndUpright() {
        val bitmap = PictureDecoder.decode(Device.context, Uri.fromFile(File(PHOTO)), 1000)
        assertEquals("size", "750x1000", "${bitmap.width}x${bitmap.height}")
        assertEquals(Bitmap.Config.ARGB_8888, bitmap.config)
        // The photo's top half is red: upright, that is the right half.
        val right = bitmap.getPixel(700, 500)
        val left = bitmap.getPixel(50, 500)
        assertTrue("right $right", Color.red(right) > 200 && Color.blue(right) < 60)
        assertTrue("left $left", Color.blue(left) > 200 && Color.red(left) < 60)
    }

    private companion object {
        const val PHOTO = "%s"
    }
}
"""


def _rotated_photo(path: Path) -> Path:
    """A 4000x3000 JPEG, top half red and bottom half blue, with EXIF orientation 6."""
    from PIL import Image

    image = Image.new("RGB", (4000, 3000), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 4000, 1500))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path
