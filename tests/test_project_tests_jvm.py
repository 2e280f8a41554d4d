"""A generated project's own tests, run on this JVM (``tests.toolchain.project_tests``).

``android-sample/`` (the demo project): ``app/src/test`` with JUnit, and ``HostParityTest``,
``DelegatesTest#cpu`` and ``BenchmarkTest``'s CPU measurement under Robolectric with a real TFLite
interpreter and the project's own assets. What needs a GPU delegate or NNAPI is named, not run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.toolchain.project_tests import DEVICE_ONLY, run_project_tests

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "android-sample"
PACKAGE = "dev.bindgen.shapes"


def test_android_sample_tests_pass_on_the_jvm(tmp_path: Path) -> None:
    outcomes, log = run_project_tests(SAMPLE, PACKAGE, tmp_path)
    status = {o.test: o.status for o in outcomes}
    print("\n".join(f"{o.test}: {o.status} {o.detail}" for o in outcomes))
    print("device-only, not run here:", ", ".join(DEVICE_ONLY))
    assert all(s == "passed" for s in status.values()), [o for o in outcomes if o.status != "passed"]
    unit = [name for name in status if name.startswith(f"{PACKAGE}.BindgenSupportTest#")]
    assert len(unit) >= 5, status
    for case in ("HostParityTest#cpuMatchesHost", "DelegatesTest#cpu", "BenchmarkTest#measure(CPU)"):
        assert f"{PACKAGE}.{case}" in status, (case, sorted(status))
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
