"""`run_scan`: the driver that wires the scan's phases together and times each.

    walk     list folders                                     scan.walk
    diff     each folder against its rows; renames by inode   scan.diff, scan.moves
    extract  read new and changed files in worker processes   scan.extract, scan.pool
    write    their rows into the catalog; moves by content    scan.write, scan.moves
    (then)   catalogued folders the walk did not see: missing
    guard    roots that look unmounted (or hold another volume) are not walked; files
             gone are marked missing unless too many of a root vanished  scan.guard

The phases stream: the walk runs ahead, each folder is diffed as it is listed, files
to read go to the pool in batches, and batches are written as they come back.  Plain
values pass between the phases (listings, tasks, batches of rows, what each phase
did); the driver alone keeps the scan's running totals.  Concurrency is decided here:
the walk and the diff run in this process, extraction in a process pool (inline with
`jobs == 1`), and every catalog change goes through the single `catalog.writer.Writer`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator, Sequence

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folders_under
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
from mediashelf.scan.guard import Guard, outermost
from mediashelf.scan.guard import under_any as _under
from mediashelf.scan.pool import Completed, ExtractPool
from mediashelf.scan.summary import ScanSummary
from mediashelf.scan.walk import Unchanged, WalkStats, parallel_walk, renamed, walk, within_limit
from mediashelf.scan.write import WritePhase, Written
from mediashelf.signals import StopRequest

#: files diffed but not yet sent to the pool: lets the walk run ahead for the ETA
MAX_QUEUED = 50_000


def run_scan(
    catalog: Catalog,
    settings: Settings,
    roots: list[bytes],
    *,
    full: bool = False,
    progress: Sink | None = None,
    within: Sequence[bytes] = (),
    shallow: Collection[bytes] = (),
    accept_missing: bool = False,
    accept_volume: bool = False,
) -> ScanSummary:
    """Bring the catalog in step with the files under `roots`.

    The caller holds the catalog's writer lease.  Interrupts (SIGINT/SIGTERM) stop the
    walk, let running batches finish, commit and return with `interrupted` set.
    `progress` hears the files found and done, and each file that failed or moved.

    `within`: the folders the user named, when `roots` are folders inside them (a
    watcher rescanning the folders that changed): the mount guard judges those, and
    excludes with a `/` are relative to them.  Roots in `shallow` are listed without
    their sub-folders.  `accept_missing`: mark files gone even if more than the
    guard's share of a root vanished at once.  `accept_volume`: the user vouches for
    what is mounted at the roots now (the guard lets every root through and records
    its identity afresh).
    """
    t_start = time.perf_counter()
    deep = outermost([r for r in roots if r not in shallow])
    roots = deep + sorted({r for r in shallow if not _under(r, deep)})
    options: dict[str, object] = {
        "full": full,
        "profile": settings.profile_name,
        "jobs": settings.jobs,
    }
    if within:  # recorded as a scan of the roots (where emptied folders stop being pruned)
        options["folders"] = len(roots)
    guard = Guard(
        catalog,
        list(within) or roots,
        share=settings.hold_missing_share,
        minimum=settings.hold_missing_min,
        accept=accept_missing,
        accept_volume=accept_volume,
    )
    held = guard.check()  # a root the guard holds is not walked: nothing is marked missing
    roots = [r for r in roots if not _under(r, [h.root for h in held])]
    guard.record([r for r in guard.roots if not _under(r, [h.root for h in held])])
    scan_id = start_scan(catalog, [display_path(r) for r in (within or roots)], options, guard.host)
    scan = _Scan(catalog, settings, roots, scan_id, full, progress or NullSink(), guard, shallow)
    scan.summary.held = held
    if within:  # a folder inside the roots that is gone was deleted: the sweep says so
        scan.roots = [r for r in scan.roots if os.path.lexists(r)]
    with StopRequest() as stop:
        try:
            scan.stream(stop)
            scan.settle_missing()
            scan.timed_commit()
        except BaseException:
            scan.writer.rollback()
            scan.pool.close()
            scan_aborted(catalog, scan_id)
            raise
        finally:
            scan.pool.close()
    return scan.finish(time.perf_counter() - t_start)


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
        guard: Guard,
        shallow: Collection[bytes],
    ) -> None:
        profile = settings.profile
        self.catalog = catalog
        self.settings = settings
        self.full = full
        self.sink = sink
        self.guard = guard
        self.summary = ScanSummary(scan_id, [display_path(r) for r in roots])
        self.roots = roots  # as this host sees them; the catalog's paths: `mounts.canon`
        self.mounts = mounts = guard.mounts
        self.shallow = {r for r in shallow if r in roots}
        canon_roots = [mounts.canon(r) for r in roots]
        self.known = folders_under(catalog, canon_roots)
        folder_ids = {path: entry[0] for path, entry in self.known.items()}
        self.writer = Writer(catalog, scan_id, profile.write_batch, folder_ids, canon_roots)
        self.pool = ExtractPool(settings.jobs, profile.timeout, profile.memory_mb, scan_id)
        if self.shallow:  # a shallow root answers for itself, not for its sub-folders
            shallow_canon = {mounts.canon(r) for r in self.shallow}
            deep = [c for r, c in zip(roots, canon_roots, strict=True) if r not in self.shallow]
            for path in [p for p in self.known if p not in shallow_canon]:
                if not _under(path, deep):
                    del self.known[path]
        catalogued = has_items(catalog)
        self.diff = DiffPhase(
            self.writer, self.known, full=full, has_items=catalogued, local=mounts.local
        )
        self.write = WritePhase(self.writer, has_items=catalogued, mounts=mounts)
        self.seconds = {"walk": 0.0, DiffPhase.name: 0.0, WritePhase.name: 0.0}
        self.walk_stats = WalkStats()
        self.seen: set[bytes] = set()  # folders listed
        #: rows whose file is gone (row id → its folder), marked missing at the end
        self.missing: dict[int, bytes] = {}
        self.missing_folders: dict[bytes, int] = {}  # their folders' ids
        self.swept: set[int] = set()  # folders gone
        self.queue: list[Task] = []  # files diffed, not yet sent to the pool
        self.catalogued_failures = 0  # failed files catalogued with their error

    # -- the phases, streaming -----------------------------------------------------------

    def stream(self, stop: StopRequest) -> None:
        listed = self._walk()
        seconds = self.seconds
        while not stop.requested:
            t0 = time.perf_counter()
            item = next(listed, None)
            seconds["walk"] += time.perf_counter() - t0
            if item is None:
                break
            if not self.mounts.identity:  # the catalog's paths, not this host's
                item = renamed(item, self.mounts.canon)
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
        base = self.guard.root_of
        if s.jobs > 1 and self.known and not (self.full or s.follow_symlinks or self.shallow):
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
                base=base,
            )
        return walk(
            self.roots,
            exclude=s.exclude,
            follow_symlinks=s.follow_symlinks,
            one_file_system=s.one_file_system,
            stats=self.walk_stats,
            shallow=self.shallow,
            base=base,
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
        if self.catalog.path_limit is not None:  # paths too long to catalogue: failures
            limited, too_long = within_limit(listing, self.catalog.path_limit)
            if too_long:
                self._failed(too_long)
            if limited is None:
                return
            listing = limited
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
            self._take(changes, listing.dir)
        self.seconds[DiffPhase.name] += time.perf_counter() - t0

    def _take(self, changes: FolderChanges, folder: bytes) -> None:
        """Count what the diff of a folder did, and queue its files to read."""
        counts = self.summary.counts
        counts["unchanged"] += changes.unchanged
        if changes.missing:
            self._gone(changes.missing, folder, changes.folder_id)
        if changes.dropped or changes.moved:
            for row_id in changes.dropped:
                self.missing.pop(row_id, None)
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
            self.missing.pop(row_id, None)
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
            unreadable = [self.mounts.canon(d) for d in stats.unreadable_dirs]
            for path, (fid, _) in self.known.items():
                if path not in self.seen and not _under(path, unreadable):
                    self.swept.add(fid)
                    self._gone(self.writer.present_ids(fid), path, fid)
        self.seconds[DiffPhase.name] += time.perf_counter() - t0

    def _gone(self, ids: list[int], folder: bytes, folder_id: int) -> None:
        if ids:
            self.missing_folders[folder] = folder_id
            for row_id in ids:
                self.missing[row_id] = folder

    def settle_missing(self) -> None:
        """Mark the files found gone missing, unless the guard holds them."""
        t0 = time.perf_counter()
        apply, held = self.guard.judge(self.missing)
        writer = self.writer
        writer.mark_missing(apply)
        self.summary.counts["missing"] = len(apply)
        for fid in self.swept:  # diffed again if it comes back
            writer.set_signature(fid, None)
        for h, ids in held:
            self.summary.held.append(h)
            # their folders are diffed again by the next scan, which judges them again
            for folder in {self.missing[i] for i in ids}:
                writer.set_signature(self.missing_folders[folder], None)
        self.seconds[DiffPhase.name] += time.perf_counter() - t0

    def timed_commit(self) -> None:
        t0 = time.perf_counter()
        self.writer.commit()
        self.seconds[WritePhase.name] += time.perf_counter() - t0

    def finish(self, total: float) -> ScanSummary:
        summary = self.summary
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
