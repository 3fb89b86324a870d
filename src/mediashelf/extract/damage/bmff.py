"""ISO base media files (MP4/M4A/MOV, HEIF/HEIC/AVIF): box sizes against the file."""

from __future__ import annotations

from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding

_MAX_BOXES: Final = 4096
#: boxes whose children are checked against their parent (moov's tracks, meta's items)
_CONTAINERS: Final = {b"moov": 0, b"trak": 0, b"mdia": 0, b"minf": 0, b"stbl": 0, b"udta": 0}


def check_bmff(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    """Walk the top-level boxes (and moov's tree) and compare each size with what is there."""
    if head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"):
        return []
    return _walk(fileobj, 0, size, size, 0)


def _walk(fileobj: BinaryIO, start: int, end: int, size: int, depth: int) -> list[Finding]:
    pos = start
    for _ in range(_MAX_BOXES):
        if pos + 8 > end:
            break
        fileobj.seek(pos)
        header = fileobj.read(16)
        length, kind, body = int.from_bytes(header[0:4], "big"), header[4:8], 8
        if length == 1:
            if len(header) < 16:
                return [_cut(kind, size)]
            length, body = int.from_bytes(header[8:16], "big"), 16
        elif length == 0:
            length = end - pos  # to the end of its parent (the file, at the top)
        name = kind.decode("latin-1")
        if length < body:
            return [Finding("bad-header", f"the MP4 box {name!r} declares {length} bytes")]
        if pos + length > end:
            if end == size:
                return [
                    Finding(
                        "truncated",
                        f"the MP4 box {name!r} declares {length} bytes, "
                        f"{size - pos} are left in the file",
                    )
                ]
            return [Finding("bad-header", f"the MP4 box {name!r} runs past its parent")]
        if kind in _CONTAINERS and depth < 8:
            found = _walk(fileobj, pos + body, pos + length, size, depth + 1)
            if found:
                return found
        pos += length
    return []


def _cut(kind: bytes, size: int) -> Finding:
    return Finding("truncated", f"the file ends inside the header of box {kind!r} ({size} bytes)")
