"""The items a query finds, and how many: the SQL behind `shelf find`.

Rows stream from the catalog in the query's order; nothing is held in memory but
a batch of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.tree import Compiled

#: one catalog row by column name
Row = dict[str, Any]

_FETCH_BATCH: Final = 500


def select(
    catalog: Catalog,
    compiled: Compiled,
    *,
    limit: int | None = None,
    columns: Sequence[str] | None = None,
) -> Iterator[Row]:
    """The matching rows as dicts, in the query's order; regex errors come out as QueryError.

    Two steps: the ids in order (the sort handles only ids and sort keys, never
    whole rows, so memory stays small), then the rows by id in batches.  `columns`:
    only these (and `id`); the columns after `extra` may sit in overflow pages.
    """
    db = catalog.db
    wanted = "id, " + ", ".join(c for c in columns if c != "id") if columns else "*"
    with catalog.querying(compiled) as q:
        sql = f"SELECT id FROM items WHERE {q.where} ORDER BY {q.order}"
        if limit is not None:
            sql += f" LIMIT {max(0, int(limit))}"
        ids = db.execute(sql, q.params)
        while batch := [r[0] for r in ids.fetchmany(_FETCH_BATCH)]:
            cur = db.execute(
                f"SELECT {wanted} FROM items WHERE id IN ({','.join('?' * len(batch))})", batch
            )
            names = [d[0] for d in cur.description]
            by_id = {values[0]: values for values in cur}
            for rid in batch:
                values = by_id.get(rid)
                if values is not None:
                    yield dict(zip(names, values, strict=True))


def count(catalog: Catalog, compiled: Compiled) -> int:
    with catalog.querying(compiled) as q:
        row = catalog.db.execute(f"SELECT count(*) FROM items WHERE {q.where}", q.params)
        return int(row.fetchone()[0])
