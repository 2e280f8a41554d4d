"""Text to token ids, exactly as the TFLite Task Library's text classifiers do it (pure Python).

The rules (tflite-support 0.4.4, ``cc/task/processor/bert_preprocessor.cc``,
``regex_preprocessor.cc``, ``cc/text/tokenizers/*``, tensorflow_text's WordPiece) are described on
:class:`bindgen.decide.plan.TextInput`; ``BindgenSupport.BertTokenizer``/``RegexTokenizer`` in the
generated Kotlin implement the same ones, and tests compare all three on the same strings.

Details that matter: vocabulary files are split on ``\\n`` only and empty lines are skipped (a
``\\r`` stays part of the token, as ``std::getline`` leaves it); BERT lower-cases ASCII letters
only (no accent stripping); whitespace is RE2's ``\\s`` (space, ``\\t``, ``\\n``, ``\\f``, ``\\r``);
punctuation is ASCII ``!-/ :-@ [-` {-~`` plus Unicode category P; RE2's ``\\w`` is ASCII-only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bindgen.decide.plan import TextInput, Tokenizer
from bindgen.errors import BindgenError

__all__ = ["TokenIds", "bert_vocabulary", "encode", "regex_vocabulary"]

_WHITESPACE = frozenset("\t\n\f\r ")
_CJK = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)  # fmt: skip
_MAX_BYTES_PER_TOKEN = 100
_UNKNOWN = "[UNK]"


@dataclass(frozen=True)
class TokenIds:
    """What one text becomes: ``ids`` (and for BERT ``mask`` and ``segment_ids``), each of the
    model's sequence length."""

    ids: tuple[int, ...]
    mask: tuple[int, ...] = ()
    segment_ids: tuple[int, ...] = ()


def _lines(data: str) -> list[str]:
    return [line for line in data.split("\n") if line]


def bert_vocabulary(data: str) -> dict[str, int]:
    """One token per non-empty line; its id is its position; a repeated token keeps the last."""
    return {token: i for i, token in enumerate(_lines(data))}


def regex_vocabulary(data: str, where: str = "") -> dict[str, int]:
    """``token id`` per non-empty line (split on the first spaces, as ``absl::StrSplit``)."""
    vocab: dict[str, int] = {}
    for line in _lines(data):
        parts = line.split(" ")
        digits = re.match(r"\s*[+-]?\d+", parts[1]) if len(parts) > 1 else None
        if digits is None:
            raise BindgenError(f"vocabulary line {line!r} is not 'token id'", where=where or None)
        vocab[parts[0]] = int(digits.group())
    return vocab


def _is_split_char(c: str) -> bool:
    """A character BERT keeps as a token of its own: ASCII/Unicode punctuation or CJK."""
    o = ord(c)
    if 0x21 <= o <= 0x2F or 0x3A <= o <= 0x40 or 0x5B <= o <= 0x60 or 0x7B <= o <= 0x7E:
        return True
    if unicodedata.category(c).startswith("P"):
        return True
    return any(lo <= o <= hi for lo, hi in _CJK)


def _basic_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    word: list[str] = []
    for c in text:
        if c in _WHITESPACE or _is_split_char(c):
            if word:
                tokens.append("".join(word))
                word = []
            if c not in _WHITESPACE:
                tokens.append(c)
        else:
            word.append(c)
    if word:
        tokens.append("".join(word))
    return tokens


def _wordpiece(token: str, vocab: dict[str, int]) -> list[str]:
    if len(token.encode("utf-8")) > _MAX_BYTES_PER_TOKEN:
        return [_UNKNOWN]
    pieces: list[str] = []
    start = 0
    while start < len(token):
        end = len(token)
        while end > start:
            piece = token[start:end] if start == 0 else "##" + token[start:end]
            if piece in vocab:
                pieces.append(piece)
                break
            end -= 1
        else:
            return [_UNKNOWN]
        start = end
    return pieces


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def _bert(text: str, vocab: dict[str, int], length: int) -> TokenIds:
    subwords = [p for token in _basic_tokens(_ascii_lower(text)) for p in _wordpiece(token, vocab)]
    tokens = ["[CLS]", *subwords[: length - 2], "[SEP]"]
    ids = [vocab.get(t, 0) for t in tokens]
    pad = length - len(tokens)
    return TokenIds(tuple(ids + [0] * pad), tuple([1] * len(tokens) + [0] * pad), tuple([0] * length))


def _regex(text: str, vocab: dict[str, int], pattern: re.Pattern[str], length: int) -> TokenIds:
    tokens: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            tokens.append(text[last : match.start()])
        last = match.end()
    if last < len(text):
        tokens.append(text[last:])
    if "<UNKNOWN>" not in vocab or "<PAD>" not in vocab:
        raise BindgenError("the regex tokenizer's vocabulary needs <UNKNOWN> and <PAD> entries")
    ids = [vocab["<PAD>"]] * length
    position = 0
    if "<START>" in vocab and length:
        ids[0] = vocab["<START>"]
        position = 1
    for token in tokens[: max(0, length - position)]:
        ids[position] = vocab.get(token, vocab["<UNKNOWN>"])
        position += 1
    return TokenIds(tuple(ids))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The delimiter regex with RE2's ASCII meaning of ``\\w``, ``\\d``, ``\\s`` and ``\\b``."""
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as error:
        raise BindgenError(f"tokenizer pattern {pattern!r}: {error}") from None


def encode(text: str, plan: TextInput, vocabulary: str) -> TokenIds:
    """Token ids for ``text`` under ``plan``; ``vocabulary`` is the vocabulary file's text."""
    if plan.tokenizer is Tokenizer.BERT:
        return _bert(text, bert_vocabulary(vocabulary), plan.max_length)
    return _regex(text, regex_vocabulary(vocabulary, plan.vocab_file), compile_pattern(plan.pattern), plan.max_length)
