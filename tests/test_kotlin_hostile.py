"""Property: whatever names, labels and descriptions a model carries, the wrapper compiles and
ktlint reports nothing.

Hypothesis draws hostile text (quotes, ``$``, backslashes, ``*/``, ``/*``, keywords, newlines,
control and astral characters, colliding names); ``bindgen annotate`` writes it into real models;
every drawn model gets a wrapper and all of an example's wrappers compile in ONE kotlinc run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bindgen.decide.annotate.annotator import AnnotateRequest, annotate
from bindgen.decide.annotate.spec import toml_value
from bindgen.generate.kotlin.names import KEYWORDS
from bindgen.generate.kotlin.render import render_wrapper
from bindgen.output import write_files
from bindgen.read.tflite.reader import read_model
from tests.toolchain import compile_kotlin, run_ktlint
from tests.toolchain.models import model_path

pytestmark = pytest.mark.slow

ATOMS = [
    '"', "$", "${x}", "\\", "*/", "/*", "/**", "\n", "\r\n", "\t", "\x00", "\x1b", "\u2028", "😀",
    "`", "'", "@param", "process", "Outputs", "close", "newInstance", "Companion", "interpreter",
    "buffers", "1", "_", "-", " ", "é", "Ω", *sorted(KEYWORDS)[:20],
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=6)), max_size=6).map("".join)
# Names must be non-empty so the annotator accepts them.
name = hostile.filter(lambda s: s.strip() != "")


@st.composite
def case(draw: st.DrawFn) -> tuple[str, dict[str, str], list[str], list[str]]:
    base = draw(st.sampled_from(["float_classifier", "multi_io"]))
    top = {"name": draw(name), "description": draw(hostile), "author": draw(hostile), "license": draw(hostile)}
    inputs = [draw(name) for _ in range(2 if base == "multi_io" else 1)]
    outputs = [draw(name) for _ in range(2 if base == "multi_io" else 1)]
    return base, top, inputs, outputs


def _spec(base: str, top: dict[str, str], inputs: list[str], outputs: list[str], labels: Path) -> str:
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


# Each example is one kotlinc run (~1 min): few examples, no shrinking (the failing example is
# printed whole), and one fixed worst case so every run covers the known traps.
@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(
    cases=[
        (
            "multi_io",
            {"name": 'a"b$c\\*/', "description": "/* x */ ${y}\n@return", "author": "`", "license": "\u2028"},
            ["process", "process"],
            ["Outputs", "in"],
        ),
        (
            "float_classifier",
            {"name": "fun", "description": "*/", "author": "$", "license": "\\"},
            ["1 image"],
            ["probabilityLabels"],
        ),
    ],
    labels=['"', "$x", "*/", "\\", "😀"],
)
@given(cases=st.lists(case(), min_size=6, max_size=6), labels=st.lists(hostile, min_size=5, max_size=5))
def test_hostile_metadata_still_compiles(
    cases: list[tuple[str, dict[str, str], list[str], list[str]]],
    labels: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    work = tmp_path_factory.mktemp("hostile")
    label_file = work / "labels.txt"
    # One label per line: drop the characters str.splitlines() treats as line breaks.
    clean = ["".join(c for c in label if len(f"x{c}x".splitlines()) == 1) for label in labels]
    label_file.write_text("".join(f"{i}:{label}\n" for i, label in enumerate(clean)), encoding="utf-8")
    sources: list[Path] = []
    for number, (base, top, inputs, outputs) in enumerate(cases):
        spec = work / f"spec{number}.toml"
        spec.write_text(_spec(base, top, inputs, outputs, label_file), encoding="utf-8")
        annotated = work / f"model{number}.tflite"
        annotate(AnnotateRequest(model=model_path(base), out=annotated, spec=spec))
        model = read_model(annotated)
        assert model.metadata is not None and model.metadata["name"] == top["name"]
        sources += write_files(work / "src", render_wrapper(model, f"com.example.hostile.m{number}"))
    compile_kotlin(sources, work / "classes")
    assert run_ktlint(sources) == []
