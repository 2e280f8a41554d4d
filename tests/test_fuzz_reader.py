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
        "bitflip", "interesting", "truncate", "duplicate", "insert", "delete", "zip_tail", "zip_header",
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
    from tests.toolchain.models import model_path

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


def test_corrupt_compressed_associated_file_is_a_bindgen_error(tmp_path: Path) -> None:
    from bindgen.errors import BindgenError
    from bindgen.read.tflite.reader import read_associated_file

    _, data, model_end = _annotated_text_model(tmp_path)
    # Mark every entry deflated (compression method 8, in the central directory and local
    # headers) while its bytes stay stored: decompressing them is an invalid deflate stream.
    for signature, method_at in ((b"PK\x01\x02", 10), (b"PK\x03\x04", 8)):
        pos = data.find(signature, model_end)
        while pos >= 0:
            data[pos + method_at : pos + method_at + 2] = (8).to_bytes(2, "little")
            pos = data.find(signature, pos + 4)
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(bytes(data))
    with pytest.raises(BindgenError):
        read_associated_file(broken, "labels.txt")


def _annotated_text_model(tmp_path: Path) -> tuple[Path, bytearray, int]:
    from bindgen.read.tflite.reader import read_model
    from tests.toolchain.models import model_path, sidecar, vocab_path

    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"l{i}\n" for i in range(sidecar("text_classifier")["labels"])), encoding="utf-8")
    annotated = tmp_path / "text.tflite"
    result = subprocess.run(
        [str(REPO / ".venv/bin/bindgen"), "annotate", str(model_path("text_classifier")), "-o", str(annotated),
         "--kind", "text-classifier", "--labels", str(labels), "--vocab", str(vocab_path("text_classifier"))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    model = read_model(annotated)
    assert model.associated_files, "labels and vocabulary are in the appended zip"
    return annotated, bytearray(annotated.read_bytes()), model.model_end


def test_encrypted_flag_on_associated_file_is_a_bindgen_error(tmp_path: Path) -> None:
    from bindgen.errors import BindgenError
    from bindgen.read.tflite.reader import read_associated_file, read_model

    _, data, model_end = _annotated_text_model(tmp_path)
    for signature, flags_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):  # general-purpose flag bit 0
        pos = data.find(signature, model_end)
        while pos >= 0:
            data[pos + flags_at] |= 1
            pos = data.find(signature, pos + 4)
    broken = tmp_path / "encrypted.tflite"
    broken.write_bytes(bytes(data))
    with pytest.raises(BindgenError):
        read_associated_file(broken, read_model(broken).associated_files[0].name)


def test_lzma_entry_with_bad_properties_is_a_bindgen_error(tmp_path: Path) -> None:
    from bindgen.errors import BindgenError
    from bindgen.read.tflite.reader import read_associated_file, read_model

    annotated, data, model_end = _annotated_text_model(tmp_path)
    for signature, method_at in ((b"PK\x01\x02", 10), (b"PK\x03\x04", 8)):
        pos = data.find(signature, model_end)
        while pos >= 0:
            data[pos + method_at : pos + method_at + 2] = (14).to_bytes(2, "little")
            pos = data.find(signature, pos + 4)
    entry = max(read_model(annotated).associated_files, key=lambda f: f.size)
    # zipfile's LZMA header: version (2 bytes), properties size 5, then lc/lp/pb byte 0xFF (invalid).
    data[entry.offset : entry.offset + 5] = bytes([9, 20, 5, 0, 0xFF])
    broken = tmp_path / "lzma.tflite"
    broken.write_bytes(bytes(data))
    with pytest.raises(BindgenError):
        read_associated_file(broken, entry.name)
