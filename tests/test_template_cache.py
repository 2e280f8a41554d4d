"""Compiled templates are cached on disk, and the cache can never change or break the output.

``bindgen/generate/templating.py`` keeps Jinja's compiled templates under ``$BINDGEN_CACHE/jinja``
(start-up: compiling the wrapper template is a quarter of ``bindgen kotlin``). Each case runs the
real CLI in a fresh process and compares every written byte with a run that had no usable cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.toolchain.cli import REPO

DEMO = REPO / "bindgen" / "demo" / "shapes.tflite"


def kotlin(out: Path, cache: Path) -> dict[str, bytes]:
    env = {**os.environ, "BINDGEN_CACHE": str(cache), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "bindgen", "kotlin", str(DEMO), "-o", str(out), "--package", "com.example.cache"],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_cold_warm_corrupt_and_unwritable_caches_give_the_same_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = kotlin(tmp_path / "cold", cache)
    entries = sorted((cache / "jinja").iterdir())
    # One compiled entry per template the kotlin command renders: the wrapper, the input overloads
    # it includes, the shared support file.
    templates = {"kotlin/wrapper.kt.j2", "kotlin/inputs.kt.j2", "kotlin/support.kt.j2"}
    assert len(entries) == len(templates), entries
    assert kotlin(tmp_path / "warm", cache) == cold

    for entry in entries:
        entry.write_bytes(b"not a compiled template")
    assert kotlin(tmp_path / "corrupt", cache) == cold

    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert kotlin(tmp_path / "unwritable", blocker / "cache") == cold  # mkdir fails: no cache, same files
    assert blocker.is_file()
