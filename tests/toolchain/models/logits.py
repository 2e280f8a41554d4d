# mypy: disable-error-code="untyped-decorator,misc"
"""A real converter-built image classifier whose scores are raw logits, not probabilities.

Score calibration meets its edges on such a model: a LOG transformation gets scores <= 0 and
INVERSE_LOGISTIC scores >= 1, where a plain ``ln`` gives NaN. The five outputs are the image's
channel means (after the metadata's normalization, so about 0 for noise) times fixed weights plus
the biases in :data:`BIASES`: about -1.5, 1.5, 0, -0.2 and 0.5.

Run in a separate process (TensorFlow never enters pytest's)::

    python -m tests.toolchain.models.logits OUT.tflite
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SIZE = 32
BIASES = (-1.5, 1.5, 0.0, -0.2, 0.5)


def build(out: Path) -> Path:
    import numpy as np
    import tensorflow as tf

    weights = tf.constant(np.full((3, len(BIASES)), 0.1, np.float32))
    biases = tf.constant(np.asarray(BIASES, np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, SIZE, SIZE, 3], tf.float32, name="image")])
    def logits(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"logits": tf.matmul(tf.reduce_mean(image, axis=[1, 2]), weights) + biases}

    data: bytes = tf.lite.TFLiteConverter.from_concrete_functions([logits.get_concrete_function()]).convert()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


if __name__ == "__main__":
    build(Path(sys.argv[1]))
