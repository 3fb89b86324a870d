"""Typed read queries over the catalog (the query language is its own module later)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mediashelf.model import BOOL_FIELDS, LIST_FIELDS, MEDIA_FIELDS

#: fields every `find --json` object carries, in order
ITEM_FIELDS: tuple[str, ...] = (
    "path", "kind", "format", "size", "mtime_ns", "added", *(n for n, _ in MEDIA_FIELDS),
)  # fmt: skip
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


def _item(row: sqlite3.Row | tuple[Any, ...]) -> Item:
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


def iso_utc(ns: int | None) -> str | None:
    """Nanoseconds since the epoch as ISO 8601 in UTC, to the second."""
    if ns is None:
        return None
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).isoformat(timespec="seconds")


def prefix_range(prefix: bytes) -> tuple[bytes, bytes, bytes]:
    """(exact, low, high) so that `path = exact OR path >= low AND path < high` is the subtree."""
    base = prefix.rstrip(b"/") or b"/"
    if base == b"/":
        return base, b"/", b"0"
    return base, base + b"/", base + b"0"


def get_item(db: sqlite3.Connection, path: bytes) -> Item | None:
    row = db.execute(_SELECT + " WHERE path = ?", (path,)).fetchone()
    return _item(row) if row else None


def iter_items(
    db: sqlite3.Connection, prefixes: list[bytes], *, missing: bool = False
) -> Iterator[Item]:
    """Items under any of `prefixes` (all items when empty), by path, uses the path index."""
    where = ["missing = ?"]
    params: list[Any] = [1 if missing else 0]
    if prefixes:
        ors = []
        for p in prefixes:
            exact, low, high = prefix_range(p)
            ors.append("(path = ? OR (path >= ? AND path < ?))")
            params += [exact, low, high]
        where.append("(" + " OR ".join(ors) + ")")
    cur = db.execute(_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY path", params)
    for row in cur:
        yield _item(row)


@dataclass(frozen=True, slots=True)
class FailureRow:
    path: bytes
    stage: str
    kind: str
    message: str
    time_ns: int
    scan_id: int | None


def current_failures(db: sqlite3.Connection, *, history: bool = False) -> list[FailureRow]:
    """The latest failure of each file that still fails (or every failure with `history`).

    A failure stands while the catalogued file still carries an error, or, for files
    the catalog does not hold (unlistable folders, vanished files), until a later scan
    records none for that path.
    """
    if history:
        sql = "SELECT path, stage, kind, message, time_ns, scan_id FROM failures ORDER BY id"
    else:
        sql = """
        SELECT f.path, f.stage, f.kind, f.message, f.time_ns, f.scan_id FROM failures f
        JOIN (SELECT path, max(id) AS id FROM failures GROUP BY path) last ON last.id = f.id
        LEFT JOIN items i ON i.path = f.path
        WHERE (i.id IS NOT NULL AND i.error IS NOT NULL AND i.missing = 0)
           OR (i.id IS NULL AND f.scan_id = (SELECT max(id) FROM scans WHERE status = 'done'))
        ORDER BY f.path
        """
    return [FailureRow(*r) for r in db.execute(sql)]
