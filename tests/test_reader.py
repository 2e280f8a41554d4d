"""Issue 2: the model reader and ``bindgen inspect`` against real models and the official displayer."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bindgen.read.tflite.model import DType
from bindgen.read.tflite.reader import read_model
from tests.toolchain import fixtures, oracle
from tests.toolchain.cli import assert_one_line_error, bindgen
from tests.toolchain.models import NAMES, model_path, sidecar, vocab_path
from tests.toolchain.models.thirdparty import mediapipe_models


def _inspect_json(path: Path) -> dict:
    result = bindgen("inspect", "--json", path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", NAMES)
def test_generated_model_tensors_match_tensorflow(name: str) -> None:
    """dtype / shape / shape_signature / quantization agree with what TF's interpreter reported."""
    expected = sidecar(name)
    data = _inspect_json(model_path(name))
    subgraph = data["subgraphs"][0]
    for kind in ("inputs", "outputs"):
        ours = sorted(subgraph[kind], key=lambda t: t["index"])
        theirs = sorted(expected[kind], key=lambda t: t["index"])
        assert [t["index"] for t in ours] == [t["index"] for t in theirs]
        for a, b in zip(ours, theirs, strict=True):
            assert a["dtype"] == b["dtype"], (name, a, b)
            assert a["shape"] == list(b["shape"])
            assert a["shape_signature"] == list(b["shape_signature"])
            scale = b["quantization"]["scale"]
            if scale:
                assert a["quantization"]["scale"] == pytest.approx([scale])
                assert a["quantization"]["zero_point"] == [b["quantization"]["zero_point"]]
            else:
                assert a["quantization"] is None


@pytest.mark.parametrize("name", NAMES)
def test_generated_models_without_metadata_are_null_where_the_displayer_refuses(name: str) -> None:
    path = model_path(name)
    assert _inspect_json(path)["metadata"] is None
    assert oracle.displayer_json(path) is None


#: bindgen's own annotation flags for the generated models that have a task kind.
_BINDGEN_KINDS: dict[str, list[str]] = {
    "float_classifier": ["--kind", "image-classifier", "--mean", "127.5", "--std", "127.5"],
    "uint8_classifier": ["--kind", "image-classifier", "--mean", "127.5", "--std", "127.5"],
    "detector": ["--kind", "object-detector", "--mean", "127.5", "--std", "127.5"],
    "segmenter": ["--kind", "image-segmenter", "--mean", "127.5", "--std", "127.5"],
    "text_classifier": ["--kind", "text-classifier"],
    "bert_classifier": ["--kind", "bert-classifier"],
    "audio_classifier": ["--kind", "audio-classifier", "--sample-rate", "16000", "--channels", "1"],
}


def _annotated_by_bindgen(name: str, tmp: Path) -> Path:
    model = read_model(model_path(name))
    classes = model.main.outputs[0].shape[-1] if name != "detector" else 3
    labels = tmp / "labels.txt"
    labels.write_text("".join(f"class {i} \u00e9\n" for i in range(classes)), encoding="utf-8")
    flags: list[str | Path] = [*_BINDGEN_KINDS[name], "--labels", labels, "--name", f"{name} by bindgen"]
    if name in ("text_classifier", "bert_classifier"):
        flags += ["--vocab", vocab_path(name)]
    out = tmp / f"{name}.tflite"
    result = bindgen("annotate", model_path(name), "-o", out, *flags)
    assert result.returncode == 0, result.stderr
    return out


_WITH_METADATA = [f"official:{name}" for name in fixtures.ANNOTATED] + [
    f"bindgen:{name}" for name in _BINDGEN_KINDS
] + ["bindgen:styled_image"]


@pytest.mark.parametrize("case", _WITH_METADATA)
def test_annotated_model_metadata_matches_displayer(case: str, tmp_path: Path) -> None:
    """inspect --json prints exactly the displayer's JSON, on models that HAVE metadata (written by
    the official writers and by bindgen); the MediaPipe ones are checked below."""
    who, name = case.split(":")
    if who == "official":
        path = fixtures.annotated_model(name)
    elif name == "styled_image":
        path = fixtures.image_to_image_model()
    else:
        path = _annotated_by_bindgen(name, tmp_path)
    data = _inspect_json(path)
    official = oracle.displayer_json(path)
    assert official is not None and official["subgraph_metadata"]
    assert data["metadata"] == official
    assert [f["name"] for f in data["associated_files"]] == oracle.displayer_associated_files(path)


def _thirdparty() -> list[tuple[str, Path]]:
    return sorted(mediapipe_models().items())


def test_thirdparty_models_are_the_real_set() -> None:
    models = mediapipe_models()
    assert len(models) >= 14, sorted(models)
    # The displayer comparison below is only worth something on models that carry metadata.
    assert sum(read_model(path).metadata is not None for path in models.values()) >= 10


@pytest.mark.parametrize("key", [k for k, _ in _thirdparty()])
def test_thirdparty_metadata_matches_displayer(key: str) -> None:
    path = mediapipe_models()[key]
    data = _inspect_json(path)
    official = oracle.displayer_json(path)
    assert data["metadata"] == official
    if official is not None:  # the displayer refuses models without metadata
        assert [f["name"] for f in data["associated_files"]] == oracle.displayer_associated_files(path)


def test_quantized_and_dynamic_and_signatures_are_described() -> None:
    u8 = read_model(model_path("uint8_classifier")).main
    assert u8.inputs[0].dtype is DType.UINT8 and u8.inputs[0].quantization is not None
    assert read_model(model_path("int8_io_classifier")).main.inputs[0].dtype is DType.INT8
    dynamic = read_model(model_path("dynamic_batch")).main.inputs[0]
    assert dynamic.shape_signature[0] == -1 and dynamic.is_dynamic
    signatures = read_model(model_path("signature_model")).signatures
    assert len(signatures) >= 2 and all(s.inputs and s.outputs for s in signatures)
    multi = read_model(model_path("multi_io")).main
    assert len(multi.inputs) == 2 and len(multi.outputs) == 2


def test_per_axis_quantization_is_read() -> None:
    """int8 weights are quantized per output channel by the converter: the reader keeps every scale."""
    model = read_model(model_path("int8_classifier"))
    per_axis = [t for t in model.main.tensors if t.quantization is not None and t.quantization.per_axis]
    assert per_axis, "expected per-channel quantized conv weights"
    q = per_axis[0].quantization
    assert q is not None and len(q.scale) == len(q.zero_point) == per_axis[0].shape[q.quantized_dimension]


def test_inspect_path_imports_neither_tensorflow_nor_numpy(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from bindgen.cli import app\n"
        f"r = CliRunner().invoke(app, ['inspect', '--json', {str(model_path('float_classifier'))!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'tensorflow', 'tflite_support'))\n"
        "print(bad)\n"
    )
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_inspect_summary_shows_tensors_and_labels() -> None:
    path = mediapipe_models()["face_detection/face_detection_short_range"]
    result = bindgen("inspect", path)
    assert result.returncode == 0, result.stderr
    assert "float32" in result.stdout and "input" in result.stdout


# ------------------------------------------------------------------------------ bad input


def _bytes(name: str) -> bytes:
    return model_path(name).read_bytes()


def test_garbage_inputs_get_one_line_and_exit_2(tmp_path: Path) -> None:
    good = _bytes("float_classifier")
    cases = {
        "empty.tflite": (b"", "empty"),
        "text.tflite": (b"hello, this is not a model at all\n", "not a TFLite model"),
        "wrong_ident.tflite": (good[:4] + b"XXXX" + good[8:], "identifier"),
        "truncated.tflite": (good[: len(good) // 3], "truncated or corrupt"),
        "tiny.tflite": (b"\x01\x02", "too small"),
        "bad_root.tflite": (struct.pack("<I", 0xFFFFFF00) + b"TFL3" + good[8:], "outside"),
    }
    for name, (data, fragment) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert_one_line_error(bindgen("inspect", path), str(path), fragment)
        assert path.read_bytes() == data
    assert_one_line_error(bindgen("inspect", tmp_path / "missing.tflite"), "no such file")
    assert_one_line_error(bindgen("inspect", tmp_path), "directory")


def test_offsets_out_of_range_are_reported(tmp_path: Path) -> None:
    data = bytearray(_bytes("float_classifier"))
    root = struct.unpack_from("<I", data, 0)[0]
    vtable = root - struct.unpack_from("<i", data, root)[0]
    buffers_slot = struct.unpack_from("<H", data, vtable + 4 + 2 * 4)[0]
    struct.pack_into("<I", data, root + buffers_slot, len(data) * 4)  # buffers vector far past EOF
    path = tmp_path / "bad_offsets.tflite"
    path.write_bytes(bytes(data))
    assert_one_line_error(bindgen("inspect", path), "outside")


def test_broken_zip_is_reported(tmp_path: Path) -> None:
    good = _bytes("float_classifier")
    # A zip end record whose central directory points nowhere.
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, 46, len(good) + 1000, 0)
    path = tmp_path / "broken_zip.tflite"
    path.write_bytes(good + eocd)
    assert_one_line_error(bindgen("inspect", path), "zip")


def test_extract_writes_files_and_refuses_escaping_names(tmp_path: Path) -> None:
    annotated = tmp_path / "annotated.tflite"
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    done = bindgen("annotate", model_path("float_classifier"), "-o", annotated,
                   "--kind", "image-classifier", "--labels", labels, "--mean", "127.5", "--std", "127.5")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "extracted"
    result = bindgen("inspect", annotated, "--extract", out)
    assert result.returncode == 0, result.stderr
    assert (out / "labels.txt").read_text() == "a\nb\nc\nd\ne\n"

    evil = tmp_path / "evil.tflite"
    evil.write_bytes(_bytes("float_classifier"))
    with zipfile.ZipFile(evil, "a") as archive:
        archive.writestr("../escaped.txt", "gotcha")
    target = tmp_path / "target"
    assert_one_line_error(bindgen("inspect", evil, "--extract", target), "escaped.txt")
    assert not (tmp_path / "escaped.txt").exists()
    assert not target.exists() or not any(target.iterdir())
