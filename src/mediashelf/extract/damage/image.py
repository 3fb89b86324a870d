"""Images: a JPEG's segments and its end marker, a PNG's chunks and IEND, a HEIF's boxes."""

from __future__ import annotations

import mmap
from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding
from mediashelf.extract.damage.bmff import check_bmff

_MAX_SEGMENTS: Final = 4096
_PNG: Final = b"\x89PNG\r\n\x1a\n"
#: markers without a length field
_STANDALONE: Final = frozenset((0x01, *range(0xD0, 0xD8)))


def check_image(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    """The check for the image's format, chosen by its first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return check_jpeg(fileobj, size)
    if head.startswith(_PNG):
        return check_png(fileobj, size)
    if head[4:8] == b"ftyp":
        return check_bmff(fileobj, head, size)
    return []


def _view(fileobj: BinaryIO) -> mmap.mmap | None:
    try:
        return mmap.mmap(fileobj.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, AttributeError):
        return None


def check_jpeg(fileobj: BinaryIO, size: int) -> list[Finding]:
    """The segments up to the start of scan must fit in the file; an end-of-image
    marker must follow the scan (data after it, such as a trailer, is allowed)."""
    view = _view(fileobj)
    if view is None:
        return []
    with view:
        pos = 2
        for _ in range(_MAX_SEGMENTS):
            if pos + 4 > size:
                return [Finding("truncated", "the JPEG file ends inside its headers")]
            if view[pos] != 0xFF:
                return []  # bytes between segments: decoders skip them, so do we
            marker = view[pos + 1]
            if marker == 0xFF:
                pos += 1  # fill byte
                continue
            if marker in _STANDALONE:
                pos += 2
                continue
            length = int.from_bytes(view[pos + 2 : pos + 4], "big")
            if pos + 2 + length > size:
                return [
                    Finding(
                        "truncated",
                        f"a JPEG segment declares {length} bytes, {size - pos - 2} are left",
                    )
                ]
            pos += 2 + length
            if marker == 0xDA:  # start of scan: the entropy-coded data follows
                break
            if marker == 0xD9:
                return [Finding("truncated", "the JPEG file ends before its image data")]
        else:
            return []
        if view.rfind(b"\xff\xd9", pos) < 0:
            return [Finding("truncated", "the JPEG data stops before its end-of-image marker")]
    return []


def check_png(fileobj: BinaryIO, size: int) -> list[Finding]:
    """The chunks must fit, and an IEND chunk must be there (data after it is allowed)."""
    fileobj.seek(8)
    header = fileobj.read(8)
    if header != b"\x00\x00\x00\x0dIHDR":
        return [Finding("bad-header", "the PNG file does not start with its IHDR chunk")]
    fileobj.seek(max(0, size - 4096))
    if b"IEND" in fileobj.read():
        return []
    view = _view(fileobj)
    if view is not None:
        with view:
            if view.rfind(b"IEND") >= 0:
                return []
    pos = 8
    for _ in range(1 << 20):
        fileobj.seek(pos)
        chunk = fileobj.read(8)
        if len(chunk) < 8:
            break
        length = int.from_bytes(chunk[:4], "big")
        if pos + 12 + length > size:
            name = chunk[4:8].decode("latin-1")
            return [
                Finding(
                    "truncated",
                    f"the PNG chunk {name!r} declares {length} bytes, "
                    f"{max(size - pos - 12, 0)} are left",
                )
            ]
        pos += 12 + length
    return [Finding("truncated", "the PNG file has no IEND chunk")]
