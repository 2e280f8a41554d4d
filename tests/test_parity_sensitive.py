"""Parity that can see a preprocessing bug.

The twin (``bindgen run``) against the Task Library and MediaPipe on models whose outputs depend
strongly on every pixel (``tests.toolchain.models.sensitive``: constructed weights, logits), at a
tolerance near float32 rounding. Then each preprocessing mistake a wrapper could make is applied to
the twin — through the real twin code, with its plan or its picture changed — and must break
parity on every parity model.

Not among the mutations: nearest instead of bilinear resize. Parity pictures are at the model's
input size (no resize), because the official clients do not resize like Pillow, nor like each
other: on a 48x48 picture for this 32x32 classifier the twin, the Task Library and MediaPipe differ
by 0.04-0.11 in the logits, so a resize mutation has no parity to break (see the README).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageChops

from bindgen.decide.plan import BindingPlan, Normalize
from bindgen.host import twin
from tests.test_run import _mediapipe
from tests.toolchain.models import sensitive
from tests.toolchain.oracle import official_write, task_library

pytestmark = pytest.mark.slow
TOL = 1e-5  # float32 rounding between three TFLite builds (measured: <= 6e-6)
LABELS = {"sensitive_classifier": sensitive.CLASSES, "sensitive_segmenter": sensitive.SEGMENT_CLASSES}
WRITER = {"sensitive_classifier": "image_classifier", "sensitive_segmenter": "image_segmenter"}


def _picture(path: Path, size: int = sensitive.SIZE, seed: int = 11) -> Path:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([x * 255 / size, y * 255 / size, (x + y) * 127 / size], axis=-1)
    pixels = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("sensitive")
    annotated = {}
    for name, count in LABELS.items():
        labels = work / f"{name}.txt"
        labels.write_text("".join(f"class {i}\n" for i in range(count)), encoding="utf-8")
        annotated[name] = work / f"{name}.tflite"
        official_write(WRITER[name], sensitive.model_path(name), annotated[name],
                       mean=[127.5], std=[127.5], label_files=[str(labels)])
    return annotated


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _picture(tmp_path_factory.mktemp("picture") / "picture.png")


@pytest.fixture(scope="module")
def official(models: dict[str, Path], picture: Path) -> dict[str, dict[str, Any]]:
    """What the Task Library and MediaPipe return for the picture, per model (computed once)."""
    cls = models["sensitive_classifier"]
    seg = models["sensitive_segmenter"]
    categories = task_library("image_classifier", cls, picture, score_threshold=-1e9)
    return {
        "sensitive_classifier": {
            "task library": {c["index"]: c["score"] for c in categories["classifications"][0]["categories"]},
            "mediapipe": {c["index"]: c["score"] for c in _mediapipe("classifier", cls, picture)},
        },
        "sensitive_segmenter": {
            "task library": task_library("image_segmenter", seg, picture)["mask"],
            "mediapipe": _mediapipe("segmenter", seg, picture),
        },
    }


def _twin(model: Path, picture: Path) -> Any:
    outputs = twin.run_model(model, [str(picture)])["outputs"]
    (value,) = outputs.values()
    if isinstance(value, list):  # classification: index -> score
        return {c["index"]: c["score"] for c in value}
    return value["category_mask"]


def _mismatches(name: str, ours: Any, official: dict[str, dict[str, Any]]) -> list[str]:
    """Which official client the twin's result disagrees with (empty = parity)."""
    found = []
    for client, theirs in official[name].items():
        if isinstance(theirs, dict):
            worst = max(abs(ours[i] - theirs[i]) for i in range(LABELS[name])) if len(theirs) == len(ours) else 1.0
            if not worst <= TOL:
                found.append(f"{client} (max |diff| {worst:.2e})")
        elif ours != theirs:
            differ = int((np.asarray(ours) != np.asarray(theirs)).sum())
            found.append(f"{client} ({differ} pixels differ)")
    return found


@pytest.mark.parametrize("name", list(LABELS))
def test_twin_matches_both_official_clients(name: str, models: dict[str, Path], picture: Path,
                                            official: dict[str, dict[str, Any]]) -> None:
    ours = _twin(models[name], picture)
    assert _mismatches(name, ours, official) == []
    if name == "sensitive_classifier":  # the logits spread: a real, input-driven ranking
        assert max(ours.values()) - min(ours.values()) > 0.5
    else:
        assert len(set(np.asarray(ours).reshape(-1).tolist())) == sensitive.SEGMENT_CLASSES


def _plan_mutation(change: Callable[[Normalize], Normalize | None]) -> Callable[[BindingPlan], BindingPlan]:
    def mutate(plan: BindingPlan) -> BindingPlan:
        inputs = []
        for plan_in in plan.inputs:
            steps = []
            for step in plan_in.steps:
                new = change(step) if isinstance(step, Normalize) else step
                if new is not None:
                    steps.append(new)
            inputs.append(dataclasses.replace(plan_in, steps=tuple(steps)))
        return dataclasses.replace(plan, inputs=tuple(inputs))

    return mutate


PLAN_MUTATIONS: dict[str, Callable[[BindingPlan], BindingPlan]] = {
    "no normalization": _plan_mutation(lambda step: None),
    "mean only": _plan_mutation(lambda step: Normalize(step.mean, (1.0,) * len(step.std))),
    "x/255": _plan_mutation(lambda step: Normalize((0.0,), (255.0,))),
}
PICTURE_MUTATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "BGR": lambda image: Image.merge("RGB", image.convert("RGB").split()[::-1]),
    "horizontal flip": lambda image: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "transpose": lambda image: image.transpose(Image.Transpose.TRANSPOSE),
    "one-pixel shift": lambda image: ImageChops.offset(image, 1, 0),
}


@pytest.mark.parametrize("mutation", [*PLAN_MUTATIONS, *PICTURE_MUTATIONS])
def test_each_preprocessing_mistake_breaks_parity_on_every_model(
    mutation: str, models: dict[str, Path], picture: Path, official: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if mutation in PLAN_MUTATIONS:
        build_plan = twin.build_plan
        monkeypatch.setattr(twin, "build_plan", lambda model: PLAN_MUTATIONS[mutation](build_plan(model)))
    else:
        np_module, interpreter, _ = twin._imports()
        transform = PICTURE_MUTATIONS[mutation]

        class MutatedImage:  # PIL.Image as the twin uses it, opening the picture with the mistake
            BILINEAR = Image.BILINEAR

            @staticmethod
            def open(path: str) -> Image.Image:
                with Image.open(path) as image:
                    return transform(image.convert("RGB"))

        monkeypatch.setattr(twin, "_imports", lambda: (np_module, interpreter, MutatedImage))
    unbroken = [name for name in LABELS
                if len(_mismatches(name, _twin(models[name], picture), official)) < len(official[name])]
    assert unbroken == [], f"{mutation}: parity still holds with some official client on {unbroken}"
