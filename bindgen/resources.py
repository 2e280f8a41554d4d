"""The one place that finds the files bindgen reads at run time, installed or in a checkout.

The repository keeps ``templates/`` and ``gradle/libs.versions.toml`` at its top level (the
product layout: the catalog is the Android project's, the templates are shared by every
generator). The wheel cannot put them there, so ``pyproject.toml`` ships them inside the package
as ``bindgen/_data/templates`` and ``bindgen/_data/gradle``. Everything else (the demo model and
its files) lives inside the package in both cases. ``tests/test_wheel.py`` installs the built
wheel outside the checkout and runs every command, so a file missing from the wheel fails there.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: Where the wheel puts the top-level folders (``[tool.hatch.build.targets.wheel.force-include]``).
PACKAGED = PACKAGE / "_data"
#: The checkout root, used when bindgen runs from a clone (editable install, PYTHONPATH).
CHECKOUT = PACKAGE.parent

#: Top-level folders of the repository that bindgen needs at run time.
TOP_LEVEL = ("templates", "gradle")


def top_level(name: str) -> Path:
    """The repository's top-level folder ``name``: packaged copy first, else the checkout's.

    When neither exists the packaged path is returned, so the error that follows names where the
    installed file should have been.
    """
    if name not in TOP_LEVEL:
        raise ValueError(f"{name!r} is not a run-time folder (one of {', '.join(TOP_LEVEL)})")
    packaged = PACKAGED / name
    if packaged.is_dir():
        return packaged
    checkout = CHECKOUT / name
    if checkout.is_dir() and (CHECKOUT / "pyproject.toml").is_file():
        return checkout
    return packaged


def templates_dir() -> Path:
    return top_level("templates")


def version_catalog() -> Path:
    """``gradle/libs.versions.toml``: the pinned Android toolchain."""
    return top_level("gradle") / "libs.versions.toml"


def demo_dir() -> Path:
    """The embedded demo model, its labels, spec and sample picture."""
    return PACKAGE / "demo"
