"""ID3v2 at the start of a file: the tag's declared size and its frames' sizes."""

from __future__ import annotations

import re
from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding

#: most tag bytes read to walk the frames (a larger tag is only checked against the file)
_MAX_WALK: Final = 4 << 20
_FRAME_ID: Final = re.compile(rb"[A-Z0-9]{3,4}\Z")


def syncsafe(data: bytes) -> int:
    return data[0] << 21 | data[1] << 14 | data[2] << 7 | data[3]


def tag_end(head: bytes) -> int:
    """Where the ID3v2 tag at the start of `head` ends (0 when there is none)."""
    if len(head) < 10 or not head.startswith(b"ID3") or any(b & 0x80 for b in head[6:10]):
        return 0
    footer = 10 if head[5] & 0x10 and head[3] == 4 else 0
    return 10 + syncsafe(head[6:10]) + footer


def check_id3(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    """The tag against the file, then each frame against the tag."""
    end = tag_end(head)
    if not end:
        return []
    if end > size:
        return [Finding("tag-overflow", f"the ID3 tag declares {end} bytes, the file has {size}")]
    version, flags = head[3], head[5]
    if version not in (2, 3, 4) or end > _MAX_WALK:
        return []
    if flags & 0x80 and version < 4:
        return []  # unsynchronised as a whole: frame headers are not plain bytes
    fileobj.seek(0)
    tag = fileobj.read(end)
    message = _walk(tag, version, flags)
    return [Finding("tag-overflow", message)] if message else []


def _walk(tag: bytes, version: int, flags: int) -> str | None:
    """A frame that runs past the end of the tag, described; None when all fit."""
    pos = 10
    if flags & 0x40 and version > 2:  # extended header
        ext = tag[10:14]
        if len(ext) < 4:
            return None
        pos += syncsafe(ext) if version == 4 else 4 + int.from_bytes(ext, "big")
    header, id_size = (6, 3) if version == 2 else (10, 4)
    end = len(tag) - (10 if version == 4 and flags & 0x10 else 0)
    while pos + header <= end:
        frame_id = tag[pos : pos + id_size]
        if frame_id[0] == 0 or not _FRAME_ID.match(frame_id):
            return None  # padding, or data a reader skips as padding
        raw = tag[pos + id_size : pos + id_size + (3 if version == 2 else 4)]
        sizes = [int.from_bytes(raw, "big")]
        if version == 4 and not any(b & 0x80 for b in raw):
            sizes.insert(0, syncsafe(raw))  # iTunes wrote plain sizes in v2.4 tags
        fits = [s for s in sizes if pos + header + s <= end]
        if not fits:
            name = frame_id.decode("latin-1")
            return (
                f"the ID3 frame {name} declares {sizes[0]} bytes, "
                f"{end - pos - header} are left in the tag"
            )
        pos += header + fits[0]
    return None
