"""Issue 3: ``bindgen annotate`` against the official writers, official readers, and bad input."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bindgen.read.metadata import codec
from bindgen.read.tflite.reader import read_model
from tests.toolchain import oracle
from tests.toolchain.cli import REPO, assert_one_line_error, bindgen, sha256
from tests.toolchain.models import model_path, vocab_path

LABELS = {2: "negative\npositive\n", 3: "cat\ndog\nbird\n", 5: "circle\nsquare\ntriangle\nstar\ncross\n"}


def _labels(tmp: Path, count: int) -> Path:
    path = tmp / f"labels{count}.txt"
    path.write_text(LABELS.get(count) or "".join(f"class {i}\n" for i in range(count)))
    return path


def _classes(name: str, output: int = 0) -> int:
    return read_model(model_path(name)).main.outputs[output].shape[-1]


# Each case: test model, our flags, the official writer's kind and params, MediaPipe runner kind.
def _cases(tmp: Path) -> dict[str, tuple[str, list[Any], str, dict[str, Any], str]]:
    norm = ["--mean", "127.5", "--std", "127.5"]
    return {
        "float_classifier": (
            "float_classifier",
            ["--kind", "image-classifier", "--labels", _labels(tmp, _classes("float_classifier")), *norm],
            "image_classifier",
            {"label_files": [_labels(tmp, _classes("float_classifier"))], "mean": [127.5], "std": [127.5]},
            "image_classifier",
        ),
        "uint8_classifier": (
            "uint8_classifier",
            ["--kind", "image-classifier", "--labels", _labels(tmp, _classes("uint8_classifier")), *norm],
            "image_classifier",
            {"label_files": [_labels(tmp, _classes("uint8_classifier"))], "mean": [127.5], "std": [127.5]},
            "image_classifier",
        ),
        "segmenter": (
            "segmenter",
            ["--kind", "image-segmenter", "--labels", _labels(tmp, _classes("segmenter")), *norm],
            "image_segmenter",
            {"label_files": [_labels(tmp, _classes("segmenter"))], "mean": [127.5], "std": [127.5]},
            "image_segmenter",
        ),
        "text_classifier": (
            "text_classifier",
            ["--kind", "text-classifier", "--labels", _labels(tmp, 2), "--vocab", vocab_path("text_classifier")],
            "nl_classifier",
            {"label_files": [_labels(tmp, 2)], "vocab_file": vocab_path("text_classifier")},
            "text_classifier",
        ),
        "bert_classifier": (
            "bert_classifier",
            ["--kind", "bert-classifier", "--labels", _labels(tmp, 2), "--vocab", vocab_path("bert_classifier")],
            "bert_nl_classifier",
            {
                "label_files": [_labels(tmp, 2)],
                "vocab_file": vocab_path("bert_classifier"),
                **dict(
                    zip(
                        ("ids_name", "mask_name", "segment_name"),
                        [t.name for t in read_model(model_path("bert_classifier")).main.inputs],
                        strict=True,
                    )
                ),
            },
            "bert_classifier",
        ),
        "detector": (
            "detector",
            ["--kind", "object-detector", "--labels", _labels(tmp, 3), *norm],
            "object_detector",
            {"label_files": [_labels(tmp, 3)], "mean": [127.5], "std": [127.5]},
            "object_detector",
        ),
        "audio_classifier": (
            "audio_classifier",
            [
                "--kind",
                "audio-classifier",
                "--labels",
                _labels(tmp, _classes("audio_classifier")),
                "--sample-rate",
                "16000",
                "--channels",
                "1",
            ],
            "audio_classifier",
            {"label_files": [_labels(tmp, _classes("audio_classifier"))], "sample_rate": 16000, "channels": 1},
            "audio_classifier",
        ),
    }


def _mediapipe(kind: str, model: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.toolchain.models.run_mediapipe", kind, str(model)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _close(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _close(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float):
        assert a == pytest.approx(b, abs=1e-6)
    else:
        assert a == b


@pytest.mark.parametrize(
    "case",
    ["float_classifier", "uint8_classifier", "segmenter", "text_classifier", "bert_classifier", "audio_classifier"],
)
def test_same_meaning_as_official_writer_and_same_results_in_mediapipe(case: str, tmp_path: Path) -> None:
    name, flags, official_kind, params, mp_kind = _cases(tmp_path)[case]
    source = model_path(name)
    before = sha256(source)
    ours, theirs = tmp_path / "ours.tflite", tmp_path / "official.tflite"
    result = bindgen("annotate", source, "-o", ours, *flags)
    assert result.returncode == 0, result.stderr
    assert sha256(source) == before
    oracle.official_write(official_kind, source, theirs, **params)
    assert oracle.displayer_json(ours) == oracle.displayer_json(theirs)
    assert oracle.displayer_associated_files(ours) == oracle.displayer_associated_files(theirs)
    _close(_mediapipe(mp_kind, ours), _mediapipe(mp_kind, theirs))


@pytest.mark.parametrize(
    ("case", "task"),
    [
        ("float_classifier", "image_classifier"),
        ("uint8_classifier", "image_classifier"),
        ("segmenter", "image_segmenter"),
        ("text_classifier", "nl_classifier"),
        ("bert_classifier", "bert_nl_classifier"),
        ("audio_classifier", "audio_classifier"),
        ("detector", "object_detector"),
    ],
)
def test_same_results_in_task_library(case: str, task: str, tmp_path: Path) -> None:
    import math
    import wave

    from PIL import Image

    name, flags, official_kind, params, _ = _cases(tmp_path)[case]
    ours, theirs = tmp_path / "ours.tflite", tmp_path / "official.tflite"
    assert bindgen("annotate", model_path(name), "-o", ours, *flags).returncode == 0
    oracle.official_write(official_kind, model_path(name), theirs, **params)
    if task == "audio_classifier":
        data = tmp_path / "input.wav"
        with wave.open(str(data), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(16000)
            samples = (int(12000 * math.sin(i * 0.05)) for i in range(16000))
            wav.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    elif task in ("image_classifier", "image_segmenter", "object_detector"):
        shape = read_model(ours).main.inputs[0].shape
        pixels = bytes(random.Random(0).randrange(256) for _ in range(shape[1] * shape[2] * 3))
        data: Path | str = tmp_path / "input.png"
        Image.frombytes("RGB", (shape[2], shape[1]), pixels).save(data)
    else:
        data = "the movie was not very good but fun"
    _close(oracle.task_library(task, ours, data), oracle.task_library(task, theirs, data))


def test_detector_same_meaning_as_official_and_runs_in_mediapipe(tmp_path: Path) -> None:
    source = model_path("detector")
    labels = _labels(tmp_path, 3)
    ours, theirs = tmp_path / "ours.tflite", tmp_path / "official.tflite"
    flags = ["--kind", "object-detector", "--labels", labels, "--mean", "127.5", "--std", "127.5"]
    assert bindgen("annotate", source, "-o", ours, *flags).returncode == 0
    oracle.official_write("object_detector", source, theirs, label_files=[labels], mean=[127.5], std=[127.5])
    assert oracle.displayer_json(ours) == oracle.displayer_json(theirs)
    detections = _mediapipe("object_detector", ours)
    assert detections["detections"], detections
    assert all(d["categories"][0]["name"] in ("cat", "dog", "bird") for d in detections["detections"])
    _close(detections, _mediapipe("object_detector", theirs))


def test_detector_roles_follow_shapes_when_tensor_order_contradicts_them() -> None:
    """The official writer gives roles by ascending tensor index (TFLite_Detection_PostProcess order).

    A plain-ops SSD head can number its outputs differently; then the official rule labels the
    count tensor 'location' and MediaPipe's ObjectDetector fails ("num_boxes_tensor dims 3 vs 1").
    bindgen takes the roles from the shapes instead.
    """
    from dataclasses import replace

    from bindgen.decide.annotate.kinds import detector_roles

    model = read_model(model_path("detector"))
    assert [detector_roles(model)[i] for i in range(4)] == ["location", "category", "score", "number"]
    outputs = model.main.outputs
    # Renumber: count first, boxes last -- the order a converter may produce for plain ops.
    shuffled = tuple(replace(t, index=new) for t, new in zip(outputs, (57, 41, 42, 37), strict=True))
    odd = replace(model, subgraphs=(replace(model.main, outputs=shuffled), *model.subgraphs[1:]))
    roles = detector_roles(odd)
    assert roles == {0: "location", 1: "category", 2: "score", 3: "number"}


# --------------------------------------------------------------------------- safety / layout


def _annotate_classifier(src: Path, out: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return bindgen(
        "annotate",
        src,
        "-o",
        out,
        "--kind",
        "image-classifier",
        "--labels",
        _labels(tmp, _classes("float_classifier")),
        "--mean",
        "127.5",
        "--std",
        "127.5",
        *extra,
    )


def _buffers(path: Path) -> list[bytes]:
    model = read_model(path)
    data = path.read_bytes()
    meta = {e.buffer for e in model.metadata_entries if e.name == "TFLITE_METADATA"}
    return [data[b.offset : b.offset + b.size] for b in model.buffers if b.index not in meta]


def test_twice_is_byte_identical_and_graph_and_other_metadata_are_kept(tmp_path: Path) -> None:
    source = model_path("float_classifier")
    once, twice = tmp_path / "once.tflite", tmp_path / "twice.tflite"
    assert _annotate_classifier(source, once, tmp_path).returncode == 0
    assert _annotate_classifier(once, twice, tmp_path).returncode == 0
    assert once.read_bytes() == twice.read_bytes()
    original, annotated = read_model(source), read_model(once)
    assert original.subgraphs == annotated.subgraphs
    assert original.operator_codes == annotated.operator_codes
    assert original.signatures == annotated.signatures
    assert _buffers(source) == _buffers(once)
    kept = {e.name for e in original.metadata_entries}
    assert kept <= {e.name for e in annotated.metadata_entries}
    assert {"min_runtime_version", "CONVERSION_METADATA"} <= kept


def test_replaces_official_metadata_and_files(tmp_path: Path) -> None:
    source = model_path("float_classifier")
    official = tmp_path / "official.tflite"
    oracle.official_write(
        "image_classifier", source, official, label_files=[_labels(tmp_path, 5)], mean=[0.0], std=[1.0]
    )
    ours = tmp_path / "ours.tflite"
    renamed = tmp_path / "names.txt"
    renamed.write_text(LABELS[5])
    result = bindgen(
        "annotate",
        official,
        "-o",
        ours,
        "--kind",
        "image-classifier",
        "--labels",
        renamed,
        "--mean",
        "127.5",
        "--std",
        "127.5",
        "--author",
        "bindgen tests",
    )
    assert result.returncode == 0, result.stderr
    shown = oracle.displayer_json(ours)
    assert shown is not None and shown["author"] == "bindgen tests"
    assert oracle.displayer_associated_files(ours) == ["names.txt"]
    assert [e.name for e in read_model(ours).metadata_entries].count("TFLITE_METADATA") == 1
    assert _buffers(official) == _buffers(ours)


def test_signature_and_multi_io_models_keep_running(tmp_path: Path) -> None:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    for name in ("signature_model", "multi_io", "int8_io_classifier", "dynamic_batch"):
        out = tmp_path / f"{name}.tflite"
        result = bindgen("annotate", model_path(name), "-o", out, "--kind", "generic", "--name", name)
        assert result.returncode == 0, result.stderr
        outputs = []
        for path in (model_path(name), out):
            interpreter = Interpreter(model_path=str(path))
            interpreter.allocate_tensors()
            for detail in interpreter.get_input_details():
                rng = np.random.default_rng(detail["index"])
                value = rng.integers(-50, 50, detail["shape"]).astype(detail["dtype"])
                interpreter.set_tensor(detail["index"], value)
            interpreter.invoke()
            outputs.append([interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()])
        for a, b in zip(*outputs, strict=True):
            assert np.array_equal(a, b)
        assert read_model(out).signatures == read_model(model_path(name)).signatures


def _externalize(source: Path, target: Path) -> None:
    """Rewrite ``source`` so every non-empty buffer lives outside the flatbuffer (Buffer.offset/size).

    This is the layout the converter uses for > 2 GB models; built here with TF's own schema
    object API (test-only) so the test needs no 2 GB file.
    """
    code = r"""
import sys, flatbuffers
from tensorflow.lite.python import schema_py_generated as s
data = open(sys.argv[1], 'rb').read()
model = s.ModelT.InitFromObj(s.Model.GetRootAsModel(data, 0))
payload = [bytes(bytearray(b.data)) if b.data is not None else b'' for b in model.buffers]
for b in model.buffers:
    b.data = None; b.offset = 0; b.size = 0
def pack():
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b'TFL3')
    return bytes(builder.Output())
head = pack()
for _ in range(2):
    base = (len(head) + 63) // 64 * 64; cursor = base
    for b, p in zip(model.buffers, payload):
        if p:
            b.offset, b.size = cursor, len(p); cursor = (cursor + len(p) + 63) // 64 * 64
        else:
            b.offset = b.size = 0
    head = pack()
out = bytearray(head + b'\0' * (base - len(head)))
for b, p in zip(model.buffers, payload):
    if p:
        out += b'\0' * (b.offset - len(out)) + p
open(sys.argv[2], 'wb').write(bytes(out))
"""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(source), str(target)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_models_with_external_buffers(tmp_path: Path) -> None:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    external = tmp_path / "external.tflite"
    _externalize(model_path("float_classifier"), external)
    assert any(b.external for b in read_model(external).buffers)
    out = tmp_path / "annotated.tflite"
    assert _annotate_classifier(external, out, tmp_path).returncode == 0
    annotated = read_model(out)
    assert any(b.external for b in annotated.buffers)
    assert _buffers(external) == _buffers(out)
    results = []
    for path in (model_path("float_classifier"), external, out):
        interpreter = Interpreter(model_path=str(path))
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        interpreter.set_tensor(
            detail["index"],
            np.linspace(-1, 1, int(np.prod(detail["shape"])), dtype=np.float32).reshape(detail["shape"]),
        )
        interpreter.invoke()
        results.append(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[1], results[2])


def test_validation_errors_are_one_line_and_leave_nothing(tmp_path: Path) -> None:
    source = tmp_path / "model.tflite"
    source.write_bytes(model_path("float_classifier").read_bytes())
    before = sha256(source)
    out = tmp_path / "out.tflite"
    good_labels = _labels(tmp_path, _classes("float_classifier"))
    wrong_labels = _labels(tmp_path, 3)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9\nna\xefve\n".encode("latin-1"))
    ic = ["--kind", "image-classifier"]
    norm = ["--mean", "127.5", "--std", "127.5"]
    cases = [
        ([*ic, "--labels", wrong_labels, *norm], "has 3 labels but the output has"),
        ([*ic, "--labels", good_labels, "--mean", "1,2", "--std", "1,2"], "give 1 or one per channel"),
        ([*ic, "--labels", good_labels, "--mean", "127.5", "--std", "0"], "--std must not be 0"),
        ([*ic, "--labels", empty, *norm], "label file is empty"),
        ([*ic, "--labels", latin1, *norm], "not UTF-8"),
        ([*ic, "--labels", tmp_path / "nope.txt", *norm], "label file not found"),
        (["--kind", "object-detector", *norm], "needs the 4 SSD outputs"),
        (["--kind", "text-classifier"], "int32"),
        (["--kind", "nonsense"], "unknown kind"),
        ([*ic, "--mean", "abc", "--std", "1"], "--mean wants one number or a comma list"),
    ]
    for flags, fragment in cases:
        assert_one_line_error(bindgen("annotate", source, "-o", out, *flags), fragment)
        assert sha256(source) == before
        assert not out.exists()
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".bindgen-tmp")]
    assert_one_line_error(bindgen("annotate", source, *ic), "-o OUT")
    assert_one_line_error(bindgen("annotate", source, "-o", source, *ic), "--in-place")


def test_normalization_on_quantized_input_warns(tmp_path: Path) -> None:
    result = bindgen(
        "annotate",
        model_path("uint8_classifier"),
        "-o",
        tmp_path / "o.tflite",
        "--kind",
        "image-classifier",
        "--labels",
        _labels(tmp_path, _classes("uint8_classifier")),
        "--mean",
        "127.5",
        "--std",
        "127.5",
    )
    assert result.returncode == 0
    assert "warning" in result.stderr and "uint8" in result.stderr


def test_spec_errors_name_the_key(tmp_path: Path) -> None:
    source = model_path("float_classifier")
    out = tmp_path / "o.tflite"
    spec = tmp_path / "spec.toml"
    cases = [
        ('kind = "image-classifier"\ncolour = 1\n', "unknown key 'colour'"),
        ('[[input]]\ntensor = "no_such_tensor"\n', "input[0].tensor"),
        ('[[output]]\nindex = 0\nlabelz = "x"\n', "output[0].labelz"),
        ('[[file]]\nname = "../evil.txt"\npath = "spec.toml"\n', "unsafe associated file name"),
        (
            '[metadata]\nsubgraph_metadata = [{ input_tensor_metadata = [{ nam = "x" }] }]\n',
            "subgraph_metadata[0].input_tensor_metadata[0].nam",
        ),
        ('kind = "image-classifier"\nmean = [1, 2]\nstd = [1, 2]\n', "one per channel"),
        ("this is = not toml = at all\n", "invalid TOML"),
        # what the planner refuses is refused here too: an order that reads a box coordinate twice
        ('[[output]]\nindex = 0\ncontent = "bounding-boxes"\nbox_index = [0, 0, 1, 2]\n', "output[0].box_index"),
        ('[[output]]\nindex = 0\ncontent = "bounding-boxes"\nbox_index = [0, 1, 2]\n', "an order of 0, 1, 2, 3"),
    ]
    for text, fragment in cases:
        spec.write_text(text)
        assert_one_line_error(bindgen("annotate", source, "-o", out, "--spec", spec), fragment)
        assert not out.exists()


def test_spec_can_express_groups_custom_metadata_locales_and_files(tmp_path: Path) -> None:
    labels_en = _labels(tmp_path, _classes("float_classifier"))
    labels_fr = tmp_path / "labels_fr.txt"
    labels_fr.write_text("cercle\ncarré\ntriangle\nétoile\ncroix\n")
    readme = tmp_path / "README.txt"
    readme.write_text("A test model.\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(f"""
kind = "image-classifier"
name = "Shapes"
version = "2"
license = "Apache-2.0"
labels = "{labels_en.name}"
mean = [127.5, 127.5, 127.5]
std = [127.5, 127.5, 127.5]

[[output]]
index = 0
score_threshold = 0.25

[[file]]
name = "labels_fr.txt"
path = "labels_fr.txt"

[[file]]
name = "README.txt"
path = "README.txt"

[metadata]
associated_files = [{{ name = "README.txt", type = "DESCRIPTIONS" }}]

[[metadata.subgraph_metadata]]
output_tensor_groups = [{{ name = "scores", tensor_names = ["probability"] }}]
custom_metadata = [{{ name = "bindgen.test", data = [1, 2, 3] }}]
""")
    out = tmp_path / "out.tflite"
    result = bindgen("annotate", model_path("float_classifier"), "-o", out, "--spec", spec)
    assert result.returncode == 0, result.stderr
    shown = oracle.displayer_json(out)
    assert shown is not None
    assert shown["min_parser_version"] == "1.5.0"  # custom metadata
    subgraph = shown["subgraph_metadata"][0]
    assert subgraph["output_tensor_groups"] == [{"name": "scores", "tensor_names": ["probability"]}]
    assert subgraph["custom_metadata"] == [{"name": "bindgen.test", "data": [1, 2, 3]}]
    assert shown["associated_files"] == [{"name": "README.txt", "type": "DESCRIPTIONS"}]
    units = subgraph["output_tensor_metadata"][0]["process_units"]
    assert units == [{"options_type": "ScoreThresholdingOptions", "options": {"global_score_threshold": 0.25}}]
    assert sorted(oracle.displayer_associated_files(out)) == sorted([labels_en.name, "labels_fr.txt", "README.txt"])


def test_init_prints_an_editable_spec_that_annotates(tmp_path: Path) -> None:
    for name, kind in (
        ("float_classifier", "image-classifier"),
        ("detector", "object-detector"),
        ("segmenter", "image-segmenter"),
        ("bert_classifier", "bert-classifier"),
        ("text_classifier", "text-classifier"),
        ("audio_classifier", "audio-classifier"),
        ("multi_io", "generic"),
    ):
        result = bindgen("annotate", model_path(name), "--init")
        assert result.returncode == 0, result.stderr
        assert f'kind = "{kind}"' in result.stdout, (name, result.stdout)
    spec = tmp_path / "spec.toml"
    spec.write_text(bindgen("annotate", model_path("float_classifier"), "--init").stdout)
    result = bindgen("annotate", model_path("float_classifier"), "-o", tmp_path / "o.tflite", "--spec", spec)
    assert result.returncode == 0, result.stderr


def test_init_on_a_model_with_metadata_seeds_it_and_fixes_mediapipe_hand_landmark(tmp_path: Path) -> None:
    """MediaPipe's hand_landmark metadata is out of tensor order (bindgen refuses it): ``--init``
    keeps its model fields and normalization, shows each position's metadata in a comment without
    carrying it over, and the spec it prints, used as is, annotates a model bindgen generates for."""
    from bindgen.decide.plan import Normalize, build_plan
    from bindgen.read.tflite.reader import read_model
    from tests.toolchain.models.thirdparty import mediapipe_models

    model = mediapipe_models()["hand_landmark/hand_landmark_full"]
    before = model.read_bytes()
    init = bindgen("annotate", model, "--init")
    assert init.returncode == 0, init.stderr
    text = init.stdout
    assert 'kind = "generic"' in text and 'name = "HandLandmarkDetector"' in text, text
    assert "mean = [0.0, 0.0, 0.0]" in text and "std = [255.0, 255.0, 255.0]" in text, text
    assert '# the metadata at this position has name "handedness", file "handedness.txt"' in text, text
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    fixed = tmp_path / "fixed.tflite"
    result = bindgen("annotate", model, "--spec", spec, "-o", fixed)
    assert result.returncode == 0, result.stderr
    assert model.read_bytes() == before
    assert bindgen("kotlin", model, "-o", tmp_path / "refused", "--package", "a.b").returncode == 2
    kotlin = bindgen("kotlin", fixed, "-o", tmp_path / "kt", "--package", "a.b")
    assert kotlin.returncode == 0, kotlin.stderr
    plan = build_plan(read_model(fixed))
    assert all(o.labels is None for o in plan.outputs)
    assert Normalize((0.0, 0.0, 0.0), (255.0, 255.0, 255.0)) in plan.inputs[0].steps, plan.inputs[0].steps


def test_min_parser_version_follows_the_official_rules() -> None:
    base = {"subgraph_metadata": [{"input_tensor_metadata": [{}]}]}
    assert codec.min_parser_version(base) == "1.0.0"
    vocab = {"associated_files": [{"name": "v", "type": "VOCABULARY"}]}
    assert codec.min_parser_version(vocab) == "1.0.1"
    bert = {"subgraph_metadata": [{"input_process_units": [{"options_type": "BertTokenizerOptions", "options": {}}]}]}
    assert codec.min_parser_version(bert) == "1.1.0"
    groups = {"subgraph_metadata": [{"output_tensor_groups": [{"name": "g"}]}]}
    assert codec.min_parser_version(groups) == "1.2.0"
    regex = {
        "subgraph_metadata": [
            {"input_tensor_metadata": [{"process_units": [{"options_type": "RegexTokenizerOptions", "options": {}}]}]}
        ]
    }
    assert codec.min_parser_version(regex) == "1.2.1"
    audio = {
        "subgraph_metadata": [
            {
                "input_tensor_metadata": [
                    {"content": {"content_properties_type": "AudioProperties", "content_properties": {}}}
                ]
            }
        ]
    }
    assert codec.min_parser_version(audio) == "1.3.0"
    assert codec.min_parser_version({"associated_files": [{"name": "s", "type": "SCANN_INDEX_FILE"}]}) == "1.4.0"
    assert codec.min_parser_version({"associated_files": [{"name": "s", "version": "1"}]}) == "1.4.1"


def test_encode_decode_round_trip_on_every_real_metadata() -> None:
    from tests.toolchain.models.thirdparty import mediapipe_models

    seen = 0
    for path in mediapipe_models().values():
        model = read_model(path)
        if model.metadata is None:
            continue
        seen += 1
        encoded = codec.encode(model.metadata)
        assert codec.decode(encoded, where="round trip") == model.metadata
        assert struct.unpack_from("4s", encoded, 4)[0] == b"M001"
    assert seen >= 3
