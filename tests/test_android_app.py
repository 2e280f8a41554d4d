"""The generated Android app a user runs (issue 13): a complete checkout with its Gradle launcher,
and the text and audio apps' inputs. Its device tests and unit tests run, and are shown to fail on
mutants, in tests/test_project_tests_jvm.py.
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


def test_android_sample_launcher_is_what_the_machine_gradle_makes(machine_gradle: str) -> None:
    """Reproducible: `make golden` writes byte for byte the committed launcher (needs Debian's
    gradle 4.4.1: a missing one fails, never skips)."""
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
def test_ktlint_reports_nothing_on_the_text_and_audio_apps(text_audio_projects: dict[str, tuple[Path, str]]) -> None:
    """Their sources compile against the declared classpath and their tests run in
    tests/test_project_tests_jvm.py (one JVM for every project); here, their style."""
    from tests.toolchain import run_ktlint
    from tests.toolchain.android import kotlin_sources

    generated = [p for folder, _ in text_audio_projects.values() for p in kotlin_sources(folder)]
    assert run_ktlint(generated) == []
