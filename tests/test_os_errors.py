"""``errors.os_fault``: every OSError the brief names becomes one line with its errno and exit code.

The mapping is checked for each errno; the faults that need no mount or chattr (a name too long,
a folder where a file goes, a file where a folder goes) are also produced for real through the CLI.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, os_fault
from tests.toolchain import faults
from tests.toolchain.cli import REPO

MODEL = REPO / "bindgen" / "demo" / "shapes.tflite"
SPEC = REPO / "bindgen" / "demo" / "spec.toml"

EXPECTED = {
    errno.ENOSPC: ("no space left on the device (ENOSPC); free space on /", EXIT_FAILED),
    errno.EDQUOT: ("disk quota exceeded (EDQUOT); free space on / or raise the quota", EXIT_FAILED),
    errno.EFBIG: ("file too large for the file system or the size limit (EFBIG); check `ulimit -f`", EXIT_FAILED),
    errno.EACCES: ("permission denied (EACCES); check the permissions", EXIT_BAD_INPUT),
    errno.EPERM: ("operation not permitted (EPERM); the file or its folder is read-only or immutable", EXIT_BAD_INPUT),
    errno.EROFS: ("the file system is read-only (EROFS)", EXIT_BAD_INPUT),
    errno.EISDIR: ("is a folder, expected a file (EISDIR)", EXIT_BAD_INPUT),
    errno.ENAMETOOLONG: ("the file name is too long (ENAMETOOLONG); use a shorter name", EXIT_BAD_INPUT),
}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_errno_is_one_line_with_its_name_and_exit_code(code: int) -> None:
    words, exit_code = EXPECTED[code]
    error = os_fault(OSError(code, os.strerror(code), "/tmp/out/x.tflite"))
    assert error.one_line().startswith(f"/tmp/out/x.tflite: {words}"), error.one_line()
    assert "\n" not in error.one_line()
    assert error.exit_code == exit_code


def test_the_user_path_is_named_not_the_file_that_failed() -> None:
    error = os_fault(OSError(errno.ENOSPC, "No space left on device", "/x/.o.1.abc.bindgen-tmp"), where="/x/o")
    assert error.one_line().startswith("/x/o: no space left on the device (ENOSPC)")


def test_an_unknown_errno_still_names_itself() -> None:
    error = os_fault(OSError(errno.ENOTCONN, os.strerror(errno.ENOTCONN), "/n/f"))
    assert error.one_line() == f"/n/f: {os.strerror(errno.ENOTCONN).lower()} (ENOTCONN)"
    assert error.exit_code == EXIT_FAILED


def test_name_too_long_is_one_line_for_every_writer(tmp_path: Path) -> None:
    long = tmp_path / ("n" * 300)
    for args in (
        ["annotate", MODEL, "--spec", SPEC, "-o", f"{long}.tflite"],
        ["kotlin", MODEL, "-o", long, "--package", "dev.x"],
        ["inspect", MODEL, "--extract", long],
        ["android-project", MODEL, "-o", long, "--no-gradlew"],
    ):
        result = faults.run(list(args))
        line = faults.one_error_line(result)
        assert result.returncode == 2 and "(ENAMETOOLONG)" in line, (args, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_folder_where_an_output_file_goes_is_one_line(tmp_path: Path) -> None:
    annotated = tmp_path / "annotated.tflite"
    assert faults.run(["annotate", MODEL, "--spec", SPEC, "-o", annotated]).returncode == 0
    out = tmp_path / "files"
    (out / "labels.txt").mkdir(parents=True)
    result = faults.run(["inspect", annotated, "--extract", out])
    line = faults.one_error_line(result)
    assert result.returncode == 2 and f"{out / 'labels.txt'}: is a folder, expected a file (EISDIR)" in line, line
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "annotated.tflite", "files", "files/labels.txt"
    ]


def test_a_file_where_the_output_folder_goes_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = faults.run(["kotlin", MODEL, "-o", tmp_path / "file" / "src", "--package", "dev.x"])
    line = faults.one_error_line(result)
    assert result.returncode == 2 and f"{tmp_path / 'file'}: exists and is not a folder" in line, line
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
