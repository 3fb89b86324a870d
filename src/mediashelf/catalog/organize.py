"""What planning an organize run reads from the catalog: the items with the template each
takes, the files that travel with them (sidecars), and the roots scans started from."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from typing import Any

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled

#: (id, path, size, mtime_ns) of a file planned to go with another
Sidecar = tuple[int, bytes, int, int]


def plan_rows(
    catalog: Catalog, user: Compiled, choices: Sequence[Compiled], columns: Sequence[str]
) -> list[tuple[int | None, dict[str, Any]]]:
    """The items matching `user`, by path, each with the index of the first of `choices`
    it matches (None: none), and its `columns`.

    One statement: the user's query picks the items, a CASE over the templates'
    queries (first match wins) picks each one's template.
    """
    with catalog.querying(user) as picked:
        cases, params = [], []
        for i, choice in enumerate(choices):
            rendered = catalog.dialect.render(choice)
            cases.append(f"WHEN {rendered.where} THEN {i}")
            params += rendered.params
        sql = (
            f"SELECT {', '.join(columns)}, CASE {' '.join(cases)} END FROM items "
            f"WHERE {picked.where} ORDER BY path"
        )
        cur = catalog.db.execute(sql, [*params, *picked.params])
        return [(r[-1], dict(zip(columns, r, strict=False))) for r in cur]


def album_sidecars(catalog: Catalog) -> list[tuple[int, bytes, int, int, bytes]]:
    """Every present file that is not audio, by path: (id, path, size, mtime_ns, folder)."""
    rows: list[tuple[int, bytes, int, int, bytes]] = catalog.db.execute(
        "SELECT i.id, i.path, i.size, i.mtime_ns, f.path FROM items i "
        "JOIN folders f ON f.id = i.folder_id WHERE i.kind != 'audio' AND i.missing = 0 "
        "ORDER BY i.path"
    ).fetchall()
    return rows


def photo_sidecars(catalog: Catalog) -> dict[bytes, Sidecar]:
    """Every present .xmp and .json file (the scan catalogues them), by path."""
    rows = catalog.db.execute(
        "SELECT id, path, size, mtime_ns FROM items WHERE ext IN ('xmp', 'json') AND missing = 0"
    )
    return {row[1]: row for row in rows}


def scan_roots(catalog: Catalog) -> frozenset[bytes]:
    """Every folder a scan started from (emptied folders are pruned up to these, never past)."""
    roots: set[bytes] = set()
    for (text,) in catalog.db.execute("SELECT roots FROM scans"):
        with contextlib.suppress(ValueError, TypeError):
            roots.update(os.fsencode(r) for r in json.loads(text))
    return frozenset(roots)
