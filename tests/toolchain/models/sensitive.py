"""Parity models whose outputs depend strongly and knownly on every input pixel.

The trained-free test models (``build.py``) give nearly the same scores whatever the image, so a
flipped, shifted or wrongly normalized input hardly moves them. These two are converter-built with
constructed weights instead, and output logits (no saturating softmax):

- ``sensitive_classifier``: ``logits = flatten((x - 127.5) / 127.5) @ W + b`` over a 32x32 RGB image,
  W drawn once from a fixed seed, so every pixel and channel has its own weight per class;
- ``sensitive_segmenter``: a per-pixel 1x1 channel mix plus a per-class bias, so the category of
  each pixel follows that pixel's colour (BGR, flips and shifts move or change the mask).

And, built the same way, ``shuffled_detector``: a post-processed SSD-style head (boxes [1,N,4],
classes [1,N], scores [1,N], count [1]) whose output *tensor indices* run count < classes <
scores < boxes, the opposite of the order the official writer assumes (as a plain-ops head may
come out of the converter).

Built by the real TFLite converter in a subprocess (TensorFlow stays out of pytest), cached under
``~/.cache/bindgen/models/sensitive-<key>`` keyed on this file and the TensorFlow version.

    python -m tests.toolchain.models.sensitive OUT_DIR
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

SIZE = 32
CLASSES = 8
SEGMENT_CLASSES = 4
NAMES = ("sensitive_classifier", "sensitive_segmenter", "shuffled_detector")
DETECTIONS = 10
DETECTOR_SIZE = 64
DETECTOR_CLASSES = 3


def _build(out_dir: Path) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(20261201)
    pixels = SIZE * SIZE * 3
    weights = tf.constant(rng.normal(0.0, 1.0 / np.sqrt(pixels), (pixels, CLASSES)).astype(np.float32))
    bias = tf.constant(rng.normal(0.0, 0.3, CLASSES).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, SIZE, SIZE, 3], tf.float32, name="image")])
    def classify(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"logits": tf.matmul(tf.reshape(image, [1, pixels]), weights) + bias}

    # Channel mixes far apart, biases on the scale of the mixed values: the argmax changes with the
    # colour of the pixel, with its channel order and with the normalization.
    mix = tf.constant(np.array([[1.5, -1.0, 0.2, -0.6], [-0.8, 1.4, 0.3, -0.7], [0.1, -0.5, 1.6, -0.9]],
                               np.float32).reshape(1, 1, 3, SEGMENT_CLASSES))
    seg_bias = tf.constant(np.array([0.1, -0.2, 0.15, 0.4], np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, SIZE, SIZE, 3], tf.float32, name="image")])
    def segment(image: tf.Tensor) -> dict[str, tf.Tensor]:
        logits = tf.nn.conv2d(image, mix, strides=1, padding="VALID") + seg_bias
        return {"segmentation_logits": logits}

    cells = (DETECTOR_SIZE // 16) ** 2 * 3
    box_weights = tf.constant(rng.normal(0.0, 2.0, (cells, DETECTIONS * 4)).astype(np.float32))
    score_weights = tf.constant(rng.normal(0.0, 2.0, (cells, DETECTIONS * DETECTOR_CLASSES)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, DETECTOR_SIZE, DETECTOR_SIZE, 3], tf.float32, name="image")])
    def detect(image: tf.Tensor) -> dict[str, tf.Tensor]:
        pooled = tf.reshape(tf.nn.avg_pool2d(image, 16, 16, "VALID"), [1, cells])
        probs = tf.nn.softmax(tf.reshape(tf.matmul(pooled, score_weights), [1, DETECTIONS, DETECTOR_CLASSES]))
        # The count comes first in op order, then classes, scores and boxes: tensor indices rise
        # count < classes < scores < boxes (each output depends on the previous one, by + 0 * x).
        # Classes before scores, as in the official order: the two [1, N] outputs cannot be told
        # apart by shape, only the count and the boxes can.
        count = tf.reduce_sum(tf.cast(tf.reduce_max(probs, axis=-1) >= 0.0, tf.float32), axis=1)
        classes = tf.cast(tf.argmax(probs, axis=-1), tf.float32) + 0.0 * count[:, None]
        scores = tf.reduce_max(probs, axis=-1) + 0.0 * classes
        geometry = tf.sigmoid(tf.reshape(tf.matmul(pooled, box_weights), [1, DETECTIONS, 4]))
        low = tf.clip_by_value(geometry[..., 0:2] - 0.05 - 0.2 * geometry[..., 2:4], 0.0, 1.0)
        high = tf.clip_by_value(geometry[..., 0:2] + 0.05 + 0.2 * geometry[..., 2:4], 0.0, 1.0)
        boxes = tf.concat([low, high], axis=-1) + 0.0 * scores[..., None]
        return {"a_count": count, "b_classes": classes, "c_scores": scores, "d_boxes": boxes}

    for name, fn in (("sensitive_classifier", classify), ("sensitive_segmenter", segment),
                     ("shuffled_detector", detect)):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
        (out_dir / f"{name}.tflite").write_bytes(converter.convert())


def _key() -> str:
    import importlib.metadata

    versions = []
    for dist in ("tensorflow-cpu", "tensorflow"):
        try:
            versions.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:24]


def model_path(name: str) -> Path:
    """The ``.tflite`` of ``name`` (one of NAMES), built on first use."""
    if name not in NAMES:
        raise KeyError(f"unknown sensitive model {name!r}; known: {', '.join(NAMES)}")
    root = Path(os.environ.get("BINDGEN_CACHE", Path.home() / ".cache" / "bindgen")) / "models"
    target = root / f"sensitive-{_key()}"
    if not (target / "COMPLETE").exists():
        root.mkdir(parents=True, exist_ok=True)
        with open(root / f"sensitive-{_key()}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (target / "COMPLETE").exists():
                target.mkdir(exist_ok=True)
                repo = Path(__file__).resolve().parents[3]
                result = subprocess.run(
                    [sys.executable, "-m", "tests.toolchain.models.sensitive", str(target)],
                    cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
                    capture_output=True, text=True, check=False,
                )
                if result.returncode != 0:
                    raise RuntimeError(f"building the sensitive models failed:\n{result.stderr[-4000:]}")
                (target / "COMPLETE").write_text("ok\n")
    return target / f"{name}.tflite"


if __name__ == "__main__":
    _build(Path(sys.argv[1]))
