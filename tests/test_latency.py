"""``bindgen bench``: structure of the measurements on real converted models (no timing limits).

The two models (float and dynamic-range) are made by the real ``bindgen convert`` command in one
subprocess, so TensorFlow stays out of pytest's process; ``bench`` itself runs LiteRT in its own
worker subprocesses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import bindgen.cli.pipeline_cmds  # noqa: F401  (registers bench on app)
from bindgen.cli.app import app
from bindgen.errors import BindgenError
from bindgen.host.latency import OP_PROFILE_NOTE, BenchOptions, bench, parse_threads, percentile, summarize

pytestmark = pytest.mark.slow

_BUILD = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
from bindgen.cli import app
out = sys.argv[1]
keras.utils.set_random_seed(3)
inp = keras.Input((64,))
h = keras.layers.Dense(512, activation="relu")(inp)
model = keras.Model(inp, keras.layers.Dense(8)(h))
model.save(f"{out}/mlp.keras")
for mode in ("none", "dynamic"):
    try:
        app(["convert", f"{out}/mlp.keras", "-o", f"{out}/mlp-{mode}.tflite", "--quantize", mode])
    except SystemExit as stop:
        if stop.code:
            raise
"""


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("bench")
    run = subprocess.run(
        [sys.executable, "-c", _BUILD, str(out)], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "[quantize=dynamic]" in run.stdout
    return out / "mlp-none.tflite", out / "mlp-dynamic.tflite"


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["bench", *args])


def test_json_is_one_object_with_p50_per_result(models: tuple[Path, Path]) -> None:
    result = _invoke([*map(str, models), "--threads", "1,2", "--runs", "7", "--warmup", "2", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert doc["runs"] == 7 and doc["warmup"] == 2 and doc["threads"] == [1, 2]
    assert doc["runtime"].startswith("ai-edge-litert ")
    assert [m["model"] for m in doc["models"]] == [str(p) for p in models]
    for m, path in zip(doc["models"], models, strict=True):
        assert m["size_bytes"] == path.stat().st_size
        assert m["inputs"] == ["float32[1,64]"]
        assert m["load_ms"] > 0
        # model_rss_mb is clamped at 0, so ">= 0" would hold whatever it measured: running the model
        # touches every weight page (mmap'd, counted in RSS), so the growth covers the file at least.
        assert m["size_bytes"] / 2**20 <= m["model_rss_mb"] <= m["peak_rss_mb"], m
        assert m["op_profile"] is None and m["op_profile_note"] == OP_PROFILE_NOTE
        assert [r["threads"] for r in m["results"]] == [1, 2]
        for r in m["results"]:
            assert r["runs"] == 7
            assert 0 < r["min_ms"] <= r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"]
            assert r["min_ms"] <= r["mean_ms"] <= r["max_ms"]


def test_table_lists_models_side_by_side_and_plot_is_a_png(
    models: tuple[Path, Path], tmp_path: Path
) -> None:
    chart = tmp_path / "latency.png"
    result = _invoke([*map(str, models), "--runs", "3", "--warmup", "0", "--plot", str(chart)])
    assert result.exit_code == 0, result.stderr
    for path in models:
        assert path.name in result.stdout
    for column in ("load", "peak", "p50", "p90", "p99"):
        assert column in result.stdout
    assert OP_PROFILE_NOTE in result.stdout
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.width > 100 and image.height > 100


def test_api_returns_results_per_thread_count(models: tuple[Path, Path]) -> None:
    seen: list[tuple[int, int, int]] = []
    (result,) = bench(
        BenchOptions(models=(models[1],), threads=(2, 1), runs=4, warmup=1),
        progress=lambda i, done, total: seen.append((i, done, total)),
    )
    assert [r.threads for r in result.results] == [2, 1]
    assert seen and seen[-1] == (0, 10, 10)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["{d}/missing.tflite"], "no such model file"),
        (["{m}", "--threads", "0"], "--threads wants a comma list of positive integers"),
        (["{m}", "--threads", "one"], "--threads wants a comma list of positive integers"),
        (["{m}", "--runs", "0"], "--runs must be at least 1"),
        (["{m}", "--warmup", "-1"], "--warmup must be 0 or more"),
        (["{m}", "--plot", "{d}/chart.gif"], "--plot wants a .png, .svg or .pdf file"),
        (["{d}/garbage.tflite"], "LiteRT cannot load this model"),
    ],
)
def test_bad_input_is_one_line(
    models: tuple[Path, Path], tmp_path: Path, args: list[str], needle: str
) -> None:
    (tmp_path / "garbage.tflite").write_bytes(b"\x00not a flatbuffer" * 4)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = _invoke([a.format(d=tmp_path, m=models[0]) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bindgen: error: ") and needle in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_percentile_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 100):
        values = sorted(rng.random(n).tolist())
        for q in (0, 50, 90, 99, 100):
            assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_summarize_and_parse_threads() -> None:
    r = summarize(4, [3.0, 1.0, 2.0, 4.0])
    assert (r.threads, r.runs, r.min_ms, r.max_ms, r.mean_ms, r.p50_ms) == (4, 4, 1.0, 4.0, 2.5, 2.5)
    assert parse_threads("1,2,4") == (1, 2, 4)
    assert parse_threads("2, 2,1") == (2, 1)
    with pytest.raises(BindgenError):
        parse_threads("")
