"""mutagen, imported on first use, with a faster decoder for ID3's UTF-16 text.

mutagen decodes a NUL-terminated UTF-16 string one byte at a time through an
incremental decoder; in ID3v2.3 tags (where UTF-16 is the usual text encoding)
that loop is a third of the time spent reading an MP3.  `_decode_terminated`
finds the terminator with `bytes.find` and decodes once, and falls back to
mutagen's own function for everything else (other encodings, no terminator), so
results and errors stay mutagen's.  It is installed the first time this module
hands out a mutagen module or class.
"""

from __future__ import annotations

import codecs
import importlib
from collections.abc import Callable
from typing import Any, Final

from mediashelf.extract.audio.formats import FORMATS

_UTF16: Final = frozenset(("utf-16", "utf-16-le", "utf-16-be"))
_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_classes: dict[str, Any] = {}
_codec_names: dict[str, str] = {}
_installed = False
_original: Callable[[bytes, str, bool], tuple[str, bytes]] | None = None


def mutagen_module(name: str) -> Any:
    """A mutagen module, imported on first use (typed as Any: mutagen is mostly untyped)."""
    if not _installed:
        _install_decoder()
    return importlib.import_module(f"mutagen.{name}")


def mutagen_class(fmt: str) -> Any:
    """The mutagen FileType class of a format key (see formats.FORMATS)."""
    cls = _classes.get(fmt)
    if cls is None:
        module, name, _ = FORMATS[fmt]
        if not _installed:
            _install_decoder()
        cls = _classes[fmt] = getattr(importlib.import_module(module), name)
    return cls


def _decode_terminated(data: bytes, encoding: str, strict: bool = True) -> tuple[str, bytes]:
    """mutagen's `decode_terminated` (text up to the first NUL, and the rest), faster
    for UTF-16: the terminator is the first zero code unit, at an even offset.

    Plain "utf-16" without a byte order mark is left to mutagen, whose incremental
    decoder rejects it.
    """
    name = _codec_names.get(encoding)
    if name is None:
        name = _codec_names[encoding] = codecs.lookup(encoding).name
    if name in _UTF16 and (name != "utf-16" or data.startswith(_BOMS)):
        end = data.find(b"\x00\x00")
        while end != -1 and end % 2:
            end = data.find(b"\x00\x00", end + 1)
        if end != -1:
            return data[:end].decode(encoding), data[end + 2 :]
    assert _original is not None
    return _original(data, encoding, strict)


def _install_decoder() -> None:
    """Replace the function mutagen's ID3 specs use, if it is the one we know."""
    global _installed, _original
    _installed = True
    util = importlib.import_module("mutagen._util")
    specs: Any = importlib.import_module("mutagen.id3._specs")
    original = getattr(util, "decode_terminated", None)
    if original is not None and getattr(specs, "decode_terminated", None) is original:
        _original = original
        specs.decode_terminated = _decode_terminated


#: the formats most libraries are made of: loaded before worker processes are forked
COMMON_FORMATS: Final = ("mp3", "flac", "mp4", "ogg", "opus")


def preload() -> None:
    """Import mutagen and the classes of the common formats now.

    Called in the scanning process just before it forks its workers: they start with
    the modules in memory instead of each importing them (about 50 ms apiece), which
    is most of the cost of a rescan that has a few files to read.
    """
    importlib.import_module("mediashelf.extract.audio.read")  # the reader's own modules
    for fmt in COMMON_FORMATS:
        mutagen_class(fmt)
