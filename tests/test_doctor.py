"""``bindgen doctor``: each check with ✓/✗ and its fix, as text and as JSON.

The JDK, KVM and gradle checks look at this machine for real. The SDK side runs once with no SDK
(this machine's real state) and once against the fake SDK folder (SIMULATION: it has the layout
of an SDK, not a working one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
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


@pytest.fixture
def machine(no_sdk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine the test chooses: PATH is one empty folder of tools, JAVA_HOME unset, /dev/kvm absent."""
    bin_dir = no_sdk / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(sdk, "KVM_DEVICE", no_sdk / "no-kvm")
    return bin_dir


def fake_java(folder: Path, banner: str) -> Path:
    """A ``java`` that prints ``banner`` on stderr for ``-version``, as real JDKs do."""
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
    java.chmod(0o755)
    return java


@pytest.mark.parametrize(
    ("version", "ok"), [("11.0.22", False), ("17.0.15", True), ("1.8.0_392", False), ("21", True), ("25.0.1", True)]
)
def test_jdk_check_follows_the_java_on_path(machine: Path, version: str, ok: bool) -> None:
    java = fake_java(machine, f'openjdk version "{version}" 2025-01-21')
    _, report, stderr = doctor_json()
    jdk = by_name(report)["jdk"]
    assert jdk["ok"] is ok
    assert jdk["detail"] == f"Java {version} at {java} (from PATH); needs 17+"
    failed = stderr.split("check(s) failed: ", 1)[1]
    assert ("jdk" in failed.split(" (")[0].split(", ")) is not ok


def test_java_home_wins_over_path_and_junk_output_is_no_jdk(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java(machine, 'openjdk version "11.0.22"')
    home = machine.parent / "jdk-17"
    java = fake_java(home / "bin", 'openjdk version "17.0.15"')
    monkeypatch.setenv("JAVA_HOME", str(home))
    jdk = by_name(doctor_json()[1])["jdk"]
    assert jdk["ok"] is True and jdk["detail"] == f"Java 17.0.15 at {java} (from JAVA_HOME); needs 17+"
    monkeypatch.delenv("JAVA_HOME")
    fake_java(machine, "Segmentation fault")
    jdk = by_name(doctor_json()[1])["jdk"]
    assert jdk["ok"] is False and jdk["detail"] == "no working java on PATH"


def test_gradle_on_path_is_optional(machine: Path) -> None:
    checks = by_name(doctor_json()[1])
    assert checks["gradle"] == {
        "name": "gradle", "ok": False, "required": False,
        "detail": "no gradle on PATH (projects with a gradlew need none)",
        "fix": "use the project's ./gradlew, or install Gradle (sdkman: sdk install gradle)",
    }
    gradle = machine / "gradle"
    gradle.write_text("#!/bin/sh\n")
    gradle.chmod(0o755)
    _, report, stderr = doctor_json()
    assert by_name(report)["gradle"]["ok"] is True and by_name(report)["gradle"]["detail"] == str(gradle)
    assert "gradle" not in stderr


def test_kvm_check_follows_the_device(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = by_name(doctor_json()[1])["kvm"]
    assert absent["ok"] is False
    assert absent["detail"].startswith(f"{machine.parent / 'no-kvm'} does not exist")
    assert absent["fix"].startswith("enable virtualisation")
    device = machine.parent / "kvm"
    device.write_bytes(b"")
    monkeypatch.setattr(sdk, "KVM_DEVICE", device)
    usable = by_name(doctor_json()[1])["kvm"]
    assert usable["ok"] is True and usable["detail"] == f"{device} is readable and writable"


def test_kvm_present_but_not_openable() -> None:
    """A device this user may not open: root may open anything, so as root the check runs as nobody
    (with the system python3, whose standard library is all bindgen.device.sdk needs)."""
    repo = Path(__file__).parents[1]
    root = os.geteuid() == 0
    python = shutil.which("python3", path="/usr/bin:/bin") if root else sys.executable
    assert python is not None
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)  # others may look inside, not open the device
        device = Path(folder) / "kvm"
        device.write_bytes(b"")
        device.chmod(0o600 if root else 0o000)
        probe = ("import sys; from pathlib import Path; from bindgen.device import sdk; "
                 "s = sdk.kvm_status(Path(sys.argv[1])); print(s.present, s.usable, s.detail)")
        result = subprocess.run([python, "-c", probe, str(device)], capture_output=True, text=True,
                                user=65534 if root else None, cwd="/", check=False,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo)})
    assert result.stdout == f"True False {device} exists but this user cannot open it\n", result.stderr


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
