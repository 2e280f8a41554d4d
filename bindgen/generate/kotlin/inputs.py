"""Typed text and audio inputs of the Kotlin wrapper, decided from the plan's TextInput/AudioFormat.

A text model (BERT or regex tokenizer metadata) gets ``process(text: String)`` and
``tokenize(text)``; a model whose one input has ``AudioProperties`` gets ``process(samples:
FloatArray)``, ``process(audio: TensorAudio)``, ``createInputTensorAudio()`` and
``createAudioRecord()``, as the Task Library's ``AudioClassifier`` offers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bindgen.decide.plan import BindingPlan, TextInput, Tokenizer
from bindgen.generate.kotlin.names import KotlinName, NameAllocator, kdoc_lines, kotlin_string_literal

__all__ = ["INPUT_MEMBERS", "AudioBinding", "TextBinding", "audio_binding", "input_imports", "text_binding"]

#: Members the text and audio overloads add to the class; model names never take them.
INPUT_MEMBERS = ("tokenize", "createInputTensorAudio", "createAudioRecord", "requiredInputBufferSize")


@dataclass(frozen=True)
class TextBinding:
    tokenizer_field: KotlinName  # private property holding the BindgenText tokenizer
    tokenizer_type: str  # "BindgenText.BertTokenizer" / "BindgenText.RegexTokenizer"
    tokenizer_init: str  # how newInstance builds it (reads the vocabulary from the model)
    arguments: tuple[str, ...]  # per input, in input order: "tokens.ids", "tokens.mask", …
    kdoc: tuple[str, ...]


@dataclass(frozen=True)
class AudioBinding:
    sample_rate: int
    channels: int
    samples: int  # values per call (frames × channels)
    channel_mask: str  # AudioFormat.CHANNEL_IN_MONO / _STEREO, "" when neither fits
    kdoc: tuple[str, ...]


def text_binding(plan: BindingPlan, fields: NameAllocator) -> TextBinding | None:
    text: TextInput | None = plan.text
    if text is None:
        return None
    field = fields.new_name("tokenizer", ("tokenizer", 0))
    vocab = kotlin_string_literal(text.vocab_file)
    lines = f"BindgenText.vocabularyLines(extractor, {vocab})"
    roles = {text.ids: "tokens.ids"}
    if text.tokenizer is Tokenizer.BERT:
        kind = "BertTokenizer"
        arguments: tuple[str, ...] = (lines, str(text.max_length))
        assert text.mask is not None and text.segment_ids is not None
        roles[text.mask] = "tokens.mask"
        roles[text.segment_ids] = "tokens.segmentIds"
        what = (
            f"as the Task Library's BertNLClassifier does: WordPiece with `{text.vocab_file}`, "
            f"[CLS] … [SEP] in {text.max_length} tokens (ids, mask, segment ids)."
        )
    else:
        kind = "RegexTokenizer"
        arguments = (lines, kotlin_string_literal(text.pattern), str(text.max_length))
        what = (
            f"as the Task Library's NLClassifier does: split on the regex `{text.pattern}`, ids from "
            f"`{text.vocab_file}`, {text.max_length} tokens (<START>, <UNKNOWN>, <PAD>)."
        )
    # Laid out for its place in newInstance: an argument inside `try { return Wrapper(…) }`.
    inner = "".join(f"\n                        {a}," for a in arguments)
    return TextBinding(
        tokenizer_field=field,
        tokenizer_type=f"BindgenText.{kind}",
        tokenizer_init=f"BindgenText.{kind}({inner}\n                    )",
        arguments=tuple(roles[i] for i in range(len(plan.inputs))),
        kdoc=tuple(kdoc_lines(f"Tokenizes [text] {what}")),
    )


def audio_binding(plan: BindingPlan) -> AudioBinding | None:
    if len(plan.inputs) != 1 or plan.inputs[0].audio is None:
        return None
    audio = plan.inputs[0].audio
    mask = {1: "AudioFormat.CHANNEL_IN_MONO", 2: "AudioFormat.CHANNEL_IN_STEREO"}.get(audio.channels, "")
    return AudioBinding(
        sample_rate=audio.sample_rate,
        channels=audio.channels,
        samples=audio.samples,
        channel_mask=mask,
        kdoc=tuple(
            kdoc_lines(
                f"Runs the model on [samples]: exactly {audio.samples} float values in [-1, 1], "
                f"{audio.channels} channel(s) interleaved, recorded at {audio.sample_rate} Hz "
                "(the model's AudioProperties)."
            )
        ),
    )


def input_imports(text: TextBinding | None, audio: AudioBinding | None) -> set[str]:
    imports: set[str] = set()
    if audio is not None:
        imports.add("org.tensorflow.lite.support.audio.TensorAudio")
        if audio.channel_mask:
            imports |= {"android.media.AudioFormat", "android.media.AudioRecord", "android.media.MediaRecorder"}
    return imports
