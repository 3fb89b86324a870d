"""JPEG XL metadata without a JPEG XL decoder.

Pillow cannot open JPEG XL, but the ISO BMFF-style container keeps EXIF in an
`Exif` box (a 4-byte offset, then a TIFF header) and XMP in an `xml ` box, which
are read here.  A bare codestream (`FF 0A`) carries no metadata.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Final

SIGNATURE: Final = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
CODESTREAM: Final = b"\xff\x0a"
MAX_BOX: Final = 4 << 20
MAX_BOXES: Final = 10_000


def jxl_boxes(f: BinaryIO) -> tuple[bytes | None, bytes | None]:
    """(TIFF data of the Exif box, XMP packet) of a JPEG XL container."""
    exif = xmp = None
    f.seek(len(SIGNATURE))
    for _ in range(MAX_BOXES):
        header = f.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        body = size - 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:
                break
            body = struct.unpack(">Q", large)[0] - 16
        elif size == 0:
            body = MAX_BOX
        if body < 0:
            break
        if kind in (b"Exif", b"xml ") and body <= MAX_BOX:
            data = f.read(body)
            if kind == b"Exif" and len(data) > 4:
                offset = int.from_bytes(data[:4], "big")
                exif = data[4 + offset :] if 4 + offset < len(data) else None
            elif kind == b"xml ":
                xmp = data
            continue
        if size == 0:
            break
        f.seek(body, 1)
    return exif, xmp
