"""Stage 1, read and describe a model: the ``.tflite`` format (``tflite/``), its metadata schema
(``metadata/``) and ``inspect``. Imports nothing from the later stages."""
