"""``bindgen android-project`` through the real CLI on every model of the compile corpus.

The list is ``all_models()`` (annotated by the official writers, raw converter models, the
MediaPipe models), never a hand-picked one: each gives a complete project, or a one-line error
with exit 2 and nothing written. One project per kind of app (input mode, output kinds, sample
readers) that no other test compiles is then compiled, all in one kotlinc run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.toolchain.cli import assert_one_line_error, bindgen

#: Models whose projects other tests compile: the demo (an annotated float image classifier), a
#: detector, a segmenter and a raw model (tests/test_android_project.py); the regex-text, BERT and
#: audio classifiers (tests/test_android_app.py).
COMPILED_ELSEWHERE = (
    "float_classifier", "detector", "segmenter", "nl_classifier", "bert_classifier", "audio_classifier",
)  # fmt: skip


def _package(name: str) -> str:
    return "com.example.m" + re.sub(r"[^a-z0-9]", "", name.lower())


def app_kind(model: Path) -> tuple[object, ...]:
    """What decides the app's own code: input mode, output kinds, how the sample is read."""
    from bindgen.decide.plan import build_plan
    from bindgen.generate.android.project import build_spec
    from bindgen.generate.kotlin.render import binding_for
    from bindgen.read.tflite.reader import read_model

    described = read_model(model)
    plan = build_plan(described)
    spec = build_spec(binding_for(described, "com.example.kind", plan=plan), plan, "com.example.kind", "Kind")
    readers = sorted(set(re.findall(r"SampleInput\.(\w+)", spec.test_process_args)))
    return spec.input_mode, tuple(sorted({o.kind for o in spec.outputs})), tuple(readers), bool(spec.input_checks)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every corpus model through `bindgen android-project`; the folders that were written."""
    from tests.toolchain.fixtures import all_models

    root = tmp_path_factory.mktemp("every-model")
    made = {}
    for name, model in all_models().items():
        out = root / name
        result = bindgen("android-project", model, "-o", out, "--package", _package(name), "--no-gradlew")
        if result.returncode == 0:
            assert "Traceback" not in result.stderr, (name, result.stderr)
            assert f"to {out}" in result.stdout, (name, result.stdout)
            made[name] = out
        else:
            assert_one_line_error(result)
            assert not out.exists(), f"{name}: a failed generation left {out}"
    return made


def test_every_corpus_model_gives_a_project_or_a_one_line_error(generated: dict[str, Path]) -> None:
    from bindgen.generate.android.project import EXPECTED_ASSET
    from tests.toolchain.fixtures import all_models

    assert set(generated) <= set(all_models())
    for name, folder in generated.items():
        package_dir = _package(name).replace(".", "/")
        parity = (folder / "app/src/androidTest/kotlin" / package_dir / "HostParityTest.kt").read_text(encoding="utf-8")
        expected = json.loads((folder / "app/src/main/assets" / EXPECTED_ASSET).read_text(encoding="utf-8"))
        if "unavailable" in expected:  # the host cannot run it (a custom op): the device test says why
            assert "\n" not in expected["unavailable"] and "bindgen run" in expected["unavailable"], name
            continue
        keys = re.findall(r'^\s+"([^"]+)" to ', parity, re.MULTILINE)
        assert keys and set(expected["outputs"]) | set(expected.get("inputs", {})) == set(keys), (name, keys)
        assert all(expected["outputs"].values()), name
    # Today every corpus model gets its project; the text and audio ones call their overloads.
    assert set(generated) == set(all_models()), sorted(set(all_models()) - set(generated))
    for name in ("nl_classifier", "bert_classifier"):
        assert "model.process(SampleInput.TEXT)" in next(generated[name].rglob("HostParityTest.kt")).read_text()
    assert "process(SampleInput.samples(" in next(generated["audio_classifier"].rglob("HostParityTest.kt")).read_text()


@pytest.mark.slow
def test_each_kind_of_app_not_compiled_elsewhere_compiles_in_one_kotlinc_run(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    from tests.toolchain.android import compile_source_sets, run_unit_tests, unit_test_classes
    from tests.toolchain.fixtures import all_models
    from tests.toolchain.models import model_path

    models = all_models()
    covered = {app_kind(models[name]) for name in COMPILED_ELSEWHERE} | {app_kind(model_path("float_classifier"))}
    chosen: dict[tuple[object, ...], str] = {}
    for name in generated:
        chosen.setdefault(app_kind(models[name]), name)
    picked = [name for kind, name in chosen.items() if kind not in covered]
    assert picked, "every kind is compiled elsewhere: nothing left to check here"
    # Each source set against what the project's own build file declares, as Gradle compiles it.
    compiled = compile_source_sets({generated[name]: _package(name) for name in picked}, tmp_path)
    tests = [t for n in picked for t in unit_test_classes(generated[n])]
    output = run_unit_tests(generated[picked[0]], [compiled.classes["test"], compiled.classes["main"]], tests)
    assert re.search(r"^OK \(\d+ tests\)", output, re.MULTILINE), output


def test_a_model_the_host_interpreter_cannot_run_is_a_one_line_error(tmp_path: Path) -> None:
    """LiteRT's multi-line failure on a MediaPipe custom op: `bindgen run` says it on one line
    (and android-project then writes the project with that reason as its missing host values)."""
    from bindgen.generate.android.project import synthetic_image
    from tests.toolchain.fixtures import all_models

    picture = tmp_path / "picture.png"
    picture.write_bytes(synthetic_image(64, 64))
    result = bindgen("run", all_models()["mp_face_landmark_face_landmark_with_attention"], picture)
    assert_one_line_error(result, "the interpreter cannot run this model", "Landmarks2TransformMatrix", exit_code=1)
