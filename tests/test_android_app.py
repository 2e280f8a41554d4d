"""The generated Android app a user runs (issue 13): a complete checkout with its Gradle launcher,
the app's own logic run on the JVM, and device tests that can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bindgen.generate.android import gradle_wrapper
from bindgen.generate.android.versions import load_versions

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "android-sample"


# --- the Gradle launcher in android-sample/ -----------------------------------------------------


def test_android_sample_ships_the_gradle_launcher() -> None:
    for rel, executable in gradle_wrapper.LAUNCHER_FILES:
        path = SAMPLE / rel
        assert path.is_file(), f"android-sample/{rel} is missing: run `make golden`"
        assert os.access(path, os.X_OK) == executable, f"android-sample/{rel}: executable bit"
    assert "org.gradle.wrapper.GradleWrapperMain" in (SAMPLE / "gradlew").read_text(encoding="utf-8")


@pytest.mark.skipif(gradle_wrapper.find_gradle() is None, reason="needs a `gradle` on PATH (Debian's 4.4.1)")
def test_android_sample_launcher_is_what_the_machine_gradle_makes() -> None:
    """Reproducible: `make golden` writes byte for byte the committed launcher."""
    outcome = gradle_wrapper.make_launcher(load_versions().gradle)
    made = {f.path: f.data() for f in outcome.files}
    for rel, _ in gradle_wrapper.LAUNCHER_FILES:
        assert made[rel] == (SAMPLE / rel).read_bytes(), f"android-sample/{rel} is stale: run `make golden`"


def test_gradlew_starts_from_the_committed_files(tmp_path: Path) -> None:
    """`./gradlew --version` from a fresh copy of the checkout reaches the pinned distribution.

    Without network it stops at the download of the Gradle release that
    gradle-wrapper.properties pins; with network (or that release cached) it prints its version.
    """
    if shutil.which("java") is None:
        pytest.fail("needs a JDK (`java` on PATH), as `make test` requires")
    project = tmp_path / "checkout"
    shutil.copytree(SAMPLE, project)
    # A shared Gradle home: with network the distribution is downloaded once, not on every run.
    env = dict(os.environ, GRADLE_USER_HOME=str(Path.home() / ".cache" / "bindgen" / "gradle-user-home"))
    env.pop("GRADLE_OPTS", None)
    result = subprocess.run(
        ["./gradlew", "--version"], cwd=project, env=env, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip
    output = result.stdout + result.stderr
    version = load_versions().gradle
    url = f"https://services.gradle.org/distributions/gradle-{version}-bin.zip"
    assert f"Downloading {url}" in output or f"Gradle {version}" in output, output


# --- the device tests, run on the JVM -------------------------------------------------------------

#: The demo wrapper's normalization, and a plausible bug: [0, 1] instead of [-1, 1].
RIGHT_NORMALIZATION = "NormalizeOp(floatArrayOf(127.5f), floatArrayOf(127.5f))"
WRONG_NORMALIZATION = "NormalizeOp(floatArrayOf(0f), floatArrayOf(255f))"


@pytest.mark.slow
def test_device_tests_pass_on_the_jvm_and_catch_a_wrong_normalization(tmp_path: Path) -> None:
    """The demo project's androidTest classes run under Robolectric with a real interpreter.

    With them, the app's PictureDecoder decodes a 12 MP photo with an EXIF rotation to 1000 px,
    upright.

    The demo model's softmax is saturated, so its outputs are a weak check of preprocessing; the
    preprocessed-input comparison names the wrong value directly (for this mutation the outputs
    move past the tolerance too, on the classes near 0). The GPU and NNAPI cannot run here and are
    requested without fallback, so their tests are skipped, never passed as a CPU run.
    """
    from bindgen import demo
    from bindgen.generate.android import project
    from tests.toolchain.device_tests import run_device_tests

    good = demo.demo_project(tmp_path / "good", gradlew=False)
    model = demo.annotate_demo_model(tmp_path / demo.MODEL.name)
    bad = project.generate_project(
        model, tmp_path / "bad", package="dev.bindgen.wrongnorm", sample_image=demo.SAMPLE, gradlew=False
    ).out_dir
    wrapper = next(bad.rglob("Shapes.kt"))
    source = wrapper.read_text(encoding="utf-8")
    assert RIGHT_NORMALIZATION in source, "the demo wrapper normalizes with mean/std 127.5"
    wrapper.write_text(source.replace(RIGHT_NORMALIZATION, WRONG_NORMALIZATION), encoding="utf-8")

    photo = _rotated_photo(tmp_path / "photo.jpg")
    decode_test = good / "app/src/androidTest/kotlin/dev/bindgen/shapes/PictureDecoderTest.kt"
    decode_test.write_text(DECODE_TEST % photo.as_posix(), encoding="utf-8")

    right, wrong = run_device_tests([(good, "dev.bindgen.shapes"), (bad, "dev.bindgen.wrongnorm")], tmp_path / "w")

    assert right["PictureDecoderTest.aLargeRotatedPhotoIsDecodedSmallAndUpright"] == ("PASS", ""), right

    assert right["HostParityTest.cpuPreprocessingMatchesHost"] == ("PASS", ""), right
    assert right["HostParityTest.cpuMatchesHost"] == ("PASS", ""), right
    assert right["DelegatesTest.cpu"] == ("PASS", ""), right
    assert right["DelegatesTest.gpu"][0] == "SKIP", right  # no GPU here: skipped, never a CPU pass
    assert right["DelegatesTest.nnapi"][0] == "SKIP", right
    assert right["BenchmarkTest.latencyTable"] == ("PASS", ""), right
    status, message = wrong["HostParityTest.cpuPreprocessingMatchesHost"]
    assert status == "FAIL" and "input image[" in message, wrong


# --- text and audio models ------------------------------------------------------------------------

#: Stand-ins for the wrapper overloads the app calls on text and audio models (``process(text:
#: String)``, ``process(samples: FloatArray)``), for compiling the app where the wrapper does not
#: offer them yet. Extension functions: a member of the same signature wins over them.
STUB = """package {package}

@Suppress("UNUSED_PARAMETER")
fun {cls}.process(text: String): {cls}.Outputs = error("stand-in")

@Suppress("UNUSED_PARAMETER")
fun {cls}.process(samples: FloatArray): {cls}.Outputs = error("stand-in")
"""


def _annotated(tmp: Path, name: str, kind: str, **extra: object) -> Path:
    from bindgen.decide.annotate.annotator import AnnotateRequest, annotate
    from bindgen.decide.annotate.kinds import Kind
    from bindgen.read.tflite.reader import read_model
    from tests.toolchain.models import model_path

    source = model_path(name)
    labels = tmp / f"{name}.labels.txt"
    classes = read_model(source).main.outputs[0].shape[-1]
    labels.write_text("".join(f"class {i}\n" for i in range(classes)), encoding="utf-8")
    out = tmp / f"{name}.tflite"
    annotate(AnnotateRequest(model=source, out=out, kind=Kind(kind), labels=labels, **extra))  # type: ignore[arg-type]
    return out


@pytest.mark.slow
def test_text_and_audio_apps_offer_their_input_compile_and_their_unit_tests_pass(tmp_path: Path) -> None:
    from bindgen.generate.android import project
    from tests.toolchain import compile_kotlin, run_ktlint
    from tests.toolchain.android import kotlin_sources, r_source, run_unit_tests, unit_test_classes
    from tests.toolchain.models import vocab_path

    text = _annotated(tmp_path, "text_classifier", "text-classifier", vocab=vocab_path("text_classifier"))
    audio = _annotated(tmp_path, "audio_classifier", "audio-classifier", sample_rate=16000, channels=1)
    sources: list[Path] = []
    made = {}
    for name, model in (("text", text), ("audio", audio)):
        package = f"com.example.{name}app"
        folder = project.generate_project(model, tmp_path / name, package=package, gradlew=False).out_dir
        made[name] = folder
        wrapper = next(p for p in (folder / "app/src/main/kotlin").rglob("*.kt") if "fun newInstance(" in p.read_text())
        stub = tmp_path / "stub" / name / "Stub.kt"
        stub.parent.mkdir(parents=True)
        stub.write_text(STUB.format(package=package, cls=wrapper.stem), encoding="utf-8")
        r_file = tmp_path / "r" / name / "R.kt"
        r_file.parent.mkdir(parents=True)
        r_file.write_text(r_source(folder, package), encoding="utf-8")
        sources += [*kotlin_sources(folder), stub, r_file]

    activity = (made["text"] / "app/src/main/kotlin/com/example/textapp/MainActivity.kt").read_text()
    assert "instance.process(words)" in activity and "EditText" in activity and "R.id.camera" not in activity
    layout = (made["text"] / "app/src/main/res/layout/activity_main.xml").read_text()
    assert 'android:id="@+id/text"' in layout and "@+id/pick" not in layout
    activity = (made["audio"] / "app/src/main/kotlin/com/example/audioapp/MainActivity.kt").read_text()
    assert "instance.process(samples)" in activity and 'setType("audio/*")' in activity
    wav = (made["audio"] / "app/src/main/kotlin/com/example/audioapp/Wav.kt").read_text()
    assert "MODEL_SAMPLE_RATE = 16000" in wav

    compile_kotlin(sources, tmp_path / "classes")
    tests = [t for folder in made.values() for t in unit_test_classes(folder)]
    assert "com.example.audioapp.WavTest" in tests, tests
    output = run_unit_tests(tmp_path / "classes", tests)
    assert "OK (" in output
    assert run_ktlint([p for folder in made.values() for p in kotlin_sources(folder)]) == []


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
