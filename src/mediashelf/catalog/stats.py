"""The rows library statistics are folded from (the SQL of `shelf stats` and `shelf report`).

Three passes over the present items that a query keeps: a GROUP BY over small keys
(day added, year, sample rate, bit rate band, codec, format, kind), a GROUP BY over
names (album, artist, album artist, genre) and one plain aggregate of tag presence,
which measured faster than one query per breakdown.  Then a few whole-catalog
figures: failing files, missing items, the last scan.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.queries import current_failures
from mediashelf.catalog.tree import Compiled

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
_DAY_NS: Final = 86_400 * 10**9

# The band as a small integer in SQL (an index into BAND_NAMES), so the GROUP BY sorts
# narrow keys; keys are ordered most varied first, which ends comparisons sooner.
_BAND_SQL = (
    f"CASE WHEN lossless = 1 THEN {BAND_NAMES.index(LOSSLESS_BAND)} "
    f"WHEN bitrate IS NULL THEN {BAND_NAMES.index(UNKNOWN_BAND)} "
    + " ".join(
        f"WHEN bitrate < {high} THEN {i}" for i, (_, _, high) in enumerate(BITRATE_BANDS[:-1])
    )
    + f" ELSE {len(BITRATE_BANDS) - 1} END"
)
_SHAPE_SQL = f"""
SELECT added_ns / {_DAY_NS}, year, samplerate, {_BAND_SQL}, codec,
       coalesce(format, nullif(ext, '')), kind, count(*), sum(size), coalesce(sum(duration), 0.0)
FROM items WHERE missing = 0 AND ({{where}})
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
_NAMES_SQL = """
SELECT album, artist, albumartist, genre, count(*), coalesce(sum(duration), 0.0)
FROM items WHERE missing = 0 AND kind = 'audio' AND ({where})
GROUP BY 1, 2, 3, 4
"""
_TAGS_SQL = (
    "SELECT count(*), "
    + ", ".join(f"count({column})" for _, column in TAG_FIELDS)
    + " FROM items WHERE missing = 0 AND kind = 'audio' AND ({where})"
)
# the combinations of damage reasons (JSON arrays, few distinct), split in Python
_DAMAGE_SQL = """
SELECT damage, count(*) FROM items
WHERE missing = 0 AND damage IS NOT NULL AND ({where})
GROUP BY damage
"""
# files decoded by `shelf verify` whose file has not changed since, and how many of
# them it found damaged
_VERIFIED_SQL = """
SELECT count(*), count(v.damage)
FROM (SELECT id, size, mtime_ns, dev, ino FROM items WHERE missing = 0 AND ({where})) i
JOIN verifications v ON v.item_id = i.id AND v.size = i.size AND v.mtime_ns = i.mtime_ns
    AND v.dev = i.dev AND v.ino = i.ino
"""
SCAN_COLUMNS: Final = (
    "id", "status", "started_ns", "finished_ns", "total_s", "files",
    "added", "changed", "unchanged", "missing", "moved", "failed",
)  # fmt: skip


class StatsRows(NamedTuple):
    """What the statistics are computed from.

    shapes: (day added since the epoch (UTC), year, sample rate, index into BAND_NAMES,
            codec, format (else extension), kind, items, bytes, seconds) groups
    names:  (album, artist, album artist, genre, items, seconds) groups of audio items
    tags:   (audio items, then per TAG_FIELDS the audio items that have it)
    damage: (damage as a JSON array, items) groups
    verified: (files verified and unchanged since, of them found damaged)
    failures, missing_items: whole catalog
    last_scan: SCAN_COLUMNS by name, or None
    """

    shapes: list[tuple[Any, ...]]
    names: list[tuple[Any, ...]]
    tags: tuple[int, ...]
    damage: list[tuple[str, int]]
    verified: tuple[int, int]
    failures: int
    missing_items: int
    last_scan: dict[str, Any] | None


def stats_rows(catalog: Catalog, compiled: Compiled) -> StatsRows:
    """The rows of the present items that `compiled` keeps (its own `missing` aside)."""
    db = catalog.db
    with catalog.querying(compiled) as q:
        shapes = db.execute(_SHAPE_SQL.format(where=q.where), q.params).fetchall()
        tags = tuple(db.execute(_TAGS_SQL.format(where=q.where), q.params).fetchone())
        names = db.execute(_NAMES_SQL.format(where=q.where), q.params).fetchall()
        damage = db.execute(_DAMAGE_SQL.format(where=q.where), q.params).fetchall()
        verified = db.execute(_VERIFIED_SQL.format(where=q.where), q.params).fetchone()
    scan = db.execute(
        f"SELECT {', '.join(SCAN_COLUMNS)} FROM scans ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return StatsRows(
        shapes=shapes,
        names=names,
        tags=tags,
        damage=[(str(d), int(n)) for d, n in damage],
        verified=(int(verified[0]), int(verified[1])),
        failures=len(current_failures(catalog)),
        missing_items=db.execute("SELECT count(*) FROM items WHERE missing = 1").fetchone()[0],
        last_scan=dict(zip(SCAN_COLUMNS, scan, strict=True)) if scan else None,
    )
