"""Running a Gradle build: pick the launcher, stream the output, keep a log, explain failures.

The command line, the parsing of Gradle's console output (running task, "What went wrong") and
the mapping of well-known failures to one message with its fix live here; the display is a
:class:`Display` that shows a live status line on a terminal and plain lines elsewhere (CI).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.status import Status
from rich.text import Text

from bindgen.device import proc, sdk
from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, BindgenError

DEFAULT_TASKS = ("assembleDebug",)


def launcher(project_dir: Path) -> list[str]:
    """``DIR/gradlew`` when the project has a wrapper, else ``gradle`` from PATH."""
    wrapper = project_dir / "gradlew"
    if wrapper.is_file():
        return [str(wrapper)] if os.access(wrapper, os.X_OK) else ["sh", str(wrapper)]
    on_path = sdk.find_gradle_on_path()
    if on_path is None:
        raise BindgenError(
            "no gradlew in the project and no gradle on PATH",
            where=project_dir,
            hint=_no_launcher_hint(project_dir),
            exit_code=EXIT_BAD_INPUT,
        )
    return [str(on_path)]


_DISTRIBUTION = re.compile(r"^distributionUrl=.*/gradle-([0-9][0-9A-Za-z.\-]*?)-(?:bin|all)\.zip\s*$", re.MULTILINE)


def _no_launcher_hint(project_dir: Path) -> str:
    """How to add ``gradlew`` so that it works: ``gradle wrapper`` in the project itself fails with
    an old Gradle (it cannot configure an AGP 9 build), so it runs in an empty folder, for the
    Gradle the project's ``gradle-wrapper.properties`` pins."""
    from bindgen.device.gradle_wrapper import how_to_add

    properties = project_dir / "gradle" / "wrapper" / "gradle-wrapper.properties"
    try:
        found = _DISTRIBUTION.search(properties.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        found = None
    return how_to_add(found[1] if found is not None else None) + "; or install Gradle"


_ANDROID_PLUGIN = re.compile(
    r"com\.android\.(?:application|library|test|dynamic-feature)|com\.android\.tools\.build"
)


def uses_android_plugin(project_dir: Path) -> bool:
    """True when the build scripts (root, modules one level down, version catalogs) apply AGP."""
    patterns = ("*.gradle", "*.gradle.kts", "*/*.gradle", "*/*.gradle.kts", "gradle/*.toml")
    for pattern in patterns:
        for script in project_dir.glob(pattern):
            try:
                if _ANDROID_PLUGIN.search(script.read_text(encoding="utf-8", errors="replace")):
                    return True
            except OSError:
                continue
    return False


# ---- reading Gradle's console output ---------------------------------------------------------

# Gradle ≥ 4.x rich/plain console: "> Task :app:compileDebugKotlin"; Gradle 4.4 plain: ":app:foo".
_TASK_NEW = re.compile(r"^> Task (:\S+)")
_TASK_OLD = re.compile(r"^(:[A-Za-z0-9_.:-]+)(?: (?:UP-TO-DATE|FAILED|SKIPPED|NO-SOURCE|FROM-CACHE))?$")


def task_of(line: str) -> str | None:
    """The task path a console line announces, or None."""
    match = _TASK_NEW.match(line) or _TASK_OLD.match(line)
    return match.group(1) if match else None


def what_went_wrong(lines: Sequence[str]) -> list[str]:
    """The text of every "* What went wrong:" section, each collapsed to one line."""
    sections: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if line.startswith("* What went wrong:"):
            current = []
            sections.append("")
            continue
        if current is not None:
            if line.startswith("* ") or line.startswith("BUILD FAILED") or line.startswith("=" * 10):
                current = None
                continue
            text = line.strip().lstrip(">").strip()
            if text:
                current.append(text)
                sections[-1] = " ".join(current)
    return [s for s in sections if s]


@dataclass(frozen=True)
class Diagnosis:
    """A failure Gradle reports in many words, said in one, with the fix."""

    problem: str
    fix: str


def diagnose(lines: Sequence[str], *, offline: bool, project_dir: Path) -> Diagnosis | None:
    """Recognise the failures users hit first (SDK, licences, JDK, dependencies) in Gradle output."""
    text = "\n".join(lines)
    if re.search(r"SDK location not found|The SDK directory '[^']*' does not exist", text):
        return Diagnosis(
            "Android SDK location not found",
            f"set ANDROID_HOME to the SDK folder or add sdk.dir=/path/to/sdk to "
            f"{project_dir / 'local.properties'}",
        )
    if re.search(r"licen[cs]es? (?:have|has) not been accepted|not accepted the licen[cs]e", text):
        return Diagnosis(
            "Android SDK licences have not been accepted",
            "run `sdkmanager --licenses` (or `yes | sdkmanager --licenses`)",
        )
    jdk = re.search(
        r"(requires Java \d+ to run[^\n]*|Unsupported class file major version \d+|"
        r"Unsupported Java\.[^\n]*|Could not determine java version from[^\n]*|"
        r"invalid source release: \d+|release version \d+ not supported)",
        text,
    )
    if jdk:
        return Diagnosis(
            f"wrong JDK for this build ({jdk.group(1).strip()})",
            f"point JAVA_HOME at a JDK {sdk.MIN_JDK} (e.g. /usr/lib/jvm/java-17-openjdk-amd64)",
        )
    resolution = re.search(
        r"(No cached version of \S+ available for offline mode|Could not resolve all \w+ for "
        r"configuration '[^']+'|Could not resolve [\w.:-]+|Could not (?:GET|HEAD) '[^']+'|"
        r"Plugin \[id: '[^']+'(?:, version: '[^']+')?\] was not found)",
        text,
    )
    if resolution:
        cached = re.search(r"No cached version of (\S+) available for offline mode", text)
        if offline or cached:
            subject = cached.group(1) if cached else resolution.group(1)
            return Diagnosis(
                f"dependency not in Gradle's cache for an offline build ({subject})",
                "run the build once online (without --offline) so Gradle can download it",
            )
        return Diagnosis(
            f"dependency resolution failed ({resolution.group(1)})",
            "check the network and proxy (Google's Maven and Maven Central must be reachable), "
            "then retry; the full log names the repository that failed",
        )
    return None


# ---- display ------------------------------------------------------------------------------------


class Display:
    """Echo lines and show what is running: a live status line on a terminal, plain lines elsewhere."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.live = self.console.is_terminal and not self.console.is_dumb_terminal
        self._status: Status | None = None
        self._started = time.monotonic()
        self._label = "starting…"

    def __enter__(self) -> Display:
        if self.live:
            self._status = self.console.status(self)
            self._status.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def line(self, text: str) -> None:
        self.console.print(text, markup=False)

    def status(self, label: str) -> None:
        """A new phase; a terminal shows it live, plain output gets it as a line."""
        if self._status is None:
            self.console.print(f"bindgen: {label}", markup=False)
        self.progress(label)

    def progress(self, label: str) -> None:
        """What is running now (a Gradle task): live on a terminal only; plain output has the line."""
        self._label = label
        if self._status is not None:
            self._status.update(self)  # rendered through __rich__, so the clock keeps ticking

    def __rich__(self) -> Text:
        elapsed = time.monotonic() - self._started
        return Text.assemble(self._label, (f"  {elapsed:.0f} s", "dim"))


# ---- running a build ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    path: Path
    size: int


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    exit_code: int
    duration_s: float
    tasks_run: tuple[str, ...]
    failures: tuple[str, ...]
    diagnosis: Diagnosis | None
    apks: tuple[Artifact, ...]
    log_file: Path
    argv: tuple[str, ...] = field(default=())


def default_log_file(project_dir: Path) -> Path:
    return project_dir / "build" / "bindgen" / "gradle.log"


def find_apks(project_dir: Path, since_ns: int) -> tuple[Artifact, ...]:
    """APKs under any module's build/outputs/apk written by this build (not stale ones)."""
    found = []
    for apk in sorted(project_dir.glob("**/build/outputs/apk/**/*.apk")):
        stat = apk.stat()
        if stat.st_mtime_ns >= since_ns:
            found.append(Artifact(apk, stat.st_size))
    return tuple(found)


def run(
    project_dir: Path,
    tasks: Sequence[str],
    *,
    display: Display,
    offline: bool = False,
    log_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> BuildResult:
    """Run ``tasks`` in ``project_dir``, echoing output and the running task to ``display``.

    Never raises for a failed build (the result says so); raises BindgenError for a missing
    project or launcher. Ctrl-C stops the Gradle process tree and propagates KeyboardInterrupt.
    """
    if not project_dir.is_dir():
        raise BindgenError("not a directory", where=project_dir, exit_code=EXIT_BAD_INPUT)
    if not any((project_dir / f).is_file() for f in ("settings.gradle", "settings.gradle.kts",
                                                       "build.gradle", "build.gradle.kts")):
        raise BindgenError(
            "not a Gradle project (no settings.gradle[.kts] or build.gradle[.kts])",
            where=project_dir,
            exit_code=EXIT_BAD_INPUT,
        )
    project_dir = project_dir.resolve()
    if uses_android_plugin(project_dir) and sdk.find_sdk(project_dir) is None:
        raise BindgenError("Android SDK not found", where=project_dir, hint=sdk.SDK_HINT)
    argv = [*launcher(project_dir), "--console=plain"]
    if offline:
        argv.append("--offline")
    argv += [*extra_args, *(tasks or DEFAULT_TASKS)]
    log_path = (log_file or default_log_file(project_dir)).resolve()
    log_path.parent.mkdir(parents=True, exist_ok=True)

    lines: list[str] = []
    tasks_run: list[str] = []
    started_ns = time.time_ns()
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8", errors="replace") as log:
        log.write(f"$ {' '.join(argv)}\n# in {project_dir}\n")
        log.flush()

        def on_line(text: str) -> None:
            _log_line(log, text)
            lines.append(text)
            task = task_of(text)
            if task is not None:
                tasks_run.append(task)
                display.progress(f"gradle {task}")
            display.line(text)

        display.status(f"gradle {' '.join(tasks or DEFAULT_TASKS)}")
        try:
            code = proc.stream(argv, on_line, cwd=project_dir, env=env)
        except KeyboardInterrupt:
            log.write("# interrupted (Ctrl-C): Gradle process tree stopped\n")
            raise
        log.write(f"# exit code {code}\n")
    duration = time.monotonic() - started
    failures = tuple(what_went_wrong(lines)) if code != 0 else ()
    return BuildResult(
        ok=code == 0,
        exit_code=code,
        duration_s=duration,
        tasks_run=tuple(tasks_run),
        failures=failures,
        diagnosis=diagnose(lines, offline=offline, project_dir=project_dir) if code != 0 else None,
        apks=find_apks(project_dir, started_ns) if code == 0 else (),
        log_file=log_path,
        argv=tuple(argv),
    )


def _log_line(log: IO[str], text: str) -> None:
    log.write(text + "\n")
    log.flush()


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def summarize(result: BuildResult, display: Display) -> None:
    """The closing lines: result, duration, APKs; a failure raises the one-line error."""
    verdict = "BUILD OK" if result.ok else "BUILD FAILED"
    count = len(result.tasks_run)
    display.line(f"bindgen: {verdict} in {result.duration_s:.1f} s ({count} task{'' if count == 1 else 's'})")
    for apk in result.apks:
        display.line(f"bindgen: APK {apk.path} ({human_size(apk.size)})")
    display.line(f"bindgen: full log: {result.log_file}")
    if not result.ok:
        raise build_error(result)


def build_error(result: BuildResult) -> BindgenError:
    if result.diagnosis is not None:
        return BindgenError(
            f"build failed: {result.diagnosis.problem}",
            hint=f"fix: {result.diagnosis.fix}; log: {result.log_file}",
            exit_code=EXIT_FAILED,
        )
    reason = "; ".join(result.failures) or f"gradle exited with code {result.exit_code}"
    return BindgenError(f"build failed: {reason}", hint=f"log: {result.log_file}", exit_code=EXIT_FAILED)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)
