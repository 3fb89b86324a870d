"""`shelf find --albums`: the matching tracks grouped into albums.

An album is the tracks that share a MusicBrainz album id or, without one, the same
album artist (the track artist when there is none, "Various Artists" for a
compilation) and album title, compared without case.  Tracks with no album title
are not part of any album.  Figures (tracks, duration, size ...) count the matching
tracks: `--albums format:flac` lists the FLAC part of each album.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from typing import IO, Any, Final

from mediashelf.catalog.dialect import Compiled, QueryFunctions
from mediashelf.console import file_size, track_length
from mediashelf.errors import QueryError
from mediashelf.organize.template import Template
from mediashelf.query.display import local_time
from mediashelf.query.fields import suggest
from mediashelf.query.parse import Sort

#: a track's album artist: its own, "Various Artists" on a compilation, else its artist
ALBUM_ARTIST_SQL: Final = (
    "coalesce(nullif(albumartist, ''), CASE WHEN compilation = 1 THEN 'Various Artists' "
    "ELSE nullif(artist, '') END)"
)
#: album field → (SQL aggregate, kind for sorting/showing, help)
ALBUM_FIELDS: Final[dict[str, tuple[str, str, str]]] = {
    "albumartist": (f"min({ALBUM_ARTIST_SQL})", "text", "album artist"),
    "album": ("min(album)", "text", "album title"),
    "year": ("min(year)", "int", "earliest release year of its tracks"),
    "date": ("min(date)", "text", "earliest release date"),
    "genre": ("min(genre)", "text", "genre (first in order)"),
    "label": ("min(label)", "text", "record label"),
    "catalognumber": ("min(catalognumber)", "text", "catalog number"),
    "mb_albumid": ("min(mb_albumid)", "text", "MusicBrainz album id"),
    "compilation": ("max(coalesce(compilation, 0))", "bool", "a compilation"),
    "tracks": ("count(*)", "int", "matching tracks"),
    "discs": ("max(coalesce(disctotal, disc, 1))", "int", "discs"),
    "duration": ("sum(duration)", "duration", "total length"),
    "size": ("sum(size)", "size", "total size"),
    "bitrate": ("CAST(round(avg(bitrate)) AS INTEGER)", "int", "average kbit/s"),
    "lossless": ("min(coalesce(lossless, 0))", "bool", "every track lossless"),
    "format": ("group_concat(DISTINCT format)", "text", "formats of its tracks"),
    "added": ("min(added_ns)", "instant", "when its first track was catalogued"),
    "path": ("min(path)", "path", "folder of its first track"),
    "last_path": ("max(path)", "path", "folder of its last track"),
}
_KEY: Final = f"coalesce(mb_albumid, lower({ALBUM_ARTIST_SQL}) || x'1f' || lower(album))"


def _order(sort: list[Sort]) -> str:
    keys = []
    for s in sort or [Sort("albumartist", False), Sort("album", False)]:
        if s.field not in ALBUM_FIELDS:
            raise QueryError(
                f"albums cannot be sorted by {s.field!r}{suggest(s.field, list(ALBUM_FIELDS))}"
            )
        kind = ALBUM_FIELDS[s.field][1]
        collate = " COLLATE NOCASE" if kind == "text" else ""
        keys.append(
            f"a_{s.field} IS NULL, a_{s.field}{collate} {'DESC' if s.descending else 'ASC'}"
        )
    return ", ".join(keys)


def select_albums(
    db: sqlite3.Connection, compiled: Compiled, sort: list[Sort]
) -> Iterator[dict[str, Any]]:
    funcs = QueryFunctions(db)
    columns = ", ".join(f"{sql} AS a_{name}" for name, (sql, _, _) in ALBUM_FIELDS.items())
    sql = (
        f"SELECT {columns} FROM items WHERE {compiled.where} AND album IS NOT NULL "
        f"AND album != '' GROUP BY {_KEY} ORDER BY {_order(sort)}"
    )
    db.row_factory = None
    try:
        for row in db.execute(sql, compiled.params):
            album = dict(zip(ALBUM_FIELDS, row, strict=True))
            first, last = album.pop("path"), album.pop("last_path")
            album["path"] = _common_folder(first, last)
            yield album
    except sqlite3.OperationalError as e:
        funcs.check(e)


def _common_folder(first: bytes, last: bytes) -> bytes:
    """The folder holding an album's tracks (their common parent)."""
    a, b = os.path.dirname(first), os.path.dirname(last)
    if a == b:
        return a
    return os.path.commonpath([a, b]) if a and b else a


def album_json(album: dict[str, Any]) -> dict[str, Any]:
    out = dict(album)
    out["path"] = os.fsdecode(album["path"])
    out["compilation"] = bool(album["compilation"])
    out["lossless"] = bool(album["lossless"])
    formats = out.pop("format")
    out["formats"] = sorted(set(formats.split(","))) if formats else []
    out["added"] = local_time(album["added"])
    return out


def album_values(album: dict[str, Any]) -> Any:
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


def write_album_lines(albums: Iterator[dict[str, Any]], out: IO[str], template: Template) -> int:
    n = 0
    for album in albums:
        out.write(template.render(album_values(album)) + "\n")
        n += 1
    return n


DEFAULT_ALBUM_FORMAT: Final = "$albumartist - $album"
ALBUM_TEMPLATE_FIELDS: Final = frozenset((*ALBUM_FIELDS, "multidisc")) - {"last_path"}
