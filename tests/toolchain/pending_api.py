"""Stand-ins for wrapper members the generated app already uses but the wrapper lacks for now.

The app shows the device that really ran (``device``, ``fallbackReason`` on the wrapper), members
the wrapper API work is adding in parallel. Until a generated wrapper has them, these extension
properties let the app compile and its device tests run here. They are written only into a
project whose wrapper lacks ``fallbackReason`` (and a member would win over an extension anyway),
so they vanish by themselves once the wrapper has the real members.
"""

from __future__ import annotations

import re
from pathlib import Path

FILE_NAME = "PendingWrapperApi.kt"

_SOURCE = """package {package}

val {cls}.device: {cls}.Device get() = {cls}.Device.CPU

val {cls}.fallbackReason: String? get() = null
"""


def add_pending_wrapper_api(project: Path, package: str) -> bool:
    """Write the stand-ins into ``project``'s main source set when its wrapper needs them."""
    main = project / "app/src/main/kotlin" / package.replace(".", "/")
    wrapper = next(p for p in sorted(main.glob("*.kt")) if "fun newInstance(" in p.read_text(encoding="utf-8"))
    if re.search(r"\b(?:val|var) fallbackReason\b", wrapper.read_text(encoding="utf-8")):
        return False
    (main / FILE_NAME).write_text(_SOURCE.format(package=package, cls=wrapper.stem), encoding="utf-8")
    return True
