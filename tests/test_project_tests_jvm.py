"""A generated project's own tests, run on this JVM (``tests.toolchain.project_tests``).

``android-sample/`` (the demo project) and the projects generated for a detector, a segmenter and a
model without metadata: ``app/src/test`` with JUnit, and ``HostParityTest``, ``DelegatesTest#cpu``
and ``BenchmarkTest``'s CPU measurement under Robolectric with a real TFLite interpreter and the
project's own assets. What needs a GPU delegate or NNAPI is named, not run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bindgen.host import twin
from tests.toolchain.project_tests import DEVICE_ONLY, run_project_tests

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "android-sample"
PACKAGE = "dev.bindgen.shapes"


def _generated(kind: str, out: Path) -> tuple[Path, str]:
    from bindgen.generate.android import project
    from tests.toolchain.fixtures import annotated_model
    from tests.toolchain.models import model_path

    model = model_path("float_classifier") if kind == "raw" else annotated_model(kind)
    package = f"com.example.{kind}"
    return project.generate_project(model, out / kind, package=package, twin=twin).out_dir, package


@pytest.mark.parametrize("kind", ["sample", "detector", "segmenter", "raw"])
def test_the_project_tests_pass_on_the_jvm(kind: str, tmp_path: Path) -> None:
    folder, package = (SAMPLE, PACKAGE) if kind == "sample" else _generated(kind, tmp_path)
    outcomes, log = run_project_tests(folder, package, tmp_path / "work")
    status = {o.test: o.status for o in outcomes}
    print("\n".join(f"{o.test}: {o.status} {o.detail}" for o in outcomes))
    print("device-only, not run here:", ", ".join(DEVICE_ONLY))
    assert all(s == "passed" for s in status.values()), [o for o in outcomes if o.status != "passed"]
    unit = [name for name in status if name.startswith(f"{package}.BindgenSupportTest#")]
    assert len(unit) >= 5, status
    for case in ("HostParityTest#cpuMatchesHost", "DelegatesTest#cpu", "BenchmarkTest#measure(CPU)"):
        assert f"{package}.{case}" in status, (case, sorted(status))
    assert "project-test-latency: CPU median" in log


def test_host_parity_fails_when_the_device_values_differ_from_the_host(tmp_path: Path) -> None:
    """Teeth: the same run with one host value moved by 0.5 fails HostParityTest, naming the value."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    expected_file = project / "app/src/main/assets/expected_outputs.json"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    scores = expected["outputs"]["probability"]  # [index, score] per class
    scores[1] += 0.5
    expected_file.write_text(json.dumps(expected), encoding="utf-8")
    outcomes, _ = run_project_tests(project, PACKAGE, tmp_path / "work")
    status = {o.test: o for o in outcomes}
    parity = status[f"{PACKAGE}.HostParityTest#cpuMatchesHost"]
    assert parity.status == "failed" and "probability[1]" in parity.detail, parity
    assert status[f"{PACKAGE}.DelegatesTest#cpu"].status == "passed"
