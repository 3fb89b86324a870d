"""The write stage: upserts keep identity, moves keep identity, failures are recorded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.rows import item_row
from mediashelf.catalog.writer import Writer
from mediashelf.model import Extracted, Failure, FileStat
from tests.conftest import read_items, upsert


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(tmp_path / "cat.db")
    yield cat  # type: ignore[misc]
    cat.close()


def new_scan(cat: Catalog) -> int:
    return int(
        cat.db.execute(
            "INSERT INTO scans (started_ns, roots, status) VALUES (?, '[]', 'running')",
            (time.time_ns(),),
        ).lastrowid
    )


def ex(path: bytes, *, size: int = 10, mtime: int = 1, ino: int = 1, **fields: object) -> Extracted:
    return Extracted(
        FileStat(path, size, mtime, 1, ino), "audio", "mp3", dict(fields), None, b"h" * 16
    )


def test_upsert_inserts_then_updates_keeping_id_and_added(catalog: Catalog) -> None:
    w = Writer(catalog, new_scan(catalog), write_batch=1000)
    fid = w.folder_id(b"/m/A")
    upsert(w, [(ex(b"/m/A/1.mp3", title="One", track=1), fid), (ex(b"/m/A/2.mp3", ino=2), fid)])
    w.commit()
    first = read_items(catalog.path)
    assert set(first) == {b"/m/A/1.mp3", b"/m/A/2.mp3"}
    row = first[b"/m/A/1.mp3"]
    assert (row["title"], row["track"], row["kind"], row["format"], row["ext"]) == (
        "One",
        1,
        "audio",
        "mp3",
        "mp3",
    )
    time.sleep(0.002)
    w2 = Writer(catalog, new_scan(catalog), write_batch=1000)
    upsert(w2, [(ex(b"/m/A/1.mp3", size=20, mtime=2, title="Uno"), w2.folder_id(b"/m/A"))])
    w2.commit()
    again = read_items(catalog.path)[b"/m/A/1.mp3"]
    assert again["id"] == row["id"]
    assert again["added_ns"] == row["added_ns"]
    assert again["updated_ns"] > row["updated_ns"]
    assert (again["title"], again["size"], again["mtime_ns"], again["track"]) == (
        "Uno",
        20,
        2,
        None,
    )
    assert again["scan_id"] == w2.scan_id
    assert w2.folder_id(b"/m/A") == fid  # the folder row is reused too


def test_extraction_error_is_stored_on_the_item(catalog: Catalog) -> None:
    w = Writer(catalog, new_scan(catalog), write_batch=1000)
    bad = Extracted(
        FileStat(b"/m/bad.mp3", 5, 1, 1, 3),
        "audio",
        None,
        {},
        None,
        None,
        Failure(b"/m/bad.mp3", "extract", "corrupt", "no MPEG frame"),
    )
    upsert(w, [(bad, w.folder_id(b"/m"))])
    w.commit()
    assert read_items(catalog.path)[b"/m/bad.mp3"]["error"] == "corrupt: no MPEG frame"


def test_failures_are_recorded_with_scan_stage_kind_and_message(catalog: Catalog) -> None:
    scan_id = new_scan(catalog)
    w = Writer(catalog, scan_id, write_batch=1000)
    name = b"/m/caf\xe9.mp3"
    w.record_failures(
        [
            Failure(name, "extract", "corrupt", "bad frame"),
            Failure(b"/m/Locked", "walk", "unreadable", "Permission denied"),
        ]
    )
    w.commit()
    rows = catalog.db.execute(
        "SELECT scan_id, path, stage, kind, message FROM failures ORDER BY id"
    ).fetchall()
    assert rows == [
        (scan_id, name, "extract", "corrupt", "bad frame"),
        (scan_id, b"/m/Locked", "walk", "unreadable", "Permission denied"),
    ]


def test_move_and_rewrite_keep_id_and_added(catalog: Catalog) -> None:
    w = Writer(catalog, new_scan(catalog), write_batch=1000)
    upsert(w, [(ex(b"/m/A/x.mp3", title="X", ino=5), w.folder_id(b"/m/A"))])
    upsert(w, [(ex(b"/m/A/y.mp3", title="Y", ino=6), w.folder_id(b"/m/A"))])
    w.commit()
    before = read_items(catalog.path)
    x, y = before[b"/m/A/x.mp3"], before[b"/m/A/y.mp3"]
    w.move_path(x["id"], FileStat(b"/m/B/x.mp3", 10, 1, 1, 5), w.folder_id(b"/m/B"))
    moved = ex(b"/m/B/y2.mp3", title="Y2", ino=60)
    w.rewrite_moved(y["id"], item_row(moved, w.folder_id(b"/m/B"), w.scan_id, time.time_ns()))
    w.commit()
    after = read_items(catalog.path)
    assert set(after) == {b"/m/B/x.mp3", b"/m/B/y2.mp3"}
    mx, my = after[b"/m/B/x.mp3"], after[b"/m/B/y2.mp3"]
    assert (mx["id"], mx["added_ns"], mx["title"]) == (x["id"], x["added_ns"], "X")
    assert (my["id"], my["added_ns"], my["title"], my["ino"]) == (y["id"], y["added_ns"], "Y2", 60)
    assert mx["folder_id"] == my["folder_id"] == w.folder_id(b"/m/B") != x["folder_id"]


def test_mark_missing_and_refingerprint(catalog: Catalog) -> None:
    w = Writer(catalog, new_scan(catalog), write_batch=1000)
    upsert(
        w,
        [
            (ex(b"/m/a.mp3", ino=1), w.folder_id(b"/m")),
            (ex(b"/m/b.mp3", ino=2), w.folder_id(b"/m")),
        ],
    )
    w.commit()
    rows = read_items(catalog.path)
    w.mark_missing([rows[b"/m/a.mp3"]["id"]])
    w.refingerprint(rows[b"/m/b.mp3"]["id"], FileStat(b"/m/b.mp3", 10, 1, 7, 77))
    w.commit()
    after = read_items(catalog.path)
    assert after[b"/m/a.mp3"]["missing"] == 1
    assert (after[b"/m/b.mp3"]["dev"], after[b"/m/b.mp3"]["ino"]) == (7, 77)
    assert after[b"/m/b.mp3"]["missing"] == 0


def test_rows_are_committed_in_batches_and_rollback_drops_only_the_tail(catalog: Catalog) -> None:
    w = Writer(catalog, new_scan(catalog), write_batch=3)
    fid = w.folder_id(b"/m")
    for i in range(7):
        upsert(w, [(ex(b"/m/%d.mp3" % i, ino=i + 1), fid)])
    # 7 rows with a batch of 3: at least 6 are committed, the last may be pending
    assert len(read_items(catalog.path)) >= 6
    w.rollback()
    assert 6 <= len(read_items(catalog.path)) <= 7
    assert catalog.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
