"""The import graph shows the architecture: one folder per stage, arrows pointing only down the list.

Stages, in order (README, "How it is built"): ``read`` ← ``decide`` ← ``generate`` ← ``host`` /
``device``. A stage imports only earlier stages and the shared base (``bindgen/errors.py``,
``bindgen/output.py``, ``bindgen/resources.py``, the package itself for ``__version__``);
``device`` imports no other stage; ``host`` and ``device`` do not import each other. ``cli/`` and
``demo/`` may import anything, only ``cli/`` imports ``demo/``, and nothing but
``bindgen/__main__.py`` imports ``cli/``. Every module is parsed with ``ast``, never imported, and
every import counts: top-level, inside functions, under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "bindgen"

#: Stage folder → rank. An import may point only at a lower rank (or stay inside its own folder).
STAGES = {"read": 1, "decide": 2, "generate": 3, "host": 4, "device": 4}
#: Modules every stage may import.
BASE = {"bindgen", "bindgen.errors", "bindgen.output", "bindgen.resources"}
#: Folders that compose the stages; they may import anything.
COMPOSERS = {"cli", "demo"}
#: ``python -m bindgen``: the one module outside cli/ that starts the CLI.
ENTRY = "bindgen.__main__"


@dataclass(frozen=True)
class Arrow:
    source: str  # importing module, dotted
    target: str  # imported bindgen module, dotted
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Arrow]:
    """Every ``bindgen`` import in ``path`` (absolute or relative, anywhere in the file)."""
    source = module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    arrows: list[Arrow] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            # `from bindgen.x import y` may name a submodule y: count the most specific module.
            targets = [resolve(f"{stem}.{alias.name}") or stem for alias in node.names]
        else:
            continue
        arrows += [Arrow(source, t, node.lineno) for t in targets if t == "bindgen" or t.startswith("bindgen.")]
    return arrows


def resolve(dotted: str) -> str | None:
    """``dotted`` if it names a module or package under bindgen/, else None."""
    path = REPO.joinpath(*dotted.split("."))
    return dotted if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() else None


def folder(module: str) -> str | None:
    """The top-level folder of ``module`` under bindgen/ (``read``, ``cli``, …), None for the base."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None


def wrong_arrow(arrow: Arrow) -> str | None:
    """Why ``arrow`` breaks the stage rule, or None when it is allowed."""
    src, dst = folder(arrow.source), folder(arrow.target)
    if arrow.source == ENTRY:
        return None
    if dst == "cli" and src != "cli":
        return "nothing imports cli/"
    if dst == "demo" and src not in {"cli", "demo"}:
        return "only cli/ imports demo/"
    if src in COMPOSERS or src == dst or arrow.target in BASE:
        return None
    if src is None:
        return "the shared base imports only the shared base"
    if dst is None:
        return f"{arrow.target} is not part of the shared base (errors.py, output.py, resources.py)"
    if src not in STAGES or dst not in STAGES:
        return f"{src}/ or {dst}/ is not a known stage: add it to STAGES or COMPOSERS"
    if src == "device":
        return "device/ imports no other stage"
    if STAGES[dst] >= STAGES[src]:
        return f"{src}/ (stage {STAGES[src]}) may import only earlier stages, not {dst}/ (stage {STAGES[dst]})"
    return None


def bindgen_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_stage_folder_exists() -> None:
    assert sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()) == sorted(
        [*STAGES, *COMPOSERS]
    )


def test_imports_point_only_down_the_stages() -> None:
    arrows = [a for path in bindgen_modules() for a in imports_of(path)]
    assert len(arrows) > 50, "the parser found almost no imports: it is broken, not the code clean"
    wrong = [f"{a.source}:{a.line} imports {a.target}: {why}" for a in arrows if (why := wrong_arrow(a))]
    assert wrong == []


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("bindgen.generate.android.project", "bindgen.host.twin", False),  # the arrow fixed here
        ("bindgen.generate.android.project", "bindgen.device.proc", False),
        ("bindgen.read.inspect", "bindgen.decide.plan", False),
        ("bindgen.decide.plan", "bindgen.read.tflite.reader", True),
        ("bindgen.host.twin", "bindgen.decide.plan", True),
        ("bindgen.host.twin", "bindgen.device.proc", False),
        ("bindgen.device.gradle", "bindgen.read.tflite.reader", False),
        ("bindgen.device.gradle", "bindgen.errors", True),
        ("bindgen.errors", "bindgen.read.tflite.model", False),
        ("bindgen.output", "bindgen.errors", True),
        ("bindgen.cli.app", "bindgen.host.twin", True),
        ("bindgen.demo", "bindgen.generate.android.project", True),
        ("bindgen.demo", "bindgen.cli.app", False),
        ("bindgen.generate.kotlin.render", "bindgen.demo", False),
    ],
)
def test_the_rule_itself(source: str, target: str, allowed: bool) -> None:
    """The checker has teeth: known-bad arrows are refused, known-good ones pass."""
    assert (wrong_arrow(Arrow(source, target, 1)) is None) is allowed


def test_function_level_imports_are_seen() -> None:
    arrows = {a.target for a in imports_of(PACKAGE / "generate" / "android" / "project.py")}
    assert "bindgen.decide.plan" in arrows  # imported inside a function
    assert "bindgen.generate.templating" in arrows


def python_files_outside_the_package() -> list[Path]:
    return sorted(
        p for top in ("tests", "bench", "tools") for p in (REPO / top).rglob("*.py") if "fixtures" not in p.parts
    )


def test_tests_bench_and_tools_import_only_modules_that_exist() -> None:
    """After the moves, no helper still imports an old path (e.g. ``bindgen.tflite.reader``)."""
    missing = []
    for path in python_files_outside_the_package():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            missing += [
                f"{path.relative_to(REPO)}:{node.lineno} {n}"
                for n in names
                if (n == "bindgen" or n.startswith("bindgen.")) and resolve(n) is None
            ]
    assert missing == []

