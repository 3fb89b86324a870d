"""Scans started from the page: each runs the scan service in a process of its own,
under the catalog's writer lease, and reports its progress back over a pipe.

A process rather than a thread: the scan answers SIGTERM and Ctrl-C with a clean stop
(which only the main thread of a process can hear) and forks its readers, which a
threaded server should not do itself.  The page's Stop button is that SIGTERM.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Final

from mediashelf.config import Settings
from mediashelf.errors import CatalogBusy
from mediashelf.events import FileEvent

#: progress messages a scan sends at most this often (seconds)
_EVERY: Final = 0.1
#: per-file events a job keeps to show (failures and moves)
_KEEP_EVENTS: Final = 200
#: finished jobs kept to show
_KEEP_JOBS: Final = 20


class PipeSink:
    """The scan's sink in its process: counts and file events, sent in small batches."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.found_files = self.found_bytes = self.done_files = 0
        self.sent_events = 0
        self._last = 0.0

    def _send(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= _EVERY:
            self._last = now
            self.conn.send(("progress", self.found_files, self.found_bytes, self.done_files))

    def found(self, files: int, size: int) -> None:
        self.found_files += files
        self.found_bytes += size
        self._send()

    def done(self, files: int) -> None:
        self.done_files += files
        self._send()

    def file(self, event: FileEvent) -> None:
        if self.sent_events < _KEEP_EVENTS:
            self.sent_events += 1
            self.conn.send(("file", event.kind, event.path, event.detail))

    def close(self) -> None:
        self._send(force=True)


def _run(settings: Settings, roots: list[bytes], conn: Connection, command: str) -> None:
    """The scan process: scan `roots` and send what happens down `conn`."""
    from mediashelf.app import session
    from mediashelf.app.scan import lease_keys, scan
    from mediashelf.catalog import driver_error
    from mediashelf.errors import ShelfError

    sink = PipeSink(conn)
    try:
        # on a server, the scan locks its roots' volumes only (other machines scan on)
        scope = functools.partial(lease_keys, roots=roots)
        with session.writing(settings, command=command, scope=scope) as catalog:
            summary = scan(settings, catalog, roots, full=False, sink=sink)
        sink.close()
        conn.send(("summary", summary.as_json()))
    except ShelfError as e:
        conn.send(("error", str(e)))
    except KeyboardInterrupt:
        conn.send(("error", "interrupted before the scan began"))
    except Exception as e:
        text = driver_error(e, settings.db_url) or type(e).__name__
        conn.send(("error", f"catalog error: {text}"))
    finally:
        conn.close()


@dataclass
class ScanJob:
    id: int
    roots: list[str]
    started: float = field(default_factory=time.time)
    found: int = 0
    bytes: int = 0
    done: int = 0
    events: deque[dict[str, str]] = field(default_factory=lambda: deque(maxlen=_KEEP_EVENTS))
    summary: dict[str, Any] | None = None
    error: str | None = None
    finished: float | None = None
    process: Any = None

    @property
    def state(self) -> str:
        if self.error is not None:
            return "failed"
        if self.summary is not None:
            return "interrupted" if self.summary["interrupted"] else "done"
        return "running"

    def snapshot(self) -> dict[str, Any]:
        """The job as the page and the API show it, files/s and ETA included."""
        end = self.finished or time.time()
        elapsed = max(end - self.started, 1e-6)
        rate = self.done / elapsed
        left = max(self.found - self.done, 0)
        return {
            "id": self.id,
            "roots": self.roots,
            "state": self.state,
            "found": self.found,
            "bytes": self.bytes,
            "done": self.done,
            "elapsed": round(elapsed, 2),
            "files_per_second": round(rate, 1),
            "eta_seconds": round(left / rate, 1) if rate > 0 and self.state == "running" else None,
            "events": list(self.events),
            "summary": self.summary,
            "error": self.error,
        }


class ScanJobs:
    """The scans this server started: one at a time, each in its own process."""

    def __init__(self, settings: Settings, command: str = "shelf serve") -> None:
        self.settings = settings
        self.command = command
        self._jobs: dict[int, ScanJob] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.on_finish: list[Any] = []  # called with each job that ends

    def start(self, roots: Sequence[bytes]) -> ScanJob:
        """Start scanning `roots` (the caller checked they are catalogued roots).
        Raises CatalogBusy while another scan started here runs."""
        import os

        with self._lock:
            if any(j.state == "running" for j in self._jobs.values()):
                raise CatalogBusy("a scan started from this page is running; wait for it")
            job = ScanJob(next(self._ids), [os.fsdecode(r) for r in roots])
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[:-_KEEP_JOBS]:
                del self._jobs[old]
        ctx = multiprocessing.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        command = f"{self.command} (scan {' '.join(job.roots)})"
        job.process = ctx.Process(
            target=_run, args=(self.settings, list(roots), sender, command), name="shelf-scan"
        )
        job.process.start()
        sender.close()
        threading.Thread(target=self._follow, args=(job, receiver), daemon=True).start()
        return job

    def _follow(self, job: ScanJob, conn: Connection) -> None:
        """Take in what the scan process sends until it closes its end."""
        try:
            while True:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    break
                self._take(job, message)
        finally:
            conn.close()
            job.process.join()
            with self._lock:
                if job.summary is None and job.error is None:
                    job.error = (
                        f"the scan process ended unexpectedly (exit code {job.process.exitcode})"
                    )
                job.finished = time.time()
            for callback in self.on_finish:
                callback(job)

    def _take(self, job: ScanJob, message: tuple[Any, ...]) -> None:
        import os

        with self._lock:
            kind = message[0]
            if kind == "progress":
                job.found, job.bytes, job.done = message[1:4]
            elif kind == "file":
                job.events.append(
                    {"kind": message[1], "path": os.fsdecode(message[2]), "detail": message[3]}
                )
            elif kind == "summary":
                job.summary = message[1]
                job.done = max(job.done, job.found)
            elif kind == "error":
                job.error = message[1]

    def get(self, job_id: int) -> ScanJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def snapshot(self, job_id: int) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.snapshot() if job is not None else None

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [j.snapshot() for j in sorted(self._jobs.values(), key=lambda j: -j.id)]

    def stop(self, job_id: int) -> bool:
        """Ask a running scan to stop cleanly (what it read so far is kept)."""
        job = self.get(job_id)
        if job is None or job.state != "running" or job.process is None:
            return False
        job.process.terminate()
        return True

    def close(self) -> None:
        """Stop every running scan and wait for it (the server is shutting down)."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.state == "running" and j.process]
        for job in running:
            job.process.terminate()
        for job in running:
            job.process.join(timeout=30)
