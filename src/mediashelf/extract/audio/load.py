"""Loading one file with mutagen, plus what mutagen leaves out.

The default is `cls(fileobj)` for the detected mutagen class.  Some formats need
more: MP3 (salvage the tags of a truncated file or of one without MPEG frames),
FLAC (salvage the readable blocks; an ID3 tag in front), TTA (channels, bits),
MP3/TTA/AAC/AC-3 (an APEv2 tag at the end); MP4, WAV, AIFF and ASF are in
`containers`.  Secondary tags go straight into the collector.
"""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO, Final

from mediashelf.errors import MediaError
from mediashelf.extract.audio.containers import load_aiff, load_asf, load_mp4, load_wav
from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.fast import first_pass_load
from mediashelf.extract.audio.mutagen import mutagen_class, mutagen_module
from mediashelf.extract.audio.tags import read_ape, read_id3
from mediashelf.extract.audio.values import SECONDARY, Collector, Loaded

#: Most bytes read from the start of a FLAC file when salvaging its metadata.
_MAX_FLAC_METADATA: Final = 16 << 20


def load(
    fmt: str,
    fileobj: BinaryIO,
    detection: Detection,
    size: int,
    c: Collector,
    head: bytes = b"",
    first_pass: bool = True,
) -> Loaded:
    """Load a file of a known format; secondary tags go into `c`.

    The format's first-pass parser (`fast.FIRST_PASS`) is tried first, unless
    `first_pass` is false; when it declines the file, mutagen loads it.
    """
    loaded = first_pass_load(fmt, fileobj, detection, size, head) if first_pass else None
    if loaded is None:
        loaded = _mutagen_load(fmt, fileobj, detection, size, c)
    if fmt in _TRAILING_APE:
        read_trailing_ape(c, fileobj, size)
    return loaded


def _mutagen_load(
    fmt: str, fileobj: BinaryIO, detection: Detection, size: int, c: Collector
) -> Loaded:
    special = _LOADERS.get(fmt)
    if special is not None:
        return special(fileobj, detection, size, c)
    obj = mutagen_class(fmt)(fileobj)
    return Loaded(obj.info, obj.tags, video=detection.video)


def from_object(fmt: str, obj: Any, fileobj: BinaryIO, size: int, c: Collector) -> Loaded:
    """Wrap an object mutagen.File already loaded (format guessed by mutagen)."""
    loaded = Loaded(obj.info, obj.tags, pictures=getattr(obj, "pictures", ()))
    if fmt in _TRAILING_APE:
        read_trailing_ape(c, fileobj, size)
    return loaded


# -- MP3 -----------------------------------------------------------------------------


def _load_mp3(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    """An MP3; the tags alone when the file ends inside them or has no MPEG frames."""
    id3 = mutagen_module("id3")

    if detection.id3_size > size:
        # The file ends inside its ID3 tag: parse the part that is there, from a copy
        # whose header declares only that much.
        fileobj.seek(0)
        data = bytearray(fileobj.read())
        body = len(data) - 10
        data[5] &= 0xEF  # no footer
        data[6:10] = bytes((body >> 21 & 0x7F, body >> 14 & 0x7F, body >> 7 & 0x7F, body & 0x7F))
        c.warn(f"truncated: the ID3 tag declares {detection.id3_size} bytes, the file has {size}")
        return Loaded(None, id3.ID3(io.BytesIO(bytes(data)), load_v1=False, translate=False))
    try:
        # No v2.4 translation: it costs a tenth of the load and drops frames (TDAT ...).
        obj = mutagen_class("mp3")(fileobj, translate=False)
    except mutagen_module("mp3").HeaderNotFoundError:
        fileobj.seek(0)
        try:
            tags = id3.ID3(fileobj, translate=False)
        except MediaError:
            raise
        except Exception:
            tags = None
        if not tags:
            raise
        c.warn("no MPEG audio frames found: only the tags were read")
        return Loaded(None, tags)
    return Loaded(obj.info, obj.tags)


# -- FLAC ----------------------------------------------------------------------------


class _StreamInfo:
    """FLAC stream properties parsed by hand from a STREAMINFO block mutagen rejected."""

    def __init__(self, block: bytes) -> None:
        if len(block) < 18:
            raise ValueError("STREAMINFO block too short")
        bits = int.from_bytes(block[10:18], "big")
        self.sample_rate = bits >> 44
        self.channels = ((bits >> 41) & 7) + 1
        self.bits_per_sample = ((bits >> 36) & 31) + 1
        samples = bits & 0xFFFFFFFFF
        if not self.sample_rate:
            raise ValueError("sample rate 0")
        self.length = samples / self.sample_rate
        self.bitrate = 0


def _load_flac(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    error = mutagen_module("flac").error

    try:
        obj = mutagen_class("flac")(fileobj)
        loaded = Loaded(obj.info, obj.tags, pictures=obj.pictures)
    except error as e:
        loaded = _salvage_flac(fileobj, e, c)
    if detection.id3_size:
        read_id3_prefix(c, fileobj, secondary=True)
    return loaded


def _salvage_flac(fileobj: BinaryIO, error: Exception, c: Collector) -> Loaded:
    """Read the metadata blocks that parse from a FLAC file mutagen rejects.

    The first valid STREAMINFO counts; a truncated or malformed block ends the walk.
    """
    flac = mutagen_module("flac")

    fileobj.seek(0)
    data = fileobj.read(_MAX_FLAC_METADATA)
    pos = data.find(b"fLaC")
    if pos < 0:
        raise error
    pos += 4
    info: _StreamInfo | None = None
    tags: Any = None
    pictures: list[Any] = []
    while pos + 4 <= len(data):
        kind, block_size = data[pos] & 0x7F, int.from_bytes(data[pos + 1 : pos + 4], "big")
        last = data[pos] & 0x80
        block = data[pos + 4 : pos + 4 + block_size]
        pos += 4 + block_size
        try:
            if kind == 0 and info is None:
                info = _StreamInfo(block)
            elif kind == 4 and tags is None and len(block) == block_size:
                tags = flac.VCFLACDict(block, framing=False)
            elif kind == 6 and len(block) == block_size:
                pictures.append(flac.Picture(block))
        except MediaError:
            raise
        except Exception:
            pass  # a damaged block: skip it
        if last or len(block) < block_size:
            break
    if info is None:
        raise error
    c.warn(f"FLAC metadata is damaged ({error}): read the blocks that could be parsed")
    return Loaded(info, tags, pictures=pictures)


def read_id3_prefix(c: Collector, fileobj: BinaryIO, secondary: bool) -> None:
    """The ID3v2 tag in front of a FLAC (non-standard) or ADTS stream."""
    id3 = mutagen_module("id3")
    fileobj.seek(0)
    try:
        tags = id3.ID3(fileobj, load_v1=False, translate=False)
    except id3.error:
        return
    if secondary:
        read_id3(c, tags, SECONDARY, "ID3:")
    else:
        read_id3(c, tags)


def _load_aac(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    obj = mutagen_class("aac")(fileobj)
    if detection.id3_size:
        read_id3_prefix(c, fileobj, secondary=False)
    return Loaded(obj.info, None)


def _load_tta(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    """TrueAudio: mutagen reads the sample rate and length; channels and bits from the header."""
    obj = mutagen_class("tta")(fileobj)
    loaded = Loaded(obj.info, obj.tags)
    fileobj.seek(detection.id3_size)
    header = fileobj.read(10)
    if len(header) == 10 and header.startswith(b"TTA"):
        channels, bits = struct.unpack("<HH", header[6:10])
        if channels:
            loaded.stream["channels"] = channels
        if bits:
            loaded.stream["bitdepth"] = bits
    return loaded


# -- APEv2 at the end ----------------------------------------------------------------

#: Formats that may carry an APEv2 tag at the end besides their own tags.
_TRAILING_APE: Final = frozenset(("mp3", "tta", "aac", "ac3"))


def read_trailing_ape(c: Collector, fileobj: BinaryIO, size: int) -> None:
    """An APEv2 tag at the end of the file (before any Lyrics3v2 and ID3v1 tags)."""
    if size < 32:
        return
    fileobj.seek(max(0, size - 32 - 15 - 6 - 128))
    if b"APETAGEX" not in fileobj.read():
        return
    apev2 = mutagen_module("apev2")
    fileobj.seek(0)
    try:
        tags = apev2.APEv2(fileobj)
    except apev2.error:
        return
    read_ape(c, tags, SECONDARY, "APE:")


_LOADERS: Final = {
    "mp3": _load_mp3,
    "mp4": load_mp4,
    "flac": _load_flac,
    "aac": _load_aac,
    "tta": _load_tta,
    "wav": load_wav,
    "aiff": load_aiff,
    "asf": load_asf,
}
