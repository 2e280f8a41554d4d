"""Wrapper overhead on the JVM: generated ``process(Bitmap)`` vs the bare interpreter (goal ≤ 5%).

Runs the ``make jvm-test`` suite (tools/jvm_test.py) with timing on: per model, the median of N
interleaved runs of the wrapper's ``process(Bitmap)`` (preprocessing with the Support Library,
inference, output decoding) against ``InterpreterApi.runForMultipleInputsOutputs`` on
preallocated, already-preprocessed buffers, same model and thread count. Robolectric's Android
framework code stands in for a device, so the ratio, not the absolute time, is what carries over.
A report, not a test: it never fails on a number.

Usage: python bench/wrapper_overhead.py [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.jvm_test import HarnessError, run_suite

GOAL = 0.05


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    work = Path(tempfile.mkdtemp(prefix="bindgen-bench-"))
    try:
        results, _, problems = run_suite(work, bench=runs)
    except HarnessError as error:
        print(f"wrapper_overhead: error: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print(f"wrapper_overhead: note: {len(problems)} output mismatches (see make jvm-test)")
    print(f"{'model':<20} {'process() ms':>13} {'interpreter ms':>15} {'overhead':>9}  goal ≤{GOAL:.0%}")
    for name, result in results.items():
        b = result["bench"]
        wrapped, bare = b["wrapper_median_ns"] / 1e6, b["interpreter_median_ns"] / 1e6
        overhead = wrapped / bare - 1
        verdict = "met" if overhead <= GOAL else "NOT met"
        print(f"{name:<20} {wrapped:>13.3f} {bare:>15.3f} {overhead:>8.1%}  {verdict}"
              f"  ({b['iterations']} runs, {b['threads']} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
