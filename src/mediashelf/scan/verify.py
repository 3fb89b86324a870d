"""`shelf verify`: decode catalogued files to their end in the scan's worker pool.

Each worker decodes its files with `extract.damage.decode` under the same per-file
time limit as the scan (its own SIGALRM, and the pool's deadline for a decoder stuck
in native code).  Results are written batch by batch as they come back, so an
interrupted run keeps everything verified so far and the next run goes on from there.
A file whose fingerprint no longer matches the catalog is not verified (the catalog
describes another file: scan first).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.tree import Compiled
from mediashelf.catalog.verify import ToVerify, VerificationRow, store_verifications, to_verify
from mediashelf.errors import MediaError
from mediashelf.events import FileEvent, Sink
from mediashelf.model import Failure, FileStat
from mediashelf.scan.extract import BatchResult, Counter, Done, Task, peak_rss_kb
from mediashelf.scan.pool import ExtractPool
from mediashelf.signals import StopRequest

#: most files per batch: decoding takes long, so batches stay small enough to keep
#: every worker busy to the end (and a Ctrl-C loses little), large enough that many
#: short files do not cost a round trip each
BATCH = 16
#: the audio formats FFmpeg decodes (catalog `format` names); files of the others (DSD,
#: OptimFROG, old Musepack and Monkey's Audio, MIDI ...) are not verified, never
#: called damaged for want of a decoder.  Every video format is verified.
DECODABLE = frozenset(
    (
        *("mp3", "mp2", "mp1", "flac", "mp4", "ogg", "opus", "oggflac", "speex", "wav"),
        *("aiff", "asf", "wavpack", "tta", "aac", "ac3", "eac3", "ape", "musepack"),
    )
)
CHANGED = "changed since the last scan (run `shelf scan` on it again)"
CRASHED = "the decoder's process died on this file"


@dataclass(slots=True)
class VerifySummary:
    """What a verify run did."""

    candidates: int = 0  # files the query kept
    skipped: int = 0  # verified before and unchanged since
    undecodable: int = 0  # of a format with no decoder here
    verified: int = 0
    damaged: list[tuple[bytes, list[str], list[str]]] = field(default_factory=list)
    noted: list[tuple[bytes, list[str]]] = field(default_factory=list)  # whole, with a remark
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.damaged or self.failures else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "skipped": self.skipped,
            "undecodable": self.undecodable,
            "verified": self.verified,
            "damaged": len(self.damaged),
            "failed": len(self.failures),
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
        }


def _preload(paths: Sequence[bytes]) -> None:
    import av
    import av.logging
    import numpy  # noqa: F401 - the FLAC MD5's sample conversion

    av.logging.set_level(av.logging.ERROR)


def verify_one(fs: FileStat, item_id: int, declared: float | None, timeout: float) -> Done:
    """Decode one file.  Never raises: a file that could not be decoded to a verdict
    (vanished, changed, unreadable, over the time limit) is returned as a failure."""
    from mediashelf.extract.damage.decode import decode_file

    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        st = os.stat(fs.path)
        if (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino) != fs[1:]:
            return (), Failure(fs.path, "verify", "changed", CHANGED)
        decoded = decode_file(fs.path, declared)
    except MediaError as e:
        return (), Failure(fs.path, "verify", e.kind, e.message)
    except FileNotFoundError:
        return (), Failure(fs.path, "verify", "vanished", "file disappeared before it was verified")
    except OSError as e:
        return (), Failure(fs.path, "verify", "unreadable", f"read error: {e.strerror or e}")
    except MemoryError:
        return (), Failure(fs.path, "verify", "memory", "decoding needed more memory than allowed")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    row: VerificationRow = (
        item_id,
        *fs[1:],
        time.time_ns(),
        json.dumps(decoded.damage) if decoded.damage else None,
        json.dumps(decoded.messages, ensure_ascii=False) if decoded.messages else None,
    )
    return row, None


def verify_batch(
    batch: Sequence[Task], timeout: float, run_id: int, started: Counter
) -> BatchResult:
    """The pool's work: decode every file of `batch` (in a worker process)."""
    t0 = time.perf_counter()
    results: list[Done] = []
    for fs, item_id, declared in batch:
        started[0] += 1
        results.append(verify_one(fs, item_id, float(declared) if declared else None, timeout))
    return BatchResult(results, time.perf_counter() - t0, peak_rss_kb())


def verify_failed(task: Task, kind: str, message: str, run_id: int) -> Done:
    """A file its worker did not finish: a decoder that crashes on it is damage;
    a timeout stays a failure, tried again next run."""
    fs, item_id, _ = task
    if kind == "crashed":
        damage = json.dumps(["decode-error"])
        row: VerificationRow = (item_id, *fs[1:], time.time_ns(), damage, json.dumps([CRASHED]))
        return row, None
    return (), Failure(fs.path, "verify", kind, message)


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    jobs: int
    timeout: float
    memory_mb: int
    again: bool = False  # verify files whose result is current too


def run_verify(
    catalog: Catalog, compiled: Compiled, options: VerifyOptions, sink: Sink
) -> VerifySummary:
    """Decode the audio and video files `compiled` keeps (the caller holds the writer
    lease).  Ctrl-C stops cleanly: what was verified is kept, the run is `interrupted`."""
    t0 = time.monotonic()
    found, skipped = to_verify(catalog, compiled, again=options.again)
    todo = [t for t in found if t.kind == "video" or t.format in DECODABLE]
    summary = VerifySummary(
        candidates=len(found) + skipped, skipped=skipped, undecodable=len(found) - len(todo)
    )
    sink.found(len(todo), sum(t.size for t in todo))
    pool = ExtractPool(
        options.jobs,
        options.timeout,
        options.memory_mb,
        0,
        work=verify_batch,
        failed=verify_failed,
        preload=_preload,
    )
    queue = [_task(t) for t in todo]
    queue.reverse()
    per_batch = max(1, min(BATCH, len(queue) // (4 * max(1, options.jobs))))
    try:
        with StopRequest() as stop:
            while (queue or pool.in_flight) and not stop.requested:
                while queue and pool.in_flight < pool.max_in_flight:
                    pool.submit([queue.pop() for _ in range(min(per_batch, len(queue)))])
                for batch, result in pool.completed(block=True, timeout=0.2):
                    _keep(catalog, batch, result.results, summary, sink)
            summary.interrupted = stop.requested
    finally:
        pool.close()
        sink.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _task(t: ToVerify) -> Task:
    """A pool task; its third part (text in the scan's tasks) is the catalogued length."""
    declared = repr(t.duration) if t.duration else ""
    return FileStat(t.path, t.size, t.mtime_ns, t.dev, t.ino), t.id, declared


def _keep(
    catalog: Catalog,
    batch: Sequence[Task],
    results: Sequence[Done],
    summary: VerifySummary,
    sink: Sink,
) -> None:
    """Write one batch's results (one transaction), then tell the sink."""
    rows: list[VerificationRow] = []
    damaged: list[tuple[bytes, list[str], list[str]]] = []
    for (fs, _, _), (row, failure) in zip(batch, results, strict=True):
        if failure is not None:
            summary.failures.append(failure)
            sink.file(FileEvent("failed", failure.path, f"{failure.kind}: {failure.message}"))
            continue
        rows.append(row)
        damage, messages = row[6], row[7]
        if damage is not None:
            damaged.append((fs.path, json.loads(damage), json.loads(messages or "[]")))
        elif messages is not None:
            summary.noted.append((fs.path, json.loads(messages)))
    store_verifications(catalog, rows)
    summary.verified += len(rows)
    summary.damaged += damaged
    for path, reasons, _ in damaged:
        sink.file(FileEvent("damaged", path, ", ".join(reasons)))
    sink.done(len(results))
