"""Orchestration of ``bindgen annotate``: request -> validated metadata -> written model."""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bindgen.decide.annotate import spec as specfile
from bindgen.decide.annotate.kinds import (
    Built,
    Calibration,
    Kind,
    KindOptions,
    LabelFile,
    bert_roles,
    build,
    image_layout,
)
from bindgen.decide.plan import file_lines
from bindgen.errors import BindgenError
from bindgen.read.metadata import codec
from bindgen.read.tflite.model import DType, Model, Tensor
from bindgen.read.tflite.reader import ModelFile, describe
from bindgen.read.tflite.writer import annotate_file

Json = dict[str, Any]
TRANSFORMATIONS = ("IDENTITY", "LOG", "INVERSE_LOGISTIC")


@dataclass(frozen=True)
class AnnotateRequest:
    model: Path
    out: Path | None = None
    in_place: bool = False
    kind: Kind | None = None
    spec: Path | None = None
    labels: Path | None = None
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    name: str | None = None
    description: str | None = None
    version: str | None = None
    author: str | None = None
    license: str | None = None
    vocab: Path | None = None
    delim_regex: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    score_calibration: Path | None = None
    score_transformation: str | None = None
    default_score: float | None = None


@dataclass(frozen=True)
class AnnotateResult:
    out: Path
    kind: Kind
    metadata: Json
    files: tuple[str, ...]
    bytes_written: int
    warnings: list[str] = field(default_factory=list)


def annotate(request: AnnotateRequest) -> AnnotateResult:
    out = _output_path(request)
    with ModelFile(request.model) as mf:
        model = describe(mf)
        spec = specfile.load(request.spec) if request.spec else None
        request = _with_spec(request, spec)
        kind = request.kind or Kind.GENERIC
        options = _kind_options(request, model, kind)
        built = build(kind, model, options)
        metadata, files = _apply_spec(built, spec, model)
        metadata = _general(metadata, request)
        metadata.pop("min_parser_version", None)
        metadata["min_parser_version"] = codec.min_parser_version(metadata)
        _check_files(metadata, files, model)
        encoded = codec.encode(metadata, where=str(request.spec or request.model))
        result = annotate_file(mf, out, encoded, files)
    return AnnotateResult(
        out=result.path,
        kind=kind,
        metadata=metadata,
        files=tuple(name for name, _ in files),
        bytes_written=result.bytes_written,
        warnings=list(options.warnings),
    )


def _output_path(request: AnnotateRequest) -> Path:
    if request.in_place:
        if request.out is not None:
            raise BindgenError("give either -o OUT or --in-place, not both")
        return request.model
    if request.out is None:
        raise BindgenError("say where to write: -o OUT.tflite, or --in-place to replace the input")
    if request.out.exists() and request.model.exists() and request.out.resolve() == request.model.resolve():
        raise BindgenError("-o is the input file; use --in-place to replace it", where=request.out)
    if request.out.is_dir():
        raise BindgenError("-o is a folder; give a file name", where=request.out)
    return request.out


# ------------------------------------------------------------------------------ spec merge


def _with_spec(request: AnnotateRequest, spec: specfile.Spec | None) -> AnnotateRequest:
    """Flags win over the spec; the spec fills what flags left unset."""
    if spec is None:
        return request
    v = spec.values
    where = spec.path
    updates: dict[str, Any] = {}

    def text(key: str) -> None:
        if key in v and getattr(request, key) is None:
            if not isinstance(v[key], str):
                raise BindgenError(f"{key}: expected a string", where=where)
            updates[key] = v[key]

    def path(key: str) -> None:
        if key in v and getattr(request, key) is None:
            if not isinstance(v[key], str):
                raise BindgenError(f"{key}: expected a file path string", where=where)
            updates[key] = spec.resolve(v[key])

    for key in ("name", "description", "version", "author", "license", "delim_regex", "score_transformation"):
        text(key)
    for key in ("labels", "vocab", "score_calibration"):
        path(key)
    if "kind" in v and request.kind is None:
        updates["kind"] = parse_kind(v["kind"], where=f"{where}: kind")
    for key in ("mean", "std"):
        if key in v and not getattr(request, key):
            updates[key] = _floats(v[key], f"{key}", where)
    for key in ("sample_rate", "channels"):
        if key in v and getattr(request, key) is None:
            if not isinstance(v[key], int) or isinstance(v[key], bool):
                raise BindgenError(f"{key}: expected an integer", where=where)
            updates[key] = v[key]
    if "default_score" in v and request.default_score is None:
        updates["default_score"] = _floats(v["default_score"], "default_score", where)[0]
    return replace(request, **updates)


def parse_kind(value: object, *, where: str | None = None) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise BindgenError(f"unknown kind {value!r} (one of: {allowed})", where=where) from None


def _floats(value: object, key: str, where: Path | str) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise BindgenError(f"{key}: expected numbers, got {item!r}", where=where)
        out.append(float(item))
    return tuple(out)


# ------------------------------------------------------------------------------ files / options


def read_labels(path: Path, locale: str | None = None) -> LabelFile:
    data = _read_file(path, "label file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BindgenError("label file is not UTF-8 text", where=path) from None
    lines = file_lines(text)  # split as the wrapper and the Task Library split, not str.splitlines
    if not any(line.strip() for line in lines):
        raise BindgenError("label file is empty; put one label per line", where=path)
    return LabelFile(name=_basename(path), data=data, count=len(lines), locale=locale)


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BindgenError(f"{what} not found", where=path) from None
    except IsADirectoryError:
        raise BindgenError(f"{what} is a folder", where=path) from None
    except OSError as error:
        raise BindgenError(f"cannot read {what}: {error.strerror}", where=path) from None


def _basename(path: Path) -> str:
    name = path.name
    check_file_name(name, where=str(path))
    return name


def check_file_name(name: str, *, where: str) -> None:
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00") or name != name.strip():
        raise BindgenError(
            f"unsafe associated file name {name!r}: use a plain file name (no '/', '..' or NUL)",
            where=where,
        )


def _kind_options(request: AnnotateRequest, model: Model, kind: Kind) -> KindOptions:
    mean, std = request.mean, request.std
    if bool(mean) != bool(std):
        raise BindgenError("give both --mean and --std (or neither)")
    if mean:
        channels = _channels(model)
        for label, values in (("--mean", mean), ("--std", std)):
            if len(values) not in (1, channels):
                raise BindgenError(
                    f"{label} has {len(values)} values; give 1 or one per channel ({channels})"
                )
        if len(mean) != len(std):
            raise BindgenError(f"--mean has {len(mean)} values but --std has {len(std)}")
        if any(s == 0 for s in std):
            raise BindgenError("--std must not be 0 (it divides the input)")
    labels = (read_labels(request.labels),) if request.labels else ()
    calibration = None
    if request.score_calibration is not None:
        transformation = (request.score_transformation or "IDENTITY").upper()
        if transformation not in TRANSFORMATIONS:
            raise BindgenError(f"--score-transformation must be one of {', '.join(TRANSFORMATIONS)}")
        data = _read_file(request.score_calibration, "score calibration file")
        calibration = Calibration(
            name=_basename(request.score_calibration),
            data=data,
            transformation=transformation,
            default_score=request.default_score or 0.0,
        )
    vocab = None
    if request.vocab is not None:
        vocab = (_basename(request.vocab), _read_file(request.vocab, "vocabulary file"))
    options = KindOptions(
        labels=labels,
        mean=mean,
        std=std,
        vocab=vocab,
        delim_regex=request.delim_regex if request.delim_regex is not None else "[^\\w\\']+",
        sample_rate=request.sample_rate if request.sample_rate is not None else 16000,
        channels=request.channels if request.channels is not None else 1,
        calibration=calibration,
    )
    if labels and kind is Kind.GENERIC:
        raise BindgenError("--labels needs a --kind (or put labels on a tensor in the spec)")
    return options


def _channels(model: Model) -> int:
    for tensor in model.main.inputs:
        layout = image_layout(tensor)
        if layout is not None:
            return layout[2]
    shape = model.main.inputs[0].shape if model.main.inputs else ()
    return shape[-1] if shape else 1


# ------------------------------------------------------------------ per-tensor spec tables


def _apply_spec(
    built: Built, spec: specfile.Spec | None, model: Model
) -> tuple[Json, list[tuple[str, bytes]]]:
    metadata = copy.deepcopy(built.metadata)
    files = list(built.files)
    if spec is None:
        return metadata, files
    subgraph = metadata.setdefault("subgraph_metadata", [{}])[0]
    for section, tensors in (("input", model.main.inputs), ("output", model.main.outputs)):
        entries = subgraph.setdefault(f"{section}_tensor_metadata", [])
        while len(entries) < len(tensors):
            entries.append({"name": tensors[len(entries)].name})
        for i, table in enumerate(spec.values.get(section, [])):
            key = f"{section}[{i}]"
            position = _tensor_position(table, tensors, key, spec.path)
            files += _apply_tensor(entries[position], table, tensors[position], key, spec)
    for i, table in enumerate(spec.values.get("file", [])):
        check_file_name(table["name"], where=f"{spec.path}: file[{i}].name")
        files.append((table["name"], _read_file(spec.resolve(table["path"]), f"file[{i}]")))
    if "metadata" in spec.values:
        metadata = _deep_merge(metadata, spec.values["metadata"])
    return metadata, files


def _tensor_position(table: Json, tensors: tuple[Tensor, ...], key: str, where: Path) -> int:
    if "index" in table:
        index = table["index"]
        if not isinstance(index, int) or not 0 <= index < len(tensors):
            raise BindgenError(
                f"{key}.index: no tensor at {index!r} (the model has {len(tensors)})", where=where
            )
        return index
    names = [t.name for t in tensors]
    if table["tensor"] not in names:
        raise BindgenError(
            f"{key}.tensor: the model has no such tensor {table['tensor']!r} (it has: {', '.join(names)})",
            where=where,
        )
    return names.index(table["tensor"])


_CONTENT = {
    "feature": "FeatureProperties",
    "image": "ImageProperties",
    "bounding-boxes": "BoundingBoxProperties",
    "audio": "AudioProperties",
}


def _apply_tensor(
    meta: Json, table: Json, tensor: Tensor, key: str, spec: specfile.Spec
) -> list[tuple[str, bytes]]:
    where = spec.path
    files: list[tuple[str, bytes]] = []
    for field_name in ("name", "description"):
        if field_name in table:
            meta[field_name] = _text(table[field_name], f"{key}.{field_name}", where)
    if "dimension_names" in table:
        meta["dimension_names"] = [
            _text(x, f"{key}.dimension_names", where) for x in table["dimension_names"]
        ]
    content = meta.setdefault(
        "content", {"content_properties_type": "FeatureProperties", "content_properties": {}}
    )
    if "content" in table:
        if table["content"] not in _CONTENT:
            raise BindgenError(f"{key}.content: one of {', '.join(_CONTENT)}", where=where)
        if content.get("content_properties_type") != _CONTENT[table["content"]]:
            content["content_properties_type"] = _CONTENT[table["content"]]
            content["content_properties"] = {}
    props = content.setdefault("content_properties", {})
    for spec_key, meta_key in (
        ("color_space", "color_space"),
        ("box_type", "type"),
        ("coordinate_type", "coordinate_type"),
    ):
        if spec_key in table:
            props[meta_key] = _text(table[spec_key], f"{key}.{spec_key}", where)
    if "box_index" in table:
        order = table["box_index"]
        if not (isinstance(order, list) and sorted(order) == [0, 1, 2, 3]):
            # what the planner (and the Task Library) refuse: never write a model kotlin cannot read
            raise BindgenError(f"{key}.box_index: expected an order of 0, 1, 2, 3, e.g. [1, 0, 3, 2]", where=where)
        props["index"] = order
    for spec_key in ("sample_rate", "channels"):
        if spec_key in table:
            props[spec_key] = table[spec_key]
    if "range" in table:
        value = table["range"]
        if not (isinstance(value, list) and len(value) == 2):
            raise BindgenError(f"{key}.range: expected [min, max]", where=where)
        content["range"] = {"min": value[0], "max": value[1]}
    units: list[Json] = meta.setdefault("process_units", [])
    if "mean" in table or "std" in table:
        mean = _floats(table.get("mean", []), f"{key}.mean", where)
        std = _floats(table.get("std", []), f"{key}.std", where)
        if not mean or len(mean) != len(std) or any(s == 0 for s in std):
            raise BindgenError(f"{key}: mean and std need the same count and std must not be 0", where=where)
        if not tensor.dtype.is_float:
            print(
                f"bindgen: warning: {key}: normalization on {tensor.dtype.numpy_name} input "
                f"{tensor.name!r} is recorded for clients only",
                file=sys.stderr,
            )
        units[:] = [u for u in units if u.get("options_type") != "NormalizationOptions"]
        units.append(
            {"options_type": "NormalizationOptions", "options": {"mean": list(mean), "std": list(std)}}
        )
    if "score_threshold" in table:
        (threshold,) = _floats(table["score_threshold"], f"{key}.score_threshold", where)
        units.append(
            {"options_type": "ScoreThresholdingOptions", "options": {"global_score_threshold": threshold}}
        )
    associated: list[Json] = meta.setdefault("associated_files", [])
    for spec_key, file_type in (("labels", "TENSOR_AXIS_LABELS"), ("value_labels", "TENSOR_VALUE_LABELS")):
        if spec_key in table:
            labels = read_labels(spec.resolve(_text(table[spec_key], f"{key}.{spec_key}", where)))
            if file_type == "TENSOR_AXIS_LABELS" and tensor.shape and labels.count != tensor.shape[-1]:
                raise BindgenError(
                    f"{key}.labels: {labels.name} has {labels.count} labels but tensor "
                    f"{tensor.name!r} has {tensor.shape[-1]} classes",
                    where=where,
                )
            entry: Json = {"name": labels.name, "description": "Labels.", "type": file_type}
            if "labels_locale" in table:
                entry["locale"] = table["labels_locale"]
            associated.append(entry)
            files.append((labels.name, labels.data))
    if "score_calibration" in table:
        path = spec.resolve(_text(table["score_calibration"], f"{key}.score_calibration", where))
        transformation = str(table.get("score_transformation", "IDENTITY"))
        if transformation not in TRANSFORMATIONS:
            raise BindgenError(
                f"{key}.score_transformation: one of {', '.join(TRANSFORMATIONS)}", where=where
            )
        name = _basename(path)
        associated.append(
            {"name": name, "description": "Score calibration.", "type": "TENSOR_AXIS_SCORE_CALIBRATION"}
        )
        files.append((name, _read_file(path, "score calibration file")))
        options: Json = {"score_transformation": transformation}
        if "default_score" in table:
            options["default_score"] = _floats(table["default_score"], f"{key}.default_score", where)[0]
        units.append({"options_type": "ScoreCalibrationOptions", "options": options})
    if "stats_min" in table or "stats_max" in table:
        stats = meta.setdefault("stats", {})
        if "stats_min" in table:
            stats["min"] = list(_floats(table["stats_min"], f"{key}.stats_min", where))
        if "stats_max" in table:
            stats["max"] = list(_floats(table["stats_max"], f"{key}.stats_max", where))
    if not units:
        meta.pop("process_units")
    if not associated:
        meta.pop("associated_files")
    return files


def _text(value: object, key: str, where: Path) -> str:
    if not isinstance(value, str):
        raise BindgenError(f"{key}: expected a string", where=where)
    return value


def _deep_merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _deep_merge(base[key], value) if key in base else value
        return merged
    if (
        isinstance(base, list)
        and isinstance(override, list)
        and all(isinstance(x, dict) for x in base + override)
    ):
        return [
            _deep_merge(base[i], override[i])
            if i < len(base) and i < len(override)
            else (override + base)[i]
            if i < len(override)
            else base[i]
            for i in range(max(len(base), len(override)))
        ]
    return override


def _general(metadata: Json, request: AnnotateRequest) -> Json:
    for key in ("name", "description", "version", "author", "license"):
        value = getattr(request, key)
        if value is not None:
            metadata[key] = value
    return metadata


def _check_files(metadata: Json, files: list[tuple[str, bytes]], model: Model) -> None:
    names = [name for name, _ in files]
    for name in names:
        check_file_name(name, where=model.path)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BindgenError(
            f"two associated files would be named {duplicates[0]!r}; rename one", where=model.path
        )
    referenced: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "name" in node
                and "type" in node
                and node.get("type")
                in (
                    "DESCRIPTIONS",
                    "TENSOR_AXIS_LABELS",
                    "TENSOR_VALUE_LABELS",
                    "TENSOR_AXIS_SCORE_CALIBRATION",
                    "VOCABULARY",
                    "SCANN_INDEX_FILE",
                    "UNKNOWN",
                )
            ):
                referenced.append(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(metadata)
    missing = sorted(set(referenced) - set(names))
    if missing:
        raise BindgenError(
            f"the metadata names associated file {missing[0]!r} but no such file is packed "
            "(add it under [[file]] in the spec)",
            where=model.path,
        )


# ------------------------------------------------------------------------------- --init


def infer_kind(model: Model) -> Kind:
    inputs, outputs = model.main.inputs, model.main.outputs
    image = len(inputs) == 1 and image_layout(inputs[0]) is not None
    if image and len(outputs) == 1 and len(outputs[0].shape) == 2 and outputs[0].shape[0] == 1:
        return Kind.IMAGE_CLASSIFIER
    if image and len(outputs) == 4 and any(len(t.shape) == 3 and t.shape[-1] == 4 for t in outputs):
        return Kind.OBJECT_DETECTOR  # an SSD head: boxes [1, N, 4] and three partners
    if image and len(outputs) == 1 and len(outputs[0].shape) == 4:
        return Kind.IMAGE_SEGMENTER
    if len(inputs) == 3 and all(t.dtype is DType.INT32 for t in inputs):
        try:
            bert_roles(model)
            return Kind.BERT_CLASSIFIER
        except BindgenError:
            return Kind.GENERIC
    if len(inputs) == 1 and len(outputs) == 1 and len(inputs[0].shape) == 2:
        if inputs[0].dtype is DType.INT32:
            return Kind.TEXT_CLASSIFIER
        if inputs[0].dtype.is_float and inputs[0].shape[1] >= 1000:
            return Kind.AUDIO_CLASSIFIER
    return Kind.GENERIC


def init_spec(model_path: Path) -> str:
    """A spec inferred from the model's tensors, for the user to edit. Metadata the model already
    carries seeds the model's fields and the image normalization, and is shown per tensor in
    comments (not copied: a spec replaces all of it, and metadata out of tensor order, as in
    MediaPipe's hand_landmark models, must not be carried over)."""
    with ModelFile(model_path) as mf:
        model = describe(mf)
    kind = infer_kind(model)
    v = specfile.toml_value
    md: dict[str, Any] = model.metadata if isinstance(model.metadata, dict) else {}
    sub_md: dict[str, Any] = (md.get("subgraph_metadata") or [{}])[0]

    def field_line(key: str, default: str) -> str:
        value = md.get(key)
        return f"{key} = {v(str(value))}" if value else f"# {key} = {v(default)}"

    lines = [
        f"# bindgen annotation spec for {Path(model_path).name}",
        "# edit, then: bindgen annotate MODEL --spec THIS_FILE -o OUT.tflite",
    ]
    if md:
        lines.append("# the model carries metadata: its values are shown below; the spec replaces all of it")
    lines += [
        f"# inferred kind from the tensor shapes; one of: {', '.join(k.value for k in Kind)}",
        f"kind = {v(kind.value)}",
        f"name = {v(str(md.get('name') or Path(model_path).stem))}",
        field_line("description", ""),
        field_line("version", "1"),
        field_line("author", ""),
        field_line("license", ""),
    ]
    inputs_md: list[dict[str, Any]] = sub_md.get("input_tensor_metadata") or []
    outputs_md: list[dict[str, Any]] = sub_md.get("output_tensor_metadata") or []

    def normalization(i: int) -> list[str]:
        """mean/std lines for image input ``i``: the model's own NormalizationOptions, else a guess."""
        mean, std = ([127.5], [127.5]) if model.main.inputs[i].dtype.is_float else ([0.0], [1.0])
        for unit in (inputs_md[i] if i < len(inputs_md) else {}).get("process_units") or ():
            if unit.get("options_type") == "NormalizationOptions":
                mean = list((unit.get("options") or {}).get("mean") or mean)
                std = list((unit.get("options") or {}).get("std") or std)
        return [
            "# pixels are normalized as (x - mean) / std before the model sees them",
            f"mean = {v(mean)}",
            f"std = {v(std)}",
        ]

    if kind in (Kind.IMAGE_CLASSIFIER, Kind.OBJECT_DETECTOR, Kind.IMAGE_SEGMENTER):
        lines += [*normalization(0), '# labels = "labels.txt"   # one label per line']
    if kind in (Kind.TEXT_CLASSIFIER, Kind.BERT_CLASSIFIER):
        lines += ['# vocab = "vocab.txt"', '# labels = "labels.txt"']
    if kind is Kind.AUDIO_CLASSIFIER:
        lines += ["sample_rate = 16000", "channels = 1", '# labels = "labels.txt"']
    sections = (("input", model.main.inputs, inputs_md), ("output", model.main.outputs, outputs_md))
    for section, tensors, metas in sections:
        for i, t in enumerate(tensors):
            shape = [d for d in t.shape_signature]
            lines += ["", f"[[{section}]]", f"tensor = {v(t.name)}   # {t.dtype.numpy_name} {shape}"]
            meta = metas[i] if i < len(metas) else {}
            files = [str(f.get("name")) for f in meta.get("associated_files") or () if f.get("name")]
            if meta.get("name") or files:
                said = ", ".join(
                    [*([f"name {v(str(meta['name']))}"] if meta.get("name") else []), *(f"file {v(f)}" for f in files)]
                )
                lines.append(f"# the metadata at this position has {said}: check it describes this tensor")
            lines.append(f"# description = {v(str(meta.get('description') or ''))}")
            layout = image_layout(t) if section == "input" and kind is Kind.GENERIC else None
            if layout is not None:
                space = "GRAYSCALE" if layout[2] == 1 else "RGB"
                lines += ['content = "image"', f"color_space = {v(space)}", *normalization(i)]
    return "\n".join(lines) + "\n"
