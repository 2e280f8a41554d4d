"""``bindgen android-project``: the Gradle files, the version pins, the wrapper step, the four
generated projects (demo, detector, segmenter, no metadata) compiled per source set against the
classpath each declares (their local unit tests then run on this JVM) and linted by ktlint, the host values in
the device test, and android-sample/ drift.
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from bindgen import demo
from bindgen.device import gradle_wrapper
from bindgen.errors import BindgenError
from bindgen.generate.android import project
from bindgen.generate.android.versions import check_compatible, load_catalog, load_versions
from bindgen.generate.templating import render
from bindgen.host import twin
from bindgen.output import GENERATED_NOTICE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def gradle_files() -> dict[str, str]:
    v = load_versions()
    ctx = {"notice": GENERATED_NOTICE, "v": v, "project_name": "Demo"}
    return {
        name: render(f"android/{name}.j2", **ctx)
        for name in (
            "settings.gradle.kts",
            "build.gradle.kts",
            "libs.versions.toml",
            "gradle-wrapper.properties",
        )
    }


def test_repo_catalog_is_a_compatible_combination() -> None:
    v = load_versions()
    check_compatible(v)  # AGP/Gradle/JDK/Kotlin/SDK rows from the AGP release notes
    assert v.compile_sdk >= v.target_sdk >= 35, "Play requires targetSdk 35+ (and 16 KB pages)"


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("gradle", "9.0.0", "needs Gradle"),
        ("compile_sdk", 37, "compileSdk up to"),
        ("jdk", 11, "JDK"),
        ("kotlin", "2.1.0", "KGP"),
        ("agp", "8.13.0", "no compatibility row"),
    ],
)
def test_incompatible_pins_are_refused(field: str, value: object, complaint: str) -> None:
    with pytest.raises(BindgenError, match=complaint):
        check_compatible(replace(load_versions(), **{field: value}))


def test_generated_catalog_parses_and_defines_every_alias_used() -> None:
    files = gradle_files()
    catalog = tomllib.loads(files["libs.versions.toml"])
    app = render(
        "android/app/build.gradle.kts.j2",
        notice="",
        v=load_versions(),
        app=type("A", (), {"package": "a.b", "app_id": "a.b"})(),
    )
    used = set(re.findall(r"libs\.([a-zA-Z0-9_.]+)", files["build.gradle.kts"] + app))
    assert used, "the build files use the catalog"
    for ref in used:
        section, _, name = ref.partition(".")
        name = name.removesuffix(".get()").removesuffix(".get")
        if section == "versions":
            assert name in catalog["versions"], ref
        elif section == "plugins":
            assert name.replace(".", "-") in catalog["plugins"], ref
        else:
            assert ref.replace(".", "-") in catalog["libraries"], ref
    for table in ("libraries", "plugins"):
        for entry in catalog[table].values():
            assert entry["version"]["ref"] in catalog["versions"]


def test_generated_catalog_carries_the_repo_pins() -> None:
    repo = load_catalog()["versions"]
    generated = tomllib.loads(gradle_files()["libs.versions.toml"])["versions"]
    for key, value in generated.items():
        assert str(repo[key]) == value, key
    wrapper = gradle_files()["gradle-wrapper.properties"]
    assert f"gradle-{repo['gradle']}-bin.zip" in wrapper


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Snack & <Co>", "Snack &amp; &lt;Co&gt;"), ('it\'s "x"', 'it\\\'s \\"x\\"'), ("@home", "\\@home")],
)
def test_app_name_is_escaped_for_string_resources(name: str, expected: str) -> None:
    assert project.android_string(name) == expected


@pytest.mark.parametrize("bad", ["demo", "1a.b", "a.in.b", "a..b", "a.b-c", "a.b/../c"])
def test_bad_application_ids_are_one_line_errors(bad: str) -> None:
    with pytest.raises(BindgenError, match="--app-id"):
        project.check_app_id(bad, "--app-id")


def test_defaults_come_from_the_model_name() -> None:
    app_id, name, package = project.default_names(Path("012-my model.v2.tflite"))
    assert app_id == package == "dev.bindgen.m012mymodelv2"
    assert name == "012 My Model V2"
    project.check_app_id(app_id, "--app-id")


def test_synthetic_sample_is_a_real_png() -> None:
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(project.synthetic_image(64, 32)))
    assert img.size == (64, 32) and img.mode == "RGB"
    assert img.getpixel((60, 0))[0] > img.getpixel((0, 0))[0]  # the gradient is there


def test_project_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    from bindgen.output import GeneratedFile

    out = tmp_path / "proj"
    out.mkdir()
    (out / "keep.txt").write_text("user file")
    with pytest.raises(BindgenError, match="not empty"):
        project.write_project(out, [GeneratedFile("a.txt", "x")], overwrite=False)
    assert (out / "keep.txt").read_text() == "user file"
    with pytest.raises(BindgenError, match="leave the output folder"):
        project.write_project(
            tmp_path / "new", [GeneratedFile("ok", "x"), GeneratedFile("../x", "y")], overwrite=False
        )
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"], "no scratch folder left behind"
    project.write_project(out, [GeneratedFile("a.txt", "x")], overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]


@pytest.mark.slow
@pytest.mark.usefixtures("machine_gradle")  # Debian's 4.4.1; missing = failed set-up, not a skip
def test_gradle_wrapper_step_with_the_machine_gradle() -> None:
    v = load_versions()
    outcome = gradle_wrapper.make_launcher(v.gradle)
    files = {f.path: f for f in outcome.files}
    assert set(files) == {"gradlew", "gradlew.bat", "gradle/wrapper/gradle-wrapper.jar"}
    assert files["gradlew"].executable
    assert "org.gradle.wrapper.GradleWrapperMain" in files["gradlew"].data().decode()
    jar = files["gradle/wrapper/gradle-wrapper.jar"].data()
    import io

    names = zipfile.ZipFile(io.BytesIO(jar)).namelist()
    assert "org/gradle/wrapper/GradleWrapperMain.class" in names


def test_no_gradle_means_a_complete_project_and_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    outcome = gradle_wrapper.make_launcher("9.4.1")
    assert outcome.files == () and outcome.gradle is None
    assert "gradle wrapper --gradle-version 9.4.1" in outcome.message


# --- generated projects -------------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """name → (project folder, package) for the demo model, a detector, a segmenter, a raw model."""
    from tests.toolchain.fixtures import annotated_model
    from tests.toolchain.models import model_path

    root = tmp_path_factory.mktemp("android")
    made = {"demo": (demo.demo_project(root / "demo", gradlew=False), "dev.bindgen.shapes")}
    for number, (name, model) in enumerate(
        [
            ("detector", annotated_model("detector")),
            ("segmenter", annotated_model("segmenter")),
            ("raw", model_path("float_classifier")),
        ]
    ):
        package = f"com.example.app{number}"
        out = project.generate_project(model, root / name, package=package, twin=twin).out_dir
        made[name] = (out, package)
    return made


def _expected(folder: Path) -> dict[str, object]:
    import json

    data = json.loads((folder / "app/src/main/assets/expected_outputs.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.slow
def test_every_kotlin_source_of_the_four_projects_compiles_against_its_declared_classpath_and_unit_tests_pass(
    projects: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    """main, test and androidTest each compile against what the project's build file declares
    (tests.toolchain.jars resolves it transitively from Maven Central), as Gradle would."""
    from tests.toolchain.android import compile_source_sets, kotlin_sources, run_unit_tests, unit_test_classes

    for folder, _ in projects.values():
        must = {"MainActivity.kt", "HostParityTest.kt", "BenchmarkTest.kt", "BindgenSupportTest.kt"}
        assert {p.name for p in kotlin_sources(folder)} >= must
    compiled = compile_source_sets({folder: package for folder, package in projects.values()}, tmp_path)
    for source_set, missing in compiled.unavailable.items():
        print(f"{source_set}: declared but not on Maven Central: {', '.join(missing) or 'none'}")
    for _, package in projects.values():
        pkg = package.replace(".", "/")
        assert (compiled.classes["main"] / f"{pkg}/MainActivity.class").is_file()
        assert (compiled.classes["androidTest"] / f"{pkg}/HostParityTest.class").is_file()
    # The local unit tests (app/src/test) do not only compile: they run here, as `gradlew test` would.
    tests = [name for folder, _ in projects.values() for name in unit_test_classes(folder)]
    assert len(tests) == 2 * len(projects), tests  # BindgenSupportTest, AppLogicTest
    classes = [compiled.classes["test"], compiled.classes["main"]]
    output = run_unit_tests(projects["demo"][0], classes, tests)
    assert re.search(r"^OK \((\d+) tests\)", output, re.MULTILINE), output


@pytest.mark.slow
def test_ktlint_reports_nothing_on_the_generated_kotlin(projects: dict[str, tuple[Path, str]]) -> None:
    from tests.toolchain import run_ktlint
    from tests.toolchain.android import kotlin_sources

    assert run_ktlint([p for folder, _ in projects.values() for p in kotlin_sources(folder)]) == []


def test_device_test_compares_every_output_with_host_values(projects: dict[str, tuple[Path, str]]) -> None:
    for name, (folder, _) in projects.items():
        expected = _expected(folder)
        assert "unavailable" not in expected, (name, expected.get("unavailable"))
        outputs = expected["outputs"]
        assert isinstance(outputs, dict) and outputs, name
        test = next(folder.rglob("HostParityTest.kt")).read_text(encoding="utf-8")
        for key, values in outputs.items():
            assert f'"{key}" to ' in test, (name, key)
            assert values, (name, key)
    # The demo picture is a star: the host twin (bindgen run) says so, and the device must agree.
    scores = _expected(projects["demo"][0])["outputs"]["probability"]  # type: ignore[index]
    by_index = dict(zip(scores[0::2], scores[1::2], strict=True))
    labels = demo.LABELS.read_text(encoding="utf-8").split()
    assert labels[int(max(by_index, key=by_index.__getitem__))] == "star"
    boxes = _expected(projects["detector"][0])["outputs"]["detectionResult"]  # type: ignore[index]
    assert boxes and len(boxes) % 6 == 0, "left, top, right, bottom, class, score per detection"


def test_model_is_stored_uncompressed_with_a_sample_at_input_size(projects: dict[str, tuple[Path, str]]) -> None:
    import io

    from PIL import Image

    folder = projects["demo"][0]
    assert "tflite" in (folder / "app/build.gradle.kts").read_text(encoding="utf-8")
    assert (folder / "app/src/main/assets/shapes.tflite").is_file()
    picture = Image.open(io.BytesIO((folder / "app/src/main/assets/sample.png").read_bytes()))
    assert picture.size == (64, 64) and picture.mode == "RGB"


def test_android_sample_is_in_sync_with_a_fresh_generation(projects: dict[str, tuple[Path, str]]) -> None:
    """android-sample/ == the demo project generated now (`make golden` regenerates it)."""
    golden, fresh = REPO / "android-sample", projects["demo"][0]
    hint = "android-sample/ is stale: run `make golden`"
    assert golden.is_dir(), hint

    def listing(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    # The Gradle launcher is the machine gradle's output: tests/test_android_app.py checks it.
    launcher = {rel for rel, _ in gradle_wrapper.LAUNCHER_FILES}
    assert listing(golden) - launcher == listing(fresh), hint
    for rel in sorted(listing(fresh)):
        if rel.endswith("expected_outputs.json"):
            # Host float results may differ in the last bits between CPUs (XNNPACK kernels).
            a, b = _expected(golden), _expected(fresh)
            assert a.keys() == b.keys() and a["tolerance"] == b["tolerance"], hint
            for key, values in b["outputs"].items():  # type: ignore[attr-defined]
                assert values == pytest.approx(a["outputs"][key], abs=1e-5), (hint, key)  # type: ignore[index]
        else:
            assert (golden / rel).read_bytes() == (fresh / rel).read_bytes(), f"{hint} ({rel} differs)"
