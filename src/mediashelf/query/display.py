"""Field values as text: for `--format` templates, CSV cells and tables.

Raw catalog values (ints, nanoseconds, JSON arrays) become what a person reads,
as beets shows them: track, disc and their totals padded to two digits, years to
four, formats by name (`FLAC`, `MP3`, `AAC`), sample rates as `44kHz`, bitrates as
`320kbps`; and durations as m:ss, sizes as `4.2 MiB`, times in local time.  In
templates an empty artist falls back to the album artist and the reverse, as in
beets; CSV cells (`cell_values`) show each field's own value.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any, Final

from mediashelf.console import file_size, track_length
from mediashelf.query.fields import FIELDS

#: fields templates may use besides FIELDS
DERIVED: Final = {
    "multidisc": "true when the release has more than one disc",
    "month": "two-digit month of the release date",
    "day": "two-digit day of the release date",
}
TEMPLATE_FIELDS: Final = frozenset((*FIELDS, *DERIVED))


def local_time(ns: int | None) -> str:
    if ns is None:
        return ""
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _real(value: float) -> str:
    return f"{value:.6g}"


def _list(value: Any) -> str:
    items = json.loads(value) if isinstance(value, str) else value
    return "; ".join(str(x) for x in items) if isinstance(items, list) else str(items)


def _bool(value: Any) -> str:
    return "True" if value else "False"


def _pad(width: int) -> Callable[[Any], str]:
    return lambda n: f"{n:0{width}d}"


#: whole numbers shown zero-padded to a width, as beets shows them
_PADDED: Final = {"track": 2, "tracktotal": 2, "disc": 2, "disctotal": 2, "year": 4}
_BY_NAME: Final[dict[str, Callable[[Any], str]]] = {
    **{name: _pad(width) for name, width in _PADDED.items()},
    "bitrate": lambda n: f"{n}kbps",
    "samplerate": lambda n: f"{n // 1000}kHz",
    "size": file_size,
    "duration": track_length,
}
_BY_KIND: Final[dict[str, Callable[[Any], str]]] = {
    "instant": local_time,
    "real": _real,
    "bool": _bool,
    "list": _list,
    "path": lambda p: os.fsdecode(p),
}


def _converter(name: str) -> Callable[[Any], str]:
    special = _BY_NAME.get(name)
    if special is not None:

        def safe(value: Any) -> str:
            try:
                return special(value)
            except (TypeError, ValueError):  # a value of an unexpected type
                return str(value)

        return safe
    field = FIELDS.get(name)
    conv = _BY_KIND.get(field.kind) if field else None
    return conv or str


_CONVERTERS: Final[dict[str, Callable[[Any], str]]] = {n: _converter(n) for n in FIELDS}


def show(name: str, value: Any) -> str:
    """One field's value as text; '' when unknown."""
    if value is None:
        return ""
    return (_CONVERTERS.get(name) or str)(value)


#: audio formats by the names beets gives them (an MP4 file by its codec); other
#: formats are shown in capitals
FORMAT_NAMES: Final = {
    "mp3": "MP3", "aac": "AAC", "alac": "ALAC", "flac": "FLAC", "ogg": "OGG", "opus": "Opus",
    "ape": "APE", "wavpack": "WavPack", "musepack": "Musepack", "asf": "Windows Media",
    "aiff": "AIFF", "dsf": "DSD Stream File", "wav": "WAVE",
}  # fmt: skip


def format_name(row: Any) -> str:
    """The `$format` of an item: beets' name for its audio format."""
    fmt = row["format"]
    if fmt is None:
        return ""
    if fmt == "mp4" and row["kind"] == "audio" and row["codec"] in ("aac", "alac"):
        fmt = row["codec"]
    return FORMAT_NAMES.get(fmt) or str(fmt).upper()


#: the catalog columns a field is computed from, where it is not a column of its own
#: (or not only)
FIELD_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "artist": ("artist", "albumartist"),
    "albumartist": ("albumartist", "artist"),
    "format": ("format", "kind", "codec"),
    "multidisc": ("disc", "disctotal"),
    "month": ("date",),
    "day": ("date",),
    "filename": ("path",),
    "added": ("added_ns",),
    "mtime": ("mtime_ns",),
    "failed": ("error",),
}


def columns_for(fields: set[str] | frozenset[str]) -> list[str]:
    """The catalog columns needed to show `fields` (always with id and path)."""
    cols = {"id", "path"}
    for name in fields:
        cols.update(FIELD_SOURCES.get(name, (name,)))
    return sorted(cols)


def _padded(column: str, width: int) -> Callable[[Any], str]:
    def get(row: Any) -> str:
        value = row[column]
        if value is None:
            return ""
        return f"{value:0{width}d}" if type(value) is int else str(value)

    return get


def _getter(name: str) -> Callable[[Any], str]:
    if name == "format":
        return format_name
    if name == "multidisc":
        return lambda row: "1" if (row["disctotal"] or 0) > 1 or (row["disc"] or 0) > 1 else ""
    if name in ("month", "day"):  # of an ISO date: YYYY-MM-DD
        start = 5 if name == "month" else 8
        return lambda row: (row["date"] or "")[start : start + 2]
    if name == "filename":
        return lambda row: os.fsdecode(os.path.basename(row["path"]))
    if name == "failed":
        return lambda row: _bool(row["error"] is not None)
    if name in _PADDED:  # (every line of a listing shows some: no converter call)
        return _padded(name, _PADDED[name])
    column = FIELD_SOURCES.get(name, (name,))[0]
    conv = _CONVERTERS.get(name) or str

    def get(row: Any) -> str:
        value = row[column]
        return "" if value is None else conv(value)

    return get


_CELLS: Final[dict[str, Callable[[Any], str]]] = {n: _getter(n) for n in TEMPLATE_FIELDS}


#: in templates, an empty artist is the album artist's and the reverse (beets); both are
#: text, so their values are shown as they are (a getter each: every line reads them)
_GETTERS: Final[dict[str, Callable[[Any], str]]] = {
    **_CELLS,
    "artist": lambda row: row["artist"] or row["albumartist"] or "",
    "albumartist": lambda row: row["albumartist"] or row["artist"] or "",
}


def row_values(row: Any) -> Callable[[str], str]:
    """A template's value lookup over one catalog row (a dict by column name)."""
    return lambda name: _GETTERS[name](row)


def cell_values(row: Any) -> Callable[[str], str]:
    """Each field's own value as text, with no fallback (CSV cells)."""
    return lambda name: _CELLS[name](row)
