"""Generated media files, whole and damaged in known ways, for the damage tests.

Audio is encoded once per test run with PyAV (eight seconds of a tone, long enough
for a 1% duration tolerance to be finer than one frame, and than an MP3 encoder's
delay and padding), images with Pillow; each
damage is a function of the whole file's bytes.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Callable

from mediashelf.bench.templates import TemplateSpec, encode_template

SECONDS = 8.0
SPECS: dict[str, tuple[TemplateSpec, str]] = {
    "mp3": (TemplateSpec("mp3", "libmp3lame", 44100, "fltp", SECONDS, 440.0, 128_000), "mp3"),
    "flac": (TemplateSpec("flac", "flac", 44100, "s16", SECONDS, 440.0), "flac"),
    "m4a": (TemplateSpec("ipod", "aac", 44100, "fltp", SECONDS, 440.0, 128_000), "m4a"),
    "ogg": (TemplateSpec("ogg", "vorbis", 44100, "fltp", SECONDS, 440.0, 128_000,
                         options=(("strict", "experimental"),)), "ogg"),
    "opus": (TemplateSpec("ogg", "libopus", 48000, "flt", SECONDS, 440.0, 64_000), "opus"),
    "wav": (TemplateSpec("wav", "pcm_s16le", 22050, "s16", SECONDS, 440.0), "wav"),
    "aiff": (TemplateSpec("aiff", "pcm_s16be", 22050, "s16", SECONDS, 440.0), "aiff"),
}  # fmt: skip
AUDIO = tuple(SPECS)
IMAGES = ("jpeg", "png", "heic")
EXTENSIONS = {
    **{f: ext for f, (_, ext) in SPECS.items()},
    "jpeg": "jpg",
    "png": "png",
    "heic": "heic",
}


@functools.cache
def whole(fmt: str) -> bytes:
    """A valid file of `fmt` (audio or image)."""
    if fmt in SPECS:
        return encode_template(SPECS[fmt][0])
    return _image(fmt)


def _image(fmt: str) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (160, 120))
    img.putdata(
        [((x * 7) % 256, (y * 5) % 256, (x * y) % 256) for y in range(120) for x in range(160)]
    )
    buf = io.BytesIO()
    if fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        img.save(buf, "HEIF", quality=80)
    else:
        img.save(buf, "JPEG" if fmt == "jpeg" else "PNG", quality=90)
    return buf.getvalue()


Damage = Callable[[bytes], bytes]


def cut(share: float) -> Damage:
    return lambda data: data[: int(len(data) * share)]


def flip(share: float, count: int = 16, span: int = 400) -> Damage:
    """Bit flips spread over `span` bytes starting at `share` of the file."""

    def damage(data: bytes) -> bytes:
        out = bytearray(data)
        start = int(len(data) * share)
        for i in range(count):
            out[start + i * span // count] ^= 1 << (i % 8)
        return bytes(out)

    return damage


def put(offset: int | Callable[[bytes], int], value: bytes) -> Damage:
    """Overwrite bytes at `offset` (or where a function of the data says)."""

    def damage(data: bytes) -> bytes:
        at = offset(data) if callable(offset) else offset
        return data[:at] + value + data[at + len(value) :]

    return damage


def after(marker: bytes, delta: int = 0, start: int = 0) -> Callable[[bytes], int]:
    return lambda data: data.index(marker, start) + delta


def last(marker: bytes, delta: int = 0) -> Callable[[bytes], int]:
    return lambda data: data.rindex(marker) + delta


def u32be(n: int) -> bytes:
    return struct.pack(">I", n)


def u32le(n: int) -> bytes:
    return struct.pack("<I", n)


def flac_samples_doubled(data: bytes) -> bytes:
    """STREAMINFO's total samples declared twice as many as there are."""
    at = data.index(b"fLaC") + 4 + 4 + 10
    bits = int.from_bytes(data[at : at + 8], "big")
    samples = bits & 0xFFFFFFFFF
    bits = (bits & ~0xFFFFFFFFF) | (samples * 2)
    return data[:at] + bits.to_bytes(8, "big") + data[at + 8 :]


def xing_bytes_quadrupled(data: bytes) -> bytes:
    at = data.index(b"Xing") if b"Xing" in data else data.index(b"Info")
    flags = int.from_bytes(data[at + 4 : at + 8], "big")
    pos = at + 8 + (4 if flags & 1 else 0)
    declared = int.from_bytes(data[pos : pos + 4], "big")
    return data[:pos] + u32be(declared * 4) + data[pos + 4 :]


def with_id3(data: bytes, declared: int) -> bytes:
    """A small ID3v2.4 tag in front whose header declares `declared` bytes."""
    frame = b"TIT2" + bytes((0, 0, 0, 6)) + b"\x00\x00" + b"\x03Hello"
    body = frame + bytes(64)
    size = declared
    header = b"ID3\x04\x00\x00" + bytes(
        (size >> 21 & 127, size >> 14 & 127, size >> 7 & 127, size & 127)
    )
    return header + body + data


def mdat_oversized(data: bytes) -> bytes:
    at = data.index(b"mdat") - 4
    size = int.from_bytes(data[at : at + 4], "big")
    return data[:at] + u32be(size + 10_000_000) + data[at + 4 :]


def aiff_frames_doubled(data: bytes) -> bytes:
    at = data.index(b"COMM") + 8 + 2
    frames = int.from_bytes(data[at : at + 4], "big")
    return data[:at] + u32be(frames * 2) + data[at + 4 :]


def wav_data_doubled(data: bytes) -> bytes:
    at = data.index(b"data") + 4
    size = int.from_bytes(data[at : at + 4], "little")
    return data[:at] + u32le(size * 2) + data[at + 4 :]


def ogg_last_page_oversized(data: bytes) -> bytes:
    """The last page's last lacing value raised: the page declares more than is there."""
    at = data.rindex(b"OggS")
    segments = data[at + 26]
    lace = at + 27 + segments - 1
    return data[:lace] + bytes((255,)) + data[lace + 1 :]
