"""Tiny real video files for the video reader's tests, encoded with PyAV.

`video_bytes(...)` encodes a few frames (and, optionally, a fifth of a second of
sine tone) into a container, with container metadata set through FFmpeg's muxers:
`creation_time`, `location` (written as a 3GPP `loci` atom in MP4/3GP, a
QuickTime `©xyz` atom in MOV, a `LOCATION` tag in Matroska), and with
`movflags="use_metadata_tags"` every key as a QuickTime `mdta` key
(`com.apple.quicktime.make` ...).  `udta_atom` and `add_udta` build QuickTime
user-data atoms by hand, for files no muxer writes.  Results are cached per
argument set, so a test run encodes each variant once.
"""

from __future__ import annotations

import functools
import io
import os
import struct
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

from tests.extract.samples import _encode_tone

#: container name -> (FFmpeg muxer, video encoder, audio encoder, extension)
CONTAINERS: dict[str, tuple[str, str, str, str]] = {
    "mp4": ("mp4", "libx264", "aac", "mp4"),
    "mov": ("mov", "libx264", "aac", "mov"),
    "m4v": ("ipod", "libx264", "aac", "m4v"),
    "3gp": ("3gp", "mpeg4", "aac", "3gp"),
    "mkv": ("matroska", "libx264", "libopus", "mkv"),
    "webm": ("webm", "libvpx-vp9", "libopus", "webm"),
}

#: the codec name FFmpeg reports for each encoder used here
CODEC_NAMES: dict[str, str] = {
    "libx264": "h264",
    "libx265": "hevc",
    "mpeg4": "mpeg4",
    "libvpx": "vp8",
    "libvpx-vp9": "vp9",
    "libsvtav1": "av1",
    "aac": "aac",
    "libopus": "opus",
}

PathLike = str | bytes | os.PathLike[str]


def video_bytes(
    container: str = "mp4",
    *,
    vcodec: str | None = None,
    audio: bool = True,
    width: int = 64,
    height: int = 48,
    rate: int = 25,
    frames: int = 10,
    metadata: Mapping[str, str] | None = None,
    movflags: str = "",
) -> bytes:
    """A valid video file: `frames` frames of `width` x `height` at `rate` frames/s."""
    return _encoded(
        container,
        vcodec or CONTAINERS[container][1],
        audio,
        width,
        height,
        rate,
        frames,
        tuple(sorted((metadata or {}).items())),
        movflags,
    )


@functools.cache
def _encoded(
    container: str,
    vcodec: str,
    audio: bool,
    width: int,
    height: int,
    rate: int,
    frames: int,
    metadata: tuple[tuple[str, str], ...],
    movflags: str,
) -> bytes:
    import av

    muxer, _, acodec, _ = CONTAINERS[container]
    buf = io.BytesIO()
    options = {"movflags": movflags} if movflags else {}
    with av.open(buf, "w", format=muxer, options=options) as out:
        out.metadata.update(dict(metadata))
        video = out.add_stream(vcodec, rate=rate)
        video.width = width
        video.height = height
        video.pix_fmt = "yuv420p"
        if vcodec == "libx265":
            video.codec_context.options = {"x265-params": "log-level=none"}
        sound = None
        if audio:
            sound = out.add_stream(acodec, rate=48000)
            sound.codec_context.layout = "stereo"
        for i in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            for n, plane in enumerate(frame.planes):
                plane.update(bytes([(16 + 20 * i + 60 * n) % 256]) * plane.buffer_size)
            frame.pts = i
            frame.time_base = Fraction(1, rate)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
        if sound is not None:
            _encode_tone(out, sound, 48000, "stereo")
    return buf.getvalue()


def extension(container: str) -> str:
    return "." + CONTAINERS[container][3]


def write_video(path: PathLike, container: str = "mp4", **kwargs: object) -> Path:
    """Write `video_bytes(container, **kwargs)` at `path` (parents created)."""
    p = Path(os.fsdecode(path))
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(video_bytes(container, **kwargs))  # type: ignore[arg-type]
    return p


# -- QuickTime atoms built by hand -----------------------------------------------------------


def atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def udta_atom(kind: bytes, text: str) -> bytes:
    """A QuickTime user-data text atom (`©xyz`, `©mak`, `©mod` ...): 16-bit length, language."""
    data = text.encode("utf-8")
    return atom(kind, struct.pack(">HH", len(data), 0x15C7) + data)


def loci_atom(lat: float, lon: float, alt: float, name: str = "") -> bytes:
    """A 3GPP `loci` atom (degrees and metres in 16.16 fixed point)."""
    body = b"\x00\x00\x00\x00" + struct.pack(">H", 0x15C7) + name.encode() + b"\x00" + b"\x00"
    body += struct.pack(">iii", round(lon * 65536), round(lat * 65536), round(alt * 65536))
    return atom(b"loci", body + b"\x00\x00")


def add_udta(data: bytes, *children: bytes) -> bytes:
    """`data` with a new `udta` atom holding `children` appended inside its `moov`.

    FFmpeg writes `moov` after `mdat`, so growing it moves no sample data.
    """
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"moov":
            assert at + size == len(data), "moov must be the last top-level atom"
            moov = atom(b"moov", data[at + 8 : at + size] + atom(b"udta", b"".join(children)))
            return data[:at] + moov
        at += size
    raise ValueError("no moov atom")
