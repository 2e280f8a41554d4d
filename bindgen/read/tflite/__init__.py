"""Reading ``.tflite`` files: bounds-checked flatbuffer access and the frozen model description."""
