"""``bindgen build`` against real Gradle runs (Debian's gradle 4.4.1) of small non-Android projects.

Each Gradle start costs seconds on this machine, so the real runs are few: a passing task (its
output, the summary and an APK-shaped artifact must appear), a failing task (its reason and a
non-zero exit), an offline dependency failure, and Ctrl-C on a long task (the process tree must be
gone). Android-only failure texts (SDK location, licences, JDK) cannot be produced without the
Android Gradle plugin here; :func:`bindgen.device.gradle.diagnose` is checked on their verbatim wording.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bindgen.cli import app
from bindgen.device import gradle, proc

GRADLE = shutil.which("gradle")
BINDGEN = str(Path(sys.executable).with_name("bindgen"))
needs_gradle = pytest.mark.usefixtures("machine_gradle")  # a missing gradle fails (conftest), never skips

BUILD_GRADLE = """
task hello {
    doLast {
        println "HELLO-FROM-A-REAL-GRADLE-TASK"
        def apk = file("app/build/outputs/apk/debug/app-debug.apk")
        apk.parentFile.mkdirs()
        apk.bytes = new byte[3000]
    }
}
task boom {
    doLast { throw new GradleException("the deliberate failure 7f3a") }
}
task sleepy {
    doLast {
        println "SLEEPY-STARTED"
        Thread.sleep(600000)
    }
}
configurations { remote }
repositories { mavenCentral() }
dependencies { remote "junit:junit:4.13.2" }
task resolveRemote {
    doLast { println configurations.remote.files }
}
"""


@pytest.fixture(scope="session")
def gradle_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty GRADLE_USER_HOME per test session: nothing cached, so --offline resolution fails."""
    return tmp_path_factory.mktemp("gradle-user-home")


@pytest.fixture
def project(tmp_path: Path, gradle_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "settings.gradle").write_text("rootProject.name = 'proj'\n")
    (root / "build.gradle").write_text(BUILD_GRADLE)
    # No daemon: the build's whole process tree is the one bindgen started (and stops).
    (root / "gradle.properties").write_text("org.gradle.daemon=false\n")
    monkeypatch.setenv("GRADLE_USER_HOME", str(gradle_home))
    return root


def no_traceback(text: str) -> None:
    assert "Traceback" not in text


def cmdline(pid: int) -> str:
    """The command line of ``pid``; empty once it has exited (short-lived helpers come and go)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@needs_gradle
def test_passing_task_streams_its_output_and_ends_with_a_summary(project: Path) -> None:
    log = project / "logs" / "build.log"
    args = ["build", str(project), "--task", "hello", "--offline", "--log", str(log)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "HELLO-FROM-A-REAL-GRADLE-TASK" in out
    assert "bindgen: BUILD OK in" in out
    apk = project / "app" / "build" / "outputs" / "apk" / "debug" / "app-debug.apk"
    assert f"bindgen: APK {apk} (2.9 KiB)" in out
    assert "\x1b[" not in out  # not a terminal: plain lines, no live display escapes
    text = log.read_text()
    assert text.startswith(f"$ {GRADLE} --console=plain --offline hello")
    assert "HELLO-FROM-A-REAL-GRADLE-TASK" in text and "# exit code 0" in text


@needs_gradle
def test_failing_task_exits_non_zero_with_gradles_reason(project: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(project), "--task", "boom", "--offline"])
    assert result.exit_code == 1
    assert "bindgen: BUILD FAILED in" in result.stdout
    error_lines = [ln for ln in result.stderr.splitlines() if ln.startswith("bindgen: error:")]
    assert len(error_lines) == 1, result.stderr
    assert "build failed: Execution failed for task ':boom'. the deliberate failure 7f3a" in error_lines[0]
    assert str(gradle.default_log_file(project.resolve())) in error_lines[0]
    no_traceback(result.output)


@needs_gradle
def test_offline_dependency_failure_becomes_one_message_with_the_fix(project: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(project), "--task", "resolveRemote", "--offline"])
    assert result.exit_code == 1
    assert (
        "build failed: dependency not in Gradle's cache for an offline build (junit:junit:4.13.2)"
        in result.stderr
    )
    assert "run the build once online (without --offline)" in result.stderr
    no_traceback(result.output)


@needs_gradle
def test_ctrl_c_stops_the_gradle_process_tree(project: Path) -> None:
    """A real `bindgen build` process gets SIGINT while Gradle runs a 10-minute task."""
    log = project / "build.log"
    child = subprocess.Popen(
        [BINDGEN, "build", str(project), "--task", "sleepy", "--offline", "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not (log.exists() and "SLEEPY-STARTED" in log.read_text()):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "gradle never started the task"
            time.sleep(0.2)
        tree = proc.descendants(child.pid)
        assert any("java" in cmdline(pid) for pid in tree)  # the task runs: Gradle's JVM is there
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130
    assert "bindgen: interrupted" in err
    assert [pid for pid in tree if proc.is_alive(pid)] == []
    assert "interrupted (Ctrl-C)" in log.read_text()


def test_a_folder_without_gradle_files_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a Gradle project" in result.stderr
    no_traceback(result.output)


def test_no_wrapper_and_no_gradle_on_path_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.gradle").write_text("")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = CliRunner().invoke(app, ["build", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"bindgen: error: {tmp_path}: no gradlew in the project and no gradle on PATH "
        "(in an EMPTY folder run `gradle wrapper` with any Gradle "
        "and copy its gradlew, gradlew.bat and gradle/wrapper/gradle-wrapper.jar into the project (in the "
        "project itself an old Gradle fails configuring the AGP 9 build), or open it in Android Studio (it "
        "reads gradle/wrapper/gradle-wrapper.properties); or install Gradle)"
    ]


def test_the_wrapper_wins_over_gradle_on_path(tmp_path: Path) -> None:
    wrapper = tmp_path / "gradlew"
    wrapper.write_text("#!/bin/sh\n")
    assert gradle.launcher(tmp_path) == ["sh", str(wrapper)]  # not executable: run through sh
    wrapper.chmod(0o755)
    assert gradle.launcher(tmp_path) == [str(wrapper)]


def test_task_lines_of_old_and_new_gradle_consoles() -> None:
    assert gradle.task_of(":hello") == ":hello"
    assert gradle.task_of(":app:compileJava UP-TO-DATE") == ":app:compileJava"
    assert gradle.task_of("> Task :app:compileDebugKotlin") == ":app:compileDebugKotlin"
    assert gradle.task_of("> Task :app:mergeDebugAssets FROM-CACHE") == ":app:mergeDebugAssets"
    assert gradle.task_of("HELLO :-)") is None
    assert gradle.task_of(": not a task") is None


# Verbatim failure texts of the Android Gradle plugin and of Gradle (which cannot run here:
# Google's Maven is unreachable, so no AGP build can fail for real on this machine).
AGP_FAILURES = {
    "sdk": (
        "* What went wrong:\nCould not determine the dependencies of task ':app:compileDebugJavaWithJavac'.\n"
        "> SDK location not found. Define a valid SDK location with an ANDROID_HOME environment variable"
        " or by setting the sdk.dir path in your project's local properties file at "
        "'/home/u/app/local.properties'."
    ),
    "licences": (
        "> Failed to install the following Android SDK packages as some licences have not been accepted.\n"
        "     build-tools;36.0.0 Android SDK Build-Tools 36\n"
        "  To build this project, accept the SDK license agreements and install the missing components"
    ),
    "jdk": (
        "* What went wrong:\nAn exception occurred applying plugin request [id: 'com.android.application']\n"
        "> Failed to apply plugin 'com.android.internal.application'.\n"
        "   > Android Gradle plugin requires Java 17 to run. You are currently using Java 11."
    ),
    "network": (
        "> Could not resolve all files for configuration ':app:debugCompileClasspath'.\n"
        "   > Could not resolve org.tensorflow:tensorflow-lite:2.16.1.\n"
        "      > Could not GET 'https://repo.maven.apache.org/maven2/org/tensorflow/tensorflow-lite/2.16.1/"
        "tensorflow-lite-2.16.1.pom'."
    ),
}


@pytest.mark.parametrize(
    ("kind", "problem", "fix"),
    [
        ("sdk", "Android SDK location not found", "set ANDROID_HOME"),
        ("licences", "Android SDK licences have not been accepted", "sdkmanager --licenses"),
        ("jdk", "wrong JDK for this build (requires Java 17 to run. You are currently using Java 11.)",
         "JAVA_HOME"),
        ("network", "dependency resolution failed (Could not resolve all files for configuration "
         "':app:debugCompileClasspath')", "check the network and proxy"),
    ],
)
def test_known_failures_are_diagnosed(kind: str, problem: str, fix: str, tmp_path: Path) -> None:
    found = gradle.diagnose(AGP_FAILURES[kind].splitlines(), offline=False, project_dir=tmp_path)
    assert found is not None
    assert found.problem == problem
    assert fix in found.fix


def test_unknown_failures_are_left_to_what_went_wrong(tmp_path: Path) -> None:
    lines = ["* What went wrong:", "Execution failed for task ':app:lint'.", "> Lint found errors.", "",
             "* Try:", "Run with --stacktrace"]
    assert gradle.diagnose(lines, offline=False, project_dir=tmp_path) is None
    assert gradle.what_went_wrong(lines) == ["Execution failed for task ':app:lint'. Lint found errors."]


def test_proc_stream_and_run_report_missing_programs_as_one_error() -> None:
    from bindgen.errors import BindgenError

    with pytest.raises(BindgenError, match="program not found: /no/such/tool"):
        proc.run(["/no/such/tool"])
    with pytest.raises(BindgenError, match="program not found"):
        proc.stream(["/no/such/tool"], print)


def test_proc_run_timeout_stops_the_tree(tmp_path: Path) -> None:
    """A real shell that starts a grandchild; the timeout must take both down.

    Under load the shell may not get to start the grandchild before a short timeout, so the timeout
    doubles until a run was stopped with its grandchild running: the outcome is checked on a run
    where the tree really had two levels, whatever the machine's speed.
    """
    pidfile = tmp_path / "grandchild.pid"
    timeout_s = 1.0
    while True:
        with pytest.raises(proc.ProcTimeout):
            proc.run(["sh", "-c", f"sleep 600 & echo $! > {pidfile}.tmp && mv {pidfile}.tmp {pidfile}; wait"],
                     timeout_s=timeout_s)
        if pidfile.exists():
            break
        assert timeout_s < 300, "the shell never started its grandchild"
        timeout_s *= 2
    grandchild = int(pidfile.read_text())
    # The orphaned grandchild gets its SIGKILL through the process group; the kernel ends it
    # asynchronously. The deadline only guards against a hang: a surviving grandchild fails here.
    deadline = time.monotonic() + 120
    while proc.is_alive(grandchild):
        assert time.monotonic() < deadline, f"grandchild {grandchild} survived the timeout"
        time.sleep(0.05)


def test_an_android_project_without_an_sdk_fails_before_gradle_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    project = tmp_path / "android"
    (project / "app").mkdir(parents=True)
    (project / "settings.gradle.kts").write_text('include(":app")\n')
    (project / "app" / "build.gradle.kts").write_text('plugins { id("com.android.application") }\n')
    result = CliRunner().invoke(app, ["build", str(project)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"bindgen: error: {project}: Android SDK not found (set ANDROID_HOME to your Android SDK folder "
        "or sdk.dir in local.properties; see `bindgen doctor`)"
    ]
    assert not (project / "build").exists()  # nothing written, no log: Gradle never ran
