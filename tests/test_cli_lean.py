"""Start-up: each command imports what it needs, and the pydantic-free coercion equals typer's.

``bindgen/cli/lean.py`` converts plain parameters without typer's pydantic adapters. Here typer's
own coercion (pydantic, the real thing) is the oracle for every parameter of every command, on
ordinary and odd values; and a fresh interpreter runs each command and lists the heavy modules it
loaded. No timing: which modules load is deterministic, how long they take is not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from bindgen.cli import app, lean
from tests.toolchain.cli import REPO

DEMO = REPO / "bindgen" / "demo"

SAMPLES: dict[str, list[Any]] = {
    "str": ["abc", "", "ünï", "-", "a b", "--x", "0"],
    "Path": ["model.tflite", "", "-", "dir/../x", ".", "/", "ünï.tflite", "a\0b", "EXISTING_FILE", "EXISTING_DIR"],
    "int": ["0", "-3", "42", "007", "+5", " 5", "5.0", "abc", "1_000", "-0", "99999999999999999999", 7],
    "float": ["0.5", "-1", "1e3", "abc", "nan", "inf", ".5", "1.", "0.50", "-0", "12345678901234567", 2.5, 3],
    "bool": [True, False, "true", "0"],
}


def kind(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def typer_params() -> list[tuple[str, Any]]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return [(f"{name} {p.name}", p) for name, cmd in group.commands.items() for p in cmd.params]


def outcome(coerce: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        result = coerce(value, param=param, ctx=ctx)
    except BadParameter as error:
        return "error", error.format_message()
    except ValueError as error:  # e.g. an embedded NUL reaching os.stat: both sides must agree
        return "raised", type(error).__name__
    return type(result).__name__, repr(result)  # repr: nan == nan


def test_the_lean_path_covers_bindgens_parameters() -> None:
    """On another typer release lean.py steps aside (plain typer, slower): say so here, loudly."""
    assert typer.__version__.startswith(lean.VERIFIED_TYPER), (
        f"typer {typer.__version__}: check lean.py against its coercion internals, then add it to VERIFIED_TYPER"
    )
    assert lean.command_class() is not None and lean.group_class() is not None
    params = typer_params()
    covered = [name for name, p in params if lean.plain_annotation(p.type_descriptor)]
    assert len(covered) >= 0.9 * len(params), sorted(set(dict(params)) - set(covered))


def test_constrained_parameters_are_left_to_typer() -> None:
    left = sorted(name for name, p in typer_params() if not lean.plain_annotation(p.type_descriptor))
    assert left == ["run top_k", "test boot_timeout"]  # min=… ranges: pydantic checks them


@pytest.mark.parametrize(
    ("name", "param"),
    [(n, p) for n, p in typer_params() if lean.plain_annotation(p.type_descriptor)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_lean_coercion_equals_typers_own(name: str, param: Any, tmp_path: Path) -> None:
    existing = tmp_path / "model.tflite"
    existing.write_bytes(b"x")
    annotation = param.type_descriptor.annotation
    is_list = getattr(annotation, "__origin__", None) is list
    item = annotation.__args__[0] if is_list else annotation
    values = [
        {"EXISTING_FILE": str(existing), "EXISTING_DIR": str(tmp_path)}.get(v, v) if isinstance(v, str) else v
        for v in SAMPLES[kind(item)]
    ]
    if is_list:
        values = [tuple(values[:3]), tuple(values[3:]), (), list(values[:2])]
    ctx = Context(typer.main.get_command(app))
    ours = lean.LeanRuntimeParam(parameter_info=param.type_descriptor.parameter_info, annotation=annotation)
    theirs = build_runtime_param(param.type_descriptor)
    assert type(theirs).__name__ == "AdapterRuntimeParam"  # the oracle really is pydantic
    for value in values:
        assert outcome(ours.coerce, value, param, ctx) == outcome(theirs.coerce, value, param, ctx), (name, value)


def imported_modules(*args: str, cwd: Path) -> set[str]:
    """Run ``bindgen ARGS`` in a fresh interpreter; the top-level packages it imported."""
    code = (
        "import json, sys\n"
        "from bindgen.cli import main\n"
        f"sys.argv = ['bindgen', *{list(args)!r}]\n"
        "try:\n    main()\n"
        "except SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
        "print(json.dumps({'code': code, 'mods': sorted({m.split('.')[0] for m in sys.modules})}), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env={"PYTHONPATH": str(REPO)},
        check=False, timeout=300,
    )  # fmt: skip
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1, None), result.stderr  # doctor exits 1 on a machine without the SDK
    return set(report["mods"])


HEAVY = {"pydantic", "pydantic_core", "rich", "jinja2", "numpy", "tensorflow", "PIL", "markdown_it"}


@pytest.mark.parametrize(
    ("args", "needs"),
    [
        (("kotlin", "{annotated}", "-o", "{out}/k", "--package", "com.example.x"), {"jinja2"}),
        (("annotate", str(DEMO / "shapes.tflite"), "--spec", str(DEMO / "spec.toml"), "-o", "{out}/a.tflite"), set()),
        (("inspect", "{annotated}", "--json"), set()),
        (("inspect", "{annotated}"), {"rich"}),
        (("doctor", "--json"), set()),
        (("--help",), {"rich", "markdown_it"}),  # typer's rich help formatter
        (("kotlin", "--help"), {"rich", "markdown_it"}),
    ],
    ids=lambda v: " ".join(v[:2]) if isinstance(v, tuple) else "",
)
def test_each_command_imports_only_what_it_needs(args: tuple[str, ...], needs: set[str], tmp_path: Path) -> None:
    annotated = tmp_path / "shapes.tflite"
    imported_modules("annotate", str(DEMO / "shapes.tflite"), "--spec", str(DEMO / "spec.toml"), "-o",
                     str(annotated), cwd=tmp_path)  # fmt: skip
    argv = [a.format(annotated=annotated, out=tmp_path) for a in args]
    heavy = imported_modules(*argv, cwd=tmp_path) & HEAVY
    assert heavy == needs
