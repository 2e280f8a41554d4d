"""``bindgen inspect --json`` on the ~800 MB model vs the official metadata displayer.

The model (``_common.large_image_model``) is first annotated by ``bindgen annotate`` (image
classifier, 2048 labels) so both tools have metadata to show. Each tool then runs ``--runs``
times, interleaved, every run a fresh process under GNU ``time -v``:

* bindgen:  ``bindgen inspect --json MODEL``
* official: tflite-support 0.4.4 (oracle venv)
  ``MetadataDisplayer.with_model_file(MODEL).get_metadata_json()`` printed to stdout

Goals (issue 2): bindgen ≤ 0.5 s wall and ≤ 100 MB peak RSS. A report, not a test: exits 0.

Usage: python bench/inspect_large.py [--megabytes 800] [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Sample,
    bindgen_exe,
    large_image_model,
    load_note,
    measure,
    oracle_python,
    read_into_page_cache,
    summarize,
    write_labels,
)

GOAL_WALL, GOAL_RSS_MB = 0.5, 100.0

OFFICIAL = """
import sys
from tflite_support import metadata
print(metadata.MetadataDisplayer.with_model_file(sys.argv[1]).get_metadata_json())
"""


def bench(megabytes: int, runs: int, work: Path) -> dict[str, object]:
    source = large_image_model(megabytes)
    model = work / f"large_image_{megabytes}mb.annotated.tflite"
    labels = write_labels(work / "labels.txt")
    subprocess.run([bindgen_exe(), "annotate", str(source), "-o", str(model), "--kind", "image-classifier",
                    "--labels", str(labels), "--mean", "127.5", "--std", "127.5"],
                   check=True, capture_output=True)  # fmt: skip
    read_into_page_cache(model)  # as if downloaded: see _common.read_into_page_cache
    commands = {
        "bindgen": [bindgen_exe(), "inspect", "--json", str(model)],
        "official": [oracle_python(), "-c", OFFICIAL, str(model)],
    }
    # Same-run sanity: both tools really printed the metadata (not an error page).
    ours = json.loads(subprocess.run(commands["bindgen"], check=True, capture_output=True, text=True).stdout)
    theirs = json.loads(subprocess.run(commands["official"], check=True, capture_output=True, text=True).stdout)
    same = ours.get("metadata") == theirs
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(measure(command))
    b, o = summarize(samples["bindgen"]), summarize(samples["official"])
    return {
        "megabytes": megabytes,
        "model_bytes": model.stat().st_size,
        "runs": runs,
        "bindgen": vars(b),
        "official": vars(o),
        "speedup_vs_official": o.wall / b.wall,
        "memory_ratio_vs_official": o.rss_mb / b.rss_mb,
        "goal_wall_met": b.wall <= GOAL_WALL,
        "goal_rss_met": b.rss_mb <= GOAL_RSS_MB,
        "metadata_equal_to_displayer": same,
        "load": load_note(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--megabytes", type=int, default=800)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bindgen-bench-inspect-"))
    try:
        r = bench(args.megabytes, args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    b, o = r["bindgen"], r["official"]
    assert isinstance(b, dict) and isinstance(o, dict)
    print(f"inspect on a {r['model_bytes']} byte annotated model: median of {args.runs} fresh processes, "
          f"max peak RSS; machine: {r['load']}")  # fmt: skip
    print(f"{'tool':<9} {'wall s':>8} {'CPU s':>7} {'peak RSS MB':>12}")
    for name, s in (("bindgen", b), ("official", o)):
        print(f"{name:<9} {s['wall']:>8.3f} {s['cpu']:>7.2f} {s['rss_mb']:>12.1f}")
    print(f"ratios: {r['speedup_vs_official']:.1f}x faster, {r['memory_ratio_vs_official']:.1f}x less peak memory "
          "than the official displayer")  # fmt: skip
    print(
        f"goal wall ≤ {GOAL_WALL} s: {'met' if r['goal_wall_met'] else 'NOT met'} ({b['wall']:.3f} s); "
        f"goal peak RSS ≤ {GOAL_RSS_MB:g} MB: {'met' if r['goal_rss_met'] else 'NOT met'} ({b['rss_mb']:.1f} MB)"
    )
    print(f"metadata equal to the displayer's JSON: {r['metadata_equal_to_displayer']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
