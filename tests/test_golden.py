"""Generated Kotlin must equal the committed golden files (``make golden`` regenerates them)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from tools.golden import GOLDEN_KOTLIN, KOTLIN_MODELS, generate_kotlin

pytestmark = pytest.mark.slow


def _tree(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_kotlin_golden_files_match(tmp_path: Path) -> None:
    generate_kotlin(tmp_path)
    fresh, golden = _tree(tmp_path), _tree(GOLDEN_KOTLIN)
    assert sorted(fresh) == sorted(golden), "golden file set differs: run `make golden`"
    drifted = [rel for rel in fresh if not filecmp.cmp(fresh[rel], golden[rel], shallow=False)]
    assert drifted == [], f"generated code differs from tests/golden (run `make golden`): {drifted}"
    assert {rel.split("/")[0] for rel in golden} == set(KOTLIN_MODELS)
