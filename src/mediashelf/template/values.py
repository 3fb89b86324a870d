"""Template values for organizing: defaults for missing tags, derived fields.

Every value is sanitised on its own before it is inserted (`sanitize_value`), as
beets does, so a `/` or `..` inside a tag can never become a folder of its own.
The rendered path is then checked component by component (sanitize.py).
`%aunique` and `%sunique` are in unique.py.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from typing import Any, Final

from mediashelf.query.display import FIELD_SOURCES, TEMPLATE_FIELDS, row_values

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
#: the catalog columns an organize value is computed from (where not only its own)
SOURCES: Final[dict[str, tuple[str, ...]]] = {
    **FIELD_SOURCES,
    "year": ("kind", "taken", "mtime_ns", "date", "year"),
    "month": ("kind", "taken", "mtime_ns", "date"),
    "day": ("kind", "taken", "mtime_ns", "date"),
    "albumartist": ("albumartist", "compilation", "artist"),
    "title": ("title", "path"),
    "stem": ("path",),
    "folder": ("path",),
}


def sources(fields: set[str] | frozenset[str] | list[str]) -> set[str]:
    """The catalog columns the organize values of `fields` are computed from."""
    out: set[str] = set()
    for name in fields:
        out.update(SOURCES.get(name, (name,)))
    return out


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


def raw_values(row: Mapping[str, Any]) -> Callable[[str], str]:
    """The organize values of one item as text, "" where unknown (no default, not cleaned).

    Beyond the query fields: year, month and day of when a photo was taken, `stem`,
    `folder`; the album artist of a compilation without one is "Various Artists"; an
    untitled item is called after its file.
    """
    shown = row_values(row)

    def raw(name: str) -> str:
        if name in ("year", "month", "day"):
            year, month, day = _date_parts(row)
            return {"year": year, "month": month, "day": day}[name]
        if name == "stem":
            return _stem(row)
        if name == "folder":
            return os.fsdecode(os.path.basename(os.path.dirname(row["path"])))
        if name == "albumartist":  # (text columns: a string or None)
            return row.get("albumartist") or (
                "Various Artists" if row.get("compilation") else row.get("artist") or ""
            )
        if name == "title":
            return shown("title") or _stem(row)
        return shown(name)

    return raw


def item_values(row: Mapping[str, Any], clean: Callable[[str], str]) -> Callable[[str], str]:
    """The value lookup of one item for a path template; every value passes `clean`."""
    raw = raw_values(row)
    cache: dict[str, str] = {}

    def value(name: str) -> str:
        hit = cache.get(name)
        if hit is None:
            hit = cache[name] = clean(raw(name) or DEFAULTS.get(name, ""))
        return hit

    return value
