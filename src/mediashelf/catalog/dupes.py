"""What finding and resolving duplicates reads from the catalog.

The candidates of each kind of group, among the items a user's query picks; the
columns the ranking compares; the fingerprints and full hashes resolution checks;
and the perceptual hashes a scan left for later.  Rows are plain tuples: an entry is
(id, size, mtime_ns, dev, ino, quick_hash), followed by what the kind needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.roots import mounts

#: ids per `IN (...)` list
_ID_BATCH: Final = 900
_ENTRY: Final = "id, size, mtime_ns, dev, ino, quick_hash"


def _by_ids(catalog: Catalog, sql: str, ids: Iterable[int]) -> list[Any]:
    """The rows of `sql` (with `{ids}` where the id list goes) for every id of `ids`."""
    wanted = list(ids)
    out: list[Any] = []
    for i in range(0, len(wanted), _ID_BATCH):
        batch = wanted[i : i + _ID_BATCH]
        out += catalog.db.execute(sql.format(ids=",".join("?" * len(batch))), batch)
    return out


def _matching(
    catalog: Catalog, compiled: Compiled, sql: str, params: Sequence[Any] = ()
) -> list[Any]:
    """Rows of `sql`, whose WHERE clause ends with `AND {where}`, for the items
    `compiled` picks."""
    with catalog.querying(compiled) as r:
        rows: list[Any] = catalog.db.execute(
            sql.format(where=r.where), [*params, *r.params]
        ).fetchall()
        return rows


def sized(catalog: Catalog, compiled: Compiled) -> list[Any]:
    """Entries of every non-empty item."""
    sql = f"SELECT {_ENTRY} FROM items WHERE size > 0 AND {{where}}"
    return _matching(catalog, compiled, sql)


def audio(catalog: Catalog, compiled: Compiled, formats: Sequence[str]) -> list[Any]:
    """Entries of non-empty audio in one of `formats`, with format, samplerate,
    channels and duration."""
    sql = (
        f"SELECT {_ENTRY}, format, samplerate, channels, duration FROM items "
        f"WHERE kind = 'audio' AND size > 0 AND format IN ({','.join('?' * len(formats))}) "
        "AND {where}"
    )
    return _matching(catalog, compiled, sql, formats)


def recordings(catalog: Catalog, compiled: Compiled) -> list[Any]:
    """Entries of non-empty audio, with albumartist, artist, title, duration and
    MusicBrainz recording id."""
    sql = (
        f"SELECT {_ENTRY}, albumartist, artist, title, duration, mb_recordingid FROM items "
        "WHERE kind = 'audio' AND size > 0 AND {where}"
    )
    return _matching(catalog, compiled, sql)


def phashed(catalog: Catalog, compiled: Compiled) -> list[Any]:
    """Entries of non-empty items with a perceptual hash, and the hash."""
    sql = f"SELECT {_ENTRY}, phash FROM items WHERE phash IS NOT NULL AND size > 0 AND {{where}}"
    return _matching(catalog, compiled, sql)


def unphashed(catalog: Catalog, compiled: Compiled) -> list[tuple[int, bytes, int, int]]:
    """(id, path, size, mtime_ns) of the readable images the scan left without a
    perceptual hash (PNG, WebP …: hashed when first needed)."""
    sql = (
        "SELECT id, path, size, mtime_ns FROM items WHERE kind = 'image' AND phash IS NULL "
        "AND error IS NULL AND missing = 0 AND size > 0 AND {where}"
    )
    return _matching(catalog, compiled, sql)


def store_phashes(catalog: Catalog, rows: Sequence[tuple[str, int, int, int]]) -> None:
    """(phash, id, size, mtime_ns): each stored only if the item still has that size and
    mtime, so it belongs to the file that was read."""
    with catalog.atomic() as db:
        db.executemany(
            "UPDATE items SET phash = ? WHERE id = ? AND size = ? AND mtime_ns = ?", rows
        )


def item_paths(catalog: Catalog, ids: Iterable[int]) -> dict[int, bytes]:
    """Catalogued paths by item id, as this host sees them (roots.Mounts)."""
    rows = _by_ids(catalog, "SELECT id, path FROM items WHERE id IN ({ids})", ids)
    local = mounts(catalog).local
    return {rid: local(bytes(path)) for rid, path in rows}


def columns_of(catalog: Catalog, ids: Iterable[int], columns: Sequence[str]) -> list[Any]:
    """The `columns` of each item of `ids` (the ranking's)."""
    sql = f"SELECT {', '.join(columns)} FROM items WHERE id IN ({{ids}})"
    return _by_ids(catalog, sql, ids)


def fingerprints(
    catalog: Catalog, ids: Iterable[int]
) -> list[tuple[int, bytes, int, int, int, int, bytes | None]]:
    """(id, path, size, mtime_ns, dev, ino, full hash or None) of each item of `ids`:
    the full hash when one is stored for the item's present fingerprint."""
    sql = (
        "SELECT i.id, i.path, i.size, i.mtime_ns, i.dev, i.ino, h.value FROM items i "
        "LEFT JOIN hashes h ON h.item_id = i.id AND h.kind = 'full' AND h.size = i.size "
        "AND h.mtime_ns = i.mtime_ns AND h.dev = i.dev AND h.ino = i.ino "
        "WHERE i.id IN ({ids})"
    )
    local = mounts(catalog).local
    return [(r[0], local(bytes(r[1])), *r[2:]) for r in _by_ids(catalog, sql, ids)]
