"""A library with known groups of duplicates of every kind, and how to look for them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from mediashelf.catalog import open_catalog
from mediashelf.dupes import Options, Result, find_dupes
from mediashelf.query import build
from tests.conftest import scan_in_process
from tests.media import garbage, write_audio

BIG = 200_000  # past the 32 KiB a quick hash covers: needs a full hash


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def twins_but_middle(size: int = BIG, seed: int = 1) -> tuple[bytes, bytes]:
    """Two contents of one size, with equal first and last 16 KiB: equal quick hashes."""
    a = bytearray(garbage(size, seed))
    b = bytearray(a)
    b[size // 2] ^= 0xFF
    return bytes(a), bytes(b)


def run(db: Path, *query: str, **options: Any) -> Result:
    catalog = open_catalog(db)
    try:
        return find_dupes(catalog, build(list(query)), Options(**options))
    finally:
        catalog.close()


def groups_of(result: Result, root: Path) -> set[tuple[str, frozenset[str]]]:
    """(kind, {paths relative to root}) of every group, hard links left out."""
    base = os.fsencode(root)
    return {
        (g.kind, frozenset(os.fsdecode(os.path.relpath(m.path, base)) for m in g.members))
        for g in result.groups
    }


def scan(db: Path, root: Path) -> None:
    summary = scan_in_process(db, [root])
    assert summary.exit_code == 0, summary.failures


def audio_library(root: Path) -> None:
    """Re-tagged copies (audio), transcodes (similar) and an unrelated track per format."""
    for fmt in ("mp3", "flac", "ogg", "m4a"):
        write_audio(root / f"retag/{fmt}/a.{fmt}", fmt, title="Tone", artist="Lab", album="A")
        write_audio(
            root / f"retag/{fmt}/b.{fmt}", fmt, title=f"Tone ({fmt})", artist="Other", genre="X"
        )
    write_audio(root / "transcode/tone.flac", "flac", title="Sine Wave", artist="Osc")
    write_audio(root / "transcode/tone.mp3", "mp3", title="Sine wave!", artist="OSC")
    write_audio(root / "transcode/tone.ogg", "ogg", title="sine  wave", artist="Osc")


def copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def blocks(seed: int, size: tuple[int, int] = (320, 240)) -> Any:
    """A picture of coloured rectangles: its perceptual hash survives resizing."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", size, (rng.randrange(256),) * 3)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(size[0] - 20), rng.randrange(size[1] - 20)
        box = [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 100)]
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    return img
