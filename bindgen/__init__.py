"""bindgen: from a TensorFlow Lite model to a working Android app.

One folder per stage; imports point only from a later stage to an earlier one (no cycles):

    read/      .tflite bytes --read.tflite.reader--> Model (frozen description, knows no Kotlin)
    decide/    --decide.plan--> BindingPlan (pre/post-processing decided once); annotate/
    generate/  --renderers--> kotlin/, android/ (files)
    host/      the Python twin, latency, convert      device/  subprocesses, SDK, Gradle, emulator

Commands in ``bindgen.cli`` are thin: they parse options and call one module function.
Every expected failure is a ``bindgen.errors.BindgenError``.
"""

__version__ = "0.1.0"
