"""Shared bench helpers: the large models (built once by the real converter, cached by
``tests.toolchain.models.large_model``) and per-process wall/RSS measuring."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.toolchain.models import LARGE_WIDTH, large_model  # noqa: E402

CLASSES = LARGE_WIDTH


def large_image_model(megabytes: int) -> Path:
    """A ~``megabytes`` MB float image classifier ([1, 32, 64, 1] -> [1, 2048]); minutes and GBs on first use."""
    return large_model(megabytes)


def write_labels(path: Path, count: int = CLASSES) -> Path:
    path.write_text("".join(f"class_{i}\n" for i in range(count)), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- measuring

TIME = Path("/usr/bin/time")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds, measured around the child process (startup included)
    rss_mb: float  # peak resident set size of the child, MiB
    cpu: float  # user + system CPU seconds of the child: far less sensitive to a busy machine


def measure(command: list[str], *, env: dict[str, str] | None = None) -> Sample:
    """Run ``command`` once in a fresh process; its wall time and peak RSS (via GNU time -v)."""
    if not TIME.exists():
        raise SystemExit("bench: /usr/bin/time is missing: apt-get install -y time")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        result = subprocess.run([str(TIME), "-v", "-o", report.name, *command], capture_output=True,
                                text=True, env=env, check=False)  # fmt: skip
        wall = time.perf_counter() - started
        text = report.read()
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed (exit {result.returncode}):\n"
                         f"{result.stdout[-2000:]}{result.stderr[-4000:]}")  # fmt: skip
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if match is None:
        raise SystemExit(f"bench: no peak RSS in GNU time's report:\n{text}")
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    cpu = (float(user.group(1)) if user else 0.0) + (float(system.group(1)) if system else 0.0)
    return Sample(wall, int(match.group(1)) / 1024, cpu)


def summarize(samples: list[Sample]) -> Sample:
    """Median wall and CPU time, and the highest peak RSS over the runs."""
    return Sample(
        statistics.median(s.wall for s in samples),
        max(s.rss_mb for s in samples),
        statistics.median(s.cpu for s in samples),
    )


def load_note() -> str:
    """The machine's load, printed with every table: 2 shared cores make wall times noisy."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) / {five:.1f} (5 min)"


def read_into_page_cache(path: Path) -> None:
    """Leave ``path`` in the page cache the way a download or a first read would.

    Drops just this file's cached pages, then reads it through: the kernel's readahead then
    caches it in large folios (read_ahead_kb is 8 MB here), and a process that touches one page
    of a large folio through mmap gets the whole folio (up to 2 MB) in its RSS. A file that is
    only in the cache because it was just *written* has small folios and gives a much lower
    (unrealistic) RSS for mmap readers, so every bench input goes through this first.
    """
    with open(path, "rb") as handle:
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        while handle.read(1 << 24):
            pass


def bindgen_exe() -> str:
    return str(REPO / ".venv" / "bin" / "bindgen")


def oracle_python() -> str:
    from tests.toolchain import oracle_python as find

    return str(find())
