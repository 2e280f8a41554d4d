"""The package as a user installs it: the built wheel, in fresh venvs on the oldest and newest Python.

``pip install <checkout>`` once produced a wheel without the version catalog, and ``bindgen demo``
failed at step 4 (``…/site-packages/gradle/libs.versions.toml: the version catalog is missing``);
the other tests use the checkout, so they could not see it. Here ``python -m build`` makes the sdist
and, from it, the wheel (``tests/toolchain/wheel.py``); each supported Python gets a fresh venv with
the wheel, and every kind of command runs from a folder outside the checkout with no PYTHONPATH:
demo, inspect, annotate, kotlin, android-project, run (or its missing-extra error), bench, doctor,
build/test argument errors, convert's missing-extra error and ``--help``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.toolchain import wheel as w
from tests.toolchain.cli import REPO

pytestmark = pytest.mark.slow

DEMO = REPO / "bindgen" / "demo"


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> w.Dists:
    return w.build(tmp_path_factory.mktemp("dist"))


def test_the_wheel_and_sdist_carry_every_run_time_file(dists: w.Dists) -> None:
    wheel = set(zipfile.ZipFile(dists.wheel).namelist())
    templates = {p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert templates and {f"bindgen/_data/templates/{t}" for t in templates} <= wheel
    assert "bindgen/_data/gradle/libs.versions.toml" in wheel
    demo = {p.name for p in DEMO.iterdir() if p.is_file() and p.suffix != ".pyc"}
    assert {f"bindgen/demo/{name}" for name in demo} <= wheel
    with tarfile.open(dists.sdist) as sdist:
        top = {name.split("/", 2)[1] for name in sdist.getnames() if name.count("/") >= 1}
    assert {"bindgen", "templates", "gradle", "pyproject.toml", "README.md"} <= top
    assert not top & {"tests", "android-sample", "bench", ".venv", ".tools"}  # only what the wheel needs


@pytest.fixture(scope="module", params=sorted(w.PYTHONS))
def installed(request: pytest.FixtureRequest, dists: w.Dists, tmp_path_factory: pytest.TempPathFactory) -> w.Installed:
    python = w.find_python(request.param)
    if python is None:  # a failure on CI, where the oldest and newest supported Pythons must be tested
        pyenv, on_path = w.PYTHONS[request.param]
        message = f"no Python {request.param} on this machine (looked for {pyenv} and {on_path})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return w.install(request.param, python, dists.wheel, tmp_path_factory.mktemp(f"venv{request.param}") / "v")


def run(
    installed: w.Installed, cwd: Path, *args: str | Path, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(installed.bindgen), *map(str, args)], capture_output=True, text=True, cwd=cwd,
        env=w.user_env(installed.venv, path=path), check=False, timeout=600,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("bindgen: error: ")]
    assert len(errors) == 1 and all(f in errors[0] for f in fragments), result.stderr


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_kind_of_command_runs_from_the_installed_wheel(installed: w.Installed, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed.python), "-c", "import bindgen; print(bindgen.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=w.user_env(installed.venv), check=True,
    ).stdout  # fmt: skip
    assert str(installed.venv) in where and str(REPO) not in where  # the wheel, not the checkout

    # demo: inspect → annotate → kotlin → android-project; no gradle on PATH, so no launcher
    demo = run(installed, tmp_path, "demo", "-o", "demo", path=str(installed.venv / "bin"))
    assert demo.returncode == 0, demo.stdout + demo.stderr
    project = tmp_path / "demo" / "android"
    assert "version catalog" not in demo.stderr and (project / "gradle" / "libs.versions.toml").is_file()
    from bindgen.device.gradle_wrapper import LAUNCHER_FILES

    launcher = {rel for rel, _ in LAUNCHER_FILES}  # android-sample/ ships one; no gradle here makes none
    golden = {k: v for k, v in files(REPO / "android-sample").items() if k not in launcher}
    ours = files(project)
    assert golden.keys() == ours.keys()
    expected = "app/src/main/assets/expected_outputs.json"
    assert {k for k in golden if golden[k] != ours[k]} <= {expected}  # the user's project is the golden one
    host = json.loads(ours[expected])
    if installed.with_run_extra:
        reference = json.loads(golden[expected])["outputs"]
        assert {k: pytest.approx(v, abs=1e-5) for k, v in reference.items()} == host["outputs"]
    else:
        assert "unavailable" in host
    annotated = tmp_path / "demo" / "shapes.tflite"

    inspect = run(installed, tmp_path, "inspect", annotated, "--json")
    assert inspect.returncode == 0 and json.loads(inspect.stdout)["metadata"]["name"], inspect.stderr
    assert run(installed, tmp_path, "inspect", annotated).returncode == 0

    labels = tmp_path / "labels.txt"
    labels.write_bytes((DEMO / "labels.txt").read_bytes())
    annotate = run(installed, tmp_path, "annotate", DEMO / "shapes.tflite", "-o", "a.tflite", "--kind",
                   "image-classifier", "--labels", labels, "--mean", "127.5", "--std", "127.5")  # fmt: skip
    assert annotate.returncode == 0 and (tmp_path / "a.tflite").is_file(), annotate.stderr
    init = run(installed, tmp_path, "annotate", DEMO / "shapes.tflite", "--init")
    assert init.returncode == 0 and "kind" in init.stdout, init.stderr

    # kotlin: the installed wheel writes what the checkout writes
    kotlin = run(installed, tmp_path, "kotlin", annotated, "-o", "k", "--package", "com.example.wheel")
    assert kotlin.returncode == 0, kotlin.stderr
    checkout = subprocess.run([sys.executable, "-m", "bindgen", "kotlin", str(annotated), "-o", str(tmp_path / "ck"),
                               "--package", "com.example.wheel"], cwd=REPO, capture_output=True, text=True,
                              env={**w.user_env(installed.venv), "PYTHONPATH": str(REPO)}, check=False)  # fmt: skip
    assert checkout.returncode == 0, checkout.stderr
    assert files(tmp_path / "k") == files(tmp_path / "ck") != {}

    android = run(installed, tmp_path, "android-project", annotated, "-o", "p", "--no-gradlew")
    assert android.returncode == 0, android.stderr
    assert (tmp_path / "p" / "gradle" / "libs.versions.toml").read_bytes() == ours["gradle/libs.versions.toml"]

    host_run = run(installed, tmp_path, "run", annotated, DEMO / "sample.png", "--json")
    bench = run(installed, tmp_path, "bench", annotated, "--runs", "2", "--warmup", "0", "--json")
    if installed.with_run_extra:
        assert host_run.returncode == 0, host_run.stderr
        scores = json.loads(host_run.stdout)["outputs"]["probability"]
        assert {c["label"] for c in scores} == set((DEMO / "labels.txt").read_text(encoding="utf-8").split())
        assert bench.returncode == 0 and json.loads(bench.stdout), bench.stderr
    else:
        one_line_error(host_run, "run")
        one_line_error(bench, "run")

    doctor = run(installed, tmp_path, "doctor", "--json")
    assert doctor.returncode in (0, 1) and "checks" in json.loads(doctor.stdout), doctor.stderr
    one_line_error(run(installed, tmp_path, "build", "no-such-project"), "no-such-project")
    one_line_error(run(installed, tmp_path, "test", "no-such-project"), "no-such-project")
    (tmp_path / "m.keras").write_bytes(b"")
    one_line_error(run(installed, tmp_path, "convert", "m.keras", "-o", "m.tflite"), "convert")  # no TF in the venv
    for command in ("--help", "convert --help", "bench --help"):
        result = run(installed, tmp_path, *command.split())
        assert result.returncode == 0 and "Usage" in result.stdout, result.stderr
    version = run(installed, tmp_path, "--version")
    assert version.stdout.strip() == "bindgen 0.1.0"
