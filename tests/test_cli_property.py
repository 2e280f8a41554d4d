"""A property over the whole CLI: no argument vector gives a traceback or an error that exits 0.

The commands and their options come from the typer app itself (the click command tree), so a new
command or option is covered without editing this file. Values are drawn per option type from
good and bad ones: real models and missing files, folders, empty and junk files, unicode and
undecodable names, names too long for the file system, wrong types, out-of-range numbers and
huge strings. Commands that only parse here (they drive Gradle, an emulator, TensorFlow or long
benchmarks) are checked at the parsing stage: a vector is either parsed or refused by a usage
error, nothing else. The others run in-process through typer's ``CliRunner``; a few vectors also
run as real subprocesses, where stdout is a real file descriptor.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import typer.main
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bindgen.cli  # noqa: F401  (registers every command on app)
from bindgen.cli.app import app
from tests.toolchain.cli import REPO

DEMO = REPO / "bindgen" / "demo"
GROUP = typer.main.get_command(app)
COMMANDS: dict[str, Any] = dict(GROUP.commands)  # type: ignore[attr-defined]
#: Driving Gradle, an emulator, the SDK probes, TensorFlow or a timed benchmark: parse only.
PARSE_ONLY = {"build", "test", "doctor", "convert", "bench", "demo"}
RUN = sorted(set(COMMANDS) - PARSE_ONLY)
#: Always added so that a valid android-project vector does not run `gradle wrapper` each time.
ALWAYS = {"android-project": ["--no-gradlew"]}


def test_the_command_tree_is_what_the_property_walks() -> None:
    assert {"inspect", "annotate", "kotlin", "run", "android-project", "convert", "bench", "demo"} <= set(COMMANDS)
    assert set(COMMANDS) >= PARSE_ONLY, "a parse-only command was renamed: update PARSE_ONLY"
    for name, command in COMMANDS.items():
        for param in command.params:
            assert _kind(param)[0] in KINDS, (name, param.name)


def _kind(param: Any) -> tuple[str, bool]:
    """("path" | "int" | "float" | "bool" | "str" | "flag", takes several values)."""
    if getattr(param, "is_flag", False):
        return "flag", False
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", str)
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    many = get_origin(annotation) is list or param.nargs == -1 or bool(param.multiple)
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    kind = {Path: "path", int: "int", float: "float", bool: "bool", str: "str"}.get(annotation, "str")
    return kind, many


@dataclass(frozen=True)
class Workspace:
    root: Path
    paths: tuple[str, ...]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("cli-property")
    shutil.copyfile(DEMO / "shapes.tflite", root / "model.tflite")
    shutil.copyfile(DEMO / "labels.txt", root / "labels.txt")
    shutil.copyfile(DEMO / "spec.toml", root / "spec.toml")
    shutil.copyfile(DEMO / "sample.png", root / "sample.png")
    done = subprocess.run(
        [sys.executable, "-m", "bindgen", "annotate", root / "model.tflite", "--spec", root / "spec.toml",
         "-o", root / "annotated.tflite"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    (root / "empty.tflite").touch()
    (root / "junk.tflite").write_bytes(b"TFL3" * 3 + b"\xff" * 40)
    (root / "folder").mkdir()
    unicode = root / "ünïcödé 文件"
    unicode.mkdir()
    shutil.copyfile(root / "annotated.tflite", unicode / "mödel ✓.tflite")
    paths = (  # the first GOOD_PATHS are plausible
        "annotated.tflite", "model.tflite", "sample.png", "labels.txt", "spec.toml", "out/new-dir",
        "out/new.tflite", f"{unicode.name}/mödel ✓.tflite", "empty.tflite",
        "junk.tflite", "folder", "missing.tflite", "no/such/dir/x.tflite",
        "x" * 300 + ".tflite", "", "-", "\udcff\udcfe.tflite", "out/new.tflite", "out/new-dir", "out/plot.png",
        "labels.txt/inside", str(root / "annotated.tflite"),
    )
    return Workspace(root, paths)


HUGE = "ü" * 20_000
VALUES = {
    "int": ("0", "-1", "1", "3", "2147483648", "99999999999999999999", "x", "1.5", "", " 4", "1e3"),
    "float": ("0", "-0", "nan", "inf", "-inf", "1e309", "127.5", "abc", "", "1,2", "-5"),
    "str": (
        "", HUGE, "image-classifier", "object-detector", "generic", "text-classifier", "com.example.app",
        "ünï文件", "a,b,c", "127.5,1,2", "-1", "..", "$x\"\\*/", "LOG", "\udcff", "1,2,4", "0", "none", "int8",
        "auto", "keras", "dev.bindgen.x", "class", "fun",
    ),
    "bool": ("true", "false", "maybe", ""),
}
KINDS = {"path", "flag", *VALUES}
GOOD_PATHS = 8
GOOD = ("image-classifier", "generic", "com.example.app", "127.5", "1", "3", "0.5", "LOG", "ünï文件", "My Model")


@st.composite
def argv(draw: st.DrawFn, name: str, paths: tuple[str, ...]) -> list[str]:
    command = COMMANDS[name]

    def value(kind: str) -> str:
        if kind != "path" and draw(st.integers(0, 9)) == 0:  # now and then, a path where none belongs
            return draw(st.sampled_from(paths))
        good = draw(st.integers(0, 3)) > 0  # mostly plausible, so vectors get past the first check
        pool = (paths[:GOOD_PATHS] if good else paths) if kind == "path" else GOOD if good else VALUES[kind]
        return draw(st.sampled_from(pool))

    positional: list[str] = []
    chunks: list[list[str]] = []
    for param in command.params:
        kind, many = _kind(param)
        if not draw(st.integers(0, 9)) < (9 if param.required else 3):
            continue
        if param.param_type_name == "argument":
            positional += [value(kind) for _ in range(draw(st.integers(1, 3)) if many else 1)]
        elif kind == "flag":
            chunks.append([draw(st.sampled_from([*param.opts, *param.secondary_opts]))])
        else:
            for _ in range(draw(st.integers(1, 2)) if many else 1):
                chunks.append([draw(st.sampled_from(param.opts)), value(kind)])
    if draw(st.integers(0, 19)) == 0:
        chunks.append([draw(st.sampled_from(["--bogus", "-z", "extra", "--", "--help"]))])
    chunks = draw(st.permutations(chunks))
    return [name, *positional, *(token for chunk in chunks for token in chunk), *ALWAYS.get(name, [])]


@st.composite
def any_argv(draw: st.DrawFn, names: list[str], paths: tuple[str, ...]) -> list[str]:
    return draw(argv(draw(st.sampled_from(names)), paths))


def _check(exit_code: int, stdout: str, stderr: str, args: list[str]) -> None:
    assert "Traceback" not in stdout + stderr, (args, stderr[-3000:])
    error_lines = [line for line in stderr.splitlines() if line.startswith("bindgen: error:")]
    usage_error = "Usage:" in stderr and "Error" in stderr
    if exit_code == 0:
        assert not error_lines and not usage_error, (args, stderr[-2000:])
    else:
        assert exit_code in (1, 2), (args, exit_code, stderr[-2000:])
        assert len(error_lines) == 1 or (usage_error and exit_code == 2), (args, stderr[-2000:])


@contextlib.contextmanager
def _scratch(workspace: Workspace) -> Iterator[Path]:
    """A fresh copy of the workspace as the current folder: every example starts from the same files."""
    with tempfile.TemporaryDirectory(prefix="cli-property-") as scratch:
        cwd = Path(scratch) / "w"
        shutil.copytree(workspace.root, cwd)
        before = os.getcwd()
        os.chdir(cwd)
        try:
            yield cwd
        finally:
            os.chdir(before)


SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", RUN)
@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_running_commands_never_trace_back_nor_exit_0_with_an_error(
    name: str, workspace: Workspace, data: st.DataObject
) -> None:
    args = data.draw(argv(name, workspace.paths), label="argv")
    with _scratch(workspace):
        result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args!r} raised {result.exception!r}") from result.exception
    event(f"{args[0]} exit {result.exit_code}")  # --hypothesis-show-statistics: how deep the vectors go
    _check(result.exit_code, result.stdout, result.stderr, args)


def _is_usage_error(error: BaseException) -> bool:
    return any(cls.__name__ in ("UsageError", "Exit") for cls in type(error).__mro__)


@pytest.mark.parametrize("name", sorted(PARSE_ONLY))
@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_parse_only_commands_parse_or_refuse_with_a_usage_error(
    name: str, workspace: Workspace, data: st.DataObject
) -> None:
    args = data.draw(argv(name, workspace.paths), label="argv")
    try:
        COMMANDS[args[0]].make_context(args[0], args[1:])
    except Exception as error:  # the property: only click's usage errors may come out
        assert _is_usage_error(error), (args, repr(error))
        with _scratch(workspace):  # refused at parsing: running it cannot reach the command's body
            result = CliRunner().invoke(app, args)
        assert not isinstance(result.exception, Exception), (args, result.exception)
        _check(result.exit_code, result.stdout, result.stderr, args)


@settings(SETTINGS, max_examples=8)
@given(data=st.data())
def test_real_processes_never_trace_back_nor_exit_0_with_an_error(workspace: Workspace, data: st.DataObject) -> None:
    """The same property through a real process: real argv bytes, real stdout and stderr."""
    args = data.draw(any_argv(RUN, workspace.paths), label="argv")
    with _scratch(workspace) as cwd:
        result = subprocess.run(
            [sys.executable, "-m", "bindgen", *args],
            cwd=cwd, capture_output=True, check=False, timeout=600,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    stdout, stderr = (result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace"))
    _check(result.returncode, stdout, stderr, args)
