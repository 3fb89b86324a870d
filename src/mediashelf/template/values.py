"""Template values for organizing: defaults for missing tags, derived fields, %aunique.

Every value is sanitised on its own before it is inserted (`sanitize_value`), as
beets does, so a `/` or `..` inside a tag can never become a folder of its own;
%aunique's disambiguator is a tag value too and is cleaned the same way.  The
rendered path is then checked component by component (sanitize.py).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from mediashelf.catalog.albums import AlbumGroups, album_groups
from mediashelf.catalog.rows import ITEM_COLUMNS
from mediashelf.query.display import TEMPLATE_FIELDS, row_values

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog

#: shown where a tag the template needs is missing
DEFAULTS: Final = {
    "artist": "Unknown Artist",
    "albumartist": "Unknown Artist",
    "album": "Unknown Album",
}
#: organize-only fields, on top of the query fields
EXTRA_FIELDS: Final = {
    "month": "two-digit month (of `taken` for photos and videos, else of the release date)",
    "day": "two-digit day",
    "stem": "the file name without its extension",
    "folder": "the name of the folder the file is in now (an AI tool's project folder)",
}
ORGANIZE_FIELDS: Final = TEMPLATE_FIELDS | frozenset(EXTRA_FIELDS)
#: the catalog columns planning reads besides those the templates name
NEEDED: Final = (
    "id", "path", "kind", "ext", "size", "mtime_ns", "title", "artist", "albumartist",
    "album", "compilation", "year", "date", "taken", "disc", "disctotal", "mb_albumid",
    "label", "catalognumber",
)  # fmt: skip


def _date_parts(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """(year, month, day): `taken` for photos and videos (else mtime); the tags for audio."""
    if row.get("kind") in ("image", "video"):
        taken = row.get("taken")
        if taken and len(taken) >= 10 and taken[4] == "-":
            return taken[:4], taken[5:7], taken[8:10]
        when = dt.datetime.fromtimestamp(row["mtime_ns"] / 1e9)
        return f"{when.year:04d}", f"{when.month:02d}", f"{when.day:02d}"
    date = row.get("date") or ""
    year = f"{row['year']:04d}" if row.get("year") else date[:4]
    month = date[5:7] if len(date) >= 7 else ""
    day = date[8:10] if len(date) >= 10 else ""
    return year, month, day


def _stem(row: Mapping[str, Any]) -> str:
    return os.fsdecode(os.path.splitext(os.path.basename(row["path"]))[0])


def item_values(row: Mapping[str, Any], clean: Callable[[str], str]) -> Callable[[str], str]:
    """The value lookup of one item for a path template; every value passes `clean`."""
    shown = row_values(row)
    cache: dict[str, str] = {}

    def raw(name: str) -> str:
        if name in ("year", "month", "day"):
            year, month, day = _date_parts(row)
            return {"year": year, "month": month, "day": day}[name]
        if name == "stem":
            return _stem(row)
        if name == "folder":
            return os.fsdecode(os.path.basename(os.path.dirname(row["path"])))
        if name == "albumartist":
            return shown("albumartist") or (
                "Various Artists" if row.get("compilation") else shown("artist")
            )
        if name == "title":
            return shown("title") or _stem(row)
        return shown(name)

    def value(name: str) -> str:
        hit = cache.get(name)
        if hit is None:
            hit = cache[name] = clean(raw(name) or DEFAULTS.get(name, ""))
        return hit

    return value


#: the fields %aunique{} can tell albums apart by: those that are catalog columns
_COLUMNS: Final = ORGANIZE_FIELDS & frozenset(ITEM_COLUMNS)
#: the fields the default %aunique{} reads
AUNIQUE_INPUTS: Final = (
    "album", "albumartist", "artist", "compilation", "year", "label", "catalognumber", "mb_albumid",
)  # fmt: skip


class AlbumUnique:
    """`%aunique{keys,disambiguators,brackets}` as in beets.

    Albums are told apart by MusicBrainz album id or, without one, by their values of
    the disambiguating fields.  When the catalog holds more than one album with the
    same key fields (default `albumartist album`), the first disambiguating field
    (default `year label catalognumber`) whose values differ between them is added
    in brackets: "Greatest Hits [1981]" and "Greatest Hits [1991]".  A unique album
    gets nothing.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._groups: dict[tuple[str, ...], AlbumGroups] = {}
        self._memo: dict[tuple[Any, ...], str] = {}

    def _albums(self, keys: list[str], disam: list[str]) -> AlbumGroups:
        sig = (*keys, "|", *disam)
        found = self._groups.get(sig)
        if found is None:
            found = self._groups[sig] = album_groups(self.catalog, keys, disam)
        return found

    def function(self, row: Mapping[str, Any], clean: Callable[[str], str]) -> Callable[..., str]:
        """%aunique{} for one item; `clean` cleans the disambiguator it adds, as it
        cleans every value of a path."""

        def aunique(keys: str = "", disam: str = "", brackets: str = "[]") -> str:
            # every track of an album asks the same question: answer it once
            memo_key = (keys, disam, *(row.get(f) for f in AUNIQUE_INPUTS))
            if keys or disam:
                memo_key += tuple(row.get(f) for f in (*keys.split(), *disam.split()))
            if memo_key not in self._memo:
                self._memo[memo_key] = self._answer(row, keys, disam)
            value = self._memo[memo_key]
            value = clean(value) if value else ""
            if not value:
                return ""
            open_, close = (brackets[0], brackets[-1]) if len(brackets) >= 2 else ("", "")
            return f" {open_}{value}{close}"

        return aunique

    def _answer(self, row: Mapping[str, Any], keys: str, disam: str) -> str:
        """What tells this item's album apart from others of the same key ("": none)."""
        key_fields = keys.split() or ["albumartist", "album"]
        dis_fields = disam.split() or ["year", "label", "catalognumber"]
        if any(f not in _COLUMNS for f in (*key_fields, *dis_fields)) or not row.get("album"):
            return ""
        albums = self._albums(key_fields, dis_fields)
        artist = row.get("albumartist") or (
            "Various Artists" if row.get("compilation") else row.get("artist")
        )
        mine_key = "\x1f".join(
            str(
                artist if k == "albumartist" else (row.get(k) if row.get(k) is not None else "")
            ).lower()
            for k in key_fields
        )
        group = set(albums.get(mine_key, []))
        if len(group) < 2:
            return ""
        mine_values = tuple("" if row.get(d) is None else str(row.get(d)) for d in dis_fields)
        for i in range(len(dis_fields)):
            if len({a[1 + i] for a in group}) > 1 and mine_values[i]:
                return mine_values[i]
        mbid = row.get("mb_albumid") or ""
        ids = sorted({a[0] for a in group})
        if mbid and mbid in ids and len(ids) > 1:
            return str(ids.index(mbid) + 1)
        return ""
