"""The worker pool of the extract stage: batches of files read in forked processes.

Each worker has a pipe for batches and one for results; at most two batches are in
flight per worker.  With `jobs == 1` batches are read in this process instead, one
after the other (a fully sequential scan, for debugging).

Two things can keep a worker from answering, and neither may hold up the scan:

- It dies (killed, out of memory, a crash in native code).  The batches it held are
  read again one file at a time, each in a fresh single-use worker, so only the file
  that kills its reader is recorded, as "crashed".
- It is stuck.  The per-file time limit is a SIGALRM inside the worker, which Python
  code obeys, but a reader blocked in native code (FFmpeg, libheif) with signals
  masked, or in an uninterruptible read, never sees it.  So the pool keeps its own
  deadline on every worker's batches: each worker counts the files it begins in a
  counter shared with this process, and a worker whose count has not moved for the
  time limit plus a grace period is killed.  The file it was reading is recorded as a
  "timeout"; the rest of its batches is read again file by file, as for a crash.

A new worker takes the place of one that died or was killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import mmap
import os
import resource
import select
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from mediashelf.errors import TimedOut
from mediashelf.scan import children
from mediashelf.scan.extract import (
    TIME_LIMIT_MESSAGE,
    BatchResult,
    Counter,
    Done,
    Task,
    extract_batch,
    failed_row,
    on_alarm,
)

#: a batch sent and what came back for it, results in the batch's order
Completed = tuple[list[Task], BatchResult]
#: what a worker does with a batch: (batch, time limit per file, run id, counter of the
#: files begun) -> results; and the result of a file its worker could not finish
Work = Callable[[Sequence[Task], float, int, Counter], BatchResult]
Failed = Callable[[Task, str, str, int], Done]


def _preload_readers(paths: Sequence[bytes]) -> None:
    from mediashelf.extract.registry import preload

    preload(paths)


def grace(timeout: float) -> float:
    """How long past the per-file time limit the pool waits before it kills a worker:
    long enough for the worker's own alarm to end a read that Python code can end."""
    return max(1.0, timeout / 10)


def _init_worker(memory_mb: int, parent_pid: int) -> None:
    children.die_with_parent(parent_pid)
    # The parent coordinates Ctrl-C and SIGTERM: workers finish their batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, on_alarm)
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_UNCOUNTED = memoryview(bytearray(8)).cast("Q")


@dataclass(slots=True)
class _Worker:
    pid: int
    tasks: int  # pipe the worker reads batches from
    results: int  # pipe it writes results to
    started: Counter  # files the worker has begun, written by the worker
    shared: mmap.mmap  # the memory behind `started`
    pending: list[list[Task]]  # batches sent, oldest first
    buf: bytearray
    answered: int = 0  # files of the batches whose results came back
    seen: int = 0  # `started` when last looked at ...
    since: float = 0.0  # ... and since when it has not moved (nor any result bytes come)

    def close(self, kill: bool) -> None:
        for fd in (self.tasks, self.results):
            with contextlib.suppress(OSError):
                os.close(fd)
        children.reap(self.pid, kill=kill)
        self.started.release()
        self.shared.close()


class ExtractPool:
    """Batches in flight on forked worker processes, or read inline when `jobs == 1`.

    The work is the scan's extract stage unless `work` (with `failed`, the result of
    a file whose worker died or was stuck, and `preload`, what to import before the
    workers fork) says otherwise: `shelf verify` decodes files in the same pool.
    """

    def __init__(
        self,
        jobs: int,
        timeout: float,
        memory_mb: int,
        scan_id: int,
        *,
        work: Work = extract_batch,
        failed: Failed = failed_row,
        preload: Callable[[Sequence[bytes]], None] = _preload_readers,
    ) -> None:
        self.work, self.failed, self.preload = work, failed, preload
        self.jobs = jobs
        self.scan_id = scan_id
        self.timeout = timeout
        self.deadline = timeout + grace(timeout)
        self.memory_mb = memory_mb
        self._workers: list[_Worker] = []
        self._inline: list[Completed] = []
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
        shared = mmap.mmap(-1, 8)  # anonymous and shared: the child writes, we read
        started = memoryview(shared).cast("Q")
        parent = os.getpid()
        # the new worker must not hold the other workers' pipes open
        inherited = [fd for w in self._workers for fd in (w.tasks, w.results)]
        timeout, scan_id, memory_mb, work = self.timeout, self.scan_id, self.memory_mb, self.work

        def child() -> None:
            for fd in (task_w, res_r, *inherited):
                os.close(fd)
            _init_worker(memory_mb, parent)
            while (batch := children.receive(task_r)) is not None:
                children.send(res_w, work(batch, timeout, scan_id, started))

        pid = children.fork(child)
        os.close(task_r)
        os.close(res_w)
        return _Worker(pid, task_w, res_r, started, shared, [], bytearray())

    def submit(self, batch: list[Task]) -> None:
        if self.jobs == 1:
            previous = signal.signal(signal.SIGALRM, on_alarm)
            try:
                done = self.work(batch, self.timeout, self.scan_id, _UNCOUNTED)
                self._inline.append((batch, done))
            finally:
                signal.signal(signal.SIGALRM, previous)
            return
        if not self._workers:
            # mutagen always; Pillow, pillow-heif, numpy, PyAV if the batch needs them
            self.preload([fs.path for fs, _, _ in batch])  # once here, not in every worker
            # Objects that exist now are never collected by the workers' GC, so its
            # passes do not copy the pages the workers share with this process.
            gc.freeze()
        while len(self._workers) < self.jobs:
            self._workers.append(self._spawn())
        worker = min(self._workers, key=lambda w: len(w.pending))
        if not worker.pending:
            worker.since = time.monotonic()  # its clock starts with its first batch
        worker.pending.append(batch)
        # if it died, its results pipe reports end of file and its batches are retried
        with contextlib.suppress(BrokenPipeError):
            children.send(worker.tasks, batch)

    def _account(self, done: Completed) -> Completed:
        r = done[1]
        self.worker_seconds += r.seconds
        self.peak_worker_rss_kb = max(self.peak_worker_rss_kb, r.peak_rss_kb)
        return done

    def completed(self, block: bool, timeout: float | None = None) -> Iterator[Completed]:
        """Yield finished batches; with `block`, wait (up to `timeout`) for at least one."""
        if self._inline:
            done_inline, self._inline = self._inline, []
            for done in done_inline:
                yield self._account(done)
            return
        busy = {w.results: w for w in self._workers if w.pending}
        if not busy:
            return
        ready, _, _ = select.select(list(busy), [], [], timeout if block else 0)
        now = time.monotonic()
        for fd in ready:
            worker = busy[fd]
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                yield from self._replace(worker, stuck=False)
                continue
            worker.buf += chunk
            worker.since = now
            for result in children.unpack(worker.buf):
                batch = worker.pending.pop(0)
                worker.answered += len(batch)
                yield self._account((batch, result))
        for worker in [w for w in busy.values() if w.pending and w in self._workers]:
            begun = worker.started[0]
            if begun != worker.seen:
                worker.seen, worker.since = begun, now
            elif now - worker.since > self.deadline:
                yield from self._replace(worker, stuck=True)

    def _replace(self, worker: _Worker, stuck: bool) -> Iterator[Completed]:
        """A worker died, or is stuck and is killed: its batches are read again file by
        file (the file a stuck worker was reading is a timeout), and a new worker will
        take its place."""
        self._workers.remove(worker)
        # the file it was reading, counted through its pending batches
        reading = worker.started[0] - 1 - worker.answered if stuck else -1
        worker.close(kill=stuck)
        for batch in worker.pending:
            results: list[Done] = []
            for task in batch:
                if reading == 0:
                    results.append(
                        self.failed(task, TimedOut.kind, TIME_LIMIT_MESSAGE, self.scan_id)
                    )
                else:
                    results.append(self._isolated(task))
                reading -= 1
            yield batch, BatchResult(results, 0.0, 0)

    def _isolated(self, task: Task) -> Done:
        """Read one file in a fresh single-use worker, within the pool's deadline: a
        crash is that file's failure, and so is a worker that does not answer in time."""
        worker = self._spawn()
        with contextlib.suppress(BrokenPipeError):  # died at once: no result below
            children.send(worker.tasks, [task])
        os.close(worker.tasks)
        worker.tasks = -1
        result = None
        end = time.monotonic() + self.deadline
        while result is None and (left := end - time.monotonic()) > 0:
            if not select.select([worker.results], [], [], left)[0]:
                break
            chunk = os.read(worker.results, 1 << 20)
            if not chunk:
                break
            worker.buf += chunk
            result = next(children.unpack(worker.buf), None)
        worker.close(kill=result is None)
        if isinstance(result, BatchResult):
            return result.results[0]
        if time.monotonic() >= end:
            return self.failed(task, TimedOut.kind, TIME_LIMIT_MESSAGE, self.scan_id)
        return self.failed(
            task, "crashed", "the reader process died while reading this file", self.scan_id
        )

    def drain(self) -> Iterator[Completed]:
        while self.in_flight:
            yield from self.completed(block=True, timeout=1.0)

    def close(self) -> None:
        """Workers read end of file on their batch pipe and exit."""
        for worker in self._workers:
            os.close(worker.tasks)
            worker.tasks = -1
        for worker in self._workers:
            worker.close(kill=bool(worker.pending))
        self._workers = []
