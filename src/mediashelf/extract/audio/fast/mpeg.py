"""MP3 files with an ID3v2 tag: the tag (see `fast.id3`) and the stream properties
of the first MPEG frame, its Xing/Info and LAME headers, as mutagen computes them.

mutagen's `MPEGInfo` looks for the first frame sync after the tags and takes the
first frame that has a Xing/Info header, or the first of four valid frames in a
row; the length comes from the Xing frame count less the LAME encoder delay and
padding, else from the file size and the bit rate.  The same arithmetic is done
here on one read of the file's start.  A file that does not have that shape (no
ID3v2 tag, stacked tags, junk before the first frame, a VBRI header, frames that
do not follow each other) raises NotFast and is read by mutagen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, BinaryIO, Final

from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.fast.common import NotFast, StreamInfo
from mediashelf.extract.audio.fast.id3 import Tags, parse_id3
from mediashelf.extract.audio.mutagen import mutagen_module
from mediashelf.extract.audio.values import Loaded

#: bytes read past the tag: the first frames and their Xing/LAME headers
_PEEK: Final = 8192

_BITRATES: Final[dict[tuple[float, int], tuple[int, ...]]] = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_BITRATES[(2, 3)] = _BITRATES[(2, 2)]
for _layer in (1, 2, 3):
    _BITRATES[(2.5, _layer)] = _BITRATES[(2, _layer)]
_RATES: Final[dict[float, tuple[int, int, int]]] = {
    1: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    2.5: (11025, 12000, 8000),
}
_VERSIONS: Final = (2.5, None, 2, 1)


class _Frame:
    """One MPEG audio frame header (and what its Xing header says, if it has one)."""

    __slots__ = (
        "bitrate",
        "channels",
        "frame_length",
        "layer",
        "length",
        "offset",
        "rate",
        "sketchy",
    )

    def __init__(self, data: bytes, pos: int) -> None:
        """Raises ValueError where mutagen raises HeaderNotFoundError."""
        h = int.from_bytes(data[pos : pos + 4], "big")
        version, layer = (h >> 19) & 3, (h >> 17) & 3
        bitrate, rate, padding, mode = (h >> 12) & 15, (h >> 10) & 3, (h >> 9) & 1, (h >> 6) & 3
        if h >> 21 != 0x7FF or version == 1 or layer == 0 or rate == 3 or bitrate in (0, 15):
            raise ValueError("invalid header")
        v = _VERSIONS[version]
        assert v is not None
        self.offset = pos
        self.channels = 1 if mode == 3 else 2
        self.layer = 4 - layer
        self.bitrate = _BITRATES[(v, self.layer)][bitrate] * 1000
        self.rate = _RATES[v][rate]
        if self.layer == 1:
            size, slot = 384, 4
        elif v >= 2 and self.layer == 3:
            size, slot = 576, 1
        else:
            size, slot = 1152, 1
        self.frame_length = ((size // 8 * self.bitrate) // self.rate + padding) * slot
        self.sketchy = True
        self.length = -1.0
        if self.layer == 3:
            xing_at = pos + ((36 if mode != 3 else 21) if v == 1 else (21 if mode != 3 else 13))
            self._xing(data, xing_at, size)

    def _xing(self, data: bytes, pos: int, frame_size: int) -> None:
        tag = data[pos : pos + 4]
        if tag not in (b"Xing", b"Info"):
            if data[self.offset + 36 : self.offset + 40] == b"VBRI" or len(data) < pos + 4:
                raise NotFast("VBRI header, or the buffer ends")
            return
        flags = int.from_bytes(data[pos + 4 : pos + 8], "big")
        pos += 8
        frames = nbytes = -1
        if flags & 1:
            frames = int.from_bytes(data[pos : pos + 4], "big")
            pos += 4
        if flags & 2:
            nbytes = int.from_bytes(data[pos : pos + 4], "big")
            pos += 4
        pos += (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
        if len(data) < pos + 47:
            raise NotFast("Xing header past the buffer")
        delay = _lame_delay(data, pos)
        self.sketchy = False
        if frames != -1:
            samples = frame_size * frames
            if nbytes != -1 and samples > 0:
                audio_bytes = max(0, nbytes - self.frame_length)
                self.bitrate = _intround(audio_bytes * 8 * self.rate / float(samples))
            samples = max(0, samples - delay)
            self.length = float(samples) / self.rate


def _intround(value: float) -> int:
    """mutagen's rounding of the Xing bit rate (half to even, through Decimal)."""
    return int(Decimal.from_float(value).to_integral_value(ROUND_HALF_EVEN))


def _lame_delay(data: bytes, pos: int) -> int:
    """Encoder delay plus padding from a LAME header at `pos` (0 when there is none),
    decided as mutagen's `LAMEHeader.parse_version` decides it."""
    version = data[pos : pos + 20]
    if not version.startswith((b"LAME", b"L3.99")):
        return 0
    rest = version.lstrip(b"EMAL")
    major, rest = rest[0:1], rest[1:].lstrip(b".")
    minor = b""
    for i in range(len(rest)):
        if not rest[i : i + 1].isdigit():
            break
        minor += rest[i : i + 1]
    rest = rest[len(minor) :]
    try:
        numbers = (int(major.decode("ascii")), int(minor.decode("ascii")))
    except ValueError:
        return 0
    if numbers < (3, 90) or (numbers == (3, 90) and rest[-11:-10] == b"("):
        return 0
    if len(rest) < 11:
        return 0
    payload = data[pos + 9 : pos + 36]
    if len(payload) != 27 or payload[0] >> 4 != 0:
        return 0
    delay = payload[12] << 4 | payload[13] >> 4
    padding = (payload[13] & 0x0F) << 8 | payload[14]
    return delay + padding


def _first_frame(data: bytes, start: int, complete: bool) -> _Frame:
    """The frame mutagen's MPEGInfo settles on, if it is found at the first sync."""
    pos = data.find(b"\xff", start)
    while pos != -1 and pos + 1 < len(data) and data[pos + 1] & 0xE0 != 0xE0:
        pos = data.find(b"\xff", pos + 1)
    if pos == -1 or pos + 1 >= len(data):
        raise NotFast("no frame sync in the first bytes")
    frames: list[_Frame] = []
    for _ in range(4):
        if pos + 4 > len(data):
            if not complete:
                raise NotFast("frames past the buffer")
            break
        try:
            frame = _Frame(data, pos)
        except ValueError:
            break
        frames.append(frame)
        if not frame.sketchy:
            return frame
        pos += frame.frame_length
    if len(frames) < 4:
        raise NotFast("fewer than four frames in a row at the first sync")
    return frames[0]


def load_mp3(fileobj: BinaryIO, detection: Detection, size: int, head: bytes) -> Loaded:
    """An MP3 with one ID3v2.3/2.4 tag in front: its tags and stream; raises NotFast."""
    tag_size = detection.id3_size
    if not tag_size or tag_size > size or len(head) < 10:
        raise NotFast("no complete ID3v2 tag")
    first = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
    if first != tag_size:
        raise NotFast("stacked ID3v2 tags, or a footer")
    want = tag_size + _PEEK
    if len(head) >= want or len(head) >= size:
        data = head
    else:
        fileobj.seek(0)
        data = fileobj.read(want)
    tags = parse_id3(data[:tag_size])
    if data[tag_size : tag_size + 3] == b"ID3":
        raise NotFast("another ID3 tag after the first")
    frame = _first_frame(data, tag_size, complete=len(data) >= size)
    length = frame.length
    if length == -1:
        length = 8 * (size - frame.offset) / float(frame.bitrate)
    info = StreamInfo(length, frame.bitrate, frame.rate, frame.channels)
    info.layer = frame.layer
    _add_id3v1(fileobj, size, tags)
    return Loaded(info, tags)


def _add_id3v1(fileobj: BinaryIO, size: int, tags: Tags) -> None:
    """An ID3v1 tag at the end fills in frames the v2 tag lacks (as mutagen merges it)."""
    fileobj.seek(max(0, size - 131))
    if b"TAG" not in fileobj.read(131):
        return
    frames: Any
    frames, _ = mutagen_module("id3._id3v1").find_id3v1(fileobj, 4 if tags.version[1] == 4 else 3)
    for frame in (frames or {}).values():
        if frame.HashKey not in tags:
            tags[frame.HashKey] = frame
