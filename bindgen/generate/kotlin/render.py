"""Render Kotlin wrappers: model → plan → binding → text. No file I/O here."""

from __future__ import annotations

from pathlib import PurePath

from bindgen.decide.plan import BindingPlan, build_plan
from bindgen.generate.kotlin.binding import KotlinBinding, build_binding
from bindgen.generate.kotlin.classname import checked_class_name, checked_package, class_name_for
from bindgen.generate.kotlin.inputs import input_imports
from bindgen.generate.templating import render
from bindgen.output import GENERATED_NOTICE, GeneratedFile
from bindgen.read.tflite.model import Model

__all__ = ["binding_for", "render_binding", "render_wrapper"]


def binding_for(
    model: Model, package: str, class_name: str | None = None, plan: BindingPlan | None = None
) -> KotlinBinding:
    """The decided Kotlin binding of ``model`` (what ``android-project`` builds on)."""
    name = checked_class_name(class_name) if class_name else class_name_for(model.path)
    return build_binding(
        plan or build_plan(model),
        package=checked_package(package),
        class_name=name,
        model_asset=PurePath(model.path).name,
    )


def _imports(b: KotlinBinding) -> list[str]:
    imports = {
        "android.content.Context",
        "org.tensorflow.lite.InterpreterApi",
        "org.tensorflow.lite.support.common.FileUtil",
        "java.io.IOException",
        "java.nio.ByteBuffer",
    }
    types = {i.kotlin_type for i in b.inputs} | {i.raw_type for i in b.inputs}
    types |= {o.raw_type for o in b.outputs} | {o.kotlin_type for o in b.outputs}
    if b.has_image_input:
        imports |= {
            "android.graphics.Bitmap",
            "org.tensorflow.lite.support.image.ImageProcessor",
            "org.tensorflow.lite.support.image.TensorImage",
            "org.tensorflow.lite.support.image.ops.Rot90Op",
        }
        ops = " ".join(op for i in b.inputs for op in i.image_ops)
        for op, where in (
            ("ResizeOp", "image.ops.ResizeOp"),
            ("TransformToGrayscaleOp", "image.ops.TransformToGrayscaleOp"),
            ("NormalizeOp", "common.ops.NormalizeOp"),
            ("QuantizeOp", "common.ops.QuantizeOp"),
            ("CastOp", "common.ops.CastOp"),
        ):
            if op + "(" in ops:
                imports.add("org.tensorflow.lite.support." + where)
        if "DataType." in ops:
            imports.add("org.tensorflow.lite.DataType")
    if "TensorBuffer" in types:
        imports.add("org.tensorflow.lite.support.tensorbuffer.TensorBuffer")
    if any(o.raw_type == "TensorBuffer" for o in b.outputs):
        imports.add("org.tensorflow.lite.DataType")
    if any(o.raw_type == "ByteBuffer" for o in b.outputs):
        imports.add("java.nio.ByteOrder")
    if "List<Category>" in types:
        imports.add("org.tensorflow.lite.support.label.Category")
    if "TensorImage" in types:
        imports |= {"org.tensorflow.lite.support.image.TensorImage", "org.tensorflow.lite.DataType"}
    if any(o.bitmap_name for o in b.outputs):
        imports.add("android.graphics.Bitmap")
    if b.needs_metadata_extractor:
        imports.add("org.tensorflow.lite.support.metadata.MetadataExtractor")
    imports |= input_imports(b.text, b.audio)

    # ktlint's import-ordering: everything else first, then java.*, javax.*, kotlin.*, each sorted.
    def key(line: str) -> tuple[int, str]:
        group = 1 if line.startswith(("java.", "javax.", "kotlin.")) else 0
        return group, line

    return sorted(imports, key=key)


def render_binding(binding: KotlinBinding) -> list[GeneratedFile]:
    """The wrapper file and the package's shared helper file for ``binding``."""
    folder = binding.package.replace(".", "/")
    wrapper = render(
        "kotlin/wrapper.kt.j2",
        b=binding,
        imports=_imports(binding),
        fields=binding.fields,
        notice=GENERATED_NOTICE,
    )
    support = render("kotlin/support.kt.j2", package=binding.package, notice=GENERATED_NOTICE)
    return [
        GeneratedFile(f"{folder}/{binding.class_name}.kt", wrapper),
        GeneratedFile(f"{folder}/{binding.support_class}.kt", support),
    ]


def render_wrapper(model: Model, package: str, class_name: str | None = None) -> list[GeneratedFile]:
    """Generate the Kotlin wrapper of ``model`` in ``package`` (class name from the file name)."""
    return render_binding(binding_for(model, package, class_name))
