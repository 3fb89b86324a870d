"""The extract stage: read metadata for added and changed files.

`extract_batch` runs in a worker process (or in-process with --jobs 1) and never
raises: every per-file problem becomes a `Failure`.  `ExtractPool` feeds batches to a
fork-started process pool and survives a worker that dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import xxhash

from mediashelf.errors import Corrupt, MediaError, TimedOut, TooLarge, Unreadable, Vanished
from mediashelf.extract.registry import extension, kind_for, sniff_audio
from mediashelf.model import Extracted, Failure, FileStat
from mediashelf.scan.children import die_with_parent
from mediashelf.scan.write import item_row

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

HASH_CHUNK = 16 * 1024
#: cap on the JSON of the extra tags of one file
MAX_EXTRA_JSON = 256 * 1024


def quick_hash(size: int, head: bytes, tail: bytes) -> bytes:
    """xxh3-128 over the size and the first and last 16 KiB: cheap identity for move detection."""
    return xxhash.xxh3_128_digest(size.to_bytes(8, "little") + head + tail)


def peak_rss_kb() -> int:
    """This process's peak resident set size (VmHWM), in KiB.

    Not `getrusage().ru_maxrss`: Linux carries that over `execve`, so a scan started
    by a large process would report its parent's peak as its own.
    """
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimedOut("reading took longer than the per-file time limit")


def _read(fs: FileStat, timeout: float) -> Extracted:
    ext = extension(fs.path)
    kind = kind_for(ext)
    try:
        f = open(fs.path, "rb")  # noqa: SIM115 - closed below, after the reader is done
    except FileNotFoundError as e:
        raise Vanished("file disappeared before it could be read") from e
    except OSError as e:
        raise Unreadable(f"cannot open: {e.strerror or e}") from e
    with f:
        try:
            head = f.read(HASH_CHUNK)
            tail = b""
            if fs.size > 2 * HASH_CHUNK:
                f.seek(-HASH_CHUNK, os.SEEK_END)
                tail = f.read(HASH_CHUNK)
            elif fs.size > HASH_CHUNK:
                tail = f.read()
            f.seek(0)
        except OSError as e:
            raise Unreadable(f"read error: {e.strerror or e}") from e
        qh = quick_hash(fs.size, head, tail)
        if kind == "audio" or (kind == "other" and sniff_audio(ext, head)):
            from mediashelf.extract.audio import read_audio

            sniffed = kind == "other"
            try:
                info = read_audio(f, fs.path, ext, head)
            except MediaError:
                if sniffed:  # only looked like audio: catalogue it as a plain file
                    return Extracted(fs, "other", None, {}, None, qh)
                raise
            extra = json.dumps(info.extra, ensure_ascii=False, default=str) if info.extra else None
            if extra is not None and len(extra) > MAX_EXTRA_JSON:
                extra = json.dumps({"_truncated": True, "_keys": sorted(info.extra)[:1000]})
            return Extracted(fs, info.kind, info.format, info.fields, extra, qh)
        return Extracted(fs, kind, ext or None, {}, None, qh)


def extract_one(fs: FileStat, timeout: float) -> Extracted:
    """Read one file.  Never raises: a problem is returned as `Extracted.error`."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _read(fs, timeout)
    except MediaError as e:
        return _failed(fs, e.kind, e.message)
    except MemoryError:
        return _failed(fs, TooLarge.kind, "reading needed more memory than the worker's ceiling")
    except RecursionError:
        return _failed(fs, Corrupt.kind, "structure nested too deeply")
    except Exception as e:  # a bug in a reader must not stop the scan
        return _failed(fs, "error", f"unexpected {type(e).__name__}: {e}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _failed(fs: FileStat, kind: str, message: str) -> Extracted:
    return Extracted(
        fs,
        kind_for(extension(fs.path)),
        None,
        {},
        None,
        None,
        Failure(fs.path, "extract", kind, message),
    )


#: one file to read: its stat, its folder's id in the catalog
Task = tuple[FileStat, int]
#: one file read: its catalog row (`write.ITEM_COLUMNS` order) and its failure, if any.
#: Rows are built here, in the worker, so the parent's only per-file work is the insert.
Done = tuple[tuple[Any, ...], Failure | None]


@dataclass(frozen=True, slots=True)
class BatchResult:
    results: list[Done]
    seconds: float
    peak_rss_kb: int


def extract_batch(batch: Sequence[Task], timeout: float, scan_id: int) -> BatchResult:
    t0 = time.perf_counter()
    now = time.time_ns()
    results: list[Done] = []
    for fs, fid in batch:
        ex = extract_one(fs, timeout)
        results.append((item_row(ex, fid, scan_id, now), ex.error))
    return BatchResult(results, time.perf_counter() - t0, peak_rss_kb())


def _init_worker(memory_mb: int, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    # The parent coordinates Ctrl-C and SIGTERM: workers finish their batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, _on_alarm)
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class ExtractPool:
    """Batches in flight on a process pool, or run inline when `jobs == 1`.

    If a worker process dies (killed, out of memory, a crash in native code), the
    pool is rebuilt and the batches it held are retried one file at a time, so the
    file that kills a worker is recorded as a failure and the rest are read.
    """

    def __init__(self, jobs: int, timeout: float, memory_mb: int, scan_id: int) -> None:
        self.jobs = jobs
        self.scan_id = scan_id
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[Future[BatchResult], list[Task]] = {}
        self._inline: list[BatchResult] = []
        self.peak_worker_rss_kb = 0
        self.worker_seconds = 0.0

    @property
    def max_in_flight(self) -> int:
        return self.jobs * 2

    @property
    def in_flight(self) -> int:
        return len(self._futures) + len(self._inline)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        # imported here: a rescan with nothing to read never pays for multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(self.memory_mb, os.getpid()),
        )

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor(self.jobs)
        return self._executor

    def submit(self, batch: list[Task]) -> None:
        if self.jobs == 1:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            try:
                self._inline.append(extract_batch(batch, self.timeout, self.scan_id))
            finally:
                signal.signal(signal.SIGALRM, previous)
            return
        fut = self._pool().submit(extract_batch, batch, self.timeout, self.scan_id)
        self._futures[fut] = batch

    def _account(self, r: BatchResult) -> BatchResult:
        self.worker_seconds += r.seconds
        self.peak_worker_rss_kb = max(self.peak_worker_rss_kb, r.peak_rss_kb)
        return r

    def completed(self, block: bool, timeout: float | None = None) -> Iterator[BatchResult]:
        """Yield finished batches; with `block`, wait until at least one is done."""
        if self._inline:
            done_inline, self._inline = self._inline, []
            for r in done_inline:
                yield self._account(r)
            return
        if not self._futures:
            return
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        if block:
            done, _ = wait(list(self._futures), timeout=timeout, return_when=FIRST_COMPLETED)
        else:
            done = {f for f in self._futures if f.done()}
        broken: list[list[Task]] = []
        for fut in done:
            batch = self._futures.pop(fut)
            try:
                yield self._account(fut.result())
            except BrokenProcessPool:
                broken.append(batch)
        if broken:
            yield from self._recover(broken)

    def _recover(self, broken: list[list[Task]]) -> Iterator[BatchResult]:
        # Every batch still in flight died with the pool: take them all back.
        for fut, batch in list(self._futures.items()):
            broken.append(batch)
            del self._futures[fut]
        self._shutdown(wait_running=False)
        for batch in broken:
            results: list[Done] = []
            for task in batch:
                results.extend(self._isolated(task))
            yield BatchResult(results, 0.0, 0)

    def _isolated(self, task: Task) -> list[Done]:
        """Read one file in a fresh single-use worker; a crash is that file's failure."""
        from concurrent.futures.process import BrokenProcessPool

        with self._new_executor(1) as ex:
            try:
                return ex.submit(extract_batch, [task], self.timeout, self.scan_id).result().results
            except BrokenProcessPool:
                fs, fid = task
                failed = _failed(fs, "crashed", "the reader process died while reading this file")
                return [(item_row(failed, fid, self.scan_id, time.time_ns()), failed.error)]

    def drain(self) -> Iterator[BatchResult]:
        while self.in_flight:
            yield from self.completed(block=True)

    def _shutdown(self, wait_running: bool) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait_running, cancel_futures=True)
            self._executor = None

    def cancel_pending(self) -> None:
        """Drop batches that have not started; those running are left to finish."""
        for fut in list(self._futures):
            if fut.cancel():
                del self._futures[fut]

    def close(self) -> None:
        self._shutdown(wait_running=True)
