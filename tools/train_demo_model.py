# mypy: disable-error-code="untyped-decorator,misc"
# (TensorFlow ships no type hints: its decorators and base classes are untyped.)
"""Train bindgen's embedded demo model: a small CNN that names the shape in a 64x64 picture.

Deterministic (fixed seeds, TensorFlow op determinism, one CPU thread) and self-contained: the
pictures are drawn here, so no data set is downloaded. Writes, with the real TFLite converter::

    bindgen/demo/shapes.tflite   float model, no metadata
    bindgen/demo/labels.txt      one class name per line, in output order
    bindgen/demo/sample.png      a held-out picture the model classifies correctly

The model expects pixels normalised as (x - 127.5) / 127.5. The normalisation is done in the data
pipeline, not inside the model, so the metadata that ``bindgen annotate`` writes (mean 127.5,
std 127.5) is what actually makes the model work.

Usage: python tools/train_demo_model.py [--out bindgen/demo] [--epochs N]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_DETERMINISTIC_OPS"] = "1"
os.environ["PYTHONHASHSEED"] = "0"

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64
LABELS = ("circle", "square", "triangle", "star", "cross")
MEAN = 127.5
STD = 127.5
SEED = 20260521


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if kind == "square":
        corners = [(angle + math.pi / 4 + k * math.pi / 2, r) for k in range(4)]
    elif kind == "triangle":
        corners = [(angle + k * 2 * math.pi / 3, r) for k in range(3)]
    elif kind == "star":
        corners = [(angle + k * math.pi / 5, r if k % 2 == 0 else r * 0.42) for k in range(10)]
    else:  # cross: a plus sign with arms a third of its width
        w = r / 3
        outline = [(w, r), (w, w), (r, w), (r, -w), (w, -w), (w, -r), (-w, -r), (-w, -w),
                   (-r, -w), (-r, w), (-w, w), (-w, r)]
        cos, sin = math.cos(angle), math.sin(angle)
        return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in outline]
    return [(cx + rad * math.cos(a), cy + rad * math.sin(a)) for a, rad in corners]


def _colour_pair(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Background and foreground colours far enough apart that the shape is visible."""
    while True:
        bg = rng.integers(0, 256, size=3)
        fg = rng.integers(0, 256, size=3)
        if np.abs(bg.astype(int) - fg.astype(int)).sum() > 160:
            return tuple(int(c) for c in bg), tuple(int(c) for c in fg)


def draw(label: int, rng: np.random.Generator) -> np.ndarray:
    """One RGB uint8 picture of ``LABELS[label]``, random colours, size, place, angle, noise."""
    bg, fg = _colour_pair(rng)
    image = Image.new("RGB", (SIZE, SIZE), bg)
    pen = ImageDraw.Draw(image)
    r = float(rng.uniform(9, 24))
    cx, cy = (float(rng.uniform(r + 1, SIZE - r - 1)) for _ in range(2))
    kind = LABELS[label]
    if kind == "circle":
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fg)
    else:
        pen.polygon(_polygon(kind, cx, cy, r, float(rng.uniform(0, 2 * math.pi))), fill=fg)
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0.0, rng.uniform(0.0, 18.0), size=pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def dataset(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(LABELS)
    rng.shuffle(labels)
    images = np.stack([draw(int(label), rng) for label in labels])
    return images, labels.astype(np.int32)


def normalise(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) - MEAN) / STD


def build_model(tf: Any) -> Any:
    layers = tf.keras.layers
    inputs = tf.keras.Input((SIZE, SIZE, 3), name="image")
    x = inputs
    for width in (16, 32, 64):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(len(LABELS), activation="softmax", name="probability")(x)
    return tf.keras.Model(inputs, outputs, name="shapes")


def convert(tf: Any, model: Any) -> bytes:
    @tf.function(input_signature=[tf.TensorSpec([1, SIZE, SIZE, 3], tf.float32, name="image")])
    def serve(image: Any) -> Any:
        return {"probability": model(image)}

    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], model)
    converter.experimental_lower_to_saved_model = False  # freeze weights into constants
    data: bytes = converter.convert()
    return data


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "bindgen" / "demo")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--train", type=int, default=6000)
    parser.add_argument("--test", type=int, default=1000)
    args = parser.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    train_x, train_y = dataset(args.train, SEED)
    test_x, test_y = dataset(args.test, SEED + 1)
    model = build_model(tf)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(normalise(train_x), train_y, batch_size=64, epochs=args.epochs, shuffle=True, verbose=2)
    _, keras_accuracy = model.evaluate(normalise(test_x), test_y, verbose=0)

    data = convert(tf, model)
    interpreter = tf.lite.Interpreter(model_content=data)
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()

    def predict(image: np.ndarray) -> np.ndarray:
        interpreter.set_tensor(inp["index"], normalise(image[None]))
        interpreter.invoke()
        result: np.ndarray = interpreter.get_tensor(out["index"])[0]
        return result

    predictions = np.array([int(np.argmax(predict(image))) for image in test_x])
    tflite_accuracy = float((predictions == test_y).mean())
    print(f"held-out accuracy: keras {keras_accuracy:.4f}, tflite {tflite_accuracy:.4f} "
          f"({args.test} images)")

    # The sample: the first held-out star the converted model gets right, confidently.
    wanted = LABELS.index("star")
    sample = next(
        i for i in range(len(test_y))
        if test_y[i] == wanted and predictions[i] == wanted and predict(test_x[i])[wanted] > 0.9
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "shapes.tflite").write_bytes(data)
    (args.out / "labels.txt").write_text("".join(f"{label}\n" for label in LABELS), encoding="utf-8")
    Image.fromarray(test_x[sample]).save(args.out / "sample.png", optimize=True)
    print(f"wrote {args.out}/shapes.tflite ({len(data)} bytes), labels.txt, sample.png "
          f"(held-out #{sample}, {LABELS[wanted]}, p={predict(test_x[sample])[wanted]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
