"""Kotlin identifiers and literals, decided in Python so templates only lay out text.

Everything that comes from a model (tensor names, labels, descriptions, file names) is hostile
input. Identifiers go through one :class:`NameAllocator` per Kotlin scope; string literals go
through :func:`kotlin_string_literal`; comment text goes through :func:`kdoc_lines`.

Naming rules (chosen so the output is ktlint-clean, which ``name_``-style suffixes are not):

* text is split on every character outside ``[0-9A-Za-z]`` and joined in lowerCamel (members)
  or UpperCamel (types): ``"MobilenetV1/Predictions:0"`` → ``mobilenetV1Predictions0``;
* nothing usable left, or a leading digit → the scope's ``fallback`` word is put in front:
  ``"012"`` → ``tensor012``;
* a Kotlin hard, soft or modifier keyword gets ``Value`` appended: ``in`` → ``inValue``;
* a name already taken in the scope (by the generator itself or an earlier tensor) gets the
  first free number appended: ``probability``, ``probability2``, ``probability3``.
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Hashable, Iterable

__all__ = [
    "KEYWORDS",
    "Case",
    "KotlinName",
    "NameAllocator",
    "kdoc_lines",
    "kotlin_string_literal",
]

HARD_KEYWORDS = frozenset(
    [
        "as",
        "break",
        "class",
        "continue",
        "do",
        "else",
        "false",
        "for",
        "fun",
        "if",
        "in",
        "interface",
        "is",
        "null",
        "object",
        "package",
        "return",
        "super",
        "this",
        "throw",
        "true",
        "try",
        "typealias",
        "typeof",
        "val",
        "var",
        "when",
        "while",
    ]
)
SOFT_KEYWORDS = frozenset(
    [
        "by",
        "catch",
        "constructor",
        "delegate",
        "dynamic",
        "field",
        "file",
        "finally",
        "get",
        "import",
        "init",
        "param",
        "property",
        "receiver",
        "set",
        "setparam",
        "value",
        "where",
    ]
)
MODIFIER_KEYWORDS = frozenset(
    [
        "abstract",
        "actual",
        "annotation",
        "companion",
        "const",
        "crossinline",
        "data",
        "enum",
        "expect",
        "external",
        "final",
        "infix",
        "inline",
        "inner",
        "internal",
        "lateinit",
        "noinline",
        "open",
        "operator",
        "out",
        "override",
        "private",
        "protected",
        "public",
        "reified",
        "sealed",
        "suspend",
        "tailrec",
        "vararg",
    ]
)
#: Every word bindgen refuses to use as a bare identifier (``it`` too: it shadows lambdas).
KEYWORDS = HARD_KEYWORDS | SOFT_KEYWORDS | MODIFIER_KEYWORDS | frozenset({"it"})

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_WORDS = re.compile(r"[A-Za-z0-9]+")


class KotlinName(str):
    """A valid, non-keyword Kotlin identifier (ASCII letters and digits, starting with a letter).

    Only :class:`NameAllocator` (or code that has checked the text itself) should make these.
    """

    def __new__(cls, text: str) -> KotlinName:
        if not _IDENTIFIER.match(text) or text in KEYWORDS:
            raise ValueError(f"not a safe Kotlin identifier: {text!r}")
        return super().__new__(cls, text)


class Case(enum.Enum):
    LOWER_CAMEL = "lowerCamel"  # properties, parameters, functions
    UPPER_CAMEL = "UpperCamel"  # classes, enum entries


def _camel(text: str, case: Case) -> str:
    words = _WORDS.findall(text)
    joined = "".join(w[:1].upper() + w[1:] for w in words)
    if case is Case.LOWER_CAMEL and joined:
        # "CONV_2D" → "conv2D"; "MobilenetV1" → "mobilenetV1"; "URLs" → "urLs" is avoided by
        # lowering a whole all-caps first word.
        first = words[0]
        head = first.lower() if first.isupper() else first[:1].lower() + first[1:]
        joined = head + joined[len(first) :]
    return joined


class NameAllocator:
    """Hands out unique, valid identifiers within one Kotlin scope.

    ``reserved`` are the generator's own members in this scope (``process``, ``close``,
    ``Outputs`` …): model names can never take them. ``parent`` makes the names of an enclosing
    scope unavailable too (a parameter must not shadow a class member the body uses).
    """

    def __init__(
        self,
        *,
        case: Case = Case.LOWER_CAMEL,
        fallback: str = "tensor",
        reserved: Iterable[str] = (),
        parent: NameAllocator | None = None,
    ) -> None:
        self.case = case
        self.fallback = fallback
        self.parent = parent
        self._taken: set[str] = set(reserved)
        self._by_tag: dict[Hashable, KotlinName] = {}

    def _is_taken(self, name: str) -> bool:
        return name in self._taken or (self.parent is not None and self.parent._is_taken(name))

    def reserve(self, name: str) -> None:
        self._taken.add(name)

    def new_name(self, suggestion: str, tag: Hashable | None = None) -> KotlinName:
        """A fresh identifier derived from ``suggestion``; remembered under ``tag`` if given."""
        if tag is not None and tag in self._by_tag:
            raise ValueError(f"tag {tag!r} already has the name {self._by_tag[tag]!r}")
        base = _camel(suggestion, self.case)
        if not base or base[0].isdigit():
            prefix = _camel(self.fallback, self.case) or "value"
            base = prefix + (base[:1].upper() + base[1:] if base else "")
        base = base[:MAX_NAME]
        if base in KEYWORDS:
            base += "Value"
        name = base
        number = 2
        while self._is_taken(name):
            name = f"{base}{number}"
            number += 1
        self._taken.add(name)
        result = KotlinName(name)
        if tag is not None:
            self._by_tag[tag] = result
        return result

    def get(self, tag: Hashable) -> KotlinName:
        """The name handed out earlier for ``tag``."""
        return self._by_tag[tag]


def kotlin_string_literal(text: str) -> str:
    """``text`` as a double-quoted Kotlin string literal, safe for any input.

    Escapes backslash, quote and ``$`` (string templates), line breaks, tabs, every other
    control character, DEL and lone surrogates (as ``\\uXXXX``).
    """
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "$":
            out.append("\\$")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029, 0x85):
            out.append(f"\\u{code:04x}")
        elif code > 0xFFFF:
            # Write astral characters as surrogate-pair escapes: the source stays plain BMP text.
            value = code - 0x10000
            out.append(f"\\u{0xD800 + (value >> 10):04x}\\u{0xDC00 + (value & 0x3FF):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


#: Longest KDoc text line; with the indentation and `` * `` prefix it stays far below 140 columns.
KDOC_WIDTH = 72
#: Longest identifier the allocator makes (before a collision number): keeps code lines short.
MAX_NAME = 48

_COMMENT_BREAKERS = re.compile(r"\*/|/\*")
_UNSAFE_IN_COMMENT = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\ud800-\udfff]")


def kdoc_lines(text: str) -> list[str]:
    """``text`` as KDoc body lines: no ``*/`` or ``/*`` (Kotlin nests block comments), no
    control characters, no trailing spaces, blank runs collapsed; ``[]`` when there is nothing.
    """
    lines: list[str] = []
    for raw in re.split(r"\r\n|\r|\n|\u2028|\u2029|\u0085", text):
        line = _UNSAFE_IN_COMMENT.sub(" ", raw)
        while _COMMENT_BREAKERS.search(line):
            line = _COMMENT_BREAKERS.sub(lambda m: m.group(0)[0] + " " + m.group(0)[1], line)
        line = line.rstrip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        # Wrapped so no comment line trips ktlint's max-line-length, however long the input.
        for piece in textwrap.wrap(line, KDOC_WIDTH, break_on_hyphens=False) or [""]:
            piece = piece.rstrip()
            lines.append("\\" + piece if piece.startswith("@") else piece)  # not a KDoc block tag
    while lines and not lines[-1]:
        lines.pop()
    return lines
