"""Library statistics: what `shelf stats` prints and what `shelf report --html` draws.

`compute_stats` reads the catalog in three passes over the items of the filter (a
GROUP BY over small keys, a GROUP BY over names, one plain aggregate: catalog/stats.py),
which measured faster than one query per breakdown; everything else is folded here
from those few thousand rows.  Only present items (`missing = 0`) count.

The returned dict is JSON-serializable (`shelf stats --json` prints it as is):

    items, size, duration         present items matching the filter; bytes; seconds (summed
                                  over items that have a duration)
    kinds                         [{name, items, size, duration}], most items first
    formats                       [{name, kind, items, size, duration}], most items first; the
                                  name is the detected format, else the file extension
    codecs                        [{name, items, size, duration}] of audio items (name None:
                                  unknown), most items first
    bitrates                      [{band, items, size, duration}] of audio items, in the order
                                  of BITRATE_BANDS: "<128", "128-191", "192-255", "256-319",
                                  ">=320" kbit/s, then "lossless" (any bit rate), "unknown"
    samplerates                   [{hz, items}] of audio items, by rate (hz None last)
    lossless                      {items, size, duration, share}: lossless audio items; share
                                  of audio items (None without audio)
    tags                          {audio_items, fields: [{name, present, missing, missing_share}]}
                                  for title, artist, albumartist, album, year, genre, cover
                                  (an embedded picture), mb_recordingid, mb_albumid
    artists                       {distinct, top: [{name, items, albums, duration}]}
    albums                        {distinct, album_artists}
    genres                        {distinct, top: [{name, items, duration}]}
    years                         {distinct, unknown, top: [{year, items}] (most items first),
                                  all: [{year, items}] (by year)}
    growth                        [{month: "YYYY-MM", items, size, total_items, total_size}]
                                  by the month (UTC) items were first catalogued, gaps filled
    failures                      files that currently fail (whole catalog, not filtered)
    missing_items                 catalogued files the last scans did not find (whole catalog)
    last_scan                     {id, status, started, finished, seconds, files, added,
                                  changed, unchanged, missing, moved, failed} or None
    top_n                         how many entries the top lists hold at most

Artists are counted per track by the track artist, falling back to the album artist
when a track has none, so the artists of a compilation count as themselves; an
artist's `albums` counts the distinct album names among its tracks.  Albums are
distinct (album artist, else artist; album) pairs.  Years, genres, artists, codecs,
sample rates, bit rates and tag completeness are over audio items only; a tag is
present when its column is set (the reader never stores empty text).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Final

from mediashelf.catalog import Catalog
from mediashelf.catalog.stats import (
    BAND_NAMES,
    LOSSLESS_BAND,
    SCAN_COLUMNS,
    TAG_FIELDS,
    StatsRows,
    stats_rows,
)
from mediashelf.catalog.tree import Compiled
from mediashelf.catalog.values import iso_utc

TOP_N: Final = 10
_LOSSLESS_INDEX: Final = BAND_NAMES.index(LOSSLESS_BAND)
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
#: one breakdown's sums: items, bytes, seconds
Sums = list[float]


def compute_stats(catalog: Catalog, compiled: Compiled | None = None) -> dict[str, Any]:
    """Statistics of the present items that `compiled` keeps (all of them without one)."""
    return figures(stats_rows(catalog, compiled or Compiled()))


def figures(rows: StatsRows) -> dict[str, Any]:
    """The statistics (see the module's docstring) folded from the catalog's rows."""
    shape = _Shape()
    for row in rows.shapes:
        shape.add(*row)
    kinds = shape.kinds
    total_items = sum(int(v[0]) for v in kinds.values())
    audio_items = int(kinds["audio"][0]) if "audio" in kinds else 0
    return {
        "items": total_items,
        "size": sum(int(v[1]) for v in kinds.values()),
        "duration": round(sum(v[2] for v in kinds.values()), 3),
        "kinds": _ranked(({"name": k}, v) for k, v in kinds.items()),
        "formats": _ranked(({"name": f, "kind": k}, v) for (f, k), v in shape.formats.items()),
        "codecs": _ranked(({"name": c}, v) for c, v in shape.codecs.items()),
        "bitrates": [
            {"band": name, **_sums(v)} for name, v in zip(BAND_NAMES, shape.bands, strict=True)
        ],
        "samplerates": [
            {"hz": hz, "items": n}
            for hz, n in sorted(shape.rates.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ],
        "lossless": {**_sums(shape.lossless), "share": share_of(shape.lossless[0], audio_items)},
        "tags": _tags(rows.tags),
        **_names(rows.names),
        "years": _years(shape.years),
        "growth": _growth(shape.days),
        "failures": rows.failures,
        "missing_items": rows.missing_items,
        "last_scan": _last_scan(rows.last_scan),
        "top_n": TOP_N,
    }


class _Shape:
    """The sums of the shape rows by kind, format, codec, band, rate, year and day."""

    def __init__(self) -> None:
        self.kinds: dict[str, Sums] = defaultdict(lambda: [0, 0, 0.0])
        self.formats: dict[tuple[str | None, str], Sums] = defaultdict(lambda: [0, 0, 0.0])
        self.codecs: dict[str | None, Sums] = defaultdict(lambda: [0, 0, 0.0])
        self.bands: list[Sums] = [[0, 0, 0.0] for _ in BAND_NAMES]
        self.rates: dict[int | None, int] = defaultdict(int)
        self.years: dict[int | None, int] = defaultdict(int)
        self.days: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        self.lossless: Sums = [0, 0, 0.0]

    def add(
        self,
        day: int,
        year: int | None,
        rate: int | None,
        band: int,
        codec: str | None,
        fmt: str | None,
        kind: str,
        n: int,
        size: int | None,
        secs: float,
    ) -> None:
        size = size or 0
        _add(self.kinds[kind], n, size, secs)
        _add(self.formats[fmt, kind], n, size, secs)
        d = self.days[day]
        d[0] += n
        d[1] += size
        if kind != "audio":
            return
        _add(self.codecs[codec], n, size, secs)
        _add(self.bands[band], n, size, secs)
        self.rates[rate] += n
        self.years[year] += n
        if band == _LOSSLESS_INDEX:
            _add(self.lossless, n, size, secs)


def _tags(row: Sequence[int]) -> dict[str, Any]:
    audio = row[0]
    return {
        "audio_items": audio,
        "fields": [
            {
                "name": name,
                "present": present,
                "missing": audio - present,
                "missing_share": share_of(audio - present, audio),
            }
            for (name, _), present in zip(TAG_FIELDS, row[1:], strict=True)
        ],
    }


def _years(years: dict[int | None, int]) -> dict[str, Any]:
    known = sorted((y, n) for y, n in years.items() if y is not None)
    return {
        "distinct": len(known),
        "unknown": years.get(None, 0),
        "top": [
            {"year": y, "items": n}
            for y, n in sorted(known, key=lambda yn: (-yn[1], yn[0]))[:TOP_N]
        ],
        "all": [{"year": y, "items": n} for y, n in known],
    }


def _add(acc: list[float], n: int, size: int, secs: float) -> None:
    acc[0] += n
    acc[1] += size
    acc[2] += secs


def _sums(acc: Sequence[float]) -> dict[str, Any]:
    return {"items": int(acc[0]), "size": int(acc[1]), "duration": round(acc[2], 3)}


def _ranked(groups: Iterable[tuple[dict[str, Any], list[float]]]) -> list[dict[str, Any]]:
    """Groups with their sums, most items first (then by name, unknown last)."""
    out = [{**label, **_sums(acc)} for label, acc in groups]
    out.sort(key=lambda g: (-g["items"], g["name"] is None, str(g["name"] or "")))
    return out


def share_of(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _names(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Artists, albums and genres from (album, artist, albumartist, genre) groups."""
    artists: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    artist_albums: dict[str, set[str]] = defaultdict(set)
    genres: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    albums: set[tuple[str | None, str]] = set()
    album_artists: set[str] = set()
    for album, artist, albumartist, genre, n, secs in rows:
        who = artist or albumartist or None
        if who is not None:
            a = artists[who]
            a[0] += n
            a[1] += secs
            if album:
                artist_albums[who].add(album)
        if album:
            albums.add((albumartist or who, album))
        if albumartist:
            album_artists.add(albumartist)
        if genre:
            g = genres[genre]
            g[0] += n
            g[1] += secs

    def top(counts: dict[str, list[float]]) -> list[tuple[str, list[float]]]:
        return sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP_N]

    return {
        "artists": {
            "distinct": len(artists),
            "top": [
                {
                    "name": name,
                    "items": int(v[0]),
                    "albums": len(artist_albums.get(name, ())),
                    "duration": round(v[1], 3),
                }
                for name, v in top(artists)
            ],
        },
        "albums": {"distinct": len(albums), "album_artists": len(album_artists)},
        "genres": {
            "distinct": len(genres),
            "top": [
                {"name": name, "items": int(v[0]), "duration": round(v[1], 3)}
                for name, v in top(genres)
            ],
        },
    }


def _month(day: int) -> tuple[int, int]:
    date = dt.date.fromordinal(_EPOCH_ORDINAL + day)
    return date.year, date.month


def _growth(days: dict[int, list[int]]) -> list[dict[str, Any]]:
    """Items and bytes added per calendar month (UTC), every month from first to last."""
    months: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for day, (n, size) in days.items():
        m = months[_month(day)]
        m[0] += n
        m[1] += size
    if not months:
        return []
    (year, month), last = min(months), max(months)
    out: list[dict[str, Any]] = []
    total_items = total_size = 0
    while (year, month) <= last:
        n, size = months.get((year, month), (0, 0))
        total_items += n
        total_size += size
        out.append(
            {
                "month": f"{year:04d}-{month:02d}",
                "items": n,
                "size": size,
                "total_items": total_items,
                "total_size": total_size,
            }
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _last_scan(scan: dict[str, Any] | None) -> dict[str, Any] | None:
    if scan is None:
        return None
    return {
        "id": scan["id"],
        "status": scan["status"],
        "started": iso_utc(scan["started_ns"]),
        "finished": iso_utc(scan["finished_ns"]),
        "seconds": scan["total_s"],
        **{k: scan[k] or 0 for k in SCAN_COLUMNS[5:]},
    }
