"""The one place bindgen starts other programs (gradle, adb, emulator, avdmanager, kotlinc, ...).

Every child runs in its own session (process group), so a Ctrl-C in the terminal reaches bindgen
only and bindgen decides how the child's whole tree stops: SIGINT, then SIGTERM, then SIGKILL,
to the group and to any descendant that left it. Three entry points:

- :func:`run`: wait for a short command and capture its output;
- :func:`stream`: hand each output line to a callback while a long command runs;
- :class:`Background`: start a long-lived process (the emulator) and stop it later.

A missing program becomes a :class:`~bindgen.errors.BindgenError`, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, BindgenError

Argv = Sequence[str | Path]

#: Seconds each stop step (SIGINT, SIGTERM) waits for the tree to exit before the next, harder one.
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class Result:
    """A finished command: its argv, exit code and captured (text) output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class ProcTimeout(BindgenError):
    """A command ran longer than its timeout; its process tree has been stopped."""

    def __init__(self, argv: tuple[str, ...], timeout_s: float) -> None:
        super().__init__(
            f"{Path(argv[0]).name} did not finish within {timeout_s:g} s and was stopped",
            exit_code=EXIT_FAILED,
        )
        self.argv = argv
        self.timeout_s = timeout_s


def _argv(argv: Argv) -> tuple[str, ...]:
    if not argv:
        raise ValueError("empty argv")
    return tuple(str(a) for a in argv)


def _env(env: Mapping[str, str] | None) -> dict[str, str] | None:
    """``env`` is added to the current environment, not a replacement of it."""
    if env is None:
        return None
    merged = dict(os.environ)
    merged.update(env)
    return merged


def _popen(argv: tuple[str, ...], **kwargs: object) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            argv, start_new_session=True, text=True, errors="replace", **kwargs
        )
    except FileNotFoundError:
        raise BindgenError(f"program not found: {argv[0]}", exit_code=EXIT_BAD_INPUT) from None
    except PermissionError:
        raise BindgenError(f"program is not executable: {argv[0]}", exit_code=EXIT_BAD_INPUT) from None


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children first), read from /proc; empty where there is none."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Field 2 (comm) may contain spaces and parentheses; the rest follows the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat[stat.rfind(")") + 2 :].split()[0] not in ("Z", "X")


def _signal_tree(pgid: int, pids: Sequence[int], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop_tree(popen: subprocess.Popen[str], grace_s: float = STOP_GRACE_S) -> None:
    """Stop ``popen`` and everything it started: SIGINT, then SIGTERM, then SIGKILL.

    The process was started in its own session, so its pid is also its process-group id.
    Descendants that moved to another group (daemons) are found through /proc beforehand.
    """
    with sigint_ignored():
        _stop_tree(popen, grace_s)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Block Ctrl-C for a teardown, so a second Ctrl-C cannot abort it half-way.

    Only the main thread may set signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop_tree(popen: subprocess.Popen[str], grace_s: float) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        tree = [p for p in descendants(popen.pid) if p != popen.pid]
        if popen.poll() is not None and not any(is_alive(p) for p in tree):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(popen.pid, signal.SIGKILL)  # leftovers still in the group, if any
            return
        _signal_tree(popen.pid, tree, sig)
        deadline = time.monotonic() + (grace_s if sig is not signal.SIGKILL else 10.0)
        while time.monotonic() < deadline:
            if popen.poll() is not None and not any(is_alive(p) for p in tree):
                break
            time.sleep(0.05)
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(timeout=1.0)


def run(
    argv: Argv,
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
    input_text: str | None = None,
) -> Result:
    """Run ``argv`` to completion and capture stdout and stderr (never raises on a non-zero exit).

    On timeout or Ctrl-C the whole process tree is stopped; a timeout raises :class:`ProcTimeout`.
    """
    args = _argv(argv)
    started = time.monotonic()
    popen = _popen(
        args,
        cwd=cwd,
        env=_env(env),
        stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = popen.communicate(input=input_text, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop_tree(popen, grace_s=1.0)
        popen.communicate()
        raise ProcTimeout(args, timeout_s or 0.0) from None
    except BaseException:
        stop_tree(popen, grace_s=1.0)
        raise
    return Result(args, popen.returncode, out, err, time.monotonic() - started)


def stream(
    argv: Argv,
    on_line: Callable[[str], None],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    grace_s: float = STOP_GRACE_S,
) -> int:
    """Run ``argv``, passing each line of its merged stdout/stderr (without newline) to ``on_line``.

    Returns the exit code. On Ctrl-C (KeyboardInterrupt) or any exception raised by ``on_line``
    the child's whole tree is stopped before the exception propagates.
    """
    args = _argv(argv)
    popen = _popen(
        args,
        cwd=cwd,
        env=_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=1,
    )
    assert popen.stdout is not None
    try:
        for line in popen.stdout:
            on_line(line.rstrip("\r\n"))
        return popen.wait()
    except BaseException:
        stop_tree(popen, grace_s=grace_s)
        raise
    finally:
        popen.stdout.close()


class Background:
    """A long-lived child (the emulator) whose output goes to a log file; stop() ends its tree.

    Usable as a context manager: leaving the block always stops the process.
    """

    def __init__(
        self,
        argv: Argv,
        *,
        log_file: Path,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = _argv(argv)
        self.log_file = log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_file.open("w", encoding="utf-8", errors="replace")
        self._lock = threading.Lock()
        try:
            self.popen = _popen(
                self.argv,
                cwd=cwd,
                env=_env(env),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
        except BaseException:
            self._log.close()
            raise

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        """The exit code once the process has exited, else None."""
        return self.popen.poll()

    def wait(self, timeout_s: float) -> int | None:
        """Wait up to ``timeout_s`` for the process to exit; its exit code, or None if still running."""
        try:
            return self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def tail(self, lines: int = 5) -> str:
        """The last ``lines`` lines of its log, joined by ' | ' (for one-line error messages)."""
        self._log.flush()
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        kept = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return " | ".join(kept[-lines:])

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop the process tree (idempotent)."""
        with self._lock:
            stop_tree(self.popen, grace_s=grace_s)
            if not self._log.closed:
                self._log.close()

    def __enter__(self) -> Background:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
