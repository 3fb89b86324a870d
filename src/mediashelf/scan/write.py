"""The write stage: the rows the readers built, into the catalog.

`WritePhase.batch` takes one batch back from the pool: every file read becomes its
row in one bulk upsert, every failure is recorded, a new file that is an old row
moved by content (copied, then deleted) takes that row over, and a folder whose
files are all written gets its signature, so the next scan can skip it whole.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from mediashelf.catalog.rows import KIND, PATH, QUICK_HASH
from mediashelf.catalog.writer import Writer
from mediashelf.model import Failure
from mediashelf.scan.extract import BatchResult, Task
from mediashelf.scan.moves import moved_by_content


class Written:
    """What the write stage did with one batch (slots: see `diff.FolderChanges`)."""

    __slots__ = ("catalogued_failures", "counts", "failures", "moved")

    def __init__(self) -> None:
        #: added, changed, moved, failed, other (files read that are not media)
        self.counts: Counter[str] = Counter()
        self.failures: list[Failure] = []
        #: failed files catalogued with their error (those that vanished are not)
        self.catalogued_failures = 0
        #: rows found again at a new path, by content: (row id, old path, new path)
        self.moved: list[tuple[int, bytes, bytes]] = []


class WritePhase:
    name: ClassVar[str] = "write"

    def __init__(self, writer: Writer, *, has_items: bool) -> None:
        self.writer = writer
        self.has_items = has_items  # an empty catalog has no rows to move
        self._pending: Counter[int] = Counter()  # folder id -> files still being read
        self._signatures: dict[int, bytes] = {}  # to record once they are all written

    def expect(self, folder_id: int, files: int, signature: bytes | None) -> None:
        """`files` of a folder are being read; record `signature` once they are written."""
        self._pending[folder_id] += files
        if signature is not None:
            self._signatures[folder_id] = signature

    def batch(self, tasks: list[Task], result: BatchResult) -> Written:
        out = Written()
        counts = out.counts
        rows: list[tuple[Any, ...]] = []
        finished: list[int] = []
        pending = self._pending
        for (_, fid, cls), (row, err) in zip(tasks, result.results, strict=True):
            if err is not None:
                out.failures.append(err)
                counts["failed"] += 1
                if err.kind == "vanished":
                    cls = ""  # nothing to catalogue; a catalogued row is marked missing next scan
                else:
                    out.catalogued_failures += 1
            elif cls == "added" and self.has_items and row[QUICK_HASH] is not None:
                old = moved_by_content(self.writer, row)
                if old is not None:
                    self.writer.rewrite_moved(old.id, row)
                    out.moved.append((old.id, old.path, row[PATH]))
                    counts["moved"] += 1
                    cls = ""
            if cls:
                rows.append(row)
                counts["added" if cls == "restored" else cls] += 1
                if row[KIND] == "other":
                    counts["other"] += 1
            pending[fid] -= 1
            if pending[fid] == 0:
                del pending[fid]
                finished.append(fid)
        self.writer.upsert(rows)
        self.writer.record_failures(out.failures)
        for fid in finished:
            signature = self._signatures.pop(fid, None)
            if signature is not None:
                self.writer.set_signature(fid, signature)
        return out
