"""Issue 12, text and audio inputs: token ids and results equal the Task Library's.

Token ids are read back from the official clients through probe models whose output is their
input (``tests.toolchain.models.probes``); results are compared on the real converter-built text,
BERT and audio classifiers annotated by the official writers (``tests.toolchain.fixtures``).
"""

from __future__ import annotations

import copy
import math
import wave
from pathlib import Path
from typing import Any

import pytest

from bindgen.decide.plan import Tokenizer, build_plan
from bindgen.host.text import encode
from bindgen.host.twin import run_model
from bindgen.read.tflite.reader import read_associated_file, read_model
from tests.toolchain import oracle
from tests.toolchain.fixtures import annotated_model
from tests.toolchain.models.probes import BERT_LEN, TEXTS, probe_model

PROBES = {"regex_probe": "nl_classifier", "regex_probe_nostart": "nl_classifier", "bert_probe": "bert_nl_classifier"}


def _task_library_values(kind: str, model: Path, texts: list[str]) -> list[list[int]]:
    """The values the Task Library fed the probe, by position (class ``t<i>`` = position ``i``)."""
    values = []
    for result in oracle.task_library_texts(kind, model, texts):
        (head,) = result["classifications"]
        by_position = {int(c["category_name"][1:]): c["score"] for c in head["categories"]}
        values.append([int(by_position[i]) for i in range(len(by_position))])
    return values


def _ours(model: Path, text: str) -> list[int]:
    plan = build_plan(read_model(model))
    assert plan.text is not None
    vocabulary = read_associated_file(model, plan.text.vocab_file).decode("utf-8")
    tokens = encode(text, plan.text, vocabulary)
    return list(tokens.ids + tokens.mask + tokens.segment_ids)


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_token_ids_equal_task_library(probe: str) -> None:
    model = probe_model(probe)
    official = _task_library_values(PROBES[probe], model, list(TEXTS))
    for text, expected in zip(TEXTS, official, strict=True):
        assert _ours(model, text) == expected, repr(text)


def test_probe_strings_reach_every_rule() -> None:
    """The probe strings exercise truncation, [UNK], "##" pieces and CJK splitting for real."""
    model = probe_model("bert_probe")
    ids = {text: _ours(model, text)[:BERT_LEN] for text in TEXTS}
    assert ids[""][:3] == [2, 3, 0]  # [CLS] [SEP] then padding
    assert 0 not in ids["the movie " * 20]  # truncated: no padding left
    assert ids["the movie " * 20][-1] == 3  # … and [SEP] kept last
    assert 1 in ids["x" * 150]  # over 100 bytes: [UNK]
    assert ids["unbelievable playing plays"][1:7] == [19, 20, 21, 22, 23, 22]
    assert ids["\u4e2d\u6587\u5b57 test \u4e2d\u6587"][1:4] == [25, 26, 1]


@pytest.mark.parametrize(
    ("name", "kind"), [("nl_classifier", "nl_classifier"), ("bert_classifier", "bert_nl_classifier")]
)
def test_twin_text_results_equal_task_library(name: str, kind: str) -> None:
    model = annotated_model(name)
    plan = build_plan(read_model(model))
    assert plan.text is not None
    assert plan.text.tokenizer is (Tokenizer.BERT if name.startswith("bert") else Tokenizer.REGEX)
    texts = ["the movie was great fun", "bad, awful plot!", "", "the " * 40, "Caf\u00e9 \u4e2d\u6587 \U0001f600"]
    official = oracle.task_library_texts(kind, model, texts)
    for text, result in zip(texts, official, strict=True):
        ours = {c["label"]: c["score"] for c in run_model(model, [], text=text)["outputs"]["probability"]}
        theirs = {c["category_name"]: c["score"] for c in result["classifications"][0]["categories"]}
        assert ours.keys() == theirs.keys()
        for label, score in theirs.items():
            assert ours[label] == pytest.approx(score, abs=1e-6), (text, label)


def _wav(path: Path, samples: int, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        values = (int(12000 * math.sin(i * 0.05) + 3000 * math.sin(i * 0.9)) for i in range(samples))
        wav.writeframes(b"".join(v.to_bytes(2, "little", signed=True) for v in values))
    return path


def test_twin_audio_results_equal_task_library(tmp_path: Path) -> None:
    model = annotated_model("audio_classifier")
    (audio,) = [i.audio for i in build_plan(read_model(model)).inputs]
    assert audio is not None and (audio.sample_rate, audio.channels, audio.samples) == (16000, 1, 15600)
    wav = _wav(tmp_path / "clip.wav", 16000)
    official = oracle.task_library("audio_classifier", model, wav)
    ours = run_model(model, [str(wav)])["outputs"]["probability"]
    theirs = official["classifications"][0]["categories"]
    assert [c["index"] for c in ours] == [c["index"] for c in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a["score"] == pytest.approx(b["score"], abs=1e-6)
        assert a["label"] == b["category_name"]


def test_twin_audio_refuses_a_short_or_wrong_rate_clip(tmp_path: Path) -> None:
    from bindgen.errors import BindgenError

    model = annotated_model("audio_classifier")
    with pytest.raises(BindgenError, match="needs 15600 samples"):
        run_model(model, [str(_wav(tmp_path / "short.wav", 100))])
    with pytest.raises(BindgenError, match="needs 16000 Hz"):
        run_model(model, [str(_wav(tmp_path / "rate.wav", 16000, rate=8000))])


def test_run_cli_text_and_txt_file(tmp_path: Path) -> None:
    from tests.toolchain.cli import bindgen

    model = annotated_model("bert_classifier")
    text_file = tmp_path / "review.txt"
    text_file.write_text("the movie was great fun", encoding="utf-8")
    by_option = bindgen("run", model, "--text", "the movie was great fun", "--json")
    by_file = bindgen("run", model, text_file, "--json")
    assert by_option.returncode == 0, by_option.stderr
    assert by_option.stdout == by_file.stdout
    missing = bindgen("run", model)
    assert missing.returncode == 2 and "--text" in missing.stderr
    refused = bindgen("run", annotated_model("float_classifier"), "--text", "hello")
    assert refused.returncode == 2
    assert "tokenizer" in refused.stderr and "Traceback" not in refused.stderr


def _wrapper(name: str) -> str:
    from bindgen.generate.kotlin.render import render_wrapper

    files = render_wrapper(read_model(annotated_model(name)), "com.example.text")
    return files[0].data().decode("utf-8")


def test_wrapper_api_for_text_and_audio() -> None:
    bert = _wrapper("bert_classifier")
    assert "fun process(text: String): Outputs" in bert and "fun tokenize(text: String): TokenIds" in bert
    assert "BindgenText.BertTokenizer(" in bert and '"bert_classifier.vocab.txt"' in bert
    # ids, mask, segment ids reach the inputs in the model's order (ids, mask, segment_ids here)
    order = [bert.index(f"BindgenText.intBuffer(tokens.{k})") for k in ("ids", "mask", "segmentIds")]
    assert order == sorted(order)
    regex = _wrapper("nl_classifier")
    assert "BindgenText.RegexTokenizer(" in regex and "fun process(text: String): Outputs" in regex
    audio = _wrapper("audio_classifier")
    for api in (
        "fun process(samples: FloatArray): Outputs",
        "fun process(audio: TensorAudio): Outputs",
        "fun createInputTensorAudio(): TensorAudio",
        "fun createAudioRecord(): AudioRecord",
        "val requiredInputBufferSize: Int = 15600",
        ".setSampleRate(16000)",
    ):
        assert api in audio
    assert "process(text" not in _wrapper("float_classifier") and "TensorAudio" not in _wrapper("float_classifier")


def test_regex_vocabulary_line_without_id_is_refused() -> None:
    """The Task Library crashes (SIGSEGV) on such a line, even a lone "\\r" of a CRLF blank line."""
    from bindgen.errors import BindgenError
    from bindgen.host.text import regex_vocabulary

    assert regex_vocabulary("<PAD> 0\r\nfun 4\r\nfun 6\n\n") == {"<PAD>": 0, "fun": 6}
    with pytest.raises(BindgenError, match="is not 'token id'"):
        regex_vocabulary("<PAD> 0\r\n\r\n", "vocab.txt")


def test_plan_text_input_rules() -> None:
    """BERT inputs by metadata name (else ids, segment ids, mask by position); dynamic length or a
    missing vocabulary: no text input, the raw tensors stay."""
    import dataclasses

    model = read_model(annotated_model("bert_classifier"))
    plan = build_plan(model)
    assert plan.text is not None and (plan.text.ids, plan.text.mask, plan.text.segment_ids) == (0, 1, 2)
    assert plan.text.max_length == 24 and plan.text.vocab_file == "bert_classifier.vocab.txt"

    def with_metadata(metadata: Any, dynamic: bool = False) -> Any:
        sub = model.main
        inputs = tuple(dataclasses.replace(t, shape_signature=(1, -1)) if dynamic else t for t in sub.inputs)
        subgraph = dataclasses.replace(sub, inputs=inputs)
        return build_plan(dataclasses.replace(model, metadata=metadata, subgraphs=(subgraph, *model.subgraphs[1:])))

    renamed = copy.deepcopy(model.metadata)
    for meta, name in zip(renamed["subgraph_metadata"][0]["input_tensor_metadata"], ("a", "b", "c"), strict=True):
        meta["name"] = name
    by_position = with_metadata(renamed).text
    assert by_position is not None and (by_position.ids, by_position.segment_ids, by_position.mask) == (0, 1, 2)
    assert with_metadata(model.metadata, dynamic=True).text is None
    no_vocab = copy.deepcopy(model.metadata)
    no_vocab["subgraph_metadata"][0]["input_process_units"][0]["options"] = {}
    assert with_metadata(no_vocab).text is None
