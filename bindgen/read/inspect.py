"""Renderers for ``bindgen inspect``: the description as JSON, as a rich summary, and extraction.

``to_json`` is also the replay format: it holds everything the generators read from a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bindgen.errors import BindgenError
from bindgen.output import GeneratedFile, safe_relative, write_files
from bindgen.read.tflite.model import Model, Quantization, Tensor
from bindgen.read.tflite.reader import read_associated_file

if TYPE_CHECKING:
    from rich.console import Console


def _quantization(q: Quantization | None) -> dict[str, Any] | None:
    if q is None:
        return None
    return {
        "scale": list(q.scale),
        "zero_point": list(q.zero_point),
        "quantized_dimension": q.quantized_dimension,
    }


def _tensor(t: Tensor) -> dict[str, Any]:
    return {
        "name": t.name,
        "index": t.index,
        "dtype": t.dtype.numpy_name,
        "shape": list(t.shape),
        "shape_signature": list(t.shape_signature),
        "quantization": _quantization(t.quantization),
    }


def to_json(model: Model) -> dict[str, Any]:
    return {
        "path": model.path,
        "file_size": model.file_size,
        "schema_version": model.schema_version,
        "description": model.description,
        "subgraphs": [
            {
                "name": sg.name,
                "inputs": [_tensor(t) for t in sg.inputs],
                "outputs": [_tensor(t) for t in sg.outputs],
                "tensor_count": len(sg.tensors),
                "operator_count": sg.operator_count,
            }
            for sg in model.subgraphs
        ],
        "signatures": [
            {
                "key": s.key,
                "subgraph_index": s.subgraph_index,
                "inputs": [{"name": t.name, "tensor_index": t.tensor_index} for t in s.inputs],
                "outputs": [{"name": t.name, "tensor_index": t.tensor_index} for t in s.outputs],
            }
            for s in model.signatures
        ],
        "operator_codes": [
            {"builtin": op.builtin, "custom_code": op.custom_code, "version": op.version}
            for op in model.operator_codes
        ],
        "buffers": {
            "count": len(model.buffers),
            "external": sum(b.external for b in model.buffers),
            "bytes": sum(b.size for b in model.buffers),
        },
        "metadata_entries": [{"name": e.name, "buffer": e.buffer} for e in model.metadata_entries],
        "metadata": model.metadata,
        "associated_files": [
            {"name": f.name, "size": f.size, "compressed": f.compressed} for f in model.associated_files
        ],
    }


def _tensor_metadata(model: Model, kind: str, index: int) -> dict[str, Any]:
    meta = model.metadata or {}
    subgraphs = meta.get("subgraph_metadata") or [{}]
    tensors = subgraphs[0].get(f"{kind}_tensor_metadata") or []
    return tensors[index] if index < len(tensors) else {}


def _normalization(tm: dict[str, Any]) -> str:
    for unit in tm.get("process_units") or []:
        if unit.get("options_type") == "NormalizationOptions":
            options = unit.get("options", {})
            return f"mean {options.get('mean')} std {options.get('std')}"
    return ""


def _labels_preview(model: Model, tm: dict[str, Any]) -> str:
    for f in tm.get("associated_files") or []:
        if f.get("type") in ("TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS"):
            try:
                lines = read_associated_file(model, f["name"]).decode("utf-8", "replace").splitlines()
            except BindgenError:
                return f"{f['name']} (missing)"
            preview = ", ".join(lines[:4]) + (", …" if len(lines) > 4 else "")
            return f"{len(lines)}: {preview}"
    return ""


def print_summary(model: Model, console: Console) -> None:
    from rich.table import Table as RichTable  # only the summary needs rich (``--json`` does not)

    meta = model.metadata or {}
    title = meta.get("name") or Path(model.path).name
    console.print(f"[bold]{title}[/bold]  ({model.file_size:,} bytes, schema v{model.schema_version})")
    for key in ("description", "version", "author", "license", "min_parser_version"):
        if meta.get(key):
            console.print(f"  {key}: {meta[key]}")
    if model.metadata is None:
        console.print("  [yellow]no TFLite metadata[/yellow] (add it with `bindgen annotate`)")
    for number, subgraph in enumerate(model.subgraphs):
        table = RichTable(title=f"subgraph {number} {subgraph.name}".strip(), title_justify="left")
        for column in ("", "name", "dtype", "shape", "quantization", "normalization", "labels"):
            table.add_column(column)
        for kind, tensors in (("input", subgraph.inputs), ("output", subgraph.outputs)):
            for i, t in enumerate(tensors):
                tm = _tensor_metadata(model, kind, i) if number == 0 else {}
                q = t.quantization
                quant = (
                    ""
                    if q is None
                    else (
                        f"scale {q.scale[0]:.6g} zp {q.zero_point[0] if q.zero_point else 0}"
                        if not q.per_axis
                        else f"per-axis ({len(q.scale)}) dim {q.quantized_dimension}"
                    )
                )
                shape = "×".join("?" if d < 0 else str(d) for d in t.shape_signature)
                name = t.name if not tm.get("name") else f"{tm['name']} ({t.name})"
                table.add_row(
                    kind,
                    name,
                    t.dtype.numpy_name,
                    shape,
                    quant,
                    _normalization(tm),
                    _labels_preview(model, tm),
                )
        console.print(table)
    for signature in model.signatures:
        ins = ", ".join(t.name for t in signature.inputs)
        outs = ", ".join(t.name for t in signature.outputs)
        console.print(f"  signature [bold]{signature.key}[/bold]: ({ins}) -> ({outs})")
    if model.associated_files:
        console.print(
            "  associated files: " + ", ".join(f"{f.name} ({f.size} B)" for f in model.associated_files)
        )
    ops = sorted({op.custom_code or op.builtin for op in model.operator_codes})
    console.print(f"  operators: {', '.join(ops)}")


def extract(model: Model, out_dir: Path) -> list[Path]:
    """Write every associated file into ``out_dir``; names that would leave it are refused."""
    for f in model.associated_files:
        rel = safe_relative(f.name, where=model.path)
        if len(rel.parts) != 1:
            raise BindgenError(
                f"refusing associated file name {f.name!r}: not a plain file name", where=model.path
            )
    files = [GeneratedFile(f.name, read_associated_file(model, f.name)) for f in model.associated_files]
    return write_files(out_dir, files)
