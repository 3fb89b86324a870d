"""Library statistics: what `shelf stats` prints and what `shelf report --html` draws.

`compute_stats` reads the catalog in three passes over the items of the filter (a
GROUP BY over small keys, a GROUP BY over names, one plain aggregate), which measured
faster than one query per breakdown; everything else is folded in Python from those
few thousand rows.  Only present items (`missing = 0`) count.

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
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Final

from mediashelf.catalog.queries import current_failures, iso_utc

#: bit rate bands of audio items (kbit/s), lower bound included, then the two others
BITRATE_BANDS: Final[tuple[tuple[str, int, int], ...]] = (
    ("<128", 0, 128),
    ("128-191", 128, 192),
    ("192-255", 192, 256),
    ("256-319", 256, 320),
    (">=320", 320, -1),  # no upper bound
)
LOSSLESS_BAND: Final = "lossless"
UNKNOWN_BAND: Final = "unknown"
BAND_NAMES: Final[tuple[str, ...]] = (
    *(name for name, _, _ in BITRATE_BANDS),
    LOSSLESS_BAND,
    UNKNOWN_BAND,
)
#: the tags whose completeness is reported, with the column telling whether one is there
TAG_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("title", "title"),
    ("artist", "artist"),
    ("albumartist", "albumartist"),
    ("album", "album"),
    ("year", "year"),
    ("genre", "genre"),
    ("cover", "cover_count"),
    ("mb_recordingid", "mb_recordingid"),
    ("mb_albumid", "mb_albumid"),
)
TOP_N: Final = 10
_LOSSLESS_INDEX: Final = BAND_NAMES.index(LOSSLESS_BAND)
_UNKNOWN_INDEX: Final = BAND_NAMES.index(UNKNOWN_BAND)
_DAY_NS: Final = 86_400 * 10**9
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()

# The band as a small integer in SQL (an index into BAND_NAMES), so the GROUP BY sorts
# narrow keys; keys are ordered most varied first, which ends comparisons sooner.
_BAND_SQL = (
    f"CASE WHEN lossless = 1 THEN {_LOSSLESS_INDEX} WHEN bitrate IS NULL THEN {_UNKNOWN_INDEX} "
    + " ".join(
        f"WHEN bitrate < {high} THEN {i}" for i, (_, _, high) in enumerate(BITRATE_BANDS[:-1])
    )
    + f" ELSE {len(BITRATE_BANDS) - 1} END"
)
_SHAPE_SQL = f"""
SELECT added_ns / {_DAY_NS}, year, samplerate, {_BAND_SQL}, codec,
       coalesce(format, nullif(ext, '')), kind, count(*), sum(size), total(duration)
FROM items WHERE missing = 0 AND ({{where}})
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
_NAMES_SQL = """
SELECT album, artist, albumartist, genre, count(*), total(duration)
FROM items WHERE missing = 0 AND kind = 'audio' AND ({where})
GROUP BY 1, 2, 3, 4
"""
_TAGS_SQL = (
    "SELECT count(*), "
    + ", ".join(f"count({column})" for _, column in TAG_FIELDS)
    + " FROM items WHERE missing = 0 AND kind = 'audio' AND ({where})"
)
_SCAN_COLUMNS: Final = (
    "id", "status", "started_ns", "finished_ns", "total_s", "files",
    "added", "changed", "unchanged", "missing", "moved", "failed",
)  # fmt: skip


def compute_stats(
    db: sqlite3.Connection, where: str = "1", params: Sequence[object] = ()
) -> dict[str, Any]:
    """Statistics of the present items for which the SQL expression `where` holds."""
    params = tuple(params)
    kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    formats: dict[tuple[str | None, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    codecs: dict[str | None, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    bands = [[0, 0, 0.0] for _ in BAND_NAMES]
    rates: dict[int | None, int] = defaultdict(int)
    years: dict[int | None, int] = defaultdict(int)
    days: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    lossless = [0, 0, 0.0]
    for day, year, rate, band, codec, fmt, kind, n, size, secs in db.execute(
        _SHAPE_SQL.format(where=where), params
    ):
        size = size or 0
        _add(kinds[kind], n, size, secs)
        _add(formats[fmt, kind], n, size, secs)
        d = days[day]
        d[0] += n
        d[1] += size
        if kind != "audio":
            continue
        _add(codecs[codec], n, size, secs)
        _add(bands[band], n, size, secs)
        rates[rate] += n
        years[year] += n
        if band == _LOSSLESS_INDEX:
            _add(lossless, n, size, secs)

    total_items = sum(int(v[0]) for v in kinds.values())
    audio_items = int(kinds["audio"][0]) if "audio" in kinds else 0
    tag_row = db.execute(_TAGS_SQL.format(where=where), params).fetchone()
    names = _names(db.execute(_NAMES_SQL.format(where=where), params))
    known_years = sorted((y, n) for y, n in years.items() if y is not None)
    return {
        "items": total_items,
        "size": sum(int(v[1]) for v in kinds.values()),
        "duration": round(sum(v[2] for v in kinds.values()), 3),
        "kinds": _ranked(({"name": k}, v) for k, v in kinds.items()),
        "formats": _ranked(({"name": f, "kind": k}, v) for (f, k), v in formats.items()),
        "codecs": _ranked(({"name": c}, v) for c, v in codecs.items()),
        "bitrates": [{"band": name, **_sums(v)} for name, v in zip(BAND_NAMES, bands, strict=True)],
        "samplerates": [
            {"hz": hz, "items": n}
            for hz, n in sorted(rates.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ],
        "lossless": {**_sums(lossless), "share": share_of(lossless[0], audio_items)},
        "tags": {
            "audio_items": tag_row[0],
            "fields": [
                {
                    "name": name,
                    "present": present,
                    "missing": tag_row[0] - present,
                    "missing_share": share_of(tag_row[0] - present, tag_row[0]),
                }
                for (name, _), present in zip(TAG_FIELDS, tag_row[1:], strict=True)
            ],
        },
        **names,
        "years": {
            "distinct": len(known_years),
            "unknown": years.get(None, 0),
            "top": [
                {"year": y, "items": n}
                for y, n in sorted(known_years, key=lambda yn: (-yn[1], yn[0]))[:TOP_N]
            ],
            "all": [{"year": y, "items": n} for y, n in known_years],
        },
        "growth": _growth(days),
        "failures": len(current_failures(db)),
        "missing_items": db.execute("SELECT count(*) FROM items WHERE missing = 1").fetchone()[0],
        "last_scan": _last_scan(db),
        "top_n": TOP_N,
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


def _last_scan(db: sqlite3.Connection) -> dict[str, Any] | None:
    row = db.execute(
        f"SELECT {', '.join(_SCAN_COLUMNS)} FROM scans ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    scan = dict(zip(_SCAN_COLUMNS, row, strict=True))
    return {
        "id": scan["id"],
        "status": scan["status"],
        "started": iso_utc(scan["started_ns"]),
        "finished": iso_utc(scan["finished_ns"]),
        "seconds": scan["total_s"],
        **{k: scan[k] or 0 for k in _SCAN_COLUMNS[5:]},
    }
