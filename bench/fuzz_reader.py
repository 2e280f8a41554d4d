"""Fuzz the model reader: mutated real models must give a model or ``BindgenError``, nothing else.

Seeds are the real test models (``tests.toolchain.models.NAMES``) plus annotated ones with metadata and an
associated-file zip: three annotated by ``bindgen annotate`` (image classifier with labels, text
classifier with vocab + labels, object detector) and one by the official tflite-support writer.
Each case applies 1-4 seeded mutations to one seed (bit flips; overwrites with interesting u8/u16/
u32/u64 values, biased towards flatbuffer structure rather than weight bytes; truncation; chunk
duplication, insertion and deletion; corruption of the zip tail and of zip header fields), writes
it to /dev/shm and runs ``read_model`` on it, then reads every associated file it lists. Any exception other than
``BindgenError`` (and any case slower than ``--timeout``) is a finding: its bytes are saved as a
reproducer and the run exits 1. Case ``i`` of ``--seed S`` is always the same bytes.

Usage: python bench/fuzz_reader.py [--cases N] [--seed S] [--out DIR] [--json]
       python bench/fuzz_reader.py --replay FILE      # re-run one saved reproducer
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bindgen.errors import BindgenError  # noqa: E402
from bindgen.read.tflite.reader import read_associated_file, read_model  # noqa: E402

#: Address-space cap for the fuzzing process: a length field trusted into a huge allocation
#: shows up as MemoryError (a finding) instead of swapping the machine.
MEMORY_LIMIT = 4 << 30

INTERESTING_U8 = (0x00, 0x01, 0x7F, 0x80, 0xFF)
INTERESTING_U16 = (0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF)
INTERESTING_U32 = (
    0x00000000, 0x00000001, 0x00000004, 0x00000008, 0x0000FFFF, 0x7FFFFFFF, 0x80000000,
    0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFC, 0x10000000, 0x00010000,
)  # fmt: skip
INTERESTING_U64 = (0, 1, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 1 << 32)


class Hang(Exception):
    """Raised by the per-case alarm: the reader took longer than ``--timeout``."""


@dataclass
class Seed:
    name: str
    data: bytes
    weights: list[tuple[int, int]]  # buffer byte ranges (less interesting to mutate)
    zip_start: int  # where the appended zip begins, or len(data) when there is none


@dataclass
class Finding:
    case: int
    seed_name: str
    mutations: list[str]
    error: str
    where: str
    traceback: str
    reproducer: str


@dataclass
class Stats:
    cases: int = 0
    accepted: int = 0
    rejected: int = 0
    findings: list[Finding] = field(default_factory=list)
    mutation_counts: dict[str, int] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ seeds


def _bindgen(*args: str | Path) -> None:
    command = [str(REPO / ".venv/bin/bindgen"), *(str(a) for a in args)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"fuzz_reader: seeding failed: {' '.join(command)}\n{result.stdout}{result.stderr}")


def _labels(directory: Path, name: str, count: int) -> Path:
    path = directory / f"{name}_labels.txt"
    path.write_text("".join(f"class_{i}\n" for i in range(count)), encoding="utf-8")
    return path


def annotated_seeds(directory: Path) -> list[Path]:
    """Models with metadata and a zip of associated files, written by bindgen and the official writer."""
    from tests.toolchain.models import model_path, sidecar, vocab_path
    from tests.toolchain.oracle import official_write

    out: list[Path] = []
    image = directory / "float_classifier.bindgen.tflite"
    _bindgen("annotate", model_path("float_classifier"), "-o", image, "--kind", "image-classifier",
             "--labels", _labels(directory, "float", sidecar("float_classifier")["labels"]),
             "--mean", "127.5", "--std", "127.5", "--name", "fuzz seed", "--author", "fuzz")  # fmt: skip
    out.append(image)
    text = directory / "text_classifier.bindgen.tflite"
    _bindgen("annotate", model_path("text_classifier"), "-o", text, "--kind", "text-classifier",
             "--labels", _labels(directory, "text", sidecar("text_classifier")["labels"]),
             "--vocab", vocab_path("text_classifier"))  # fmt: skip
    out.append(text)
    detector = directory / "detector.bindgen.tflite"
    _bindgen("annotate", model_path("detector"), "-o", detector, "--kind", "object-detector",
             "--labels", _labels(directory, "det", sidecar("detector")["labels"]),
             "--mean", "127.5", "--std", "127.5")  # fmt: skip
    out.append(detector)
    official = directory / "float_classifier.official.tflite"
    official_write("image_classifier", model_path("float_classifier"), official,
                   label_files=[directory / "float_labels.txt"], mean=[127.5], std=[127.5])  # fmt: skip
    out.append(official)
    return out


def load_seeds(directory: Path) -> list[Seed]:
    from tests.toolchain.models import NAMES, model_path

    paths = [model_path(name) for name in NAMES] + annotated_seeds(directory)
    seeds = []
    for path in paths:
        model = read_model(path)  # seeds must be valid: a failure here is a real bug, not a finding
        weights = [(b.offset, b.offset + b.size) for b in model.buffers if b.size > 64]
        seeds.append(Seed(path.name, path.read_bytes(), weights, model.model_end))
    return seeds


# -------------------------------------------------------------------------------- mutations


def _structural_position(rng: random.Random, seed: Seed, data: bytearray) -> int:
    """A position, 90% of the time outside weight buffers (where flatbuffer structure lives)."""
    for _ in range(8):
        pos = rng.randrange(len(data))
        if rng.random() < 0.1 or not any(lo <= pos < hi for lo, hi in seed.weights):
            return pos
    return rng.randrange(len(data))


def m_bitflip(rng: random.Random, seed: Seed, data: bytearray) -> str:
    pos = _structural_position(rng, seed, data)
    bit = rng.randrange(8)
    data[pos] ^= 1 << bit
    return f"bitflip@{pos}.{bit}"


def m_interesting(rng: random.Random, seed: Seed, data: bytearray) -> str:
    width, values = rng.choice(((1, INTERESTING_U8), (2, INTERESTING_U16), (4, INTERESTING_U32),
                                (4, INTERESTING_U32), (8, INTERESTING_U64)))  # fmt: skip
    value = rng.choice(values)
    if width == 4 and rng.random() < 0.3:  # offsets near the file size: just in / just out of bounds
        value = (len(data) + rng.randint(-8, 8)) & 0xFFFFFFFF
    pos = _structural_position(rng, seed, data)
    if rng.random() < 0.7:
        pos -= pos % width  # flatbuffer scalars are aligned
    pos = max(0, min(pos, len(data) - width))
    if pos < 0 or len(data) < width:
        return "interesting:skip"
    data[pos : pos + width] = value.to_bytes(width, "little")
    return f"u{width * 8}@{pos}={value:#x}"


def m_truncate(rng: random.Random, seed: Seed, data: bytearray) -> str:
    choice = rng.random()
    if choice < 0.3:
        new = rng.randrange(min(len(data), 64) + 1)
    elif choice < 0.6 and seed.zip_start < len(data):
        new = rng.randrange(seed.zip_start, len(data))
    else:
        new = rng.randrange(len(data) + 1)
    del data[new:]
    return f"truncate@{new}"


def m_duplicate(rng: random.Random, seed: Seed, data: bytearray) -> str:
    if not data:
        return "duplicate:skip"
    start = rng.randrange(len(data))
    chunk = bytes(data[start : start + rng.choice((1, 4, 8, 16, 64, 512))])
    at = rng.randrange(len(data) + 1)
    data[at:at] = chunk
    return f"duplicate[{start}+{len(chunk)}]@{at}"


def m_insert(rng: random.Random, seed: Seed, data: bytearray) -> str:
    at = rng.randrange(len(data) + 1)
    chunk = bytes(rng.choice((0, 0xFF, rng.randrange(256))) for _ in range(rng.choice((1, 3, 4, 8, 64))))
    data[at:at] = chunk
    return f"insert[{len(chunk)}]@{at}"


def m_delete(rng: random.Random, seed: Seed, data: bytearray) -> str:
    if not data:
        return "delete:skip"
    start = rng.randrange(len(data))
    count = rng.choice((1, 4, 8, 64))
    del data[start : start + count]
    return f"delete[{count}]@{start}"


def m_zip_tail(rng: random.Random, seed: Seed, data: bytearray) -> str:
    """Corrupt the zip: its end record, central directory and local headers live near the end."""
    if seed.zip_start >= len(seed.data) or not data:
        return m_interesting(rng, seed, data)
    lo = min(seed.zip_start, len(data) - 1)
    if rng.random() < 0.6:
        lo = max(lo, len(data) - 200)  # EOCD (22 bytes) + central directory
    pos = rng.randrange(lo, len(data))
    width = rng.choice((1, 2, 4))
    value = rng.choice((0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(data), rng.randrange(1 << 32)))
    data[pos : pos + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
    return f"zip:u{width * 8}@{pos}={value:#x}"


def m_zip_header(rng: random.Random, seed: Seed, data: bytearray) -> str:
    """Flip zip header fields the EOCD scan does not validate: flags (encryption, data descriptor),
    compression method, sizes; in the central directory and the local headers alike."""
    if seed.zip_start >= len(seed.data) or not data:
        return m_bitflip(rng, seed, data)
    field = rng.choice((("flags", 8, 6, 2), ("method", 10, 8, 2), ("csize", 20, 18, 4), ("usize", 24, 22, 4)))
    name, central_at, local_at, width = field
    value = rng.choice((1, 8, 9, 12, 14, 99, 0xFFFF, 0xFFFFFFFF, rng.randrange(1 << 16)))
    value &= (1 << (8 * width)) - 1
    touched = 0
    for signature, at in ((b"PK\x01\x02", central_at), (b"PK\x03\x04", local_at)):
        pos = data.find(signature, min(seed.zip_start, len(data)))
        while pos >= 0 and pos + at + width <= len(data):
            if rng.random() < 0.7:
                if name == "flags":
                    old = int.from_bytes(data[pos + at : pos + at + 2], "little")
                    data[pos + at : pos + at + 2] = (old | value).to_bytes(2, "little")
                else:
                    data[pos + at : pos + at + width] = value.to_bytes(width, "little")
                touched += 1
            pos = data.find(signature, pos + 4)
    return f"zipheader:{name}={value:#x}x{touched}"


MUTATORS: tuple[tuple[Callable[[random.Random, Seed, bytearray], str], int], ...] = (
    (m_bitflip, 4),
    (m_interesting, 6),
    (m_truncate, 2),
    (m_duplicate, 2),
    (m_insert, 1),
    (m_delete, 1),
    (m_zip_tail, 3),
    (m_zip_header, 2),
)


def mutate(base_seed: int, case: int, seeds: list[Seed]) -> tuple[Seed, bytes, list[str], list[str]]:
    """Case ``case`` of run ``base_seed``: deterministic in both."""
    rng = random.Random(base_seed * 1_000_003 + case)
    seed = rng.choice(seeds)
    data = bytearray(seed.data)
    funcs = [f for f, _ in MUTATORS]
    weights = [w for _, w in MUTATORS]
    steps, kinds = [], []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        if not data:
            break
        func = rng.choices(funcs, weights)[0]
        steps.append(func(rng, seed, data))
        kinds.append(func.__name__.removeprefix("m_"))
    return seed, bytes(data), steps, kinds


# ------------------------------------------------------------------------------------ running


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang("read took longer than the timeout")


def exercise(path: Path) -> bool:
    """True if the reader accepted the file (then every associated file is read too)."""
    try:
        model = read_model(path)
    except BindgenError:
        return False
    for entry in model.associated_files:
        with contextlib.suppress(BindgenError):
            read_associated_file(path, entry.name)
    return True


def _innermost(tb_text: str) -> str:
    lines = [line.strip() for line in tb_text.splitlines() if line.strip().startswith("File ")]
    return lines[-1] if lines else "?"


def run(cases: int, base_seed: int, seeds: list[Seed], out_dir: Path, timeout: float,
        progress: bool) -> Stats:  # fmt: skip
    stats = Stats()
    work = Path(tempfile.mkdtemp(prefix="bindgen-fuzz-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    case_path = work / "case.tflite"
    seen: set[tuple[str, str]] = set()
    signal.signal(signal.SIGALRM, _alarm)
    started = time.monotonic()
    try:
        for case in range(cases):
            seed, data, steps, kinds = mutate(base_seed, case, seeds)
            for kind in kinds:
                stats.mutation_counts[kind] = stats.mutation_counts.get(kind, 0) + 1
            case_path.write_bytes(data)
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                accepted = exercise(case_path)
            except (Exception, Hang) as error:
                signal.setitimer(signal.ITIMER_REAL, 0)
                tb_text = traceback.format_exc()
                where = _innermost(tb_text)
                module, qualname = type(error).__module__, type(error).__qualname__
                name = qualname if module == "builtins" else f"{module}.{qualname}"
                error_text = f"{name}: {error}"[:300]
                key = (name, where)
                out_dir.mkdir(parents=True, exist_ok=True)
                reproducer = out_dir / f"crash-s{base_seed}-c{case}.tflite"
                reproducer.write_bytes(data)
                stats.findings.append(Finding(case, seed.name, steps, error_text, where, tb_text, str(reproducer)))
                if key not in seen:
                    seen.add(key)
                    print(f"FINDING case {case} (seed {base_seed}, from {seed.name}, {' + '.join(steps)}): "
                          f"{error_text}\n  at {where}\n  reproducer: {reproducer}", file=sys.stderr)  # fmt: skip
                accepted = False
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            stats.cases += 1
            if accepted:
                stats.accepted += 1
            else:
                stats.rejected += 1
            if progress and case and case % 10000 == 0:
                rate = case / (time.monotonic() - started)
                print(f"  {case} cases, {len(stats.findings)} findings, {rate:.0f} cases/s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return stats


def replay(path: Path) -> int:
    try:
        accepted = exercise(path)
    except Exception:
        traceback.print_exc()
        return 1
    print(f"{path}: {'accepted' if accepted else 'rejected with BindgenError'} (no crash)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per case before it counts as a hang")
    parser.add_argument("--out", type=Path, default=REPO / ".fuzz-crashes", help="where reproducers go")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--replay", type=Path, help="run one reproducer file and show its traceback")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > MEMORY_LIMIT:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, hard))
    seed_dir = Path(tempfile.mkdtemp(prefix="bindgen-fuzz-seeds-"))
    try:
        seeds = load_seeds(seed_dir)
        started = time.monotonic()
        stats = run(args.cases, args.seed, seeds, args.out, args.timeout, progress=not args.json)
        elapsed = time.monotonic() - started
    finally:
        shutil.rmtree(seed_dir, ignore_errors=True)

    distinct = sorted({(f.error.split(":", 1)[0], f.where) for f in stats.findings})
    if args.json:
        print(json.dumps({
            "cases": stats.cases, "seed": args.seed, "seconds": round(elapsed, 1),
            "accepted": stats.accepted, "rejected": stats.rejected, "seeds": [s.name for s in seeds],
            "mutations": stats.mutation_counts, "findings": len(stats.findings),
            "distinct_findings": [
                {"error": next(f.error for f in stats.findings if (f.error.split(":", 1)[0], f.where) == d),
                 "where": d[1],
                 "reproducer": next(f.reproducer for f in stats.findings
                                    if (f.error.split(":", 1)[0], f.where) == d)}
                for d in distinct
            ],
        }, indent=2))  # fmt: skip
    else:
        print(f"{'seeds':<26} {len(seeds)} ({sum(1 for s in seeds if s.zip_start < len(s.data))} with a zip)")
        print(f"{'cases (seed ' + str(args.seed) + ')':<26} {stats.cases} in {elapsed:.1f} s "
              f"({stats.cases / max(elapsed, 1e-9):.0f}/s)")  # fmt: skip
        print(f"{'read fine':<26} {stats.accepted}")
        print(f"{'rejected (BindgenError)':<26} {stats.rejected - len(stats.findings)}")
        print(f"{'findings (other errors)':<26} {len(stats.findings)} ({len(distinct)} distinct)")
        print("mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.mutation_counts.items())))
        for error_type, where in distinct:
            example = next(f for f in stats.findings if (f.error.split(":", 1)[0], f.where) == (error_type, where))
            count = sum(1 for f in stats.findings if (f.error.split(":", 1)[0], f.where) == (error_type, where))
            print(f"  {count}x {example.error}\n     at {where}\n     e.g. {example.reproducer}")
    return 1 if stats.findings else 0


if __name__ == "__main__":
    sys.exit(main())
