"""Mutation testing: how many deliberately broken versions of four core modules the tests catch.

cosmic-ray (PyPI) makes every mutant of a module (operators swapped, constants changed, conditions
negated, ...) and runs the tests that cover that module against each one; a mutant is *killed*
when a test fails. Prints killed/total per module and every surviving mutant (line, operator,
diff), so a survivor is either killed by a new test or listed in the README as equivalent.

cosmic-ray is installed on first use into ``.tools-local/mutation`` (a venv that sees the project
venv's packages through a ``.pth`` file; nothing is installed into ``.venv``). The mutants are
written into a throw-away copy of the checkout, never into the work tree. CPU-heavy: it runs at
the lowest priority; one module at a time with ``--module``.

    python bench/mutation.py [--module plan|twin|names|codec ...] [--timeout S] [--keep DIR]
                             [--lines FIRST-LAST] [--tests NODE ...]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COSMIC_RAY = "cosmic-ray==8.7.0"
TOOL_VENV = REPO / ".tools-local" / "mutation"
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"

#: module key -> (source file, the tests that cover it: fast ones, run for every mutant; the golden
#: test renders every golden model's wrapper from its metadata and plan, in 2 s)
MODULES: dict[str, tuple[str, list[str]]] = {
    "plan": ("bindgen/decide/plan.py", ["tests/test_plan.py", "tests/test_plan_units.py", "tests/test_plan_edges.py",
                                        "tests/test_golden.py"]),
    "twin": ("bindgen/host/twin.py", ["tests/test_twin_units.py"]),
    "names": ("bindgen/generate/kotlin/names.py", ["tests/test_kotlin_names.py"]),
    "codec": ("bindgen/read/metadata/codec.py",
              ["tests/test_annotate.py::test_encode_decode_round_trip_on_every_real_metadata",
               "tests/test_annotate.py::test_min_parser_version_follows_the_official_rules",
               "tests/test_codec_ranges.py", "tests/test_codec_edges.py", "tests/test_golden.py"]),
}  # fmt: skip

# Runs inside the tool venv: marks as skipped, before any runs, the mutants inside a type annotation
# (never evaluated under ``from __future__ import annotations``, so equivalent by construction) and,
# with ``--lines``, those outside the chosen lines. argv: session, JSON [[start, end], ...] to skip,
# JSON [first, last] lines to keep or null.
_FILTER = r"""
import json, sys
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkResult, WorkerOutcome
spans = [(tuple(a), tuple(b)) for a, b in json.loads(sys.argv[2])]
keep = json.loads(sys.argv[3])
with use_db(sys.argv[1], WorkDB.Mode.open) as db:
    for item in list(db.pending_work_items):
        m = item.mutations[0]
        start = tuple(m.start_pos)
        if any(a <= start < b for a, b in spans):
            why = "annotation"
        elif keep is not None and not keep[0] <= start[0] <= keep[1]:
            why = "not selected"
        else:
            continue
        db.set_result(item.job_id, WorkResult(output=why, worker_outcome=WorkerOutcome.SKIPPED))
"""

# Runs inside the tool venv: one line per finished mutant, "outcome<TAB>line<TAB>operator<TAB>diff".
_REPORT = r"""
import sys
from cosmic_ray.work_db import WorkDB, use_db
with use_db(sys.argv[1], WorkDB.Mode.open) as db:
    for item, result in db.completed_work_items:
        m = item.mutations[0]
        diff = " | ".join(l for l in (result.diff or "").splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---"))
        outcome = result.test_outcome.value if result.test_outcome else result.worker_outcome.value
        if outcome == "skipped":
            outcome = "skipped-" + (result.output or "").replace(" ", "-")
        print(f"{outcome}\t{m.start_pos[0]}:{m.start_pos[1]}\t{m.operator_name}\t{diff}")
"""


def tool_python() -> Path:
    """The mutation venv's python, created with cosmic-ray on first use."""
    python = TOOL_VENV / "bin" / "python"
    if not (TOOL_VENV / "bin" / "cosmic-ray").exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOL_VENV)], check=True)
        purelib = subprocess.run(
            [str(PROJECT_PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        own = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        Path(own, "project-venv.pth").write_text(purelib + "\n")  # pytest & co. from the project venv
        subprocess.run([str(python), "-m", "pip", "install", "-q", COSMIC_RAY], check=True)
    return python


def copy_checkout(target: Path) -> Path:
    """The tracked files of the work tree (as they are now) in ``target``, with the toolchain linked."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for link in (".venv", ".tools"):
        (target / link).symlink_to((REPO / link).resolve())
    return target


def run_module(key: str, copy: Path, timeout: float | None, lines: tuple[int, int] | None = None,
               tests: list[str] | None = None) -> tuple[int, int, int, list[str]]:
    """(killed, mutants run, mutants skipped as equivalent annotations, survivor lines) for one module."""
    source, default_tests = MODULES[key]
    env = {**os.environ, "PYTHONPATH": str(copy)}
    test_command = [str(PROJECT_PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                    *(tests or default_tests)]  # fmt: skip
    started = time.monotonic()
    baseline = subprocess.run(test_command, cwd=copy, env=env, capture_output=True, text=True, check=False)
    if baseline.returncode != 0:
        raise SystemExit(f"mutation: the tests of {key} fail unmutated:\n{baseline.stdout[-3000:]}")
    # A mutant that loops forever is killed by the timeout; keep it short, it is paid per such mutant.
    timeout = timeout or max(30.0, 5 * (time.monotonic() - started))
    config = copy / f"mutation-{key}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{source}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{" ".join(test_command)}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    session = copy / f"mutation-{key}.sqlite"
    session.unlink(missing_ok=True)
    cosmic_ray = [str(TOOL_VENV / "bin" / "cosmic-ray")]
    nice = ["nice", "-n", "19"]
    subprocess.run([*cosmic_ray, "init", str(config), str(session)], cwd=copy, env=env, check=True)
    spans = [[list(a), list(b)] for a, b in annotation_spans(REPO / source)]
    subprocess.run([str(tool_python()), "-c", _FILTER, str(session), json.dumps(spans),
                    json.dumps(list(lines) if lines else None)], cwd=copy, env=env, check=True)  # fmt: skip
    subprocess.run([*nice, *cosmic_ray, "exec", str(config), str(session)], cwd=copy, env=env, check=True)
    report = subprocess.run(
        [str(tool_python()), "-c", _REPORT, str(session)], cwd=copy, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    rows = [line.split("\t", 3) for line in report if line]
    equivalent = sum(1 for outcome, *_ in rows if outcome == "skipped-annotation")
    ran = [row for row in rows if not row[0].startswith("skipped-")]
    # A mutant that breaks the import or times out is caught too (the tests could not pass).
    killed = sum(1 for outcome, *_ in ran if outcome != "survived")
    survivors = sorted(
        (int(position.split(":")[0]), f"{source}:{position.split(':')[0]} {operator}: {diff}")
        for outcome, position, operator, diff in ran if outcome == "survived"
    )  # fmt: skip
    return killed, len(ran), equivalent, [text for _, text in survivors]


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every type annotation in ``path``: with ``from __future__ import
    annotations`` they are never evaluated, so a mutant inside one is equivalent."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if not any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
               and any(a.name == "annotations" for a in n.names) for n in tree.body):
        return []
    spans = []
    for node in ast.walk(tree):
        notes = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            notes.append(node.returns)
        if isinstance(node, ast.arg) and node.annotation is not None:
            notes.append(node.annotation)
        if isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            spans.append(((note.lineno, note.col_offset), (note.end_lineno or note.lineno, note.end_col_offset or 0)))
    return spans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="default: all four")
    parser.add_argument("--timeout", type=float,
                        help="seconds per mutant's test run (default: 5x the unmutated run, at least 30)")
    parser.add_argument("--keep", type=Path, help="build the copy (and sessions) here and keep it")
    parser.add_argument("--lines", metavar="FIRST-LAST",
                        help="only mutants starting on these lines (to iterate on one function; the ratio "
                             "printed is then of those lines only)")
    parser.add_argument("--tests", nargs="+", metavar="TEST",
                        help="pytest node ids to run per mutant instead of the module's own list")
    args = parser.parse_args()
    lines = tuple(int(v) for v in args.lines.split("-", 1)) if args.lines else None
    tool_python()
    keys = args.module or list(MODULES)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bindgen-mutation-"))
    shutil.rmtree(work / "checkout", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    try:
        copy = copy_checkout(work / "checkout")
        results = {}
        for key in keys:
            killed, ran, equivalent, survivors = run_module(key, copy, args.timeout, lines, args.tests)  # type: ignore[arg-type]
            results[key] = (killed, ran)
            print(f"mutation: {MODULES[key][0]}: {killed}/{ran} killed ({killed / max(1, ran):.0%})"
                  f"{f' on lines {args.lines}' if lines else ''}; {equivalent} more mutants sit inside "
                  "type annotations (never evaluated: equivalent, not run)", flush=True)
            for survivor in survivors:
                print(f"  survived {survivor}", flush=True)
        print("mutation: " + ", ".join(f"{k} {v[0]}/{v[1]} ({v[0] / max(1, v[1]):.0%})" for k, v in results.items()))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
