"""Vorbis comments (FLAC, Ogg Vorbis/Opus/FLAC/Speex) and the pictures they carry.

Mapped keys go through `tagmaps.COMMON` into the collector, everything else to
`extra`; embedded pictures (METADATA_BLOCK_PICTURE, old COVERART, FLAC picture
blocks) are recorded by their description, never decoded whole.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from mediashelf.extract.audio.tagmaps import COMMON
from mediashelf.extract.audio.values import Collector, grouped, image_mime, texts
from mediashelf.extract.text import clean


def read_vorbis(c: Collector, tags: Any, base: int = 0) -> None:
    """Vorbis comments (FLAC, Ogg): a list of (key, value) pairs, keys case-insensitive."""
    for norm, (key, raw) in grouped(tags).items():
        if norm == "METADATA_BLOCK_PICTURE":
            for item in raw:
                _vorbis_picture(c, key, item)
        elif norm == "COVERART":
            for item in raw:
                _vorbis_coverart(c, key, item)
        else:
            values = texts(raw)
            if not values:
                continue
            entry = COMMON.get(norm)
            if entry is None:
                c.keep(key, values[0] if len(values) == 1 else values)
            else:
                entry[0](c, entry[1], key, values, base + entry[2])


def read_flac_pictures(c: Collector, pictures: Any) -> None:
    for pic in pictures:
        data: bytes = pic.data
        c.picture(
            "METADATA_BLOCK_PICTURE",
            image_mime(pic.mime, data),
            len(data),
            pic.type == 3,
            {"type": int(pic.type), "desc": clean(pic.desc)},
        )


def _b64_prefix(text: str, size: int) -> bytes:
    """The first `size` decoded bytes of a base64 text (decoding only what is needed)."""
    chars = -(-size // 3) * 4
    part = text[:chars]
    return base64.b64decode(part + "=" * (-len(part) % 4))[:size]


def _vorbis_picture(c: Collector, key: str, text: str) -> None:
    """METADATA_BLOCK_PICTURE: a base64 FLAC picture block; only its header is decoded."""
    text = text.strip()
    try:
        head = _b64_prefix(text, 384)
        if len(head) < 8:
            raise ValueError("truncated picture block")
        ptype, mime_len = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:8], "big")
        desc_at = 12 + mime_len
        if desc_at > len(head):
            head = _b64_prefix(text, desc_at)
        desc_len = int.from_bytes(head[desc_at - 4 : desc_at], "big")
        end = desc_at + desc_len + 20
        if end + 8 > len(head):
            head = _b64_prefix(text, end + 8)
        if len(head) < end:
            raise ValueError("truncated picture block")
        mime = head[8 : 8 + mime_len].decode("utf-8", "replace")
        desc = head[desc_at : desc_at + desc_len].decode("utf-8", "replace")
        size = int.from_bytes(head[end - 4 : end], "big")
    except (ValueError, binascii.Error):
        c.keep(key, {"invalid": True, "chars": len(text)})
        return
    mime = image_mime(mime, head[end : end + 8])
    c.picture(key, mime, size, ptype == 3, {"type": ptype, "desc": clean(desc)})


def _vorbis_coverart(c: Collector, key: str, text: str) -> None:
    """Old-style COVERART: a bare base64 image."""
    text = text.strip()
    try:
        first = _b64_prefix(text, 8)
    except (ValueError, binascii.Error):
        c.keep(key, {"invalid": True, "chars": len(text)})
        return
    size = len(text) * 3 // 4 - text[-2:].count("=")
    c.picture(key, image_mime("", first), size, True, {})
