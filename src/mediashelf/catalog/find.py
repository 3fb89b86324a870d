"""The items a query finds, and how many: the SQL behind `shelf find`.

Rows stream from the catalog in the query's order; nothing is held in memory but
a batch of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from mediashelf.catalog import tree as t
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Rendered
from mediashelf.catalog.tree import Column, Compiled

#: one catalog row by column name
Row = dict[str, Any]

_FETCH_BATCH: Final = 500


def select(
    catalog: Catalog,
    compiled: Compiled,
    *,
    limit: int | None = None,
    offset: int = 0,
    columns: Sequence[str] | None = None,
) -> Iterator[Row]:
    """The matching rows as dicts, in the query's order; regex errors come out as QueryError.

    Two steps: the ids in order (the sort handles only ids and sort keys, never
    whole rows, so memory stays small), then the rows by id in batches.  `columns`:
    only these (and `id`); the columns after `extra` may sit in overflow pages.
    `offset` skips that many rows first (a page of a listing; needs `limit`).
    """
    db = catalog.db
    wanted = "id, " + ", ".join(c for c in columns if c != "id") if columns else "*"
    with catalog.querying(compiled) as q:
        sql = f"SELECT id FROM items WHERE {q.where} ORDER BY {q.order}"
        if limit is not None:
            sql += f" LIMIT {max(0, int(limit))}"
            if offset:
                sql += f" OFFSET {max(0, int(offset))}"
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


#: how many times the rows up to the end of the page a probe walks in path order
_PROBE_PAGES: Final = 4


def select_page(
    catalog: Catalog, compiled: Compiled, *, limit: int, offset: int = 0
) -> tuple[list[Row], int]:
    """One page of the matching rows, in the query's order, and how many match in all.

    In path order (the default), a probe first walks the path index for a few pages'
    worth of rows and tests each: when the page is among them, the query matches much
    of the catalog, and the page is taken from the walk and the matches only counted
    (`kind:audio` at 100k: sorting its 100,000 matches for a page took 0.16 s).
    Otherwise the matches are found through the filter's indexes and sorted, and
    counted in the same pass (a window count).
    """
    db = catalog.db
    limit, offset = max(0, int(limit)), max(0, int(offset))
    with catalog.querying(compiled) as q:
        if _in_path_order(compiled) and _row_tests(compiled.filter):
            reach = offset + limit
            probe = (
                f"SELECT id, CASE WHEN {q.where} THEN 1 ELSE 0 END FROM items "
                f"ORDER BY path LIMIT {reach * _PROBE_PAGES}"
            )
            hits = [rid for rid, hit in db.execute(probe, q.params) if hit]
            if len(hits) >= reach:
                return _rows(catalog, hits[offset:reach]), _count(db, q)
        sql = (
            f"SELECT id, count(*) OVER () FROM items WHERE {q.where} ORDER BY {q.order} "
            f"LIMIT {limit} OFFSET {offset}"
        )
        page = db.execute(sql, q.params).fetchall()
        if not page:  # past the end (or nothing matches): the total needs a count of its own
            return [], _count(db, q) if offset else 0
    return _rows(catalog, [rid for rid, _ in page]), int(page[0][1])


def _in_path_order(compiled: Compiled) -> bool:
    keys = compiled.sort
    return (
        len(keys) == 1
        and isinstance(keys[0].expr, Column)
        and keys[0].expr.name == "path"
        and not (keys[0].descending or keys[0].nocase or keys[0].nulls_last)
    )


#: filters a row is tested against cheaply (no look-up of its own, unlike a word search)
_ROW_TESTS: Final = (t.Equals, t.Range, t.NotNull, t.Truth, t.Under, t.Everything, t.Nothing)


def _row_tests(node: t.Node) -> bool:
    """Whether every test of the filter is one a probe can make row by row."""
    if isinstance(node, t.And | t.Or):
        return all(_row_tests(n) for n in node.nodes)
    if isinstance(node, t.Not):
        return _row_tests(node.node)
    return isinstance(node, _ROW_TESTS)


def _rows(catalog: Catalog, ids: list[int]) -> list[Row]:
    by_id = rows_by_id(catalog, ids)
    return [by_id[rid] for rid in ids if rid in by_id]


def count(catalog: Catalog, compiled: Compiled) -> int:
    with catalog.querying(compiled) as q:
        return _count(catalog.db, q)


def _count(db: Any, q: Rendered) -> int:
    """How many items a rendered query matches."""
    return int(db.execute(f"SELECT count(*) FROM items WHERE {q.where}", q.params).fetchone()[0])


#: the columns whose distinct values can be listed (column names never come from a request)
VALUE_COLUMNS: Final = ("artist", "albumartist", "genre", "year", "composer", "label",
                        "format", "codec", "make", "model", "ai_tool", "ai_model")  # fmt: skip
#: those that hold numbers (never an empty text)
_NUMERIC_VALUES: Final = frozenset({"year"})


def distinct_values(
    catalog: Catalog,
    compiled: Compiled,
    column: str,
    *,
    by_count: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[tuple[Any, int]], int]:
    """(value, items) for each value `column` holds among the matching items, by value
    (text without case) or most items first, one page of them; and how many values."""
    if column not in VALUE_COLUMNS:
        raise ValueError(f"not a column to list: {column!r}")
    numeric = column in _NUMERIC_VALUES
    with catalog.querying(compiled) as q:
        where = f"{q.where} AND {column} IS NOT NULL" + ("" if numeric else f" AND {column} != ''")
        by_value = "value" if numeric else "lower(value), value"
        order = f"items DESC, {by_value}" if by_count else by_value
        # ordered outside the grouping: PostgreSQL names output columns only bare there
        rows = catalog.db.execute(
            f"SELECT value, items FROM (SELECT {column} AS value, count(*) AS items "
            f"FROM items WHERE {where} GROUP BY {column}) v ORDER BY {order} LIMIT ? OFFSET ?",
            [*q.params, max(0, int(limit)), max(0, int(offset))],
        ).fetchall()
        total = catalog.db.execute(
            f"SELECT count(DISTINCT {column}) FROM items WHERE {where}", q.params
        ).fetchone()[0]
    return [(value, int(n)) for value, n in rows], int(total)


def rows_by_id(catalog: Catalog, ids: Sequence[int]) -> dict[int, Row]:
    """Whole catalog rows by id (ids not catalogued are left out)."""
    out: dict[int, Row] = {}
    wanted = list(dict.fromkeys(int(i) for i in ids))
    for i in range(0, len(wanted), _FETCH_BATCH):
        batch = wanted[i : i + _FETCH_BATCH]
        cur = catalog.db.execute(
            f"SELECT * FROM items WHERE id IN ({','.join('?' * len(batch))})", batch
        )
        names = [d[0] for d in cur.description]
        for values in cur:
            row = dict(zip(names, values, strict=True))
            out[row["id"]] = row
    return out
