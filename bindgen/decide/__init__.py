"""Stage 2, decide: what metadata a model should carry (``annotate/``) and the processing plan a
model's metadata implies (``plan``). Imports only from ``read``."""
