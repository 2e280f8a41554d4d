"""Real third-party models: the ``.tflite`` files shipped inside the ``mediapipe==0.10.21`` wheel.

The wheel is fetched once with pip (``pip download --no-deps --only-binary=:all:``, for this
interpreter's Python and platform) into ``~/.cache/bindgen/mediapipe-0.10.21/`` and every
``mediapipe/modules/**.tflite`` is extracted beside it. These are models nobody on this project
wrote: detectors, landmark models and segmenters, some with TFLITE_METADATA and some without.
"""

from __future__ import annotations

import fcntl
import functools
import os
import subprocess
import sys
import zipfile
from pathlib import Path

VERSION = "0.10.21"
CACHE = Path(os.environ.get("BINDGEN_CACHE", Path.home() / ".cache" / "bindgen")) / f"mediapipe-{VERSION}"


def _wheel() -> Path:
    wheels = sorted(CACHE.glob(f"mediapipe-{VERSION}-*.whl"))
    if wheels:
        return wheels[0]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "--dest", str(CACHE), f"mediapipe=={VERSION}"],
        capture_output=True, text=True, check=False,
    )
    wheels = sorted(CACHE.glob(f"mediapipe-{VERSION}-*.whl"))
    if result.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download mediapipe=={VERSION} failed:\n{result.stderr[-2000:]}")
    return wheels[0]


@functools.cache
def mediapipe_models() -> dict[str, Path]:
    """``{"face_detection/face_detection_short_range": path, ...}`` keyed by path under modules/."""
    CACHE.mkdir(parents=True, exist_ok=True)
    root = CACHE / "modules"
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "COMPLETE").exists():
            with zipfile.ZipFile(_wheel()) as wheel:
                for info in wheel.infolist():
                    name = info.filename
                    if name.startswith("mediapipe/modules/") and name.endswith(".tflite"):
                        dest = root / name.removeprefix("mediapipe/modules/")
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        tmp = dest.with_name(dest.name + ".tmp")
                        tmp.write_bytes(wheel.read(info))
                        tmp.replace(dest)
            (root / "COMPLETE").write_text(VERSION + "\n", encoding="utf-8")
    return {
        str(path.relative_to(root).with_suffix("")): path for path in sorted(root.rglob("*.tflite"))
    }
