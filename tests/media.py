"""Tiny, valid media files written by code, for tests.

Audio is encoded once per format and per test run with PyAV (a tenth of a second
of silence), kept in memory, then copied and tagged with mutagen for every file a test
asks for, so writing a file costs well under a millisecond of encoding.

    make_tree(tmp_path / "lib", {
        "Artist/Album/01 One.mp3": mp3(title="One", artist="Artist", track=1),
        "Artist/Album/02 Two.flac": flac(title="Two"),
        "Artist/Album/cover.jpg": jpeg(),
        "Artist/Album/notes.nfo": "plain text",
    })
"""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.extract.samples import ENCODINGS, encoded

#: the formats a test library is made of (encoded by tests.extract.samples)
FORMATS: tuple[str, ...] = ("mp3", "flac", "ogg", "m4a", "opus")

#: easy tag names understood by `write_audio`
_EASY_KEYS = {
    "title": "title",
    "artist": "artist",
    "album": "album",
    "albumartist": "albumartist",
    "genre": "genre",
    "date": "date",
    "year": "date",
    "track": "tracknumber",
    "disc": "discnumber",
    "composer": "composer",
    "compilation": "compilation",
}

PathLike = str | bytes | os.PathLike[str]


def audio_template(fmt: str) -> bytes:
    """An untagged, valid audio file of format `fmt` (encoded once per test run)."""
    return encoded(fmt)


def extension(fmt: str) -> str:
    return "." + ENCODINGS[fmt][4]


def tag_file(path: PathLike, **tags: Any) -> None:
    """Set tags on an existing audio file with mutagen (None deletes a tag)."""
    import mutagen

    f = mutagen.File(os.fsdecode(path), easy=True)
    if f is None:
        raise ValueError(f"mutagen does not recognise {path!r}")
    if f.tags is None:
        f.add_tags()
    for key, value in tags.items():
        name = _EASY_KEYS.get(key)
        if name is None:
            raise KeyError(f"no tag mapping for {key!r} (known: {', '.join(_EASY_KEYS)})")
        if value is None:
            if name in f.tags:
                del f.tags[name]
        else:
            f.tags[name] = [str(value)]
    f.save()


def write_audio(path: PathLike, fmt: str, **tags: Any) -> Path:
    """Write a valid, tagged audio file of format `fmt` at `path` (parents created)."""
    p = Path(os.fsdecode(path))
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(audio_template(fmt))
    if tags:
        tag_file(p, **tags)
    return p


def write_mp3(path: PathLike, **tags: Any) -> Path:
    return write_audio(path, "mp3", **tags)


def write_flac(path: PathLike, **tags: Any) -> Path:
    return write_audio(path, "flac", **tags)


def write_ogg(path: PathLike, **tags: Any) -> Path:
    return write_audio(path, "ogg", **tags)


def write_m4a(path: PathLike, **tags: Any) -> Path:
    return write_audio(path, "m4a", **tags)


def write_opus(path: PathLike, **tags: Any) -> Path:
    return write_audio(path, "opus", **tags)


@functools.cache
def jpeg() -> bytes:
    """A small valid baseline JPEG (16 by 16 pixels, grey)."""
    import av

    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width = ctx.height = 16
    ctx.pix_fmt = "yuvj420p"
    ctx.time_base = __import__("fractions").Fraction(1, 25)
    frame = av.VideoFrame(16, 16, "yuvj420p")
    for plane in frame.planes:
        plane.update(bytes([128]) * plane.buffer_size)
    data = b"".join(bytes(p) for p in ctx.encode(frame)) + b"".join(
        bytes(p) for p in ctx.encode(None)
    )
    assert data.startswith(b"\xff\xd8\xff"), data[:4]
    return data


def garbage(size: int, seed: int = 0) -> bytes:
    """Deterministic random bytes."""
    return random.Random(seed).randbytes(size)


@dataclass(frozen=True)
class Audio:
    """A tagged audio file to be written by `make_tree`."""

    fmt: str
    tags: Mapping[str, Any] = field(default_factory=dict)


def mp3(**tags: Any) -> Audio:
    return Audio("mp3", tags)


def flac(**tags: Any) -> Audio:
    return Audio("flac", tags)


def ogg(**tags: Any) -> Audio:
    return Audio("ogg", tags)


def m4a(**tags: Any) -> Audio:
    return Audio("m4a", tags)


def opus(**tags: Any) -> Audio:
    return Audio("opus", tags)


Spec = Audio | bytes | str


def make_tree(root: PathLike, spec: Mapping[str | bytes, Spec]) -> dict[str | bytes, bytes]:
    """Create files under `root` from `{relative path: content}`; return their absolute paths.

    Keys are `/`-separated relative paths, as `str` or as raw `bytes` (for names that are
    not valid UTF-8).  Values are `Audio` (from `mp3()`, `flac()` …), raw `bytes`, or `str`
    (written as UTF-8 text).  Returned paths are absolute `bytes`, as the catalog stores them.
    """
    base = os.path.abspath(os.fsencode(root))
    os.makedirs(base, exist_ok=True)
    out: dict[str | bytes, bytes] = {}
    for rel, content in spec.items():
        path = os.path.join(base, os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, Audio):
            write_audio(path, content.fmt, **content.tags)
        elif isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
        out[rel] = path
    return out


def files_under(root: PathLike, *, hidden: bool = False) -> set[bytes]:
    """Every regular file under `root` (absolute bytes paths); dot-names skipped unless `hidden`."""
    found: set[bytes] = set()
    for top, dirs, files in os.walk(os.path.abspath(os.fsencode(root))):
        if not hidden:
            dirs[:] = [d for d in dirs if not d.startswith(b".")]
        for name in files:
            if not hidden and name.startswith(b"."):
                continue
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.add(path)
    return found
