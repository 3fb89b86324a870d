"""WAV (RIFF, RF64) and AIFF/AIFC: chunk sizes, the format chunk, and the sample data
the format chunk declares against what is there."""

from __future__ import annotations

import struct
from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding

_MAX_CHUNKS: Final = 1000
#: a data size a streaming writer leaves when it cannot seek back (RIFF: "unknown")
_STREAMING: Final = frozenset((0, 0xFFFFFFFF, 0x7FFFFFFF))
#: AIFC compression types whose sample frames have a fixed size
_PCM_AIFC: Final = frozenset((b"NONE", b"sowt", b"twos", b"raw ", b"in24", b"in32", b"fl32"))


def _chunks(
    fileobj: BinaryIO, size: int, little: bool
) -> tuple[dict[bytes, tuple[int, int]], Finding | None]:
    """{id: (data offset, declared size)} of the top-level chunks (first of each id),
    and a finding for a chunk that cannot be right."""
    found: dict[bytes, tuple[int, int]] = {}
    layout = "<4sI" if little else ">4sI"
    pos = 12
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > size:
            break
        fileobj.seek(pos)
        cid, length = struct.unpack(layout, fileobj.read(8))
        if not all(0x20 <= b < 0x7F for b in cid):
            break  # not a chunk: padding or trailing bytes some writers leave
        found.setdefault(cid, (pos + 8, length))
        if pos + 8 + length > size:
            if cid in (b"data", b"SSND") and length in _STREAMING:
                break
            name = cid.decode("latin-1")
            return found, Finding(
                "truncated",
                f"the chunk {name!r} declares {length} bytes, {size - pos - 8} are left in the file",
                # the sample data came whole before it: the lengths read from it hold
                lengths_intact=cid not in (b"data", b"SSND")
                and (b"data" in found or b"SSND" in found),
            )
        pos += 8 + length + (length & 1)
    return found, None


def check_wav(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    if head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        return []
    chunks, problem = _chunks(fileobj, size, little=True)
    if b"fmt " not in chunks:
        return [problem or Finding("bad-header", "the WAV file has no format chunk")]
    if chunks[b"fmt "][1] < 16:
        return [Finding("bad-header", "the WAV format chunk is too short")]
    if b"data" not in chunks and head[:4] == b"RIFF":
        return [problem or Finding("audio-missing", "the WAV file has no data chunk")]
    return [problem] if problem else []


def check_aiff(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        return []
    chunks, problem = _chunks(fileobj, size, little=False)
    if b"COMM" not in chunks:
        return [problem or Finding("bad-header", "the AIFF file has no COMM chunk")]
    offset, length = chunks[b"COMM"]
    fileobj.seek(offset)
    comm = fileobj.read(min(length, 64))
    if len(comm) < 18:
        return [Finding("bad-header", "the AIFF COMM chunk is too short")]
    channels, frames, bits = struct.unpack(">hIh", comm[:8])
    if b"SSND" not in chunks:
        if frames and channels:
            return [problem or Finding("audio-missing", "the AIFF file has no SSND chunk")]
        return [problem] if problem else []
    pcm = head[8:12] == b"AIFF" or comm[18:22] in _PCM_AIFC
    ssnd_offset, ssnd_length = chunks[b"SSND"]
    present = min(ssnd_length, size - ssnd_offset) - 8
    needed = frames * channels * ((bits + 7) // 8)
    if pcm and channels > 0 and 0 < bits <= 64 and present < needed:
        return [
            Finding(
                "truncated",
                f"the AIFF COMM chunk declares {frames} sample frames "
                f"({needed} bytes), the SSND chunk holds {max(present, 0)}",
            )
        ]
    return [problem] if problem else []
