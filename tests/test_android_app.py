"""The generated Android app a user runs (issue 13): a complete checkout with its Gradle launcher,
the app's own logic run on the JVM, and device tests that can fail.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bindgen.device import gradle_wrapper
from bindgen.generate.android.versions import load_versions
from bindgen.host import twin

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
        model, tmp_path / "bad", package="dev.bindgen.wrongnorm", sample_image=demo.SAMPLE, twin=twin
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

#: The annotated text and audio models of the compile corpus (``all_models()``), by app package.
TEXT_AUDIO = {"nl_classifier": "com.example.textapp", "bert_classifier": "com.example.bertapp",
              "audio_classifier": "com.example.audioapp"}  # fmt: skip


def _generate(model: Path, out: Path, package: str) -> Path:
    from bindgen.generate.android import project
    return project.generate_project(model, out, package=package, twin=twin).out_dir


@pytest.fixture(scope="module")
def text_audio_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    from tests.toolchain.fixtures import all_models

    models = all_models()
    root = tmp_path_factory.mktemp("text-audio")
    return {name: (_generate(models[name], root / name, package), package) for name, package in TEXT_AUDIO.items()}


def test_text_and_audio_apps_offer_their_input_and_test_the_overload_the_app_calls(
    text_audio_projects: dict[str, tuple[Path, str]],
) -> None:
    """The app, the parity test and the host values all use `process(text)` / `process(samples)`
    on one bundled sample: the sample sentence (`bindgen run --text`) or a synthetic WAV."""
    import json

    from bindgen.generate.android.project import SAMPLE_AUDIO_ASSET, SAMPLE_TEXT
    from bindgen.host.twin import run_model
    from tests.toolchain.fixtures import all_models

    for name in ("nl_classifier", "bert_classifier"):
        folder, package = text_audio_projects[name]
        main = folder / "app/src/main/kotlin" / package.replace(".", "/")
        activity = (main / "MainActivity.kt").read_text(encoding="utf-8")
        assert "instance.process(words)" in activity and "EditText" in activity and "R.id.camera" not in activity
        assert "text.setText(SampleInput.TEXT)" in activity, "the field starts with the verified sentence"
        layout = (folder / "app/src/main/res/layout/activity_main.xml").read_text(encoding="utf-8")
        assert 'android:id="@+id/text"' in layout and "@+id/pick" not in layout
        assert f"const val TEXT = {json.dumps(SAMPLE_TEXT)}" in (main / "SampleInput.kt").read_text(encoding="utf-8")
        parity = next(folder.rglob("HostParityTest.kt")).read_text(encoding="utf-8")
        assert "model.process(SampleInput.TEXT)" in parity
        assert "Flatten.ints(model.tokenize(SampleInput.TEXT).ids)" in parity
        assert not list((folder / "app/src/main/assets").glob("sample_input_*.bin")), "no raw token tensors"
        expected = json.loads((folder / "app/src/main/assets/expected_outputs.json").read_text(encoding="utf-8"))
        host = run_model(all_models()[name], [], text=SAMPLE_TEXT)["outputs"]["probability"]
        scores = sorted((c["index"], c["score"]) for c in host)
        assert expected["outputs"]["probability"] == [float(x) for pair in scores for x in pair], name
        ids = expected["inputs"]["tokens.ids"]["values"]
        assert ids[0] != 0 and ids.count(0) < len(ids), "the sentence's token ids, not padding alone"

    folder, package = text_audio_projects["audio_classifier"]
    main = folder / "app/src/main/kotlin" / package.replace(".", "/")
    activity = (main / "MainActivity.kt").read_text(encoding="utf-8")
    assert "instance.process(samples)" in activity and 'setType("audio/*")' in activity
    assert "instance.process(SampleInput.samples(this))" in activity, "the bundled clip before a WAV is picked"
    assert "MODEL_SAMPLE_RATE = 16000" in (main / "Wav.kt").read_text(encoding="utf-8")
    parity = next(folder.rglob("HostParityTest.kt")).read_text(encoding="utf-8")
    assert "model.process(SampleInput.samples(Device.context))" in parity
    wav = folder / "app/src/main/assets" / SAMPLE_AUDIO_ASSET
    expected = json.loads((folder / "app/src/main/assets/expected_outputs.json").read_text(encoding="utf-8"))
    host = run_model(all_models()["audio_classifier"], [str(wav)])["outputs"]["probability"]
    scores = sorted((c["index"], c["score"]) for c in host)
    assert expected["outputs"]["probability"] == [float(x) for pair in scores for x in pair]


def test_the_synthetic_clip_is_one_call_of_the_model_format(tmp_path: Path) -> None:
    import wave

    from bindgen.generate.android.project import synthetic_clip

    path = tmp_path / "clip.wav"
    path.write_bytes(synthetic_clip(22050, 2, 2 * 1000))
    with wave.open(str(path), "rb") as clip:
        assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth(), clip.getnframes()) == (22050, 2, 2, 1000)
        frames = clip.readframes(1000)
    values = struct.unpack(f"<{2 * 1000}h", frames)
    assert values[0::2] != values[1::2], "the channels differ"
    assert max(values) > 10000 and min(values) < -10000 and len(set(values)) > 500, "a signal, not silence"
    assert synthetic_clip(22050, 2, 2000) == path.read_bytes(), "deterministic"


@pytest.mark.slow
def test_text_and_audio_apps_compile_and_their_unit_tests_pass(
    text_audio_projects: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    """Every source set (main with the activity, test, androidTest) against the wrapper's real
    `process(text)` / `process(samples)` overloads, in one kotlinc run; then their unit tests."""
    from tests.toolchain import compile_kotlin, run_ktlint
    from tests.toolchain.android import kotlin_sources, r_source, run_unit_tests, unit_test_classes

    sources: list[Path] = []
    for name, (folder, package) in text_audio_projects.items():
        r_file = tmp_path / "r" / name / "R.kt"
        r_file.parent.mkdir(parents=True)
        r_file.write_text(r_source(folder, package), encoding="utf-8")
        sources += [*kotlin_sources(folder), r_file]
    compile_kotlin(sources, tmp_path / "classes")
    tests = [t for folder, _ in text_audio_projects.values() for t in unit_test_classes(folder)]
    assert "com.example.audioapp.WavTest" in tests, tests
    output = run_unit_tests(tmp_path / "classes", tests)
    assert "OK (" in output
    generated = [p for folder, _ in text_audio_projects.values() for p in kotlin_sources(folder)]
    assert run_ktlint(generated) == []


@pytest.mark.slow
def test_text_and_audio_device_tests_pass_on_the_jvm_and_catch_another_sample(
    text_audio_projects: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    """HostParityTest under Robolectric with the real interpreter: the wrapper's tokenizer and its
    outputs on the sample sentence, and its outputs on the sample clip, equal the host twin's.

    Two mutants show the comparison is not vacuous: the regex-text app with another sentence (the
    token ids differ) and the audio app with a quieter clip (the scores move).
    """
    from bindgen.generate.android import project
    from tests.toolchain.device_tests import run_device_tests
    from tests.toolchain.fixtures import all_models

    models = all_models()
    text_mutant = _generate(models["nl_classifier"], tmp_path / "text-mutant", "com.example.textmutant")
    sample = next(text_mutant.rglob("SampleInput.kt"))
    source = sample.read_text(encoding="utf-8")
    assert "const val TEXT = " in source
    sample.write_text(source.replace("const val TEXT = ", 'const val TEXT = "awful. " + '), encoding="utf-8")
    audio_mutant = _generate(models["audio_classifier"], tmp_path / "audio-mutant", "com.example.audiomutant")
    _quieter(audio_mutant / "app/src/main/assets" / project.SAMPLE_AUDIO_ASSET)

    mutants = [(text_mutant, "com.example.textmutant"), (audio_mutant, "com.example.audiomutant")]
    *right, text_wrong, audio_wrong = run_device_tests([*text_audio_projects.values(), *mutants], tmp_path / "w")

    for name, outcome in zip(TEXT_AUDIO, right, strict=True):
        assert outcome["HostParityTest.cpuMatchesHost"] == ("PASS", ""), (name, outcome)
        assert outcome["DelegatesTest.cpu"] == ("PASS", ""), (name, outcome)
        assert outcome["DelegatesTest.gpu"][0] == "SKIP", (name, outcome)
        assert outcome["BenchmarkTest.latencyTable"] == ("PASS", ""), (name, outcome)
        if name != "audio_classifier":
            assert outcome["HostParityTest.cpuPreprocessingMatchesHost"] == ("PASS", ""), (name, outcome)
    status, message = text_wrong["HostParityTest.cpuPreprocessingMatchesHost"]
    assert status == "FAIL" and "input tokens.ids[" in message, text_wrong
    status, message = audio_wrong["HostParityTest.cpuMatchesHost"]
    assert status == "FAIL" and "probability[" in message, audio_wrong


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
