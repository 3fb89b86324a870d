"""Short audio templates and cover images, encoded once per generation with PyAV.

Every track of a synthetic library is a copy of one of these templates with its
own tags, so a 100k-track library needs only a few dozen encodes.  The tones are
computed here (no numpy) and encoded bit-exactly, so the same version of the
encoders always gives the same bytes.
"""

from __future__ import annotations

import array
import functools
import io
import math
import struct
import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from mediashelf.bench import INSTALL_HINT, BenchError
from mediashelf.bench.library import COVER_COUNT, COVER_SIZES, JPEG_COVERS, TEMPLATE_COUNTS


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    container: str  # PyAV muxer name
    codec: str
    rate: int
    sample_format: str  # the encoder's input sample format
    seconds: float
    freq: float
    bit_rate: int | None = None
    channels: int = 2
    options: tuple[tuple[str, str], ...] = ()


_LENGTHS: Final = (1.0, 1.5, 2.0, 2.2, 3.0, 3.0, 1.2, 1.0)
_FREQS: Final = (220.0, 261.6, 329.6, 392.0, 440.0, 523.3, 659.3, 880.0)


def _mp3(i: int) -> TemplateSpec:
    rates = (44100, 44100, 44100, 48000, 44100, 44100, 32000, 44100)
    bit_rates = (128_000, 192_000, 128_000, 160_000, 128_000, 96_000, 128_000, 320_000)
    channels = 1 if i == 5 else 2
    return TemplateSpec(
        "mp3", "libmp3lame", rates[i], "fltp", _LENGTHS[i], _FREQS[i], bit_rates[i], channels
    )


def _flac(i: int) -> TemplateSpec:
    if i == 6:  # 24-bit 48 kHz
        return TemplateSpec("flac", "flac", 48000, "s32", 1.0, _FREQS[i])
    if i == 7:  # 24-bit 96 kHz, kept short
        return TemplateSpec("flac", "flac", 96000, "s32", 1.0, _FREQS[i])
    return TemplateSpec("flac", "flac", 44100, "s16", _LENGTHS[i], _FREQS[i])


def _aac(i: int) -> TemplateSpec:
    bit_rate = 256_000 if i == 3 else 128_000
    rate = 48000 if i == 4 else 44100
    return TemplateSpec("ipod", "aac", rate, "fltp", _LENGTHS[i], _FREQS[i], bit_rate)


def _alac(i: int) -> TemplateSpec:
    if i == 2:
        return TemplateSpec("ipod", "alac", 48000, "s32p", 1.0, _FREQS[i])
    return TemplateSpec("ipod", "alac", 44100, "s16p", (1.0, 1.5)[i], _FREQS[i])


def _vorbis(i: int) -> TemplateSpec:
    return TemplateSpec(
        "ogg",
        "vorbis",
        44100,
        "fltp",
        _LENGTHS[i],
        _FREQS[i],
        options=(("strict", "experimental"),),
    )


def _opus(i: int) -> TemplateSpec:
    bit_rate = (96_000, 64_000, 128_000, 96_000, 96_000, 80_000, 96_000, 64_000)[i]
    return TemplateSpec(
        "ogg", "libopus", 48000, "flt", _LENGTHS[i], _FREQS[i], bit_rate, 1 if i == 1 else 2
    )


_MAKERS: Final = {
    "mp3": _mp3,
    "flac": _flac,
    "aac": _aac,
    "alac": _alac,
    "vorbis": _vorbis,
    "opus": _opus,
}


def template_specs() -> dict[str, list[TemplateSpec]]:
    return {kind: [make(i) for i in range(TEMPLATE_COUNTS[kind])] for kind, make in _MAKERS.items()}


def _import_av() -> Any:
    try:
        import av
    except ImportError as e:
        raise BenchError(INSTALL_HINT) from e
    return av


def _tone(spec: TemplateSpec) -> bytes:
    """Interleaved float samples: a tone with one overtone and a short fade in and out.

    The pitch is rounded to a whole number of samples per period, so one period is
    computed and the rest is copied.
    """
    n = int(spec.seconds * spec.rate)
    period = max(2, round(spec.rate / spec.freq))
    w = 2 * math.pi / period
    cycle = array.array(
        "f", [0.3 * math.sin(w * i) + 0.08 * math.sin(3 * w * i) for i in range(period)]
    )
    mono = (cycle * (n // period + 1))[:n]
    fade = min(spec.rate // 50, n // 2)
    for i in range(fade):
        mono[i] *= i / fade
        mono[n - 1 - i] *= i / fade
    if spec.channels == 1:
        return mono.tobytes()
    both = array.array("f", bytes(8 * n))
    both[0::2] = mono
    both[1::2] = mono
    return both.tobytes()


def encode_template(spec: TemplateSpec) -> bytes:
    av = _import_av()
    layout = "mono" if spec.channels == 1 else "stereo"
    buf = io.BytesIO()
    with av.open(buf, "w", format=spec.container, options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream(spec.codec, rate=spec.rate, options=dict(spec.options))
        ctx = stream.codec_context
        ctx.layout = layout
        ctx.format = spec.sample_format
        if spec.bit_rate:
            ctx.bit_rate = spec.bit_rate
        samples = _tone(spec)
        frame = av.AudioFrame(
            format="flt", layout=layout, samples=len(samples) // 4 // spec.channels
        )
        frame.planes[0].update(samples)
        frame.sample_rate = spec.rate
        frame.pts = 0
        frame.time_base = Fraction(1, spec.rate)
        resampler = av.AudioResampler(
            format=spec.sample_format,
            layout=layout,
            rate=spec.rate,
            frame_size=ctx.frame_size or None,
        )
        for chunk in [*resampler.resample(frame), *resampler.resample(None), None]:
            for packet in stream.encode(chunk):
                out.mux(packet)
    return buf.getvalue()


@functools.cache
def build_templates() -> dict[str, list[bytes]]:
    """Every template of every kind, encoded (once per process; do not modify)."""
    return {kind: [encode_template(s) for s in specs] for kind, specs in template_specs().items()}


def _pixels(w: int, h: int, seed: int, stride: int, block: int = 1) -> bytearray:
    """RGB rows: gradients for photos (block 1), flat tiles for artwork that PNG suits."""
    out = bytearray(stride * h)
    r0, g0, b0 = (seed * 67) % 256, (seed * 151) % 256, (seed * 29) % 256
    for y in range(h):
        row = y * stride
        gy = (y // block * block) * 255 // h
        for x in range(w):
            o = row + 3 * x
            out[o] = (r0 + (x // block * block) * 255 // w) & 255
            out[o + 1] = (g0 + gy) & 255
            out[o + 2] = (b0 + ((x // 16 + y // 16) % 2) * 96) & 255
    return out


def _jpeg(w: int, h: int, seed: int) -> bytes:
    av = _import_av()
    frame = av.VideoFrame(w, h, "rgb24")
    plane = frame.planes[0]
    plane.update(bytes(_pixels(w, h, seed, plane.line_size)))
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height, ctx.pix_fmt = w, h, "yuvj420p"
    ctx.time_base = Fraction(1, 25)
    ctx.options = {"flags": "+bitexact"}
    packets = [*ctx.encode(frame.reformat(format="yuvj420p")), *ctx.encode(None)]
    return b"".join(bytes(p) for p in packets)


def _png(w: int, h: int, seed: int) -> bytes:
    stride = 3 * w
    px = _pixels(w, h, seed, stride, block=40)
    raw = b"".join(b"\x00" + bytes(px[y * stride : (y + 1) * stride]) for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@functools.cache
def build_covers() -> list[bytes]:
    """COVER_COUNT small images: JPEG first, then PNG (once per process; do not modify)."""
    return [
        _jpeg(size, size, i) if i < JPEG_COVERS else _png(size, size, i)
        for i, size in enumerate(COVER_SIZES[:COVER_COUNT])
    ]
