"""The catalog's single writer during a scan.

All of a scan's catalog changes go through one `Writer`, which keeps a transaction
open and commits it every `write_batch` rows or every second, so a crash or an
interrupt loses at most the uncommitted tail, never consistency.  Bulk upserts are
one `INSERT … ON CONFLICT(path) DO UPDATE` per batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folder_row
from mediashelf.catalog.rows import ADDED_INDEX, MOVE_UPDATE_SQL, UPSERT_SQL
from mediashelf.model import Failure, FileStat


class ItemRow(NamedTuple):
    """The catalog's fingerprint of one item."""

    id: int
    path: bytes
    size: int
    mtime_ns: int
    dev: int
    ino: int
    missing: bool


_FINGERPRINT = "SELECT id, path, size, mtime_ns, dev, ino, missing FROM items"


#: WAL pages between checkpoints while a scan writes (64 MiB of 4 KiB pages; SQLite's
#: default is 1000).  Each checkpoint copies the WAL into the catalog and syncs it:
#: 50-100 ms that hold up the scan while the workers wait for their results to be
#: taken, a dozen times in a first index of 10,000 files with the default.  The WAL
#: is on disk, so this costs no memory; the rest is checkpointed when the scan closes
#: the catalog.
SCAN_AUTOCHECKPOINT = 16384


class Writer:
    """Every catalog change of one scan, in one open transaction committed in batches."""

    def __init__(self, catalog: Catalog, scan_id: int, write_batch: int) -> None:
        self.catalog = catalog
        self.db = catalog.db
        self.db.execute(f"PRAGMA wal_autocheckpoint={SCAN_AUTOCHECKPOINT}")
        self.scan_id = scan_id
        self.write_batch = write_batch
        self._pending_rows = 0
        self._last_commit = time.monotonic()
        self._in_tx = False
        self._folder_ids: dict[bytes, int] = {}

    # -- transactions -------------------------------------------------------------
    def _begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False
        self._pending_rows = 0
        self._last_commit = time.monotonic()

    def rollback(self) -> None:
        if self._in_tx:
            self.db.execute("ROLLBACK")
            self._in_tx = False

    def _wrote(self, n: int) -> None:
        self._pending_rows += n
        if self._pending_rows >= self.write_batch or time.monotonic() - self._last_commit > 1.0:
            self.commit()

    # -- folders ------------------------------------------------------------------
    def folder_id(self, path: bytes) -> int:
        fid = self._folder_ids.get(path)
        if fid is None:
            self._begin()
            fid = self._folder_ids[path] = folder_row(self.db, path)
        return fid

    def set_signature(self, folder_id: int, signature: bytes | None) -> None:
        self._begin()
        self.db.execute(
            "UPDATE folders SET signature = ?, scan_id = ? WHERE id = ?",
            (signature, self.scan_id, folder_id),
        )
        self._wrote(1)

    def present_ids(self, folder_id: int) -> list[int]:
        """The items of a folder not marked missing."""
        cur = self.db.execute(
            "SELECT id FROM items WHERE folder_id = ? AND missing = 0", (folder_id,)
        )
        return [r[0] for r in cur]

    def folder_rows(self, folder_id: int) -> dict[bytes, ItemRow]:
        cur = self.db.execute(
            f"{_FINGERPRINT} WHERE folder_id = ?",
            (folder_id,),
        )
        return {r[1]: ItemRow(*r) for r in cur}

    # -- items --------------------------------------------------------------------
    def upsert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert or update items by path; an updated row keeps its id and date added."""
        if not rows:
            return
        self._begin()
        self.db.executemany(UPSERT_SQL, rows)
        self._wrote(len(rows))

    def rewrite_moved(self, row_id: int, row: tuple[Any, ...]) -> None:
        """A file found at a new path is an old row: give it the new path and metadata."""
        self._begin()
        values = [v for i, v in enumerate(row) if i != ADDED_INDEX]
        self.db.execute(MOVE_UPDATE_SQL, (*values, row_id))
        self._wrote(1)

    def move_path(self, row_id: int, fs: FileStat, folder_id: int) -> None:
        """A rename: same content, new path.  Metadata stays, identity stays."""
        self._begin()
        self.db.execute(
            "UPDATE items SET path = ?, folder_id = ?, size = ?, mtime_ns = ?, dev = ?, ino = ?, "
            "missing = 0, scan_id = ?, updated_ns = ? WHERE id = ?",
            (
                fs.path,
                folder_id,
                fs.size,
                fs.mtime_ns,
                fs.dev,
                fs.ino,
                self.scan_id,
                time.time_ns(),
                row_id,
            ),
        )
        self._wrote(1)

    def delete(self, row_id: int) -> None:
        self._begin()
        self.db.execute("DELETE FROM items WHERE id = ?", (row_id,))
        self._wrote(1)

    def refingerprint(self, row_id: int, fs: FileStat) -> None:
        self._begin()
        self.db.execute("UPDATE items SET dev = ?, ino = ? WHERE id = ?", (fs.dev, fs.ino, row_id))
        self._wrote(1)

    def mark_missing(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        if ids:
            self._begin()
            self.db.executemany(
                "UPDATE items SET missing = 1, scan_id = ? WHERE id = ? AND missing = 0",
                [(self.scan_id, i) for i in ids],
            )
            self._wrote(len(ids))
        return len(ids)

    # -- move candidates ----------------------------------------------------------
    def by_inode(self, fs: FileStat) -> list[ItemRow]:
        cur = self.db.execute(
            f"{_FINGERPRINT} WHERE dev = ? AND ino = ? AND path != ?",
            (fs.dev, fs.ino, fs.path),
        )
        return [ItemRow(*r) for r in cur]

    def by_content(self, size: int, quick_hash: bytes, path: bytes) -> list[ItemRow]:
        cur = self.db.execute(
            f"{_FINGERPRINT} WHERE size = ? AND quick_hash = ? AND path != ?",
            (size, quick_hash, path),
        )
        return [ItemRow(*r) for r in cur]

    # -- failures -----------------------------------------------------------------
    def record_failures(self, failures: Sequence[Failure]) -> None:
        if not failures:
            return
        self._begin()
        now = time.time_ns()
        self.db.executemany(
            "INSERT INTO failures (scan_id, path, stage, kind, message, time_ns) VALUES (?, ?, ?, ?, ?, ?)",
            [(self.scan_id, f.path, f.stage, f.kind, f.message, now) for f in failures],
        )
        self._wrote(len(failures))
