"""Every writing command keeps its promise under real OS faults.

For each command that writes (annotate to a path and in place, inspect --extract, kotlin,
android-project, convert, bench --plot, bench --json to a file, demo): a full disk, a read-only
target folder, an immutable target, and ``kill -9`` provably mid-write. Each run must give one
``bindgen: error:`` line naming the user's path and the errno, the documented exit code (1 for
space, 2 for a refused path), the inputs byte-identical, and the target exactly as before: no
output, no temp file, no empty folder. See ``tests/toolchain/faults.py`` for how the faults are
made and what replaces them where this machine cannot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bindgen.read.tflite.reader import read_model
from tests.toolchain import faults
from tests.toolchain.cli import REPO, sha256
from tests.toolchain.faults import Unsupported, one_error_line, require, temps, tree, visible

pytestmark = pytest.mark.slow

DEMO = REPO / "bindgen" / "demo"
PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class Inputs:
    """Files the commands read; they live outside the faulty folder and must never change."""

    model: Path
    spec: Path
    annotated: Path
    keras: Path

    def hashes(self) -> dict[str, str]:
        return {p.name: sha256(p) for p in (self.model, self.spec, self.annotated, self.keras)}


@dataclass(frozen=True)
class Case:
    """One writing command aimed at ``target`` (the folder the fault is put on)."""

    name: str
    args: Callable[[Inputs, Path], list[str | Path]]
    #: What is in ``target`` before the run (besides a filler): name -> bytes (the old state).
    old: Callable[[Inputs], dict[str, bytes]] = field(default=lambda i: {})
    #: The output is not byte-deterministic (timings, converter): check it is complete instead.
    complete: Callable[[dict[str, bytes | None]], bool] | None = None
    #: stdout goes to this file in ``target`` (a shell's ``> file``).
    stdout: str | None = None


def _model_in_target(i: Inputs) -> dict[str, bytes]:
    return {"model.tflite": i.model.read_bytes()}


def _valid_tflite(name: str) -> Callable[[dict[str, bytes | None]], bool]:
    def check(entries: dict[str, bytes | None]) -> bool:
        data = entries.get(name)
        return isinstance(data, bytes) and data[4:8] == b"TFL3" and len(data) > 1000

    return check


def _valid_png(entries: dict[str, bytes | None]) -> bool:
    data = entries.get("plot.png")
    return isinstance(data, bytes) and data.startswith(b"\x89PNG") and data.endswith(PNG_END)


BENCH = ["--runs", "1", "--warmup", "0"]
CASES = [
    Case("annotate", lambda i, t: ["annotate", i.model, "--spec", i.spec, "-o", t / "out.tflite"],
         old=lambda i: {"out.tflite": b"the previous output"}),
    Case("annotate-in-place", lambda i, t: ["annotate", t / "model.tflite", "--spec", i.spec, "--in-place"],
         old=_model_in_target),
    Case("inspect-extract", lambda i, t: ["inspect", i.annotated, "--extract", t / "files"]),
    Case("kotlin", lambda i, t: ["kotlin", i.annotated, "-o", t / "src" / "main", "--package", "dev.faults"]),
    Case("android-project", lambda i, t: ["android-project", i.annotated, "-o", t / "app", "--no-gradlew"]),
    Case("convert", lambda i, t: ["convert", i.keras, "-o", t / "model.tflite"],
         complete=_valid_tflite("model.tflite")),
    Case("convert-labels",  # chained into annotate, into a folder that does not exist yet
         lambda i, t: ["convert", i.keras, "-o", t / "new" / "model.tflite", "--labels", i.spec.parent / "labels.txt"],
         complete=_valid_tflite("new/model.tflite")),
    Case("bench-plot", lambda i, t: ["bench", i.annotated, *BENCH, "--plot", t / "plot.png"],
         old=lambda i: {"plot.png": b"the previous plot"}, complete=_valid_png),
    Case("bench-json", lambda i, t: ["bench", i.annotated, *BENCH, "--json"], stdout="bench.json"),
    Case("demo", lambda i, t: ["demo", "-o", t / "demo"]),
]
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    work = tmp_path_factory.mktemp("fault-inputs")
    model = work / "shapes.tflite"
    shutil.copyfile(DEMO / "shapes.tflite", model)
    spec = work / "spec.toml"
    shutil.copyfile(DEMO / "spec.toml", spec)
    shutil.copyfile(DEMO / "labels.txt", work / "labels.txt")
    annotated = work / "annotated.tflite"
    done = faults.run(["annotate", model, "--spec", spec, "-o", annotated])
    assert done.returncode == 0, done.stderr
    keras = work / "tiny.keras"
    build = subprocess.run(
        [sys.executable, "-c",
         "import os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
         "import keras\n"
         "x = keras.Input((8, 8, 3), name='image')\n"
         "y = keras.layers.Dense(5, activation='softmax', name='y')(keras.layers.Flatten()(x))\n"
         "keras.Model(x, y).save(sys.argv[1])",
         str(keras)],
        capture_output=True, text=True, check=False,
    )
    assert build.returncode == 0, build.stderr
    return Inputs(model, spec, annotated, keras)


def _prepare(case: Case, inputs: Inputs, target: Path) -> None:
    for name, data in case.old(inputs).items():
        (target / name).write_bytes(data)
    if case.stdout is not None:
        (target / case.stdout).touch()


def _run(case: Case, inputs: Inputs, target: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    args = case.args(inputs, target)
    if case.stdout is None:
        return faults.run(args, **kwargs)  # type: ignore[arg-type]
    with (target / case.stdout).open("ab") as out:  # opened before the fault, as a shell would
        return faults.run(args, stdout=out, **kwargs)  # type: ignore[arg-type]


def _where(case: Case, target: Path) -> str:
    return "standard output" if case.stdout is not None else str(target)


@dataclass(frozen=True)
class FullDisk:
    """A full file system at ``path`` — or, where no tmpfs can be mounted, the documented fallback:
    a file size limit of 1 byte in the child (``ulimit -f``), which fails the same writes with EFBIG."""

    path: Path
    mounted: bool

    def fill(self) -> None:
        if self.mounted:
            faults.fill(self.path)

    def run(self, case: Case, inputs: Inputs) -> subprocess.CompletedProcess[str]:
        return _run(case, inputs, self.path, preexec_fn=None if self.mounted else faults.file_size_limit(1))


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[FullDisk]:
    try:
        with faults.tmpfs(tmp_path / "disk") as mounted:
            yield FullDisk(mounted, True)
            return
    except Unsupported:
        pass
    (tmp_path / "limited").mkdir()
    yield FullDisk(tmp_path / "limited", False)


def _check_nothing_changed(
    before: dict[str, bytes | None], target: Path, inputs: Inputs, hashes: dict[str, str]
) -> None:
    after = tree(target)
    assert after == before, sorted(set(after) ^ set(before)) or "a file changed"
    assert not temps(after)
    assert inputs.hashes() == hashes


# --- a full disk --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_full_disk_is_one_line_and_changes_nothing(name: str, inputs: Inputs, disk: FullDisk) -> None:
    case = BY_NAME[name]
    if name.startswith("convert") and not disk.mounted:
        require("no tmpfs; under `ulimit -f` TensorFlow's own export to /tmp fails before bindgen writes")
    _prepare(case, inputs, disk.path)
    disk.fill()
    before, hashes = tree(disk.path), inputs.hashes()
    result = disk.run(case, inputs)
    line = one_error_line(result)
    assert result.returncode == 1, (result.returncode, line)
    if disk.mounted:
        assert "no space left on the device (ENOSPC); free space on " + str(disk.path) in line, line
        assert _where(case, disk.path) in line, line
    else:  # the first write anywhere fails, maybe a scratch file in /tmp: only the errno is certain
        assert "(EFBIG); check `ulimit -f`" in line, line
    _check_nothing_changed(before, disk.path, inputs, hashes)


@pytest.mark.parametrize(("name", "limit"), [("annotate", 2048), ("kotlin", 2048), ("android-project", 100_000)])
def test_file_size_limit_is_one_line_and_changes_nothing(
    name: str, limit: int, inputs: Inputs, tmp_path: Path
) -> None:
    """The full-disk fallback where no tmpfs can be mounted (``ulimit -f``), exercised here too.

    The limit lets scratch files in /tmp through (android-project's sample input) and stops the
    model asset or the wrapper in the target.
    """
    case = BY_NAME[name]
    target = tmp_path / "target"
    target.mkdir()
    _prepare(case, inputs, target)
    before, hashes = tree(target), inputs.hashes()
    result = _run(case, inputs, target, preexec_fn=faults.file_size_limit(limit))
    line = one_error_line(result)
    assert result.returncode == 1, (result.returncode, line)
    assert "(EFBIG)" in line and "ulimit -f" in line and str(target) in line, line
    _check_nothing_changed(before, target, inputs, hashes)


@pytest.mark.parametrize("mode", ["wb", "ab"])
def test_stdout_torn_by_a_size_limit_is_cut_back_to_where_it_started(mode: str, inputs: Inputs, tmp_path: Path) -> None:
    """``bench --json > FILE`` (``wb``) and ``>> FILE`` (``ab``): the JSON gets 100 bytes in, then
    EFBIG; the file ends exactly where it did before the run (an earlier run's line is kept)."""
    out = tmp_path / "bench.json"
    earlier = b'{"an": "earlier run"}\n' if mode == "ab" else b""
    out.write_bytes(earlier)
    flags = os.O_WRONLY | (os.O_APPEND if mode == "ab" else os.O_TRUNC)
    fd = os.open(out, flags)  # as the shell opens it: with O_APPEND the offset stays 0 until a write
    try:
        result = faults.run(
            ["bench", inputs.annotated, *BENCH, "--json"],
            stdout=fd,
            preexec_fn=faults.file_size_limit(len(earlier) + 100),
        )
    finally:
        os.close(fd)
    line = one_error_line(result)
    assert result.returncode == 1, (result.returncode, line)
    assert f"standard output ({out}): file too large for the file system or the size limit (EFBIG)" in line, line
    assert out.read_bytes() == earlier


# --- a read-only target folder ------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in CASES if c.stdout is None])
def test_read_only_folder_is_one_line_and_changes_nothing(name: str, inputs: Inputs, tmp_path: Path) -> None:
    """A read-only mount (EROFS); where none can be mounted, an immutable folder (EPERM).

    ``bench --json > file`` is not here: on a read-only folder the shell cannot open the file.
    """
    case = BY_NAME[name]
    try:
        with faults.tmpfs(tmp_path / "ro") as target:
            _prepare(case, inputs, target)
            faults.remount_read_only(target)
            before, hashes = tree(target), inputs.hashes()
            result = _run(case, inputs, target)
            expected = "the file system is read-only (EROFS)"
            _check_read_only(result, expected, case, target, before, inputs, hashes)
            return
    except Unsupported as error:
        mount_problem = str(error)
    target = tmp_path / "frozen"
    target.mkdir()
    _prepare(case, inputs, target)
    try:
        with faults.immutable(target):
            before, hashes = tree(target), inputs.hashes()
            result = _run(case, inputs, target)
    except Unsupported as error:
        require(f"{mount_problem}; and {error}")
    _check_read_only(result, "operation not permitted (EPERM)", case, target, before, inputs, hashes)


def _check_read_only(
    result: subprocess.CompletedProcess[str],
    expected: str,
    case: Case,
    target: Path,
    before: dict[str, bytes | None],
    inputs: Inputs,
    hashes: dict[str, str],
) -> None:
    line = one_error_line(result)
    assert result.returncode == 2, (result.returncode, line)
    assert expected in line and _where(case, target) in line, line
    _check_nothing_changed(before, target, inputs, hashes)


# --- an immutable target file -------------------------------------------------------------


@pytest.mark.parametrize("name", ["annotate-in-place", "annotate", "bench-plot"])
def test_immutable_target_is_one_line_and_changes_nothing(name: str, inputs: Inputs, tmp_path: Path) -> None:
    case = BY_NAME[name]
    target = tmp_path / "target"
    target.mkdir()
    _prepare(case, inputs, target)
    (file_name,) = case.old(inputs)
    before, hashes = tree(target), inputs.hashes()
    try:
        with faults.immutable(target / file_name):
            result = _run(case, inputs, target)
    except Unsupported as error:
        require(str(error))
    line = one_error_line(result)
    assert result.returncode == 2, (result.returncode, line)
    expected = "operation not permitted (EPERM); the file or its folder is read-only or immutable"
    assert f"{target / file_name}: {expected}" in line, line
    _check_nothing_changed(before, target, inputs, hashes)


@pytest.mark.parametrize("which", [0, 1])
def test_immutable_file_among_several_outputs_replaces_none(which: int, inputs: Inputs, tmp_path: Path) -> None:
    """``kotlin`` into an existing folder where one of its two files is immutable: neither is replaced."""
    case = BY_NAME["kotlin"]
    target = tmp_path / "target"
    target.mkdir()
    done = _run(case, inputs, target)
    assert done.returncode == 0, done.stderr
    written = sorted(p for p in target.rglob("*.kt"))
    assert len(written) == 2
    for path in written:
        path.write_text(f"// the previous {path.name}\n")
    frozen = written[which]
    before, hashes = tree(target), inputs.hashes()
    try:
        with faults.immutable(frozen):
            result = _run(case, inputs, target)
    except Unsupported as error:
        require(str(error))
    line = one_error_line(result)
    assert result.returncode == 2, (result.returncode, line)
    assert f"{frozen}: operation not permitted (EPERM)" in line, line
    _check_nothing_changed(before, target, inputs, hashes)


# --- kill -9 mid-write ----------------------------------------------------------------------

#: Where the writer stops itself, and what a kill there must leave: the old state or the new.
POINTS = {"partial": "old", "staged": "old", "published": "new"}


@pytest.mark.parametrize("name", [c.name for c in CASES if c.stdout is None])
def test_kill_9_mid_write_leaves_old_or_complete_new(name: str, inputs: Inputs, tmp_path: Path) -> None:
    """``kill -9`` at each named point: exactly the old state or the complete new one, then a rerun
    removes the dead writer's temp files.

    ``bench --json > file`` is not here: what reached a file through stdout cannot be taken back
    after a kill (on an error, bindgen truncates it; see the full-disk test).
    """
    case = BY_NAME[name]
    reference = tmp_path / "reference"
    reference.mkdir()
    _prepare(case, inputs, reference)
    done = _run(case, inputs, reference)
    assert done.returncode == 0, done.stderr
    new = visible(tree(reference))
    target = tmp_path / "target"

    def is_new(entries: dict[str, bytes | None]) -> bool:
        if case.complete is None:
            return entries == new
        return set(entries) == set(new) and case.complete(entries)

    outcomes = {}
    for point, expected in POINTS.items():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        _prepare(case, inputs, target)
        old, hashes = tree(target), inputs.hashes()
        assert faults.kill_at(case.args(inputs, target), point), f"{name} never reached {point!r}"
        after = tree(target)
        state = visible(after)
        outcome = "old" if state == old else "new" if is_new(state) else "torn"
        assert outcome == expected, (point, sorted(set(state) ^ set(old)), sorted(set(state) ^ set(new)))
        if point != "published":  # killed mid-write: the dead writer's temp is there, nothing else
            assert temps(after), f"{point}: no temp file, so the kill did not land mid-write"
        assert inputs.hashes() == hashes
        outcomes[point] = outcome
        if point != "published":  # left alone, the same command completes and sweeps the temp
            rerun = _run(case, inputs, target)
            assert rerun.returncode == 0, rerun.stderr
            after = tree(target)
        assert is_new(visible(after)) and not temps(after), temps(after)
    assert set(outcomes.values()) == {"old", "new"}


def test_stale_temp_of_a_live_process_is_kept(inputs: Inputs, tmp_path: Path) -> None:
    """The sweep removes only temps whose process is gone: a running writer's temp stays."""
    live = tmp_path / f".out.tflite.{os.getppid()}.abcdefgh.bindgen-tmp"
    dead_pid = _dead_pid()
    dead = tmp_path / f".out.tflite.{dead_pid}.abcdefgh.bindgen-tmp"
    live.write_bytes(b"x")
    dead.write_bytes(b"x")
    result = faults.run(["annotate", inputs.model, "--spec", inputs.spec, "-o", tmp_path / "out.tflite"])
    assert result.returncode == 0, result.stderr
    assert live.exists() and not dead.exists()
    read_model(tmp_path / "out.tflite")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
