"""The extract stage: read metadata for added and changed files.

`extract_batch` runs in a worker process (or in-process with --jobs 1) and never
raises: every per-file problem becomes a `Failure`.  `ExtractPool` feeds batches to
forked worker processes and survives a worker that dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import resource
import select
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog.rows import item_row
from mediashelf.errors import Corrupt, MediaError, TimedOut, TooLarge, Unreadable, Vanished
from mediashelf.extract.registry import choose, kind_for
from mediashelf.model import Extracted, Failure, FileStat, extension
from mediashelf.quickhash import quick_hash, read_ends
from mediashelf.scan import children

#: cap on the JSON of the extra tags of one file
MAX_EXTRA_JSON = 256 * 1024


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


def _read(fs: FileStat) -> Extracted:
    """Open the file, hash its ends and hand it to the reader the registry chooses."""
    ext = extension(fs.path)
    try:
        f = open(fs.path, "rb")  # noqa: SIM115 - closed below, after the reader is done
    except FileNotFoundError as e:
        raise Vanished("file disappeared before it could be read") from e
    except OSError as e:
        raise Unreadable(f"cannot open: {e.strerror or e}") from e
    with f:
        try:
            head, tail = read_ends(f, fs.size)
        except OSError as e:
            raise Unreadable(f"read error: {e.strerror or e}") from e
        qh = quick_hash(fs.size, head, tail)
        choice = choose(ext, head)
        if choice is None:
            return Extracted(fs, "other", ext or None, {}, None, qh)
        try:
            media = choice.reader.load()(f, fs, ext, head)
        except MediaError:
            if choice.sniffed:  # only looked like media: catalogue it as a plain file
                return Extracted(fs, "other", None, {}, None, qh)
            raise
        return Extracted(fs, media.kind, media.format, media.fields, _extra_json(media.extra), qh)


def _extra_json(extra: dict[str, object]) -> str | None:
    """The extra tags of one file as JSON, capped at MAX_EXTRA_JSON."""
    if not extra:
        return None
    text = json.dumps(extra, ensure_ascii=False, default=str)
    if len(text) > MAX_EXTRA_JSON:
        text = json.dumps({"_truncated": True, "_keys": sorted(extra)[:1000]})
    return text


def extract_one(fs: FileStat, timeout: float) -> Extracted:
    """Read one file.  Never raises: a problem is returned as `Extracted.error`."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _read(fs)
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
    children.die_with_parent(parent_pid)
    # The parent coordinates Ctrl-C and SIGTERM: workers finish their batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, _on_alarm)
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@dataclass(slots=True)
class _Worker:
    pid: int
    tasks: int  # pipe the worker reads batches from
    results: int  # pipe it writes results to
    pending: list[list[Task]]  # batches sent, oldest first
    buf: bytearray


def _worker_main(
    tasks: int, results: int, memory_mb: int, parent: int, timeout: float, scan_id: int
) -> None:
    _init_worker(memory_mb, parent)
    while (batch := children.receive(tasks)) is not None:
        children.send(results, extract_batch(batch, timeout, scan_id))


class ExtractPool:
    """Batches in flight on forked worker processes, or run inline when `jobs == 1`.

    Each worker has a pipe for batches and one for results; at most two batches are
    in flight per worker.  If a worker dies (killed, out of memory, a crash in native
    code), the batches it held are read again one file at a time, each in a fresh
    single-use worker, so only the file that kills its reader is recorded as a
    failure; a new worker takes the dead one's place.
    """

    def __init__(self, jobs: int, timeout: float, memory_mb: int, scan_id: int) -> None:
        self.jobs = jobs
        self.scan_id = scan_id
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._workers: list[_Worker] = []
        self._inline: list[BatchResult] = []
        self.peak_worker_rss_kb = 0
        self.worker_seconds = 0.0

    @property
    def max_in_flight(self) -> int:
        return self.jobs * 2

    @property
    def in_flight(self) -> int:
        return sum(len(w.pending) for w in self._workers) + len(self._inline)

    def _spawn(self) -> _Worker:
        task_r, task_w = os.pipe()
        res_r, res_w = os.pipe()
        # Room for a whole batch, even of long paths, so that sending one never waits
        # on a worker that is itself waiting for its results to be read.
        with contextlib.suppress(OSError):
            fcntl.fcntl(task_w, fcntl.F_SETPIPE_SZ, 1 << 20)
        parent = os.getpid()
        # the new worker must not hold the other workers' pipes open
        inherited = [fd for w in self._workers for fd in (w.tasks, w.results)]

        def child() -> None:
            for fd in (task_w, res_r, *inherited):
                os.close(fd)
            _worker_main(task_r, res_w, self.memory_mb, parent, self.timeout, self.scan_id)

        pid = children.fork(child)
        os.close(task_r)
        os.close(res_w)
        return _Worker(pid, task_w, res_r, [], bytearray())

    def submit(self, batch: list[Task]) -> None:
        if self.jobs == 1:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            try:
                self._inline.append(extract_batch(batch, self.timeout, self.scan_id))
            finally:
                signal.signal(signal.SIGALRM, previous)
            return
        if not self._workers:
            from mediashelf.extract.registry import preload

            # mutagen always; Pillow, pillow-heif, numpy, PyAV if the batch needs them
            preload([fs.path for fs, _ in batch])  # once here rather than in every worker
            # Objects that exist now are never collected by the workers' GC, so its
            # passes do not copy the pages the workers share with this process.
            gc.freeze()
        while len(self._workers) < self.jobs:
            self._workers.append(self._spawn())
        worker = min(self._workers, key=lambda w: len(w.pending))
        worker.pending.append(batch)
        # if it died, its results pipe reports end of file and its batches are retried
        with contextlib.suppress(BrokenPipeError):
            children.send(worker.tasks, batch)

    def _account(self, r: BatchResult) -> BatchResult:
        self.worker_seconds += r.seconds
        self.peak_worker_rss_kb = max(self.peak_worker_rss_kb, r.peak_rss_kb)
        return r

    def completed(self, block: bool, timeout: float | None = None) -> Iterator[BatchResult]:
        """Yield finished batches; with `block`, wait (up to `timeout`) for at least one."""
        if self._inline:
            done_inline, self._inline = self._inline, []
            for r in done_inline:
                yield self._account(r)
            return
        busy = {w.results: w for w in self._workers if w.pending}
        if not busy:
            return
        ready, _, _ = select.select(list(busy), [], [], timeout if block else 0)
        for fd in ready:
            worker = busy[fd]
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                yield from self._replace(worker)
                continue
            worker.buf += chunk
            for result in children.unpack(worker.buf):
                worker.pending.pop(0)
                yield self._account(result)

    def _replace(self, dead: _Worker) -> Iterator[BatchResult]:
        """A worker died: read its batches file by file, and start a new worker."""
        self._workers.remove(dead)
        os.close(dead.tasks)
        os.close(dead.results)
        children.reap(dead.pid)
        for batch in dead.pending:
            results: list[Done] = []
            for task in batch:
                results.extend(self._isolated(task))
            yield BatchResult(results, 0.0, 0)

    def _isolated(self, task: Task) -> list[Done]:
        """Read one file in a fresh single-use worker; a crash is that file's failure."""
        worker = self._spawn()
        with contextlib.suppress(BrokenPipeError):  # died at once: no result below
            children.send(worker.tasks, [task])
        os.close(worker.tasks)
        try:
            result = children.receive(worker.results)
        finally:
            os.close(worker.results)
            children.reap(worker.pid)
        if isinstance(result, BatchResult):
            return result.results
        fs, fid = task
        failed = _failed(fs, "crashed", "the reader process died while reading this file")
        return [(item_row(failed, fid, self.scan_id, time.time_ns()), failed.error)]

    def drain(self) -> Iterator[BatchResult]:
        while self.in_flight:
            yield from self.completed(block=True, timeout=1.0)

    def close(self) -> None:
        """Workers read end of file on their batch pipe and exit."""
        for worker in self._workers:
            os.close(worker.tasks)
        for worker in self._workers:
            os.close(worker.results)
            children.reap(worker.pid, kill=bool(worker.pending))
        self._workers = []
