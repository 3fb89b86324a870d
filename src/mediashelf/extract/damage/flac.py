"""FLAC: metadata block lengths, and STREAMINFO's total samples against the frames
that are there (the last frame header in the file's tail says where the audio stops)."""

from __future__ import annotations

from typing import BinaryIO, Final

from mediashelf.extract.damage import Finding
from mediashelf.extract.damage.id3 import tag_end

_MAX_BLOCKS: Final = 1024
_MIN_TAIL: Final = 64 << 10
_MAX_TAIL: Final = 4 << 20
#: block sizes of the frame header's 4-bit code (0: reserved; 6, 7: in the header)
_BLOCK_SIZES: Final = (0, 192, 576, 1152, 2304, 4608, -8, -16, *(256 << i for i in range(8)))


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def _crc8_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc << 1) ^ 0x07 if crc & 0x80 else crc << 1
        table.append(crc & 0xFF)
    return tuple(table)


_CRC8_TABLE: Final = _crc8_table()


class StreamInfo:
    __slots__ = ("block_size", "channels", "max_frame", "rate", "samples", "variable")

    def __init__(self, block: bytes) -> None:
        bits = int.from_bytes(block[10:18], "big")
        self.block_size = int.from_bytes(block[2:4], "big")  # the maximum
        self.variable = block[0:2] != block[2:4]
        self.max_frame = int.from_bytes(block[7:10], "big")
        self.rate = bits >> 44
        self.channels = ((bits >> 41) & 7) + 1
        self.samples = bits & 0xFFFFFFFFF


def check_flac(fileobj: BinaryIO, head: bytes, size: int) -> list[Finding]:
    start = tag_end(head)
    fileobj.seek(start)
    if fileobj.read(4) != b"fLaC":
        return []
    pos, info = start + 4, None
    for index in range(_MAX_BLOCKS):
        header = fileobj.read(4)
        if len(header) < 4:
            return [Finding("truncated", "the file ends inside the FLAC metadata")]
        kind, length = header[0] & 0x7F, int.from_bytes(header[1:4], "big")
        if pos + 4 + length > size:
            message = (
                f"a FLAC metadata block declares {length} bytes, "
                f"{size - pos - 4} are left in the file"
            )
            return [
                Finding("bad-header", message, lengths_intact=_ends_whole(fileobj, info, pos, size))
            ]
        if index == 0:
            if kind != 0 or length != 34:
                return [Finding("bad-header", "the FLAC stream does not start with STREAMINFO")]
            info = StreamInfo(fileobj.read(34))
        else:
            fileobj.seek(length, 1)
        pos += 4 + length
        if header[0] & 0x80:
            break
    if info is None or info.rate == 0:
        return [Finding("bad-header", "the FLAC STREAMINFO gives a sample rate of 0")]
    if pos >= size:
        return [Finding("audio-missing", "the FLAC file has metadata but no audio frames")]
    end = _last_sample(fileobj, info, pos, size)
    if info.samples and end is not None and end < info.samples:
        return [
            Finding(
                "truncated",
                f"the FLAC STREAMINFO declares {info.samples} samples, "
                f"the frames in the file end at sample {end}",
            )
        ]
    return []


def _ends_whole(fileobj: BinaryIO, info: StreamInfo | None, audio: int, size: int) -> bool:
    """Whether a whole STREAMINFO was read and the frames in the file's tail end at the
    sample it declares: then a later block's bad length damaged only the metadata,
    and the length STREAMINFO gives is a fact about the file."""
    if info is None or not info.rate or not info.samples:
        return False
    end = _last_sample(fileobj, info, audio, size)
    return end is not None and end >= info.samples


def _last_sample(fileobj: BinaryIO, info: StreamInfo, audio: int, size: int) -> int | None:
    """The end (in samples) of the latest frame whose header is in the file's tail.

    A header is taken only when its CRC-8 holds and it agrees with STREAMINFO; the
    largest end among them counts, so a chance match in the audio data can only hide
    a truncation, never report one.
    """
    want = max(_MIN_TAIL, 2 * info.max_frame + 64) if info.max_frame else 4 * _MIN_TAIL
    begin = max(audio, size - min(want, _MAX_TAIL))
    fileobj.seek(begin)
    tail = fileobj.read(size - begin)
    best = None
    pos = len(tail)
    while True:
        pos = tail.rfind(b"\xff", 0, pos)
        if pos < 0:
            break
        if pos + 1 < len(tail) and tail[pos + 1] in (0xF8, 0xF9):
            end = _frame_end(tail, pos, info)
            if end is not None and (best is None or end > best):
                best = end
                if best >= info.samples:
                    break
    return best


def _frame_end(data: bytes, pos: int, info: StreamInfo) -> int | None:
    """The sample after the frame whose header starts at data[pos], or None if it is
    not a valid frame header of this stream."""
    if pos + 6 > len(data):
        return None
    b2, b3 = data[pos + 2], data[pos + 3]
    size_code, rate_code = b2 >> 4, b2 & 0x0F
    if size_code == 0 or rate_code == 0x0F or b3 & 0x01 or (b3 >> 4) > 10:
        return None
    if (b3 >> 1) & 7 in (3, 7):
        return None
    assignment = b3 >> 4
    if (assignment + 1 if assignment < 8 else 2) != info.channels:
        return None
    # the UTF-8-like coded frame or sample number
    first = data[pos + 4]
    extra = 0
    mask = 0x80
    while first & mask and extra < 7:
        extra += 1
        mask >>= 1
    if extra == 1:
        return None
    number = first & (0x7F >> extra) if extra else first
    count = extra - 1 if extra else 0
    at = pos + 5
    if at + count > len(data):
        return None
    for byte in data[at : at + count]:
        if byte & 0xC0 != 0x80:
            return None
        number = number << 6 | (byte & 0x3F)
    at += count
    block = _BLOCK_SIZES[size_code]
    if block < 0:
        width = -block // 8
        if at + width > len(data):
            return None
        block = int.from_bytes(data[at : at + width], "big") + 1
        at += width
    at += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if at >= len(data) or _crc8(data[pos:at]) != data[at]:
        return None
    variable = data[pos + 1] & 1
    return number + block if variable else number * info.block_size + block
