"""Vorbis comments and FLAC metadata blocks, parsed as mutagen parses them.

`parse_comments` gives the (key, value) list a mutagen VComment is (what
`audio.vorbis.read_vorbis` walks): values decoded as UTF-8 with replacement, a
comment without "=" named "unknown<i>", invalid keys dropped.  `load_flac` walks
the metadata blocks of a FLAC file that starts with "fLaC": STREAMINFO, the first
VORBIS_COMMENT block, every PICTURE block; padding and application blocks are
skipped without being read.  A block mutagen would size differently from its
header, a cue sheet, a second seek table or a bad STREAMINFO raise NotFast.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Final

from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.fast.common import NotFast, StreamInfo
from mediashelf.extract.audio.fast.source import Source
from mediashelf.extract.audio.values import Loaded

#: mutagen's `is_valid_key`: printable ASCII from space to "}", without "="
_VALID_KEY: Final = re.compile(r"[ -<>-}]*")


def _u32le(data: bytes, pos: int) -> int:
    if pos + 4 > len(data):
        raise NotFast("comment block ends early")
    return int.from_bytes(data[pos : pos + 4], "little")


def parse_comments(data: bytes, pos: int, framing: bool) -> tuple[list[tuple[str, str]], int]:
    """The comments of a Vorbis comment packet starting at `pos`, and where it ends."""
    n = len(data)
    pos += 4 + _u32le(data, pos)  # the vendor string
    count = _u32le(data, pos)
    pos += 4
    out: list[tuple[str, str]] = []
    for i in range(count):
        length = _u32le(data, pos)
        pos += 4
        end = pos + length
        if end > n:
            raise NotFast("comment runs past its block")
        text = data[pos:end].decode("utf-8", "replace")
        pos = end
        key, sep, value = text.partition("=")
        if not sep:
            key, value = f"unknown{i}", text
        if not key.isascii():
            key = key.encode("ascii", "replace").decode("ascii")
        if _VALID_KEY.fullmatch(key):
            out.append((key, value))
    if framing:
        if pos >= n or not data[pos] & 1:
            raise NotFast("framing bit unset")  # mutagen rejects the file
        pos += 1
    return out, pos


class Picture:
    """A FLAC picture block (or METADATA_BLOCK_PICTURE) as `read_flac_pictures` reads it."""

    __slots__ = ("data", "desc", "mime", "type")

    def __init__(self, block: bytes) -> None:
        """Raises NotFast unless the fields fill the block exactly."""
        ptype, pos = _u32be(block, 0), 4
        mime_len = _u32be(block, pos)
        self.mime = block[pos + 4 : pos + 4 + mime_len].decode("utf-8", "replace")
        pos += 4 + mime_len
        desc_len = _u32be(block, pos)
        self.desc = block[pos + 4 : pos + 4 + desc_len].decode("utf-8", "replace")
        pos += 4 + desc_len + 16
        data_len = _u32be(block, pos)
        pos += 4
        if pos + data_len != len(block):
            raise NotFast("picture block size")
        self.type = ptype
        self.data = block[pos:]


def _u32be(data: bytes, pos: int) -> int:
    if pos + 4 > len(data):
        raise NotFast("picture block ends early")
    return int.from_bytes(data[pos : pos + 4], "big")


def _stream_info(block: bytes) -> StreamInfo:
    if len(block) < 34:
        raise NotFast("short STREAMINFO")
    sample_first = int.from_bytes(block[10:12], "big")
    scb = block[12]
    bps_total = int.from_bytes(block[13:18], "big")
    rate = (sample_first << 4) + (scb >> 4)
    if not rate:
        raise NotFast("sample rate 0")
    total = bps_total & 0xFFFFFFFFF
    info = StreamInfo(total / float(rate), 0, rate, ((scb >> 1) & 7) + 1)
    info.bits_per_sample = ((scb & 1) << 4) + (bps_total >> 36) + 1
    return info


def load_flac(fileobj: BinaryIO, detection: Detection, size: int, head: bytes) -> Loaded:
    """A FLAC file starting with "fLaC": stream info, comments and pictures."""
    if detection.id3_size or not head.startswith(b"fLaC"):
        raise NotFast("not a bare FLAC stream")
    src = Source(fileobj, head, size)
    info: StreamInfo | None = None
    tags: list[tuple[str, str]] | None = None
    pictures: list[Picture] = []
    seektable = False
    pos, last = 4, 0
    while not last:
        header = src.get(pos, 4)
        code, last = header[0] & 0x7F, header[0] & 0x80
        n = int.from_bytes(header[1:4], "big")
        pos += 4
        if pos + n > size:
            raise NotFast("block runs past the end of the file")
        if code == 0:
            block_info = _stream_info(src.get(pos, n))
            info = info or block_info
        elif code == 4:
            comments, end = parse_comments(src.get(pos, n), 0, framing=False)
            if end != n:
                raise NotFast("comment block size")
            tags = comments if tags is None else tags
        elif code == 6:
            pictures.append(Picture(src.get(pos, n)))
        elif code == 5 or (code == 3 and seektable):
            raise NotFast("cue sheet, or a second seek table")
        seektable = seektable or code == 3
        pos += n
    if info is None:
        raise NotFast("no STREAMINFO")
    if info.length:
        info.bitrate = int(float(size - pos) * 8 / info.length)
    return Loaded(info, tags, pictures=pictures)
