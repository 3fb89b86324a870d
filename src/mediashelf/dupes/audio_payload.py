"""The hash of an audio file's payload: the audio data without its tags.

Two files whose payload hashes are equal hold the same audio stream, whatever their
tags say.  Per container:

- MP3 (and AAC/ADTS, AC-3, Monkey's Audio, WavPack, Musepack, TTA, OptimFROG, TAK:
  raw streams that carry tags at their ends): every byte between the ID3v2 tags at
  the start and the APEv2 / ID3v1 tags (and an appended ID3v2 tag) at the end.
- FLAC: the MD5 of the decoded audio that the encoder stored in STREAMINFO when it is
  set (so two encodes of the same audio at different compression levels match too);
  otherwise the frames after the last metadata block.
- MP4 / M4A: the contents of the top-level `mdat` boxes (tags live in `moov`).
- Ogg (Vorbis, Opus, Speex, FLAC): the bodies of the pages after the header packets
  (the comment packet holds the tags).  Page headers are left out: re-tagging renumbers
  the pages and changes their checksums, not the audio packets.
- WAV / AIFF: the `data` / `SSND` chunk.

The containers are parsed here, minimally, rather than with mutagen: the hash needs
byte ranges (mutagen does not expose where its tags end in every format), and reading
only the few header bytes that locate them avoids loading tag data (cover pictures)
that would be thrown away.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, Final

import xxhash

from mediashelf.errors import Corrupt, Unsupported

READ_SIZE: Final = 1 << 20

#: catalog formats whose payload can be found
SUPPORTED: Final = frozenset(
    {
        "mp3", "aac", "ac3", "ape", "wavpack", "musepack", "tta", "optimfrog", "tak",
        "flac", "mp4", "ogg", "opus", "speex", "oggflac", "wav", "aiff",
    }
)  # fmt: skip

#: prefix of a value that is FLAC's STREAMINFO MD5 rather than an xxh3-128 of bytes
_MD5_PREFIX: Final = b"flac-md5:"


def audio_hash(f: BinaryIO, size: int) -> bytes:
    """The payload hash of the open file `f` (`size` bytes).  Raises MediaError."""
    head = _pread(f, 0, 64)
    start = _id3v2_end(f, head, size)
    if start:
        head = _pread(f, start, 64)
    if head[:4] == b"fLaC":
        return _flac(f, start, size)
    if head[:4] == b"OggS":
        return _hash_chunks(f, _ogg_ranges(f, start, size))
    if head[4:8] == b"ftyp":
        return _hash_chunks(f, _mp4_ranges(f, start, size))
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _hash_chunks(f, _iff_ranges(f, start, size, b"data", "<", 12))
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _hash_chunks(f, _iff_ranges(f, start, size, b"SSND", ">", 12))
    end = _trailing_tags_start(f, start, size)
    return _hash_chunks(f, iter([(start, end)]))


# -- reading -------------------------------------------------------------------------------


def _pread(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


def _hash_chunks(f: BinaryIO, ranges: Iterator[tuple[int, int]]) -> bytes:
    h = xxhash.xxh3_128()
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    for start, end in ranges:
        f.seek(start)
        left = end - start
        while left > 0:
            n = f.readinto(view[: min(left, READ_SIZE)])  # type: ignore[attr-defined]
            if not n:
                raise Corrupt("file is shorter than its headers say")
            h.update(view[:n])
            left -= n
    return h.digest()


# -- tags at the ends of raw streams -----------------------------------------------------


def _synchsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def _id3v2_end(f: BinaryIO, head: bytes, size: int) -> int:
    """Offset after the ID3v2 tags at the start of the file (0 when there are none)."""
    pos = 0
    while head[:3] == b"ID3" and len(head) >= 10:
        tag = 10 + _synchsafe(head[6:10]) + (10 if head[5] & 0x10 else 0)
        if pos + tag > size:
            raise Corrupt("ID3v2 tag runs past the end of the file")
        pos += tag
        head = _pread(f, pos, 64)
    return pos


def _trailing_tags_start(f: BinaryIO, start: int, size: int) -> int:
    """Where the tags at the end begin: ID3v1, APEv2 and appended ID3v2, in any order."""
    end = size
    while end - start >= 10:
        if end - start >= 128 and _pread(f, end - 128, 3) == b"TAG":
            end -= 128
            continue
        footer = _pread(f, end - 32, 32) if end - start >= 32 else b""
        if footer[:8] == b"APETAGEX":
            tag_size, flags = struct.unpack("<I4xI", footer[12:24])
            end -= tag_size + (32 if flags & 0x80000000 else 0)
            if end < start:
                raise Corrupt("APEv2 tag runs past the start of the file")
            continue
        id3_footer = _pread(f, end - 10, 10)
        if id3_footer[:3] == b"3DI":
            end -= 20 + _synchsafe(id3_footer[6:10])
            if end < start:
                raise Corrupt("appended ID3v2 tag runs past the start of the file")
            continue
        break
    return end


# -- FLAC ----------------------------------------------------------------------------------


def _flac(f: BinaryIO, start: int, size: int) -> bytes:
    pos = start + 4
    while True:
        header = _pread(f, pos, 4)
        if len(header) < 4:
            raise Corrupt("FLAC metadata runs past the end of the file")
        block_type = header[0] & 0x7F
        length = int.from_bytes(header[1:4], "big")
        if block_type == 0:  # STREAMINFO
            info = _pread(f, pos + 4, 34)
            md5 = info[18:34]
            if len(md5) == 16 and any(md5):
                return _MD5_PREFIX + md5
        pos += 4 + length
        if header[0] & 0x80:
            break
        if pos > size:
            raise Corrupt("FLAC metadata runs past the end of the file")
    return _hash_chunks(f, iter([(pos, _trailing_tags_start(f, pos, size))]))


# -- MP4 -----------------------------------------------------------------------------------


def _mp4_ranges(f: BinaryIO, start: int, size: int) -> Iterator[tuple[int, int]]:
    pos = start
    found = False
    while pos + 8 <= size:
        header = _pread(f, pos, 16)
        box_size, box_type = struct.unpack(">I4s", header[:8])
        offset = 8
        if box_size == 1:
            if len(header) < 16:
                raise Corrupt("MP4 box header cut short")
            box_size = struct.unpack(">Q", header[8:16])[0]
            offset = 16
        elif box_size == 0:
            box_size = size - pos
        if box_size < offset or pos + box_size > size:
            raise Corrupt(f"MP4 box {box_type!r} runs past the end of the file")
        if box_type == b"mdat":
            found = True
            yield pos + offset, pos + box_size
        pos += box_size
    if not found:
        raise Corrupt("MP4 file without an mdat box")


# -- WAV / AIFF ----------------------------------------------------------------------------


def _iff_ranges(
    f: BinaryIO, start: int, size: int, wanted: bytes, order: str, first: int
) -> Iterator[tuple[int, int]]:
    pos = start + first
    while pos + 8 <= size:
        chunk_id, length = struct.unpack(order + "4sI", _pread(f, pos, 8))
        if chunk_id == wanted:
            yield pos + 8, min(pos + 8 + length, size)
            return
        pos += 8 + length + (length & 1)
    raise Corrupt(f"no {wanted.decode()} chunk")


# -- Ogg -----------------------------------------------------------------------------------


def _header_packets(first: bytes) -> int:
    """How many header packets a logical stream starts with, from its first packet."""
    if first.startswith(b"\x01vorbis"):
        return 3
    if first.startswith(b"OpusHead"):
        return 2
    if first.startswith(b"\x7fFLAC") and len(first) >= 9:
        count = int.from_bytes(first[7:9], "big")
        if count:
            return 1 + count
    if first.startswith(b"Speex   ") and len(first) >= 80:
        return 2 + int.from_bytes(first[76:80], "little")
    raise Unsupported("Ogg stream of an unknown codec")


def _ogg_ranges(f: BinaryIO, start: int, size: int) -> Iterator[tuple[int, int]]:
    """The page bodies after the header packets of the first logical stream."""
    pos = start
    serial: int | None = None
    headers_left = -1  # unknown until the first packet is read
    packets_done = 0
    first = b""
    while pos + 27 <= size:
        header = _pread(f, pos, 27)
        if header[:4] != b"OggS":
            raise Corrupt(f"Ogg page expected at offset {pos}")
        page_serial = struct.unpack("<I", header[14:18])[0]
        nsegs = header[26]
        lacing = _pread(f, pos + 27, nsegs)
        if len(lacing) < nsegs:
            raise Corrupt("Ogg page cut short")
        body = pos + 27 + nsegs
        body_size = sum(lacing)
        if body + body_size > size:
            raise Corrupt("Ogg page runs past the end of the file")
        if serial is None:
            serial = page_serial
        if page_serial != serial or headers_left == 0:
            yield body, body + body_size
        else:
            if packets_done == 0 and headers_left < 0:
                first += _pread(f, body, min(body_size, 128))
            for value in lacing:
                if value < 255:
                    packets_done += 1
                    if headers_left < 0:
                        headers_left = _header_packets(first)
            if headers_left > 0 and packets_done >= headers_left:
                headers_left = 0
        pos = body + body_size
    if headers_left != 0:
        raise Corrupt("Ogg stream ends inside its header packets")
