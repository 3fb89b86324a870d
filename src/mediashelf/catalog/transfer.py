"""Whole tables out of one catalog and into another (`shelf catalog copy`).

Rows keep their ids, so everything that points at them (items at folders, failures
at scans, operations at runs, hashes and verifications at items) stays right.  Each table is read in
the order of its key, in batches, from a snapshot of the source, and written with
the destination's bulk insert (COPY on PostgreSQL).  A checksum per table is
computed from values as the catalog API reads them back (JSON compared as data,
since PostgreSQL's JSONB does not keep the text as written), on both sides.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog.connect import Catalog

#: every table of the catalog, parents before children, with the key it is read by
TABLES: Final[tuple[tuple[str, str], ...]] = (
    ("folders", "id"),
    ("scans", "id"),
    ("items", "id"),
    ("failures", "id"),
    ("runs", "id"),
    ("ops", "id"),
    ("hashes", "item_id, kind"),
    ("roots", "id"),
    ("verifications", "item_id"),
)
#: columns holding JSON text (SQLite) or JSONB (PostgreSQL)
_JSON_COLUMNS: Final = frozenset({"extra", "folded"})
_BATCH: Final = 5000


def columns(catalog: Catalog, table: str) -> list[str]:
    cur = catalog.db.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [d[0] for d in cur.description]


def batches(catalog: Catalog, table: str, key: str, cols: Sequence[str]) -> Iterator[list[Any]]:
    """The rows of `table`, in key order, a batch at a time."""
    cur = catalog.db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {key}")
    while rows := cur.fetchmany(_BATCH):
        yield [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]


def count(catalog: Catalog, table: str) -> int:
    return int(catalog.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def is_empty(catalog: Catalog) -> bool:
    return all(count(catalog, table) == 0 for table, _ in TABLES)


def clear(catalog: Catalog) -> None:
    """Delete every row (children first), inside the caller's transaction."""
    for table, _ in reversed(TABLES):
        catalog.db.execute(f"DELETE FROM {table}")


def after_copy(catalog: Catalog, table: str) -> None:
    """Make new rows continue after the copied ids (PostgreSQL's identity sequences)."""
    if catalog.dialect.name == "postgresql" and table not in ("hashes", "verifications"):
        catalog.db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


def _canonical(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    if isinstance(value, bytes | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, float):
        return repr(value)
    return value


def checksum(catalog: Catalog, table: str, key: str, cols: Sequence[str]) -> str:
    """A digest of the table's rows in key order, values compared as data."""
    digest = hashlib.blake2b(digest_size=16)
    for rows in batches(catalog, table, key, cols):
        for row in rows:
            values = [_canonical(c, v) for c, v in zip(cols, row, strict=True)]
            digest.update(json.dumps(values, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def snapshot(catalog: Catalog) -> Iterator[None]:
    """Reads inside see the catalog as it was at the start (writers may go on)."""
    pg = catalog.dialect.name == "postgresql"
    catalog.db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if pg else "BEGIN")
    try:
        yield
    finally:
        catalog.db.execute("ROLLBACK")
