"""First-pass parsers: the common shapes of the common formats, read without mutagen.

A first index spends most of its time in mutagen, which builds a Python object per
tag field.  For each format in `FIRST_PASS` a parser here reads the files of the
usual shape straight from their bytes into the same structures mutagen gives the
tag readers (`audio.tags`, `audio.vorbis`) and the stream fields
(`audio.stream`), so everything after loading is shared and the values are the
same.  A parser raises `NotFast` as soon as a file leaves that shape (a rare tag
feature, damage, an unusual layout), and mutagen reads the file from the start:
mutagen remains the reader of record, the first pass only gets there sooner.

Why not a library: tinytag is the fastest one measured (see
benchmarks/first_index_profile.py) but gives tags under lower-cased names of its
own, not the tag keys `extra` keeps, and drops the language of comments and lyrics
and every PRIV and binary frame; pytaglib is slower than mutagen on these files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import BinaryIO, Final

from mediashelf.errors import MediaError
from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.values import Loaded

#: a first-pass parser: (file, detection, size, first bytes) -> Loaded, or NotFast
Parser = Callable[[BinaryIO, Detection, int, bytes], Loaded]

#: format key -> "module:function" of its first-pass parser
FIRST_PASS: Final[dict[str, str]] = {
    "mp3": "mediashelf.extract.audio.fast.mpeg:load_mp3",
    "flac": "mediashelf.extract.audio.fast.vorbis:load_flac",
    "ogg": "mediashelf.extract.audio.fast.ogg:load_ogg",
    "opus": "mediashelf.extract.audio.fast.ogg:load_ogg",
    "mp4": "mediashelf.extract.audio.fast.mp4:load_mp4",
}
_parsers: dict[str, Parser] = {}


def parser(fmt: str) -> Parser | None:
    """The first-pass parser of a format (imported on first use), or None."""
    found = _parsers.get(fmt)
    if found is None:
        where = FIRST_PASS.get(fmt)
        if where is None:
            return None
        module, _, name = where.partition(":")
        found = _parsers[fmt] = getattr(importlib.import_module(module), name)
    return found


def preload() -> None:
    """Import every first-pass parser and build its tables now (before workers fork)."""
    for fmt in FIRST_PASS:
        parser(fmt)
    from mediashelf.extract.audio.fast import id3, mp4

    id3.setup()
    mp4.setup()


def first_pass_load(
    fmt: str, fileobj: BinaryIO, detection: Detection, size: int, head: bytes
) -> Loaded | None:
    """The file loaded by its format's first-pass parser, or None for mutagen to load."""
    parse = parser(fmt)
    if parse is None:
        return None
    try:
        return parse(fileobj, detection, size, head)
    except MediaError:
        raise  # the scan's time limit
    except Exception:  # NotFast, or data a parser did not expect: mutagen decides
        fileobj.seek(0)
        return None
