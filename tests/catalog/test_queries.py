"""Typed read queries: subtree prefixes, the missing filter, current failures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.queries import current_failures, get_item, prune_missing
from mediashelf.catalog.values import prefix_range
from mediashelf.catalog.writer import Writer
from mediashelf.model import Extracted, Failure, FileStat
from tests.conftest import upsert

PATHS = [
    b"/m/Band/a.mp3",
    b"/m/Band/sub/b.mp3",
    b"/m/Band 2/c.mp3",
    b"/m/Band-Live/d.mp3",
    b"/m/Band0/e.mp3",
    b"/m/Band.x",
    b"/m/Bandx/f.mp3",
    b"/m/caf\xe9/g.mp3",
]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(tmp_path / "cat.db")
    scan_id = int(
        cat.db.execute(
            "INSERT INTO scans (started_ns, roots, status) VALUES (?, '[]', 'done')",
            (time.time_ns(),),
        ).lastrowid
    )
    w = Writer(cat, scan_id, 1000)
    for i, path in enumerate(PATHS):
        fs = FileStat(path, 10 + i, 1, 1, i + 1)
        upsert(
            w, [(Extracted(fs, "audio", "mp3", {"title": f"T{i}"}, None, None), w.folder_id(b"/m"))]
        )
    w.commit()
    yield cat  # type: ignore[misc]
    cat.close()


def test_prefix_range_shapes() -> None:
    assert prefix_range(b"/m/Band/") == (b"/m/Band", b"/m/Band/", b"/m/Band0")
    assert prefix_range(b"/") == (b"/", b"/", b"0")


def under(catalog: Catalog, prefixes: list[bytes], missing: bool = False) -> list[bytes]:
    """Paths under any of `prefixes` (all when empty), by the ranges prefix_range gives."""
    where, params = ["missing = ?"], [int(missing)]
    if prefixes:
        ors = []
        for p in prefixes:
            ors.append("(path = ? OR (path >= ? AND path < ?))")
            params += prefix_range(p)
        where.append("(" + " OR ".join(ors) + ")")
    sql = "SELECT path FROM items WHERE " + " AND ".join(where) + " ORDER BY path"
    return [r[0] for r in catalog.db.execute(sql, params)]


def test_items_under_a_prefix_are_exactly_the_subtree(catalog: Catalog) -> None:
    assert under(catalog, [b"/m/Band"]) == [b"/m/Band/a.mp3", b"/m/Band/sub/b.mp3"]
    assert under(catalog, [b"/m/Band/"]) == [b"/m/Band/a.mp3", b"/m/Band/sub/b.mp3"]
    assert under(catalog, [b"/m/Band.x"]) == [b"/m/Band.x"]  # a file as prefix
    assert under(catalog, [b"/m/caf\xe9"]) == [b"/m/caf\xe9/g.mp3"]
    assert under(catalog, [b"/"]) == sorted(PATHS)
    assert under(catalog, []) == sorted(PATHS)
    both = under(catalog, [b"/m/Band 2", b"/m/Bandx"])
    assert both == [b"/m/Band 2/c.mp3", b"/m/Bandx/f.mp3"]


def test_missing_items_are_still_items(catalog: Catalog) -> None:
    catalog.db.execute("UPDATE items SET missing = 1 WHERE path = ?", (b"/m/Band/a.mp3",))
    assert b"/m/Band/a.mp3" not in under(catalog, [])
    assert under(catalog, [], missing=True) == [b"/m/Band/a.mp3"]
    item = get_item(catalog, b"/m/Band/a.mp3")
    assert item is not None and item.missing and item.fields["title"] == "T0"
    assert get_item(catalog, b"/m/none.mp3") is None


def test_prune_forgets_missing_items_and_their_empty_folders(catalog: Catalog) -> None:
    gone = [(b"/m/Band/a.mp3",), (b"/m/Band/sub/b.mp3",)]
    catalog.db.executemany("UPDATE items SET missing = 1 WHERE path = ?", gone)
    assert prune_missing(catalog) == 2
    assert get_item(catalog, b"/m/Band/a.mp3") is None
    assert len(under(catalog, [])) == len(PATHS) - 2
    assert prune_missing(catalog) == 0


def test_current_failures_follow_the_items(catalog: Catalog) -> None:
    scan_id = catalog.db.execute("SELECT max(id) FROM scans").fetchone()[0]
    w = Writer(catalog, scan_id, 1000)
    w.record_failures(
        [
            Failure(b"/m/Band/a.mp3", "extract", "corrupt", "old problem"),
            Failure(b"/m/Gone/x.mp3", "extract", "vanished", "gone"),
        ]
    )
    w.commit()
    catalog.db.execute(
        "UPDATE items SET error = 'corrupt: old problem' WHERE path = ?", (b"/m/Band/a.mp3",)
    )
    now = {(f.path, f.kind) for f in current_failures(catalog)}
    assert now == {(b"/m/Band/a.mp3", "corrupt"), (b"/m/Gone/x.mp3", "vanished")}
    # one file's: what `shelf info` shows
    assert [f.message for f in current_failures(catalog, path=b"/m/Band/a.mp3")] == ["old problem"]
    assert current_failures(catalog, path=b"/m/Band/sub/b.mp3") == []
    # the item is read fine again, and a later scan finishes: both are history
    catalog.db.execute("UPDATE items SET error = NULL")
    catalog.db.execute("INSERT INTO scans (started_ns, roots, status) VALUES (1, '[]', 'done')")
    assert current_failures(catalog) == []
    assert current_failures(catalog, path=b"/m/Band/a.mp3") == []
    assert len(current_failures(catalog, history=True)) == 2
