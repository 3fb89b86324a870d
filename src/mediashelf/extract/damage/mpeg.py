"""MP3: the Xing/Info or VBRI header's byte size and frame count against the audio
bytes the file holds."""

from __future__ import annotations

from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding
from mediashelf.extract.damage.id3 import tag_end

_SEARCH: Final = 64 << 10
#: kbit/s by (MPEG-1?, layer) and index; sample rates by version and index
_BITRATES: Final = {
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
#: slack between the declared and the present audio bytes (writers round, and some
#: count the tag or leave out the header frame)
_SLACK: Final = 0.01


def check_mp3(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    start = tag_end(head)
    if start >= size:
        return []
    fileobj.seek(start)
    data = fileobj.read(_SEARCH)
    frame = _first_frame(data)
    if frame is None:
        return []
    pos, version, mono = frame
    declared_bytes, frames = _vbr_header(data, pos, version, mono)
    if declared_bytes is None and frames is None:
        return []
    present = size - start - pos
    if declared_bytes and present < declared_bytes * (1 - _SLACK) - 4096:
        return [
            Finding(
                "truncated",
                f"the MP3's VBR header declares {declared_bytes} bytes of audio, "
                f"the file holds {present}",
            )
        ]
    samples = 1152 if version == 3 else 576
    rate = _RATES[version][(data[pos + 2] >> 2) & 3]
    # the smallest frame of the lowest bitrate: fewer bytes cannot hold that many frames
    smallest = samples // 8 * _BITRATES[(version == 3, 3)][1] * 1000 // rate
    if frames and present < frames * smallest * (1 - _SLACK) - 4096:
        return [
            Finding(
                "truncated",
                f"the MP3's VBR header declares {frames} frames, "
                f"the file's {present} bytes cannot hold them",
            )
        ]
    return []


def _first_frame(data: bytes) -> tuple[int, int, bool] | None:
    """(offset, version bits, mono) of the first layer III frame header followed by
    another one where its length says."""
    pos = data.find(b"\xff")
    while 0 <= pos < len(data) - 4:
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        index, rate_index = b2 >> 4, (b2 >> 2) & 3
        if b1 & 0xE0 == 0xE0 and version != 1 and layer == 1 and 0 < index < 15 and rate_index < 3:
            kbps = _BITRATES[(version == 3, 3)][index]
            rate = _RATES[version][rate_index]
            length = (144 if version == 3 else 72) * kbps * 1000 // rate + ((b2 >> 1) & 1)
            nxt = pos + length
            if nxt + 1 >= len(data) or (data[nxt] == 0xFF and data[nxt + 1] & 0xE0 == 0xE0):
                return pos, version, (b3 >> 6) == 3
        pos = data.find(b"\xff", pos + 1)
    return None


def _vbr_header(data: bytes, pos: int, version: int, mono: bool) -> tuple[int | None, int | None]:
    """(audio bytes, frames) declared by a Xing/Info or VBRI header in the first frame."""
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    at = pos + 4 + side
    if data[at : at + 4] in (b"Xing", b"Info") and at + 8 <= len(data):
        flags = int.from_bytes(data[at + 4 : at + 8], "big")
        at += 8
        frames = nbytes = None
        if flags & 1 and at + 4 <= len(data):
            frames = int.from_bytes(data[at : at + 4], "big")
            at += 4
        if flags & 2 and at + 4 <= len(data):
            nbytes = int.from_bytes(data[at : at + 4], "big")
        return nbytes, frames
    at = pos + 36
    if data[at : at + 4] == b"VBRI" and at + 18 <= len(data):
        nbytes = int.from_bytes(data[at + 10 : at + 14], "big")
        frames = int.from_bytes(data[at + 14 : at + 18], "big")
        return nbytes, frames
    return None, None
