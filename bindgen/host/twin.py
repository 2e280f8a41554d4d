"""The host twin: runs a model on this machine with exactly the processing plan the Kotlin wrapper
uses (``bindgen.decide.plan``), so ``bindgen run`` shows what the app will compute.

numpy, Pillow and ai-edge-litert are imported only inside :func:`run_model` (the ``run`` extra);
nothing else in bindgen needs them.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bindgen.decide.plan import (
    BindingPlan,
    BoxCoordinates,
    BoxType,
    Calibration,
    Cast,
    ColorSpace,
    Dequantize,
    DetectionGroup,
    InputPlan,
    InputRole,
    Normalize,
    OutputPlan,
    OutputRole,
    Quantize,
    Resize,
    ScoreTransformation,
    build_plan,
)
from bindgen.errors import EXIT_FAILED, BindgenError
from bindgen.read.tflite.model import DType
from bindgen.read.tflite.reader import read_model

__all__ = ["calibrate", "dequantized", "image_values", "preprocessed_inputs", "run_model", "run_raw"]


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy as np
        from ai_edge_litert.interpreter import Interpreter
        from PIL import Image
    except ImportError as error:
        raise BindgenError(
            f"bindgen run needs {error.name}", hint="pip install 'bindgen[run]'", exit_code=EXIT_FAILED
        ) from None
    return np, Interpreter, Image


def _cast(np: Any, values: Any, dtype: DType) -> Any:
    """Like BindgenSupport.fromFloats: integers are rounded half up and clamped to the type's range."""
    if dtype.is_integer:
        limits = np.iinfo(dtype.numpy_name)
        return np.clip(np.floor(values.astype(np.float64) + 0.5), limits.min, limits.max).astype(dtype.numpy_name)
    if dtype is DType.BOOL:
        return values != 0
    return values.astype(dtype.numpy_name)


def _image_input(np: Any, image_module: Any, plan: InputPlan, path: str) -> Any:
    try:
        with image_module.open(path) as image:
            mode = "L" if plan.color_space is ColorSpace.GRAYSCALE else "RGB"
            image = image.convert(mode)
            values: Any = None
            for step in plan.steps:
                if isinstance(step, Resize):
                    if image.size != (step.width, step.height):
                        image = image.resize((step.width, step.height), image_module.BILINEAR)
                    values = np.asarray(image, dtype=np.float32).reshape(step.height, step.width, -1)
                elif isinstance(step, Normalize):
                    values = (values - np.asarray(step.mean, np.float32)) / np.asarray(step.std, np.float32)
                elif isinstance(step, Quantize):
                    values = values / np.float32(step.scale) + np.float32(step.zero_point)
                elif isinstance(step, Cast):
                    values = _cast(np, values, step.dtype)
    except OSError as error:
        raise BindgenError(f"cannot read image: {error}", where=path) from None
    return values.reshape(plan.tensor.shape)


def _tensor_input(np: Any, plan: InputPlan, path: str) -> Any:
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise BindgenError(f"cannot read .npy: {error}", where=path) from None
    tensor = plan.tensor
    if values.size != math.prod(tensor.shape):
        raise BindgenError(
            f"input {plan.name!r} needs {list(tensor.shape)} values, the file has shape {list(values.shape)}",
            where=path,
        )
    q = tensor.quantization
    if values.dtype.kind == "f" and tensor.dtype.is_integer and q is not None and q.scale:
        values = values / q.scale[0] + (q.zero_point[0] if q.zero_point else 0)
    return _cast(np, values, tensor.dtype).reshape(tensor.shape)


def _audio_input(np: Any, plan: InputPlan, path: str) -> Any:
    """A 16-bit PCM WAV file's first ``samples`` values as floats in [-1, 1) (``s / 32768``),
    what the Task Library's ``TensorAudio.create_from_wav_file`` loads."""
    import wave

    audio = plan.audio
    assert audio is not None
    try:
        with wave.open(path, "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.readframes(audio.samples // audio.channels)
    except (OSError, EOFError, wave.Error) as error:
        raise BindgenError(f"cannot read WAV: {error}", where=path) from None
    if width != 2:
        raise BindgenError(f"needs 16-bit PCM, the file has {8 * width}-bit samples", where=path)
    if (rate, channels) != (audio.sample_rate, audio.channels):
        raise BindgenError(
            f"input {plan.name!r} needs {audio.sample_rate} Hz, {audio.channels} channel(s); "
            f"the file has {rate} Hz, {channels}",
            where=path,
        )
    values = np.frombuffer(frames, dtype="<i2").astype(np.float32) / np.float32(32768)
    if values.size < audio.samples:
        raise BindgenError(f"input {plan.name!r} needs {audio.samples} samples, the file has {values.size}", where=path)
    return values.reshape(plan.tensor.shape)


def _text_inputs(np: Any, plan: BindingPlan, model_path: str, text: str) -> dict[int, Any]:
    """Token ids for every input of a text model, by input position."""
    from bindgen.host.text import encode
    from bindgen.read.tflite.reader import read_associated_file

    assert plan.text is not None
    vocabulary = read_associated_file(model_path, plan.text.vocab_file).decode("utf-8", errors="replace")
    tokens = encode(text, plan.text, vocabulary)
    values = {plan.text.ids: tokens.ids}
    if plan.text.mask is not None:
        values[plan.text.mask] = tokens.mask
    if plan.text.segment_ids is not None:
        values[plan.text.segment_ids] = tokens.segment_ids
    return {i: np.asarray(v, dtype=np.int32).reshape(plan.inputs[i].tensor.shape) for i, v in values.items()}


#: The Task Library's floor for the log of a score (``kLogScoreMinimum`` in score_calibration.cc).
LOG_SCORE_MINIMUM = 1e-16


def clamped_log(x: float, threshold: float = LOG_SCORE_MINIMUM) -> float:
    """The Task Library's ``ClampedLog``: ``log(x)`` above ``threshold``, below it the mirror image
    ``2 log(t) - log(2t - x)``, so a score <= 0 still gives a finite, order-preserving value."""
    t = float(_f32(threshold))
    if x < t:
        return 2.0 * math.log(t) - math.log(2.0 * t - x)
    return math.log(x)


def _f32(value: float) -> float:
    """``value`` as the float32 the wrapper (and the Task Library) holds: thresholds compare there."""
    (single,) = struct.unpack("f", struct.pack("f", value))
    return float(single)


def calibrate(calibration: Calibration, index: int, score: float) -> float:
    """The Task Library's score calibration of class ``index`` (BindgenSupport.Calibration).

    Clamped logs (LOG, INVERSE_LOGISTIC) keep a score <= 0 or >= 1 finite, so no class is
    silently dropped by a NaN. The result is never negative (a negative scale gives 0); it never
    exceeds ``scale`` either, by arithmetic: ``scale`` is divided by ``1 + exp(-x) >= 1``, or
    multiplied by ``exp(x) / (1 + exp(x)) < 1``.
    """
    sigmoid = calibration.sigmoids[index] if 0 <= index < len(calibration.sigmoids) else None
    if sigmoid is None:
        return calibration.default_score
    if sigmoid.min_uncalibrated_score is not None and score < sigmoid.min_uncalibrated_score:
        return calibration.default_score
    if calibration.transformation is ScoreTransformation.LOG:
        transformed = clamped_log(score)
    elif calibration.transformation is ScoreTransformation.INVERSE_LOGISTIC:
        transformed = clamped_log(score) - clamped_log(1.0 - score)
    else:
        transformed = score
    x = transformed * sigmoid.slope + sigmoid.offset
    if x >= 0:
        value = sigmoid.scale / (1 + math.exp(-x))
    else:
        e = math.exp(x)
        value = sigmoid.scale * e / (1 + e)
    return max(value, 0.0)


def _floats(np: Any, raw: Any, deq: Dequantize | None) -> Any:
    values = raw.astype(np.float32)
    if deq is not None:
        values = np.float32(deq.scale) * (values - np.float32(deq.zero_point))
    return values


def _classification(np: Any, plan: OutputPlan, values: Any, top_k: int | None) -> list[dict[str, Any]]:
    labels = plan.labels.labels if plan.labels else ()
    threshold = None if plan.score_threshold is None else _f32(plan.score_threshold)
    result: list[dict[str, Any]] = []
    for i, score in enumerate(values.ravel().tolist()):
        if plan.calibration is not None:
            score = calibrate(plan.calibration, i, score)
        if threshold is not None and score < threshold:
            continue
        result.append({"label": labels[i] if i < len(labels) else "", "index": i, "score": float(score)})
    result.sort(key=lambda c: -float(c["score"]))
    return result[:top_k] if top_k else result


def _detections(
    np: Any,
    group: DetectionGroup,
    floats: dict[int, Any],
    top_k: int | None,
    to_caller: tuple[float, float] = (1.0, 1.0),
) -> list[dict[str, Any]]:
    """Boxes in the caller's image pixels: RATIO values times the image size, PIXEL values (model
    input pixels) scaled back through the resize; ``to_caller`` is that (x, y) factor."""
    locations = floats[group.locations].ravel()
    classes = floats[group.classes].ravel()
    scores = floats[group.scores].ravel()
    count = int(floats[group.count].ravel()[0]) if floats[group.count].size else 0
    n = min(count, scores.size, classes.size, locations.size // 4)
    labels = group.labels.labels if group.labels else ()
    threshold = None if group.score_threshold is None else _f32(group.score_threshold)
    result = []
    for i in range(n):
        v = [float(locations[4 * i + k]) for k in group.box.index]
        if group.box.type is BoxType.BOUNDARIES:
            box = v
        elif group.box.type is BoxType.UPPER_LEFT:
            box = [v[0], v[1], v[0] + v[2], v[1] + v[3]]
        else:
            box = [v[0] - v[2] / 2, v[1] - v[3] / 2, v[0] + v[2] / 2, v[1] + v[3] / 2]
        index = int(classes[i])
        score = float(scores[i])
        if group.calibration is not None:
            score = calibrate(group.calibration, index, score)
        if threshold is not None and not score > threshold:
            continue  # object_detector.cc keeps a detection only when score > threshold
        left, top, right, bottom = box
        x, y = to_caller
        result.append({
            "label": labels[index] if 0 <= index < len(labels) else "",
            "index": index,
            "score": score,
            "box": {"left": left * x, "top": top * y, "right": right * x, "bottom": bottom * y},
        })  # fmt: skip
    return result[:top_k] if top_k else result


def _read_text_file(path: str) -> str:
    if not Path(path).is_file():
        raise BindgenError("no such file", where=path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BindgenError(f"cannot read text: {error}", where=path) from None


def _cannot_run(error: Exception, model_path: str) -> BindgenError:
    """LiteRT's multi-line failure (unresolved custom op, a kernel that fails) as one line."""
    reason = " ".join(str(error).split())
    return BindgenError(f"the interpreter cannot run this model: {reason}", where=model_path, exit_code=EXIT_FAILED)


def _text_or_files(plan: BindingPlan, inputs: Sequence[str], text: str | None) -> tuple[Sequence[str], str | None]:
    """Check what was given against the plan: files, one per input, or a text for a text model."""
    if text is not None and plan.text is None:
        raise BindgenError("--text needs a model whose metadata has a BERT or regex tokenizer")
    if plan.text is not None and text is None and len(inputs) == 1 and inputs[0].lower().endswith(".txt"):
        return [], _read_text_file(inputs[0])
    if text is not None and inputs:
        raise BindgenError("give either --text or input files, not both")
    if text is None and len(inputs) != len(plan.inputs):
        names = ", ".join(repr(i.name) for i in plan.inputs)
        hint = '; a text model also takes --text "…" or one .txt file' if plan.text is not None else ""
        raise BindgenError(f"the model has {len(plan.inputs)} input(s) ({names}); {len(inputs)} given{hint}")
    for path in inputs:
        if not Path(path).is_file():
            raise BindgenError("no such file", where=path)
    return inputs, text


def _fed_inputs(
    np: Any, image_module: Any, plan: BindingPlan, model_path: str, inputs: Sequence[str], text: str | None
) -> dict[int, Any]:
    """Every input tensor as the interpreter gets it, by input position: the one preprocessing of
    ``bindgen run`` and of the values the generated device test compares with."""
    if text is not None:
        return _text_inputs(np, plan, model_path, text)
    fed: dict[int, Any] = {}
    for position, (plan_in, path) in enumerate(zip(plan.inputs, inputs, strict=True)):
        if plan_in.role is InputRole.IMAGE:
            fed[position] = _image_input(np, image_module, plan_in, path)
        elif plan_in.audio is not None and path.lower().endswith(".wav"):
            fed[position] = _audio_input(np, plan_in, path)
        else:
            fed[position] = _tensor_input(np, plan_in, path)
    return fed


def run_raw(
    plan: BindingPlan, model_path: str, inputs: Sequence[str], text: str | None = None
) -> dict[int, Any]:
    """The interpreter's raw output tensors (by output position) on ``inputs``, preprocessed by ``plan``.

    A text model takes ``text`` (or one ``.txt`` file, read whole as UTF-8) instead of one file
    per input; an audio input takes a 16-bit PCM ``.wav`` (or a ``.npy``).
    """
    np, interpreter_class, image_module = _imports()
    inputs, text = _text_or_files(plan, inputs, text)
    try:
        interpreter = interpreter_class(model_path=model_path, num_threads=1)
        interpreter.allocate_tensors()
    except (RuntimeError, ValueError) as error:  # e.g. a custom op this interpreter has no kernel for
        raise _cannot_run(error, model_path) from None
    for position, value in _fed_inputs(np, image_module, plan, model_path, inputs, text).items():
        interpreter.set_tensor(plan.inputs[position].tensor.index, value)
    try:
        interpreter.invoke()
    except RuntimeError as error:
        raise _cannot_run(error, model_path) from None
    return {o.index: interpreter.get_tensor(o.tensor.index) for o in plan.outputs}


def dequantized(plan: OutputPlan, raw: Any) -> Any:
    """``raw`` as float32, dequantized when the tensor is quantized (the wrapper's ``…Floats``)."""
    np, _, _ = _imports()
    return _floats(np, raw, plan.dequantize)


def image_values(plan: OutputPlan, floats: Any) -> Any:
    """An image output as pixels: the output's normalization undone (``x * std + mean``), clamped to
    [0, 255], shaped ``(height, width, channels)`` (BindgenSupport.image)."""
    np, _, _ = _imports()
    height, width, channels = plan.tensor.shape[-3:]
    values = floats.reshape(height, width, channels)
    if plan.normalization is not None:
        std = np.asarray(plan.normalization.std, np.float32)
        mean = np.asarray(plan.normalization.mean, np.float32)
        values = values * std + mean
    return np.clip(values, np.float32(0), np.float32(255)).astype(np.float32)


def _box_scale(plan: BindingPlan, group: Any, inputs: Sequence[str]) -> tuple[float, float]:
    """How detection boxes map back to the caller's picture (the first image input's file):
    RATIO boxes are fractions of the image, PIXEL boxes model-input pixels scaled back through the resize."""
    _, _, image_module = _imports()
    for plan_in, path in zip(plan.inputs, inputs, strict=False):
        if plan_in.role is InputRole.IMAGE and plan_in.width and plan_in.height:
            with image_module.open(path) as image:
                width, height = image.size
            pixel = group.box.coordinates is BoxCoordinates.PIXEL
            return (width / (plan_in.width if pixel else 1), height / (plan_in.height if pixel else 1))
    return (1.0, 1.0)


def run_plan(
    plan: BindingPlan, model_path: str, inputs: Sequence[str], top_k: int | None, text: str | None = None
) -> dict[str, Any]:
    """Execute ``plan`` on the host; returns ``{"outputs": {name: value}}`` (JSON-ready)."""
    np, _, _ = _imports()
    raw = run_raw(plan, model_path, inputs, text)
    floats = {o.index: _floats(np, raw[o.index], o.dequantize) for o in plan.outputs}
    outputs: dict[str, Any] = {}
    for o in plan.outputs:
        values = floats[o.index]
        if o.role is OutputRole.CLASSIFICATION:
            outputs[o.name] = _classification(np, o, values, top_k)
        elif o.role is OutputRole.SEGMENTATION:
            mask = values.reshape(values.shape[-3:]).argmax(axis=-1)
            outputs[o.name] = {
                "height": int(mask.shape[0]), "width": int(mask.shape[1]),
                "category_mask": mask.tolist(), "labels": list(o.labels.labels if o.labels else ()),
            }  # fmt: skip
        elif o.role is OutputRole.CONFIDENCE_MASK:
            outputs[o.name] = values.reshape(values.shape[-3:-1]).tolist()
        elif o.role is OutputRole.IMAGE:
            outputs[o.name] = image_values(o, values).tolist()
        elif o.role is not OutputRole.DETECTION:
            outputs[o.name] = values.tolist()
    for group in plan.detection_groups:
        outputs[group.name] = _detections(np, group, floats, top_k, _box_scale(plan, group, inputs))
    return {"outputs": outputs}


def run_model(
    model_path: str | Path, inputs: Sequence[str], top_k: int | None = None, text: str | None = None
) -> dict[str, Any]:
    """Read ``model_path``, build its plan and run it on ``inputs`` (image files, ``.wav`` for
    audio inputs, ``.npy``, or one ``.txt`` for text models) or on ``text``."""
    model = read_model(model_path)
    return run_plan(build_plan(model), str(model_path), inputs, top_k, text)


def preprocessed_inputs(
    model_path: str | Path, inputs: Sequence[str], text: str | None = None
) -> list[list[float]]:
    """The input tensors exactly as :func:`run_plan` feeds them to the interpreter, flattened.

    The generated device test compares the wrapper's own preprocessing of the sample with these,
    which catches a wrong normalization or channel order even where the outputs are saturated.
    A text model takes ``text``: its token ids, mask and segment ids, by input position.
    """
    np, _, image_module = _imports()
    plan = build_plan(read_model(model_path))
    inputs, text = _text_or_files(plan, inputs, text)
    fed = _fed_inputs(np, image_module, plan, str(model_path), inputs, text)
    return [[float(x) for x in np.asarray(fed[i], dtype=np.float64).ravel()] for i in range(len(plan.inputs))]
