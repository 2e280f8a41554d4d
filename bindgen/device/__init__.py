"""Stage 4b, act on the device toolchain: every subprocess (``proc``), the Android SDK (``sdk``),
Gradle (``gradle``), the emulator (``emulator``) and ``doctor``. Imports no other stage."""
