"""Typed queries over single items and failures: `shelf info`, `failures`, `prune`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediashelf.catalog.values import iso_utc
from mediashelf.model import BOOL_FIELDS, LIST_FIELDS, MEDIA_FIELDS

if TYPE_CHECKING:
    from mediashelf.catalog.connect import Catalog

_SELECT = (
    "SELECT id, path, kind, format, size, mtime_ns, added_ns, missing, error, extra, "
    + ", ".join(n for n, _ in MEDIA_FIELDS)
    + " FROM items"
)
_LIST_FIELDS = frozenset(LIST_FIELDS)
_BOOL_FIELDS = frozenset(BOOL_FIELDS)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    path: bytes
    missing: bool
    error: str | None
    fields: dict[str, Any]  # ITEM_FIELDS, None where unknown
    extra: dict[str, Any]


def _item(row: Sequence[Any]) -> Item:
    rid, path, kind, fmt, size, mtime_ns, added_ns, missing, error, extra = row[:10]
    fields: dict[str, Any] = {
        "kind": kind,
        "format": fmt,
        "size": size,
        "mtime_ns": mtime_ns,
        "added": iso_utc(added_ns),
    }
    for (name, _), value in zip(MEDIA_FIELDS, row[10:], strict=True):
        if value is not None and name in _LIST_FIELDS:
            value = json.loads(value)
        elif value is not None and name in _BOOL_FIELDS:
            value = bool(value)
        fields[name] = value
    return Item(rid, path, bool(missing), error, fields, json.loads(extra) if extra else {})


def get_item(catalog: Catalog, path: bytes) -> Item | None:
    """The catalogued item at `path` (missing or not), or None."""
    row = catalog.db.execute(_SELECT + " WHERE path = ?", (path,)).fetchone()
    return _item(row) if row else None


def frequent_artists(catalog: Catalog, limit: int, *, plain: bool = False) -> list[str]:
    """The `limit` artists with the most items, most first (`plain`: ASCII letters,
    digits and spaces only)."""
    sql = "SELECT artist, count(*) AS n FROM items WHERE artist IS NOT NULL "
    if plain:
        sql += f"AND {catalog.dialect.plain_text('artist')} "
    sql += "GROUP BY artist ORDER BY n DESC, artist LIMIT ?"
    return [str(r[0]) for r in catalog.db.execute(sql, (limit,))]


def prune_missing(catalog: Catalog) -> int:
    """Forget the items scans found missing, and folders left with no item; how many items."""
    with catalog.atomic() as db:
        n = int(db.execute("DELETE FROM items WHERE missing = 1").rowcount)
        db.execute("DELETE FROM folders WHERE id NOT IN (SELECT DISTINCT folder_id FROM items)")
    return n


@dataclass(frozen=True, slots=True)
class FailureRow:
    path: bytes
    stage: str
    kind: str
    message: str
    time_ns: int
    scan_id: int | None


def current_failures(
    catalog: Catalog, *, history: bool = False, path: bytes | None = None
) -> list[FailureRow]:
    """The latest failure of each file that still fails (or every failure with `history`).

    A failure stands while the catalogued file still carries an error, or, for files
    the catalog does not hold (unlistable folders, vanished files), until a later scan
    records none for that path.
    """
    db = catalog.db
    params: tuple[bytes, ...] = ()
    if history:
        sql = "SELECT path, stage, kind, message, time_ns, scan_id FROM failures ORDER BY id"
    elif path is not None:
        sql = """
        SELECT f.path, f.stage, f.kind, f.message, f.time_ns, f.scan_id FROM failures f
        LEFT JOIN items i ON i.path = f.path
        WHERE f.id = (SELECT max(id) FROM failures WHERE path = ?)
          AND ((i.id IS NOT NULL AND i.error IS NOT NULL AND i.missing = 0)
               OR (i.id IS NULL AND f.scan_id = (SELECT max(id) FROM scans WHERE status = 'done')))
        """
        params = (path,)
    else:
        sql = """
        SELECT f.path, f.stage, f.kind, f.message, f.time_ns, f.scan_id FROM failures f
        JOIN (SELECT path, max(id) AS id FROM failures GROUP BY path) last ON last.id = f.id
        LEFT JOIN items i ON i.path = f.path
        WHERE (i.id IS NOT NULL AND i.error IS NOT NULL AND i.missing = 0)
           OR (i.id IS NULL AND f.scan_id = (SELECT max(id) FROM scans WHERE status = 'done'))
        ORDER BY f.path
        """
    return [FailureRow(*r) for r in db.execute(sql, params)]


def damaged_items(
    catalog: Catalog, *, limit: int, offset: int = 0
) -> tuple[list[tuple[int, bytes, str | None, str | None]], int]:
    """(id, path, damage as JSON, problems as JSON) of the present files that were
    catalogued although damaged (`damage`) or although reading them met problems
    (`extra._warnings`), by path, a page of them; and how many."""
    d = catalog.dialect
    warnings = d.json_member("extra", "_warnings")
    where = (
        f"missing = 0 AND (damage IS NOT NULL OR "
        f"({d.has_member('extra', '_warnings')} AND {warnings} IS NOT NULL))"
    )
    total = catalog.db.execute(f"SELECT count(*) FROM items WHERE {where}").fetchone()[0]
    rows = catalog.db.execute(
        f"SELECT id, path, damage, {warnings} FROM items WHERE {where} "
        "ORDER BY path LIMIT ? OFFSET ?",
        (max(0, int(limit)), max(0, int(offset))),
    )
    return [(int(i), bytes(p), dmg, w) for i, p, dmg, w in rows], int(total)


def change_mark(catalog: Catalog) -> tuple[Any, ...]:
    """A value that changes whenever the catalog's items may have: a scan started or
    ended, a run (organize, dupes, undo) started or ended, items added or removed.
    Cheap (indexes only), for caches of what is derived from the items."""
    row = catalog.db.execute(
        "SELECT (SELECT max(id) FROM scans), (SELECT max(finished_ns) FROM scans), "
        "(SELECT max(id) FROM runs), (SELECT max(finished_ns) FROM runs), "
        "(SELECT count(*) FROM items), (SELECT max(id) FROM items)"
    ).fetchone()
    return tuple(row)
