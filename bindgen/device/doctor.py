"""``bindgen doctor``: is this machine ready to build and test the Android project?

Each check says what it found and, when it fails, the one command that fixes it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from bindgen.device import sdk


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    #: A failed optional check (e.g. gradle on PATH, when projects carry a wrapper) is only a warning.
    required: bool = True


def _sdk_checks(the_sdk: sdk.Sdk | None) -> list[Check]:
    sdk_fix_prefix = "install the Android command-line tools, then: "
    if the_sdk is None:
        set_vars = [v for v in ("ANDROID_HOME", "ANDROID_SDK_ROOT") if os.environ.get(v)]
        detail = (
            f"{' and '.join(set_vars)} point(s) to a missing folder"
            if set_vars
            else "ANDROID_HOME and ANDROID_SDK_ROOT are not set and ~/Android/Sdk does not exist"
        )
        missing = "not checked: no Android SDK"
        return [
            Check("android sdk", False, detail, "export ANDROID_HOME=$HOME/Android/Sdk  # after installing "
                  "the command-line tools into $ANDROID_HOME/cmdline-tools/latest"),
            Check("cmdline-tools", False, missing, sdk_fix_prefix + 'sdkmanager "cmdline-tools;latest"'),
            Check("platform-tools", False, missing, 'sdkmanager "platform-tools"'),
            Check("emulator", False, missing, 'sdkmanager "emulator"'),
            Check("build-tools", False, missing, f'sdkmanager "build-tools;{sdk.BUILD_TOOLS}"'),
            Check("platforms", False, missing, f'sdkmanager "platforms;android-{sdk.COMPILE_API}"'),
            Check("system images", False, missing, f'sdkmanager "{sdk.system_image_package(sdk.TEST_API)}"'),
        ]
    checks = [Check("android sdk", True, f"{the_sdk.root} (from {the_sdk.source})")]
    manager = the_sdk.sdkmanager
    checks.append(
        Check("cmdline-tools", manager is not None,
              str(manager) if manager else f"no cmdline-tools/latest/bin/sdkmanager in {the_sdk.root}",
              "download the command-line tools zip from developer.android.com/studio and unpack it "
              "to $ANDROID_HOME/cmdline-tools/latest")
    )
    for name, tool, package in (("platform-tools", the_sdk.adb, "platform-tools"),
                                ("emulator", the_sdk.emulator, "emulator")):
        checks.append(Check(name, tool is not None, str(tool) if tool else f"{name} is not installed",
                            f'sdkmanager "{package}"'))
    build_tools = the_sdk.build_tools()
    checks.append(Check("build-tools", bool(build_tools), ", ".join(build_tools) or "none installed",
                        f'sdkmanager "build-tools;{sdk.BUILD_TOOLS}"'))
    platforms = the_sdk.platforms()
    wanted = f"android-{sdk.COMPILE_API}"
    checks.append(Check("platforms", wanted in platforms,
                        (", ".join(platforms) or "none installed") + f" (the project needs {wanted})",
                        f'sdkmanager "platforms;{wanted}"'))
    images = the_sdk.system_images()
    checks.append(Check("system images", bool(images), ", ".join(images) or "none installed",
                        f'sdkmanager "{sdk.system_image_package(sdk.TEST_API)}"'))
    return checks


def run_checks() -> list[Check]:
    checks: list[Check] = []
    java = sdk.find_java()
    jdk_fix = "apt install openjdk-17-jdk (or point JAVA_HOME at a JDK 17+)"
    if java is None:
        where = "JAVA_HOME/bin/java" if os.environ.get("JAVA_HOME") else "java on PATH"
        checks.append(Check("jdk", False, f"no working {where}", jdk_fix))
    else:
        checks.append(Check("jdk", java.major >= sdk.MIN_JDK,
                            f"Java {java.version} at {java.path} (from {java.source}); needs {sdk.MIN_JDK}+",
                            jdk_fix))
    the_sdk = sdk.find_sdk()
    checks += _sdk_checks(the_sdk)
    avds = sdk.list_avds()
    checks.append(Check("avds", bool(avds), ", ".join(avds) or f"none in {sdk.avd_home()}",
                        sdk.avd_create_command(f"bindgen-api{sdk.TEST_API}")
                        + f"  # or: bindgen test DIR --create-avd --api {sdk.TEST_API}"))
    kvm = sdk.kvm_status()
    checks.append(Check("kvm", kvm.usable, kvm.detail + ("" if kvm.usable else "; the emulator would run "
                                                        "with -accel off, many times slower"),
                        "sudo usermod -aG kvm $USER  # then log in again" if kvm.present
                        else "enable virtualisation (VT-x/AMD-V, nested virtualisation for VMs)"))
    gradle = sdk.find_gradle_on_path()
    checks.append(Check("gradle", gradle is not None,
                        str(gradle) if gradle else "no gradle on PATH (projects with a gradlew need none)",
                        "use the project's ./gradlew, or install Gradle (sdkman: sdk install gradle)",
                        required=False))
    return checks


def all_ok(checks: list[Check]) -> bool:
    return all(c.ok or not c.required for c in checks)


def as_json(checks: list[Check]) -> dict[str, Any]:
    return {"ok": all_ok(checks), "checks": [asdict(c) for c in checks]}


def render(checks: list[Check]) -> list[str]:
    """One line per check (✓/✗, name, detail) and, under each failure, the command that fixes it."""
    lines = []
    for check in checks:
        mark = "✓" if check.ok else ("✗" if check.required else "!")
        lines.append(f"{mark} {check.name:<15} {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"  {'':<15} fix: {check.fix}")
    return lines
