"""Generating the Android Studio sample project (``bindgen android-project``)."""
