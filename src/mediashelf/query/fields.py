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

from mediashelf.catalog import tree as t
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
    expr: t.Expr  # the column, or what the catalog computes it from
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
    "damage": "what is wrong with the file (list: truncated, bad-header, tag-overflow, "
    "audio-missing, decode-error, checksum-mismatch)",
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
    help_text = _HELP.get(name, name.replace("_", " "))
    return Field(name, kind, t.Column(name), help_text, folded=ftype == "text")


def _build() -> dict[str, Field]:
    def column(name: str, kind: FieldKind, help_text: str, column: str | None = None) -> Field:
        return Field(name, kind, t.Column(column or name), help_text)

    fields = {
        "path": column("path", "path", "the file's path (`path:DIR` = everything under DIR)"),
        "filename": Field("filename", "text", t.FileName(), "the file's name (without its folder)"),
        "id": column("id", "int", "catalog id"),
        "kind": column("kind", "keyword", "audio, image, video or other"),
        "format": column("format", "keyword", "file format (mp3, flac, jpeg, mp4 ...)"),
        "ext": column("ext", "keyword", "file extension, lower case"),
        "size": column("size", "size", "file size (`size:10M..`)"),
        "added": column("added", "instant", "when the catalog first saw the file", "added_ns"),
        "mtime": column("mtime", "instant", "the file's modification time", "mtime_ns"),
        "missing": column("missing", "bool", "not found by the last scan"),
        "failed": Field("failed", "bool", t.IsSet("error"), "metadata could not be read"),
        "error": column("error", "text", "why metadata could not be read"),
    }
    for name, ftype in MEDIA_FIELDS:
        fields[name] = _media_field(name, ftype)
    return fields


FIELDS: Final[dict[str, Field]] = _build()

#: `has:NAME` tests; any field name works too (`has:albumartist`: not empty)
HAS: Final[dict[str, tuple[t.Node, str]]] = {
    "cover": (t.Range(t.Column("cover_count"), 1, None), "has embedded cover art"),
    "lyrics": (t.Truth(t.Column("has_lyrics"), True), "has embedded lyrics"),
    "mbid": (t.NotEmpty(t.Column("mb_trackid"), "text"), "has a MusicBrainz track id"),
    "gps": (t.NotNull(t.Column("gps_lat")), "has a GPS position"),
    "ai": (t.NotNull(t.Column("ai_tool")), "is an AI-generated image with known metadata"),
    "error": (t.NotNull(t.Column("error")), "metadata could not be read"),
    "damage": (t.NotNull(t.Column("damage")), "the scan or `shelf verify` found damage"),
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
