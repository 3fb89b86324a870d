"""The queryable fields: name → column and type.

Every field of a query, a sort or a `--format` template is looked up here, so the
three agree on names and on what a value means.  The catalog columns come from
`model.MEDIA_FIELDS`; a few fields are computed from other columns (`added` from
`added_ns`, `mtime` from `mtime_ns`, `filename` from the path) or are conveniences
(`has:cover`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from mediashelf.errors import QueryError
from mediashelf.model import MEDIA_FIELDS

#: How a field's values are compared and shown.
#:   text       substring (case- and accent-insensitive), exact, regex
#:   keyword    short lower-case codes (kind, format, codec): equality, case-insensitive
#:   int, real  numbers; ranges with `..`
#:   bitrate    kbit/s; `192`, `192k`, `192kbps`
#:   size       bytes; `10M`, `1.5G`, `700K` (powers of 1024)
#:   duration   seconds; `3:00`, `1:02:03`, `90`, `1h30m`, `2.5m`
#:   instant    nanoseconds since the epoch (added, mtime): dates and date ranges, local time
#:   datetext   ISO 8601 text (taken, date): dates and date ranges by prefix
#:   bool       true/false, yes/no, 1/0
#:   list       JSON array of text: substring over the items, exact item with `:=`
#:   path       the file's path: `path:DIR` is the subtree under DIR
FieldKind = Literal[
    "text",
    "keyword",
    "int",
    "real",
    "bitrate",
    "size",
    "duration",
    "instant",
    "datetext",
    "bool",
    "list",
    "path",
]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: FieldKind
    sql: str  # the column or SQL expression over `items`
    help: str
    #: has a folded copy in `items.folded` (non-ASCII values), see catalog/folding.py
    folded: bool = False

    @property
    def type_name(self) -> str:
        return self.kind


_KEYWORDS: Final = frozenset(("codec", "video_codec", "ai_tool", "taken_source"))
_SPECIAL: Final[dict[str, FieldKind]] = {
    "bitrate": "bitrate",
    "duration": "duration",
    "date": "datetext",
    "originaldate": "datetext",
    "taken": "datetext",
}
_HELP: Final[dict[str, str]] = {
    "title": "track title",
    "artist": "track artist",
    "artists": "every track artist (list)",
    "albumartist": "album artist",
    "album": "album title",
    "track": "track number",
    "tracktotal": "tracks on the disc",
    "disc": "disc number",
    "disctotal": "discs in the release",
    "date": "release date as tagged (YYYY, YYYY-MM or YYYY-MM-DD)",
    "year": "release year",
    "originaldate": "original release date",
    "compilation": "part of a compilation",
    "has_lyrics": "has embedded lyrics",
    "cover_count": "embedded pictures",
    "cover_mime": "type of the first embedded picture",
    "cover_bytes": "size of the first embedded picture",
    "duration": "length in seconds (`3:00..` for three minutes or more)",
    "bitrate": "kbit/s",
    "samplerate": "Hz",
    "bitdepth": "bits per sample (lossless formats)",
    "codec": "audio codec (mp3, aac, flac, opus ...)",
    "lossless": "lossless audio",
    "width": "pixels",
    "height": "pixels",
    "orientation": "EXIF orientation (1-8)",
    "taken": "when the photo or video was taken (ISO 8601)",
    "taken_source": "where `taken` came from (exif, xmp, sidecar, filename, mtime ...)",
    "exposure": "exposure time in seconds",
    "fnumber": "aperture f-number",
    "focal_length": "mm",
    "gps_lat": "latitude, decimal degrees",
    "gps_lon": "longitude, decimal degrees",
    "gps_alt": "altitude, metres",
    "ai_tool": "generator of an AI image (automatic1111, comfyui, invokeai ...)",
    "ai_model": "checkpoint / model name",
    "ai_model_hash": "model hash",
    "prompt": "generation prompt",
    "negative_prompt": "negative prompt",
    "seed": "generation seed",
    "steps": "sampling steps",
    "sampler": "sampler name",
    "cfg_scale": "CFG scale",
    "loras": "LoRAs used (list)",
    "video_codec": "video codec (h264, hevc, vp9 ...)",
    "fps": "frames per second",
    "phash": "perceptual hash (hex)",
}


def _media_field(name: str, ftype: str) -> Field:
    kind: FieldKind
    if name in _SPECIAL:
        kind = _SPECIAL[name]
    elif name in _KEYWORDS:
        kind = "keyword"
    elif ftype in ("text", "int", "real", "bool", "list"):
        kind = ftype  # type: ignore[assignment]
    else:  # pragma: no cover - a new FieldType must be mapped here
        raise AssertionError(ftype)
    return Field(name, kind, name, _HELP.get(name, name.replace("_", " ")), folded=ftype == "text")


def _build() -> dict[str, Field]:
    fields = {
        "path": Field(
            "path", "path", "path", "the file's path (`path:DIR` = everything under DIR)"
        ),
        "filename": Field(
            "filename", "text", "filename(path)", "the file's name (without its folder)"
        ),
        "id": Field("id", "int", "id", "catalog id"),
        "kind": Field("kind", "keyword", "kind", "audio, image, video or other"),
        "format": Field("format", "keyword", "format", "file format (mp3, flac, jpeg, mp4 ...)"),
        "ext": Field("ext", "keyword", "ext", "file extension, lower case"),
        "size": Field("size", "size", "size", "file size (`size:10M..`)"),
        "added": Field("added", "instant", "added_ns", "when the catalog first saw the file"),
        "mtime": Field("mtime", "instant", "mtime_ns", "the file's modification time"),
        "missing": Field("missing", "bool", "missing", "not found by the last scan"),
        "failed": Field("failed", "bool", "(error IS NOT NULL)", "metadata could not be read"),
        "error": Field("error", "text", "error", "why metadata could not be read"),
    }
    for name, ftype in MEDIA_FIELDS:
        fields[name] = _media_field(name, ftype)
    return fields


FIELDS: Final[dict[str, Field]] = _build()

#: `has:NAME` tests; any field name works too (`has:albumartist`: not empty)
HAS: Final[dict[str, tuple[str, str]]] = {
    "cover": ("coalesce(cover_count, 0) > 0", "has embedded cover art"),
    "lyrics": ("coalesce(has_lyrics, 0) = 1", "has embedded lyrics"),
    "mbid": ("mb_trackid IS NOT NULL AND mb_trackid != ''", "has a MusicBrainz track id"),
    "gps": ("gps_lat IS NOT NULL", "has a GPS position"),
    "ai": ("ai_tool IS NOT NULL", "is an AI-generated image with known metadata"),
    "error": ("error IS NOT NULL", "metadata could not be read"),
}


def suggest(name: str, known: list[str] | None = None) -> str:
    """' (did you mean x?)' for a misspelt field name, or a pointer to `shelf fields`."""
    import difflib  # here: only a failing query needs it

    close = difflib.get_close_matches(name, known or list(FIELDS), n=3, cutoff=0.6)
    if close:
        return " (did you mean " + " or ".join(close) + "?)"
    return " (`shelf fields` lists them)"


def lookup(name: str) -> Field:
    field = FIELDS.get(name.lower())
    if field is None:
        raise QueryError(f"unknown field {name!r}{suggest(name.lower())}")
    return field
