"""Programs the tests drive for real from the machine: Debian's ``gradle`` and ``adb``.

``tools/setup.sh system`` installs them (and fails when it cannot). A test that needs one and does
not find it fails with the fix: on CI a missing tool is a broken set-up, never a reason to skip.
"""

from __future__ import annotations

import shutil

SETUP_HINT = "the test machine is not set up: run `tools/setup.sh system` (as root) or `make test`"


def machine_tool(name: str) -> str:
    """The absolute path of ``name`` on PATH; an AssertionError that says how to install it otherwise."""
    found = shutil.which(name)
    if found is None:
        raise AssertionError(f"`{name}` is not on PATH: {SETUP_HINT}")
    return found
