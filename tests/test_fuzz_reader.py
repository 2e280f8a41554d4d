"""Issue 2: the reader survives mutated real models (the CI-sized run of bench/fuzz_reader.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "fuzz_reader.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_reader", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_reader_survives_3000_mutated_models(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--cases", "3000", "--seed", "7", "--out", str(tmp_path), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"reader crashed on fuzzed input:\n{result.stdout}\n{result.stderr}"
    summary = json.loads(result.stdout)
    assert summary["cases"] == 3000
    assert summary["findings"] == 0
    # The mutations must bite: some cases are rejected, some still read, every mutator ran, and the
    # seeds include models with an associated-file zip for the zip-tail corruptions.
    assert summary["rejected"] > 300 and summary["accepted"] > 300
    assert set(summary["mutations"]) == {
        "bitflip", "interesting", "truncate", "duplicate", "insert", "delete", "zip_tail",
    }  # fmt: skip
    assert sum(name.endswith((".bindgen.tflite", ".official.tflite")) for name in summary["seeds"]) == 4
    assert list(tmp_path.iterdir()) == []


def test_cases_are_reproducible() -> None:
    fuzz = _load()
    seed = fuzz.Seed("s", bytes(range(256)) * 8, [], 2048)
    first = [fuzz.mutate(5, case, [seed])[1] for case in range(50)]
    again = [fuzz.mutate(5, case, [seed])[1] for case in range(50)]
    other = [fuzz.mutate(6, case, [seed])[1] for case in range(50)]
    assert first == again
    assert first != other
    assert all(data != seed.data for data in first[:10]) or len(set(first)) > 40


def test_a_non_bindgen_error_is_a_finding_with_a_reproducer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The detector itself works: a reader that raises something else is reported and saved."""
    fuzz = _load()
    from tests.models import model_path

    source = model_path("float_classifier")
    seeds = [fuzz.Seed(source.name, source.read_bytes(), [], source.stat().st_size)]
    real_read = fuzz.read_model

    def flaky_read(path: Path) -> object:
        if Path(path).read_bytes() != seeds[0].data:
            raise IndexError("simulated reader bug")
        return real_read(path)

    monkeypatch.setattr(fuzz, "read_model", flaky_read)
    stats = fuzz.run(20, 3, seeds, tmp_path / "crashes", timeout=5.0, progress=False)
    assert stats.cases == 20
    assert stats.findings, "an IndexError from the reader must be a finding"
    finding = stats.findings[0]
    assert finding.error.startswith("IndexError: simulated reader bug")
    reproducer = Path(finding.reproducer)
    assert reproducer.read_bytes() == fuzz.mutate(3, finding.case, seeds)[1]
