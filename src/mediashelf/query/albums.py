"""`shelf find --albums`: the matching tracks grouped into albums.

An album is the tracks that share a MusicBrainz album id or, without one, the same
album artist (the track artist when there is none, "Various Artists" for a
compilation) and album title, compared without case (catalog/albums.py).  Tracks
with no album title are not part of any album.  Figures (tracks, duration, size ...)
count the matching tracks: `--albums format:flac` lists the FLAC part of each album.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import IO, Any, Final

from mediashelf.catalog.tree import Column, SortKey
from mediashelf.console import file_size, track_length
from mediashelf.errors import QueryError
from mediashelf.query.display import local_time
from mediashelf.query.fields import suggest
from mediashelf.query.parse import Sort

#: album field → (kind for sorting and showing, help)
ALBUM_FIELDS: Final[dict[str, tuple[str, str]]] = {
    "albumartist": ("text", "album artist"),
    "album": ("text", "album title"),
    "year": ("int", "earliest release year of its tracks"),
    "date": ("text", "earliest release date"),
    "genre": ("text", "genre (first in order)"),
    "label": ("text", "record label"),
    "catalognumber": ("text", "catalog number"),
    "mb_albumid": ("text", "MusicBrainz album id"),
    "compilation": ("bool", "a compilation"),
    "tracks": ("int", "matching tracks"),
    "discs": ("int", "discs"),
    "duration": ("duration", "total length"),
    "size": ("size", "total size"),
    "bitrate": ("int", "average kbit/s"),
    "lossless": ("bool", "every track lossless"),
    "format": ("text", "formats of its tracks"),
    "added": ("instant", "when its first track was catalogued"),
    "path": ("path", "folder of its first track"),
}
DEFAULT_ALBUM_FORMAT: Final = "$albumartist - $album"
ALBUM_TEMPLATE_FIELDS: Final = frozenset((*ALBUM_FIELDS, "multidisc"))
#: one album: ALBUM_FIELDS by name, `path` its folder
Album = dict[str, Any]


def album_order(sort: list[Sort]) -> tuple[SortKey, ...]:
    """The sort keys of albums (default: album artist, then title); unknown values last."""
    keys = []
    for s in sort or [Sort("albumartist", False), Sort("album", False)]:
        if s.field not in ALBUM_FIELDS:
            raise QueryError(
                f"albums cannot be sorted by {s.field!r}{suggest(s.field, list(ALBUM_FIELDS))}"
            )
        nocase = ALBUM_FIELDS[s.field][0] == "text"
        keys.append(SortKey(Column(s.field), s.descending, nocase=nocase))
    return tuple(keys)


def album(row: dict[str, Any]) -> Album:
    """An album from its catalog row: the folder of its tracks for their paths."""
    out = dict(row)
    first, last = out.pop("path"), out.pop("last_path")
    out["path"] = _common_folder(first, last)
    return out


def _common_folder(first: bytes, last: bytes) -> bytes:
    """The folder holding an album's tracks (their common parent)."""
    a, b = os.path.dirname(first), os.path.dirname(last)
    if a == b:
        return a
    return os.path.commonpath([a, b]) if a and b else a


def album_json(album: Album) -> dict[str, Any]:
    out = dict(album)
    out["path"] = os.fsdecode(album["path"])
    out["compilation"] = bool(album["compilation"])
    out["lossless"] = bool(album["lossless"])
    formats = out.pop("format")
    out["formats"] = sorted(set(formats.split(","))) if formats else []
    out["added"] = local_time(album["added"])
    return out


def album_values(album: Album) -> Callable[[str], str]:
    def value(name: str) -> str:
        if name == "multidisc":
            return "1" if (album.get("discs") or 1) > 1 else ""
        v = album.get(name)
        if v is None:
            return ""
        if name == "duration":
            return track_length(v)
        if name == "size":
            return file_size(v)
        if name == "added":
            return local_time(v)
        if name == "path":
            return os.fsdecode(v)
        if name in ("compilation", "lossless"):
            return "True" if v else "False"
        if name == "format":
            return ", ".join(sorted(set(str(v).split(","))))
        return str(v)

    return value


def write_album_lines(
    albums: Iterable[Album], out: IO[str], render: Callable[[Callable[[str], str]], str]
) -> int:
    n = 0
    for a in albums:
        out.write(render(album_values(a)) + "\n")
        n += 1
    return n
