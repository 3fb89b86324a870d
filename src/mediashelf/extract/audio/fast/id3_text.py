"""The text inside ID3 frames: encodings, terminated values, languages.

Decoded as mutagen decodes them; anything mutagen would treat differently (an unknown
encoding, UTF-16 without a byte order mark, text that does not decode) stops the first
pass with `NotFast`.
"""

from __future__ import annotations

from typing import Final

from mediashelf.extract.audio.fast.common import NotFast

_ENCODINGS: Final = ("latin-1", "utf-16", "utf-16-be", "utf-8")
_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")


def encoding(body: bytes) -> int:
    enc = body[0]
    if enc > 3:
        raise NotFast("unknown text encoding")
    return enc


def terminated(data: bytes, enc: int, pos: int) -> tuple[str, int]:
    """One value from `pos` up to its terminator (or the end); and where the next starts."""
    if enc in (0, 3):
        end = data.find(b"\x00", pos)
        stop, after = (len(data), len(data)) if end == -1 else (end, end + 1)
    else:
        end = data.find(b"\x00\x00", pos)
        while end != -1 and (end - pos) % 2:
            end = data.find(b"\x00\x00", end + 1)
        stop, after = (len(data), len(data)) if end == -1 else (end, end + 2)
        if (stop - pos) % 2:
            raise NotFast("odd UTF-16 length")
        if enc == 1 and stop > pos and data[pos : pos + 2] not in _BOMS:
            raise NotFast("UTF-16 without a byte order mark")
    try:
        return data[pos:stop].decode(_ENCODINGS[enc]), after
    except UnicodeDecodeError:
        raise NotFast("text does not decode as declared") from None


def values(data: bytes, enc: int, pos: int, major: int) -> list[str]:
    """Terminated values up to the end of `data` (mutagen's MultiSpec)."""
    out: list[str] = []
    n = len(data)
    while pos < n:
        if major < 4 and not data[pos:].strip(b"\x00"):
            break  # v2.3 zero padding is not a list of empty values
        value, pos = terminated(data, enc, pos)
        out.append(value)
    return out


def latin1(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end == -1:
        return data[pos:].decode("latin-1"), len(data)
    return data[pos:end].decode("latin-1"), end + 1


def lang(body: bytes) -> str:
    try:
        return body[1:4].decode("ascii")
    except UnicodeDecodeError:
        raise NotFast("language code is not ASCII") from None


def need(body: bytes, pos: int) -> None:
    if pos >= len(body):
        raise NotFast("frame ends before its fields")  # mutagen drops it as junk
