"""Generated Kotlin compiles against the classpath the generated project declares.

``tests.toolchain.jars`` reads a generated project's ``app/build.gradle.kts`` and
``gradle/libs.versions.toml``, swaps each Google-Maven-only LiteRT coordinate for its Maven Central
twin and resolves the rest transitively; these tests pin how it reads, resolves and caches, and show
that the compile check has teeth: drop one ``implementation(...)`` line and the project no longer
compiles, naming the class that line supplied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.toolchain import jars, template_project


@pytest.fixture(scope="module")
def declared_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_project(tmp_path_factory.mktemp("declared"))


def test_declarations_are_read_from_the_generated_build_file_and_catalog(declared_project: Path) -> None:
    declared = jars.declared_dependencies(declared_project)
    assert set(declared) == {"implementation", "testImplementation", "androidTestImplementation"}
    modules = {c.module for c in declared["implementation"]}
    # MetadataExtractor (BindgenSupport.kt, every wrapper) lives in litert-metadata, not litert-support.
    assert "com.google.ai.edge.litert:litert-metadata" in modules
    assert "com.google.ai.edge.litert:litert-support" in modules
    for coordinate in declared["implementation"]:
        assert coordinate.module in jars.CENTRAL_TWINS, f"{coordinate}: Google Maven only, needs a twin"
    assert [str(c) for c in declared["testImplementation"]] == ["junit:junit:4.13.2"]


def test_a_line_the_reader_does_not_understand_is_an_error(tmp_path: Path, declared_project: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(declared_project, project)
    build = project / "app/build.gradle.kts"
    build.write_text(build.read_text().replace("    testImplementation(libs.junit)\n",
                                               "    testImplementation(platform(libs.junit))\n"))  # fmt: skip
    with pytest.raises(jars.ResolveError, match="cannot read the dependency line"):
        jars.declared_dependencies(project)
    build.write_text(build.read_text().replace("platform(libs.junit)", "libs.nothere"))
    with pytest.raises(jars.ResolveError, match=r"libs\.nothere is not in the catalog"):
        jars.declared_dependencies(project)


@pytest.mark.parametrize(
    ("older", "newer"),
    [("2.13.0", "2.16.1"), ("1.9", "1.10"), ("1.0.0-beta1", "1.0.0"), ("1.0.0", "1.0.0.1"), ("1.0-alpha", "1.0-beta")],
)
def test_the_highest_version_is_chosen_as_gradle_orders_them(older: str, newer: str) -> None:
    assert jars.version_key(older) < jars.version_key(newer)


@pytest.mark.slow
def test_resolution_is_transitive_highest_version_wins_and_aars_become_classes_jars(declared_project: Path) -> None:
    main = jars.source_set_classpath(declared_project, "main")
    versions = {c.module: c.version for c in main.artifacts}
    # tensorflow-lite-support 0.4.4 asks for tensorflow-lite 2.13.0; the declared 2.16.1 wins.
    assert versions["org.tensorflow:tensorflow-lite"] == "2.16.1"
    # Transitive only: nobody declares these, the POMs bring them (support → support-api → odml image).
    assert versions["org.tensorflow:tensorflow-lite-support-api"] == "0.4.4"
    assert versions["com.google.android.odml:image"] == "1.0.0-beta1"
    assert versions["org.tensorflow:tensorflow-lite-metadata"] == "0.4.4"
    assert versions["org.jetbrains.kotlin:kotlin-stdlib"] == jars.catalog_versions()["kotlin"]
    assert "junit:junit" not in versions, "testImplementation must not reach main"
    assert main.unavailable == ()
    # The POMs say `jar`, the artifacts are AARs: what reaches kotlinc is the AAR's classes.jar.
    assert any(p.name == "classes.jar" and "tensorflow-lite-support-api" in str(p) for p in main.jars)
    assert all(p.suffix == ".jar" and p.is_file() for p in main.jars)
    android_test = jars.source_set_classpath(declared_project, "androidTest")
    android_test_modules = {c.module for c in android_test.artifacts}
    assert {"androidx.test:runner", "androidx.test:monitor", "junit:junit"} <= android_test_modules
    runtime = jars.source_set_classpath(declared_project, "test", runtime=True)
    assert "org.robolectric:android-all" not in {c.module for c in runtime.artifacts}, "unit tests get no Android"


@pytest.mark.slow
def test_a_resolution_is_cached_and_starts_no_maven_the_second_time(
    declared_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = jars.source_set_classpath(declared_project, "test")

    def no_maven(*args: object, **kwargs: object) -> set[jars.Coordinate]:
        raise AssertionError("the cached resolution started Maven")

    monkeypatch.setattr(jars, "_fetch", no_maven)
    assert jars.source_set_classpath(declared_project, "test") == first


@pytest.mark.slow
def test_a_coordinate_maven_central_lacks_is_reported_not_resolved() -> None:
    litert = jars.Coordinate("com.google.ai.edge.litert", "litert", jars.catalog_versions()["litert"])
    junit = jars.Coordinate("junit", "junit", "4.13.2")
    classpath = jars.resolve([litert, junit])
    assert classpath.unavailable == (litert,)
    assert [c.module for c in classpath.artifacts] == ["junit:junit", "org.hamcrest:hamcrest-core"]


@pytest.mark.slow
def test_removing_one_implementation_line_breaks_the_compile_naming_the_class(tmp_path: Path) -> None:
    from bindgen import demo
    from tests.toolchain.android import compile_source_sets

    project = demo.demo_project(tmp_path / "demo", gradlew=False)
    build = project / "app/build.gradle.kts"
    text = build.read_text(encoding="utf-8")
    line = "    implementation(libs.litert.metadata)\n"
    assert line in text
    build.write_text(text.replace(line, ""), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"error: unresolved reference 'MetadataExtractor'"):
        compile_source_sets({project: "dev.bindgen.shapes"}, tmp_path / "classes")


@pytest.mark.slow
def test_a_declared_artifact_central_lacks_is_named_and_must_not_be_imported(tmp_path: Path) -> None:
    """androidx.test:runner turned out to be on Maven Central, so today no declared artifact is
    missing; this declares one that is not (LiteRT's own litert-api, outside the twin table)."""
    from tests.toolchain.android import compile_source_sets

    project = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parent.parent / "android-sample", project)
    build = project / "app/build.gradle.kts"
    missing = f"com.google.ai.edge.litert:litert-api:{jars.catalog_versions()['litert']}"
    build.write_text(build.read_text().replace(
        "    androidTestImplementation(libs.junit)\n",
        f'    androidTestImplementation(libs.junit)\n    androidTestImplementation("{missing}")\n',
    ))  # fmt: skip
    compiled = compile_source_sets({project: "dev.bindgen.shapes"}, tmp_path / "ok")
    assert compiled.unavailable == {"main": (), "test": (), "androidTest": (missing,)}
    probe = next(project.rglob("androidTest/**/Device.kt"))
    probe.write_text(probe.read_text().replace("import android.app.Instrumentation\n",
                                               "import android.app.Instrumentation\n"
                                               "import com.google.ai.edge.litert.Accelerator\n"))  # fmt: skip
    imported = r"Device.kt imports \['com.google.ai.edge.litert.Accelerator'\]"
    with pytest.raises(AssertionError, match=rf"{imported} from {missing}"):
        compile_source_sets({project: "dev.bindgen.shapes"}, tmp_path / "bad")
