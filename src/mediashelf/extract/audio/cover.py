"""The picture embedded in an audio file, for a thumbnail: the front cover if there is
one, else the first picture.

The scan records only what pictures a file holds (`cover_count`, `cover_mime`,
`cover_bytes`); their bytes are read here, on demand, with mutagen: ID3 APIC frames
(MP3, AIFF, WAV, DSF), FLAC picture blocks, MP4 `covr` atoms, Vorbis/Opus
METADATA_BLOCK_PICTURE (and the old COVERART), APEv2 cover items and ASF WM/Picture.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from typing import Any, Final

from mediashelf.errors import Corrupt, Unreadable

#: the ID3/FLAC picture type of a front cover
_FRONT: Final = 3


def embedded_cover(path: bytes) -> bytes | None:
    """The bytes of the file's front cover (else its first picture); None without one.

    Raises Unreadable when the file cannot be opened, Corrupt when mutagen cannot
    parse it.
    """
    import mutagen

    try:
        audio = mutagen.File(os.fsdecode(path))
    except OSError as e:
        raise Unreadable(f"cannot open: {e.strerror or e}") from e
    except Exception as e:  # mutagen's own errors, and what a damaged file raises
        raise Corrupt(f"cannot read its tags: {e}") from e
    if audio is None:
        return None
    pictures = list(_pictures(audio))
    front = [data for kind, data in pictures if kind == _FRONT]
    chosen = front or [data for _, data in pictures]
    return chosen[0] if chosen else None


def _pictures(audio: Any) -> list[tuple[int, bytes]]:
    """(picture type, bytes) of every picture found; -1 where the type is not known."""
    out: list[tuple[int, bytes]] = []
    for picture in getattr(audio, "pictures", None) or ():  # FLAC blocks
        out.append((int(picture.type), bytes(picture.data)))
    tags = audio.tags
    if tags is None:
        return out
    if hasattr(tags, "getall"):  # ID3
        for frame in tags.getall("APIC"):
            out.append((int(frame.type), bytes(frame.data)))
        return out
    if "covr" in tags:  # MP4: every cover counts as a front cover
        out += [(_FRONT, bytes(c)) for c in tags["covr"]]
    for key in ("metadata_block_picture", "METADATA_BLOCK_PICTURE"):
        for text in _values(tags, key):
            out += _flac_picture(text)
    for key in ("coverart", "COVERART"):
        for text in _values(tags, key):
            with contextlib.suppress(binascii.Error, ValueError):
                out.append((_FRONT, base64.b64decode(text)))
    for key in ("Cover Art (Front)", "Cover Art (Other)"):  # APEv2: "name\0bytes"
        if key in tags:
            value = bytes(tags[key].value)
            out.append((_FRONT if "Front" in key else -1, value.split(b"\0", 1)[-1]))
    for attr in _values(tags, "WM/Picture"):  # ASF: type, size, mime, description, bytes
        out += _asf_picture(getattr(attr, "value", attr))
    return out


def _values(tags: Any, key: str) -> list[Any]:
    try:
        return list(tags[key]) if key in tags else []
    except (KeyError, TypeError, ValueError):
        return []


def _flac_picture(text: str) -> list[tuple[int, bytes]]:
    from mutagen.flac import Picture

    try:
        picture = Picture(base64.b64decode(text))  # type: ignore[no-untyped-call]
    except Exception:  # a damaged block: no picture
        return []
    return [(int(picture.type), bytes(picture.data))]


def _asf_picture(value: Any) -> list[tuple[int, bytes]]:
    data = bytes(value) if isinstance(value, (bytes, bytearray)) else b""
    if len(data) < 9:
        return []
    kind = data[0]
    at = 5
    for _ in range(2):  # the MIME type and the description: UTF-16 text, NUL-terminated
        end = at
        while end + 1 < len(data) and data[end : end + 2] != b"\0\0":
            end += 2
        at = end + 2
    return [(kind, data[at:])] if at < len(data) else []
