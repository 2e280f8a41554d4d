# mypy: disable-error-code="untyped-decorator,misc"
"""Token probes: text models whose output *is* their input token ids, so the official Task Library
shows which ids it fed (tflite-support exposes no tokenizer to Python).

``regex_probe`` (and ``regex_probe_nostart``, the same model with another vocabulary): one int32
``[1, REGEX_LEN]`` input, output ``float(ids)``; ``bert_probe``: three int32 ``[1, BERT_LEN]``
inputs, output ``float(concat(ids, mask, segment_ids))``. Each score the Task Library's
NLClassifier / BertNLClassifier returns for class ``i`` is token value ``i``. The vocabularies
hold the edge cases (case, accents, CJK, "##" pieces, apostrophes, <START> or none, CRLF lines,
a repeated token).

Built by the real converter in a subprocess (``python -m tests.toolchain.models.probes OUT``),
annotated by the official writers (``probe_model``), cached by this file's hash.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REGEX_LEN = 8
BERT_LEN = 12
REGEX_VOCAB = (
    "<PAD> 0\n<START> 1\n<UNKNOWN> 2\nthe 3\nmovie 4\nMovie 5\ncaf 6\ndon't 7\nit's 8\ngood 9\nfun 10\n"
    "na 11\n42 12\n_x_ 13\nve 14\n\u4e2d\u6587 15\n"
)
BERT_VOCAB = "".join(
    f"{token}\n"
    for token in (
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "movie", "was", "great", "fun", ",", "!", ".", "'",
        "don", "t", "caf\u00e9", "cafe", "\u0301", "na\u00efve", "un", "##believ", "##able", "play", "##ing",
        "##s", "\u4e2d", "\u6587", "\u2026", "\u00bf", "\u00ab", "\u00bb", "?", "42", "_", "x", "r\u00e9sum\u00e9",
    )
)  # fmt: skip
#: The regex probe again with another vocabulary: no <START>, CRLF line ends, a repeated token.
#: (A line without an id, even a lone "\\r", crashes the Task Library: SIGSEGV; bindgen refuses it.)
REGEX_VOCAB_NO_START = "<PAD> 5\r\n<UNKNOWN> 1\r\nthe 2\r\nmovie 3\r\nfun 4\r\nfun 6\r\ncaf 7\r\n"
#: Strings every tokenizer test runs: unicode, accents, punctuation, empty, longer than the sequence.
TEXTS = (
    "",
    "the movie was great fun",
    "The MOVIE was GREAT!!!",
    "Caf\u00e9, CAF\u00c9 and caf\u00e9.",
    "na\u00efve r\u00e9sum\u00e9",
    "cafe\u0301 (combining accent)",
    "don't it's",
    "\u4e2d\u6587\u5b57 test \u4e2d\u6587",
    "unbelievable playing plays",
    "\u00abquoted\u00bb \u2026 \u00bfwhat?",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u3000ideographic\u000bvtab",
    "fun \U0001f600 fun",
    "the movie " * 20,
    "x" * 150,
    "42 _x_ Movie movie",
    "   ",
)


def _build(out_dir: Path) -> None:
    import tensorflow as tf

    from tests.toolchain.models.build import _convert

    @tf.function(input_signature=[tf.TensorSpec([1, REGEX_LEN], tf.int32, name="input_text")])
    def regex(input_text: Any) -> Any:
        return {"probability": tf.cast(input_text, tf.float32)}

    names = ("input_word_ids", "input_mask", "input_type_ids")

    @tf.function(input_signature=[tf.TensorSpec([1, BERT_LEN], tf.int32, name=n) for n in names])
    def bert(input_word_ids: Any, input_mask: Any, input_type_ids: Any) -> Any:
        ids = tf.concat([input_word_ids, input_mask, input_type_ids], axis=1)
        return {"probability": tf.cast(ids, tf.float32)}

    for name, fn in (("regex_probe", regex), ("bert_probe", bert)):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()])
        (out_dir / f"{name}.raw.tflite").write_bytes(_convert(converter))


def _key() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:24]


@functools.cache
def probe_model(name: str) -> Path:
    """``regex_probe`` or ``bert_probe``, annotated by the official nl/bert writer (cached)."""
    from tests.toolchain.models import CACHE_ROOT

    target_dir = CACHE_ROOT / "probes" / _key()
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(target_dir.parent / f"{target_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target_dir / "COMPLETE").exists():
            _build_and_annotate(target_dir)
    return target_dir / f"{name}.tflite"


def _build_and_annotate(target_dir: Path) -> None:
    from tests.toolchain.models import REPO
    from tests.toolchain.oracle import official_write

    staging = Path(tempfile.mkdtemp(prefix="probes.", dir=target_dir.parent))
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            [sys.executable, "-m", "tests.toolchain.models.probes", str(staging)],
            cwd=REPO, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"building the token probes failed:\n{done.stderr[-4000:]}")
        for probe, vocab, size, kind in (
            ("regex_probe", REGEX_VOCAB, REGEX_LEN, "nl_classifier"),
            ("regex_probe_nostart", REGEX_VOCAB_NO_START, REGEX_LEN, "nl_classifier"),
            ("bert_probe", BERT_VOCAB, 3 * BERT_LEN, "bert_nl_classifier"),
        ):
            (staging / f"{probe}_vocab.txt").write_bytes(vocab.encode("utf-8"))
            (staging / f"{probe}_labels.txt").write_text("".join(f"t{i}\n" for i in range(size)))
            params: dict[str, Any] = {
                "vocab_file": staging / f"{probe}_vocab.txt",
                "label_files": [staging / f"{probe}_labels.txt"],
            }
            if kind == "bert_nl_classifier":
                params.update(ids_name="input_word_ids", mask_name="input_mask", segment_name="input_type_ids")
            raw = staging / f"{probe.removesuffix('_nostart')}.raw.tflite"
            official_write(kind, raw, staging / f"{probe}.tflite", **params)
        (staging / "COMPLETE").write_text("ok\n")
        shutil.rmtree(target_dir, ignore_errors=True)
        staging.rename(target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    _build(Path(sys.argv[1]))
