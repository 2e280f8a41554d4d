"""The annotated-model cache (tests/toolchain/fixtures.py) is keyed on everything that shapes a file.

A stale cache hides a change: if labels, calibration, normalization, the writer or the tflite-support
version change and the key does not, the tests keep running on the old file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bindgen.read.tflite.reader import read_associated_file
from tests.toolchain import fixtures


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(fixtures, "CACHE", tmp_path)
    fixtures.annotated_model.cache_clear()
    yield tmp_path
    fixtures.annotated_model.cache_clear()  # later tests must not see files of this tmp cache


def _key(name: str) -> str:
    return fixtures.cache_key(fixtures.official_inputs(name))


def test_the_official_annotation_key_covers_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    name = "calibrated_classifier"
    seen = {_key(name), _key("float_classifier")}
    assert len(seen) == 2  # same model, different calibration
    changes = [
        ("CALIBRATION", fixtures.CALIBRATION.replace("0.9,", "0.8,")),
        ("CALIBRATION_OPTIONS", {**fixtures.CALIBRATION_OPTIONS, "default_score": 0.06}),
        ("NORMALIZATION", ([127.0], [127.5])),
        ("_label_text", lambda base: "other\n" * 5),
        ("_oracle_versions", lambda: "tflite_support-0.4.5.dist-info"),
    ]
    for attribute, value in changes:
        with monkeypatch.context() as patch:
            patch.setattr(fixtures, attribute, value)
            key = _key(name)
        assert key not in seen, f"the cache key ignores {attribute}"
        seen.add(key)
    writer = fixtures.repo_root() / "tests" / "toolchain" / "oracle_run.py"
    assert fixtures.official_inputs(name)["writer"] == writer.read_bytes()


def test_the_bindgen_annotation_key_covers_spec_and_annotator(monkeypatch: pytest.MonkeyPatch) -> None:
    key = fixtures.cache_key(fixtures.image_to_image_inputs())
    monkeypatch.setattr(fixtures, "IMAGE_TO_IMAGE_SPEC", fixtures.IMAGE_TO_IMAGE_SPEC.replace("255.0", "127.5"))
    assert fixtures.cache_key(fixtures.image_to_image_inputs()) != key
    sources = fixtures.image_to_image_inputs()["annotator"]
    assert isinstance(sources, bytes)
    for module in ("read/tflite/writer.py", "read/metadata/codec.py", "decide/annotate/annotator.py"):
        assert module.encode() + b"\0" in sources


def test_a_changed_calibration_gives_a_new_file(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = fixtures.annotated_model("calibrated_classifier")
    fixtures.annotated_model.cache_clear()
    monkeypatch.setattr(fixtures, "CALIBRATION", fixtures.CALIBRATION.replace("0.9,2.0,-0.5", "0.7,2.0,-0.5"))
    second = fixtures.annotated_model("calibrated_classifier")
    assert first != second and first.exists() and second.exists()

    def calibration(path: Path) -> str:
        return read_associated_file(path, "calibration.csv").decode()

    assert calibration(first).startswith("0.9,2.0,-0.5") and calibration(second).startswith("0.7,2.0,-0.5")
