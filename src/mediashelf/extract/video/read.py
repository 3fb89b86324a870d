"""Video metadata reader built on PyAV (FFmpeg's demuxers).

`read_video` is called by the scan's worker processes once per file.  It opens the
already open file object with `av.open` (FFmpeg reads it through Python callbacks,
so the scan's per-file time limit can interrupt it, and paths are never re-encoded),
reads the container's and streams' properties without decoding a frame, and maps
them onto the catalog fields (`model.VISUAL_FIELDS`, and `duration`, `bitrate` and
the audio stream's `codec`, `samplerate`, `channels` from `model.AUDIO_FIELDS`).
Tags are mapped by `meta`.  PyAV is imported on first use (and by `preload`
before workers fork), so importing this module is cheap.

PyAV was chosen by `benchmarks/video_readers.py`: 0.1-0.9 ms per file for
MP4/MOV/M4V/3GP/Matroska/WebM with every field present found, against 1.6-3.3 ms and
fewer fields for pymediainfo, 0.7-3.9 ms and far fewer for hachoir, and Matroska
only (10-13 ms) for enzyme.

MP4-family files (mp4, m4v, mov, 3gp) are first read by the audio reader (mutagen
knows iTunes tags and cover art best); when it reports a video stream,
`add_video_fields` reads the file again here and merges the two results.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from mediashelf.errors import Corrupt, MediaError, TooLarge, Unreadable, Unsupported
from mediashelf.extract.damage import LENGTH_FIELDS, UNTRUSTED_LENGTH, settle
from mediashelf.extract.damage.bmff import check_bmff
from mediashelf.extract.registry import VIDEO_EXTENSIONS
from mediashelf.extract.video.meta import tag_fields
from mediashelf.model import FileStat, extension

if TYPE_CHECKING:
    from mediashelf.extract.audio.read import AudioInfo

#: FFmpeg demuxers accepted as video containers (probing may name others for junk)
DEMUXERS: Final[dict[str, str]] = {
    "mov": "mp4",
    "matroska": "mkv",
    "avi": "avi",
    "mpeg": "mpeg",
    "mpegvideo": "mpeg",
    "mpegts": "mpegts",
    "flv": "flv",
    "asf": "asf",
    "ogg": "ogg",
}
#: FFmpeg codec names that read better shorter
_CODEC_NAMES: Final = {"mpeg1video": "mpeg1", "mpeg2video": "mpeg2"}
#: stream properties the video reader knows better than the audio reader for a video file
_VIDEO_WINS: Final = frozenset(("duration", "bitrate"))
_MAX_STREAMS_LISTED: Final = 32


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What was read from one video file (the same shape as `audio.AudioInfo`).

    `kind` is "video", or "audio" for a container without a video stream;
    `format` the container (mp4, mov, m4v, 3gp, mkv, webm, avi ...); `fields` the
    normalized fields found; `extra` other tags and stream details, plus
    "_warnings" (a list of text) when something could not be read.
    """

    kind: str
    format: str
    fields: dict[str, object]
    extra: dict[str, object]


def _av() -> Any:
    """PyAV, imported on first use, with FFmpeg's own logging to stderr turned off."""
    import av
    import av.logging

    av.logging.set_level(None)
    return av


#: extensions of files the video reader may read (directly, or after the audio reader)
PRELOAD_EXTENSIONS: Final = VIDEO_EXTENSIONS | {"mp4", "m4v", "mov", "3gp", "3g2", "wmv", "ogv"}


def preload(paths: Iterable[bytes] = ()) -> None:
    """Import PyAV now if one of `paths` looks like a video (all `paths` when empty).

    Called in the scanning process just before it forks its workers, with the first
    batch of files: a scan with videos to read pays the import (~60 ms) once instead
    of once per worker, and a rescan of music pays nothing.
    """
    if not paths or any(extension(p) in PRELOAD_EXTENSIONS for p in paths):
        _av()


def read(fileobj: BinaryIO, fs: FileStat, ext: str, head: bytes) -> VideoInfo:
    """The registry's entry point (see `read_video`), with the structural checks of
    an ISO-BMFF file (MOV/MP4/3GP: its boxes against the file)."""
    info = read_video(fileobj, fs.path, ext, head)
    if head[4:8] == b"ftyp":
        settle(info.fields, info.extra, check_bmff(fileobj, head, fs.size))
    return info


def read_video(fileobj: BinaryIO, path: bytes, ext: str, head: bytes) -> VideoInfo:
    """Read the container and stream properties and the tags of one video file.

    `fileobj` is open in binary mode and seekable (its position is left anywhere);
    `head` holds its first bytes (up to 16 KiB); `ext` is its lower-case extension
    without the dot; `path` is for messages.  Raises only MediaError subclasses:
    Unsupported, Corrupt, Unreadable, TooLarge (a MediaError raised into the reader,
    such as the scan's time limit, comes out unchanged).
    """
    av = _av()
    if not head:
        raise Corrupt("video: empty file")
    try:
        fileobj.seek(0)
        with av.open(fileobj, "r", metadata_errors="replace") as container:
            return _info(container, head)
    except MediaError:
        raise
    except Exception as e:
        raise _error(e, head, av) from e


def _info(container: Any, head: bytes) -> VideoInfo:
    demuxer = str(container.format.name).split(",")[0]
    if demuxer not in DEMUXERS:
        raise Unsupported(f"not a video container ({container.format.long_name})")
    streams = list(container.streams)
    if not streams:
        raise Corrupt("video: no streams found (truncated or damaged file)")
    fmt = _format_name(demuxer, head)
    fields, extra = tag_fields(dict(container.metadata))
    warnings: list[str] = []
    video = next((s for s in streams if s.type == "video" and not _is_picture(s)), None)
    audio = next((s for s in streams if s.type == "audio"), None)
    duration = _duration(container, video or audio)
    if duration is not None:
        fields["duration"] = duration
    if container.bit_rate and container.bit_rate > 0:
        fields["bitrate"] = round(container.bit_rate / 1000)
    if video is not None:
        _video_fields(video, fields, warnings)
    if audio is not None:
        _audio_fields(audio, fields)
    listed = [_describe(s) for s in streams[:_MAX_STREAMS_LISTED]]
    if len(listed) > 1 or video is None:
        extra["streams"] = listed
    if warnings:
        extra["_warnings"] = warnings
    return VideoInfo("video" if video is not None else "audio", fmt, fields, extra)


def _is_picture(stream: Any) -> bool:
    """A cover image stored as a video stream (Matroska attachments, MP4 covr)."""
    return bool(stream.disposition & _av().stream.Disposition.attached_pic)


def _format_name(demuxer: str, head: bytes) -> str:
    if demuxer == "mov":
        brand = head[8:12] if head[4:8] == b"ftyp" else b"qt  "
        if brand == b"qt  ":
            return "mov"
        if brand.startswith(b"M4V"):
            return "m4v"
        if brand.startswith((b"3gp", b"3gs", b"3ge", b"3gg")):
            return "3gp"
        if brand.startswith(b"3g2"):
            return "3g2"
        return "mp4"
    if demuxer == "matroska":
        return "webm" if b"webm" in head[:64] else "mkv"
    return DEMUXERS[demuxer]


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration is not None and container.duration > 0:
        return round(int(container.duration) / 1_000_000, 3)
    if stream is not None and stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
        if seconds > 0:
            return round(seconds, 3)
    return None


def _codec_name(stream: Any) -> str | None:
    try:
        name = stream.codec_context.codec.canonical_name
    except Exception:  # no decoder in this FFmpeg build
        return None
    if not isinstance(name, str) or not name or name == "none":
        return None
    if name.startswith("pcm_"):
        return "pcm"
    return _CODEC_NAMES.get(name, name)


def _video_fields(stream: Any, fields: dict[str, object], warnings: list[str]) -> None:
    ctx = stream.codec_context
    if ctx is None:
        warnings.append("video stream without codec parameters")
        return
    if ctx.width > 0 and ctx.height > 0:
        fields["width"] = int(ctx.width)
        fields["height"] = int(ctx.height)
    else:
        warnings.append("video stream without dimensions")
    codec = _codec_name(stream)
    if codec is not None:
        fields["video_codec"] = codec
    rate = _rate(stream)
    if rate is not None:
        fields["fps"] = rate


def _rate(stream: Any) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if isinstance(rate, Fraction) and 0 < rate <= 1000:
            return round(float(rate), 3)
    return None


def _audio_fields(stream: Any, fields: dict[str, object]) -> None:
    ctx = stream.codec_context
    if ctx is None:
        return
    codec = _codec_name(stream)
    if codec is not None:
        fields["codec"] = codec
    if ctx.sample_rate and ctx.sample_rate > 0:
        fields["samplerate"] = int(ctx.sample_rate)
    if ctx.channels and ctx.channels > 0:
        fields["channels"] = int(ctx.channels)


def _describe(stream: Any) -> str:
    """One line per stream for `extra`: "video h264 1920x1080", "audio aac 48000 Hz 2 ch eng"."""
    parts = [str(stream.type), _codec_name(stream) or "unknown"]
    ctx = stream.codec_context
    if stream.type == "video" and ctx is not None:
        parts.append(f"{ctx.width}x{ctx.height}")
        if _is_picture(stream):
            parts.append("picture")
    elif stream.type == "audio" and ctx is not None:
        parts += [f"{ctx.sample_rate} Hz", f"{ctx.channels} ch"]
    language = stream.metadata.get("language")
    if language and language != "und":
        parts.append(str(language)[:16])
    return " ".join(parts)


# -- the MP4 family, read by the audio reader first ---------------------------------------


def add_video_fields(
    audio: AudioInfo, fileobj: BinaryIO, path: bytes, ext: str, head: bytes
) -> VideoInfo:
    """Complete what the audio reader read from a file with a video stream.

    The audio reader's tags (mutagen knows iTunes atoms and cover art best) and audio
    stream properties are kept; the video reader adds the video stream, creation
    time, location, make and model, and the overall duration and bitrate.  If the
    video reader cannot read the file, the audio reader's result is kept with a
    warning.
    """
    extra = {k: v for k, v in audio.extra.items() if k.isprintable()}
    warnings = [str(w) for w in _as_list(extra.pop("_warnings", None))]
    try:
        video = read_video(fileobj, path, ext, head)
    except (Corrupt, Unsupported) as e:
        warnings.append(f"video stream not read: {e.message}")
        if warnings:
            extra["_warnings"] = warnings
        return VideoInfo("video", audio.format, dict(audio.fields), extra)
    fields = dict(audio.fields)
    damaged = UNTRUSTED_LENGTH.intersection(_as_list(fields.get("damage")))
    for key, value in video.fields.items():
        if damaged and key in LENGTH_FIELDS:
            continue  # the audio reader's checks found the container damaged
        if key in _VIDEO_WINS or key not in fields:
            fields[key] = value
    for key, value in video.extra.items():
        if key == "_warnings":
            warnings += [str(w) for w in _as_list(value)]
        else:
            extra.setdefault(key, value)
    if warnings:
        extra["_warnings"] = warnings
    return VideoInfo("video", video.format, fields, extra)


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# -- errors ----------------------------------------------------------------------------------

#: magic bytes of the containers this reader handles: a failure there means damage
_VIDEO_MAGIC: Final = (b"\x1a\x45\xdf\xa3", b"FLV", b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")


def _looks_like_video(head: bytes) -> bool:
    if head.startswith(_VIDEO_MAGIC) or head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    return len(head) > 188 and head[0] == 0x47 and head[188] == 0x47  # MPEG-TS packets


def _error(e: BaseException, head: bytes, av: Any) -> MediaError:
    """A MediaError for an exception raised by FFmpeg or PyAV."""
    if isinstance(e, MemoryError) or (
        isinstance(e, av.error.FFmpegError) and getattr(e, "errno", None) == errno.ENOMEM
    ):
        return TooLarge("video: not enough memory to read the file")
    if isinstance(e, RecursionError):
        return Corrupt("video: structure nested too deeply")
    if (
        isinstance(e, OSError)
        and not isinstance(e, av.error.FFmpegError)
        and e.errno not in (None, errno.EINVAL)  # the file itself, not its content
    ):
        return Unreadable(f"read error: {e.strerror or e}")
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    if isinstance(e, av.error.InvalidDataError) and not _looks_like_video(head):
        return Unsupported("not a recognised video format")
    return Corrupt(f"video: malformed or truncated data ({text})")
