"""``build``, ``test``, ``doctor``: drive Gradle, a headless emulator, and check the machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bindgen.cli.app import command
from bindgen.errors import EXIT_BAD_INPUT, EXIT_FAILED, BindgenError


@command("build", help="Build an Android project with Gradle (its gradlew, else gradle on PATH).")
def build_cmd(
    project_dir: Annotated[Path, typer.Argument(help="The Gradle project folder.")],
    task: Annotated[
        list[str] | None, typer.Option("--task", "-t", help="Gradle task (repeatable; default assembleDebug)")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Pass --offline to Gradle.")] = False,
    log: Annotated[
        Path | None, typer.Option("--log", help="Full build log (default DIR/build/bindgen/gradle.log).")
    ] = None,
) -> None:
    from bindgen.device import gradle

    with gradle.Display() as display:
        result = gradle.run(project_dir, task or [], display=display, offline=offline, log_file=log)
    gradle.summarize(result, display)


@command("test", help="Run the app's instrumented tests on a headless emulator (or a connected device).")
def test_cmd(
    project_dir: Annotated[Path, typer.Argument(help="The Android project folder.")],
    avd: Annotated[str | None, typer.Option("--avd", help="AVD to boot (default: the only one).")] = None,
    create_avd: Annotated[
        bool, typer.Option("--create-avd", help="Create the AVD (default name bindgen-apiN) from --api N.")
    ] = False,
    api: Annotated[int | None, typer.Option("--api", help="System image API level for --create-avd.")] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="Serial of a connected device; no emulator is started.")
    ] = None,
    boot_timeout: Annotated[
        float, typer.Option("--boot-timeout", help="Seconds to wait for the emulator to boot.", min=1)
    ] = 600.0,
    offline: Annotated[bool, typer.Option("--offline", help="Pass --offline to Gradle.")] = False,
) -> None:
    from bindgen.device import emulator, gradle

    if create_avd != (api is not None):
        raise BindgenError("--create-avd and --api N go together", exit_code=EXIT_BAD_INPUT)
    if device is not None and (avd is not None or create_avd):
        raise BindgenError("--device uses a connected device; it excludes --avd and --create-avd")
    request = emulator.TestRequest(
        project_dir=project_dir,
        avd=avd,
        create_api=api,
        device=device,
        boot_timeout_s=boot_timeout,
        offline=offline,
    )
    with gradle.Display() as display:
        emulator.run_tests(request, display)
    display.line("bindgen: TESTS OK")


@command("doctor", help="Check the JDK, Android SDK, emulator, AVDs, KVM and Gradle; print the fixes.")
def doctor_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from bindgen.device import doctor

    checks = doctor.run_checks()
    if as_json:
        typer.echo(json.dumps(doctor.as_json(checks), indent=2, ensure_ascii=False))
    else:
        for line in doctor.render(checks):
            typer.echo(line)
    if not doctor.all_ok(checks):
        failed = [c.name for c in checks if c.required and not c.ok]
        raise BindgenError(
            f"{len(failed)} check(s) failed: {', '.join(failed)}",
            hint="run the fix commands above",
            exit_code=EXIT_FAILED,
        )
