"""`run_scan`: the driver that wires the scan's phases together and times each.

    guard    roots whose volume is not there are stopped      scan.guard
    walk     list folders                                     scan.walk
    diff     each folder against its rows; renames by inode   scan.diff, scan.moves
    extract  read new and changed files in worker processes   scan.extract, scan.pool
    write    their rows into the catalog; moves by content    scan.write, scan.moves
    (then)   catalogued folders the walk did not see: missing

The phases stream: the walk runs ahead, each folder is diffed as it is listed, files
to read go to the pool in batches, and batches are written as they come back.  Plain
values pass between the phases (listings, tasks, batches of rows, what each phase
did); the driver alone keeps the scan's running totals.  Concurrency is decided here:
the walk and the diff run in this process, extraction in a process pool (inline with
`jobs == 1`), and every catalog change goes through the single `catalog.writer.Writer`.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folders_under
from mediashelf.catalog.roots import Mounts, this_host
from mediashelf.catalog.scans import (
    finish_scan,
    has_items,
    scan_aborted,
    standing_failures,
    start_scan,
)
from mediashelf.catalog.writer import Writer
from mediashelf.config import Settings
from mediashelf.events import FileEvent, NullSink, Sink
from mediashelf.model import Failure, Listing, display_path
from mediashelf.scan.diff import DiffPhase, FolderChanges
from mediashelf.scan.extract import Task, peak_rss_kb
from mediashelf.scan.guard import guard
from mediashelf.scan.pool import Completed, ExtractPool
from mediashelf.scan.summary import ScanSummary
from mediashelf.scan.walk import Unchanged, WalkStats, parallel_walk, walk
from mediashelf.scan.write import WritePhase, Written

#: files diffed but not yet sent to the pool: lets the walk run ahead for the ETA
MAX_QUEUED = 50_000


class _Stop:
    """Ctrl-C / SIGTERM: the first asks for a clean stop, the second aborts at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _Stop:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _under(path: bytes, roots: list[bytes]) -> bool:
    return any(path == r or path.startswith(r.rstrip(b"/") + b"/") for r in roots)


def outermost(roots: list[bytes]) -> list[bytes]:
    """Drop repeated roots and roots inside another one, so nothing is walked twice."""
    kept: list[bytes] = []
    for root in sorted(set(roots), key=len):
        if not _under(root, kept):
            kept.append(root)
    return kept


def run_scan(
    catalog: Catalog,
    settings: Settings,
    roots: list[bytes],
    *,
    full: bool = False,
    progress: Sink | None = None,
    accept_volume: bool = False,
) -> ScanSummary:
    """Bring the catalog in step with the files under `roots`.

    The caller holds the catalog's writer lease.  Roots whose volume is not there
    are stopped first, their rows left as they were (scan.guard; `accept_volume`:
    the user vouches for what is mounted at the roots now).  Interrupts (SIGINT/SIGTERM)
    stop the walk, let running batches finish, commit and return with `interrupted`
    set.  `progress` hears the files found and done, and each file that failed or moved.
    """
    t_start = time.perf_counter()
    host = this_host()
    guarded = guard(catalog, outermost(roots), host, accept=accept_volume)
    roots = guarded.roots
    options = {"full": full, "profile": settings.profile_name, "jobs": settings.jobs}
    scan_id = start_scan(catalog, [display_path(r) for r in roots], options, host)
    scan = _Scan(catalog, settings, roots, scan_id, full, progress or NullSink(), guarded.mounts)
    scan.summary.stopped = [(display_path(s.root), s.reason) for s in guarded.stopped]
    with _Stop() as stop:
        try:
            scan.stream(stop)
            scan.timed_commit()
        except BaseException:
            scan.writer.rollback()
            scan.pool.close()
            scan_aborted(catalog, scan_id)
            raise
        finally:
            scan.pool.close()
    return scan.finish(time.perf_counter() - t_start)


def _to_canon(item: Listing | Failure | Unchanged, mounts: Mounts) -> Listing | Failure | Unchanged:
    """A walk's result with its paths as the catalog has them (another host's mount)."""
    if isinstance(item, Listing):
        return dataclasses.replace(item, dir=mounts.canon(item.dir))
    if isinstance(item, Unchanged):
        return Unchanged([mounts.canon(f) for f in item.folders], item.files, item.bytes)
    return dataclasses.replace(item, path=mounts.canon(item.path))


class _Scan:
    """One scan as the driver runs it: the phases, and the totals they add up to."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        roots: list[bytes],
        scan_id: int,
        full: bool,
        sink: Sink,
        mounts: Mounts,
    ) -> None:
        profile = settings.profile
        self.catalog = catalog
        self.settings = settings
        self.roots = roots  # as this host sees them; the catalog's paths: `mounts.canon`
        self.mounts = mounts
        self.full = full
        self.sink = sink
        self.summary = ScanSummary(scan_id, [display_path(r) for r in roots])
        canon_roots = [mounts.canon(r) for r in roots]
        self.known = folders_under(catalog, canon_roots)
        folder_ids = {path: entry[0] for path, entry in self.known.items()}
        self.writer = Writer(catalog, scan_id, profile.write_batch, folder_ids, canon_roots)
        self.pool = ExtractPool(settings.jobs, profile.timeout, profile.memory_mb, scan_id)
        catalogued = has_items(catalog)
        self.diff = DiffPhase(
            self.writer, self.known, full=full, has_items=catalogued, local=mounts.local
        )
        self.write = WritePhase(self.writer, has_items=catalogued, mounts=mounts)
        self.seconds = {"walk": 0.0, DiffPhase.name: 0.0, WritePhase.name: 0.0}
        self.walk_stats = WalkStats()
        self.seen: set[bytes] = set()  # folders listed
        self.missing: set[int] = set()  # rows marked missing by this scan
        self.queue: list[Task] = []  # files diffed, not yet sent to the pool
        self.catalogued_failures = 0  # failed files catalogued with their error

    # -- the phases, streaming -----------------------------------------------------------

    def stream(self, stop: _Stop) -> None:
        listed = self._walk()
        seconds = self.seconds
        while not stop.requested:
            t0 = time.perf_counter()
            item = next(listed, None)
            seconds["walk"] += time.perf_counter() - t0
            if item is None:
                break
            if not self.mounts.identity:  # the catalog's paths, not this host's
                item = _to_canon(item, self.mounts)
            if isinstance(item, Listing):
                self._diff(item)
            elif isinstance(item, Unchanged):
                self._unchanged(item)
            else:
                self._failed([item])
            # block only when the queue is full, so the walk streams ahead of extraction
            self._pump(block=len(self.queue) >= MAX_QUEUED)
        while (self.queue or self.pool.in_flight) and not stop.requested:
            self._pump(block=True)
        if stop.requested:
            self.summary.interrupted = True
            close = getattr(listed, "close", None)
            if close is not None:
                close()  # stops parallel walkers
            # the batches in flight (two per worker at most) finish and are written
            for done in self.pool.drain():
                self._write(done)
        else:
            self._sweep()

    def _walk(self) -> Iterator[Listing | Failure | Unchanged]:
        s = self.settings
        if s.jobs > 1 and self.known and not self.full and not s.follow_symlinks:
            # a rescan: split the walk over processes (see parallel_walk)
            known = self.known
            if not self.mounts.identity:
                known = {self.mounts.local(p): entry for p, entry in known.items()}
            return parallel_walk(
                self.roots,
                known,
                s.jobs,
                exclude=s.exclude,
                one_file_system=s.one_file_system,
                stats=self.walk_stats,
            )
        return walk(
            self.roots,
            exclude=s.exclude,
            follow_symlinks=s.follow_symlinks,
            one_file_system=s.one_file_system,
            stats=self.walk_stats,
        )

    def _unchanged(self, item: Unchanged) -> None:
        """Folders a parallel walker found identical to the catalog."""
        self.seen.update(item.folders)
        self.summary.files += item.files
        self.summary.bytes += item.bytes
        self.summary.counts["unchanged"] += item.files
        self.sink.found(item.files, item.bytes)
        self.sink.done(item.files)

    def _diff(self, listing: Listing) -> None:
        t0 = time.perf_counter()
        summary, sink = self.summary, self.sink
        self.seen.add(listing.dir)
        n, size = len(listing.rows), listing.size
        summary.files += n
        summary.bytes += size
        sink.found(n, size)
        changes = self.diff.folder(listing)
        if changes is None:  # the same signature: every file unchanged
            summary.counts["unchanged"] += n
            sink.done(n)
        else:
            self._take(changes)
        self.seconds[DiffPhase.name] += time.perf_counter() - t0

    def _take(self, changes: FolderChanges) -> None:
        """Count what the diff of a folder did, and queue its files to read."""
        counts = self.summary.counts
        counts["unchanged"] += changes.unchanged
        if changes.missing:
            self.missing.update(changes.missing)
        if changes.dropped or changes.moved:
            self.missing.difference_update(changes.dropped)
            counts["moved"] += len(changes.moved)
            self._moved(changes.moved)
        self.sink.done(changes.unchanged + len(changes.moved))
        if changes.tasks:
            tasks = changes.tasks
            if not self.mounts.identity:  # the workers read the files where they are here
                local = self.mounts.local
                tasks = [(fs._replace(path=local(fs.path)), fid, c) for fs, fid, c in tasks]
            self.queue += tasks
            self.write.expect(changes.folder_id, len(changes.tasks), changes.signature)

    def _pump(self, block: bool) -> None:
        """Send queued files to the pool while there is room; write what is done."""
        pool, queue = self.pool, self.queue
        batch_size, jobs = self.settings.profile.batch_size, self.settings.jobs
        while queue and pool.in_flight < pool.max_in_flight:
            # a short queue is shared out rather than sent to one worker whole
            take = min(batch_size, max(8, -(-len(queue) // jobs)))
            pool.submit(queue[:take])
            del queue[:take]
        for done in pool.completed(block=block, timeout=0.2):
            self._write(done)

    def _write(self, done: Completed) -> None:
        t0 = time.perf_counter()
        written = self.write.batch(*done)
        self.seconds[WritePhase.name] += time.perf_counter() - t0
        self._tally(written)
        self.sink.done(len(done[0]))

    def _tally(self, written: Written) -> None:
        self.summary.counts.update(written.counts)
        self.catalogued_failures += written.catalogued_failures
        if written.failures:
            self._failed(written.failures, recorded=True)
        if written.moved:
            self._moved(written.moved)

    def _moved(self, moved: list[tuple[int, bytes, bytes]]) -> None:
        """Rows found at a new path (counted by the phase that found them)."""
        for row_id, old, new in moved:
            self.missing.discard(row_id)
            self.sink.file(FileEvent("moved", new, display_path(old)))

    def _failed(self, failures: list[Failure], recorded: bool = False) -> None:
        summary = self.summary
        if not recorded:  # a walk failure: the write stage records those of extraction
            summary.counts["failed"] += len(failures)
            self.writer.record_failures(failures)
        summary.failure_count += len(failures)
        room = 50 - len(summary.failures)
        if room > 0:
            summary.failures.extend(failures[:room])
        for f in failures:
            self.sink.file(FileEvent("failed", f.path, f"{f.kind}: {f.message}"))

    # -- after the walk --------------------------------------------------------------------

    def _sweep(self) -> None:
        """Catalogued folders under the roots that the walk did not list are gone."""
        t0 = time.perf_counter()
        stats = self.walk_stats
        if not stats.incomplete:  # a walker died: what it did not list is not known gone
            for path, (fid, _) in self.known.items():
                unreadable = [self.mounts.canon(d) for d in stats.unreadable_dirs]
                if path not in self.seen and not _under(path, unreadable):
                    self.missing.update(self.writer.mark_folder_missing(fid))
        self.seconds[DiffPhase.name] += time.perf_counter() - t0

    def timed_commit(self) -> None:
        t0 = time.perf_counter()
        self.writer.commit()
        self.seconds[WritePhase.name] += time.perf_counter() - t0

    def finish(self, total: float) -> ScanSummary:
        summary = self.summary
        summary.counts["missing"] = len(self.missing)
        summary.skipped = self.walk_stats.skipped
        if not summary.interrupted:
            standing = standing_failures(self.catalog)
            summary.known_failures = max(0, standing - self.catalogued_failures)
        s = self.seconds
        summary.seconds = {
            "walk": s["walk"],
            "diff": s[DiffPhase.name],
            "extract": self.pool.worker_seconds,
            "write": s[WritePhase.name],
            "total": total,
        }
        summary.peak_rss_mb = {
            "main": peak_rss_kb() / 1024.0,
            "workers": self.pool.peak_worker_rss_kb / 1024.0,
        }
        finish_scan(
            self.catalog,
            summary.scan_id,
            interrupted=summary.interrupted,
            counts=summary.counts,
            files=summary.files,
            size=summary.bytes,
            seconds=summary.seconds,
            peak_rss_mb=summary.peak_rss_mb,
        )
        self.sink.close()
        return summary
