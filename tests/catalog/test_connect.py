"""The catalog: migrations, pragmas, reopening, nested transactions and the scan lock."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediashelf.catalog import open_catalog
from mediashelf.catalog.schema import MIGRATIONS, migrate
from mediashelf.errors import CatalogBusy, CatalogError
from tests.conftest import wait_until


def test_new_catalog_records_every_migration(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "dir" / "cat.db"
    cat = open_catalog(db)
    try:
        names = [r[0] for r in cat.db.execute("SELECT name FROM migrations ORDER BY name")]
        assert names == sorted(name for name, _ in MIGRATIONS)
        tables = {r[0] for r in cat.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"items", "folders", "scans", "failures", "migrations"} <= tables
    finally:
        cat.close()
    assert db.exists()


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    cat = open_catalog(tmp_path / "cat.db")
    try:
        applied_ns = cat.db.execute("SELECT name, applied_ns FROM migrations").fetchall()
        assert migrate(cat.db, cat.dialect) == []
        assert migrate(cat.db, cat.dialect) == []
        assert cat.db.execute("SELECT name, applied_ns FROM migrations").fetchall() == applied_ns
    finally:
        cat.close()


def test_wal_mode_and_pragmas(tmp_path: Path) -> None:
    cat = open_catalog(tmp_path / "cat.db")
    try:
        assert cat.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cat.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        cat.close()
    # WAL is a property of the file: a plain connection sees it too
    con = sqlite3.connect(tmp_path / "cat.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_reopening_keeps_data_and_applies_nothing(tmp_path: Path) -> None:
    db = tmp_path / "cat.db"
    first = open_catalog(db)
    first.db.execute("INSERT INTO folders (path) VALUES (?)", (b"/music",))
    second = open_catalog(db)  # while the first is still open
    try:
        assert second.db.execute("SELECT path FROM folders").fetchall() == [(b"/music",)]
        assert second.db.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)
    finally:
        second.close()
        first.close()
    third = open_catalog(db, create=False)
    try:
        assert third.db.execute("SELECT count(*) FROM folders").fetchone()[0] == 1
    finally:
        third.close()


def test_open_without_create_does_not_litter(tmp_path: Path) -> None:
    db = tmp_path / "nothing" / "cat.db"
    with pytest.raises(CatalogError, match="no catalog"):
        open_catalog(db, create=False)
    assert not db.exists() and not db.parent.exists()


def test_a_file_that_is_not_a_catalog_is_a_catalog_error(tmp_path: Path) -> None:
    db = tmp_path / "cat.db"
    db.write_bytes(b"this is not an SQLite database, just some text\n" * 100)
    with pytest.raises(CatalogError, match="cannot open catalog"):
        open_catalog(db)


def test_atomic_nests_with_savepoints(tmp_path: Path) -> None:
    cat = open_catalog(tmp_path / "cat.db")
    try:
        with cat.atomic() as db:
            db.execute("INSERT INTO folders (path) VALUES (?)", (b"/kept",))
            with pytest.raises(RuntimeError), cat.atomic():
                db.execute("INSERT INTO folders (path) VALUES (?)", (b"/dropped",))
                raise RuntimeError("inner failure")
            with cat.atomic():
                db.execute("INSERT INTO folders (path) VALUES (?)", (b"/inner-kept",))
        paths = {r[0] for r in cat.db.execute("SELECT path FROM folders")}
        assert paths == {b"/kept", b"/inner-kept"}
        with pytest.raises(KeyError), cat.atomic() as db:
            db.execute("INSERT INTO folders (path) VALUES (?)", (b"/outer-dropped",))
            raise KeyError("outer failure")
        assert {r[0] for r in cat.db.execute("SELECT path FROM folders")} == paths
        assert not cat.db.in_transaction
    finally:
        cat.close()


def test_second_scan_lock_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "cat.db"
    a, b = open_catalog(db), open_catalog(db)
    try:
        a.acquire_lease()
        with pytest.raises(CatalogBusy) as err:
            b.acquire_lease()
        message = str(err.value)
        assert f"another shelf command (pid {os.getpid()}" in message
        assert "is changing the catalog" in message
        assert str(db) in message and "--wait" in message
        assert err.value.exit_code == 3
        t0 = time.monotonic()
        with pytest.raises(CatalogBusy):
            b.acquire_lease(wait=0.3)
        assert time.monotonic() - t0 >= 0.3
        a.release_lease()
        b.acquire_lease()  # free again
    finally:
        a.close()
        b.close()


def lock_holder(db: Path, hold: str) -> subprocess.Popen[bytes]:
    """A real process that takes the scan lock, says 'locked', then runs `hold`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from mediashelf.catalog import open_catalog\n"
            "c = open_catalog(Path(sys.argv[1]))\n"
            "c.acquire_lease()\n"
            "print('locked', flush=True)\n" + hold,
            str(db),
        ],
        stdout=subprocess.PIPE,
    )


def test_waiting_for_the_lock_succeeds_when_the_holder_lets_go(tmp_path: Path) -> None:
    db = tmp_path / "cat.db"
    open_catalog(db).close()
    holder = lock_holder(db, hold="time.sleep(0.5)\nc.close()\n")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        cat = open_catalog(db)
        try:
            with pytest.raises(CatalogBusy, match=f"pid {holder.pid}"):
                cat.acquire_lease()
            cat.acquire_lease(wait=20)
        finally:
            cat.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]


def test_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "cat.db"
    holder = lock_holder(db, hold="time.sleep(600)\n")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        cat = open_catalog(db)
        try:
            with pytest.raises(CatalogBusy, match=f"pid {holder.pid}"):
                cat.acquire_lease()
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=10)
            wait_until(lambda: _try_lock(cat), timeout=5, what="the lock to be free")
        finally:
            cat.close()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]


def _try_lock(cat: object) -> bool:
    try:
        cat.acquire_lease()  # type: ignore[attr-defined]
    except CatalogBusy:
        return False
    return True
