"""Property: whatever names, labels, descriptions and file names a model carries, the wrapper
compiles and ktlint reports nothing.

Hypothesis draws hostile text (quotes, ``$``, backslashes, ``*/``, ``/*``, keywords, Kotlin and
Android type names, newlines, control and astral characters, colliding names) and puts it
everywhere a model's text reaches the Kotlin source: the model's file name (class name, asset
string literal, KDoc title), the labels file name (string literal, KDoc), the model's name,
description, author and license (KDoc), and every tensor's name (identifiers) and description
(KDoc). ``bindgen annotate`` writes it into real models; the 50+ wrappers of a run (the drawn ones
and a fixed worst case) compile in ONE kotlinc run. A failure prints the cases of the failing files.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bindgen.decide.annotate.annotator import AnnotateRequest, annotate
from bindgen.decide.annotate.spec import toml_value
from bindgen.generate.kotlin.names import KEYWORDS, kotlin_string_literal
from bindgen.generate.kotlin.render import render_wrapper
from bindgen.output import write_files
from bindgen.read.tflite.reader import read_model
from tests.toolchain import compile_kotlin, run_ktlint
from tests.toolchain.models import model_path

pytestmark = pytest.mark.slow

#: Examples per run: one kotlinc call compiles them all.
CASES = 50
TYPE_NAMES = ["String", "Bitmap", "Context", "Category", "TensorImage", "TensorBuffer", "ByteBuffer",
              "List", "Float", "Int", "Any", "Unit", "Options", "Device", "Metadata", "R", "Build"]
ATOMS = [
    '"', "$", "${x}", "\\", "*/", "/*", "/**", "\n", "\r\n", "\t", "\x00", "\x1b", "\u2028", "😀",
    "`", "'", "@param", "process", "Outputs", "close", "newInstance", "Companion", "interpreter",
    "buffers", "1", "_", "-", " ", ".", "é", "Ω", *TYPE_NAMES, *sorted(KEYWORDS)[:20],
]  # fmt: skip


def _text(rng: random.Random, *, non_empty: bool = False) -> str:
    """Up to 6 pieces: ATOMS and random code points (controls, surrogate-free astral, anything)."""
    while True:
        pieces = []
        for _ in range(rng.randint(0, 6)):
            if rng.random() < 0.6:
                pieces.append(rng.choice(ATOMS))
            else:
                points = [rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF), rng.randint(0xE000, 0x10FFFF)))
                          for _ in range(rng.randint(1, 6))]
                pieces.append("".join(map(chr, points)))
        text = "".join(pieces)
        if not non_empty or text.strip():  # names must be non-empty so the annotator accepts them
            return text


def _file_name(text: str, suffix: str, *, packed: bool = False) -> str:
    """``text`` as a file name the OS accepts (no '/', NUL or '..'), short. A ``packed`` file (an
    associated file inside the model) must also be a plain name: no backslash, no edge spaces."""
    cleaned = text.replace("/", "").replace("\x00", "").replace("..", "")
    if packed:
        cleaned = cleaned.replace("\\", "").strip()
    cleaned = cleaned[:40]  # longer names stay legal Kotlin but a literal of 100+ columns breaks ktlint's line limit
    return (cleaned if cleaned.strip(" .") else "x" + cleaned) + suffix


Case = tuple[str, dict[str, str], list[str], list[str], str, str]


def _case(rng: random.Random) -> Case:
    base = rng.choice(["float_classifier", "multi_io"])
    top = {"name": _text(rng, non_empty=True), "description": _text(rng), "author": _text(rng),
           "license": _text(rng)}
    inputs = [_text(rng, non_empty=True) for _ in range(2 if base == "multi_io" else 1)]
    outputs = [_text(rng, non_empty=True) for _ in range(2 if base == "multi_io" else 1)]
    return base, top, inputs, outputs, _file_name(_text(rng), ".tflite"), _file_name(_text(rng), ".txt", packed=True)


#: The known traps, in every run.
WORST: list[Case] = [
    ("multi_io", {"name": 'a"b$c\\*/', "description": "/* x */ ${y}\n@return", "author": "`", "license": "\u2028"},
     ["process", "process"], ["Outputs", "in"], 'm"$x\\*.tflite', "la\"b${x}*.txt"),
    ("float_classifier", {"name": "fun", "description": "*/", "author": "$", "license": "\\"},
     ["1 image"], ["probabilityLabels"], "String.tflite", "*\u2028 ${x}.txt"),
    ("float_classifier", {"name": "Bitmap", "description": "", "author": "", "license": ""},
     ["Context"], ["Category"], "Bitmap.tflite", "List.txt"),
    ("float_classifier", {"name": "long", "description": "", "author": "", "license": ""},
     ["image"], ["probability"], "Unit.tflite", "l" * 100 + ".txt"),  # wraps readLines' arguments
]  # fmt: skip


def _spec(case: Case, labels: Path) -> str:
    base, top, inputs, outputs, _, _ = case
    model = read_model(model_path(base))
    kind = "image-classifier" if base == "float_classifier" else "generic"
    lines = [f"kind = {toml_value(kind)}"]
    lines += [f"{key} = {toml_value(value)}" for key, value in top.items()]
    if kind == "image-classifier":
        lines += ["mean = [127.5]", "std = [127.5]", f"labels = {toml_value(str(labels))}"]
    for section, tensors, names in (("input", model.main.inputs, inputs), ("output", model.main.outputs, outputs)):
        for tensor, tensor_name in zip(tensors, names, strict=True):
            lines += [
                f"[[{section}]]",
                f"tensor = {toml_value(tensor.name)}",
                f"name = {toml_value(tensor_name)}",
                f"description = {toml_value(tensor_name + ' */ ' + top['description'])}",
            ]
    return "\n".join(lines) + "\n"


def _failing_cases(output: str, cases: list[Case]) -> str:
    numbers = sorted({int(n) for n in re.findall(r"/hostile/m(\d+)/", output)})
    return "\n".join(f"case m{n}: {cases[n]!r}" for n in numbers if n < len(cases))


# Hypothesis draws one seed per run; the seed draws CASES cases (+ WORST) for one kotlinc run
# (~1-2 min). A failure prints the seed and the cases of the failing files.
@settings(max_examples=1, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**64 - 1))
def test_hostile_metadata_still_compiles(seed: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    rng = random.Random(seed)
    drawn = [_case(rng) for _ in range(CASES)]
    labels = [_text(rng) for _ in range(5)]
    cases = [*WORST, *drawn]
    work = tmp_path_factory.mktemp("hostile")
    # One label per line: drop the characters str.splitlines() treats as line breaks.
    clean = ["".join(c for c in label if len(f"x{c}x".splitlines()) == 1) for label in labels]
    sources: list[Path] = []
    for number, this in enumerate(cases):
        base, top, _, _, model_file, labels_file = this
        folder = work / "hostile" / f"m{number}"
        folder.mkdir(parents=True)
        label_path = folder / labels_file
        label_path.write_text("".join(f"{i}:{label}\n" for i, label in enumerate(clean)), encoding="utf-8")
        spec = folder / "spec.toml"
        spec.write_text(_spec(this, label_path), encoding="utf-8")
        annotated = folder / model_file
        annotate(AnnotateRequest(model=model_path(base), out=annotated, spec=spec))
        model = read_model(annotated)
        assert model.metadata is not None and model.metadata["name"] == top["name"]
        written = write_files(folder / "src", render_wrapper(model, f"com.example.hostile.m{number}"))
        wrapper = next(p for p in written if p.name != "BindgenSupport.kt").read_text(encoding="utf-8")
        # The hostile file names reached the source, as string literals.
        assert kotlin_string_literal(model_file) in wrapper, this
        if base == "float_classifier":
            assert kotlin_string_literal(labels_file) in wrapper, this
        sources += written
    try:
        compile_kotlin(sources, work / "classes")
    except AssertionError as failure:
        raise AssertionError(f"{_failing_cases(str(failure), cases)}\n{failure}") from None
    findings = run_ktlint(sources)
    assert findings == [], _failing_cases("\n".join(findings), cases) + "\n" + "\n".join(findings)
