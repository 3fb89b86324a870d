"""Audio metadata reader built on mutagen.

`read_audio` is called by the scan's worker processes once per file.  It picks the
mutagen class from the magic bytes (then the extension; mutagen's own guessing only
when neither decides), loads the file once, and turns every tag system into the
normalized fields of `model.AUDIO_FIELDS` plus an `extra` dict of everything else
that was read.  mutagen modules are imported on first use, so importing this
module is cheap.

The work is split by concern:

    formats     the formats, their mutagen classes and extensions
    detect      which format: magic bytes, then the extension
    mutagen     mutagen imported on first use (and a faster ID3 text decoder)
    load        loading, salvaging damaged MP3/FLAC, extra tag blocks
    containers  MP4, WAV, AIFF and ASF details mutagen does not give
    tags        one reader per tag system, into ...
    vorbis      ... (Vorbis comments and their pictures) ...
    tagmaps     ... the key -> field tables
    values      typed values, the collector, what goes to `extra`
    stream      duration, bitrate, sample rate, channels, bit depth, codec
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Final

from mediashelf.errors import Corrupt, MediaError, TooLarge, Unreadable, Unsupported
from mediashelf.extract.audio.detect import Detection, detect
from mediashelf.extract.audio.formats import EXTENSION_FORMATS, FORMATS
from mediashelf.extract.audio.load import from_object, load
from mediashelf.extract.audio.stream import stream_fields
from mediashelf.extract.audio.tags import read_ape, read_asf, read_id3, read_mp4
from mediashelf.extract.audio.values import Collector
from mediashelf.extract.audio.vorbis import read_flac_pictures, read_vorbis

#: Extensions (lower-case, no dot) of every format mutagen reads.
AUDIO_EXTENSIONS: Final[frozenset[str]] = frozenset(EXTENSION_FORMATS)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What was read from one audio file.

    `kind` is "audio", or "video" for a container that also holds a video stream;
    `format` the container/type short name (mp3, flac, mp4, ogg, opus, wav ...);
    `fields` the normalized fields found (names from model.AUDIO_FIELDS); `extra`
    every other tag read, JSON-serializable, plus "_warnings" (a list of text) when
    the file is damaged but something could be read.
    """

    kind: str
    format: str
    fields: dict[str, object]
    extra: dict[str, object]


def read_audio(
    fileobj: BinaryIO, path: bytes, ext: str, head: bytes, *, first_pass: bool = True
) -> AudioInfo:
    """Read the tags and stream properties of one audio file.

    `fileobj` is open in binary mode at offset 0 and seekable (its position is left
    anywhere); `head` holds its first bytes (up to 16 KiB); `ext` is its lower-case
    extension without the dot (may be wrong or empty); `path` is for messages.
    Raises only MediaError subclasses: Unsupported, Corrupt, Unreadable (TooLarge
    when memory runs out; a MediaError raised into the reader, such as the scan's
    time limit, comes out unchanged).  With `first_pass` false, every file is
    loaded by mutagen (see `fast`), which is what the first pass is checked against.
    """
    label = "audio"
    try:
        detection = detect(fileobj, head, ext)
        fileobj.seek(0)
        if detection.format is None:
            return _read_guessed(fileobj)
        label = FORMATS[detection.format][2]
        return _read(detection.format, fileobj, detection, head=head, first_pass=first_pass)
    except MediaError:
        raise
    except Exception as e:
        inner = _media_error(e)  # e.g. the scan's time limit, re-wrapped by mutagen
        if inner is not None:
            raise inner from None
        io_error = _io_error(e)
        if io_error is None:
            raise _error(label, e, fileobj) from e
        raise Unreadable(f"read error: {io_error.strerror or io_error}") from e


def _read(
    fmt: str,
    fileobj: BinaryIO,
    detection: Detection,
    obj: Any = None,
    head: bytes = b"",
    first_pass: bool = False,
) -> AudioInfo:
    c = Collector()
    size = fileobj.seek(0, 2)
    fileobj.seek(0)
    if obj is None:
        loaded = load(fmt, fileobj, detection, size, c, head, first_pass)
    else:
        loaded = from_object(fmt, obj, fileobj, size, c)
    if loaded.tags is not None:
        _read_tags(fmt, c, loaded.tags)
    if loaded.pictures:
        read_flac_pictures(c, loaded.pictures)
    fields = c.fields()
    if loaded.info is not None:
        fields.update(stream_fields(fmt, loaded.info, loaded.stream, size))
    name = _FORMAT_NAMES.get(fmt, fmt)
    if fmt in ("mp3", "ac3") and isinstance(fields.get("codec"), str):
        name = str(fields["codec"])  # mp1/mp2/mp3, ac3/eac3
    return AudioInfo("video" if loaded.video else "audio", name, fields, c.extra)


#: Tag system of each format's main tags.
_TAG_SYSTEMS: Final[dict[str, str]] = {
    **dict.fromkeys(("mp3", "tta", "dsf", "dff", "wav", "aiff"), "id3"),
    **dict.fromkeys(("flac", "ogg", "opus", "speex", "oggflac", "theora"), "vorbis"),
    **dict.fromkeys(("ape", "wavpack", "musepack", "optimfrog", "tak"), "ape"),
    "mp4": "mp4",
    "asf": "asf",
}
_FORMAT_NAMES: Final[dict[str, str]] = {"theora": "ogg"}


def _read_tags(fmt: str, c: Collector, tags: Any) -> None:
    system = _TAG_SYSTEMS.get(fmt)
    if system == "id3":
        read_id3(c, tags)
    elif system == "vorbis":
        read_vorbis(c, tags)
    elif system == "ape":
        read_ape(c, tags)
    elif system == "mp4":
        read_mp4(c, tags)
    elif system == "asf":
        read_asf(c, tags)


_CLASS_FORMATS: Final[dict[str, str]] = {cls: fmt for fmt, (_, cls, _) in FORMATS.items()}


def _read_guessed(fileobj: BinaryIO) -> AudioInfo:
    """Neither the magic bytes nor the extension decided: let mutagen score its classes."""
    import mutagen

    obj = mutagen.File(fileobj)
    if obj is None:
        raise Unsupported("not a recognised audio format")
    fmt = _CLASS_FORMATS.get(type(obj).__name__)
    if fmt is None:
        raise Unsupported(f"no audio stream found (only {type(obj).__name__} data)")
    fileobj.seek(0)
    if fmt in ("mp4", "mp3", "flac", "wav", "aiff", "asf", "aac"):
        return _read(fmt, fileobj, Detection(fmt))  # their loaders read more than mutagen
    return _read(fmt, fileobj, Detection(fmt), obj)


# -- errors --------------------------------------------------------------------------


def _causes(e: BaseException) -> list[BaseException]:
    """`e` and the exceptions it was raised from or while handling (a bounded chain)."""
    chain: list[BaseException] = []
    cause: BaseException | None = e
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def _media_error(e: BaseException) -> MediaError | None:
    return next((c for c in _causes(e) if isinstance(c, MediaError)), None)


def _io_error(e: BaseException) -> OSError | None:
    """The operating system's I/O error behind `e`, if any (mutagen wraps them).

    OSErrors without an errno, or with EINVAL (a seek before the start), are raised by
    parsers meeting short data: those mean a damaged file, not an unreadable one.
    """
    for cause in _causes(e):
        if isinstance(cause, OSError) and cause.errno not in (None, errno.EINVAL):
            return cause
    return None


def _error(label: str, e: Exception, fileobj: BinaryIO) -> MediaError:
    """A user-facing MediaError for an exception raised while parsing."""
    if isinstance(e, MemoryError):
        return TooLarge(f"{label}: not enough memory to read the file")
    if isinstance(e, RecursionError):
        return Corrupt(f"{label}: structure nested too deeply")
    if isinstance(e, OSError):
        return Corrupt(f"{label}: truncated file ({_describe(e)})")
    name = type(e).__name__
    if name == "HeaderNotFoundError":
        return Corrupt("not an MP3 file: no MPEG frame sync found")
    message = _describe(e)
    filename = getattr(fileobj, "name", None)
    if isinstance(filename, str | bytes) and filename:
        message = message.replace(repr(filename), "the file").replace(str(filename), "the file")
    if name == "FLACNoHeaderError":
        return Corrupt(f"not a FLAC file: {message}")
    if message.startswith("file said "):  # mutagen.flac: a block longer than the file
        return Corrupt(f"{label}: truncated metadata block ({message})")
    if isinstance(e, struct.error | IndexError | EOFError | ValueError | KeyError):
        return Corrupt(f"{label}: truncated or malformed data ({message})")
    return Corrupt(f"{label}: {message}")


def _describe(e: BaseException) -> str:
    text = str(e).strip().strip("\"'")
    return text if text else type(e).__name__


def preload(paths: Sequence[bytes]) -> None:
    """mutagen and the classes of the common formats, and the first-pass parsers with
    their tables, before the scan forks its workers."""
    from mediashelf.extract.audio.fast import preload as load_first_pass
    from mediashelf.extract.audio.mutagen import preload as load_mutagen

    load_mutagen()
    load_first_pass()
