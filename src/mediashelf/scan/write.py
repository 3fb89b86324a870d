"""The write stage: the rows the readers built, into the catalog.

`WritePhase.batch` takes one batch back from the pool: every file read becomes its
row in one bulk upsert, every failure is recorded, a new file that is an old row
moved by content (copied, then deleted) takes that row over, and a folder whose
files are all written gets its signature, so the next scan can skip it whole.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, ClassVar

from mediashelf.catalog.roots import Mounts
from mediashelf.catalog.rows import KIND, PATH, QUICK_HASH, SIZE
from mediashelf.catalog.writer import Writer
from mediashelf.model import Failure
from mediashelf.scan.extract import BatchResult, Done, Task
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

    def __init__(self, writer: Writer, *, has_items: bool, mounts: Mounts | None = None) -> None:
        self.writer = writer
        #: this host's paths ↔ the catalog's (another host's mount: see roots.Mounts)
        self.mounts = mounts
        self.has_items = has_items  # an empty catalog has no rows to move
        self._pending: Counter[int] = Counter()  # folder id -> files still being read
        self._signatures: dict[int, bytes] = {}  # to record once they are all written
        self.claimed: set[int] = set()  # rows a file of this scan was found to be

    def expect(self, folder_id: int, files: int, signature: bytes | None) -> None:
        """`files` of a folder are being read; record `signature` once they are written."""
        self._pending[folder_id] += files
        if signature is not None:
            self._signatures[folder_id] = signature

    def batch(self, tasks: list[Task], result: BatchResult) -> Written:
        mounts = self.mounts
        if mounts is not None and not mounts.identity:
            tasks, result = _to_canon(tasks, result, mounts)
        local = mounts.local if mounts is not None else (lambda path: path)
        out = Written()
        counts = out.counts
        rows: list[tuple[Any, ...]] = []
        finished: list[int] = []
        pending = self._pending
        # the rows with the content of this batch's new files, in one look-up
        keys = [
            (row[SIZE], row[QUICK_HASH])
            for (_, _, cls), (row, err) in zip(tasks, result.results, strict=True)
            if err is None and cls == "added" and self.has_items and row[QUICK_HASH] is not None
        ]
        contents = self.writer.by_contents(keys) if keys else {}
        for (_, fid, cls), (row, err) in zip(tasks, result.results, strict=True):
            if err is not None:
                out.failures.append(err)
                counts["failed"] += 1
                if err.kind == "vanished":
                    cls = ""  # nothing to catalogue; a catalogued row is marked missing next scan
                else:
                    out.catalogued_failures += 1
            elif cls == "added" and self.has_items and row[QUICK_HASH] is not None:
                found = contents.get((row[SIZE], bytes(row[QUICK_HASH])), ())
                old = moved_by_content(found, row, self.claimed, local)
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


def _to_canon(
    tasks: list[Task], result: BatchResult, mounts: Mounts
) -> tuple[list[Task], BatchResult]:
    """A batch read on another host's mount, with the catalog's paths."""
    canon = mounts.canon
    tasks = [(fs._replace(path=canon(fs.path)), fid, c) for fs, fid, c in tasks]
    results: list[Done] = []
    for row, err in result.results:
        if row:
            row = (*row[:PATH], canon(row[PATH]), *row[PATH + 1 :])
        if err is not None:
            err = dataclasses.replace(err, path=canon(err.path))
        results.append((row, err))
    return tasks, dataclasses.replace(result, results=results)
