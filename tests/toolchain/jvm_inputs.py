"""Run the generated wrappers' text and audio overloads on the JVM; compare them with the twin and
the official Task Library.

Reuses the JVM tier's building blocks (``tests.toolchain.jvm``: jars, rendering, APK assets,
kotlinc + javac, Robolectric) with its own driver, ``tests/toolchain/java/.../InputsDriver.java``:

* text (the token probes of ``tests.toolchain.models.probes`` and the annotated regex / BERT
  classifiers): for every string of ``probes.TEXTS``, ``tokenize(text)`` must equal the host
  tokenizer (``bindgen.host.text``) and, on the probes, the ids the Task Library fed the model;
  ``process(text)`` must equal ``bindgen run --text`` (same labels in the same order, scores
  within ``jvm.ATOL``) and, on the probes, the Task Library's values;
* audio (the annotated audio classifier): ``process(FloatArray)`` and ``process(TensorAudio)`` on
  one clip must equal ``bindgen run clip.wav`` and the Task Library's ``AudioClassifier``, and a
  clip one sample short must be refused with an ``IllegalArgumentException``.

Prints ``jvm-inputs: N models, M texts, max |diff| X`` and exits 0, or names every mismatch and
exits 1. Usage: python -m tests.toolchain.jvm_inputs [--work DIR]
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.toolchain.jvm import (
    ATOL,
    JAVA_OPTS,
    LIB_DIR,
    HarnessError,
    assets_apk,
    compile_all,
    fetch_jars,
    render_wrappers,
)

TEXT_MODELS = {"regex_probe": "nl_classifier", "regex_probe_nostart": "nl_classifier",
               "bert_probe": "bert_nl_classifier",
               "nl_classifier": "nl_classifier", "bert_classifier": "bert_nl_classifier"}  # fmt: skip
AUDIO_MODELS = ("audio_classifier",)


def models() -> dict[str, Path]:
    from tests.toolchain.fixtures import annotated_model
    from tests.toolchain.models.probes import probe_model

    found = {name: probe_model(name) for name in ("regex_probe", "regex_probe_nostart", "bert_probe")}
    found.update({name: annotated_model(name) for name in ("nl_classifier", "bert_classifier", *AUDIO_MODELS)})
    return found


def clip(path: Path, samples: int, rate: int) -> list[float]:
    """A deterministic 16-bit mono WAV; returns its samples as the Task Library reads them."""
    values = [int(12000 * math.sin(i * 0.05) + 3000 * math.sin(i * 0.9)) for i in range(samples)]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(v.to_bytes(2, "little", signed=True) for v in values))
    return [v / 32768 for v in values]


def _close(path: str, jvm: float, host: float, diffs: list[float], problems: list[str]) -> None:
    diff = abs(jvm - host)
    diffs.append(diff)
    if not diff <= ATOL:
        problems.append(f"{path}: jvm {jvm} != {host} (|diff| {diff:.3g})")


def _categories(path: str, jvm: list[dict[str, Any]], host: list[dict[str, Any]], diffs: list[float],
                problems: list[str]) -> None:  # fmt: skip
    if [c["label"] for c in jvm] != [c["label"] for c in host]:
        problems.append(f"{path}: labels {[c['label'] for c in jvm]} != {[c['label'] for c in host]}")
        return
    for a, b in zip(jvm, host, strict=True):
        _close(f"{path}[{a['label']}]", float(a["score"]), float(b["score"]), diffs, problems)


def run_driver(classpath: str, cases: list[tuple[str, Path, str, Path, Path]], work: Path) -> None:
    table = work / "inputs.tsv"
    table.write_text("".join("\t".join(map(str, case)) + "\n" for case in cases))
    lib = LIB_DIR / "lib"
    done = subprocess.run(
        ["java", *JAVA_OPTS, f"-Dbindgen.jvm.inputs={table}", "-Drobolectric.offline=true",
         f"-Drobolectric.dependency.dir={lib}", "-cp", classpath, "org.junit.runner.JUnitCore",
         "dev.bindgen.jvmtest.InputsDriver"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    (work / "inputs-driver.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).splitlines()
        keep = [ln for ln in lines if "Exception" in ln or "Error" in ln or ln.startswith(("\tat dev.", "Caused"))]
        raise HarnessError(f"JVM inputs driver failed (log: {work / 'inputs-driver.log'}):\n" + "\n".join(keep[:30]))


def run_suite(work: Path) -> tuple[int, int, list[float], list[str]]:
    """Generate, compile and run; returns (models, texts, every |diff|, every mismatch)."""
    from bindgen.decide.plan import build_plan
    from bindgen.host.text import encode
    from bindgen.host.twin import run_model
    from bindgen.read.tflite.reader import read_associated_file, read_model
    from tests.toolchain import oracle
    from tests.toolchain.models.probes import TEXTS

    jars = fetch_jars()
    found = models()
    wrappers = render_wrappers(found, work / "src")
    apk = assets_apk(found, work)
    classpath = compile_all(work / "src", work / "classes", jars)
    texts_file = work / "texts.b64"
    texts_file.write_text("".join(base64.b64encode(t.encode("utf-8")).decode() + "\n" for t in TEXTS))
    cases: list[tuple[str, Path, str, Path, Path]] = []
    wavs: dict[str, Path] = {}
    for name, path in found.items():
        out = work / f"{name}.inputs.json"
        if name in TEXT_MODELS:
            cases.append((wrappers[name].class_name, apk, "text", texts_file, out))
        else:
            (audio,) = [i.audio for i in build_plan(read_model(path)).inputs]
            assert audio is not None
            wavs[name] = work / f"{name}.wav"
            samples = clip(wavs[name], audio.samples, audio.sample_rate)
            raw = work / f"{name}.f32"


            raw.write_bytes(struct.pack(f"<{len(samples)}f", *samples))
            cases.append((wrappers[name].class_name, apk, "audio", raw, out))
    run_driver(classpath, cases, work)

    diffs: list[float] = []
    problems: list[str] = []
    for name, path in found.items():
        jvm = json.loads((work / f"{name}.inputs.json").read_text())
        if name in TEXT_MODELS:
            plan = build_plan(read_model(path))
            assert plan.text is not None
            vocabulary = read_associated_file(path, plan.text.vocab_file).decode("utf-8")
            official = oracle.task_library_texts(TEXT_MODELS[name], path, list(TEXTS))
            for text, got, theirs in zip(TEXTS, jvm, official, strict=True):
                where = f"{name}[{text[:20]!r}]"
                ours = encode(text, plan.text, vocabulary)
                host_tokens = {"ids": list(ours.ids), "mask": list(ours.mask), "segmentIds": list(ours.segment_ids)}
                if got["tokens"] != host_tokens:
                    problems.append(f"{where}: tokens {got['tokens']} != host {host_tokens}")
                host = run_model(path, [], text=text)["outputs"]
                (output,) = host
                _categories(f"{where}.{output}", got["outputs"][output], host[output], diffs, problems)
                scores = {c["category_name"]: c["score"] for c in theirs["classifications"][0]["categories"]}
                for category in got["outputs"][output]:
                    _close(f"{where}.task_library[{category['label']}]", float(category["score"]),
                           float(scores[category["label"]]), diffs, problems)  # fmt: skip
        else:
            host = run_model(path, [str(wavs[name])])["outputs"]
            (output,) = host
            official = oracle.task_library("audio_classifier", path, wavs[name])
            theirs = [
                {"label": c["category_name"], "score": c["score"]} for c in official["classifications"][0]["categories"]
            ]
            for overload in ("samples", "tensor_audio"):
                _categories(f"{name}.{overload}", jvm[overload][output], host[output], diffs, problems)
                _categories(f"{name}.{overload}.task_library", jvm[overload][output], theirs, diffs, problems)
            if not jvm["short_clip"].startswith("IllegalArgumentException"):
                problems.append(f"{name}: a short clip was not refused ({jvm['short_clip']!r})")
    return len(found), len(TEXTS), diffs, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bindgen-jvm-inputs-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        count, texts, diffs, problems = run_suite(work)
    except HarnessError as error:
        print(f"jvm-inputs: error: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(f"jvm-inputs: mismatch: {problem}", file=sys.stderr)
    print(f"jvm-inputs: {count} models, {texts} texts, max |diff| {max(diffs, default=0.0):.3g}"
          + (f", {len(problems)} mismatches (tolerance {ATOL})" if problems else ""))  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
