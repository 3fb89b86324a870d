"""C2PA manifests: is one present, and which claim generator made it.

A C2PA manifest store is a JUMBF box labelled `c2pa`, carried in JPEG APP11
segments, a PNG `caBX` chunk or a WebP `C2PA` chunk.  The claim is CBOR; rather
than decode it, the text string after the `claim_generator` key (or the first
`name` of `claim_generator_info`) is read directly.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO, Final

#: most bytes of manifest data examined
MAX_MANIFEST: Final = 1 << 20
#: most PNG chunks walked looking for caBX
MAX_CHUNKS: Final = 100_000


def _cbor_text(data: bytes, at: int) -> str | None:
    if at >= len(data):
        return None
    head = data[at]
    if 0x60 <= head <= 0x77:
        length, start = head - 0x60, at + 1
    elif head == 0x78 and at + 1 < len(data):
        length, start = data[at + 1], at + 2
    elif head == 0x79 and at + 2 < len(data):
        length, start = int.from_bytes(data[at + 1 : at + 3], "big"), at + 3
    else:
        return None
    text = data[start : start + length].decode("utf-8", "replace").strip()
    return text[:256] or None


def generator(manifest: bytes) -> str:
    """The claim generator named in a manifest store ('' when it cannot be found)."""
    key = b"\x6fclaim_generator"
    at = manifest.find(key)
    if at != -1:
        found = _cbor_text(manifest, at + len(key))
        if found:
            return found
    at = manifest.find(b"claim_generator_info")
    if at != -1:
        name = manifest.find(b"\x64name", at, at + 256)
        if name != -1:
            return _cbor_text(manifest, name + 5) or ""
    return ""


def from_jpeg(img: Any) -> bytes | None:
    """The JUMBF data of a JPEG's APP11 segments, if they hold a C2PA manifest."""
    parts = [data for marker, data in getattr(img, "applist", []) if marker == "APP11"]
    if not parts:
        return None
    joined = b"".join(parts)[:MAX_MANIFEST]
    return joined if b"c2pa" in joined else None


def from_png(f: BinaryIO) -> bytes | None:
    """The data of a PNG's caBX chunk, walking chunk headers only."""
    f.seek(8)
    for _ in range(MAX_CHUNKS):
        header = f.read(8)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">I4s", header)
        if kind == b"caBX":
            return f.read(min(length, MAX_MANIFEST))
        if kind == b"IEND":
            return None
        f.seek(length + 4, 1)
    return None


def from_webp(f: BinaryIO) -> bytes | None:
    """The data of a WebP's C2PA chunk."""
    f.seek(12)
    for _ in range(1000):
        header = f.read(8)
        if len(header) < 8:
            return None
        kind, length = struct.unpack("<4sI", header)
        if kind == b"C2PA":
            return f.read(min(length, MAX_MANIFEST))
        f.seek(length + (length & 1), 1)
    return None


_C2PA_TOOLS: Final = (
    ("firefly", "firefly"),
    ("dall", "dall-e"),
    ("openai", "dall-e"),
    ("chatgpt", "chatgpt"),
    ("midjourney", "midjourney"),
    ("imagen", "imagen"),
    ("bing", "bing-image-creator"),
)


def c2pa_tool(generator: str) -> str | None:
    """The AI tool named by a C2PA claim generator (`ChatGPT`, `Adobe_Firefly` ...)."""
    lower = generator.lower()
    for needle, tool in _C2PA_TOOLS:
        if needle in lower:
            return tool
    return None
