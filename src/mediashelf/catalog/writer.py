"""The catalog's single writer during a scan.

All of a scan's catalog changes go through one `Writer`, which keeps a transaction
open and commits it every `write_batch` rows or every second, so a crash or an
interrupt loses at most the uncommitted tail, never consistency.

No change is a statement of its own per row: items are bulk upserts (one
`INSERT … ON CONFLICT(path) DO UPDATE` per batch; on PostgreSQL a `COPY` into a
staging table merged by one statement), rows gone missing are one `UPDATE` per
folder, and the rest (new inode numbers, renames, moved rows rewritten, folder
signatures) wait in buffers that go out as one bulk update each before the writer
next reads the catalog or commits.  Move candidates are looked up for a whole folder
(by inode) or a whole batch (by content) at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folder_row
from mediashelf.catalog.rows import ADDED_INDEX, ITEM_COLUMNS
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
_MOVED_COLUMNS = (
    "path", "folder_id", "size", "mtime_ns", "dev", "ino", "missing", "scan_id", "updated_ns",
)  # fmt: skip
_REWRITE_COLUMNS = tuple(c for c in ITEM_COLUMNS if c != "added_ns")
_FAILURE_COLUMNS = ("scan_id", "path", "stage", "kind", "message", "time_ns")
_KEEP = frozenset({"added_ns"})
#: pairs per lookup statement (two parameters each, well under the engines' limits)
_PAIRS_BATCH = 5000
#: item rows buffered before they go out as one bulk upsert
_ITEMS_BATCH = 2000
#: folder ids reserved at a time
_ID_BLOCK = 256


#: WAL pages between checkpoints while a scan writes (64 MiB of 4 KiB pages; SQLite's
#: default is 1000).  Each checkpoint copies the WAL into the catalog and syncs it:
#: 50-100 ms that hold up the scan while the workers wait for their results to be
#: taken, a dozen times in a first index of 10,000 files with the default.  The WAL
#: is on disk, so this costs no memory; the rest is checkpointed when the scan closes
#: the catalog.
SCAN_AUTOCHECKPOINT = 16384


class Writer:
    """Every catalog change of one scan, in one open transaction committed in batches."""

    def __init__(
        self,
        catalog: Catalog,
        scan_id: int,
        write_batch: int,
        folders: Mapping[bytes, int] | None = None,
        roots: Sequence[bytes] = (),
    ) -> None:
        """`folders`: every catalogued folder under `roots` by path (as the scan loaded
        them), so that a folder of those roots not among them is known to be new."""
        self.catalog = catalog
        self.db = catalog.db
        catalog.tune_for_scan(SCAN_AUTOCHECKPOINT)
        self.scan_id = scan_id
        self.write_batch = write_batch
        self._pending_rows = 0
        self._last_commit = time.monotonic()
        self._in_tx = False
        self._folder_ids: dict[bytes, int] = dict(folders or {})
        self._roots = [r.rstrip(b"/") + b"/" for r in roots]
        self._ids: list[int] = []  # folder ids reserved, not yet used
        # changes waiting to go out in bulk (see `_flush`)
        self._new_folders: list[tuple[int, bytes]] = []
        self._unsaved: set[int] = set()  # ids of new folders not yet committed
        self._created: set[int] = set()  # ids of the folders this scan made
        self._items: list[Sequence[Any]] = []
        self._signatures: list[tuple[bytes | None, int, int]] = []
        self._refingerprints: list[tuple[int, int, int]] = []
        self._moves: list[tuple[Any, ...]] = []
        self._rewrites: list[tuple[Any, ...]] = []

    # -- transactions -------------------------------------------------------------
    def _begin(self) -> None:
        if not self._in_tx:
            self.catalog.begin()
            self._in_tx = True

    def _flush(self) -> None:
        """Send the buffered changes, each kind as one bulk update (renames first: a
        rewritten row may take a path a rename left)."""
        catalog = self.catalog
        if self._new_folders:  # first: items point at them
            catalog.bulk_insert("folders", ("id", "path"), self._new_folders)
            self._new_folders = []
        if self._moves:
            catalog.bulk_update("items", "id", _MOVED_COLUMNS, self._moves)
            self._moves = []
        if self._rewrites:
            catalog.bulk_update("items", "id", _REWRITE_COLUMNS, self._rewrites)
            self._rewrites = []
        if self._items:
            catalog.bulk_upsert("items", ITEM_COLUMNS, self._items, "path", keep=_KEEP)
            self._items = []
        if self._refingerprints:
            catalog.bulk_update("items", "id", ("dev", "ino"), self._refingerprints)
            self._refingerprints = []
        if self._signatures:
            catalog.bulk_update("folders", "id", ("signature", "scan_id"), self._signatures)
            self._signatures = []

    def commit(self) -> None:
        if self._in_tx:
            self._flush()
            self.db.execute("COMMIT")
            self._in_tx = False
            self._unsaved.clear()
        self._pending_rows = 0
        self._last_commit = time.monotonic()

    def rollback(self) -> None:
        self._signatures, self._refingerprints, self._moves, self._rewrites = [], [], [], []
        self._new_folders, self._items = [], []
        self._folder_ids = {p: i for p, i in self._folder_ids.items() if i not in self._unsaved}
        self._unsaved.clear()
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
            if any(path.startswith(r) or path + b"/" == r for r in self._roots):
                # under the scan's roots and not catalogued: new (its row goes out in bulk)
                if not self._ids:
                    self._ids = self.catalog.new_ids("folders", _ID_BLOCK)
                fid = self._ids.pop(0)
                self._new_folders.append((fid, path))
                self._unsaved.add(fid)
                self._created.add(fid)
            else:
                self._flush()
                fid = folder_row(self.db, path)
            self._folder_ids[path] = fid
        return fid

    def set_signature(self, folder_id: int, signature: bytes | None) -> None:
        self._begin()
        self._signatures.append((signature, self.scan_id, folder_id))
        self._wrote(1)

    def present_ids(self, folder_id: int) -> list[int]:
        """The items of a folder not marked missing."""
        self._flush()  # renames out of it first
        cur = self.db.execute(
            "SELECT id FROM items WHERE folder_id = ? AND missing = 0", (folder_id,)
        )
        return [r[0] for r in cur]

    def folder_rows(self, folder_id: int) -> dict[bytes, ItemRow]:
        if folder_id in self._created:
            # a folder this scan made has no rows yet (a folder is diffed once, before
            # anything is written into it): no need to send the buffers to ask
            return {}
        self._flush()
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
        self._items.extend(rows)
        if len(self._items) >= _ITEMS_BATCH:
            self._flush()
        self._wrote(len(rows))

    def rewrite_moved(self, row_id: int, row: tuple[Any, ...]) -> None:
        """A file found at a new path is an old row: give it the new path and metadata."""
        self._begin()
        self._rewrites.append((*(v for i, v in enumerate(row) if i != ADDED_INDEX), row_id))
        self._wrote(1)

    def move_path(self, row_id: int, fs: FileStat, folder_id: int) -> None:
        """A rename: same content, new path.  Metadata stays, identity stays."""
        self._begin()
        self._moves.append(
            (fs.path, folder_id, fs.size, fs.mtime_ns, fs.dev, fs.ino, 0, self.scan_id,
             time.time_ns(), row_id)
        )  # fmt: skip
        self._wrote(1)

    def delete(self, row_id: int) -> None:
        self._begin()
        self._flush()
        self.db.execute("DELETE FROM items WHERE id = ?", (row_id,))
        self._wrote(1)

    def refingerprint(self, row_id: int, fs: FileStat) -> None:
        self._begin()
        self._refingerprints.append((fs.dev, fs.ino, row_id))
        self._wrote(1)

    def mark_missing(self, ids: Iterable[int]) -> int:
        ids = list(ids)
        if ids:
            self._begin()
            self._flush()
            where, param = self.catalog.ids_in("id", ids)
            self.db.execute(
                f"UPDATE items SET missing = 1, scan_id = ? WHERE {where} AND missing = 0",
                (self.scan_id, param),
            )
            self._wrote(len(ids))
        return len(ids)

    # -- move candidates ----------------------------------------------------------
    def by_inodes(self, files: Sequence[FileStat]) -> dict[tuple[int, int], list[ItemRow]]:
        """The rows with the inode of each of `files`, by (dev, ino): one query."""
        return self._by_pairs("dev", "ino", [(fs.dev, fs.ino) for fs in files])

    def by_contents(
        self, keys: Sequence[tuple[int, bytes]]
    ) -> dict[tuple[int, bytes], list[ItemRow]]:
        """The rows with each (size, quick hash) of `keys`: one query."""
        found = self._by_pairs("size", "quick_hash", keys)
        return {(size, bytes(qh)): rows for (size, qh), rows in found.items()}

    def _by_pairs(
        self, a: str, b: str, pairs: Sequence[tuple[Any, Any]]
    ) -> dict[Any, list[ItemRow]]:
        out: dict[Any, list[ItemRow]] = {}
        if not pairs:
            return out
        # No flush first: what the buffers hold cannot change the answer. A candidate
        # must have left its path (`moves.path_gone`) and not be claimed by this scan;
        # the buffered rows are files found at their paths (new, changed, given a new
        # inode) or moves already claimed.  Flushing here sent every folder of a new
        # root as its own small batch, which a server catalog pays a round trip for.
        for i in range(0, len(pairs), _PAIRS_BATCH):
            where, params = self.catalog.pairs_in(a, b, pairs[i : i + _PAIRS_BATCH])
            cur = self.db.execute(
                f"SELECT id, path, size, mtime_ns, dev, ino, missing, {a}, {b} FROM items "
                f"WHERE {where}",
                params,
            )
            for r in cur:
                out.setdefault((r[7], r[8]), []).append(ItemRow(*r[:7]))
        return out

    # -- failures -----------------------------------------------------------------
    def record_failures(self, failures: Sequence[Failure]) -> None:
        if not failures:
            return
        self._begin()
        now = time.time_ns()
        self.catalog.bulk_insert(
            "failures",
            _FAILURE_COLUMNS,
            [(self.scan_id, f.path, f.stage, f.kind, f.message, now) for f in failures],
        )
        self._wrote(len(failures))
