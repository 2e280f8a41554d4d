"""``bindgen build`` without ``gradlew`` or ``gradle``: advice that works for the project's Gradle."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bindgen.cli import app


def test_the_hint_names_the_gradle_the_project_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "settings.gradle.kts").write_text("", encoding="utf-8")
    properties = tmp_path / "gradle/wrapper/gradle-wrapper.properties"
    properties.parent.mkdir(parents=True)
    properties.write_text(
        "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.11.1-all.zip\n", encoding="utf-8"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = CliRunner().invoke(app, ["build", str(tmp_path)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "in an EMPTY folder run `gradle wrapper --gradle-version 8.11.1`" in line, line
    assert "copy its gradlew, gradlew.bat and gradle/wrapper/gradle-wrapper.jar into the project" in line, line
