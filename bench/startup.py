"""Start-up: bindgen's commands against the floors and the official tools, in one run.

Every row is a fresh process, measured like hyperfine does it: one untimed warm-up, then
``--runs`` timed runs; the rows are interleaved round by round (and their order rotated), so a
burst of load on the shared cores hits every row alike. Reported: the median wall time and the
median CPU time (user + system, much less sensitive to other jobs) of the runs.

* ``python -c pass``: the interpreter's own floor; ``import typer``: the CLI framework's floor
* ``bindgen --help``
* ``bindgen kotlin`` on the demo model (``bindgen/demo/shapes.tflite`` annotated from its
  ``spec.toml``) and tflite-support 0.4.4's ``tflite_codegen`` on the same file
* ``bindgen annotate`` on the ~100 MB bench model and the official image-classifier writer on the
  same model and labels (the command of ``bench/annotate_large.py``)

Goals (issue 15), checked on this run's numbers: ``bindgen kotlin`` cold ≤ 0.15 s, and
``bindgen annotate`` on 100 MB ≥ 5x faster than the official writer. A report, not a test: it
prints each goal with its ratio and exits 0.

Usage: python bench/startup.py [--runs N] [--annotate-runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    REPO,
    Sample,
    bindgen_exe,
    large_image_model,
    load_note,
    measure,
    oracle_python,
    read_into_page_cache,
    write_labels,
)
from annotate_large import OFFICIAL

GOAL_KOTLIN_S = 0.15
GOAL_ANNOTATE_SPEEDUP = 5.0
DEMO = REPO / "bindgen" / "demo"


def _env() -> dict[str, str]:
    """This checkout's bindgen, whatever the venv's install points at."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


def commands(work: Path) -> dict[str, tuple[list[str], Path | None]]:
    """Row name → (command, output to delete before each run)."""
    python = str(Path(bindgen_exe()).with_name("python"))
    demo = work / "shapes.tflite"
    subprocess.run([bindgen_exe(), "annotate", str(DEMO / "shapes.tflite"), "--spec", str(DEMO / "spec.toml"),
                    "-o", str(demo)], check=True, env=_env(), capture_output=True)  # fmt: skip
    large = large_image_model(100)
    labels = write_labels(work / "labels.txt")
    read_into_page_cache(large)
    codegen = str(Path(oracle_python()).with_name("tflite_codegen"))
    return {
        "python -c pass": ([python, "-c", "pass"], None),
        "import typer": ([python, "-c", "import typer"], None),
        "bindgen --help": ([bindgen_exe(), "--help"], None),
        "bindgen kotlin (demo)": (
            [bindgen_exe(), "kotlin", str(demo), "-o", str(work / "kt"), "--package", "com.example.bench"],
            work / "kt",
        ),
        "tflite_codegen (demo)": (
            [codegen, "--model", str(demo), "--destination", str(work / "codegen"),
             "--package_name", "com.example.bench", "--model_class_name", "Shapes"],
            work / "codegen",
        ),
        "bindgen annotate (100 MB)": (
            [bindgen_exe(), "annotate", str(large), "-o", str(work / "ours.tflite"), "--kind", "image-classifier",
             "--labels", str(labels), "--mean", "127.5", "--std", "127.5"],
            work / "ours.tflite",
        ),
        "official writer (100 MB)": (
            [oracle_python(), "-c", OFFICIAL, str(large), str(labels), str(work / "official.tflite")],
            work / "official.tflite",
        ),
    }


def _clear(path: Path | None) -> None:
    if path is None:
        return
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def run(rows: dict[str, tuple[list[str], Path | None]], runs: int, annotate_runs: int) -> dict[str, list[Sample]]:
    names = list(rows)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for name in names:  # warm-up: page cache, .pyc files
        _clear(rows[name][1])
        measure(rows[name][0], env=_env())
    for round_ in range(runs):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            if "100 MB" in name and round_ >= annotate_runs:
                continue
            command, output = rows[name]
            _clear(output)
            samples[name].append(measure(command, env=_env()))
    return samples


def median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.rss_mb for s in samples),
        statistics.median(s.cpu for s in samples),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per start-up row")
    parser.add_argument("--annotate-runs", type=int, default=5, help="timed runs of the two 100 MB rows")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bindgen-bench-startup-") as tmp:
        samples = run(commands(Path(tmp)), args.runs, min(args.annotate_runs, args.runs))
    rows = {name: median(s) for name, s in samples.items()}
    floor = rows["python -c pass"]
    kotlin, codegen = rows["bindgen kotlin (demo)"], rows["tflite_codegen (demo)"]
    ours, official = rows["bindgen annotate (100 MB)"], rows["official writer (100 MB)"]
    goals = {
        "kotlin_cold_s": kotlin.wall,
        "kotlin_goal_met": kotlin.wall <= GOAL_KOTLIN_S,
        "kotlin_vs_tflite_codegen": kotlin.wall / codegen.wall,
        "annotate_speedup_vs_official": official.wall / ours.wall,
        "annotate_goal_met": official.wall / ours.wall >= GOAL_ANNOTATE_SPEEDUP,
    }
    if args.json:
        print(json.dumps({"rows": {k: vars(v) for k, v in rows.items()}, "goals": goals, "load": load_note()}))
        return 0
    print(f"bench/startup: medians of {args.runs} fresh processes per row ({args.annotate_runs} for the 100 MB rows), "
          f"after one warm-up; {load_note()}")  # fmt: skip
    print(f"{'command':<28}{'wall s':>9}{'CPU s':>8}{'wall / python -c pass':>24}")
    for name, row in rows.items():
        print(f"{name:<28}{row.wall:>9.3f}{row.cpu:>8.3f}{row.wall / floor.wall:>23.1f}x")
    met = {True: "met", False: "NOT met"}
    verdict = met[bool(goals["kotlin_goal_met"])]
    print(f"goal: bindgen kotlin cold <= {GOAL_KOTLIN_S} s: {kotlin.wall:.3f} s wall ({verdict}), "
          f"{kotlin.cpu:.3f} s CPU; {kotlin.wall / codegen.wall:.2f}x the time of tflite_codegen "
          f"({codegen.wall:.3f} s)")  # fmt: skip
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("      (the machine is loaded beyond its cores: wall times include waiting for a core; "
              "CPU time is the steadier number)")  # fmt: skip
    print(f"goal: annotate 100 MB >= {GOAL_ANNOTATE_SPEEDUP:g}x faster than the official writer: "
          f"{goals['annotate_speedup_vs_official']:.1f}x ({met[goals['annotate_goal_met']]}); "
          f"CPU {official.cpu / max(ours.cpu, 0.001):.1f}x less")  # fmt: skip
    typer_floor = rows["import typer"].wall - floor.wall
    print(f"floor: typer's own import costs {typer_floor:.3f} s of every command (import typer minus python -c pass)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
