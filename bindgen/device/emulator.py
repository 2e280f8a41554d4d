"""Instrumented tests on a headless emulator (or a connected device) and their JUnit results.

The life cycle follows the conventions CI pipelines hand-roll (android-emulator-runner): start
``emulator -no-window ...`` on a free even port, poll ``sys.boot_completed`` every 2 s, unlock,
turn animations off, run ``connectedDebugAndroidTest``, read the JUnit XML (a run can "succeed"
with zero tests), and always shut the emulator down: ``adb emu kill``, then the process tree.
"""

from __future__ import annotations

import contextlib
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bindgen.device import gradle, proc, sdk
from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, BindgenError

POLL_INTERVAL_S = 2.0
DEFAULT_BOOT_TIMEOUT_S = 600.0
#: How long the emulator gets to exit after ``adb emu kill`` before its process tree is stopped.
SHUTDOWN_WAIT_S = 20.0
FIRST_PORT = 5554
LAST_PORT = 5682  # the emulator accepts even console ports 5554..5682
TEST_TASK = "connectedDebugAndroidTest"
RESULTS_GLOB = "**/build/outputs/androidTest-results/connected/**/*.xml"
ANIMATION_SETTINGS = ("window_animation_scale", "transition_animation_scale", "animator_duration_scale")


@dataclass(frozen=True)
class Clock:
    """The time the boot wait reads and sleeps on; tests swap in one they drive (``CLOCK``)."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


#: The clock :func:`wait_for_boot` uses unless it is given one.
CLOCK = Clock()


# ---- adb -----------------------------------------------------------------------------------------


def connected_devices(adb: Path) -> dict[str, str]:
    """``adb devices``: serial → state ("device", "offline", "unauthorized", ...)."""
    result = proc.run([adb, "devices"], timeout_s=60)
    if not result.ok:
        raise BindgenError(
            f"`adb devices` failed: {(result.stderr or result.stdout).strip() or result.returncode}",
            exit_code=EXIT_FAILED,
        )
    devices = {}
    for line in result.stdout.splitlines():
        serial, sep, state = line.partition("\t")
        if sep and serial and not line.startswith("List of devices"):
            devices[serial.strip()] = state.strip()
    return devices


def require_device(adb: Path, serial: str) -> None:
    devices = connected_devices(adb)
    state = devices.get(serial)
    listed = ", ".join(f"{s} ({st})" for s, st in sorted(devices.items())) or "none"
    if state is None:
        raise BindgenError(
            f"device {serial} is not connected (adb devices lists: {listed})",
            hint="connect it and check `adb devices`, or drop --device to start an emulator",
            exit_code=EXIT_BAD_INPUT,
        )
    if state != "device":
        raise BindgenError(
            f"device {serial} is {state}, not ready",
            hint="unlock it and accept the USB debugging prompt" if state == "unauthorized" else None,
            exit_code=EXIT_BAD_INPUT,
        )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(adb: Path) -> int:
    """The first even console port whose pair (port, port+1) is free and no device uses."""
    taken = connected_devices(adb)
    for port in range(FIRST_PORT, LAST_PORT + 1, 2):
        if f"emulator-{port}" not in taken and _port_free(port) and _port_free(port + 1):
            return port
    raise BindgenError(
        f"no free emulator port between {FIRST_PORT} and {LAST_PORT}", exit_code=EXIT_FAILED
    )


# ---- AVDs ----------------------------------------------------------------------------------------


def choose_avd(the_sdk: sdk.Sdk, name: str | None, create_api: int | None, display: gradle.Display) -> str:
    """The AVD to boot: the named one, a newly created one, or the only one that exists."""
    avds = sdk.list_avds()
    if create_api is not None:
        name = name or f"bindgen-api{create_api}"
        if name in avds:
            display.status(f"AVD {name} already exists; using it")
            return name
        create_avd(the_sdk, name, create_api, display)
        return name
    create_hint = f"create one: bindgen test DIR --create-avd --api {sdk.TEST_API}"
    if name is not None:
        if name not in avds:
            raise BindgenError(
                f"AVD {name!r} does not exist (existing: {', '.join(avds) or 'none'})",
                hint=create_hint,
                exit_code=EXIT_BAD_INPUT,
            )
        return name
    if len(avds) == 1:
        return avds[0]
    if not avds:
        raise BindgenError(f"no AVD exists in {sdk.avd_home()}", hint=create_hint, exit_code=EXIT_BAD_INPUT)
    raise BindgenError(
        f"several AVDs exist ({', '.join(avds)}); choose one with --avd NAME", exit_code=EXIT_BAD_INPUT
    )


def create_avd(the_sdk: sdk.Sdk, name: str, api: int, display: gradle.Display) -> None:
    avdmanager = the_sdk.require("avdmanager")
    package = sdk.system_image_package(api)
    if package not in the_sdk.system_images():
        raise BindgenError(
            f"system image {package} is not installed",
            hint=f'install it: sdkmanager "{package}"',
            exit_code=EXIT_BAD_INPUT,
        )
    display.status(f"creating AVD {name} from {package}")
    # avdmanager asks whether to create a custom hardware profile; the answer is no.
    result = proc.run(
        [avdmanager, "create", "avd", "-n", name, "-k", package, "-d", "pixel_6"],
        input_text="no\n",
        timeout_s=300,
    )
    if not result.ok or name not in sdk.list_avds():
        last = [ln for ln in (result.stderr + result.stdout).splitlines() if ln.strip()]
        raise BindgenError(
            f"avdmanager could not create AVD {name}: {last[-1].strip() if last else result.returncode}",
            exit_code=EXIT_FAILED,
        )


# ---- the emulator life cycle ----------------------------------------------------------------------


def emulator_argv(emulator: Path, avd: str, port: int, *, kvm: bool) -> list[str]:
    argv = [
        str(emulator), "-avd", avd, "-port", str(port),
        "-no-window", "-gpu", "swiftshader_indirect", "-no-snapshot", "-noaudio", "-no-boot-anim",
    ]
    if not kvm:
        argv += ["-accel", "off"]
    return argv


def wait_for_boot(
    adb: Path,
    serial: str,
    emulator: proc.Background,
    *,
    timeout_s: float,
    display: gradle.Display,
    poll_s: float = POLL_INTERVAL_S,
    clock: Clock | None = None,
) -> int:
    """Poll ``sys.boot_completed`` until it is 1; returns the number of polls.

    Raises when the emulator process exits first (a crash) or the timeout passes.
    """
    clock = clock or CLOCK
    started = clock.monotonic()
    deadline = started + timeout_s
    polls = 0
    while True:
        code = emulator.poll()
        if code is not None:
            raise BindgenError(
                f"the emulator exited with code {code} before it finished booting",
                hint=f"its last output: {emulator.tail() or '(none)'}; log: {emulator.log_file}",
                exit_code=EXIT_FAILED,
            )
        remaining = deadline - clock.monotonic()
        try:
            result: proc.Result | None = proc.run(
                [adb, "-s", serial, "shell", "getprop", "sys.boot_completed"],
                timeout_s=max(1.0, min(10.0, remaining)),
            )
        except proc.ProcTimeout:
            result = None
        polls += 1
        if result is not None and result.ok and result.stdout.strip() == "1":
            return polls
        if clock.monotonic() >= deadline:
            raise BindgenError(
                f"the emulator did not finish booting within {timeout_s:g} s",
                hint=f"raise --boot-timeout (without KVM, boots take many minutes); log: {emulator.log_file}",
                exit_code=EXIT_FAILED,
            )
        display.progress(f"waiting for {serial} to boot ({clock.monotonic() - started:.0f} s)")
        clock.sleep(max(0.0, min(poll_s, deadline - clock.monotonic())))


def prepare_device(adb: Path, serial: str, display: gradle.Display) -> None:
    """Unlock the screen and turn the three animation scales off (animations make UI tests flaky)."""
    commands = [["input", "keyevent", "82"]] + [
        ["settings", "put", "global", setting, "0"] for setting in ANIMATION_SETTINGS
    ]
    for command in commands:
        result = proc.run([adb, "-s", serial, "shell", *command], timeout_s=60)
        if not result.ok:
            display.line(f"bindgen: warning: `adb shell {' '.join(command)}` failed: {result.stderr.strip()}")


def shutdown(
    adb: Path,
    serial: str,
    emulator: proc.Background,
    *,
    wait_s: float = SHUTDOWN_WAIT_S,
    grace_s: float = proc.STOP_GRACE_S,
) -> None:
    """``adb emu kill``; if the emulator lingers past ``wait_s``, stop its process tree."""
    with proc.sigint_ignored():
        if emulator.poll() is None:
            with contextlib.suppress(BindgenError):
                proc.run([adb, "-s", serial, "emu", "kill"], timeout_s=15)
            emulator.wait(wait_s)
        emulator.stop(grace_s=grace_s)


@contextlib.contextmanager
def running_emulator(
    the_sdk: sdk.Sdk,
    avd: str,
    *,
    boot_timeout_s: float,
    display: gradle.Display,
    log_file: Path,
) -> Iterator[str]:
    """Boot ``avd`` headless and yield its serial; the emulator is shut down however the block ends."""
    emulator_tool = the_sdk.require("emulator")
    adb = the_sdk.require("adb")
    kvm = sdk.kvm_status().usable
    port = free_port(adb)
    serial = f"emulator-{port}"
    argv = emulator_argv(emulator_tool, avd, port, kvm=kvm)
    display.status(
        f"starting emulator {avd} on port {port}" + ("" if kvm else " without KVM (-accel off, slow)")
    )
    emulator = proc.Background(argv, log_file=log_file)
    try:
        polls = wait_for_boot(adb, serial, emulator, timeout_s=boot_timeout_s, display=display)
        display.status(f"{serial} booted after {polls} polls; unlocking, animations off")
        prepare_device(adb, serial, display)
        yield serial
    finally:
        display.status(f"shutting down {serial}")
        shutdown(adb, serial, emulator)


# ---- JUnit results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    outcome: str  # "passed", "failed", "skipped"
    message: str = ""


@dataclass(frozen=True)
class TestSummary:
    cases: tuple[Case, ...]
    files: tuple[Path, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def failed(self) -> tuple[Case, ...]:
        return tuple(c for c in self.cases if c.outcome == "failed")


def parse_junit(project_dir: Path, since_ns: int = 0) -> TestSummary:
    """Every testcase in JUnit XML files under the connected-test results written since ``since_ns``."""
    cases: list[Case] = []
    files: list[Path] = []
    for path in sorted(project_dir.glob(RESULTS_GLOB)):
        if path.stat().st_mtime_ns < since_ns:
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            raise BindgenError(f"unreadable JUnit XML: {error}", where=path, exit_code=EXIT_FAILED) from None
        files.append(path)
        for case in root.iter("testcase"):
            name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
            suite = case.get("classname", "")
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is not None:
                first_line = next(iter((problem.text or "").strip().splitlines()), "")
                message = problem.get("message") or first_line
                cases.append(Case(suite, name, "failed", " ".join(message.split())))
            elif case.find("skipped") is not None:
                cases.append(Case(suite, name, "skipped"))
            else:
                cases.append(Case(suite, name, "passed"))
    return TestSummary(tuple(cases), tuple(files))


# ---- the whole run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRequest:
    project_dir: Path
    avd: str | None = None
    create_api: int | None = None
    device: str | None = None
    boot_timeout_s: float = DEFAULT_BOOT_TIMEOUT_S
    offline: bool = False
    log_dir: Path | None = None


def run_tests(request: TestRequest, display: gradle.Display) -> TestSummary:
    """Run the instrumented tests and return their summary; any failure raises BindgenError."""
    project = request.project_dir
    if not project.is_dir():
        raise BindgenError("not a directory", where=project, exit_code=EXIT_BAD_INPUT)
    project = project.resolve()
    log_dir = request.log_dir or project / "build" / "bindgen"
    the_sdk = sdk.find_sdk(project)
    if request.device is not None:
        adb = sdk.find_adb(the_sdk)
        if adb is None:
            raise BindgenError("adb not found (no Android SDK and no adb on PATH)", hint=sdk.SDK_HINT)
        require_device(adb, request.device)
        return _gradle_tests(project, request.device, request.offline, log_dir, display)
    if the_sdk is None:
        raise BindgenError("Android SDK not found", hint=sdk.SDK_HINT, exit_code=EXIT_BAD_INPUT)
    avd = choose_avd(the_sdk, request.avd, request.create_api, display)
    with running_emulator(
        the_sdk, avd, boot_timeout_s=request.boot_timeout_s, display=display,
        log_file=log_dir / "emulator.log",
    ) as serial:
        return _gradle_tests(project, serial, request.offline, log_dir, display)


def _gradle_tests(
    project: Path, serial: str, offline: bool, log_dir: Path, display: gradle.Display
) -> TestSummary:
    started_ns = time.time_ns()
    display.status(f"running {TEST_TASK} on {serial}")
    result = gradle.run(
        project,
        [TEST_TASK],
        display=display,
        offline=offline,
        log_file=log_dir / "gradle-test.log",
        env={"ANDROID_SERIAL": serial},  # the Android Gradle plugin then uses only this device
    )
    summary = parse_junit(project, started_ns)
    report(summary, display)
    if summary.failed:
        first = summary.failed[0]
        raise BindgenError(
            f"{len(summary.failed)} of {len(summary.cases)} tests failed; "
            f"first: {first.name}: {first.message}",
            hint=f"log: {result.log_file}",
            exit_code=EXIT_FAILED,
        )
    if not result.ok:
        raise gradle.build_error(result)
    if not summary.cases:
        raise BindgenError(
            f"no test ran: {TEST_TASK} succeeded but wrote no test results under "
            f"{project}/*/build/outputs/androidTest-results/connected",
            hint="add tests under app/src/androidTest and check the test runner in build.gradle",
            exit_code=EXIT_FAILED,
        )
    return summary


def report(summary: TestSummary, display: gradle.Display) -> None:
    display.line(
        f"bindgen: tests: {summary.count('passed')} passed, {summary.count('failed')} failed, "
        f"{summary.count('skipped')} skipped"
    )
    for case in summary.failed:
        display.line(f"bindgen: FAILED {case.name}: {case.message}")
