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
"""

from __future__ import annotations

import argparse
import ast
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
    "plan": ("bindgen/decide/plan.py", ["tests/test_plan.py", "tests/test_plan_units.py", "tests/test_golden.py"]),
    "twin": ("bindgen/host/twin.py", ["tests/test_parity_sensitive.py"]),
    "names": ("bindgen/generate/kotlin/names.py", ["tests/test_kotlin_names.py"]),
    "codec": ("bindgen/read/metadata/codec.py",
              ["tests/test_annotate.py::test_encode_decode_round_trip_on_every_real_metadata",
               "tests/test_annotate.py::test_min_parser_version_follows_the_official_rules",
               "tests/test_codec_ranges.py", "tests/test_golden.py"]),
}  # fmt: skip

# Runs inside the tool venv: one line per finished mutant, "outcome<TAB>line<TAB>operator<TAB>diff".
_REPORT = r"""
import sys
from cosmic_ray.work_db import WorkDB, use_db
with use_db(sys.argv[1], WorkDB.Mode.open) as db:
    for item, result in db.completed_work_items:
        m = item.mutations[0]
        diff = " | ".join(l for l in (result.diff or "").splitlines() if l[:1] in "+-" and l[:3] not in ("+++", "---"))
        outcome = result.test_outcome.value if result.test_outcome else result.worker_outcome.value
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


def run_module(key: str, copy: Path, timeout: float | None) -> tuple[int, int, list[str]]:
    """(killed, total, survivor lines) for one module."""
    source, tests = MODULES[key]
    env = {**os.environ, "PYTHONPATH": str(copy)}
    test_command = [str(PROJECT_PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
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
    cosmic_ray = [str(TOOL_VENV / "bin" / "cosmic-ray")]
    nice = ["nice", "-n", "19"]
    subprocess.run([*cosmic_ray, "init", str(config), str(session)], cwd=copy, env=env, check=True)
    subprocess.run([*nice, *cosmic_ray, "exec", str(config), str(session)], cwd=copy, env=env, check=True)
    report = subprocess.run(
        [str(tool_python()), "-c", _REPORT, str(session)], cwd=copy, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    rows = [line.split("\t", 3) for line in report if line]
    # A mutant that breaks the import or times out is caught too (the tests could not pass).
    killed = sum(1 for outcome, *_ in rows if outcome != "survived")
    in_annotations = annotation_spans(REPO / source)
    survivors = []
    for outcome, position, operator, diff in rows:
        if outcome != "survived":
            continue
        line, column = (int(v) for v in position.split(":"))
        note = " [equivalent: inside a type annotation, never evaluated]" if any(
            start <= (line, column) < end for start, end in in_annotations) else ""
        survivors.append((line, f"{source}:{line} {operator}: {diff}{note}"))
    return killed, len(rows), [text for _, text in sorted(survivors)]


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
    args = parser.parse_args()
    tool_python()
    keys = args.module or list(MODULES)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bindgen-mutation-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        copy = copy_checkout(work / "checkout")
        results = {}
        for key in keys:
            killed, total, survivors = run_module(key, copy, args.timeout)
            results[key] = (killed, total)
            share = killed / total if total else 0.0
            equivalent = sum(1 for survivor in survivors if survivor.endswith("never evaluated]"))
            print(f"mutation: {MODULES[key][0]}: {killed}/{total} killed ({share:.0%}); "
                  f"{equivalent} survivors inside type annotations (equivalent), so "
                  f"{killed}/{total - equivalent} ({killed / max(1, total - equivalent):.0%}) of the rest", flush=True)
            for survivor in survivors:
                print(f"  survived {survivor}", flush=True)
        print("mutation: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in results.items()))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
