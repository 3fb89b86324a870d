"""Per-file cost of the audio reader against a plain `mutagen.File(path)` loop.

    python benchmarks/extract_speed.py                     # a generated 2,000-track library
    python benchmarks/extract_speed.py ~/Music --files 3000 --rounds 9

Each loop runs in a fresh child process (importing the reader changes how mutagen
decodes ID3 text, so the baseline must not share a process with it), over the same
files, alternating which goes first round by round.  A child makes one untimed pass
(imports, caches) and one pass timed in CPU time, which is less sensitive to other
load on the machine than wall time.  The reader's loop does what a scan worker does
per file: open it, read the first 16 KiB, call `read_audio`.  Prints the median
per-file cost of each and their ratio, overall and per extension.  The files are
read once before timing (warm page cache).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def audio_files(root: Path, extensions: frozenset[str]) -> list[str]:
    found = []
    for top, _, names in os.walk(root):
        for name in names:
            ext = name.rpartition(".")[2].lower()
            if "." in name and ext in extensions:
                found.append(os.path.join(top, name))
    return sorted(found)


def with_mutagen(paths: list[str]) -> None:
    import mutagen

    for path in paths:
        with contextlib.suppress(Exception):
            mutagen.File(path)


def with_reader(paths: list[str]) -> None:
    from mediashelf.errors import MediaError
    from mediashelf.extract.audio.read import read_audio

    for path in paths:
        with open(path, "rb") as f:
            head = f.read(16384)
            f.seek(0)
            with contextlib.suppress(MediaError):
                read_audio(f, os.fsencode(path), path.rpartition(".")[2].lower(), head)


LOOPS: dict[str, Callable[[list[str]], None]] = {"mutagen": with_mutagen, "reader": with_reader}


def child(loop: str) -> None:
    """Run one loop over the paths on stdin: an untimed pass, then a timed one."""
    paths = sys.stdin.read().splitlines()
    LOOPS[loop](paths)
    gc.collect()
    start = time.process_time()
    LOOPS[loop](paths)
    print((time.process_time() - start) / len(paths) * 1e6)


def per_file_us(loop: str, paths: list[str]) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", loop],
        input="\n".join(paths),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def compare(paths: list[str], rounds: int) -> tuple[float, float, float]:
    """Median per-file µs of mutagen.File and of read_audio, and the median ratio."""
    base, ours, ratios = [], [], []
    for i in range(rounds):
        order = [("mutagen", base), ("reader", ours)]
        for loop, out in order if i % 2 == 0 else order[::-1]:
            out.append(per_file_us(loop, paths))
        ratios.append(ours[-1] / base[-1])
    return statistics.median(base), statistics.median(ours), statistics.median(ratios)


def default_library() -> Path:
    from mediashelf.bench.generate import generate_library

    root = Path.home() / ".cache" / "mediashelf-bench" / "library-2000-seed1"
    print(f"library: {root} (generated once, then reused)", file=sys.stderr)
    generate_library(root, 2000, seed=1)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", nargs="?", type=Path, help="folder of audio files")
    parser.add_argument("--files", type=int, default=2000, help="sample size (default 2000)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--child", choices=LOOPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    from mediashelf.extract.audio.read import AUDIO_EXTENSIONS

    paths = audio_files(args.library or default_library(), AUDIO_EXTENSIONS)
    if not paths:
        parser.error("no audio files found")
    if len(paths) > args.files:
        paths = sorted(random.Random(1).sample(paths, args.files))
    for path in paths:  # warm the page cache
        Path(path).read_bytes()

    groups: dict[str, list[str]] = {"all": paths}
    for path in paths:
        groups.setdefault(path.rpartition(".")[2].lower(), []).append(path)
    print(f"{'files':>8} {'ext':<6} {'mutagen.File':>13} {'read_audio':>11} {'ratio':>6}")
    for name, group in groups.items():
        base, ours, ratio = compare(group, args.rounds)
        print(f"{len(group):>8} {name:<6} {base:>10.1f} µs {ours:>8.1f} µs {ratio:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
