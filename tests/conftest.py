"""Shared fixtures. Toolchain ones first; see tests/toolchain/__init__.py and tests/toolchain/oracle.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import toolchain


@pytest.fixture(scope="session")
def kotlin_classpath() -> list[Path]:
    """The jars a bare wrapper compiles against: a generated project's resolved ``implementation``."""
    return toolchain.wrapper_classpath()


@pytest.fixture
def machine_gradle() -> str:
    """Debian's ``gradle`` (4.4.1); fails, never skips, when the machine lacks it."""
    from tests.toolchain.system import machine_tool

    return machine_tool("gradle")


@pytest.fixture
def machine_adb() -> str:
    """Debian's ``adb``; fails, never skips, when the machine lacks it."""
    from tests.toolchain.system import machine_tool

    return machine_tool("adb")
