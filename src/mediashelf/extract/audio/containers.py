"""Container formats whose files hold more than mutagen reads.

MP4: whether a video track is there, and a copy cut back to whole atoms when the
file ends inside them.  WAV/AIFF: RIFF INFO items and AIFF text chunks, the real
codec (and, for compressed WAV, duration).  ASF: codec, bit depth and video streams
from the stream properties.
"""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO, Final

from mediashelf.errors import MediaError
from mediashelf.extract.audio.detect import Detection
from mediashelf.extract.audio.mutagen import mutagen_class, mutagen_module
from mediashelf.extract.audio.tags import read_id3, read_text_chunks
from mediashelf.extract.audio.values import SECONDARY, Collector, Loaded

# -- MP4 -----------------------------------------------------------------------------


def load_mp4(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    """What mutagen's MP4.load does (without chapters), keeping the atoms to find video.

    A file cut inside its metadata atoms is read from a copy whose atoms are cut
    back to the whole ones.
    """
    mp4 = mutagen_module("mp4")

    try:
        atoms = mp4.Atoms(fileobj)
    except mp4.AtomError:
        if size > _MAX_MP4_SALVAGE:
            raise
        fileobj.seek(0)
        data = bytearray(fileobj.read())
        end = _cut_atoms(data, 0, len(data), 0)
        if end >= len(data):
            raise
        c.warn("salvaged: the MP4 atoms that are whole")
        fileobj = io.BytesIO(bytes(data[:end]))
        atoms = mp4.Atoms(fileobj)
        info = _mp4_info(mp4, atoms, fileobj, lenient=True)
    else:
        info = _mp4_info(mp4, atoms, fileobj, lenient=False)
    tags = mp4.MP4Tags(atoms, fileobj) if b"moov.udta.meta.ilst" in atoms else None
    video = False
    if b"moov" in atoms:
        for trak in atoms[b"moov"].findall(b"trak"):
            try:
                ok, data = trak[b"mdia", b"hdlr"].read(fileobj)
            except KeyError:
                continue
            if ok and data[8:12] == b"vide":
                video = True
                break
    return Loaded(info, tags, video=video)


def _mp4_info(mp4: Any, atoms: Any, fileobj: BinaryIO, lenient: bool) -> Any:
    info = mp4.MP4Info()
    try:
        info.load(atoms, fileobj)
    except mp4.MP4NoTrackError:
        return None  # no audio track
    except MediaError:
        raise
    except Exception:
        if not lenient:
            raise
        return None
    return info


#: Largest MP4 file copied into memory to salvage its atoms.
_MAX_MP4_SALVAGE: Final = 64 << 20
#: Atoms holding other atoms (as mutagen parses them) and the bytes before their children.
_MP4_CONTAINERS: Final = {
    **dict.fromkeys(
        (b"moov", b"udta", b"trak", b"mdia", b"ilst", b"stbl", b"minf", b"moof", b"traf"), 0
    ),
    b"meta": 4,
}


def _cut_atoms(buf: bytearray, start: int, end: int, depth: int) -> int:
    """Cut the atoms in buf[start:end] back to whole ones; returns where they now end.

    An atom running past `end` is dropped when it is a leaf; a container keeps its
    whole children and gets its size field rewritten.
    """
    pos = start
    while pos + 8 <= end:
        length, header = int.from_bytes(buf[pos : pos + 4], "big"), 8
        if length == 1:
            if pos + 16 > end:
                break
            length, header = int.from_bytes(buf[pos + 8 : pos + 16], "big"), 16
        elif length == 0 and depth == 0:
            length = end - pos
        if length < header:
            break
        if pos + length <= end:
            pos += length
            continue
        skip = _MP4_CONTAINERS.get(bytes(buf[pos + 4 : pos + 8]))
        if skip is None or depth > 16 or pos + header + skip > end:
            break
        inner = _cut_atoms(buf, pos + header + skip, end, depth + 1)
        size = inner - pos
        if header == 16:
            buf[pos + 8 : pos + 16] = size.to_bytes(8, "big")
        else:
            buf[pos : pos + 4] = size.to_bytes(4, "big")
        pos = inner
        break
    return pos


# -- WAV and AIFF chunks -------------------------------------------------------------

_MAX_CHUNK: Final = 1 << 20
_MAX_ID3_CHUNK: Final = 16 << 20
_MAX_CHUNKS: Final = 1000


def _chunks(
    fileobj: BinaryIO, little: bool, read: frozenset[bytes]
) -> list[tuple[bytes, int, bytes]]:
    """(id, size, data) of the top-level chunks of a RIFF or FORM file, to the end of
    the file (some writers put chunks past the declared size); data only for `read`."""
    found: list[tuple[bytes, int, bytes]] = []
    layout = "<4sI" if little else ">4sI"
    pos = 12
    for _ in range(_MAX_CHUNKS):
        fileobj.seek(pos)
        head = fileobj.read(8)
        if len(head) < 8:
            break
        cid, size = struct.unpack(layout, head)
        limit = _MAX_ID3_CHUNK if cid in (b"id3 ", b"ID3 ") else _MAX_CHUNK
        found.append((cid, size, fileobj.read(min(size, limit)) if cid in read else b""))
        pos += 8 + size + (size & 1)
    return found


_WAV_READ: Final = frozenset((b"fmt ", b"fact", b"LIST", b"id3 ", b"ID3 "))


def load_wav(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    obj = mutagen_class("wav")(fileobj)
    loaded = Loaded(obj.info, obj.tags)
    fmt_data = b""
    samples = data_size = None
    for cid, chunk_size, data in _chunks(fileobj, True, _WAV_READ):
        if cid == b"fmt " and not fmt_data:
            fmt_data = data
        elif cid == b"fact" and len(data) >= 4:
            samples = int.from_bytes(data[:4], "little")
        elif cid == b"data" and data_size is None:
            data_size = chunk_size
        elif cid == b"LIST" and data[:4] == b"INFO":
            read_text_chunks(c, _info_items(data), "INFO:", SECONDARY)
        elif cid in (b"id3 ", b"ID3 ") and loaded.tags is None and data.startswith(b"ID3"):
            tags = _id3_from_bytes(data)  # a chunk past the declared RIFF size
            if tags is not None:
                read_id3(c, tags, SECONDARY, "ID3:")
    if len(fmt_data) >= 16:
        tag, _, rate, byte_rate = struct.unpack("<HHII", fmt_data[:12])
        if tag == 0xFFFE and len(fmt_data) >= 26:  # WAVE_FORMAT_EXTENSIBLE: subformat GUID
            tag = int.from_bytes(fmt_data[24:26], "little")
        codec = WAV_CODECS.get(tag)
        if codec is not None:
            loaded.stream["codec"] = codec
        if codec != "pcm":
            # mutagen counts samples as data size / block size: right for PCM only.
            if samples is not None and rate:
                loaded.stream["duration"] = samples / rate
            elif data_size is not None and byte_rate:
                loaded.stream["duration"] = data_size / byte_rate
            if byte_rate >= 125:
                loaded.stream["bitrate"] = round(byte_rate * 8 / 1000)
    return loaded


def _info_items(data: bytes) -> list[tuple[str, bytes]]:
    items: list[tuple[str, bytes]] = []
    pos = 4
    while pos + 8 <= len(data):
        item, size = struct.unpack("<4sI", data[pos : pos + 8])
        items.append((item.decode("latin-1"), data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return items


def _id3_from_bytes(data: bytes) -> Any:
    id3 = mutagen_module("id3")
    try:
        return id3.ID3(io.BytesIO(data), load_v1=False, translate=False)
    except id3.error:
        return None


_AIFF_READ: Final = frozenset((b"NAME", b"AUTH", b"(c) ", b"ANNO", b"COMM"))


def load_aiff(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    obj = mutagen_class("aiff")(fileobj)
    loaded = Loaded(obj.info, obj.tags)
    items: list[tuple[str, bytes]] = []
    for cid, _, data in _chunks(fileobj, False, _AIFF_READ):
        if cid == b"COMM":
            kind = data[18:22]
            if len(kind) == 4:
                codec = AIFC_CODECS.get(kind.lower(), kind.decode("latin-1").strip().lower())
                loaded.stream["codec"] = codec
        elif data:
            items.append((cid.decode("latin-1"), data))
    read_text_chunks(c, items, "AIFF:", SECONDARY)
    return loaded


# -- ASF -----------------------------------------------------------------------------

_ASF_AUDIO: Final = bytes.fromhex("409e69f84d5bcf11a8fd00805f5c442b")
_ASF_VIDEO: Final = bytes.fromhex("c0ef19bc4d5bcf11a8fd00805f5c442b")


def load_asf(fileobj: BinaryIO, detection: Detection, size: int, c: Collector) -> Loaded:
    """ASF/WMA: codec and bit depth from the audio stream's WAVEFORMATEX; video streams."""
    obj = mutagen_class("asf")(fileobj)
    loaded = Loaded(obj.info, obj.tags)
    header = getattr(obj, "_header", None)
    audio_seen = False
    for child in getattr(header, "objects", None) or ():
        data = getattr(child, "data", b"")
        if len(data) < 16:
            continue
        if data[:16] == _ASF_VIDEO:
            loaded.video = True
        elif data[:16] == _ASF_AUDIO and not audio_seen and len(data) >= 70:
            audio_seen = True
            tag, bits = int.from_bytes(data[54:56], "little"), int.from_bytes(data[68:70], "little")
            codec = WAV_CODECS.get(tag)
            if codec:
                loaded.stream["codec"] = codec
            if bits and codec in ("pcm", "wmalossless"):
                loaded.stream["bitdepth"] = bits
    return loaded


#: WAVE format tags (also used in ASF stream properties).
WAV_CODECS: Final[dict[int, str]] = {
    0x0001: "pcm",
    0x0003: "pcm",
    0x0002: "adpcm",
    0x0011: "adpcm",
    0x0006: "alaw",
    0x0007: "mulaw",
    0x0031: "gsm",
    0x0050: "mp2",
    0x0055: "mp3",
    0x00FF: "aac",
    0x000A: "wmavoice",
    0x000B: "wmavoice",
    0x0160: "wmav1",
    0x0161: "wmav2",
    0x0162: "wmapro",
    0x0163: "wmalossless",
    0x2000: "ac3",
    0xF1AC: "flac",
}
#: AIFC compression types (lower-cased).
AIFC_CODECS: Final[dict[bytes, str]] = {
    **dict.fromkeys(
        (b"none", b"twos", b"sowt", b"raw ", b"in24", b"in32", b"fl32", b"fl64"), "pcm"
    ),
    b"ulaw": "mulaw",
    b"alaw": "alaw",
    b"ima4": "adpcm",
}
