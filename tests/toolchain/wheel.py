"""bindgen as a user installs it: ``python -m build``, then the wheel in fresh venvs outside the checkout.

The build tools (``build``, ``hatchling``) get a venv of their own under
``~/.cache/bindgen/wheel/build-tools`` (never the project venv), made once and re-made when the
pinned requirements change. ``python -m build`` makes the sdist from the checkout and the wheel
*from that sdist*, so both must carry everything. Each install is a fresh ``python -m venv`` with a
plain ``pip install WHEEL[run]`` (the ``run`` extra when it installs on that Python, else the bare
wheel); pip's own cache (``~/.cache/pip``) keeps repeat runs off the network, and the first run on
a new machine downloads from PyPI.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("BINDGEN_CACHE", Path.home() / ".cache" / "bindgen")) / "wheel"
BUILD_REQUIREMENTS = ("build>=1.2", "hatchling>=1.21")
#: The oldest and newest supported Pythons (pyproject: >=3.10); pyenv has them on these machines.
PYTHONS = {
    "3.10": ("~/.pyenv/versions/3.10.13/bin/python", "python3.10"),
    "3.13": ("~/.pyenv/versions/3.13.0/bin/python", "python3.13"),
}


def find_python(version: str) -> Path | None:
    pyenv, on_path = PYTHONS[version]
    candidate = Path(pyenv).expanduser()
    if candidate.is_file():
        return candidate
    found = shutil.which(on_path)
    return Path(found) if found else None


def _run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result  # type: ignore[no-any-return]


def build_tools() -> Path:
    """The Python of the build-tools venv (made on first use, under a file lock)."""
    venv = CACHE / "build-tools"
    python = venv / "bin" / "python"
    stamp = venv / "bindgen-requirements.txt"
    wanted = "\n".join(BUILD_REQUIREMENTS) + "\n"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build-tools.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (python.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted):
            shutil.rmtree(venv, ignore_errors=True)
            _run([sys.executable, "-m", "venv", venv])
            _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *BUILD_REQUIREMENTS])
            stamp.write_text(wanted, encoding="utf-8")
    return python


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


def build(out: Path) -> Dists:
    """``python -m build`` on the checkout: the sdist, then the wheel built from it."""
    _run([build_tools(), "-m", "build", "--no-isolation", "--outdir", out, REPO], cwd=out)
    (sdist,) = out.glob("bindgen-*.tar.gz")
    (wheel,) = out.glob("bindgen-*.whl")
    return Dists(sdist, wheel)


@dataclass(frozen=True)
class Installed:
    version: str
    venv: Path
    with_run_extra: bool
    pip_log: str

    @property
    def bindgen(self) -> Path:
        return self.venv / "bin" / "bindgen"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def install(version: str, python: Path, wheel: Path, venv: Path) -> Installed:
    """A fresh venv made by ``python`` with ``wheel[run]``, or the bare wheel when the extra cannot install."""
    _run([python, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    extra = subprocess.run([*map(str, pip), f"{wheel}[run]"], capture_output=True, text=True, check=False)
    if extra.returncode == 0:
        return Installed(version, venv, True, extra.stderr)
    _run([*pip, wheel])
    return Installed(version, venv, False, extra.stderr)


def user_env(venv: Path, *, path: str | None = None) -> dict[str, str]:
    """The environment of a user who installed into ``venv``: no PYTHONPATH, no checkout on sys.path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = path if path is not None else f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env
