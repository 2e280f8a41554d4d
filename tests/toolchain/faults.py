"""Real OS faults for the fault tests: a full disk, a read-only folder, an immutable file, a kill.

- a full disk is a tiny ``tmpfs`` filled to the last byte (``ENOSPC``); where this machine
  cannot mount one, the documented fallback is ``RLIMIT_FSIZE`` in the child (``EFBIG``, the
  limit ``ulimit -f`` sets), which fails the same writes;
- a read-only folder is a ``tmpfs`` remounted ``ro`` (``EROFS``); the fallback is ``chattr +i``
  on the folder (``EPERM``). Root ignores permission bits, so ``chmod`` would prove nothing;
- an immutable file is ``chattr +i`` (``EPERM``);
- a kill lands at a named point of the writer: ``BINDGEN_TEST_PAUSE_AT`` makes it stop itself
  (SIGSTOP), the test sees the stopped state in ``/proc`` and sends SIGKILL.

What this machine cannot do raises ``Unsupported``; ``require`` turns it into a failure on CI
(``CI`` set) and a skip that says why elsewhere — never a silent pass.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NoReturn

import pytest

from bindgen.output import PAUSE_ENV, is_temp
from tests.toolchain.cli import REPO

#: LiteRT's runtime logs this on stderr (C++, once per process) whenever the host twin runs;
#: it is not bindgen's output and is the only other line allowed next to the error.
RUNTIME_LOG = re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.$")


class Unsupported(Exception):
    """This machine cannot produce the fault (no mount, no chattr)."""


def require(reason: str) -> NoReturn:
    message = f"fault test cannot run here: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must provide it: run as root, or with CAP_SYS_ADMIN and CAP_LINUX_IMMUTABLE)")
    pytest.skip(message)


def _run(*argv: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Unsupported(f"`{' '.join(argv)}` failed: {result.stderr.strip() or result.returncode}")


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "16m") -> Iterator[Path]:
    """A fresh tmpfs mounted at ``path`` for the block; unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """Write a filler file in ``folder`` until its file system has not one byte left."""
    filler = folder / "filler"
    chunk = 1 << 20
    with filler.open("wb", buffering=0) as handle:
        while chunk:
            try:
                handle.write(b"\0" * chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                chunk //= 2
    return filler


def remount_read_only(path: Path) -> None:
    _run("mount", "-o", "remount,ro", str(path))


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """``chattr +i`` on ``path`` for the block (even root cannot replace, rename or write it)."""
    _run("chattr", "+i", str(path))
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)


def file_size_limit(limit: int) -> Callable[[], None]:
    """A ``preexec_fn`` giving the child ``ulimit -f``: writes past ``limit`` bytes fail with EFBIG."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under ``root`` by relative path: file bytes, or None for a folder."""
    out: dict[str, bytes | None] = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = None if path.is_dir() and not path.is_symlink() else path.read_bytes()
    return out


def visible(entries: dict[str, bytes | None]) -> dict[str, bytes | None]:
    """``entries`` without bindgen's temp files and scratch folders (nor what is inside them)."""
    return {k: v for k, v in entries.items() if not any(is_temp(part) for part in k.split("/"))}


def temps(entries: dict[str, bytes | None]) -> list[str]:
    return [k for k in entries if is_temp(k.split("/")[-1])]


def bindgen_argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "bindgen", *map(str, args)]


def run(
    args: list[str | Path],
    *,
    stdout: IO[bytes] | int | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run bindgen as a user would; ``stdout`` may be a file (a shell's ``> file``)."""
    result = subprocess.run(
        bindgen_argv(*args),
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        (result.stdout or b"").decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The only line on stderr (besides the runtime's own log) is one ``bindgen: error:`` line."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and not RUNTIME_LOG.match(line)]
    assert len(lines) == 1 and lines[0].startswith("bindgen: error: "), result.stderr
    return lines[0]


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]


def kill_at(args: list[str | Path], point: str, *, timeout: float = 900) -> bool:
    """Run bindgen until its writer stops itself at ``point``, then ``kill -9`` it.

    Returns False when the process ended without reaching ``point``. The deadline only keeps a
    broken writer from hanging the suite; nothing depends on how long the run takes.
    """
    env = {**os.environ, PAUSE_ENV: point}
    process = subprocess.Popen(
        bindgen_argv(*args), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None:
            if _state(process.pid) in ("T", "t"):
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            if time.monotonic() > deadline:
                raise AssertionError(f"bindgen did not reach {point!r} in {timeout} s")
            time.sleep(0.02)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
