"""bindgen: from a TensorFlow Lite model to a working Android app.

Architecture (one direction, no cycles):

    .tflite bytes --tflite.reader--> tflite.model.Model (frozen description, knows no Kotlin)
                  --plan-----------> plan.BindingPlan   (pre/post-processing decided once)
                  --renderers------> kotlin/, android/ (files), host/ (Python twin), inspect JSON

Commands in ``bindgen.cli`` are thin: they parse options and call one module function.
Every expected failure is a ``bindgen.errors.BindgenError``.
"""

__version__ = "0.1.0"
