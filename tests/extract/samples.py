"""Tiny real audio files for the audio reader's tests, encoded with PyAV once per test run.

`encoded(fmt)` returns the bytes of an untagged file (a fifth of a second of a sine
tone); tests copy it to `tmp_path` and tag it with mutagen.
"""

from __future__ import annotations

import array
import functools
import io
import math
import struct
from fractions import Fraction

#: fmt -> (container, codec, sample rate, layout, file extension)
ENCODINGS: dict[str, tuple[str, str, int, str, str]] = {
    "mp3": ("mp3", "libmp3lame", 44100, "stereo", "mp3"),
    "mp2": ("mp2", "mp2", 48000, "stereo", "mp2"),
    "flac": ("flac", "flac", 44100, "stereo", "flac"),
    "m4a": ("ipod", "aac", 44100, "stereo", "m4a"),
    "alac": ("ipod", "alac", 44100, "stereo", "m4a"),
    "ogg": ("ogg", "vorbis", 44100, "stereo", "ogg"),
    "opus": ("ogg", "libopus", 48000, "stereo", "opus"),
    "wav": ("wav", "pcm_s16le", 22050, "mono", "wav"),
    "adpcm": ("wav", "adpcm_ms", 22050, "mono", "wav"),
    "aiff": ("aiff", "pcm_s16be", 22050, "mono", "aiff"),
    "wma": ("asf", "wmav2", 44100, "stereo", "wma"),
    "wv": ("wv", "wavpack", 44100, "stereo", "wv"),
    "tta": ("tta", "tta", 44100, "stereo", "tta"),
    "ac3": ("ac3", "ac3", 48000, "stereo", "ac3"),
    "aac": ("adts", "aac", 44100, "stereo", "aac"),
}

SECONDS = 0.2
_SAMPLE_FORMATS = ("s16p", "s16", "fltp", "flt", "s32p", "s32")


@functools.cache
def encoded(fmt: str) -> bytes:
    """An untagged, valid audio file of format `fmt`."""
    import av

    container, codec, rate, layout, _ = ENCODINGS[fmt]
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        ctx = stream.codec_context
        ctx.layout = layout
        ctx.options = {"strict": "experimental"}
        if codec == "wmav2":
            ctx.bit_rate = 128000
        names = [f.name for f in ctx.codec.audio_formats or ()]
        ctx.format = next((n for n in _SAMPLE_FORMATS if n in names), names[0])
        _encode_tone(out, stream, rate, layout)
    return buf.getvalue()


@functools.cache
def encoded_video_mp4() -> bytes:
    """An MP4 with a (tiny) video track and an AAC audio track."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width = video.height = 32
        video.pix_fmt = "yuv420p"
        audio = out.add_stream("aac", rate=44100)
        audio.codec_context.layout = "stereo"
        for i in range(2):
            frame = av.VideoFrame(32, 32, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.pts = i
            frame.time_base = Fraction(1, 10)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        _encode_tone(out, audio, 44100, "stereo")
    return buf.getvalue()


def _encode_tone(out: object, stream: object, rate: int, layout: str) -> None:
    import av

    ctx = stream.codec_context  # type: ignore[attr-defined]
    fmt = ctx.format
    size = ctx.frame_size or 1024
    channels = 2 if layout == "stereo" else 1
    code = {"s16": "h", "s32": "i", "flt": "f", "dbl": "d"}[fmt.name.rstrip("p")]
    scale = {"h": 32767, "i": 2**31 - 1}.get(code, 1)
    total = int(rate * SECONDS)
    pts = 0
    while pts < total:
        frame = av.AudioFrame(format=fmt.name, layout=layout, samples=size)
        frame.sample_rate = rate
        wave = [0.25 * math.sin(2 * math.pi * 440 * (pts + i) / rate) for i in range(size)]
        samples = [int(v * scale) if scale != 1 else v for v in wave]
        if fmt.is_planar:
            planes = [array.array(code, samples).tobytes()] * channels
        else:
            planes = [array.array(code, [s for s in samples for _ in range(channels)]).tobytes()]
        for plane, data in zip(frame.planes, planes, strict=False):
            plane.update(data + bytes(plane.buffer_size - len(data)))
        frame.pts = pts
        pts += size
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            out.mux(packet)  # type: ignore[attr-defined]
    for packet in stream.encode(None):  # type: ignore[attr-defined]
        out.mux(packet)  # type: ignore[attr-defined]


def add_riff_chunk(data: bytes, chunk_id: bytes, payload: bytes, big_endian: bool = False) -> bytes:
    """Append a chunk to a RIFF (WAV) or FORM (AIFF) file and fix the container size."""
    order = ">" if big_endian else "<"
    chunk = chunk_id + struct.pack(order + "I", len(payload)) + payload
    if len(payload) % 2:
        chunk += b"\x00"
    body = data[8:] + chunk
    return data[:4] + struct.pack(order + "I", len(body)) + body


def riff_info(items: dict[bytes, str]) -> bytes:
    """The payload of a LIST/INFO chunk."""
    out = b"INFO"
    for key, text in items.items():
        value = text.encode("latin-1") + b"\x00"
        out += key + struct.pack("<I", len(value)) + value + (b"\x00" if len(value) % 2 else b"")
    return out


def flac_picture(ptype: int, mime: str, data: bytes, desc: str = "") -> object:
    from mutagen.flac import Picture

    pic = Picture()
    pic.type = ptype
    pic.mime = mime
    pic.desc = desc
    pic.data = data
    return pic


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(500)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(300)
