"""``bindgen bench``: host latency and memory of ``.tflite`` models with ai-edge-litert.

Each model is measured in a fresh Python subprocess (``python -m bindgen.host.latency``) so that one
model's allocations never inflate the next one's peak memory, and the parent (typer, rich,
matplotlib) is not counted. Peak memory is the kernel's own high-water mark (``VmHWM`` in
``/proc/self/status``; ``getrusage().ru_maxrss`` off Linux): exact, where sampling RSS can miss a
spike, and it sees the runtime's native C++ allocations, which ``tracemalloc`` cannot. We report
it twice: the whole worker process, and the growth over its RSS right before the model was loaded
(numpy and the runtime already imported; the mark is reset there via ``/proc/self/clear_refs``),
which is the model's own cost. ``ru_maxrss`` is not used on Linux because exec keeps the parent's
high-water mark in it, so a big parent would show up as the model's peak.

The worker speaks JSON lines on stdout: ``progress`` events, then one ``result`` or ``error``.

Per-operator timing: ai-edge-litert 2.3's Python ``Interpreter`` exposes no profiler (its pybind
wrapper has no profiling entry point; the CompiledModel API neither), and no ``benchmark_model``
binary ships in the wheel, so ``op_profile`` is ``null`` with a note rather than a made-up table.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bindgen.errors import EXIT_FAILED, BindgenError
from bindgen.output import write_atomic

OP_PROFILE_NOTE = (
    "per-operator timing not available: the ai-edge-litert Python API exposes no profiler"
)

#: ``progress(model_index, done, total)`` — called from the parent as the worker reports.
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class BenchOptions:
    models: tuple[Path, ...]
    threads: tuple[int, ...] = (1,)
    runs: int = 50
    warmup: int = 5
    seed: int = 0


@dataclass(frozen=True)
class ThreadResult:
    threads: int
    runs: int
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float


@dataclass(frozen=True)
class ModelBench:
    model: str
    size_bytes: int
    inputs: tuple[str, ...]  # e.g. "float32[1,224,224,3]"
    load_ms: float  # Interpreter() + allocate_tensors(), cold, first thread count
    peak_rss_mb: float  # whole worker process
    model_rss_mb: float  # peak growth over the process before the model was loaded
    results: tuple[ThreadResult, ...]
    op_profile: None = None
    op_profile_note: str = OP_PROFILE_NOTE


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method) of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(threads: int, times_ms: Sequence[float]) -> ThreadResult:
    ordered = sorted(times_ms)
    return ThreadResult(
        threads=threads,
        runs=len(ordered),
        mean_ms=sum(ordered) / len(ordered),
        p50_ms=percentile(ordered, 50),
        p90_ms=percentile(ordered, 90),
        p99_ms=percentile(ordered, 99),
        min_ms=ordered[0],
        max_ms=ordered[-1],
    )


def parse_threads(text: str) -> tuple[int, ...]:
    """``"1,2,4"`` → ``(1, 2, 4)``; an error for anything else."""
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise BindgenError(f"--threads wants a comma list of positive integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise BindgenError(f"--threads wants a comma list of positive integers, got {text!r}")
    return tuple(dict.fromkeys(values))


def _validate(options: BenchOptions) -> None:
    if not options.models:
        raise BindgenError("give at least one .tflite model")
    for model in options.models:
        if not model.is_file():
            raise BindgenError("no such model file", where=model)
    if options.runs < 1:
        raise BindgenError("--runs must be at least 1")
    if options.warmup < 0:
        raise BindgenError("--warmup must be 0 or more")
    if importlib.util.find_spec("ai_edge_litert") is None or importlib.util.find_spec("numpy") is None:
        raise BindgenError("bindgen bench needs the 'run' extra: pip install 'bindgen[run]'")


def bench(options: BenchOptions, progress: Progress | None = None) -> list[ModelBench]:
    """Measure every model, each in its own subprocess, one after another (never concurrently)."""
    _validate(options)
    return [_bench_in_subprocess(i, model, options, progress) for i, model in enumerate(options.models)]


def _bench_in_subprocess(
    index: int, model: Path, options: BenchOptions, progress: Progress | None
) -> ModelBench:
    command = [
        sys.executable, "-m", "bindgen.host.latency", str(model),
        "--threads", ",".join(str(t) for t in options.threads),
        "--runs", str(options.runs), "--warmup", str(options.warmup), "--seed", str(options.seed),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as worker:
        assert worker.stdout is not None and worker.stderr is not None
        outcome: dict[str, Any] | None = None
        for line in worker.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # native libraries may print on stdout; our lines are JSON
            if not isinstance(event, dict):
                continue
            if event.get("event") == "progress" and progress is not None:
                progress(index, int(event["done"]), int(event["total"]))
            elif event.get("event") in ("result", "error"):
                outcome = event
        stderr = worker.stderr.read()
        worker.wait()
    if outcome is not None and outcome["event"] == "error":
        raise BindgenError(str(outcome["message"]), where=model)
    if outcome is None or worker.returncode != 0:
        tail = " ".join(stderr.strip().splitlines()[-1:]) or f"exit code {worker.returncode}"
        raise BindgenError(f"the benchmark worker failed: {tail}", where=model, exit_code=EXIT_FAILED)
    data = outcome["result"]
    return ModelBench(
        model=str(model),
        size_bytes=int(data["size_bytes"]),
        inputs=tuple(data["inputs"]),
        load_ms=float(data["load_ms"]),
        peak_rss_mb=float(data["peak_rss_mb"]),
        model_rss_mb=float(data["model_rss_mb"]),
        results=tuple(ThreadResult(**r) for r in data["results"]),
    )


# --- the worker (runs in the subprocess) -------------------------------------------------------


def _status_mb(field: str) -> float | None:
    """``VmHWM``/``VmRSS`` of this process from ``/proc/self/status`` in MB (Linux), else None."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    return None


def _reset_peak() -> None:
    """Reset the kernel's RSS high-water mark to the current RSS (Linux ``clear_refs`` 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    # ru_maxrss is KiB on Linux, bytes on macOS; it can carry the parent's size across exec.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _random_inputs(details: Sequence[dict[str, Any]], seed: int) -> list[Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    values = []
    for d in details:
        dtype = np.dtype(d["dtype"])
        shape = tuple(int(x) for x in d["shape"])
        if dtype.kind == "f":
            values.append(rng.random(shape, dtype=np.float32).astype(dtype))
        elif dtype.kind in "iu":
            info = np.iinfo(dtype)
            lo, hi = max(int(info.min), -128), min(int(info.max), 127)
            values.append(rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype))
        elif dtype.kind == "b":
            values.append(rng.integers(0, 1, size=shape, endpoint=True).astype(bool))
        else:
            raise BindgenError(f"cannot make random input of type {dtype.name} for {d['name']}")
    return values


def _shape_text(detail: dict[str, Any]) -> str:
    import numpy as np

    dims = ",".join(str(int(x)) for x in detail["shape"])
    return f"{np.dtype(detail['dtype']).name}[{dims}]"


def measure(model: Path, threads: Sequence[int], runs: int, warmup: int, seed: int) -> dict[str, Any]:
    """The worker's measurement: call only in a fresh process (peak RSS is process-wide)."""
    import gc

    import numpy as np  # noqa: F401  (imported before the baseline so it is not counted)
    from ai_edge_litert.interpreter import Interpreter

    _reset_peak()
    baseline = _status_mb("VmRSS") or _peak_mb()
    total = len(threads) * (warmup + runs)
    done = 0
    step = max(1, total // 100)
    results: list[ThreadResult] = []
    load_ms = 0.0
    inputs_text: list[str] = []
    for n in threads:
        start = time.perf_counter()
        try:
            interpreter = Interpreter(model_path=str(model), num_threads=n)
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise BindgenError(f"LiteRT cannot load this model: {' '.join(str(error).split())}") from None
        elapsed = (time.perf_counter() - start) * 1000
        if not results:
            load_ms = elapsed
        details = interpreter.get_input_details()
        inputs_text = [_shape_text(d) for d in details]
        values = _random_inputs(details, seed)
        for d, value in zip(details, values, strict=True):
            interpreter.set_tensor(d["index"], value)
        times: list[float] = []
        for i in range(warmup + runs):
            start = time.perf_counter()
            interpreter.invoke()
            elapsed = (time.perf_counter() - start) * 1000
            if i >= warmup:
                times.append(elapsed)
            done += 1
            if done % step == 0 or done == total:
                _emit({"event": "progress", "done": done, "total": total})
        results.append(summarize(n, times))
        del interpreter
        gc.collect()
    peak = _peak_mb()
    return {
        "size_bytes": model.stat().st_size,
        "inputs": inputs_text,
        "load_ms": load_ms,
        "peak_rss_mb": peak,
        "model_rss_mb": max(0.0, peak - baseline),
        "results": [asdict(r) for r in results],
    }


def _worker_main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bindgen.host.latency")
    parser.add_argument("model", type=Path)
    parser.add_argument("--threads", default="1")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        result = measure(args.model, parse_threads(args.threads), args.runs, args.warmup, args.seed)
    except BindgenError as error:
        _emit({"event": "error", "message": error.one_line()})
        return 1
    _emit({"event": "result", "result": result})
    return 0


# --- rendering ---------------------------------------------------------------------------------


def to_json(results: Sequence[ModelBench], options: BenchOptions) -> dict[str, Any]:
    """The ``--json`` document: one object, a ``p50_ms`` in every per-thread result."""
    return {
        "runtime": _runtime_version(),
        "runs": options.runs,
        "warmup": options.warmup,
        "threads": list(options.threads),
        "models": [
            {**asdict(m), "inputs": list(m.inputs), "results": [asdict(r) for r in m.results]}
            for m in results
        ],
    }


def _runtime_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"ai-edge-litert {version('ai-edge-litert')}"
    except PackageNotFoundError:
        return "ai-edge-litert (unknown version)"


def render_table(results: Sequence[ModelBench]) -> Any:
    """A rich table: one row per model x thread count, models side by side for comparison."""
    from rich.table import Table

    from bindgen.host.convert import human_size

    table = Table(title=f"host latency, ms ({_runtime_version()})")
    table.add_column("model", overflow="fold")  # the one column that may wrap on a narrow terminal
    for name in ("size", "load", "peak", "+model", "thr", "mean", "p50", "p90", "p99"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    table.caption = "peak = worker RSS high-water mark; +model = its growth from loading and running"
    for m in results:
        for i, r in enumerate(m.results):
            first = i == 0
            table.add_row(
                Path(m.model).name if first else "",
                human_size(m.size_bytes).replace(" ", "") if first else "",
                f"{m.load_ms:.1f}" if first else "",
                f"{m.peak_rss_mb:.0f}M" if first else "",
                f"{m.model_rss_mb:.1f}M" if first else "",
                str(r.threads),
                f"{r.mean_ms:.3f}",
                f"{r.p50_ms:.3f}",
                f"{r.p90_ms:.3f}",
                f"{r.p99_ms:.3f}",
            )
    return table


def check_plot_path(path: Path) -> str:
    """The plot format from ``path``'s suffix; checked before measuring so nobody waits in vain."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise BindgenError("--plot wants a .png, .svg or .pdf file", where=path)
    if path.is_dir():
        raise BindgenError("--plot names a folder", where=path)
    if importlib.util.find_spec("matplotlib") is None:
        raise BindgenError("--plot needs matplotlib: pip install matplotlib")
    return suffix


def plot(results: Sequence[ModelBench], path: Path) -> None:
    """A grouped bar chart of p50 (with p90 as a whisker) per model and thread count."""
    suffix = check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    threads = sorted({r.threads for m in results for r in m.results})
    width = 0.8 / max(1, len(results))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(threads) * len(results)), 4))
    for k, m in enumerate(results):
        by_threads = {r.threads: r for r in m.results}
        xs = [i + (k - (len(results) - 1) / 2) * width for i, t in enumerate(threads) if t in by_threads]
        p50 = [by_threads[t].p50_ms for t in threads if t in by_threads]
        p90 = [by_threads[t].p90_ms - by_threads[t].p50_ms for t in threads if t in by_threads]
        ax.bar(xs, p50, width, yerr=[[0] * len(p90), p90], capsize=3, label=Path(m.model).name)
    ax.set_xticks(range(len(threads)), [f"{t} thread{'s' if t > 1 else ''}" for t in threads])
    ax.set_ylabel("latency p50 (ms), whisker to p90")
    ax.set_title("bindgen bench")
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=suffix, dpi=120)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
