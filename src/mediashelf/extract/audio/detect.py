"""Which audio format a file holds, decided from its first bytes and its extension.

Magic bytes win over the extension; the extension decides only when the magic
says nothing (raw MPEG streams with junk in front, truncated headers, ...).
When neither decides, `detect` returns a Detection without a format and the
caller falls back to mutagen's own scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Final

from mediashelf.errors import Corrupt, Unsupported
from mediashelf.extract.audio.formats import EXTENSION_FORMATS

_ASF_GUID: Final = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"

#: First four bytes -> format key.
_MAGIC4: Final[dict[bytes, str]] = {
    b"fLaC": "flac",
    b"OggS": "ogg",
    b"MAC ": "ape",
    b"wvpk": "wavpack",
    b"MPCK": "musepack",
    b"TTA1": "tta",
    b"OFR ": "optimfrog",
    b"tBaK": "tak",
    b"DSD ": "dsf",
    b"FRM8": "dff",
    b"MThd": "midi",
    b"ADIF": "aac",
}
#: Shorter or longer "starts with" magic -> format key.
_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (_ASF_GUID, "asf"),
    (b"MP+", "musepack"),
    (b"TTA", "tta"),
    (b"\x0b\x77", "ac3"),
)

#: Magic of common files that are not audio, for a clear "unsupported" message.
_NOT_AUDIO: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM file (not read by the audio reader)"),
    (b"RF64", "an RF64 file (64-bit WAV is not supported)"),
    (b"BW64", "a BW64 file (64-bit WAV is not supported)"),
    (b"<?xml", "an XML document"),
    (b"#EXTM3U", "an M3U playlist"),
    (b"APETAGEX", "a bare APEv2 tag without audio"),
)

_IMAGE_BRANDS: Final = frozenset(
    (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis", b"crx ")
)
_QT_ATOMS: Final = frozenset((b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"))

#: How far past an ID3v2 tag we read to find the stream behind it.
_PEEK: Final = 512


@dataclass(frozen=True, slots=True)
class Detection:
    """The outcome of format detection."""

    format: str | None  # key of FORMATS, or None: let mutagen guess
    id3_size: int = 0  # bytes of ID3v2 tag(s) in front of the stream
    video: bool = False  # an Ogg file that also carries a Theora video stream


def detect(fileobj: BinaryIO, head: bytes, ext: str) -> Detection:
    """Decide the format of a file from its first bytes, then its extension.

    Raises Unsupported for content that is recognisably not audio, Corrupt for
    an empty file with an audio extension.
    """
    if not head:
        if ext in EXTENSION_FORMATS:
            raise Corrupt("empty file (0 bytes)")
        raise Unsupported("empty file (0 bytes)")
    if head.startswith(b"ID3"):
        size = _id3_prefix_size(head)
        if size:
            return _detect_after_id3(fileobj, head, size, ext)
    fmt = _detect_magic(head, ext)
    if fmt is not None:
        if fmt == "ogg":
            return _detect_ogg(head)
        return Detection(fmt)
    return Detection(EXTENSION_FORMATS.get(ext))


def _detect_magic(head: bytes, ext: str) -> str | None:
    kind = head[:4]
    fmt = _MAGIC4.get(kind)
    if fmt is not None:
        return fmt
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if kind in (b"RIFF", b"FORM") and len(head) < 12:
        raise Corrupt(f"truncated {kind.decode()} header ({len(head)} bytes)")
    if kind == b"RIFF":
        form = head[8:12]
        if form == b"WAVE":
            return "wav"
        raise Unsupported(f"a RIFF {_fourcc(form)} file, not audio")
    if kind == b"FORM":
        form = head[8:12]
        if form in (b"AIFF", b"AIFC"):
            return "aiff"
        raise Unsupported(f"an IFF {_fourcc(form)} file, not audio")
    box = head[4:8]
    if box == b"ftyp":
        if head[8:12] in _IMAGE_BRANDS:
            raise Unsupported(f"an ISO media file of brand {_fourcc(head[8:12])!r}, not audio")
        return "mp4"
    if box in _QT_ATOMS and EXTENSION_FORMATS.get(ext) == "mp4":
        return "mp4"
    for magic, what in _NOT_AUDIO:
        if head.startswith(magic):
            raise Unsupported(f"{what}, not audio")
    return _detect_sync(head)


def _detect_sync(data: bytes) -> str | None:
    """An MPEG audio or ADTS frame header at the very start of `data`."""
    if len(data) < 4 or data[0] != 0xFF:
        return None
    b1, b2 = data[1], data[2]
    if b1 & 0xF6 == 0xF0:  # 12 sync bits, layer 00: ADTS
        return "aac" if (b2 >> 2) & 0x0F < 13 else None
    if (
        b1 & 0xE0 == 0xE0
        and (b1 >> 3) & 3 != 1  # MPEG version: reserved
        and (b1 >> 1) & 3 != 0  # layer: reserved
        and b2 >> 4 != 15  # bitrate index: bad
        and (b2 >> 2) & 3 != 3  # sample rate index: reserved
    ):
        return "mp3"
    return None


def _id3_prefix_size(data: bytes) -> int:
    """Total size of the ID3v2 tag starting `data`, 0 if the header is invalid."""
    if len(data) < 10 or data[3] > 4 or int.from_bytes(data[6:10], "big") & 0x80808080:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)


def _detect_after_id3(fileobj: BinaryIO, head: bytes, size: int, ext: str) -> Detection:
    """Find the stream behind one or more ID3v2 tags (MP3 unless proven otherwise)."""
    offset = size
    for _ in range(8):
        if offset + 64 <= len(head):
            inner = head[offset : offset + _PEEK]
        else:
            fileobj.seek(offset)
            inner = fileobj.read(_PEEK)
            fileobj.seek(0)
        if not inner.startswith(b"ID3"):
            break
        more = _id3_prefix_size(inner)
        if not more:
            break
        offset += more
    # Skip the zero padding some taggers leave after the tag.
    stripped = inner.lstrip(b"\x00")
    fmt: str | None = None
    if stripped.startswith(b"fLaC"):
        fmt = "flac"
    elif stripped.startswith(b"TTA"):
        fmt = "tta"
    else:
        fmt = _detect_sync(stripped)
    if fmt is None:
        fmt = EXTENSION_FORMATS.get(ext) or "mp3"
    return Detection(fmt, id3_size=offset)


#: Codec id at the start of an Ogg stream's first packet -> format key.
_OGG_CODECS: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x01vorbis", "ogg"),
    (b"OpusHead", "opus"),
    (b"\x7fFLAC", "oggflac"),
    (b"Speex   ", "speex"),
    (b"\x80theora", "theora"),
)


def _detect_ogg(head: bytes) -> Detection:
    """Look at the first packet of every stream that begins the Ogg file."""
    found: list[str] = []
    pos = 0
    while head.startswith(b"OggS", pos) and head[pos + 5 : pos + 6] and head[pos + 5] & 0x02:
        nsegs = head[pos + 26] if len(head) > pos + 26 else 0
        body = pos + 27 + nsegs
        packet = head[body : body + 16]
        if len(packet) < 8:
            raise Corrupt("Ogg: truncated stream header")
        for magic, fmt in _OGG_CODECS:
            if packet.startswith(magic):
                found.append(fmt)
                break
        else:
            found.append("?" + packet[:8].hex())
        pos = body + sum(head[pos + 27 : body])
    video = "theora" in found
    for fmt in ("ogg", "opus", "oggflac", "speex", "theora"):
        if fmt in found:
            return Detection(fmt, video=video)
    if found:
        raise Unsupported("an Ogg stream with a codec the audio reader does not read")
    raise Corrupt("Ogg: no stream header page found")


def _fourcc(value: bytes) -> str:
    return value.decode("latin-1").strip() or "?"
