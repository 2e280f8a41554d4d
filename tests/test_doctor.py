"""``bindgen doctor``: each check with ✓/✗ and its fix, as text and as JSON.

The JDK, KVM and gradle checks look at this machine for real. The SDK side runs once with no SDK
(this machine's real state) and once against the fake SDK folder (SIMULATION: it has the layout
of an SDK, not a working one).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bindgen.cli import app
from bindgen.device import sdk
from tests.fixtures.fake_sdk import install

SDK_CHECKS = ["android sdk", "cmdline-tools", "platform-tools", "emulator", "build-tools", "platforms",
              "system images"]


@pytest.fixture
def no_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT", "ANDROID_AVD_HOME", "ANDROID_USER_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def doctor_json(*extra: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["doctor", "--json", *extra])
    return result.exit_code, json.loads(result.stdout), result.stderr


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


def test_without_an_sdk_every_sdk_check_fails_with_its_fix(no_sdk: Path) -> None:
    code, report, stderr = doctor_json()
    assert code == 1 and report["ok"] is False
    checks = by_name(report)
    assert list(checks) == ["jdk", *SDK_CHECKS, "avds", "kvm", "gradle"]
    for name in SDK_CHECKS:
        assert checks[name]["ok"] is False and checks[name]["fix"], name
    assert checks["platform-tools"]["fix"] == 'sdkmanager "platform-tools"'
    assert checks["system images"]["fix"] == 'sdkmanager "system-images;android-35;google_apis;x86_64"'
    assert checks["avds"]["detail"] == f"none in {no_sdk / '.android' / 'avd'}"
    assert "avdmanager create avd -n bindgen-api35" in checks["avds"]["fix"]
    errors = [ln for ln in stderr.splitlines() if ln.startswith("bindgen: error:")]
    failed = [c["name"] for c in report["checks"] if c["required"] and not c["ok"]]
    assert errors == [f"bindgen: error: {len(failed)} check(s) failed: {', '.join(failed)} "
                      "(run the fix commands above)"]
    assert "Traceback" not in stderr


def test_text_report_marks_and_fix_lines(no_sdk: Path) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    sdk_line = next(i for i, ln in enumerate(lines) if ln.startswith("✗ android sdk"))
    assert lines[sdk_line + 1].strip().startswith("fix: export ANDROID_HOME=")
    java = sdk.find_java()
    if java is not None and java.major >= 17:
        assert any(ln.startswith("✓ jdk") and f"Java {java.version}" in ln for ln in lines)


@pytest.mark.simulation
def test_simulation_a_complete_sdk_layout_passes_the_sdk_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = install(tmp_path, monkeypatch, avds=("pixel-35",))
    code, report, _ = doctor_json()
    checks = by_name(report)
    for name in SDK_CHECKS:
        assert checks[name]["ok"] is True, checks[name]
    assert checks["android sdk"]["detail"] == f"{fake.root} (from ANDROID_HOME)"
    assert checks["platform-tools"]["detail"] == str(fake.root / "platform-tools" / "adb")
    assert checks["system images"]["detail"] == "system-images;android-35;google_apis;x86_64"
    assert checks["avds"] == {**checks["avds"], "ok": True, "detail": "pixel-35"}
    # The machine-dependent checks decide the verdict; it must agree with them.
    machine_ok = checks["jdk"]["ok"] and checks["kvm"]["ok"]
    assert report["ok"] is machine_ok and (code == 0) is machine_ok


def test_kvm_and_gradle_checks_describe_this_machine(no_sdk: Path) -> None:
    _, report, _ = doctor_json()
    checks = by_name(report)
    kvm = sdk.kvm_status()
    assert checks["kvm"]["ok"] is kvm.usable
    assert checks["kvm"]["detail"].startswith(kvm.detail)
    assert checks["gradle"]["ok"] is (shutil.which("gradle") is not None)
    assert checks["gradle"]["required"] is False


def test_a_broken_java_home_fails_the_jdk_check(no_sdk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(no_sdk / "no-jdk"))
    _, report, _ = doctor_json()
    jdk = by_name(report)["jdk"]
    assert jdk["ok"] is False
    assert jdk["detail"] == "no working JAVA_HOME/bin/java"
    assert "openjdk-17-jdk" in jdk["fix"]


@pytest.mark.parametrize(
    ("version", "major"), [("17.0.15", 17), ("1.8.0_392", 8), ("25.0.3", 25), ("21", 21)]
)
def test_java_major_versions(version: str, major: int) -> None:
    assert sdk._major(version) == major


def test_sdk_found_through_local_properties(tmp_path: Path, no_sdk: Path) -> None:
    root = tmp_path / "my sdk"
    root.mkdir()
    project = tmp_path / "proj"
    project.mkdir()
    (project / "local.properties").write_text(f"# written by Android Studio\nsdk.dir={root}\n")
    found = sdk.find_sdk(project)
    assert found == sdk.Sdk(root=root, source="local.properties")
