"""Wall time of ``bindgen kotlin`` vs the official ``tflite_codegen`` on the same annotated model.

Both run ``--runs`` times, each run a fresh process (cold start: interpreter start-up, imports,
reading the model, writing the files), on the float image classifier of the test suite annotated
by the official writer:

* bindgen:  ``bindgen kotlin MODEL -o OUT --package com.example.bench``
* official: tflite-support 0.4.4 (oracle venv) ``tflite_codegen --model MODEL --destination OUT
  --package_name com.example.bench --model_class_name MyModel``

Goal (issue 4): bindgen ≥ 2x faster cold. A report, not a test: prints the table, exits 0.

Usage: python bench/codegen.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bindgen_exe, load_note, measure, oracle_python, summarize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.toolchain.fixtures import annotated_model

    model = annotated_model("float_classifier")
    codegen = Path(oracle_python()).with_name("tflite_codegen")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-codegen-") as tmp:
        commands = {
            "bindgen kotlin": lambda out: [
                bindgen_exe(), "kotlin", str(model), "-o", out, "--package", "com.example.bench",
            ],
            "tflite_codegen": lambda out: [
                str(codegen), "--model", str(model), "--destination", out,
                "--package_name", "com.example.bench", "--model_class_name", "MyModel",
            ],
        }  # fmt: skip
        for name, command in commands.items():
            samples = [measure(command(f"{tmp}/{name.split()[0]}{run}")) for run in range(args.runs)]
            rows[name] = summarize(samples)
    ours, theirs = rows["bindgen kotlin"], rows["tflite_codegen"]
    speedup = theirs.wall / ours.wall
    if args.json:
        print(json.dumps({k: vars(v) for k, v in rows.items()} | {"speedup": speedup}))
        return 0
    print(f"bench/codegen: {model.name}, {args.runs} cold runs each; {load_note()}")
    print(f"{'tool':<16}{'wall s (median)':>18}{'cpu s':>10}{'peak RSS MiB':>15}")
    for name, sample in rows.items():
        print(f"{name:<16}{sample.wall:>18.3f}{sample.cpu:>10.3f}{sample.rss_mb:>15.1f}")
    verdict = "met" if speedup >= 2 else "NOT met"
    print(f"bindgen kotlin is {speedup:.2f}x faster cold (goal >= 2x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
