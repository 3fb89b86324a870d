"""Value types passed between the stages.  No behaviour beyond trivial helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

FieldType = Literal["text", "int", "real", "bool", "list"]

#: Normalized metadata fields read from audio files, in catalog column order.
#: "list" values are stored as JSON arrays; "bool" as 0/1.
AUDIO_FIELDS: Final[tuple[tuple[str, FieldType], ...]] = (
    ("title", "text"),
    ("artist", "text"),
    ("artists", "list"),
    ("albumartist", "text"),
    ("album", "text"),
    ("track", "int"),
    ("tracktotal", "int"),
    ("disc", "int"),
    ("disctotal", "int"),
    ("date", "text"),
    ("year", "int"),
    ("originaldate", "text"),
    ("genre", "text"),
    ("composer", "text"),
    ("compilation", "bool"),
    ("comment", "text"),
    ("label", "text"),
    ("catalognumber", "text"),
    ("isrc", "text"),
    ("bpm", "int"),
    ("mb_trackid", "text"),
    ("mb_recordingid", "text"),
    ("mb_albumid", "text"),
    ("mb_releasegroupid", "text"),
    ("mb_artistid", "text"),
    ("mb_albumartistid", "text"),
    ("has_lyrics", "bool"),
    ("cover_count", "int"),
    ("cover_mime", "text"),
    ("cover_bytes", "int"),
    ("duration", "real"),
    ("bitrate", "int"),
    ("samplerate", "int"),
    ("channels", "int"),
    ("bitdepth", "int"),
    ("codec", "text"),
    ("lossless", "bool"),
)

AUDIO_FIELD_NAMES: Final[tuple[str, ...]] = tuple(name for name, _ in AUDIO_FIELDS)

#: Normalized fields of images (photos, AI-generated images) and videos, in column
#: order after AUDIO_FIELDS.  Videos reuse `duration` (and `bitrate`, `samplerate`,
#: `channels`, `codec` for their audio stream) from AUDIO_FIELDS.
#: `taken` is ISO 8601 text (`2023-04-05T10:11:12.250+02:00`, offset when known);
#: `taken_source` says where it came from (exif, exif-digitized, exif-datetime, xmp,
#: sidecar, filename, mtime, container); `exposure` is in seconds; `gps_*` are
#: decimal degrees and metres; `seed` is a signed 64-bit integer (larger seeds go to
#: `extra`); `loras` is a list of names; `phash` a 64-bit perceptual hash as 16 hex digits.
VISUAL_FIELDS: Final[tuple[tuple[str, FieldType], ...]] = (
    ("width", "int"),
    ("height", "int"),
    ("orientation", "int"),
    ("taken", "text"),
    ("taken_source", "text"),
    ("make", "text"),
    ("model", "text"),
    ("lens", "text"),
    ("iso", "int"),
    ("exposure", "real"),
    ("fnumber", "real"),
    ("focal_length", "real"),
    ("gps_lat", "real"),
    ("gps_lon", "real"),
    ("gps_alt", "real"),
    ("software", "text"),
    ("description", "text"),
    ("ai_tool", "text"),
    ("ai_model", "text"),
    ("ai_model_hash", "text"),
    ("prompt", "text"),
    ("negative_prompt", "text"),
    ("seed", "int"),
    ("steps", "int"),
    ("sampler", "text"),
    ("cfg_scale", "real"),
    ("loras", "list"),
    ("video_codec", "text"),
    ("fps", "real"),
    ("phash", "text"),
)

#: The reasons of `damage`, in the order they are shown.
#:   truncated          the file ends before what its structure declares
#:   bad-header         a header that cannot be right (a block longer than the file ...)
#:   tag-overflow       a tag (or a frame in it) declares more bytes than it has
#:   audio-missing      no audio data, or part of it missing (a gap in an Ogg stream)
#:   decode-error       `shelf verify`: the decoder rejected part of the stream
#:   checksum-mismatch  `shelf verify`: a FLAC frame CRC or the STREAMINFO MD5 differs
DAMAGE_REASONS: Final[tuple[str, ...]] = (
    "truncated",
    "bad-header",
    "tag-overflow",
    "audio-missing",
    "decode-error",
    "checksum-mismatch",
)

#: What is known to be wrong with a file of any kind: `damage` is a list of short
#: reasons (`extract.damage.REASONS`: truncated, bad-header ...), set by the scan's
#: structural checks and by `shelf verify`; null when nothing was found.
CHECK_FIELDS: Final[tuple[tuple[str, FieldType], ...]] = (("damage", "list"),)

#: Every normalized metadata column of the catalog, in order.
MEDIA_FIELDS: Final[tuple[tuple[str, FieldType], ...]] = AUDIO_FIELDS + VISUAL_FIELDS + CHECK_FIELDS
#: the columns stored as JSON arrays, and as 0/1
LIST_FIELDS: Final[tuple[str, ...]] = tuple(n for n, t in MEDIA_FIELDS if t == "list")
BOOL_FIELDS: Final[tuple[str, ...]] = tuple(n for n, t in MEDIA_FIELDS if t == "bool")

#: Kinds of catalogued file.  "other" files (cover.jpg before image support,
#: .cue, .log, .nfo ...) are catalogued with their fingerprint only.
Kind = Literal["audio", "image", "video", "other"]


class FileStat(NamedTuple):
    """One regular file as seen by the walk: its path and fingerprint.

    A NamedTuple rather than a dataclass: the walk makes one per file, and a
    tuple is several times cheaper to build and to pickle to a worker.
    """

    path: bytes
    size: int
    mtime_ns: int
    dev: int
    ino: int

    @property
    def name(self) -> bytes:
        return os.path.basename(self.path)


#: one file of a listing: (name, size, mtime_ns, dev, ino)
Row = tuple[bytes, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Listing:
    """The files of one directory, in one streaming step of the walk.

    Files are kept as plain `rows` (no per-file objects: an unchanged folder is
    settled by its `signature` alone); `files` builds FileStats when a folder has to
    be diffed.  `complete` is False when only part of the directory was listed (a
    file given as a scan root); such a listing never marks siblings missing.
    """

    dir: bytes
    rows: list[Row]
    signature: bytes
    complete: bool = True

    @property
    def files(self) -> list[FileStat]:
        base = self.dir.rstrip(b"/") + b"/"
        return [
            FileStat(base + name, size, mtime, dev, ino)
            for name, size, mtime, dev, ino in self.rows
        ]

    @property
    def size(self) -> int:
        return sum(row[1] for row in self.rows)


@dataclass(frozen=True, slots=True)
class Failure:
    """A per-file problem, recorded and counted, never raised out of a run."""

    path: bytes
    stage: str  # walk | extract | write
    kind: str  # unreadable | vanished | corrupt | unsupported | timeout | memory | crashed ...
    message: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the extract stage read from one file.

    `fields` holds normalized fields (names from MEDIA_FIELDS); `extra` every
    other tag that was read, as a JSON object string.
    `error` is set when the file was catalogued but its metadata could not be read.
    """

    stat: FileStat
    kind: str
    format: str | None
    fields: dict[str, object]
    extra: str | None
    quick_hash: bytes | None
    error: Failure | None = None


def display_path(path: bytes) -> str:
    """A printable form of a catalogued path (undecodable bytes become U+DCxx escapes)."""
    return os.fsdecode(path)


def extension(path: bytes) -> str:
    """Lower-case extension without the dot ('' for none), decoded leniently."""
    ext = os.path.splitext(path)[1][1:]
    return ext.decode("ascii", "replace").lower() if ext else ""
