"""Finding the tools bindgen drives: the Android SDK and its tools, AVDs, the JDK, KVM, Gradle.

Only looks at the file system and the environment (plus ``java -version`` through
:mod:`bindgen.device.proc`); nothing here installs or changes anything. The SDK package names below are
the ones the README tells users to install and the ones ``bindgen doctor`` suggests.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bindgen.device import proc
from bindgen.errors import EXIT_BAD_INPUT, BindgenError

#: API level of the platform and build tools the generated project compiles against.
COMPILE_API = 36
BUILD_TOOLS = "36.0.0"
#: API level and image used for the headless test emulator (x86_64 runs under KVM on Linux hosts).
TEST_API = 35
IMAGE_TAG = "google_apis"
IMAGE_ABI = "x86_64"
MIN_JDK = 17

SDK_HINT = "set ANDROID_HOME to your Android SDK folder or sdk.dir in local.properties; see `bindgen doctor`"


def system_image_package(api: int, tag: str = IMAGE_TAG, abi: str = IMAGE_ABI) -> str:
    return f"system-images;android-{api};{tag};{abi}"


def sdkmanager_install_command() -> str:
    """The one command that installs everything ``bindgen build``/``test`` need."""
    packages = [
        "platform-tools",
        "emulator",
        f"platforms;android-{COMPILE_API}",
        f"build-tools;{BUILD_TOOLS}",
        system_image_package(TEST_API),
    ]
    return "sdkmanager " + " ".join(f'"{p}"' for p in packages)


def avd_create_command(name: str, api: int = TEST_API) -> str:
    return f'avdmanager create avd -n {name} -k "{system_image_package(api)}" -d pixel_6'


def _local_properties_sdk_dir(project_dir: Path) -> Path | None:
    props = project_dir / "local.properties"
    try:
        text = props.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "sdk.dir":
            # .properties escapes ':' and '\' (Windows paths); unescape the common cases.
            return Path(value.strip().replace("\\:", ":").replace("\\\\", "\\"))
    return None


@dataclass(frozen=True)
class Sdk:
    """An Android SDK folder and the tools bindgen looks for in it."""

    root: Path
    source: str  # where it was found: "ANDROID_HOME", "ANDROID_SDK_ROOT", "local.properties", ...

    def _first(self, *candidates: Path) -> Path | None:
        for path in candidates:
            if path.is_file() and os.access(path, os.X_OK):
                return path
        return None

    @property
    def adb(self) -> Path | None:
        return self._first(self.root / "platform-tools" / "adb")

    @property
    def emulator(self) -> Path | None:
        return self._first(self.root / "emulator" / "emulator")

    def _cmdline_tool(self, name: str) -> Path | None:
        latest = self.root / "cmdline-tools" / "latest" / "bin" / name
        others = sorted((self.root / "cmdline-tools").glob(f"*/bin/{name}"), reverse=True)
        return self._first(latest, *others, self.root / "tools" / "bin" / name)

    @property
    def avdmanager(self) -> Path | None:
        return self._cmdline_tool("avdmanager")

    @property
    def sdkmanager(self) -> Path | None:
        return self._cmdline_tool("sdkmanager")

    def build_tools(self) -> list[str]:
        return sorted(p.name for p in (self.root / "build-tools").glob("*") if p.is_dir())

    def platforms(self) -> list[str]:
        return sorted(p.name for p in (self.root / "platforms").glob("android-*") if p.is_dir())

    def system_images(self) -> list[str]:
        """Installed images as sdkmanager package names (``system-images;android-35;...``)."""
        found = []
        for abi_dir in (self.root / "system-images").glob("*/*/*"):
            if abi_dir.is_dir():
                api, tag, abi = abi_dir.relative_to(self.root / "system-images").parts
                found.append(f"system-images;{api};{tag};{abi}")
        return sorted(found)

    def require(self, tool: str) -> Path:
        """The path of ``tool`` (adb, emulator, avdmanager, sdkmanager) or a one-line error."""
        path: Path | None = getattr(self, tool)
        if path is None:
            package = {
                "adb": "platform-tools",
                "emulator": "emulator",
                "avdmanager": "cmdline-tools;latest",
                "sdkmanager": "cmdline-tools;latest",
            }[tool]
            raise BindgenError(
                f"{tool} not found in the Android SDK at {self.root}",
                hint=f'install it: sdkmanager "{package}"',
                exit_code=EXIT_BAD_INPUT,
            )
        return path


def find_sdk(project_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Sdk | None:
    """The SDK the way the Android Gradle plugin finds it: ANDROID_HOME, ANDROID_SDK_ROOT,
    ``sdk.dir`` in the project's local.properties; then the Android Studio default folder."""
    env = os.environ if env is None else env
    candidates: list[tuple[str, Path]] = []
    for var in ("ANDROID_HOME", "ANDROID_SDK_ROOT"):
        if env.get(var):
            candidates.append((var, Path(env[var])))
    if project_dir is not None:
        sdk_dir = _local_properties_sdk_dir(project_dir)
        if sdk_dir is not None:
            candidates.append(("local.properties", sdk_dir))
    home = env.get("HOME")
    if home:
        candidates.append(("default location", Path(home) / "Android" / "Sdk"))
    for source, root in candidates:
        if root.is_dir():
            return Sdk(root=root, source=source)
    return None


def require_sdk(project_dir: Path | None = None) -> Sdk:
    sdk = find_sdk(project_dir)
    if sdk is None:
        raise BindgenError("Android SDK not found", hint=SDK_HINT, exit_code=EXIT_BAD_INPUT)
    return sdk


def find_adb(sdk: Sdk | None) -> Path | None:
    """adb from the SDK, else one on PATH (Debian's ``adb`` package, for example)."""
    if sdk is not None and sdk.adb is not None:
        return sdk.adb
    found = shutil.which("adb")
    return Path(found) if found else None


def avd_home(env: Mapping[str, str] | None = None) -> Path:
    """Where avdmanager writes AVDs (ANDROID_AVD_HOME, ANDROID_USER_HOME/avd, ~/.android/avd)."""
    env = os.environ if env is None else env
    if env.get("ANDROID_AVD_HOME"):
        return Path(env["ANDROID_AVD_HOME"])
    if env.get("ANDROID_USER_HOME"):
        return Path(env["ANDROID_USER_HOME"]) / "avd"
    return Path(env.get("HOME", "~")).expanduser() / ".android" / "avd"


def list_avds(env: Mapping[str, str] | None = None) -> list[str]:
    """AVD names, read from ``<name>.ini`` files as ``emulator -list-avds`` does."""
    return sorted(p.stem for p in avd_home(env).glob("*.ini") if p.is_file())


@dataclass(frozen=True)
class Java:
    path: Path
    version: str
    major: int
    source: str  # "JAVA_HOME" or "PATH"


_JAVA_VERSION = re.compile(r'version "([^"]+)"')


def _major(version: str) -> int:
    parts = re.findall(r"\d+", version)
    if not parts:
        return 0
    if parts[0] == "1" and len(parts) > 1:  # 1.8.0_392 → 8
        return int(parts[1])
    return int(parts[0])


def find_java(env: Mapping[str, str] | None = None) -> Java | None:
    """The JDK Gradle will run on: JAVA_HOME's java, else java on PATH; None if there is none."""
    env = os.environ if env is None else env
    candidates: list[tuple[str, Path]] = []
    if env.get("JAVA_HOME"):
        candidates.append(("JAVA_HOME", Path(env["JAVA_HOME"]) / "bin" / "java"))
    else:
        on_path = shutil.which("java", path=env.get("PATH"))
        if on_path:
            candidates.append(("PATH", Path(on_path)))
    for source, path in candidates:
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        try:
            result = proc.run([path, "-version"], timeout_s=30)
        except BindgenError:
            continue
        match = _JAVA_VERSION.search(result.stderr + result.stdout)
        if match:
            return Java(path=path, version=match.group(1), major=_major(match.group(1)), source=source)
    return None


#: The KVM device the emulator opens; tests point it at a file they control.
KVM_DEVICE = Path("/dev/kvm")


@dataclass(frozen=True)
class Kvm:
    present: bool
    usable: bool
    device: Path = KVM_DEVICE

    @property
    def detail(self) -> str:
        if self.usable:
            return f"{self.device} is readable and writable"
        if self.present:
            return f"{self.device} exists but this user cannot open it"
        return f"{self.device} does not exist (no hardware virtualisation here)"


def kvm_status(device: Path | None = None) -> Kvm:
    device = KVM_DEVICE if device is None else device
    present = device.exists()
    return Kvm(present=present, usable=present and os.access(device, os.R_OK | os.W_OK), device=device)


def find_gradle_on_path() -> Path | None:
    found = shutil.which("gradle")
    return Path(found) if found else None
