"""Real TFLite test models, built once per (build.py source, TensorFlow version) and cached.

``model_path("float_classifier")`` returns the path of a ``.tflite`` built by the real converter;
``sidecar(name)`` returns what TensorFlow's interpreter says about it. TensorFlow itself is never
imported here: the models are built by ``python -m tests.toolchain.models.build`` in a subprocess, into
``~/.cache/bindgen/models/<key>``, under a file lock so parallel test workers build only once.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
BUILD_SCRIPT = Path(__file__).with_name("build.py")
CACHE_ROOT = Path(os.environ.get("BINDGEN_CACHE", Path.home() / ".cache" / "bindgen"))

NAMES = (
    "float_classifier",
    "conv_head_classifier",
    "uint8_classifier",
    "int8_classifier",
    "int8_io_classifier",
    "float16_classifier",
    "multi_io",
    "dynamic_batch",
    "signature_model",
    "detector",
    "segmenter",
    "text_classifier",
    "bert_classifier",
    "audio_classifier",
    "image_to_image",
    "dtypes",
)


def tensorflow_version() -> str:
    for dist in ("tensorflow-cpu", "tensorflow"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    raise RuntimeError("TensorFlow is not installed: the test models need the 'convert' extra")


def cache_key() -> str:
    digest = hashlib.sha256(BUILD_SCRIPT.read_bytes())
    digest.update(tensorflow_version().encode())
    return digest.hexdigest()[:24]


def _run_build(out_dir: Path, names: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.build", str(out_dir), *names],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building test models failed:\n{result.stderr[-4000:]}")


@functools.cache
def models_dir() -> Path:
    """The cache directory holding every model, building them all on first use."""
    target = CACHE_ROOT / "models" / cache_key()
    if (target / "COMPLETE").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "COMPLETE").exists():
            staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
            staging.chmod(0o755)
            try:
                _run_build(staging, list(NAMES))
                (staging / "COMPLETE").write_text(tensorflow_version() + "\n", encoding="utf-8")
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return target


def model_path(name: str) -> Path:
    if name not in NAMES:
        raise KeyError(f"unknown test model {name!r}; known: {', '.join(NAMES)}")
    return models_dir() / f"{name}.tflite"


def sidecar(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(model_path(name).with_suffix(".json").read_text(encoding="utf-8"))
    return data


def vocab_path(name: str) -> Path:
    """The vocabulary file written next to a text model (``<name>.vocab.txt``)."""
    return models_dir() / str(sidecar(name)["vocab"])


#: Width of ``large_model``'s dense layers = its number of classes (see ``build.build_large``).
LARGE_WIDTH = 2048


def large_model(megabytes: int) -> Path:
    """A ~``megabytes`` MB float image classifier (benches; see ``build.build_large``), cached."""
    path = CACHE_ROOT / "models" / f"{cache_key()}-large" / f"large_image_{megabytes}mb.tflite"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            code = (
                "import sys; from tests.toolchain.models.build import build_large; "
                "build_large(sys.argv[1], int(sys.argv[2]))"
            )
            env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
            result = subprocess.run(
                [sys.executable, "-c", code, str(path), str(megabytes)],
                cwd=REPO, env=env, capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"building the large model failed:\n{result.stderr[-4000:]}")
    return path
