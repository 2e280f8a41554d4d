"""Wrapper class names from model file names, following Android Studio's model binding.

``[- ]+`` become ``_``; characters outside ``[0-9A-Za-z_]`` are dropped; lower_underscore names
become UpperCamel (``mobilenet_v1`` → ``MobilenetV1``), anything else gets its first letter
capitalised and its underscores dropped; an empty name, a keyword or a leading digit gets the
``AutoModel`` prefix (``012.tflite`` → ``AutoModel012``). Names bindgen itself declares in the
package (``BindgenSupport``, ``DetectionResult``, ``Segmentation``) and names the generated files
use without a package (``String``, ``Bitmap``, ``ByteBuffer``, ``Device``, ...: a class of that name
would shadow them) get a ``Model`` suffix.
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePath

from bindgen.errors import BindgenError
from bindgen.generate.kotlin.names import KEYWORDS, KotlinName

#: Top-level declarations of the shared helper file; a wrapper class may not take these names.
PACKAGE_DECLARATIONS = frozenset({"BindgenSupport", "DetectionResult", "Segmentation"})
#: Support Library ops the renderer imports on demand (their names are not in the template text).
IMPORTED_OPS = frozenset({"ResizeOp", "TransformToGrayscaleOp", "NormalizeOp", "QuantizeOp", "CastOp"})
#: Kotlin's default-imported types a signature may name (``Unit`` return types, ...).
KOTLIN_TYPES = frozenset({
    "Any", "Nothing", "Unit", "String", "Char", "Boolean", "Byte", "Short", "Int", "Long", "Float", "Double",
    "Array", "List", "Map", "Set", "Pair", "Triple", "Exception", "Throwable", "Result", "Lazy",
})  # fmt: skip


@functools.cache
def shadowed_names() -> frozenset[str]:
    """Names a wrapper class may not take: bindgen's package declarations, the ops it imports, and
    every capitalised word of the Kotlin templates (imported types, Kotlin built-ins, nested classes;
    prose words too, which costs nothing)."""
    from bindgen.resources import templates_dir

    words: set[str] = set()
    for template in sorted((templates_dir() / "kotlin").glob("*.j2")):
        words |= set(re.findall(r"\b[A-Z][A-Za-z0-9_]*\b", template.read_text(encoding="utf-8")))
    return frozenset(words) | PACKAGE_DECLARATIONS | IMPORTED_OPS | KOTLIN_TYPES


def class_name_for(model_file: str) -> KotlinName:
    """The class name Android Studio would give ``model_file`` (a path or a file name)."""
    stem = PurePath(model_file).name
    if stem.lower().endswith(".tflite"):
        stem = stem[: -len(".tflite")]
    text = re.sub(r"[- ]+", "_", stem)
    text = re.sub(r"[^0-9A-Za-z_]", "", text)
    if re.fullmatch(r"[a-z0-9_]+", text):
        name = "".join(word[:1].upper() + word[1:] for word in text.split("_"))
    else:
        name = text.replace("_", "")
        name = name[:1].upper() + name[1:]
    if not name or name[0].isdigit() or name.lower() in KEYWORDS:
        name = "AutoModel" + name
    if name in shadowed_names():
        name += "Model"
    return KotlinName(name)


def checked_class_name(text: str) -> KotlinName:
    """A ``--class-name`` given by the user: must already be a valid UpperCamel identifier."""
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", text) or text in shadowed_names():
        raise BindgenError(
            f"--class-name {text!r} is not usable",
            hint="use an UpperCamel Kotlin identifier such as MyModel that names no type the wrapper uses "
            "(BindgenSupport, String, Bitmap, ...)",
        )
    return KotlinName(text)


_PACKAGE_PART = re.compile(r"[a-z][a-z0-9_]*\Z")


def checked_package(text: str) -> str:
    """A ``--package`` given by the user: dot-separated lowercase parts, no keywords."""
    parts = text.split(".")
    if not text or any(not _PACKAGE_PART.match(p) or p in KEYWORDS for p in parts):
        raise BindgenError(
            f"--package {text!r} is not a valid Kotlin package",
            hint="use lowercase dot-separated words, e.g. com.example.ml",
        )
    return text
