"""Ogg (Vorbis, Opus, FLAC, Speex): the pages in the file's tail, their sequence
numbers, the last one's end-of-stream flag and granule position, against the first
page's stream."""

from __future__ import annotations

import struct
from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding

_TAIL: Final = 64 << 10
_PAGE: Final = struct.Struct("<4sBBqIII")  # capture, version, flags, granule, serial, seq, crc


def check_ogg(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    if not head.startswith(b"OggS") or len(head) < 27:
        return []
    first_serial = _PAGE.unpack_from(head)[4]
    begin = max(0, size - _TAIL)
    fileobj.seek(begin)
    tail = fileobj.read(size - begin)
    start = tail.find(b"OggS")
    if start < 0:
        return [Finding("truncated", "no Ogg page in the last 64 KiB of the file")]
    return _walk(tail, start, begin, size, first_serial)


def _walk(tail: bytes, pos: int, begin: int, size: int, serial: int) -> list[Finding]:
    """Page by page from the first page found in the tail to the end of the file."""
    last: dict[int, tuple[int, int, int]] = {}  # serial -> (seq, flags, granule)
    while pos < len(tail):
        if pos + 27 > len(tail):
            return [Finding("truncated", "the file ends inside an Ogg page header")]
        capture, version, flags, granule, page_serial, seq, _ = _PAGE.unpack_from(tail, pos)
        if capture != b"OggS" or version != 0:
            found = tail.find(b"OggS", pos + 1)
            if found < 0:
                return []  # bytes after the last page (a tag some writers append)
            pos = found
            continue
        count = tail[pos + 26]
        if pos + 27 + count > len(tail):
            return [Finding("truncated", "the file ends inside an Ogg page header")]
        body = sum(tail[pos + 27 : pos + 27 + count])
        end = pos + 27 + count + body
        if end > len(tail):
            return [
                Finding(
                    "truncated",
                    f"the last Ogg page declares {27 + count + body} bytes, "
                    f"{len(tail) - pos} are left in the file",
                )
            ]
        before = last.get(page_serial)
        if before is not None and seq != before[0] + 1:
            return [
                Finding(
                    "audio-missing",
                    f"Ogg pages {before[0] + 1} to {seq - 1} are missing near the end",
                )
            ]
        last[page_serial] = (seq, flags, granule)
        pos = end
    final = last.get(serial)
    if final is None:
        return []  # the first stream ended earlier; another one is last
    if not final[1] & 0x04:
        return [Finding("truncated", "the Ogg stream has no end-of-stream page")]
    if final[2] < 0 and final[2] != -1:
        return [Finding("bad-header", f"the last Ogg page has granule position {final[2]}")]
    return []
