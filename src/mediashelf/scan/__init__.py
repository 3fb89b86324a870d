"""`run_scan`: the one place where walk → diff → extract → write are wired together.

Concurrency is decided here: the walk and the diff run in this process and stream
ahead of extraction, extraction runs in a process pool (inline with `jobs == 1`),
and every catalog change goes through the single `Writer`.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from types import FrameType
from typing import Any

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folders_under
from mediashelf.catalog.rows import KIND, PATH, QUICK_HASH, SIZE
from mediashelf.catalog.scans import (
    finish_scan,
    has_items,
    scan_aborted,
    standing_failures,
    start_scan,
)
from mediashelf.catalog.writer import Writer
from mediashelf.config import Settings
from mediashelf.console import NullProgress, Progress
from mediashelf.model import Failure, FileStat, Listing, display_path
from mediashelf.scan.diff import diff_listing, same_content_fingerprint
from mediashelf.scan.extract import BatchResult, Task, peak_rss_kb
from mediashelf.scan.moves import path_gone
from mediashelf.scan.pool import ExtractPool
from mediashelf.scan.summary import CLASSES, ScanSummary
from mediashelf.scan.walk import Unchanged, WalkStats, parallel_walk, walk


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


def _outermost(roots: list[bytes]) -> list[bytes]:
    """Drop repeated roots and roots inside another one, so nothing is walked twice."""
    kept: list[bytes] = []
    for root in sorted(set(roots), key=len):
        if not _under(root, kept):
            kept.append(root)
    return kept


def _rss_mb(kb: int) -> float:
    return kb / 1024.0


def run_scan(
    catalog: Catalog,
    settings: Settings,
    roots: list[bytes],
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> ScanSummary:
    """Bring the catalog in step with the files under `roots`.

    The caller holds the catalog's scan lock.  Interrupts (SIGINT/SIGTERM) stop the
    walk, let running batches finish, commit and return with `interrupted` set.
    """
    progress = progress or NullProgress()
    t_start = time.perf_counter()
    roots = _outermost(roots)
    options = {"full": full, "profile": settings.profile_name, "jobs": settings.jobs}
    scan_id = start_scan(catalog, [display_path(r) for r in roots], options)
    summary = ScanSummary(scan_id, [display_path(r) for r in roots])
    counts = summary.counts
    writer = Writer(catalog, scan_id, settings.profile.write_batch)
    pool = ExtractPool(settings.jobs, settings.profile.timeout, settings.profile.memory_mb, scan_id)
    known = folders_under(catalog, roots)
    catalog_has_items = has_items(catalog)

    seen_folders: set[bytes] = set()
    pending: Counter[int] = Counter()  # folder id → files still being read
    folder_sig: dict[int, bytes] = {}  # signature to record once the folder's files are written
    missing_ids: set[int] = set()
    batch_size = settings.profile.batch_size
    max_queued = 50_000  # files diffed but not yet sent: lets the walk run ahead for the ETA
    queued: list[Task] = []
    walk_s = diff_s = 0.0
    extract_failures = 0  # failed files catalogued with their error by this scan
    stats = WalkStats()

    def record(failures: list[Failure]) -> None:
        summary.failure_count += len(failures)
        room = 50 - len(summary.failures)
        if room > 0:
            summary.failures.extend(failures[:room])
        writer.record_failures(failures)

    def finish_folder(fid: int) -> None:
        sig = folder_sig.pop(fid, None)
        if sig is not None:
            writer.set_signature(fid, sig)

    def handle(batch: list[Task], result: BatchResult) -> None:
        nonlocal extract_failures
        rows: list[tuple[Any, ...]] = []
        failures: list[Failure] = []
        finished: list[int] = []
        for (_, fid, cls), (row, err) in zip(batch, result.results, strict=True):
            if err is not None:
                failures.append(err)
                counts["failed"] += 1
                if err.kind == "vanished":
                    cls = ""  # nothing to catalogue; a catalogued row is marked missing next scan
                else:
                    extract_failures += 1
            elif cls == "added" and catalog_has_items and row[QUICK_HASH] is not None:
                moved = _content_move(row)
                if moved is not None:
                    writer.rewrite_moved(moved, row)
                    missing_ids.discard(moved)
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
        writer.upsert(rows)
        record(failures)
        for fid in finished:
            finish_folder(fid)
        progress.done(len(result.results))

    def _content_move(row: tuple[Any, ...]) -> int | None:
        for cand in writer.by_content(row[SIZE], row[QUICK_HASH], row[PATH]):
            if path_gone(cand):
                return cand.id
        return None

    def _moved(row_id: int, fs: FileStat, fid: int) -> None:
        writer.move_path(row_id, fs, fid)
        missing_ids.discard(row_id)
        counts["moved"] += 1
        progress.done(1)

    def _inode_move(fs: FileStat) -> int | None:
        for row in writer.by_inode(fs):
            if same_content_fingerprint(row, fs) and path_gone(row):
                return row.id
        return None

    def on_listing(listing: Listing) -> None:
        nonlocal diff_s
        t0 = time.perf_counter()
        seen_folders.add(listing.dir)
        n = len(listing.rows)
        summary.files += n
        size = listing.size
        summary.bytes += size
        progress.found(n, size)
        entry = known.get(listing.dir)
        if entry is not None and not full and listing.complete and entry[1] == listing.signature:
            counts["unchanged"] += n
            progress.done(n)
            diff_s += time.perf_counter() - t0
            return
        fid = writer.folder_id(listing.dir)
        rows = writer.folder_rows(fid) if entry is not None or catalog_has_items else {}
        d = diff_listing(listing, rows, full=full)
        counts["unchanged"] += d.unchanged
        progress.done(d.unchanged)
        missing_ids.update(d.missing)
        writer.mark_missing(d.missing)
        for row_id, fs in d.refingerprint:
            writer.refingerprint(row_id, fs)
        todo: list[tuple[FileStat, str]] = [(fs, "changed") for _, fs in d.changed]
        for row_id, fs in d.restored:
            moved = _inode_move(fs)
            if moved is not None:
                # another catalogued file was moved onto this path: it keeps its identity,
                # and the row of the file deleted from here earlier is dropped
                writer.delete(row_id)
                missing_ids.discard(row_id)
                _moved(moved, fs, fid)
            else:
                # back at its old path: its own row again, never another file's move
                todo.append((fs, "restored"))
        for fs in d.added:
            moved = _inode_move(fs) if catalog_has_items else None
            if moved is not None:
                _moved(moved, fs, fid)
            else:
                todo.append((fs, "added"))
        for fs, cls in todo:
            queued.append((fs, fid, cls))
        if todo:
            pending[fid] += len(todo)
            if listing.complete:
                folder_sig[fid] = listing.signature
        elif listing.complete:
            writer.set_signature(fid, listing.signature)
        diff_s += time.perf_counter() - t0

    def pump(block: bool) -> None:
        """Send queued files to the pool while there is room; write what is done."""
        while queued and pool.in_flight < pool.max_in_flight:
            # a short queue is shared out rather than sent to one worker whole
            take = min(batch_size, max(8, -(-len(queued) // settings.jobs)))
            chunk = queued[:take]
            del queued[:take]
            pool.submit(chunk)
        for batch, result in pool.completed(block=block, timeout=0.2):
            handle(batch, result)

    with _Stop() as stop:
        try:
            it: Iterator[Listing | Failure | Unchanged]
            if settings.jobs > 1 and known and not full and not settings.follow_symlinks:
                # a rescan: split the walk over processes (see parallel_walk)
                it = parallel_walk(
                    roots,
                    known,
                    settings.jobs,
                    exclude=settings.exclude,
                    one_file_system=settings.one_file_system,
                    stats=stats,
                )
            else:
                it = walk(
                    roots,
                    exclude=settings.exclude,
                    follow_symlinks=settings.follow_symlinks,
                    one_file_system=settings.one_file_system,
                    stats=stats,
                )
            while not stop.requested:
                t0 = time.perf_counter()
                item = next(it, None)
                walk_s += time.perf_counter() - t0
                if item is None:
                    break
                if isinstance(item, Failure):
                    record([item])
                    counts["failed"] += 1
                    continue
                if isinstance(item, Unchanged):
                    seen_folders.update(item.folders)
                    summary.files += item.files
                    summary.bytes += item.bytes
                    counts["unchanged"] += item.files
                    progress.found(item.files, item.bytes)
                    progress.done(item.files)
                    continue
                on_listing(item)
                # block only when the queue is full, so the walk streams ahead of extraction
                pump(block=len(queued) >= max_queued)
            while (queued or pool.in_flight) and not stop.requested:
                pump(block=True)
            if stop.requested:
                summary.interrupted = True
                if hasattr(it, "close"):
                    it.close()  # stops parallel walkers
                # the batches in flight (two per worker at most) finish and are written
                for batch, result in pool.drain():
                    handle(batch, result)
            else:
                unseen = [
                    fid
                    for path, (fid, _) in known.items()
                    if path not in seen_folders and not _under(path, stats.unreadable_dirs)
                ]
                if stats.incomplete:
                    unseen = []  # a walker died: what it did not list is not known to be gone
                for fid in unseen:
                    missing_ids.update(writer.mark_folder_missing(fid))
            writer.commit()
        except BaseException:
            writer.rollback()
            pool.close()
            scan_aborted(catalog, scan_id)
            raise
        finally:
            pool.close()

    counts["missing"] = len(missing_ids)
    summary.skipped = stats.skipped
    if not summary.interrupted:
        summary.known_failures = max(0, standing_failures(catalog) - extract_failures)
    total = time.perf_counter() - t_start
    summary.seconds = {
        "walk": walk_s,
        "diff": diff_s,
        "extract": pool.worker_seconds,
        "write": writer.seconds,
        "total": total,
    }
    summary.peak_rss_mb = {
        "main": _rss_mb(peak_rss_kb()),
        "workers": _rss_mb(pool.peak_worker_rss_kb),
    }
    finish_scan(
        catalog,
        scan_id,
        interrupted=summary.interrupted,
        counts=counts,
        files=summary.files,
        size=summary.bytes,
        seconds=summary.seconds,
        peak_rss_mb=summary.peak_rss_mb,
    )
    progress.close()
    return summary


__all__ = ["CLASSES", "ScanSummary", "run_scan"]
