# mypy: disable-error-code="untyped-decorator,misc"
# (TensorFlow ships no type hints: its decorators and base classes are untyped.)
"""Build the real test models with the real TFLite converter.

Run in a separate process (TensorFlow must never be imported into pytest's process)::

    python -m tests.toolchain.models.build OUT_DIR [name ...]

Every model is unannotated (no TFLITE_METADATA) and gets a sidecar ``<name>.json`` that records
what the converter actually produced (read back with the TFLite interpreter), so tests compare
bindgen's reader against TensorFlow's own view of the file. Weights come from fixed seeds; the
same TensorFlow version produces the same models.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np
import tensorflow as tf

from tests.toolchain.models import LARGE_WIDTH

SEED = 1234
TEXT_LEN = 32
BERT_LEN = 24
AUDIO_SAMPLES = 15600
DETECTIONS = 10

TEXT_WORDS = [
    "the", "a", "an", "is", "was", "good", "great", "bad", "awful", "movie", "film", "plot",
    "actor", "fun", "boring", "love", "hate", "best", "worst", "and", "but", "not", "very",
    "really", "story", "ending", "music", "funny", "sad",
]
BERT_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TEXT_WORDS, "##s", "##ed", "##ing", "##ly"]


def _seed() -> None:
    # clear_session resets Keras' layer-name counters, which end up in tensor names: a model
    # must come out byte-identical whether it is built alone or after the others.
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(SEED)


def _convert(converter: tf.lite.TFLiteConverter) -> bytes:
    data: bytes = converter.convert()
    return data


def _from_function(fn: Any, trackable: Any) -> tf.lite.TFLiteConverter:
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], trackable)
    # Freeze variables into constants: the saved-model lowering would keep them as resource
    # variables (VAR_HANDLE/READ_VARIABLE ops), which is not what real deployed models look like.
    converter.experimental_lower_to_saved_model = False
    return converter


def _cnn(inputs: Any, widths: tuple[int, ...]) -> Any:
    x = inputs
    for width in widths:
        x = tf.keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(x)
    return x


def _classifier_model(size: int = 96, classes: int = 5) -> tf.keras.Model:
    _seed()
    image = tf.keras.Input((size, size, 3), name="image")
    x = _cnn(image, (8, 16, 32))
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    probs = tf.keras.layers.Dense(classes, activation="softmax")(x)
    return tf.keras.Model(image, probs)


def _classifier_converter(batch: int | None = 1) -> tuple[tf.lite.TFLiteConverter, Any]:
    model = _classifier_model()

    @tf.function(input_signature=[tf.TensorSpec([batch, 96, 96, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        return {"probabilities": model(image)}

    return _from_function(serve, model), model


def _representative(shape: tuple[int, ...]) -> Callable[[], Iterator[list[Any]]]:
    def gen() -> Iterator[list[Any]]:
        rng = np.random.default_rng(SEED)
        for _ in range(32):
            yield [rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)]

    return gen


def _quantized(io_type: Any) -> bytes:
    converter, _ = _classifier_converter()
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = _representative((1, 96, 96, 3))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io_type is not None:
        converter.inference_input_type = io_type
        converter.inference_output_type = io_type
    return _convert(converter)


def build_float_classifier() -> tuple[bytes, dict[str, Any]]:
    converter, _ = _classifier_converter()
    return _convert(converter), {"kind": "image_classifier", "labels": 5}


def build_conv_head_classifier() -> tuple[bytes, dict[str, Any]]:
    """The float classifier with its scores as [1, 1, 1, 5], as old MobileNet exports (a 1x1 conv
    head) give them: the Task Library's ImageClassifier reads that shape as classes."""
    model = _classifier_model()

    @tf.function(input_signature=[tf.TensorSpec([1, 96, 96, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        return {"probabilities": tf.reshape(model(image), [1, 1, 1, 5])}

    return _convert(_from_function(serve, model)), {"kind": "image_classifier", "labels": 5}


def build_uint8_classifier() -> tuple[bytes, dict[str, Any]]:
    return _quantized(tf.uint8), {"kind": "image_classifier", "labels": 5}


def build_int8_classifier() -> tuple[bytes, dict[str, Any]]:
    return _quantized(None), {"kind": "image_classifier", "labels": 5}


def build_int8_io_classifier() -> tuple[bytes, dict[str, Any]]:
    return _quantized(tf.int8), {"kind": "image_classifier", "labels": 5}


def build_float16_classifier() -> tuple[bytes, dict[str, Any]]:
    converter, _ = _classifier_converter()
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    return _convert(converter), {"kind": "image_classifier", "labels": 5}


def build_dynamic_batch() -> tuple[bytes, dict[str, Any]]:
    converter, _ = _classifier_converter(batch=None)
    return _convert(converter), {"kind": "image_classifier", "labels": 5}


def build_multi_io() -> tuple[bytes, dict[str, Any]]:
    _seed()
    image = tf.keras.Input((64, 64, 3), name="image")
    features = tf.keras.Input((8,), name="features")
    x = tf.keras.layers.GlobalAveragePooling2D()(_cnn(image, (8, 16)))
    x = tf.keras.layers.Concatenate()([x, tf.keras.layers.Dense(8, activation="relu")(features)])
    probs = tf.keras.layers.Dense(4, activation="softmax")(x)
    value = tf.keras.layers.Dense(1)(x)
    model = tf.keras.Model([image, features], [probs, value])

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, 64, 64, 3], tf.float32, name="image"),
            tf.TensorSpec([1, 8], tf.float32, name="features"),
        ]
    )
    def serve(image: Any, features: Any) -> Any:
        probs, value = model([image, features])
        return {"class_probs": probs, "value": value}

    return _convert(_from_function(serve, model)), {"kind": "multi_io", "labels": 4}


class _TwoSignatures(tf.Module):
    # No method may be called ``serve``: from_saved_model takes a module with ``serve`` for a
    # Keras ``model.export`` artifact and silently keeps only ``serving_default``.
    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(SEED)
        self.w = tf.Variable(rng.standard_normal((16, 4)).astype(np.float32), name="w")
        self.e = tf.Variable(rng.standard_normal((16, 8)).astype(np.float32), name="e")

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32, name="x")])
    def classify(self, x: Any) -> Any:
        return {"scores": tf.nn.softmax(tf.matmul(x, self.w))}

    @tf.function(input_signature=[tf.TensorSpec([1, 16], tf.float32, name="text_features")])
    def encode(self, text_features: Any) -> Any:
        return {"embedding": tf.math.l2_normalize(tf.matmul(text_features, self.e), axis=-1)}


def build_signature_model() -> tuple[bytes, dict[str, Any]]:
    module = _TwoSignatures()
    with tempfile.TemporaryDirectory() as tmp:
        tf.saved_model.save(
            module, tmp, signatures={"serving_default": module.classify, "encode": module.encode}
        )
        converter = tf.lite.TFLiteConverter.from_saved_model(
            tmp, signature_keys=["serving_default", "encode"]
        )
        return _convert(converter), {"kind": "signatures", "labels": 4}


def build_detector() -> tuple[bytes, dict[str, Any]]:
    """Post-processed SSD layout: boxes [1,N,4], classes [1,N], scores [1,N], count [1]."""
    _seed()
    classes = 3
    image = tf.keras.Input((128, 128, 3), name="image")
    x = _cnn(image, (8, 16, 16, 16, 16))  # 4x4 grid
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    raw_boxes = tf.keras.layers.Dense(DETECTIONS * 4)(x)
    raw_scores = tf.keras.layers.Dense(DETECTIONS * classes)(x)
    model = tf.keras.Model(image, [raw_boxes, raw_scores])

    @tf.function(input_signature=[tf.TensorSpec([1, 128, 128, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        raw_boxes, raw_scores = model(image)
        geometry = tf.sigmoid(tf.reshape(raw_boxes, [1, DETECTIONS, 4]))
        centre = geometry[..., 0:2]
        half = 0.05 + 0.2 * geometry[..., 2:4]
        low = tf.clip_by_value(centre - half, 0.0, 1.0)
        high = tf.clip_by_value(centre + half, 0.0, 1.0)
        boxes = tf.concat([low, high], axis=-1)  # ymin, xmin, ymax, xmax
        probs = tf.nn.softmax(tf.reshape(raw_scores, [1, DETECTIONS, classes]), axis=-1)
        scores = tf.reduce_max(probs, axis=-1)
        labels = tf.cast(tf.argmax(probs, axis=-1), tf.float32)
        order = tf.argsort(scores, axis=-1, direction="DESCENDING")
        # The official writer (and so MediaPipe) assumes the four output *tensor indices* rise
        # in the order boxes < classes < scores < count, as TFLITE_DETECTION_POST_PROCESS makes
        # them. The converter numbers tensors in op order, so chain the outputs to force it.
        out_boxes = tf.gather(boxes, order, batch_dims=1)
        out_classes = tf.gather(labels, order, batch_dims=1) + 0.0 * out_boxes[..., 0]
        out_scores = tf.gather(scores, order, batch_dims=1) + 0.0 * out_classes
        count = tf.reduce_sum(tf.cast(out_scores >= 0.0, tf.float32), axis=1)
        # Keys sort into the output order MediaPipe and the Task Library expect.
        return {
            "detection_boxes": out_boxes,
            "detection_classes": out_classes,
            "detection_scores": out_scores,
            "num_detections": count,
        }

    return _convert(_from_function(serve, model)), {"kind": "object_detector", "labels": classes}


def build_segmenter() -> tuple[bytes, dict[str, Any]]:
    _seed()
    classes = 4
    image = tf.keras.Input((64, 64, 3), name="image")
    x = tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu")(image)
    x = tf.keras.layers.Conv2D(classes, 1, padding="same", activation="softmax")(x)
    model = tf.keras.Model(image, x)

    @tf.function(input_signature=[tf.TensorSpec([1, 64, 64, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        return {"segmentation_masks": model(image)}

    return _convert(_from_function(serve, model)), {"kind": "image_segmenter", "labels": classes}


def build_text_classifier() -> tuple[bytes, dict[str, Any], dict[str, str]]:
    _seed()
    vocab_size = 3 + len(TEXT_WORDS)
    ids = tf.keras.Input((TEXT_LEN,), dtype="int32", name="input_text")
    x = tf.keras.layers.Embedding(vocab_size, 16)(ids)
    x = tf.keras.layers.GlobalAveragePooling1D()(x)
    probs = tf.keras.layers.Dense(2, activation="softmax")(x)
    model = tf.keras.Model(ids, probs)

    @tf.function(input_signature=[tf.TensorSpec([1, TEXT_LEN], tf.int32, name="input_text")])
    def serve(input_text: Any) -> Any:
        return {"probability": model(input_text)}

    vocab = "".join(
        f"{word} {i}\n"
        for i, word in enumerate(["<PAD>", "<START>", "<UNKNOWN>", *TEXT_WORDS])
    )
    meta = {"kind": "text_classifier", "labels": 2, "max_seq_len": TEXT_LEN, "vocab": "vocab.txt"}
    return _convert(_from_function(serve, model)), meta, {"vocab.txt": vocab}


def build_bert_classifier() -> tuple[bytes, dict[str, Any], dict[str, str]]:
    _seed()
    vocab_size = len(BERT_WORDS)
    ids = tf.keras.Input((BERT_LEN,), dtype="int32", name="input_word_ids")
    mask = tf.keras.Input((BERT_LEN,), dtype="int32", name="input_mask")
    types = tf.keras.Input((BERT_LEN,), dtype="int32", name="input_type_ids")
    token = tf.keras.layers.Embedding(vocab_size, 16)(ids)
    segment = tf.keras.layers.Embedding(2, 16)(types)
    model = tf.keras.Model([ids, mask, types], [token, segment])
    head = tf.keras.layers.Dense(2, activation="softmax")
    head.build((None, 16))

    spec = [
        tf.TensorSpec([1, BERT_LEN], tf.int32, name=name)
        for name in ("input_word_ids", "input_mask", "input_type_ids")
    ]

    @tf.function(input_signature=spec)
    def serve(input_word_ids: Any, input_mask: Any, input_type_ids: Any) -> Any:
        token, segment = model([input_word_ids, input_mask, input_type_ids])
        weight = tf.cast(input_mask, tf.float32)[..., None]
        pooled = tf.reduce_sum((token + segment) * weight, axis=1) / (
            tf.reduce_sum(weight, axis=1) + 1e-6
        )
        return {"probability": head(pooled)}

    trackable = tf.Module()
    trackable.model, trackable.head = model, head
    vocab = "".join(f"{word}\n" for word in BERT_WORDS)
    meta = {"kind": "bert_classifier", "labels": 2, "max_seq_len": BERT_LEN, "vocab": "vocab.txt"}
    return _convert(_from_function(serve, trackable)), meta, {"vocab.txt": vocab}


def build_audio_classifier() -> tuple[bytes, dict[str, Any]]:
    _seed()
    classes = 3
    wave = tf.keras.Input((AUDIO_SAMPLES,), name="waveform")
    x = tf.keras.layers.Reshape((AUDIO_SAMPLES // 16, 16))(wave)
    x = tf.keras.layers.Dense(8, activation="relu")(x)
    x = tf.keras.layers.GlobalAveragePooling1D()(x)
    probs = tf.keras.layers.Dense(classes, activation="softmax")(x)
    model = tf.keras.Model(wave, probs)

    @tf.function(input_signature=[tf.TensorSpec([1, AUDIO_SAMPLES], tf.float32, name="waveform")])
    def serve(waveform: Any) -> Any:
        return {"scores": model(waveform)}

    meta = {"kind": "audio_classifier", "labels": classes, "sample_rate": 16000, "channels": 1}
    return _convert(_from_function(serve, model)), meta


def build_image_to_image() -> tuple[bytes, dict[str, Any]]:
    _seed()
    image = tf.keras.Input((64, 64, 3), name="image")
    x = tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu")(image)
    x = tf.keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(x)
    model = tf.keras.Model(image, x)

    @tf.function(input_signature=[tf.TensorSpec([1, 64, 64, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        return {"styled_image": model(image)}

    return _convert(_from_function(serve, model)), {"kind": "image_to_image", "labels": 0}


_DTYPE_CASES: dict[str, Any] = {
    "int16": tf.int16,
    "int32": tf.int32,
    "int64": tf.int64,
    "bool": tf.bool,
    "float16": tf.float16,
}


def _dtype_op(name: str, x: Any) -> Any:
    """A small op per dtype, computed through a wider type where TFLite kernels need one."""
    if name == "bool":
        return tf.logical_not(x)
    if name == "float16":
        return tf.cast(tf.cast(x, tf.float32) * 2.0, tf.float16)
    if name == "int16":
        return tf.cast(tf.cast(x, tf.int32) + 1, tf.int16)
    return x + tf.ones_like(x)


def _dtype_module(names: list[str]) -> tuple[Any, Any]:
    spec = [tf.TensorSpec([1, 4], _DTYPE_CASES[n], name=f"in_{n}") for n in names]

    @tf.function(input_signature=spec)
    def serve(*args: Any) -> Any:
        return {f"out_{n}": _dtype_op(n, x) for n, x in zip(names, args, strict=True)}

    return serve, tf.Module()


def build_dtypes() -> tuple[bytes, dict[str, Any]]:
    """One model whose I/O covers every dtype the converter accepts; the rest are recorded."""
    accepted: list[str] = []
    refused: dict[str, str] = {}
    for name in _DTYPE_CASES:
        serve, module = _dtype_module([name])
        try:
            _convert(_from_function(serve, module))
        except Exception as exc:  # the converter raises several exception types
            refused[name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
        else:
            accepted.append(name)
    serve, module = _dtype_module(accepted)
    meta = {"kind": "dtypes", "labels": 0, "accepted": accepted, "refused": refused}
    return _convert(_from_function(serve, module)), meta


LARGE_IMAGE_SHAPE = (1, 32, 64, 1)  # 32 * 64 = LARGE_WIDTH: an image input, so image-classifier fits


def build_large(out_path: Path | str, megabytes: int) -> Path:
    """A float image classifier of about ``megabytes`` MB (benches).

    ``[1, 32, 64, 1]`` image -> reshape -> a chain of 2048x2048 dense layers (16 MB each) ->
    ``[1, 2048]`` softmax scores: big enough to measure, shaped so ``--kind image-classifier``
    and the official image-classifier writer both accept it.
    """
    width = LARGE_WIDTH
    layer_mb = width * width * 4 / 2**20
    layers = max(1, round(megabytes / layer_mb))
    module = tf.Module()
    rng = np.random.default_rng(SEED)
    scale = np.float32(1.0 / np.sqrt(width))
    module.weights = [
        tf.Variable(rng.standard_normal((width, width), dtype=np.float32) * scale, name=f"w{i}")
        for i in range(layers)
    ]

    @tf.function(input_signature=[tf.TensorSpec(LARGE_IMAGE_SHAPE, tf.float32, name="image")])
    def serve(image: Any) -> Any:
        x = tf.reshape(image, [1, width])
        for w in module.weights:
            x = tf.tanh(tf.matmul(x, w))
        return {"scores": tf.nn.softmax(x)}

    data = _convert(_from_function(serve, module))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


BUILDERS: dict[str, Callable[[], tuple[Any, ...]]] = {
    "float_classifier": build_float_classifier,
    "conv_head_classifier": build_conv_head_classifier,
    "uint8_classifier": build_uint8_classifier,
    "int8_classifier": build_int8_classifier,
    "int8_io_classifier": build_int8_io_classifier,
    "float16_classifier": build_float16_classifier,
    "multi_io": build_multi_io,
    "dynamic_batch": build_dynamic_batch,
    "signature_model": build_signature_model,
    "detector": build_detector,
    "segmenter": build_segmenter,
    "text_classifier": build_text_classifier,
    "bert_classifier": build_bert_classifier,
    "audio_classifier": build_audio_classifier,
    "image_to_image": build_image_to_image,
    "dtypes": build_dtypes,
}


def _tensor_json(detail: dict[str, Any]) -> dict[str, Any]:
    scales, zero_points = detail["quantization"]
    return {
        "name": detail["name"],
        "index": int(detail["index"]),
        "dtype": np.dtype(detail["dtype"]).name,
        "shape": [int(d) for d in detail["shape"]],
        "shape_signature": [int(d) for d in detail["shape_signature"]],
        "quantization": {"scale": float(scales), "zero_point": int(zero_points)},
    }


def describe(data: bytes) -> dict[str, Any]:
    """TensorFlow's own interpreter view of a model, for the sidecar."""
    interpreter = tf.lite.Interpreter(model_content=data)
    signatures = {
        key: {"inputs": sorted(sig["inputs"]), "outputs": sorted(sig["outputs"])}
        for key, sig in interpreter.get_signature_list().items()
    }
    return {
        "inputs": [_tensor_json(d) for d in interpreter.get_input_details()],
        "outputs": [_tensor_json(d) for d in interpreter.get_output_details()],
        "signatures": signatures,
    }


def build(out_dir: Path, names: list[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        result = BUILDERS[name]()
        data, meta = result[0], result[1]
        files: dict[str, str] = result[2] if len(result) > 2 else {}
        sidecar: dict[str, Any] = {"name": name, **meta, **describe(data)}
        sidecar["tensorflow"] = tf.__version__
        sidecar["bytes"] = len(data)
        for suffix, text in files.items():
            (out_dir / f"{name}.{suffix}").write_text(text, encoding="utf-8")
            sidecar["vocab"] = f"{name}.{suffix}"
        (out_dir / f"{name}.tflite").write_bytes(data)
        (out_dir / f"{name}.json").write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
        print(f"built {name}: {len(data)} bytes", file=sys.stderr)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.toolchain.models.build OUT_DIR [name ...]", file=sys.stderr)
        return 2
    names = argv[1:] or list(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        print(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(BUILDERS)}", file=sys.stderr)
        return 2
    build(Path(argv[0]), names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
