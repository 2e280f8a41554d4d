"""``bindgen test``: the emulator life cycle.

SIMULATION: the tests marked ``simulation`` run against a fake SDK of shell scripts
(tests/fixtures/fake_sdk: ``emulator``, ``adb``, ``avdmanager``), because this machine has no
Android SDK, system image or emulator. They check bindgen's side of the contract (flags, boot
polling, unlock, animations, teardown in every outcome) and do not replace a run on a real SDK.
Gradle is real (Debian's 4.4.1): the project's ``connectedDebugAndroidTest`` task writes JUnit
XML the way the Android Gradle plugin does. The no-SDK and no-device paths use real programs.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bindgen.cli import app
from bindgen.device import emulator, gradle, proc, sdk
from tests.fixtures.fake_sdk import FakeSdk, install

BINDGEN = str(Path(sys.executable).with_name("bindgen"))
HEADLESS = ["-no-window", "-gpu", "swiftshader_indirect", "-no-snapshot", "-noaudio", "-no-boot-anim"]

JUNIT_PASS = """<?xml version='1.0' encoding='UTF-8' ?>
<testsuite name="com.example.demo.ClassifierTest" tests="3" failures="0" errors="0" skipped="1" time="1.2">
  <properties><property name="device" value="emulator-5554 - 15" /></properties>
  <testcase name="labelsLoad" classname="com.example.demo.ClassifierTest" time="0.2" />
  <testcase name="classifiesACat" classname="com.example.demo.ClassifierTest" time="0.9" />
  <testcase name="gpuDelegate" classname="com.example.demo.ClassifierTest" time="0.0"><skipped /></testcase>
</testsuite>
"""
JUNIT_FAIL = """<?xml version='1.0' encoding='UTF-8' ?>
<testsuite name="com.example.demo.ClassifierTest" tests="2" failures="1" errors="0" skipped="0" time="1.0">
  <testcase name="labelsLoad" classname="com.example.demo.ClassifierTest" time="0.2" />
  <testcase name="classifiesACat" classname="com.example.demo.ClassifierTest" time="0.8">
    <failure message="java.lang.AssertionError: expected:&lt;tabby&gt; but was:&lt;toaster&gt;">
java.lang.AssertionError: expected:&lt;tabby&gt; but was:&lt;toaster&gt;
    at org.junit.Assert.fail(Assert.java:89)</failure>
  </testcase>
</testsuite>
"""
JUNIT_EMPTY = """<?xml version='1.0' encoding='UTF-8' ?>
<testsuite name="connected" tests="0" failures="0" errors="0" skipped="0" time="0.0" />
"""

# Writes the JUnit XML where AGP does, named after the device it was told to use (ANDROID_SERIAL),
# and fails like AGP when a test failed.
BUILD_GRADLE = """
task connectedDebugAndroidTest {
    doLast {
        def serial = System.getenv("ANDROID_SERIAL")
        def xml = file("junit.xml").text
        def out = file("app/build/outputs/androidTest-results/connected/debug/TEST-${serial}-app-.xml")
        out.parentFile.mkdirs()
        out.text = xml
        println "instrumented tests ran on ${serial}"
        if (xml.contains("<failure")) {
            throw new GradleException("There were failing tests. See the report at: file:///app/build/reports")
        }
    }
}
"""


@pytest.fixture(scope="session")
def gradle_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gradle-user-home")


@pytest.fixture
def fake_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSdk:
    return install(tmp_path, monkeypatch)


def android_project(tmp_path: Path, junit: str, gradle_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "app-project"
    root.mkdir()
    (root / "settings.gradle").write_text("rootProject.name = 'demo'\n")
    (root / "gradle.properties").write_text("org.gradle.daemon=false\n")
    (root / "build.gradle").write_text(BUILD_GRADLE)
    (root / "junit.xml").write_text(junit)
    monkeypatch.setenv("GRADLE_USER_HOME", str(gradle_home))
    return root


def assert_emulator_shut_down(sdk: FakeSdk) -> None:
    pid = sdk.emulator_pid()
    assert pid is not None, "the emulator was never started"
    assert not proc.is_alive(pid), f"emulator pid {pid} is still running"


def assert_single_error_line(stderr: str, fragment: str) -> None:
    errors = [ln for ln in stderr.splitlines() if ln.startswith("bindgen: error:")]
    assert len(errors) == 1, stderr
    assert fragment in errors[0], errors[0]
    assert "Traceback" not in stderr


needs_gradle = pytest.mark.usefixtures("machine_gradle")  # a missing gradle fails (conftest), never skips


@pytest.mark.simulation
@needs_gradle
def test_simulation_boot_after_polls_then_tests_pass_and_emulator_is_shut_down(
    fake_sdk: FakeSdk, tmp_path: Path, gradle_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Booted on the third answered poll; bindgen stops polling at the first "1" and goes on.

    How many polls it took depends on when the fake emulator process got going (polls before that
    are "device not found", as with a real emulator), so the test checks the sequence, not a count.
    """
    monkeypatch.setenv("FAKE_BOOT_AFTER_POLLS", "3")
    project = android_project(tmp_path, JUNIT_PASS, gradle_home, monkeypatch)
    result = CliRunner().invoke(app, ["test", str(project), "--offline"])
    assert result.exit_code == 0, result.output
    argv = fake_sdk.emulator_argv()
    port = int(argv[argv.index("-port") + 1])
    serial = f"emulator-{port}"
    assert argv[:2] == ["-avd", "test"] and argv[4:10] == HEADLESS
    assert port % 2 == 0 and 5554 <= port <= 5682
    assert ("-accel" in argv) != sdk.kvm_status().usable
    assert fake_sdk.getprop_answers() == ["0", "0", "1"]  # polled until the first "1", not after
    adb = fake_sdk.calls("adb")
    getprop = f"-s {serial} shell getprop sys.boot_completed"
    polls = adb.count(getprop)
    assert polls >= 3 and set(adb[: adb.index(getprop) + polls]) == {getprop, "devices"}
    assert f"bindgen: {serial} booted after {polls} polls" in result.stdout
    expected_after_boot = [
        f"-s {serial} shell input keyevent 82",
        f"-s {serial} shell settings put global window_animation_scale 0",
        f"-s {serial} shell settings put global transition_animation_scale 0",
        f"-s {serial} shell settings put global animator_duration_scale 0",
        f"-s {serial} emu kill",
    ]
    assert adb[-6:] == [getprop, *expected_after_boot]
    assert f"instrumented tests ran on {serial}" in result.stdout  # ANDROID_SERIAL reached Gradle
    assert "bindgen: tests: 2 passed, 0 failed, 1 skipped" in result.stdout
    assert "bindgen: TESTS OK" in result.stdout
    assert_emulator_shut_down(fake_sdk)


@pytest.mark.simulation
@needs_gradle
@pytest.mark.parametrize(
    ("junit", "message"),
    [
        (JUNIT_FAIL, "1 of 2 tests failed; first: com.example.demo.ClassifierTest.classifiesACat: "
                     "java.lang.AssertionError: expected:<tabby> but was:<toaster>"),
        (JUNIT_EMPTY, "no test ran: connectedDebugAndroidTest succeeded but wrote no test results"),
    ],
    ids=["failing-test", "zero-tests"],
)
def test_simulation_failed_or_empty_test_runs_fail_and_emulator_is_shut_down(
    junit: str, message: str, fake_sdk: FakeSdk, tmp_path: Path, gradle_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_BOOT_AFTER_POLLS", "1")
    project = android_project(tmp_path, junit, gradle_home, monkeypatch)
    result = CliRunner().invoke(app, ["test", str(project), "--offline"])
    assert result.exit_code == 1, result.output
    assert_single_error_line(result.stderr, message)
    assert fake_sdk.calls("adb")[-1].endswith(" emu kill")
    assert_emulator_shut_down(fake_sdk)


@dataclass
class DrivenClock:
    """A clock that moves only when bindgen sleeps: the boot wait's schedule, free of the machine's load."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.mark.simulation
def test_simulation_never_boots_times_out_and_emulator_is_shut_down(
    fake_sdk: FakeSdk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_BOOT_AFTER_POLLS", "-1")
    clock = DrivenClock()
    monkeypatch.setattr(emulator, "CLOCK", emulator.Clock(clock.monotonic, clock.sleep))
    (tmp_path / "settings.gradle").write_text("")
    result = CliRunner().invoke(app, ["test", str(tmp_path), "--boot-timeout", "3"])
    assert result.exit_code == 1
    assert_single_error_line(result.stderr, "the emulator did not finish booting within 3 s")
    # Polls at 0 s and 2 s, then the last one at the 3 s deadline.
    assert clock.sleeps == [2.0, 1.0]
    adb = fake_sdk.calls("adb")
    assert sum(1 for call in adb if call.endswith(" shell getprop sys.boot_completed")) == 3
    assert adb[-1].endswith(" emu kill")
    assert_emulator_shut_down(fake_sdk)


@pytest.mark.simulation
def test_simulation_crash_is_reported_with_its_output_and_port_clash_is_avoided(
    fake_sdk: FakeSdk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_EMULATOR_MODE", "crash")
    (tmp_path / "settings.gradle").write_text("")
    with socket.socket() as busy:
        try:
            busy.bind(("127.0.0.1", 5555))  # the adb port of 5554: the pair is taken
            busy.listen()
        except OSError:
            pass  # something else holds 5555 already: the pair is taken all the same
        result = CliRunner().invoke(app, ["test", str(tmp_path), "--avd", "test"])
    assert result.exit_code == 1
    assert_single_error_line(result.stderr, "the emulator exited with code 3 before it finished booting")
    assert "simulated crash: cannot open the system image" in result.stderr
    argv = fake_sdk.emulator_argv()
    assert argv[argv.index("-port") + 1] != "5554"
    assert_emulator_shut_down(fake_sdk)


@pytest.mark.simulation
def test_simulation_ctrl_c_during_boot_shuts_the_emulator_down(
    fake_sdk: FakeSdk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real `bindgen test` process gets SIGINT while it waits for the (fake) emulator to boot."""
    monkeypatch.setenv("FAKE_BOOT_AFTER_POLLS", "-1")
    (tmp_path / "settings.gradle").write_text("")
    child = subprocess.Popen([BINDGEN, "test", str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ((fake_sdk.state / "polls").exists() and fake_sdk.polls() >= 1):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130
    assert "bindgen: interrupted" in err and "Traceback" not in err
    assert fake_sdk.calls("adb")[-1].endswith(" emu kill")
    assert_emulator_shut_down(fake_sdk)


@pytest.mark.simulation
def test_simulation_an_emulator_that_ignores_emu_kill_and_sigterm_is_killed(
    fake_sdk: FakeSdk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_EMULATOR_MODE", "stubborn")
    adb = fake_sdk.root / "platform-tools" / "adb"
    argv = emulator.emulator_argv(fake_sdk.root / "emulator" / "emulator", "test", 5600, kvm=True)
    process = proc.Background(argv, log_file=tmp_path / "emulator.log")
    # The fake writes its pid once its traps are set; the deadline only guards against a hang.
    deadline = time.monotonic() + 120
    while fake_sdk.emulator_pid() is None:
        assert process.poll() is None and time.monotonic() < deadline, process.tail()
        time.sleep(0.05)
    emulator.shutdown(adb, "emulator-5600", process, wait_s=0.5, grace_s=0.5)
    assert fake_sdk.calls("adb") == ["-s emulator-5600 emu kill"]
    assert process.poll() == -signal.SIGKILL
    assert_emulator_shut_down(fake_sdk)


@pytest.mark.simulation
def test_simulation_create_avd_answers_the_profile_question(
    fake_sdk: FakeSdk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_EMULATOR_MODE", "crash")  # stop right after the AVD is used
    (tmp_path / "settings.gradle").write_text("")
    result = CliRunner().invoke(app, ["test", str(tmp_path), "--create-avd", "--api", "35"])
    assert result.exit_code == 1
    assert fake_sdk.calls("avdmanager") == [
        "create avd -n bindgen-api35 -k system-images;android-35;google_apis;x86_64 -d pixel_6",
        "answer=no",
    ]
    assert (fake_sdk.avd_home / "bindgen-api35.ini").is_file()
    assert fake_sdk.emulator_argv()[:2] == ["-avd", "bindgen-api35"]


@pytest.mark.simulation
def test_simulation_missing_image_or_avd_is_one_line_with_the_fix(
    fake_sdk: FakeSdk, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["test", str(tmp_path), "--create-avd", "--api", "34"])
    assert result.exit_code == 2
    assert_single_error_line(
        result.stderr, 'system image system-images;android-34;google_apis;x86_64 is not installed '
        '(install it: sdkmanager "system-images;android-34;google_apis;x86_64")'
    )
    result = CliRunner().invoke(app, ["test", str(tmp_path), "--avd", "pixel"])
    assert result.exit_code == 2
    assert_single_error_line(result.stderr, "AVD 'pixel' does not exist (existing: test)")
    assert fake_sdk.emulator_pid() is None


def test_without_an_sdk_test_fails_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["test", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "bindgen: error: Android SDK not found (set ANDROID_HOME to your Android SDK folder or sdk.dir "
        "in local.properties; see `bindgen doctor`)"
    ]


@pytest.mark.usefixtures("machine_adb")
def test_real_adb_with_no_device_connected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's adb (no SDK): --device names a serial that adb does not list."""
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))  # a private adb server, stopped below
    try:
        result = CliRunner().invoke(app, ["test", str(tmp_path), "--device", "emulator-5580"])
    finally:
        subprocess.run(["adb", "kill-server"], capture_output=True, timeout=30, check=False)
    assert result.exit_code == 2
    assert_single_error_line(
        result.stderr, "device emulator-5580 is not connected (adb devices lists: none)"
    )


def test_junit_parsing_ignores_results_older_than_the_run(tmp_path: Path) -> None:
    results = tmp_path / "app" / "build" / "outputs" / "androidTest-results" / "connected"
    results.mkdir(parents=True)
    (results / "TEST-old.xml").write_text(JUNIT_FAIL)
    since = time.time_ns()
    time.sleep(0.05)
    (results / "flavors").mkdir()
    (results / "flavors" / "TEST-new.xml").write_text(JUNIT_PASS)
    summary = emulator.parse_junit(tmp_path, since)
    assert [(c.name, c.outcome) for c in summary.cases] == [
        ("com.example.demo.ClassifierTest.labelsLoad", "passed"),
        ("com.example.demo.ClassifierTest.classifiesACat", "passed"),
        ("com.example.demo.ClassifierTest.gpuDelegate", "skipped"),
    ]
    everything = emulator.parse_junit(tmp_path)
    assert [c.message for c in everything.failed] == [
        "java.lang.AssertionError: expected:<tabby> but was:<toaster>"
    ]


def test_headless_emulator_command_line() -> None:
    tool = Path("/sdk/emulator/emulator")
    assert emulator.emulator_argv(tool, "px", 5556, kvm=True) == [
        str(tool), "-avd", "px", "-port", "5556", *HEADLESS,
    ]
    assert emulator.emulator_argv(tool, "px", 5556, kvm=False)[-2:] == ["-accel", "off"]


def test_display_is_plain_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with gradle.Display() as display:
        display.status("phase one")
        display.progress("gradle :app:compile")  # live-only: no line when not a terminal
        display.line("[not markup]")
    assert capsys.readouterr().out == "bindgen: phase one\n[not markup]\n"
