"""Typed read queries: subtree prefixes, the missing filter, current failures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.queries import current_failures, get_item, iter_items, prefix_range
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


def paths(items: object) -> list[bytes]:
    return [i.path for i in items]  # type: ignore[attr-defined]


def test_prefix_range_shapes() -> None:
    assert prefix_range(b"/m/Band/") == (b"/m/Band", b"/m/Band/", b"/m/Band0")
    assert prefix_range(b"/") == (b"/", b"/", b"0")


def test_items_under_a_prefix_are_exactly_the_subtree(catalog: Catalog) -> None:
    assert paths(iter_items(catalog.db, [b"/m/Band"])) == [b"/m/Band/a.mp3", b"/m/Band/sub/b.mp3"]
    assert paths(iter_items(catalog.db, [b"/m/Band/"])) == [b"/m/Band/a.mp3", b"/m/Band/sub/b.mp3"]
    assert paths(iter_items(catalog.db, [b"/m/Band.x"])) == [b"/m/Band.x"]  # a file as prefix
    assert paths(iter_items(catalog.db, [b"/m/caf\xe9"])) == [b"/m/caf\xe9/g.mp3"]
    assert paths(iter_items(catalog.db, [b"/"])) == sorted(PATHS)
    assert paths(iter_items(catalog.db, [])) == sorted(PATHS)
    both = paths(iter_items(catalog.db, [b"/m/Band 2", b"/m/Bandx"]))
    assert both == [b"/m/Band 2/c.mp3", b"/m/Bandx/f.mp3"]


def test_missing_items_are_listed_separately(catalog: Catalog) -> None:
    catalog.db.execute("UPDATE items SET missing = 1 WHERE path = ?", (b"/m/Band/a.mp3",))
    assert b"/m/Band/a.mp3" not in paths(iter_items(catalog.db, []))
    assert paths(iter_items(catalog.db, [], missing=True)) == [b"/m/Band/a.mp3"]
    item = get_item(catalog.db, b"/m/Band/a.mp3")
    assert item is not None and item.missing and item.fields["title"] == "T0"
    assert get_item(catalog.db, b"/m/none.mp3") is None


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
    now = {(f.path, f.kind) for f in current_failures(catalog.db)}
    assert now == {(b"/m/Band/a.mp3", "corrupt"), (b"/m/Gone/x.mp3", "vanished")}
    # the item is read fine again, and a later scan finishes: both are history
    catalog.db.execute("UPDATE items SET error = NULL")
    catalog.db.execute("INSERT INTO scans (started_ns, roots, status) VALUES (1, '[]', 'done')")
    assert current_failures(catalog.db) == []
    assert len(current_failures(catalog.db, history=True)) == 2
