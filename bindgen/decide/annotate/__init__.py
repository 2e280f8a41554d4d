"""``bindgen annotate``: decide the metadata (kinds, spec), validate it, write it.

options / spec file --kinds/spec--> displayer-shaped metadata + associated files
                    --codec.encode--> M001 flatbuffer --tflite.writer--> annotated model
"""
