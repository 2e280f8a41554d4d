"""Shared bench helpers: large image-classifier models (cached) and per-process wall/RSS measuring.

The models are built once by the real converter and cached.

``tests.models.large_model`` has a ``[1, 2048]`` input, which ``--kind image-classifier`` (ours)
rightly refuses. The benches compare against the official image-classifier writer, so they need
the same dense chain behind an image input: ``[1, 32, 64, 1]`` -> reshape -> 2048x2048 dense
layers (16 MB each) -> ``[1, 2048]`` scores. Cached next to ``large_model``'s files.
"""

from __future__ import annotations

import fcntl
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

from tests.models import CACHE_ROOT, cache_key  # noqa: E402

WIDTH = 2048
IMAGE_SHAPE = (1, 32, 64, 1)  # 32 * 64 = WIDTH
CLASSES = WIDTH

_BUILD = """
import sys
from pathlib import Path
import numpy as np
import tensorflow as tf
from tests.models.build import SEED, _convert, _from_function

out, megabytes, width = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
layers = max(1, round(megabytes / (width * width * 4 / 2**20)))
module = tf.Module()
rng = np.random.default_rng(SEED)
scale = np.float32(1.0 / np.sqrt(width))
module.weights = [
    tf.Variable(rng.standard_normal((width, width), dtype=np.float32) * scale, name=f"w{i}")
    for i in range(layers)
]

@tf.function(input_signature=[tf.TensorSpec([1, 32, 64, 1], tf.float32, name="image")])
def serve(image):
    x = tf.reshape(image, [1, width])
    for w in module.weights:
        x = tf.tanh(tf.matmul(x, w))
    return {"scores": tf.nn.softmax(x)}

data = _convert(_from_function(serve, module))
tmp = out.with_name(out.name + ".tmp")
tmp.write_bytes(data)
tmp.replace(out)
"""


def large_image_model(megabytes: int) -> Path:
    """A ~``megabytes`` MB float image classifier (2048 classes); built on first use (TF, minutes)."""
    path = CACHE_ROOT / "models" / f"{cache_key()}-large" / f"large_image_{megabytes}mb.tflite"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            print(f"building {path.name} with the TF converter (once; minutes, several GB of RAM)",
                  file=sys.stderr)  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
            result = subprocess.run(
                [sys.executable, "-c", _BUILD, str(path), str(megabytes), str(WIDTH)],
                cwd=REPO, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise RuntimeError(f"building the large image model failed:\n{result.stderr[-4000:]}")
    return path


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
