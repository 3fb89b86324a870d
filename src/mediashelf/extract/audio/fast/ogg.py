"""Ogg Vorbis and Ogg Opus files of one logical stream, read as mutagen reads them.

The identification header on the first page, the comment packet on the pages
after it, and the granule position of the stream's last page for the length
(mutagen's `OggPage.find_last`: the last "OggS" in the final 64 KiB, which must
be the stream's end-of-stream page).  Another layout (several streams, a stream
not ended, a page that does not parse) raises NotFast.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Final

from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.fast.common import NotFast, StreamInfo
from mediashelf.extract.audio.fast.source import Source
from mediashelf.extract.audio.fast.vorbis import parse_comments
from mediashelf.extract.audio.values import Loaded

_HEADER: Final = struct.Struct("<4sBBqIIiB")
#: mutagen looks for the last page in this many bytes at the end of the file
_LAST_PAGE_WINDOW: Final = 256 * 256
#: bytes read first from the end (a whole last page, almost always)
_TAIL: Final = 8192


class _Page:
    __slots__ = ("end", "flags", "packets", "position", "sequence", "serial")

    def __init__(self, data: bytes, pos: int) -> None:
        """Raises NotFast if the page is not whole in `data`."""
        if pos + 27 > len(data):
            raise NotFast("page header past the data")
        oggs, version, self.flags, self.position, self.serial, self.sequence, _, segments = (
            _HEADER.unpack_from(data, pos)
        )
        if oggs != b"OggS" or version != 0:
            raise NotFast("not an Ogg page")
        pos += 27
        lacing = data[pos : pos + segments]
        if len(lacing) != segments:
            raise NotFast("lacing past the data")
        pos += segments
        sizes: list[int] = []
        total = 0
        for c in lacing:
            total += c
            if c < 255:
                sizes.append(total)
                total = 0
        if total:
            sizes.append(total)
        self.packets: list[bytes] = []
        for n in sizes:
            self.packets.append(data[pos : pos + n])
            pos += n
        if pos > len(data):
            raise NotFast("page data past the data")
        self.end = pos
        self.flags |= 0x100 if total else 0  # packet continues on the next page

    @property
    def complete(self) -> bool:
        return not self.flags & 0x100


def _comment_packet(src: Source, pos: int, serial: int, magic: bytes) -> tuple[bytes, int]:
    """The comment packet on the pages from `pos` (first packet of the first page of
    `serial`), and where those pages end."""
    pages: list[_Page] = []
    while True:
        page = _parse_at(src, pos)
        pos = page.end
        if page.serial != serial:
            if not pages:
                raise NotFast("another stream's page before the comments")
            continue
        if not pages and (
            page.flags & 1 or not page.packets[:1] or not page.packets[0].startswith(magic)
        ):
            raise NotFast("comment page layout")
        if pages and page.sequence != pages[-1].sequence + 1:
            raise NotFast("page sequence")
        pages.append(page)
        if page.complete or len(page.packets) > 1:
            break
    packet = pages[0].packets[0]
    for page in pages[1:]:
        if not page.packets:
            continue
        if not page.flags & 1:
            raise NotFast("comment packet not continued")
        packet += page.packets[0]
    return packet, pos


def _parse_at(src: Source, pos: int) -> _Page:
    """The page at `pos`, reading more of the file if it is not all in `src.head`."""
    try:
        return _Page(src.head, pos)
    except NotFast:
        if len(src.head) >= src.size:
            raise
    src.extend(pos + 65536)
    return _Page(src.head, pos)


def _last_granule(fileobj: BinaryIO, size: int, serial: int) -> int:
    """The granule position of the last page, as `OggPage.find_last(finishing=True)`
    finds it when the stream is not multiplexed."""
    for window in (_TAIL, _LAST_PAGE_WINDOW):
        start = max(0, size - min(window, _LAST_PAGE_WINDOW))
        fileobj.seek(start)
        data = fileobj.read()
        index = data.rfind(b"OggS")
        if index == -1:
            if start == 0 or window == _LAST_PAGE_WINDOW:
                break
            continue
        page = _Page(data, index)  # NotFast: mutagen would not find it either
        if page.serial == serial and page.position != -1 and page.flags & 4:
            return int(page.position)
        break
    raise NotFast("the last page is not the stream's end")


def load_ogg(fileobj: BinaryIO, detection: Detection, size: int, head: bytes) -> Loaded:
    """Ogg Vorbis ("ogg") or Ogg Opus ("opus") with one stream."""
    if detection.video:
        raise NotFast("Ogg file with a video stream")
    src = Source(fileobj, head, size)
    first = _parse_at(src, 0)
    packet = first.packets[0] if first.packets else b""
    if not first.flags & 2:
        raise NotFast("the first page does not start a stream")
    if packet.startswith(b"\x01vorbis"):
        if len(packet) < 28:
            raise NotFast("short identification header")
        channels, rate, high, nominal, low = struct.unpack("<BI3i", packet[11:28])
        if rate == 0:
            raise NotFast("sample rate 0")
        comments, end = _comment_packet(src, first.end, first.serial, b"\x03vorbis")
        tags, _ = parse_comments(comments, 7, framing=True)
        high, low, nominal = max(0, high), max(0, low), max(0, nominal)
        if nominal == 0:
            bitrate = (high + low) // 2
        elif high and high < nominal:
            bitrate = high
        elif low > nominal:
            bitrate = low
        else:
            bitrate = nominal
        granule = _last_granule(fileobj, size, first.serial)
        info = StreamInfo(granule / float(rate), bitrate, rate, channels)
    elif packet.startswith(b"OpusHead"):
        if len(packet) < 19 or packet[8] >> 4 != 0:
            raise NotFast("Opus header")
        channels, pre_skip = packet[9], int.from_bytes(packet[10:12], "little")
        comments, end = _comment_packet(src, first.end, first.serial, b"OpusTags")
        tags, _ = parse_comments(comments, 8, framing=False)
        granule = _last_granule(fileobj, size, first.serial)
        length = (granule - pre_skip) / float(48000)
        bitrate = round((size - end) * 8 / length) if length else 0
        info = StreamInfo(length, bitrate, 48000, channels)
    else:
        raise NotFast("not Vorbis or Opus")
    return Loaded(info, tags)
