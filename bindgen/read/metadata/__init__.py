"""TFLite metadata (schema 1.5, file identifier ``M001``): schema, codec, and task builders."""
