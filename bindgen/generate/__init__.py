"""Stage 3, generate: Kotlin wrappers (``kotlin/``), Android projects (``android/``) and the one
template environment (``templating``). Imports only from ``read`` and ``decide``."""
